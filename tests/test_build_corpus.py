"""Every corpus program and example, built ahead of time, gives the gradient
the in-process ``adcompile.grad`` gives (a sample by default, all of them
under the ``slow`` mark)."""

from __future__ import annotations

import copy
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import adcompile
from adcompile._src.tools.build import Request, Target, write
from adcompile._src.tools.loading import CliError
from tests import corpus

CORPUS = Path(corpus.__file__).parent
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODULES = sorted(p.stem for p in CORPUS.glob("*.py") if p.stem != "__init__")
SAMPLE = {"composition", "loops"}


def build_cases(module_name: str, tmp_path: Path) -> tuple[object, list, dict]:
    """The built module of a corpus module (the functions of its cases, each
    wrt the first case's wrt), its cases, and the functions refused."""
    module = importlib.import_module(f"tests.corpus.{module_name}")
    chosen: dict[str, object] = {}
    for case in module.CASES:
        if case.xfail is None and "<" not in case.f.__qualname__:
            chosen.setdefault(case.f.__qualname__, case.wrt)
    refused: dict[str, str] = {}
    output = tmp_path / f"{module_name}_grad.py"
    while True:
        requests = tuple(Request(n, w) for n, w in chosen.items())  # type: ignore[arg-type]
        try:
            write(Target(CORPUS / f"{module_name}.py", output, requests))
            break
        except CliError as err:
            name = str(err).split(":", 1)[0]
            assert name in chosen, err
            refused[name] = str(err)
            del chosen[name]
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop(output.stem, None)
        built = importlib.import_module(output.stem)
    finally:
        sys.path.remove(str(tmp_path))
    cases = [
        c
        for c in module.CASES
        if c.f.__qualname__ in chosen and chosen[c.f.__qualname__] == c.wrt
    ]
    return built, cases, refused


def check_module(module_name: str, tmp_path: Path) -> int:
    built, cases, refused = build_cases(module_name, tmp_path)
    for name, reason in refused.items():  # refused here: refused in process
        case = next(c for c in corpus.all_cases() if c.f.__qualname__ == name)
        if "known only when the code runs" in reason:
            continue  # in process, compiled when it runs
        with pytest.raises(adcompile.AdcompileError):
            adcompile.grad(case.f, wrt=case.wrt)(*copy.deepcopy(case.args))
    for case in cases:
        gradient = getattr(built, f"grad_{case.f.__qualname__.replace('.', '_')}")
        try:
            expected = adcompile.grad(case.f, wrt=case.wrt)(*copy.deepcopy(case.args))
        except adcompile.AdcompileError as err:
            with pytest.raises(built.AdcompileError) as raised:
                gradient(*copy.deepcopy(case.args))
            assert type(raised.value).__name__ == type(err).__name__
            continue
        got = gradient(*copy.deepcopy(case.args))
        for a, b in zip(_leaves(got), _leaves(expected), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=case.id)
    return len(cases)


def _leaves(value: object) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    return [value]


@pytest.mark.parametrize("module_name", sorted(SAMPLE))
def test_built_corpus_sample_matches_in_process(module_name, tmp_path):
    assert check_module(module_name, tmp_path) > 0


@pytest.mark.slow
@pytest.mark.parametrize("module_name", sorted(set(MODULES) - SAMPLE))
def test_built_corpus_matches_in_process(module_name, tmp_path):
    check_module(module_name, tmp_path)


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.glob("*.py") if "scipy" not in p.name)
)
def test_every_example_builds(example, project):
    (project / example).write_text((EXAMPLES / example).read_text())
    generated = write(Target(project / example, project / "built_grad.py"))
    assert generated.built, generated.skipped
    importlib.invalidate_caches()
    built = importlib.import_module("built_grad")
    for name in generated.built:
        assert callable(getattr(built, f"grad_{name.replace('.', '_')}"))
