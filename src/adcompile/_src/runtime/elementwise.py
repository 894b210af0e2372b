"""Runtime helpers of the elementwise rules (numpy only; see adcompile._src.runtime).

``polygamma`` and ``sinc_derivative`` compute whole families of derivatives,
so that the rule of each member (its next derivative) is again a member: the
rules of gamma, lgamma and sinc stay differentiable to any order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.polynomial import polynomial as _poly

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.support import Items


def _order(n: Any, what: str) -> int:
    """``n`` as a derivative order: a non-negative integer."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{what}: the order must be an integer, got {n!r}")
    if n < 0:
        raise ValueError(f"{what}: the order must be >= 0, got {n}")
    return int(n)


def _as_result(values: np.ndarray, like: Any) -> Any:
    """``values`` in the dtype of ``like`` (a scalar for a scalar input)."""
    values = values.astype(np.result_type(like, 1.0), copy=False)
    return values[()] if values.ndim == 0 else values


def _cot_derivative_coefficients(n: int) -> np.ndarray:
    """Coefficients of P with (d/dx)^n cot(x) = P(cot(x))."""
    coefficients = np.array([0.0, 1.0])
    for _ in range(n):
        coefficients = -_poly.polymul(_poly.polyder(coefficients), [1.0, 0.0, 1.0])
    return coefficients


def _polygamma_positive(n: int, y: np.ndarray) -> np.ndarray:
    """polygamma(n, y) for y > 0: recurrence up to y >= 10 + n, then the
    asymptotic series."""
    bernoulli = (  # B2, B4, ..., B20
        1.0 / 6.0,
        -1.0 / 30.0,
        1.0 / 42.0,
        -1.0 / 30.0,
        5.0 / 66.0,
        -691.0 / 2730.0,
        7.0 / 6.0,
        -3617.0 / 510.0,
        43867.0 / 798.0,
        -174611.0 / 330.0,
    )
    y = y.copy()
    shift = np.zeros_like(y)
    factorial = math.factorial(n)
    sign = -1.0 if n % 2 else 1.0  # (-1)^n
    threshold = 10.0 + n
    small = y < threshold
    while np.any(small):
        shift[small] -= sign * factorial / y[small] ** (n + 1)
        y[small] += 1.0
        small = y < threshold
    inverse = 1.0 / y
    square = inverse * inverse
    if n == 0:
        series = np.log(y) - 0.5 * inverse
        power = square
        for k, b in enumerate(bernoulli, start=1):
            series -= b / (2 * k) * power
            power = power * square
        return shift + series
    leading = math.factorial(n - 1) * inverse**n
    series = leading + 0.5 * factorial * inverse ** (n + 1)
    power = square * inverse**n
    for k, b in enumerate(bernoulli, start=1):
        ratio = math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        series += b * ratio * power
        power = power * square
    return shift - sign * series


def polygamma(n: Any, x: Any) -> Any:
    """The n-th derivative of digamma at ``x`` (elementwise; n >= 0).

    Negative ``x`` goes through the reflection formula; the poles (0, -1,
    -2, ...) give infinities or nan.
    """
    n = _order(n, "polygamma")
    values = np.asarray(x, dtype=np.float64)
    out = np.empty_like(values)
    negative = values < 0.0
    positive = ~negative
    out[positive] = _polygamma_positive(n, values[positive])
    if np.any(negative):
        v = values[negative]
        reduced = v - np.round(v)  # cot(pi x) has period 1: exact reduction
        with np.errstate(divide="ignore"):
            cot = 1.0 / np.tan(np.pi * reduced)
        cot_part = _poly.polyval(cot, _cot_derivative_coefficients(n))
        sign = -1.0 if n % 2 else 1.0
        out[negative] = (
            sign * _polygamma_positive(n, 1.0 - v) - np.pi ** (n + 1) * cot_part
        )
    return _as_result(out, x)


