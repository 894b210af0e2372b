"""Branch conditions that call a function changing a value in place
(normal/conditions.py): the call is lowered as any other, never run where
the derivative cannot see what it changes."""

import numpy as np
import pytest

from tests.forwardcheck import check_jvp
from tests.gradcheck import check_grad


def _triples_the_first_if(z, flag):
    if flag > 10.0:
        z[0] *= 3.0
    return np.sum(z)


def condition_with_a_writing_call_in_a_branch(x, c):
    y = x * 2.0
    if (_triples_the_first_if(y, c) if c > 0.0 else 0.0) > -1.0:
        return np.sum(y * x)
    return np.sum(x)


@pytest.mark.parametrize("c", [0.5, -0.5])
def test_a_writing_call_in_a_conditional_expression_of_a_condition(c):
    """(normal/conditions.py) The call may change y, so it is not run as
    written; it stands in a branch of a conditional expression, which is
    lowered whole: the call is made only on its branch, as in Python, and
    wrote nothing here."""
    args = (np.array([0.3, 0.5]), c)
    check_grad(condition_with_a_writing_call_in_a_branch, args)
    check_jvp(condition_with_a_writing_call_in_a_branch, args)


def _squashed(z, c):
    rows = [np.sin(z), np.tanh(z)]
    rows.insert(1, z * z)
    return 0.5 * np.cos(rows.pop(1) - c)


def call_statement_before_a_write(x, c):
    M = np.outer(x, x)
    _squashed(M[1], c)  # keeps nothing: M is still the function's own
    M[1, :] = 0.5 * M[1] + np.tanh(M[0])
    return np.sum(M * M)


def test_a_call_statement_that_keeps_nothing_leaves_its_arguments_writable():
    """(normal/conditions.py) A call made as a statement, its result
    dropped, of a function that keeps and changes nothing it is given: run
    as written, it makes no name see M (it was refused as an alias)."""
    args = (np.array([0.3, 0.5, 0.7]), 0.5)
    check_grad(call_statement_before_a_write, args)
    check_jvp(call_statement_before_a_write, args)


def _halves_the_first(z, k):
    z[0] = z[0] * 0.5
    return np.sum(z) * k


def writing_call_in_a_choice_that_carries_no_derivative(a, M):
    u = a + np.arange(3.0)
    s = 0.0
    for i in range(2):
        w = _halves_the_first(u, i) > 0.3 if np.sum(M) > 0.5 else False
        s = s + np.sum(u) * a * (1.0 + w)
    return s


@pytest.mark.parametrize("scale", [1.0, -1.0])
def test_a_writing_call_in_a_choice_whose_value_carries_no_derivative(scale):
    """The conditional expression's value (a comparison, or False) carries no
    derivative, the call's argument does: the expression was lowered as code
    run as written, which lowered its call first, which lowered the
    expression again (a RecursionError; long run, seed 801)."""
    M = scale * np.ones((2, 3))
    check_grad(writing_call_in_a_choice_that_carries_no_derivative, (0.3, M), wrt=0)
    check_jvp(writing_call_in_a_choice_that_carries_no_derivative, (0.3, M), wrt=0)
