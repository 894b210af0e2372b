"""The ``build`` mode of the composed programs' check (``check.py``): the
module ``adcompile build`` writes for a program, imported and called."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from adcompile._src.tools.build import Request, Target, write

if TYPE_CHECKING:
    from tests.compose.check import Run


def run_build(run: Run, directions: list, refs: list) -> None:
    """``adcompile build`` of the program's module, with respect to every
    parameter: the built ``grad_f`` (general code, needing only numpy) is
    checked as ``grad`` is."""
    source = Path(run.module_file)
    output = source.with_name(f"{source.stem}_grad.py")
    write(Target(source, output, (Request("f", run.wrt),)))
    sys.path.insert(0, str(source.parent))
    sys.modules[source.stem] = run.module  # (what the built module imports)
    try:
        spec = importlib.util.spec_from_file_location(output.stem, output)
        assert spec is not None and spec.loader is not None
        built = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(built)
    finally:
        sys.path.remove(str(source.parent))
        sys.modules.pop(source.stem, None)
    for _ in range(2):
        called = run.fresh()
        g = built.grad_f(*called)
        run.check_args("build", called)
        run.check_gradient("build", g, directions, refs)


def warm() -> None:
    """Copy every runtime helper once, in this process: worker processes
    forked after it build modules without copying them again."""
    from adcompile._src import runtime
    from adcompile._src.tools.aot_runtime import runtime_code

    runtime_code(runtime.HELPERS)
