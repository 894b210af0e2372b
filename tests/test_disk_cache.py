"""The on-disk cache: hits across processes, misses on any change, and safety."""

from __future__ import annotations

import errno
import importlib.util
import itertools
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import adcompile
from adcompile import _version
from adcompile._src.compilation import compiler, disk_cache, executable
from adcompile._src.compilation.disk_cache import AdcompileCacheWarning

SRC = Path(adcompile.__file__).resolve().parents[1]

MODEL = """
import types

import numpy as np

act = np.tanh
cfg = types.SimpleNamespace(act=np.tanh)


def f(w, x):
    z = x @ w
    a = act(z)
    return np.sum(a * a) + 0.5 * np.sum(w * w)


def g(w, x):
    return np.sum(cfg.act(x @ w))
"""

SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import adcompile
from adcompile._src.compilation import compiler
import model
if "--forbid-transform" in sys.argv:
    def refuse(*args, **kwargs):
        raise AssertionError("transformed although the disk cache has the entry")
    compiler.derivative_of = refuse
for arg in sys.argv:
    if arg.startswith("--at="):
        time.sleep(max(0.0, float(arg[5:]) - time.time()))
w = np.linspace(-1.0, 1.0, 3)
x = np.arange(6.0).reshape(2, 3) / 6
gradient = adcompile.grad(model.f)
gradient(w, x)  # the second call with these shapes compiles their variant
print(json.dumps(gradient(w, x).tolist()))
"""

W = np.linspace(-1.0, 1.0, 3)
X = np.arange(6.0).reshape(2, 3) / 6
_names = itertools.count()


def expected(w, x, act=np.tanh, dact=lambda z: 1 - np.tanh(z) ** 2):
    z = x @ w
    return x.T @ (2 * act(z) * dact(z)) + w


def forget() -> None:
    """Empty the in-memory caches, as in a new process."""
    compiler.clear_caches()


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"dcmodel{next(_names)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gradient(f, *args, **kwargs):
    """The general gradient code (one entry; variants for argument shapes
    have their own test)."""
    forget()
    return adcompile.grad(f, **kwargs).compiled.function(*args)


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.json"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("ADCOMPILE_CACHE_DIR", str(directory))
    monkeypatch.delenv("ADCOMPILE_CACHE", raising=False)
    monkeypatch.delenv("ADCOMPILE_DEBUG_CACHE", raising=False)
    forget()
    yield directory
    forget()


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return load_module(path)


@pytest.fixture
def transforms(monkeypatch) -> list:
    """The functions ``compiler.derivative_of`` transforms from now on."""
    calls = []
    real = compiler.derivative_of

    def spy(f, *args, **kwargs):
        calls.append(f)
        return real(f, *args, **kwargs)

    monkeypatch.setattr(compiler, "derivative_of", spy)
    return calls


@pytest.fixture
def stored(cache, model) -> Path:
    """The entry of grad(model.f), on disk."""
    np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    (path,) = entries(cache)
    return path


def edit(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def run_script(tmp_path: Path, cache: Path, *flags: str):
    """Start the script in a new process; the files are written once, before any
    process starts, so that no process reads a file another call is rewriting."""
    for name, text in (("model.py", MODEL), ("script.py", SCRIPT)):
        if not (tmp_path / name).exists():
            (tmp_path / name).write_text(text)
    env = dict(os.environ, ADCOMPILE_CACHE_DIR=str(cache), ADCOMPILE_DEBUG_CACHE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    command = [sys.executable, str(tmp_path / "script.py"), str(tmp_path), *flags]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process) -> tuple[list[float], str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    lines = out.strip().splitlines()
    assert lines, f"the script printed nothing; stderr:\n{err}"
    return json.loads(lines[-1]), err


# ---- hits and misses -------------------------------------------------------------


def test_a_new_process_reuses_the_entry_without_transforming(tmp_path, cache):
    first, err = finish(run_script(tmp_path, cache))
    assert "disk-cache stored" in err and "disk-cache hit" not in err
    second, err = finish(run_script(tmp_path, cache, "--forbid-transform"))
    assert err.count("disk-cache hit") == 2  # the general code, the shapes' variant
    assert second == first
    np.testing.assert_allclose(second, expected(W, X))


def test_a_hit_skips_the_transformation(stored, model, transforms):
    np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    assert transforms == []


def test_same_wrt_spelled_differently_is_a_hit(stored, model, transforms):
    np.testing.assert_allclose(gradient(model.f, W, X, wrt="w"), expected(W, X))
    assert transforms == []


def test_a_changed_source_is_a_miss(tmp_path, cache, transforms):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    np.testing.assert_allclose(gradient(load_module(path).f, W, X), expected(W, X))
    # another length too: linecache notices a rewrite by its size and mtime
    path.write_text(MODEL.replace("0.5 * np.sum(w * w)", "1.5 * 1.0 * np.sum(w * w)"))
    grad = gradient(load_module(path).f, W, X)
    np.testing.assert_allclose(grad, expected(W, X) + 2 * W)
    assert len(transforms) == 2 and len(entries(cache)) == 2


def test_a_global_bound_to_another_function_is_a_miss(stored, model, transforms):
    model.act = np.sin
    grad = gradient(model.f, W, X)
    np.testing.assert_allclose(grad, expected(W, X, np.sin, np.cos))
    assert len(transforms) == 1


def test_an_attribute_bound_to_another_function_is_a_miss(cache, model, transforms):
    np.testing.assert_allclose(gradient(model.g, W, X), X.T @ (1 - np.tanh(X @ W) ** 2))
    model.cfg.act = np.sin
    np.testing.assert_allclose(gradient(model.g, W, X), X.T @ np.cos(X @ W))
    assert len(transforms) == 2


def test_a_global_data_value_is_read_live(stored, model, transforms):
    model.cfg = type(model.cfg)(act=np.tanh)  # another object, same type
    gradient(model.f, W, X)
    assert transforms == []


def test_another_adcompile_version_is_a_miss(stored, model, transforms, monkeypatch):
    monkeypatch.setattr(_version, "__version__", "999.0")
    np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    assert len(transforms) == 1


def test_other_wrt_kind_or_options_are_misses(stored, model, transforms):
    gradient(model.f, W, X, wrt=1)
    forget()
    adcompile.value_and_grad(model.f).compiled.function(W, X)
    forget()
    compiler.compiled(model.f, 0, "grad", compiler.Options(formatted=True))
    assert len(transforms) == 3
    assert len(entries(stored.parent)) == 4


def test_another_rule_table_is_a_miss(stored, model, transforms, monkeypatch):
    from adcompile._src.rules import registry

    extra = registry.Primitive(len, "extra", "extra", (), custom=True)
    table = [*registry.registered(), extra]  # one user rule more
    monkeypatch.setattr(registry, "registered", lambda: table)
    gradient(model.f, W, X)
    assert len(transforms) == 1


def test_disabled_cache_writes_nothing(cache, model, monkeypatch, transforms):
    monkeypatch.setenv("ADCOMPILE_CACHE", "0")
    np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    gradient(model.f, W, X)
    assert len(transforms) == 2
    assert not cache.exists()


def test_function_without_source_is_not_cached(cache):
    namespace = {}
    exec("def f(x):\n    return x * x\n", namespace)
    with pytest.raises(adcompile.SourceUnavailable):
        gradient(namespace["f"], 1.0)
    assert not cache.exists()


def test_clear_removes_entries(stored):
    assert disk_cache.clear() == 1
    assert entries(stored.parent) == []


# ---- files, permissions and tampering -------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_directory_is_private_and_entries_are_0600(stored):
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    document = json.loads(stored.read_text())
    assert document["payload"]["key"] == stored.stem
    assert set(document["payload"]) == {
        "key",
        "text",
        "name",
        "bindings",
        "location",
        "calls",
        "code",
        "code_of",
    }
    assert document["sha256"] == disk_cache._digest(document["payload"])


def assert_regenerated(path: Path, model, transforms, warning: str | None) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    cache_warnings = [w for w in caught if w.category is AdcompileCacheWarning]
    if warning is None:
        assert cache_warnings == []
    else:
        assert len(cache_warnings) == 1 and warning in str(cache_warnings[0].message)
    assert len(transforms) == 1
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert disk_cache.load(path.stem) is not None  # a valid entry again


def poison(document) -> None:
    payload = document["payload"]
    payload["text"] = payload["text"].replace("return ", "return 0 * ", 1)


def test_edited_payload_is_ignored_with_a_warning(stored, model, transforms):
    edit(stored, poison)
    assert_regenerated(stored, model, transforms, "does not match its recorded sha256")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_rehashed_but_world_writable_entry_is_ignored(stored, model, transforms):
    def rehash(document):
        poison(document)
        document["sha256"] = disk_cache._digest(document["payload"])

    edit(stored, rehash)
    os.chmod(stored, 0o666)
    assert_regenerated(stored, model, transforms, "writable by group or others")


def test_truncated_entry_is_regenerated(stored, model, transforms):
    stored.write_bytes(stored.read_bytes()[:100])
    assert_regenerated(stored, model, transforms, None)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners")
def test_entry_owned_by_another_user_is_ignored(stored, model, transforms, monkeypatch):
    if os.geteuid() == 0:
        os.chown(stored, 54321, -1)
    else:  # cannot give a file away: make fstat say so
        real = os.fstat

        def fstat(fd):
            info = list(real(fd))
            info[stat.ST_UID] = os.geteuid() + 1
            return os.stat_result(info)

        monkeypatch.setattr(disk_cache.os, "fstat", fstat)
    assert_regenerated(stored, model, transforms, "owned by uid")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlinked_entry_is_ignored(stored, model, transforms, tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    stored.rename(elsewhere)
    stored.symlink_to(elsewhere)
    assert_regenerated(stored, model, transforms, "cannot be opened safely")
    assert not stored.is_symlink()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_untrusted_directory_is_not_used(stored, model, transforms):
    os.chmod(stored.parent, 0o777)
    before = stored.read_bytes()
    with pytest.warns(AdcompileCacheWarning, match="not using the cache directory"):
        np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        gradient(model.f, W, X)
    assert len(transforms) == 2
    assert stored.read_bytes() == before


def fail(code: int):
    def raiser(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return raiser


@pytest.mark.parametrize(
    "target, code",
    [
        ("makedirs", errno.EROFS),
        ("replace", errno.EROFS),
        ("mkstemp", errno.ENOSPC),
    ],
)
def test_read_only_or_full_disk_means_no_cache(cache, model, monkeypatch, target, code):
    owner = disk_cache.tempfile if target == "mkstemp" else disk_cache.os
    monkeypatch.setattr(owner, target, fail(code))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))
    monkeypatch.undo()
    assert not cache.exists() or list(cache.iterdir()) == []


def test_concurrent_writers_all_succeed(tmp_path, cache):
    start = time.time() + 2.0
    processes = [run_script(tmp_path, cache, f"--at={start}") for _ in range(4)]
    results = [finish(p)[0] for p in processes]
    assert all(r == results[0] for r in results)
    np.testing.assert_allclose(results[0], expected(W, X))
    paths = entries(cache)  # the general code, and its variant for (3,), (2, 3)
    assert len(paths) == 2
    assert sorted(p.name for p in cache.iterdir()) == [p.name for p in paths]
    assert all(disk_cache.load(path.stem) is not None for path in paths)


def test_default_locations(monkeypatch, tmp_path):
    monkeypatch.delenv("ADCOMPILE_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(disk_cache.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert disk_cache.cache_dir() == Path("/xdg/adcompile")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert disk_cache.cache_dir() == tmp_path / ".cache" / "adcompile"
    monkeypatch.setattr(disk_cache.sys, "platform", "darwin")
    assert disk_cache.cache_dir() == tmp_path / "Library" / "Caches" / "adcompile"
    monkeypatch.setattr(disk_cache.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    assert disk_cache.cache_dir() == tmp_path / "Local" / "adcompile" / "Cache"


def test_source_text_covers_the_whole_definition(tmp_path):
    path = tmp_path / "shapes.py"
    path.write_text(textwrap.dedent("""
            import numpy as np


            def f(
                x,
            ):
                y = np.sin(
            x)
                return y
                z = 1  # dead code is part of the source too

            # a comment after
            OTHER = 1
            """))
    text = disk_cache.cache_key._source_text(load_module(path).f)
    assert text.startswith("def f(") and "z = 1" in text and "OTHER" not in text


def test_a_hit_runs_the_stored_code_without_compiling_it(stored, model, monkeypatch):
    """The entry carries the compiled code of its text: a new process (here,
    cleared in-memory caches) does not compile the text again."""
    forget()

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled although the entry has the code")

    monkeypatch.setattr(executable, "compile", no_compile, raising=False)
    np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))


@pytest.mark.parametrize(
    "code", ["not base64!", "AAAA", ""], ids=["not-base64", "not-marshal", "empty"]
)
def test_stored_code_that_does_not_load_is_compiled_again(stored, model, code):
    """Code that does not decode or load (with a payload digest that matches)
    is not trusted: the text is compiled again, and the gradient is right."""

    def change(document):
        document["payload"]["code"] = code
        document["sha256"] = disk_cache._digest(document["payload"])

    edit(stored, change)
    forget()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(gradient(model.f, W, X), expected(W, X))


def _scaled_sum(x, k):
    def term(z):  # a new function object at each call, with the same code
        return np.sin(z) * k

    return np.sum(term(x))


def calls_a_helper_with_a_closure_in_a_loop(x):
    total = 0.0
    for k in range(5):
        total = total + _scaled_sum(x, float(k))
    return total


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_closure_made_anew_at_each_call_is_emitted_once(monkeypatch, mode):
    """The derivative of a nested function is emitted once for all the
    function objects its maker makes (kept in memory by its cache key, even
    with the disk cache off); each still reads its own closure."""
    monkeypatch.setenv("ADCOMPILE_CACHE", "0")
    emitted = []
    original = compiler.emitted_text

    def counting(function, *args, **kwargs):
        emitted.append(function.__qualname__)
        return original(function, *args, **kwargs)

    monkeypatch.setattr(compiler, "emitted_text", counting)
    x = np.array([0.3, 0.5, 0.7])
    if mode == "grad":
        result = adcompile.grad(calls_a_helper_with_a_closure_in_a_loop)(x)
        np.testing.assert_allclose(result, 10.0 * np.cos(x), rtol=1e-12)
    else:
        _, result = adcompile.jvp(
            calls_a_helper_with_a_closure_in_a_loop, (x,), (np.ones(3),)
        )
        assert result == pytest.approx(10.0 * np.sum(np.cos(x)))
    terms = [name for name in emitted if name.endswith("<locals>.term")]
    assert len(terms) <= 1, emitted
