"""Values that numpy turns into whole numbers carry no derivative; ones
whose derivative adcompile has no rule for are refused (each gave a
silently wrong gradient, found by programs written as others write numpy
code).

- ``np.array(v, dtype=int)``, ``np.asarray(v, dtype=int)``, ``np.full(n, v,
  dtype=int)``, ``np.full_like(int_array, v)``: truncation, a zero
  derivative (``cast_adjoint`` of the result's dtype), where the value's
  derivative went through;
- ``y[i] = v`` into an array of integers: numpy truncates ``v``; refused as
  the code runs (``with_item``), where its derivative went into ``y``;
- ``np.arange(a, b, h)`` and ``np.unique(x)`` given values the gradient
  depends on: refused (their values move with ``a``, ``h`` and ``x``; they
  counted as carrying no derivative, a zero gradient).
"""

from __future__ import annotations

import pytest

from tests.compose.check import check_body

RIGHT = {
    "full_of_integers": (
        ["a"],
        """
        def f(a):
            return np.sum(np.full(3, a * 10, dtype=int)) * a
        """,
    ),
    "full_like_an_integer_array": (
        ["a"],
        """
        def f(a):
            return np.sum(np.full_like(np.arange(3), a * 10)) * a + a
        """,
    ),
    "asarray_of_integers": (
        ["x"],
        """
        def f(x):
            return np.sum(np.asarray(x * 4, dtype=int) * x)
        """,
    ),
    "array_of_floats_still_carries_it": (
        ["x"],
        """
        def f(x):
            return np.sum(np.array(x * 4, dtype=float) * x)
        """,
    ),
}

REFUSED = {
    "item_write_into_an_integer_array": (
        ["a"],
        """
        def f(a):
            y = np.array([1, 2])
            y[0] = a * 10
            return np.sum(y) * a
        """,
    ),
    "arange_from_a_differentiated_start": (
        ["a"],
        """
        def f(a):
            t = np.arange(a, a + 2.5, 0.5)
            return np.sum(np.cos(t))
        """,
    ),
    "unique_of_differentiated_values": (
        ["x"],
        """
        def f(x):
            return np.sum(np.unique(x) * np.arange(3.0))
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_whole_numbers_carry_no_derivative(name: str) -> None:
    params, body = RIGHT[name]
    result = check_body(body, params, seed=1, program_id=name)
    assert result.klass == "pass", (body, result)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_values_without_a_rule_are_refused(name: str) -> None:
    params, body = REFUSED[name]
    result = check_body(body, params, seed=1, program_id=name)
    assert result.klass == "refused", (body, result)
