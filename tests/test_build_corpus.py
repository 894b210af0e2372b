"""Every corpus program and example, built ahead of time, gives the gradient
the in-process ``adcompile.grad`` gives, and built with ``--mode hvp`` the
Hessian-vector products ``adcompile.hvp`` gives (a sample by default, all
of them under the ``slow`` mark)."""

from __future__ import annotations

import copy
import importlib
import inspect
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


def build_cases(
    module_name: str, tmp_path: Path, mode: str = "reverse"
) -> tuple[object, list, dict]:
    """The built module of a corpus module (the functions of its cases, each
    wrt the first case's wrt), its cases, and the functions refused. In hvp
    mode, only cases differentiated with respect to floats and float arrays."""
    module = importlib.import_module(f"tests.corpus.{module_name}")
    chosen: dict[str, object] = {}
    for case in module.CASES:
        if mode == "hvp" and not _float_wrt(case):
            continue
        if case.xfail is None and "<" not in case.f.__qualname__:
            chosen.setdefault(case.f.__qualname__, case.wrt)
    refused: dict[str, str] = {}
    output = tmp_path / f"{module_name}_grad.py"
    while True:
        requests = tuple(Request(n, w) for n, w in chosen.items())  # type: ignore[arg-type]
        try:
            write(Target(CORPUS / f"{module_name}.py", output, requests, mode))
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


def _float_wrt(case: corpus.Case) -> bool:
    positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    return all(
        isinstance(p, int)
        and isinstance(case.args[p], (float, np.ndarray))
        and np.asarray(case.args[p]).dtype.kind == "f"
        for p in positions
    )


def check_hvp_module(module_name: str, tmp_path: Path) -> int:
    """Built Hessian-vector products against adcompile.hvp, along a random
    direction per argument differentiated."""
    built, cases, refused = build_cases(module_name, tmp_path, "hvp")
    for name, reason in refused.items():  # refused here: refused in process
        case = next(c for c in corpus.all_cases() if c.f.__qualname__ == name)
        if "known only when the code runs" in reason:
            continue  # in process, compiled when it runs
        with pytest.raises(adcompile.AdcompileError):
            adcompile.hvp(case.f, *_directions(case))
    for case in cases:
        product = getattr(built, f"hvp_{case.f.__qualname__.replace('.', '_')}")
        args, tangents = _directions(case)
        names = list(inspect.signature(case.f).parameters)
        keywords = {f"d{names[i]}": t for i, t in enumerate(tangents) if t is not None}
        try:
            expected = adcompile.hvp(case.f, args, tangents)
        except adcompile.AdcompileError as err:
            with pytest.raises(built.AdcompileError) as raised:
                product(*copy.deepcopy(case.args), **keywords)
            assert type(raised.value).__name__ == type(err).__name__
            continue
        _, got = product(*copy.deepcopy(case.args), **keywords)
        for a, b in zip(_leaves(got), _leaves(expected), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=case.id)
    return len(cases)


def _directions(case: corpus.Case) -> tuple[tuple, tuple]:
    positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    rng = np.random.default_rng(0)
    tangents: list = [None] * len(case.args)
    for p in positions:
        direction = rng.normal(size=np.shape(case.args[p]))
        tangents[p] = float(direction) if isinstance(case.args[p], float) else direction
    return tuple(copy.deepcopy(case.args)), tuple(tangents)


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


def test_built_hvp_of_the_corpus_sample_matches_in_process(tmp_path):
    assert check_hvp_module("composition", tmp_path) > 0


@pytest.mark.slow
@pytest.mark.parametrize("module_name", sorted(set(MODULES) - {"composition"}))
def test_built_hvp_of_the_corpus_matches_in_process(module_name, tmp_path):
    check_hvp_module(module_name, tmp_path)


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


_RUN_IN_VENV = """
import copy, importlib, pickle, sys

sys.path.insert(0, ".")  # (-I leaves the working directory out)

def leaves(value):
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in leaves(value[key])]
    return [value]

results = {}
for module_name, names in pickle.load(open("chosen.pickle", "rb")).items():
    module = importlib.import_module("tests.corpus." + module_name)
    built = importlib.import_module(module_name + "_grad")
    for case in module.CASES:
        key = (module_name, case.id)
        if (case.f.__qualname__, case.wrt) not in names:
            continue
        gradient = getattr(built, "grad_" + case.f.__qualname__.replace(".", "_"))
        try:
            results[key] = leaves(gradient(*copy.deepcopy(case.args)))
        except built.AdcompileError as err:
            results[key] = type(err).__name__
assert "adcompile" not in sys.modules
pickle.dump(results, open("results.pickle", "wb"))
"""


@pytest.mark.slow
def test_built_corpus_runs_where_only_numpy_is_installed(tmp_path, bare_python):
    """Every built corpus module (but those whose code calls scipy), run by
    a Python with numpy only, gives the in-process gradients."""
    import pickle
    import shutil

    from tests.venvs import run_bare

    source = tmp_path / "source"
    shutil.copytree(CORPUS, source / "tests" / "corpus")
    (source / "tests" / "__init__.py").write_text("")
    chosen: dict[str, set] = {}
    expected: dict[tuple, object] = {}
    for module_name in MODULES:
        if "scipy" in (CORPUS / f"{module_name}.py").read_text():
            continue
        built, cases, _ = build_cases(module_name, source)
        chosen[module_name] = {(c.f.__qualname__, c.wrt) for c in cases}
        for case in cases:
            try:
                gradient = adcompile.grad(case.f, wrt=case.wrt)
                expected[(module_name, case.id)] = gradient(*copy.deepcopy(case.args))
            except adcompile.AdcompileError as err:
                expected[(module_name, case.id)] = type(err).__name__
    (source / "chosen.pickle").write_bytes(pickle.dumps(chosen))
    (source / "run.py").write_text(_RUN_IN_VENV)
    done = run_bare(bare_python, ["-I", "run.py"], source, timeout=600)
    assert done.returncode == 0, done.stderr
    results = pickle.loads((source / "results.pickle").read_bytes())
    assert results.keys() == expected.keys()
    for key, got in results.items():
        if isinstance(got, str):
            assert got == expected[key], key
            continue
        for a, b in zip(got, _leaves(expected[key]), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=str(key))
