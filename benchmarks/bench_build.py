"""Gradients built ahead of time (``adcompile build``) against in process.

Run ``python benchmarks/bench_build.py``. Builds, into a temporary
directory, modules of gradients of the benchmark models and compares:

- the built gradient of the MLP (no calls) and of the RK4 pendulum (2000
  calls of a user function per gradient, through the built pullbacks),
  built with ``--args`` (the variant for the arguments' shapes, which is
  what the in-process gradient runs from its second call), against
  ``adcompile.grad`` in process: target ratio <= 1.05; the general code
  (built without ``--args``) is reported;
- importing a built module of 20 gradients, in fresh processes (numpy and
  the user's module imported before the clock starts), from its ``.pyc``
  as an installed package is: target < 50 ms; without a ``.pyc`` (Python
  compiles the source on import) it is reported.
"""

from __future__ import annotations

import os
import py_compile
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import HERE, Row, Timing, compare, format_table, setup

setup()

import numpy as np  # noqa: E402

import adcompile  # noqa: E402
from adcompile._src.tools.build import Request, Target, write  # noqa: E402

RATIO = 1.05
IMPORT_SECONDS = 0.050


def _build(directory: Path, name: str, source: str, requests: tuple) -> object:
    (directory / f"{name}.py").write_text(source)
    target = Target(directory / f"{name}.py", directory / f"{name}_grad.py", requests)
    write(target)
    sys.path.insert(0, str(directory))
    try:
        __import__(f"{name}_grad")
        return sys.modules[f"{name}_grad"]
    finally:
        sys.path.remove(str(directory))


def _side_by_side(label: str, built, in_process, args: tuple, repeat: int) -> Row:
    expected = in_process(*args)
    got = built(*args)
    pairs = zip(got, expected, strict=True) if isinstance(got, tuple) else []
    for a, b in pairs or [(got, expected)]:
        np.testing.assert_allclose(a, b, rtol=1e-10)
    namespace = {"built": built, "ours": in_process, "args": args}
    timings = compare(
        {"built": ("built(*args)", namespace), "ours": ("ours(*args)", namespace)},
        repeat=repeat,
    )
    row = Row(label, timings["built"], timings["ours"], target=f"ratio <= {RATIO}")
    row.ok = row.ratio is not None and row.ratio <= RATIO
    return row


def built_vs_in_process(repeat: int = 15) -> list[Row]:
    import models
    import models_control_flow as cf

    rows = []
    with tempfile.TemporaryDirectory(prefix="adcompile-bench-build-") as tmp:
        directory = Path(tmp)
        mlp_args = models.mlp_data()
        wrt = ("W1", "b1", "W2", "b2")
        shapes = "np.ones((784, 256)), np.ones(256), np.ones((256, 10)), np.ones(10), "
        shapes += "np.ones((256, 784)), np.ones((256, 10))"
        source = (HERE / "models.py").read_text()
        variant = _build(
            directory, "mlp_v", source, (Request("mlp_loss", wrt, shapes),)
        )
        general = _build(directory, "mlp_g", source, (Request("mlp_loss", wrt),))
        ours = adcompile.grad(models.mlp_loss, wrt=wrt)
        rows.append(
            _side_by_side(
                "MLP 784-256-10 gradient: built (--args) / in process",
                variant.grad_mlp_loss,
                ours,
                mlp_args,
                repeat,
            )
        )
        general_row = _side_by_side(
            "MLP gradient: built general code / in process",
            general.grad_mlp_loss,
            ours,
            mlp_args,
            repeat,
        )
        general_row.target, general_row.ok = "reported", None
        rows.append(general_row)

        rk4_args = cf.rk4_data()
        source = (HERE / "models_control_flow.py").read_text()
        rk4 = _build(
            directory,
            "rk4_v",
            source,
            (Request("rk4_loss", (0, 1), "np.ones(2), np.ones(2)"),),
        )
        rows.append(
            _side_by_side(
                "RK4 500 steps, 2000 calls of pendulum: built (--args) / in process",
                rk4.grad_rk4_loss,
                adcompile.grad(cf.rk4_loss, wrt=(0, 1)),
                rk4_args,
                max(5, repeat // 3),
            )
        )
    return rows


IMPORT_SCRIPT = """\
import sys, time
sys.path.insert(0, {directory!r})
import numpy
import twenty
start = time.perf_counter()
import twenty_grad
print(time.perf_counter() - start)
"""


def import_time(runs: int = 7) -> list[Row]:
    source = (HERE / "models.py").read_text()
    body = source.split("def twenty_lines(", 1)[1].split("\n\n\n", 1)[0]
    functions = "\n\n\n".join(f"def twenty_lines_{i}({body}" for i in range(20))
    text = "import numpy as np\n\n\n" + functions + "\n"
    with tempfile.TemporaryDirectory(prefix="adcompile-bench-import-") as tmp:
        directory = Path(tmp)
        (directory / "twenty.py").write_text(text)
        requests = tuple(Request(f"twenty_lines_{i}") for i in range(20))
        write(Target(directory / "twenty.py", directory / "twenty_grad.py", requests))
        script = IMPORT_SCRIPT.format(directory=tmp)
        uncompiled = _import_samples(script, runs)  # no bytecode: compiled now
        py_compile.compile(str(directory / "twenty_grad.py"), doraise=True)
        compiled = _import_samples(script, runs)  # as installed packages are
    row = Row(
        "import a built module of 20 gradients (fresh process, its .pyc)",
        Timing(compiled),
        target=f"< {IMPORT_SECONDS * 1000:.0f} ms",
    )
    row.ok = statistics.median(compiled) < IMPORT_SECONDS
    first = Row(
        "the same without a .pyc (source compiled on import)", Timing(uncompiled)
    )
    return [row, first]


def _import_samples(script: str, runs: int) -> list[float]:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", script],
            check=True,
            capture_output=True,
            text=True,
            env=environment,
        )
        samples.append(float(out.stdout.strip()))
    return samples


BENCHMARKS = [built_vs_in_process, import_time]

if __name__ == "__main__":
    print(format_table([row for bench in BENCHMARKS for row in bench()]))
