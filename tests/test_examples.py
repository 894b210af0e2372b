"""Every script in examples/ runs, as a user runs it, and prints what it claims.

Each example is run in a subprocess (``python examples/NAME.py``) from the
repository root; the checks read numbers from its output, so they hold for
any platform's last digits.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SRC = ROOT / "src"


def run_example(name: str, *python_args: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), env.get("PYTHONPATH", "")) if p
    )
    result = subprocess.run(
        [sys.executable, *python_args, str(EXAMPLES / name)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def numbers(pattern: str, text: str) -> list[float]:
    """Every number the pattern's groups capture in text, in order."""
    found = []
    for match in re.finditer(pattern, text):
        found.extend(float(group) for group in match.groups())
    return found


def test_every_example_has_a_test():
    tested = {
        "logistic.py",
        "logistic_scipy.py",
        "mlp_sgd.py",
        "ode_fit.py",
        "american_option.py",
        "newton.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_logistic():
    out = run_example("logistic.py")
    start, end = numbers(r"loss (?:at start|after 100 steps): ([\d.]+)", out)
    assert start == pytest.approx(np.log(2.0), abs=1e-4)
    assert end < 0.8 * start


def test_logistic_scipy():
    pytest.importorskip("scipy")
    out = run_example("logistic_scipy.py")
    exact, numeric = numbers(r"loss ([\d.]+) in", out)
    nfev_exact, nfev_numeric = numbers(r"in (\d+) evaluations", out)
    assert exact == pytest.approx(numeric, abs=1e-5)
    assert nfev_exact < nfev_numeric
    assert "converged: True" in out


def test_logistic_scipy_without_scipy(tmp_path):
    # A sitecustomize that hides scipy: the example says what it needs, exit 0.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.modules['scipy'] = None\nsys.modules['scipy.optimize'] = None\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(SRC)])
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "logistic_scipy.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "needs scipy" in result.stdout


def test_mlp_sgd_loss_goes_down():
    out = run_example("mlp_sgd.py")
    losses = numbers(r"loss ([\d.]+)", out)
    assert len(losses) >= 5
    assert losses[-1] < 0.5 * losses[0]
    (accuracy,) = numbers(r"training accuracy ([\d.]+)", out)
    assert accuracy > 0.8


def test_ode_fit_recovers_the_parameters():
    out = run_example("ode_fit.py")
    (check,) = numbers(r"finite differences\| = ([\d.e+-]+)", out)
    assert check < 1e-6
    start, end = numbers(r"loss=([\d.]+)", out)
    assert end < 0.01 * start
    fitted = numbers(r"end: +omega=([\d.]+) damping=([\d.]+)", out)
    true = numbers(r"true: +omega=([\d.]+) damping=([\d.]+)", out)
    assert fitted == pytest.approx(true, abs=0.02)


def test_american_option_greeks_match_finite_differences():
    out = run_example("american_option.py")
    prices = numbers(r"price ([\d.]+)", out)
    assert len(prices) == 2 and prices[0] == pytest.approx(prices[1])
    assert 4.4 < prices[0] < 4.6  # the tree price of the (36, 40) put
    pairs = re.findall(r"(delta|vega) +(-?[\d.]+) +finite differences (-?[\d.]+)", out)
    assert len(pairs) == 4
    for _, exact, fd in pairs:
        assert float(exact) == pytest.approx(float(fd), rel=1e-4, abs=1e-5)


def test_newton_converges_quadratically_with_the_hessian():
    out = run_example("newton.py")
    norms = numbers(r"\|grad\| ([\d.e+-]+)", out)
    assert norms[5] < 1e-8  # quadratic convergence: a few steps suffice
    (mismatch,) = numbers(r"\|H v - hvp\| = ([\d.e+-]+)", out)
    (numeric,) = numbers(r"finite differences of the gradient\| = ([\d.e+-]+)", out)
    assert mismatch < 1e-12 and numeric < 1e-7
