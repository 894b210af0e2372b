"""``adcompile build`` of functions that define and call their own closures
(``def`` and ``lambda``), and refusals raised as a built module runs: both
point at, or come from, the user's own lines.

Emitted code lifts a closure into a local function that takes the values it
reads as parameters; a built module calls that function's pullback, emitted
once under a module-level name, directly. A closure handed to another
closure as a value is still refused, at its call in the user's file."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import adcompile
from adcompile._src.tools import cli

CLOSURES = """\
import numpy as np

SCALE = 0.5


def squash(z):
    return np.tanh(z) * SCALE


def defined(x, b):
    def g(z):
        return np.log(1.0 + ((x - b) * z) ** 2)

    h = lambda z: squash(z) * b
    return np.sum(g(x)) + np.sum(h(x)) + np.sum(g(h(x)))


def in_loop(x, b):
    step = lambda z, k: z - 0.1 * k * np.sin(z * b)
    for k in range(3):
        if k % 2 == 0:
            x = step(x, k)
        else:
            x = step(x, 1.0) * b
    return np.sum(x**2)


def bound_late(x, b):
    g = lambda z: z * b
    b = b * 2.0
    return np.sum(g(x))


def passed_on(x, b):
    def inner(z):
        return squash(z * b)

    def outer(z):
        return inner(z) + z * b

    return np.sum(outer(x))
"""

ALIASED = """\
import numpy as np


def f(x, a):
    v = x[0:2]
    t = v
    v += a
    t *= a
    return np.sum(np.sin(x)) * a
"""


def load(name: str):
    importlib.invalidate_caches()
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize("name", ["defined", "in_loop", "bound_late"])
def test_closures_are_built(project, name):
    (project / "closures.py").write_text(CLOSURES)
    args = ["build", "closures.py", "--func", name, "--wrt", "x,b"]
    assert cli.main(args) == 0
    source, built = load("closures"), load("closures_grad")
    x, b = np.array([0.3, -0.5, 0.8]), 0.7
    expected = adcompile.grad(getattr(source, name), wrt=(0, 1))(x.copy(), b)
    for kind in ("grad", "value_and_grad", "vjp"):
        function = getattr(built, f"{kind}_{name}")
        if kind == "grad":
            got = function(x.copy(), b)
        elif kind == "value_and_grad":
            value, got = function(x.copy(), b)
            assert value == pytest.approx(getattr(source, name)(x.copy(), b))
        else:
            _, pullback = function(x.copy(), b)
            got = pullback(1.0)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        assert got[1] == pytest.approx(expected[1], rel=1e-12)


def test_a_closure_is_called_through_its_pullback(project):
    (project / "closures.py").write_text(CLOSURES)
    assert cli.main(["build", "closures.py", "--func", "defined"]) == 0
    text = (project / "closures_grad.py").read_text()
    gradient = text[text.index("def grad_defined(") : text.index("def value_and_grad")]
    # one pullback per closure, called directly; the lifted closures, read
    # by nothing then, are not left in the gradient function
    assert "_vjp_defined_g(x, b, x)" in gradient
    assert "def g(" not in gradient and "vjp_call" not in text
    assert text.count("def _vjp_defined_g(") == 1
    assert text.count("def _vjp_defined_h(") == 1


def test_a_closure_passed_to_a_closure_is_refused_at_its_call(project, capsys):
    (project / "closures.py").write_text(CLOSURES)
    assert cli.main(["build", "closures.py", "--func", "passed_on"]) == 2
    err = capsys.readouterr().err
    assert "inner is called on differentiated values" in err
    assert "closures.py:39:16)" in err


def test_a_refusal_as_the_built_module_runs_shows_the_users_line(project):
    (project / "aliased.py").write_text(ALIASED)
    args = ["build", "aliased.py", "--func", "f", "--wrt", "x,a"]
    assert cli.main(args) == 0
    built = load("aliased_grad")
    with pytest.raises(built.AdcompileError) as caught:
        built.grad_f(np.array([0.1, 0.2, 0.3]), 0.5)
    message = str(caught.value)
    assert "`v += a` updates a ndarray in place" in message
    # (named as from the current directory, below which it is)
    assert 'File "aliased.py", line 7, col 5' in message
    assert message.splitlines()[-3:-1] == ["    v += a", "    ^^^^^^"]
    assert "copy the array first" in message.splitlines()[-1]


INTEGER_ITEM = """\
import numpy as np


def f(a):
    y = np.array([1, 2])
    y[0] = a * 10
    return np.sum(y) * a
"""


def test_a_refusal_naming_no_statement_shows_the_functions_definition(project):
    (project / "integers.py").write_text(INTEGER_ITEM)
    assert cli.main(["build", "integers.py", "--func", "f"]) == 0
    built = load("integers_grad")
    with pytest.raises(built.AdcompileError) as caught:
        built.value_and_grad_f(0.3)
    message = str(caught.value)
    assert "into an array of int64 entries" in message
    assert 'File "integers.py", line 4, col 1' in message
    assert "    def f(a):" in message.splitlines()


REBOUND = """\
import numpy as np


def other(z, b):
    return np.sin(z) * b


def f(x, b):
    g = lambda z, b: z * b
    if b > 0.5:
        g = other
    return np.sum(g(x, b))
"""


def test_a_closure_whose_name_is_given_another_function_is_not_called_directly(
    project,
):
    """``g`` is the closure on one path and ``other`` on the other: the
    built call goes through the dispatcher (right for ``other``, refused
    with a place for the closure), never to the closure's pullback alone."""
    (project / "rebound.py").write_text(REBOUND)
    assert cli.main(["build", "rebound.py", "--func", "f", "--wrt", "x,b"]) == 0
    source, built = load("rebound"), load("rebound_grad")
    x = np.array([0.3, 0.5])
    got = built.grad_f(x.copy(), 0.7)
    expected = adcompile.grad(source.f, wrt=(0, 1))(x.copy(), 0.7)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
    assert got[1] == pytest.approx(expected[1], rel=1e-12)
    with pytest.raises(built.AdcompileError, match="no derivative of"):
        built.grad_f(x.copy(), 0.2)