def digamma(x: Any) -> Any:
    """The digamma function, d/dx log(gamma(x)) (elementwise)."""
    return polygamma(0, x)


def _sinc_series(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of sinc from its Taylor series (for |x| < 1)."""
    total = np.zeros_like(x)
    for k in range((n + 1) // 2, (n + 1) // 2 + 30):
        power = 2 * k - n
        coefficient = (-1.0) ** k * math.pi ** (2 * k) / (2 * k + 1)
        coefficient /= math.factorial(power)
        total += coefficient * x**power
    return total


def _sinc_recurrence(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of sinc by the recurrence of x * sinc(x) =
    sin(pi x) / pi (for |x| >= 1, where it is stable)."""
    value = np.sinc(x)
    for k in range(1, n + 1):
        value = (
            math.pi ** (k - 1) * np.sin(math.pi * x + k * math.pi / 2) - k * value
        ) / x
    return value


def sinc_derivative(x: Any, order: Any) -> Any:
    """The ``order``-th derivative of ``np.sinc`` at ``x`` (elementwise)."""
    n = _order(order, "sinc_derivative")
    values = np.asarray(x, dtype=np.float64)
    if n == 0:
        return _as_result(np.sinc(values), x)
    out = np.empty_like(values)
    near = np.abs(values) < 1.0
    out[near] = _sinc_series(n, values[near])
    out[~near] = _sinc_recurrence(n, values[~near])
    return _as_result(out, x)


def sum_items(items: Any) -> Any:
    """The sum of the items of ``items`` (the tangent of builtin ``sum``)."""
    total: Any = 0.0
    for item in items:
        total = total + item
    return total


def max_of_items(items: Any) -> Any:
    """Builtin ``max`` of one iterable (its own primitive: the adjoint of the
    items is a list, not an array broadcast like ``max(a, b)``'s)."""
    return max(items)


def min_of_items(items: Any) -> Any:
    """Builtin ``min`` of one iterable."""
    return min(items)


def _picked_position(items: Any, ans: Any) -> int:
    """Which item ``max``/``min`` returned: the first that is ``ans`` (the
    builtins return the item itself), else the first equal to it."""
    for position, item in enumerate(items):
        if item is ans:
            return position
    return next(position for position, item in enumerate(items) if item == ans)


def item_picked(g: Any, items: Any, ans: Any) -> Items:
    """Adjoints of the items of ``max(items)`` or ``min(items)``: g for the
    item returned (the first of equal ones, as Python picks), 0 elsewhere."""
    picked = _picked_position(items, ans)
    return Items(g if position == picked else 0.0 for position in range(len(items)))


def picked_item_tangent(t: Any, items: Any, ans: Any) -> Any:
    """Tangent of ``max(items)`` or ``min(items)``: the picked item's."""
    return t[_picked_position(items, ans)]


def picked_of_two(a: Any, ans: Any, b: Any) -> Any:
    """``picked`` for builtin max and min of two values: 1 where the result
    is ``a``, 0.5 on ties, else 0."""
    if b is None:
        raise NoDerivativeRule(
            "builtin max/min of one iterable has no derivative rule",
            "write max(a, b) of two values, or use np.max / np.min on an array",
        )
    if isinstance(a, (list, tuple, dict)) or isinstance(b, (list, tuple, dict)):
        raise NoDerivativeRule(
            "builtin max/min compares containers here, which has no derivative",
            "compare numbers or arrays, or use np.maximum / np.minimum",
        )
    return (a == ans) / (1.0 + (a == b))


def finite_mask(x: Any, copy: Any = True) -> Any:
    """1 where ``x`` is finite (where np.nan_to_num passes x through), else 0."""
    if copy is False:
        raise NoDerivativeRule(
            "np.nan_to_num(..., copy=False) writes into its argument; its "
            "derivative is not supported",
            "leave copy=True (the default)",
        )
    return np.isfinite(x)
