"""Shared test setup."""

from __future__ import annotations

import os
import sys

import pytest

from adcompile._src.compilation import specialized
from tests.venvs import make_bare_python

# a variant of gradient code that cannot be made is a bug here, not a
# reason to run the general code (which users get)
specialized.STRICT = True


@pytest.fixture(autouse=True, scope="session")
def _private_disk_cache(tmp_path_factory):
    """The whole session writes its disk cache to a temporary directory.

    Tests (and the subprocesses they start, which inherit the environment)
    never read or write the real user cache.
    """
    previous = os.environ.get("ADCOMPILE_CACHE_DIR")
    os.environ["ADCOMPILE_CACHE_DIR"] = str(tmp_path_factory.mktemp("adcompile-cache"))
    yield
    if previous is None:
        os.environ.pop("ADCOMPILE_CACHE_DIR", None)
    else:
        os.environ["ADCOMPILE_CACHE_DIR"] = previous


@pytest.fixture
def project(tmp_path, monkeypatch):
    """tmp_path as the current directory, importable; new modules forgotten."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """The python of a fresh venv (no system site-packages) with numpy only."""
    return make_bare_python(tmp_path_factory)
