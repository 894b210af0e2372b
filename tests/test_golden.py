"""Golden files of emitted source: one case per construct.

Each ``golden/NAME.py`` defines ``f`` (and optionally ``WRT`` and ``KIND``);
``golden/NAME.expected`` holds the exact source adcompile emits for it. Run
with ``ADCOMPILE_UPDATE_GOLDEN=1`` to rewrite the expected files after a
deliberate change, and review the diff.
"""

import ast
import importlib.util
import os
from pathlib import Path

import black
import pytest

import adcompile

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.py"))


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"golden_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path):
    module = load(case)
    text = adcompile.source(
        module.f, wrt=getattr(module, "WRT", 0), kind=getattr(module, "KIND", "grad")
    )
    expected_path = case.with_suffix(".expected")
    if os.environ.get("ADCOMPILE_UPDATE_GOLDEN"):
        expected_path.write_text(text)
    assert text == expected_path.read_text()
    ast.parse(text)
    compile(text, str(expected_path), "exec")
    assert black.format_str(text, mode=black.Mode()) == text


def test_compiled_source_is_what_show_prints_once_formatted():
    """linecache holds the compiled text; black turns it into what `show` and
    `.source` print, and it only ever changes line breaks of long lines."""
    from adcompile._src.compilation import compiler

    for case in CASES:
        module = load(case)
        wrt, kind = getattr(module, "WRT", 0), getattr(module, "KIND", "grad")
        if kind == "hvp":  # the tangent program of a compiled gradient
            continue
        raw = compiler.compiled(module.f, wrt, kind).source
        shown = adcompile.source(module.f, wrt=wrt, kind=kind)
        assert black.format_str(raw, mode=black.Mode()) == shown, case.stem
        if all(len(line) <= 88 for line in raw.splitlines()):
            assert raw == shown, case.stem
