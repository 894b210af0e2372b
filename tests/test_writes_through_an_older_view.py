"""A write run as written (its values carry no derivative) into a view of
a parameter, after an update of the parameter was lowered to a new array:
``s = M[0]``, ``M[1] = M[1] * a``, then ``s *= 0.5``. In Python the write
changes M. As the derivative runs, ``M[1] = ...`` made a new array ``M_1``
standing for M, and the write went into the old one: f's value, its
gradient and what the caller's M was left holding all came out wrong,
silently, under ``grad`` with respect to ``a`` alone (long run, seed 3001,
through a helper writing a constant into its parameter, ``c -= 0.3``,
given the view). Such a write is now refused where the array the caller
gets back is a newer one (``assignments._seen_as_written``), and right
where every mode carries it.

Each program is checked in every mode (``grad_first`` is ``grad`` with
respect to the first argument) against finite differences, with the
arguments as ``f`` leaves them.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_body

PROGRAMS = {
    "a_row_view_updated_after_the_matrix_was": (
        ["a", "M"],
        """
        def f(a, M):
            s0 = M[0]
            M[1] = M[1] * a
            s0 *= 0.5
            return np.sum(M) * a
        """,
    ),
    "a_helper_writing_a_constant_into_a_row_view": (
        ["a", "x", "M"],
        """
        def h1(z, c):
            c -= 0.3
            return np.outer(0.6, z) @ z + np.tanh(c)

        def h2(c, z):
            z[1] = z[1] * c
            return 0.2

        def f(a, x, M):
            s0 = M[0]
            h2(a, M[1])
            return np.sum(h1(M[1], s0)) * a
        """,
    ),
    "a_row_view_updated_before_the_matrix_is": (
        ["a", "M"],
        """
        def f(a, M):
            s0 = M[0]
            s0 *= 0.5
            M[1] = M[1] * a
            return np.sum(M) * a
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_write_through_an_older_view_is_right_or_refused(name: str) -> None:
    params, body = PROGRAMS[name]
    result = check_body(body, params, seed=5, program_id=name)
    assert result.klass in ("pass", "refused"), (body, result)


def _halves_a_row_after_writing_another(a, M):
    s0 = M[0]
    M[1] = M[1] * a
    s0 *= 0.5
    return np.sum(M) * a


def test_the_refusal_names_the_write_and_leaves_the_array_as_it_was() -> None:
    M = np.arange(6.0).reshape(2, 3) * 0.1
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(_halves_a_row_after_writing_another)(0.5, M)
    assert "s0 *= 0.5" in str(info.value), str(info.value)
    np.testing.assert_array_equal(M, np.arange(6.0).reshape(2, 3) * 0.1)
