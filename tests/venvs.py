"""A virtual environment with numpy only, for running built modules where
adcompile is not installed."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest


def make_bare_python(tmp_path_factory) -> Path:
    """The python of a fresh venv (no system site-packages) with numpy only."""
    directory = tmp_path_factory.mktemp("bare-venv")
    try:
        venv.create(directory, with_pip=True)
    except (OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"cannot create a virtual environment with pip: {err}")
    python = directory / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + ["numpy"],
        capture_output=True,
        text=True,
        timeout=180,
        env=clean_environment(),
    )
    if install.returncode != 0:
        tail = (install.stderr or install.stdout).strip().splitlines()[-1:]
        pytest.skip(f"pip install numpy failed (offline?): {' '.join(tail)}")
    return python


def clean_environment() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "PIP_REQUIRE", "VIRTUAL_ENV"))
    }


def run_bare(
    python: Path, args: list[str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``python args...`` in ``cwd``, with the environment of no project."""
    return subprocess.run(
        [str(python), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_environment(),
    )
