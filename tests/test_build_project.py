"""The example project of examples/aot_project, checked as its CI would:
``adcompile build --check`` passes on the committed modules, fails once a
source changes, and passes again after ``adcompile build``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import run
from tests.venvs import run_bare

PROJECT = Path(__file__).resolve().parents[1] / "examples" / "aot_project"


def test_committed_modules_are_up_to_date():
    result = run("build", "--check", cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "pendulum/fit_grad.py is up to date",
        "pendulum/fit_jvp.py is up to date",
    ]


def test_check_fails_on_a_changed_source_until_built_again(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    fit = project / "pendulum" / "fit.py"
    fit.write_text(fit.read_text().replace("STEPS = 40", "STEPS = 30"))
    stale = run("build", "--check", cwd=project)
    assert stale.returncode == 1
    assert "pendulum/fit_grad.py is stale: fit.py changed" in stale.stderr
    built = run("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert run("build", "--check", cwd=project).returncode == 0
    trained = subprocess.run(
        [sys.executable, "train.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert trained.returncode == 0, trained.stderr
    assert "omega 2.000, damping 0.300" in trained.stdout


def test_check_fails_when_a_callees_module_changes(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    dynamics = project / "pendulum" / "dynamics.py"
    dynamics.write_text(dynamics.read_text().replace("0.5 * dt", "0.25 * dt"))
    stale = run("build", "--check", cwd=project)
    assert stale.returncode == 1
    assert "fit_grad.py is stale: dynamics.py changed since it was generated" in (
        stale.stderr
    )


@pytest.mark.slow
def test_the_project_trains_where_adcompile_is_not_installed(bare_python, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    check = (
        "import importlib.util, runpy, sys\n"
        "assert importlib.util.find_spec('adcompile') is None\n"
        "runpy.run_path('train.py', run_name='__main__')\n"
        "assert not any(m.startswith('adcompile') for m in sys.modules)\n"
    )
    result = run_bare(bare_python, ["-E", "-s", "-c", check], project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "omega 2.000, damping 0.300" in result.stdout
