"""The spec table of the rule table: every differentiable primitive × shapes.

Each row is a small function defined in this module (adcompile reads its
source), the arguments to call it with, and which parameters to
differentiate. Every row is checked against central finite differences and,
where autograd has the function, against autograd. ``test_every_rule_has_a_row``
fails when a registered differentiable primitive is used by no row, so a new
rule cannot land without a test.

Inputs are chosen inside each function's domain and away from its kinks
(|x| >= 0.3 for abs, no ties for max/min) except in the rows that test ties
and zeros on purpose, which are checked against autograd (and, for prod,
finite differences: prod is a polynomial).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy
import numpy as np
import pytest

import adcompile
from adcompile.compiler import derivative_of
from adcompile.ir import Apply, walk
from adcompile.rules import registered
from tests.gradcheck import (
    check_against_autograd,
    check_grad,
    compute_grads,
)

RNG = np.random.default_rng(20240501)


def data(shape: Any, low: float = -1.5, high: float = 1.5) -> Any:
    """Uniform data of ``shape``; the shape "float" means a Python float."""
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


def away(shape: Any, low: float = 0.3, high: float = 1.5) -> Any:
    """Data of either sign with low <= |x| <= high."""
    magnitude = data(shape, low, high)
    sign = RNG.choice([-1.0, 1.0], size=None if shape == "float" else shape)
    return float(magnitude * sign) if shape == "float" else magnitude * sign


@dataclass(frozen=True)
class Row:
    id: str
    f: Callable[..., Any]
    args: tuple[Any, ...]
    wrt: Any = 0
    fd: bool = True  # check against finite differences
    ag: bool = True  # check against autograd
    rtol: float = 1e-5


ROWS: list[Row] = []


def row(id: str, f: Callable[..., Any], *args: Any, **options: Any) -> None:
    ROWS.append(Row(id, f, args, **options))


def shape_id(shape: Any) -> str:
    if shape == "float":
        return "float"
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ---- unary elementwise functions ---------------------------------------------


def np_negative(x):
    y = np.negative(x)
    return np.sum(y * y * x)


def np_positive(x):
    y = np.positive(x)
    return np.sum(y * y * x)


def np_exp(x):
    y = np.exp(x)
    return np.sum(y * y)


def np_exp2(x):
    y = np.exp2(x)
    return np.sum(y * y)


def np_expm1(x):
    y = np.expm1(x)
    return np.sum(y * y)


def np_log(x):
    y = np.log(x)
    return np.sum(y * y)


def np_log2(x):
    y = np.log2(x)
    return np.sum(y * y)


def np_log10(x):
    y = np.log10(x)
    return np.sum(y * y)


def np_log1p(x):
    y = np.log1p(x)
    return np.sum(y * y)


def np_sin(x):
    y = np.sin(x)
    return np.sum(y * y)


def np_cos(x):
    y = np.cos(x)
    return np.sum(y * y * x)


def np_tan(x):
    y = np.tan(x)
    return np.sum(y * y)


def np_arcsin(x):
    y = np.arcsin(x)
    return np.sum(y * y)


def np_arccos(x):
    y = np.arccos(x)
    return np.sum(y * y)


def np_arctan(x):
    y = np.arctan(x)
    return np.sum(y * y)


def np_sinh(x):
    y = np.sinh(x)
    return np.sum(y * y)


def np_cosh(x):
    y = np.cosh(x)
    return np.sum(y * y * x)


def np_tanh(x):
    y = np.tanh(x)
    return np.sum(y * y)


def np_arcsinh(x):
    y = np.arcsinh(x)
    return np.sum(y * y)


def np_arccosh(x):
    y = np.arccosh(x)
    return np.sum(y * y)


def np_arctanh(x):
    y = np.arctanh(x)
    return np.sum(y * y)


def np_sqrt(x):
    y = np.sqrt(x)
    return np.sum(y * y * y)


def np_cbrt(x):
    y = np.cbrt(x)
    return np.sum(y * y)


def np_square(x):
    y = np.square(x)
    return np.sum(y * y)


def np_reciprocal(x):
    y = np.reciprocal(x)
    return np.sum(y * y)


def np_abs(x):
    y = np.abs(x)
    return np.sum(y * y * x)


def np_absolute(x):
    y = np.absolute(x)
    return np.sum(y * x)


def np_fabs(x):
    y = np.fabs(x)
    return np.sum(y * x)


def np_deg2rad(x):
    y = np.deg2rad(x)
    return np.sum(y * y)


def np_rad2deg(x):
    y = np.rad2deg(x)
    return np.sum(y * y)


def np_radians(x):
    y = np.radians(x)
    return np.sum(y * y)


def np_degrees(x):
    y = np.degrees(x)
    return np.sum(y * y)


UNARY = [
    (np_negative, data),
    (np_positive, data),
    (np_exp, data),
    (np_exp2, data),
    (np_expm1, data),
    (np_log, lambda s: data(s, 0.2, 3.0)),
    (np_log2, lambda s: data(s, 0.2, 3.0)),
    (np_log10, lambda s: data(s, 0.2, 3.0)),
    (np_log1p, lambda s: data(s, -0.8, 2.0)),
    (np_sin, data),
    (np_cos, data),
    (np_tan, lambda s: data(s, -1.2, 1.2)),
    (np_arcsin, lambda s: data(s, -0.9, 0.9)),
    (np_arccos, lambda s: data(s, -0.9, 0.9)),
    (np_arctan, data),
    (np_sinh, data),
    (np_cosh, data),
    (np_tanh, data),
    (np_arcsinh, data),
    (np_arccosh, lambda s: data(s, 1.1, 3.0)),
    (np_arctanh, lambda s: data(s, -0.9, 0.9)),
    (np_sqrt, lambda s: data(s, 0.2, 3.0)),
    (np_cbrt, away),
    (np_square, data),
    (np_reciprocal, away),
    (np_abs, away),
    (np_absolute, away),
    (np_fabs, away),
    (np_deg2rad, data),
    (np_rad2deg, data),
    (np_radians, data),
    (np_degrees, data),
]
NOT_IN_AUTOGRAD = {np_positive, np_cbrt}  # autograd defines no VJP for these
for _f, _make in UNARY:
    for _shape in ["float", (), (4,), (2, 3)]:
        _ag = _f not in NOT_IN_AUTOGRAD
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, _make(_shape), ag=_ag)


# ---- binary elementwise functions and operators, with broadcasting ----------


def np_add(a, b):
    y = np.add(a, b)
    return np.sum(y * y)


def np_subtract(a, b):
    y = np.subtract(a, b)
    return np.sum(y * y)


def np_multiply(a, b):
    y = np.multiply(a, b)
    return np.sum(y * y)


def np_divide(a, b):
    y = np.divide(a, b)
    return np.sum(y * y)


def np_power(a, b):
    y = np.power(a, b)
    return np.sum(y * y)


def np_maximum(a, b):
    y = np.maximum(a, b)
    return np.sum(y * y * y)


def np_minimum(a, b):
    y = np.minimum(a, b)
    return np.sum(y * y * y)


def np_fmax(a, b):
    y = np.fmax(a, b)
    return np.sum(y * y * y)


def np_fmin(a, b):
    y = np.fmin(a, b)
    return np.sum(y * y * y)


def np_hypot(a, b):
    y = np.hypot(a, b)
    return np.sum(y * y * y)


def np_arctan2(a, b):
    y = np.arctan2(a, b)
    return np.sum(y * y)


def np_logaddexp(a, b):
    y = np.logaddexp(a, b)
    return np.sum(y * y)


def op_add(a, b):
    y = a + b
    return np.sum(y * y)


def op_sub(a, b):
    y = a - b
    return np.sum(y * y)


def op_mul(a, b):
    y = a * b
    return np.sum(y * y)


def op_truediv(a, b):
    y = a / b
    return np.sum(y * y)


def op_pow(a, b):
    y = a**b
    return np.sum(y * y)


def op_mod(a, b):
    y = a % b
    return np.sum(y * y)


def builtin_pow(a, b):
    y = pow(a, b)
    return np.sum(y * y)


BINARY = [
    (np_add, data, data),
    (np_subtract, data, data),
    (np_multiply, data, data),
    (np_divide, data, away),
    (np_power, lambda s: data(s, 0.3, 2.0), data),
    (np_maximum, data, data),
    (np_minimum, data, data),
    (np_fmax, data, data),
    (np_fmin, data, data),
    (np_hypot, away, away),
    (np_arctan2, away, away),
    (np_logaddexp, data, data),
    (op_add, data, data),
    (op_sub, data, data),
    (op_mul, data, data),
    (op_truediv, data, away),
    (op_pow, lambda s: data(s, 0.3, 2.0), data),
    (op_mod, lambda s: data(s, 0.5, 3.0), lambda s: data(s, 0.35, 0.9)),
    (builtin_pow, lambda s: data(s, 0.3, 2.0), data),
]
SHAPE_PAIRS = [
    ("float", "float"),
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((2, 3), (2, 1)),
    ((2, 3), (1, 3)),
    ((2, 3), ()),
    ((2, 3), "float"),
    ((3,), (2, 3)),
    ((1, 3), (2, 3)),
    ((2, 1), (1, 3)),
    ("float", (2, 3)),
]
for _f, _make_a, _make_b in BINARY:
    for _sa, _sb in SHAPE_PAIRS:
        row(
            f"{_f.__name__}-{shape_id(_sa)}x{shape_id(_sb)}",
            _f,
            _make_a(_sa),
            _make_b(_sb),
            wrt=(0, 1),
        )


def op_neg(x):
    y = -x
    return np.sum(y * y * x)


def op_pos(x):
    y = +x
    return np.sum(y * y * x)


def op_square(x):
    return np.sum(x**2)


def op_sqrt(x):
    return np.sum(x**0.5)


def op_exp2(x):
    return np.sum(2.0**x)


def op_cube_negative(x):
    return np.sum((x - 2.0) ** 3)


def op_mixed(a, b):
    return np.sum((a * b - a / (b * b + 1.0)) ** 2 + a % 0.7)


for _f, _make in [
    (op_neg, data),
    (op_pos, data),
    (op_square, data),
    (op_sqrt, lambda s: data(s, 0.2, 2.0)),
    (op_exp2, data),
    (op_cube_negative, data),
]:
    for _shape in ["float", (3,), (2, 3)]:
        _ag = _f is not op_pos  # autograd's boxes have no unary +
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, _make(_shape), ag=_ag)
row("op_mixed-(2,3)x(3,)", op_mixed, data((2, 3), 0.1, 2.0), data((3,)), wrt=(0, 1))
row("op_mixed-wrt-b-by-name", op_mixed, data((2, 3), 0.1, 2.0), data((3,)), wrt="b")


# ---- ties of maximum and minimum (autograd splits ties equally) -------------

TIE_A = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
TIE_B = np.array([1.0, 0.5, 3.0])
row("np_maximum-ties", np_maximum, TIE_A, TIE_B, wrt=(0, 1), fd=False)
row("np_minimum-ties", np_minimum, TIE_A, TIE_B, wrt=(0, 1), fd=False)
row("np_fmax-ties", np_fmax, TIE_A, TIE_B, wrt=(0, 1), fd=False)
row("np_fmin-ties", np_fmin, TIE_A, TIE_B, wrt=(0, 1), fd=False)


# ---- where, clip ------------------------------------------------------------


def np_where(x, y):
    z = np.where(x > 0.0, x * x, y)
    return np.sum(z * z)


def np_where_constant(x):
    z = np.where(x > 0.0, np.sin(x), 0.0)
    return np.sum(z * x)


def np_where_condition_from_x(x):
    return np.sum(np.where(np.abs(x) < 1.0, x, 2.0 * x) ** 2)


for _sx, _sy in [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), "float"), ((3,), (2, 3))]:
    row(
        f"np_where-{shape_id(_sx)}x{shape_id(_sy)}",
        np_where,
        away(_sx),
        data(_sy),
        wrt=(0, 1),
        ag=_sx == _sy or _sx == (3,),  # autograd cannot unbroadcast where's y
    )
row("np_where_constant-(2,3)", np_where_constant, away((2, 3)))
row("np_where_constant-float", np_where_constant, 0.7)
row(
    "np_where_condition_from_x-(4,)",
    np_where_condition_from_x,
    np.array([-1.4, -0.5, 0.3, 1.2]),
)


def np_clip(x):
    y = np.clip(x, -0.5, 0.5)
    return np.sum(y * y * x)


def np_clip_low_none(x):
    y = np.clip(x, None, 0.5)
    return np.sum(y * y * x)


def np_clip_high_none(x):
    y = np.clip(x, -0.5, None)
    return np.sum(y * y * x)


def method_clip(x):
    y = x.clip(-0.5, 0.5)
    return np.sum(y * y * x)


def np_clip_bounds(x, low, high):
    y = np.clip(x, low, high)
    return np.sum(y * y * (x + 2.0))


for _f in [np_clip, np_clip_low_none, np_clip_high_none, method_clip]:
    for _shape in ["float", (4,), (2, 3)] if _f is not method_clip else [(4,), (2, 3)]:
        _x = away(_shape, 0.1, 1.5)
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, _x)
for _sx, _sl, _sh in [
    ((2, 3), (2, 3), (2, 3)),
    ((2, 3), (3,), "float"),
    ((2, 3), "float", (2, 1)),
    ("float", (3,), (3,)),
]:
    row(
        f"np_clip_bounds-{shape_id(_sx)}-{shape_id(_sl)}-{shape_id(_sh)}",
        np_clip_bounds,
        data(_sx, -1.0, 1.0),
        data(_sl, -1.3, -0.1),
        data(_sh, 0.1, 1.3),
        wrt=(0, 1, 2),
        ag=False,  # autograd does not differentiate clip's bounds
    )


# ---- reductions --------------------------------------------------------------


def np_sum(x, axis, keepdims):
    y = np.sum(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_mean(x, axis, keepdims):
    y = np.mean(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_max(x, axis, keepdims):
    y = np.max(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_amax(x, axis, keepdims):
    y = np.amax(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_min(x, axis, keepdims):
    y = np.min(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_amin(x, axis, keepdims):
    y = np.amin(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_prod(x, axis, keepdims):
    y = np.prod(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


REDUCTIONS = [np_sum, np_mean, np_max, np_amax, np_min, np_amin, np_prod]
X3 = data((2, 3, 4), -1.5, 1.5)
for _f in REDUCTIONS:
    for _axis in [None, 0, 1, -1, (0, 2), (-1, 0)]:
        for _keepdims in [False, True]:
            row(
                f"{_f.__name__}-axis={_axis}-keepdims={_keepdims}",
                _f,
                X3,
                _axis,
                _keepdims,
            )
    row(f"{_f.__name__}-vector-axis=0", _f, data((5,)), 0, False)
    row(f"{_f.__name__}-matrix-axis=1", _f, data((3, 4)), 1, True)


def sum_all(x):
    return np.sum(x) ** 2


def mean_all(x):
    return np.mean(x) ** 2


def max_all(x):
    return np.max(x) ** 2


def amax_all(x):
    return np.amax(x) ** 2


def min_all(x):
    return np.min(x) ** 2


def amin_all(x):
    return np.amin(x) ** 2


def prod_all(x):
    return np.prod(x) ** 2


def reductions_spelled(x):
    a = np.sum(x, 0)
    b = np.mean(x, axis=-1, keepdims=True)
    c = x.max(axis=1)
    d = x.min(0)
    e = x.prod(axis=(0, 1))
    f = x.sum() + x.mean()
    return np.sum(a * a) + np.sum(b * b) + np.sum(c * c) + np.sum(d * d) + e + f


for _f in [sum_all, mean_all, max_all, amax_all, min_all, amin_all, prod_all]:
    for _shape in [(5,), (2, 3), (2, 3, 2)]:
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, data(_shape, 0.3, 1.5))
    row(f"{_f.__name__}-float", _f, 1.3, ag=_f is not prod_all)
row("reductions_spelled-(3,4)", reductions_spelled, data((3, 4)))

# ties: autograd shares the gradient equally among the entries that attain it
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, -2.0, 0.5], [3.0, 0.0, -2.0, 1.0]])
for _f in [np_max, np_amax, np_min, np_amin]:
    for _axis in [None, 0, 1, (0, 1)]:
        row(f"{_f.__name__}-ties-axis={_axis}", _f, TIES, _axis, False, fd=False)
    row(f"{_f.__name__}-ties-keepdims", _f, TIES, 1, True, fd=False)
for _f in [max_all, min_all]:
    row(f"{_f.__name__}-ties", _f, np.array([1.0, -3.0, 1.0, -3.0, 0.0]), fd=False)

# zeros in prod: the product of the other entries, exact at zeros (finite
# differences are exact enough: prod is a polynomial)
ONE_ZERO = np.array(
    [[1.5, 0.5, 2.0, -1.0], [0.7, 0.0, 1.2, 1.1], [2.0, -0.5, 0.9, 1.3]]
)
TWO_ZEROS = np.array(
    [[1.5, 0.0, 2.0, -1.0], [0.7, 0.0, 1.2, 0.0], [2.0, -0.5, 0.9, 1.3]]
)
for _name, _x in [("one-zero", ONE_ZERO), ("two-zeros", TWO_ZEROS)]:
    for _axis in [None, 0, 1, -1, (0, 1)]:
        for _keepdims in [False, True]:
            row(
                f"np_prod-{_name}-axis={_axis}-keepdims={_keepdims}",
                np_prod,
                _x,
                _axis,
                _keepdims,
                ag=False,  # autograd divides by the entries: nan at zeros
            )
    row(f"prod_all-{_name}", prod_all, _x, ag=False)
ZEROS_3D = data((2, 3, 4), 0.5, 1.5)
ZEROS_3D[0, 1, 2] = ZEROS_3D[1, 1, 0] = ZEROS_3D[1, 2, 0] = 0.0
for _axis in [None, 1, -1, (0, 2), (-1, 0)]:
    for _keepdims in [False, True]:
        row(
            f"np_prod-zeros-3d-axis={_axis}-keepdims={_keepdims}",
            np_prod,
            ZEROS_3D,
            _axis,
            _keepdims,
            ag=False,
        )


# ---- products ----------------------------------------------------------------


def np_dot(a, b):
    y = np.dot(a, b)
    return np.sum(y * y)


def method_dot(a, b):
    y = a.dot(b)
    return np.sum(y * y)


def np_matmul(a, b):
    y = np.matmul(a, b)
    return np.sum(y * y)


def op_matmul(a, b):
    y = a @ b
    return np.sum(y * y)


def np_outer(a, b):
    y = np.outer(a, b)
    return np.sum(y * y * y)


PRODUCT_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((1, 3), (3, 1)),
]
BATCHED_SHAPES = [
    ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
    ((1, 2, 3), (4, 3, 2)),
]
for _f in [np_dot, method_dot, np_matmul, op_matmul]:
    for _sa, _sb in PRODUCT_SHAPES + (
        BATCHED_SHAPES if "matmul" in _f.__name__ else []
    ):
        _ag = _f is not method_dot  # autograd's boxes have no .dot
        row(
            f"{_f.__name__}-{shape_id(_sa)}x{shape_id(_sb)}",
            _f,
            data(_sa),
            data(_sb),
            wrt=(0, 1),
            ag=_ag,
        )
for _sa, _sb in [("float", (3,)), ((2, 3), "float"), ((), (2, 2))]:
    row(
        f"np_dot-{shape_id(_sa)}x{shape_id(_sb)}",
        np_dot,
        data(_sa),
        data(_sb),
        wrt=(0, 1),
    )
for _sa, _sb in [((3,), (4,)), ((2, 2), (3,)), ((3,), (1, 2))]:
    _ag = len(_sa) == len(_sb) == 1  # autograd's outer forgets to ravel
    row(
        f"np_outer-{shape_id(_sa)}x{shape_id(_sb)}",
        np_outer,
        data(_sa),
        data(_sb),
        wrt=(0, 1),
        ag=_ag,
    )


# ---- shapes ------------------------------------------------------------------

W6 = np.linspace(-1.0, 2.0, 6)
W24 = np.linspace(-1.0, 2.0, 24)


def np_transpose(x):
    y = np.transpose(x)
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def attribute_T(x):
    y = x.T
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def np_transpose_axes(x):
    y = np.transpose(x, (1, 2, 0))
    return np.sum(y * y * np.reshape(W24, (3, 4, 2)))


def np_transpose_negative_axes(x):
    y = np.transpose(x, axes=(-1, 0, 1))
    return np.sum(y * y * np.reshape(W24, (4, 2, 3)))


def method_transpose(x):
    y = x.transpose(2, 0, 1)
    return np.sum(y * y * np.reshape(W24, (4, 2, 3)))


def np_reshape(x):
    y = np.reshape(x, (3, 2))
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def method_reshape(x):
    y = x.reshape(6)
    z = x.reshape(-1, 2)
    w = x.reshape((1, 6))
    return np.sum(y * W6) + np.sum(z * z) + np.sum(w * w * w)


def np_ravel(x):
    y = np.ravel(x)
    return np.sum(y * y * W6)


def method_ravel(x):
    y = x.ravel()
    z = x.flatten()
    return np.sum(y * y * W6) + np.sum(z * W6)


def np_squeeze(x):
    y = np.squeeze(x)
    return np.sum(y * y * W6[:3])


def np_squeeze_axis(x):
    y = np.squeeze(x, axis=0)
    z = x.squeeze()
    return np.sum(y * y) + np.sum(z * W6[:3])


def np_expand_dims(x):
    y = np.expand_dims(x, 0)
    z = np.expand_dims(x, axis=-1)
    w = np.expand_dims(x, (0, 2))
    return np.sum(y * y) + np.sum(z * W6[:3]) + np.sum(w * w * w)


def np_copy(x):
    y = np.copy(x)
    z = x.copy()
    return np.sum(y * y * z)


def np_array(x):
    y = np.array(x)
    return np.sum(y * y * x)


def np_array_of_list(a, b):
    y = np.array([a, b * b])
    return np.sum(y * y * W6[:3])


def np_asarray(x):
    y = np.asarray(x)
    return np.sum(y * y * x)


row("np_transpose-(2,3)", np_transpose, data((2, 3)))
row("attribute_T-(2,3)", attribute_T, data((2, 3)))
row("np_transpose_axes-(2,3,4)", np_transpose_axes, data((2, 3, 4)))
# autograd gets negative transpose axes wrong and has no varargs .transpose
row(
    "np_transpose_negative_axes-(2,3,4)",
    np_transpose_negative_axes,
    data((2, 3, 4)),
    ag=False,
)
row("method_transpose-(2,3,4)", method_transpose, data((2, 3, 4)), ag=False)
row("np_reshape-(2,3)", np_reshape, data((2, 3)))
row("np_reshape-(6,)", np_reshape, data((6,)))
row("method_reshape-(2,3)", method_reshape, data((2, 3)))
row("np_ravel-(2,3)", np_ravel, data((2, 3)))
row("np_ravel-(3,1,2)", np_ravel, data((3, 1, 2)))
row("method_ravel-(2,3)", method_ravel, data((2, 3)))
row("np_squeeze-(1,3,1)", np_squeeze, data((1, 3, 1)))
row("np_squeeze_axis-(1,3)", np_squeeze_axis, data((1, 3)))
row("np_expand_dims-(3,)", np_expand_dims, data((3,)))
row("np_copy-(2,3)", np_copy, data((2, 3)), ag=False)  # no VJP in autograd
row("np_array-(2,3)", np_array, data((2, 3)))
row("np_array-float", np_array, 0.7)
row("np_array_of_list-(3,)", np_array_of_list, data((3,)), data((3,)), wrt=(0, 1))
row("np_asarray-(2,3)", np_asarray, data((2, 3)), ag=False)  # no VJP in autograd
row("np_asarray-float", np_asarray, -0.4, ag=False)


def np_concatenate(a, b):
    y = np.concatenate([a, b], axis=1)
    return np.sum(y * y * np.reshape(np.linspace(-1.0, 1.0, 10), (2, 5)))


def np_concatenate_axis0(a, b):
    y = np.concatenate((a, b * b, a))
    return np.sum(y * y * y)


def np_concatenate_negative_axis(a, b):
    y = np.concatenate([a, b], axis=-1)
    return np.sum(y * y * y)


def np_concatenate_axis_none(a, b):
    y = np.concatenate([a, b], axis=None)
    return np.sum(y * y * y)


def np_concatenate_constant(a):
    y = np.concatenate([a, np.ones((2, 2))], axis=1)
    return np.sum(y * y * y)


def np_stack(a, b):
    y = np.stack([a, b])
    return np.sum(y * y * y)


def np_stack_axis(a, b):
    y = np.stack([a, 2.0 * b, a], axis=1)
    z = np.stack((a, b), axis=-1)
    return np.sum(y * y * y) + np.sum(z * z)


def list_used_twice(x):
    parts = [x, 2.0 * x]
    a = np.concatenate(parts)
    b = np.stack(parts)
    return np.sum(a * a * a) + np.sum(b * b)


def list_used_by_array_and_concatenate(x):
    parts = [x, np.sin(x)]
    a = np.array(parts)
    b = np.concatenate(parts)
    c = np.stack(parts, axis=1)
    return np.sum(a * a * a) + np.sum(b * b) + np.sum(c * c * c)


row(
    "np_concatenate-(2,3)+(2,2)", np_concatenate, data((2, 3)), data((2, 2)), wrt=(0, 1)
)
row(
    "np_concatenate_axis0-(3,)+(2,)",
    np_concatenate_axis0,
    data((3,)),
    data((2,)),
    wrt=(0, 1),
)
row(
    "np_concatenate_axis0-(2,3)+(1,3)",
    np_concatenate_axis0,
    data((2, 3)),
    data((1, 3)),
    wrt=(0, 1),
)
row(
    "np_concatenate_negative_axis-(2,2,3)+(2,2,1)",
    np_concatenate_negative_axis,
    data((2, 2, 3)),
    data((2, 2, 1)),
    wrt=(0, 1),
)
row(
    "np_concatenate_axis_none-(2,3)+(4,)",
    np_concatenate_axis_none,
    data((2, 3)),
    data((4,)),
    wrt=(0, 1),
    ag=False,  # autograd has no concatenate(axis=None)
)
row("np_concatenate_constant-(2,3)", np_concatenate_constant, data((2, 3)))
row("np_stack-(3,)", np_stack, data((3,)), data((3,)), wrt=(0, 1))
row("np_stack-(2,3)", np_stack, data((2, 3)), data((2, 3)), wrt=(0, 1))
row("np_stack-float", np_stack, 0.3, -0.8, wrt=(0, 1))
row("np_stack_axis-(2,3)", np_stack_axis, data((2, 3)), data((2, 3)), wrt=(0, 1))
row("list_used_twice-(3,)", list_used_twice, data((3,)))
row(
    "list_used_by_array_and_concatenate-(3,)",
    list_used_by_array_and_concatenate,
    data((3,)),
)


# ---- subscripts --------------------------------------------------------------


def index_first(x):
    y = x[0]
    return np.sum(y * y * y)


def index_last(x):
    y = x[-1]
    return np.sum(y * y * y)


def index_slice(x):
    y = x[1:3]
    return np.sum(y * y * y)


def index_step(x):
    y = x[::2]
    return np.sum(y * y * y)


def index_reverse(x):
    y = x[::-1]
    return np.sum(y * y * np.arange(np.shape(x)[0]))


def index_column(x):
    y = x[:, 1]
    return np.sum(y * y * y)


def index_newaxis(x):
    y = x[None, :]
    return np.sum(y * y * y)


def index_ellipsis(x):
    y = x[..., 0]
    return np.sum(y * y * y)


def index_element(x):
    y = x[1, 2]
    return y * y * y


def index_twice(x):
    y = x[1][0]
    return y * y * y


def index_fancy_repeated(x):
    idx = np.array([0, 2, 2, 0, 1])
    y = x[idx]
    return np.sum(y * y * y)


def index_fancy_list(x):
    y = x[[3, 0, 3]]
    return np.sum(y * y * y)


def index_fancy_2d(x):
    y = x[[0, 1, 1], [2, 2, 0]]
    return np.sum(y * y * y)


def index_fancy_mixed(x):
    y = x[:, [1, 1, 0]]
    return np.sum(y * y * y)


def index_mask(x):
    mask = x > 0.0
    y = x[mask]
    return np.sum(y * y * y)


def index_mask_constant(x):
    mask = np.array([True, False, True, True])
    y = x[mask]
    return np.sum(y * y * y)


def index_mask_rows(x):
    y = x[np.array([True, False, True])]
    return np.sum(y * y * y)


def index_unpack(x):
    a, b = x
    return np.sum(a * b * b)


def index_sum_of_parts(x):
    return np.sum(x[0] * x[1:3] + x[-1] ** 2 + x[::2][0])


row("index_first-(4,)", index_first, data((4,)))
row("index_first-(3,4)", index_first, data((3, 4)))
row("index_last-(4,)", index_last, data((4,)))
row("index_last-(3,4)", index_last, data((3, 4)))
row("index_slice-(5,)", index_slice, data((5,)))
row("index_slice-(4,3)", index_slice, data((4, 3)))
row("index_step-(5,)", index_step, data((5,)))
row("index_step-(5,2)", index_step, data((5, 2)))
row("index_reverse-(4,)", index_reverse, data((4,)))
row("index_column-(3,4)", index_column, data((3, 4)))
row("index_newaxis-(4,)", index_newaxis, data((4,)))
row("index_ellipsis-(2,3,4)", index_ellipsis, data((2, 3, 4)))
row("index_element-(3,4)", index_element, data((3, 4)))
row("index_twice-(3,4)", index_twice, data((3, 4)))
row("index_fancy_repeated-(3,)", index_fancy_repeated, data((3,)))
row("index_fancy_repeated-(3,2)", index_fancy_repeated, data((3, 2)))
row("index_fancy_list-(4,)", index_fancy_list, data((4,)))
row("index_fancy_2d-(2,3)", index_fancy_2d, data((2, 3)))
row("index_fancy_mixed-(2,3)", index_fancy_mixed, data((2, 3)))
row("index_mask-(5,)", index_mask, away((5,)))
row("index_mask-(2,3)", index_mask, away((2, 3)))
row("index_mask_constant-(4,)", index_mask_constant, data((4,)))
row("index_mask_rows-(3,2)", index_mask_rows, data((3, 2)))
row("index_unpack-(2,3)", index_unpack, data((2, 3)))
row("index_sum_of_parts-(4,)", index_sum_of_parts, data((4,)))


def index_list_unpack(x, y):
    pair = [x, y]
    a, b = pair
    return np.sum(a * a) * b


def index_tuple_parts(x):
    items = (x, np.sin(x), 2.0 * x)
    c = items[1]
    d = items[1:]
    return np.sum(c * c) + np.sum(d[0] * d[1])


row("index_list_unpack-(3,)xfloat", index_list_unpack, data((3,)), 0.7, wrt=(0, 1))
row("index_tuple_parts-(3,)", index_tuple_parts, data((3,)))


# ---- the math module and builtins on floats ----------------------------------


def math_sin(x):
    return math.sin(x) * x


def math_cos(x):
    return math.cos(x) * x


def math_tan(x):
    return math.tan(x) * x


def math_exp(x):
    return math.exp(x) * x


def math_sqrt(x):
    return math.sqrt(x) * x


def math_tanh(x):
    return math.tanh(x) * x


def math_sinh(x):
    return math.sinh(x) * x


def math_cosh(x):
    return math.cosh(x) * x


def math_asin(x):
    return math.asin(x) * x


def math_acos(x):
    return math.acos(x) * x


def math_atan(x):
    return math.atan(x) * x


def math_log1p(x):
    return math.log1p(x) * x


def math_expm1(x):
    return math.expm1(x) * x


def math_fabs(x):
    return math.fabs(x) * x


def math_log(x):
    return math.log(x) * x


def math_log_base(x):
    return math.log(x, 2.0) * x + math.log(x, 10)


def math_pow(a, b):
    return math.pow(a, b) * a


def builtin_abs(x):
    return abs(x) * x


def builtin_abs_array(x):
    return np.sum(abs(x) * x)


def builtin_float(x):
    return float(x) * x


def builtin_float_of_sum(x):
    return float(np.sum(x * x)) * 2.0


def builtin_pow_float(a, b):
    return pow(a, b) * a


for _f, _x in [
    (math_sin, 0.7),
    (math_cos, 0.7),
    (math_tan, 0.7),
    (math_exp, 0.7),
    (math_sqrt, 1.7),
    (math_tanh, 0.7),
    (math_sinh, 0.7),
    (math_cosh, 0.7),
    (math_asin, 0.6),
    (math_acos, -0.6),
    (math_atan, 1.7),
    (math_log1p, 0.7),
    (math_expm1, 0.7),
    (math_fabs, -0.7),
    (math_fabs, 0.7),
    (math_log, 1.7),
    (math_log_base, 1.7),
    (builtin_abs, -0.7),
    (builtin_abs, 0.7),
]:
    row(f"{_f.__name__}-{_x}", _f, _x)
row("math_pow-float", math_pow, 1.7, 0.6, wrt=(0, 1))
row("builtin_pow_float-float", builtin_pow_float, 1.7, 0.6, wrt=(0, 1))
row("builtin_abs_array-(2,3)", builtin_abs_array, away((2, 3)))
row("builtin_float-float", builtin_float, 0.7, ag=False)  # autograd refuses float()
row("builtin_float_of_sum-(3,)", builtin_float_of_sum, data((3,)), ag=False)
row("np.float64-scalar", np_sin, np.float64(0.4))
row("np.float64-scalar-math", math_sin, np.float64(0.4))


# ---- compositions: reductions broadcast back, chains of rules ------------------


def logsumexp_rows(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0])


def standardize(x):
    centered = x - np.mean(x, axis=0, keepdims=True)
    scale = np.sqrt(np.mean(centered**2, axis=0) + 1e-3)
    return np.sum((centered / scale) ** 3)


def softmax_cross_entropy(w, x):
    logits = x @ w
    shifted = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    return -np.mean(np.log(p[:, 0]))


def mlp(w1, b1, w2, x):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2
    return np.mean((out - 1.0) ** 2) + 0.1 * np.sum(w1 * w1)


def scalar_program(a, b):
    c = a * b + math.sin(a) / (1.0 + b * b)
    d = c**2 - abs(a - b) + math.exp(-c)
    return d * a


row("logsumexp_rows-(3,4)", logsumexp_rows, data((3, 4)))
row("standardize-(4,3)", standardize, data((4, 3)))
row(
    "softmax_cross_entropy-(3,4)x(5,3)",
    softmax_cross_entropy,
    data((3, 4)),
    data((5, 3)),
    wrt=(0, 1),
)
row(
    "mlp-all-parameters",
    mlp,
    data((3, 4)),
    data((4,)),
    data((4,)),
    data((5, 3)),
    wrt=("w1", "b1", "w2"),
)
row("scalar_program-floats", scalar_program, 0.7, -1.3, wrt=(0, 1))


# ---- patterns of several operations -------------------------------------------


def logistic(x):
    s = 1 / (1 + np.exp(-x))
    return np.sum(s * s * x)


def logistic_swapped(x, w):
    s = 1.0 / (np.exp(-(x * w)) + 1.0)
    return np.sum(s * s)


for _shape in ["float", (3,), (2, 3)]:
    row(f"logistic-{shape_id(_shape)}", logistic, data(_shape, -3.0, 3.0))
row(
    "logistic_swapped-(2,3)x(3,)",
    logistic_swapped,
    data((2, 3)),
    data((3,)),
    wrt=(0, 1),
)
row("logistic_swapped-floatx(3,)", logistic_swapped, 0.4, data((3,)), wrt=(0, 1))


def copy_into_loop_variable(x):
    y = x  # y is x until the loop gives it its own variable: a copy
    for _ in range(3):
        y = np.sin(y) * 2.0
    return np.sum(y * x)


for _shape in ["float", (3,)]:
    row(f"copy-{shape_id(_shape)}", copy_into_loop_variable, data(_shape))


try:
    from scipy.special import expit
except ImportError:  # scipy is optional; its rules exist only with it
    expit = None


def scipy_expit(x):
    s = expit(x * 2.0)
    return np.sum(s * x)


if expit is not None:
    row("scipy_expit-(3,)", scipy_expit, data((3,)), ag=False)
    row("scipy_expit-float", scipy_expit, 0.4, ag=False)


def append_then_stack(x):
    parts = []
    for k in range(3):
        parts.append(np.sin(x * (k + 1)))
    return np.sum(np.stack(parts) * x)


def builtin_sum_of_arrays(x, b):
    return np.sum(sum([x * 2.0, np.cos(x), b]))


for _shape in ["float", (3,)]:
    row(f"append-{shape_id(_shape)}", append_then_stack, data(_shape))
row(
    "builtin_sum-(2,3)x(3,)",
    builtin_sum_of_arrays,
    data((2, 3)),
    data((3,)),
    wrt=(0, 1),
)
row("builtin_sum-floatxfloat", builtin_sum_of_arrays, 0.3, 0.7, wrt=(0, 1))


def item_assignments(x, v):
    y = np.zeros((3, 4))
    y[0] = x[0] * v
    y[1:, ::2] = np.sin(x[1:, ::2])
    y[2, -1] += np.sum(v * v)
    y[x > 0.5] = 0.25
    return np.sum(y * y)


row("setitem-(3,4)xfloat", item_assignments, data((3, 4)), 0.3, wrt=(0, 1), ag=False)
row(
    "setitem-(3,4)x(4,)",
    item_assignments,
    data((3, 4)),
    data((4,)),
    wrt=(0, 1),
    ag=False,
)


# ---- the checks ---------------------------------------------------------------

FD_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.fd]
AG_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.ag]


def test_row_ids_are_unique():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("r", FD_ROWS)
def test_finite_differences(r: Row):
    check_grad(r.f, r.args, wrt=r.wrt, rtol=r.rtol)


@pytest.mark.parametrize("r", AG_ROWS)
def test_autograd(r: Row):
    check_against_autograd(r.f, None, r.args, wrt=r.wrt)


def primitives_used(f: Callable[..., Any], wrt: Any) -> set[int]:
    """ids of the keys of the primitives the normal form of f applies."""
    _, _, derivative = derivative_of(f, wrt)
    return {
        id(s.prim.key)
        for s in walk(derivative.program.body)
        if isinstance(s, Apply) and s.prim is not None
    }


def test_every_rule_has_a_row():
    used: set[int] = set()
    for r in ROWS:
        used |= primitives_used(r.f, r.wrt)
    missing = [
        p.spelling for p in registered() if not p.nondiff and id(p.key) not in used
    ]
    assert (
        not missing
    ), f"differentiable primitives with no row in the spec table: {missing}"


# ---- non-differentiable primitives: constants in the gradient ----------------


def floor_times_x(x):
    return np.sum(np.floor(x) * x)


def shape_times_x(x):
    return np.sum(x.shape[0] * x * x)


def len_times_x(x):
    return np.sum(len(x) * x)


def sign_times_x(x):
    return np.sum(np.sign(x) * x)


def round_and_argmax(x):
    i = np.argmax(x)
    return np.sum(np.round(x) * x) + x[i] * np.size(x)


def comparison_times_x(x):
    return np.sum((x > 0.0) * x * x)


def zeros_like_plus_x(x):
    return np.sum((np.zeros_like(x) + 1.0) * x * np.ones(np.shape(x)))


def math_floor_times_x(x):
    return math.floor(x) * x * x


NONDIFF_CASES = [
    (floor_times_x, np.array([0.5, 1.7, -2.3]), lambda x: np.floor(x)),
    (shape_times_x, np.array([0.5, 1.7, -2.3]), lambda x: 3 * 2 * x),
    (len_times_x, np.array([0.5, 1.7]), lambda x: np.full(2, 2.0)),
    (sign_times_x, np.array([0.5, -1.7, -2.3]), lambda x: np.sign(x)),
    (
        round_and_argmax,
        np.array([0.4, 1.7, -2.3]),
        lambda x: np.round(x) + np.array([0.0, 3.0, 0.0]),
    ),
    (comparison_times_x, np.array([0.5, -1.7]), lambda x: 2 * x * (x > 0)),
    (zeros_like_plus_x, np.array([0.5, -1.7]), lambda x: np.ones_like(x)),
    (math_floor_times_x, 2.5, lambda x: 2 * math.floor(x) * x),
]


@pytest.mark.parametrize(
    "f, x, expected", NONDIFF_CASES, ids=[c[0].__name__ for c in NONDIFF_CASES]
)
def test_nondifferentiable_parts_are_constants(f, x, expected):
    (gradient,) = compute_grads(f, [x])
    np.testing.assert_allclose(gradient, expected(x), rtol=1e-12)
    check_grad(f, [x])


def test_nondifferentiable_primitives_are_marked():
    nondiff = {p.key for p in registered() if p.nondiff}
    for key in [
        np.floor,
        np.sign,
        np.argmax,
        np.shape,
        len,
        operator.lt,
        np.zeros_like,
    ]:
        assert key in nondiff


# ---- dtypes ------------------------------------------------------------------


def float32_function(x, w):
    return np.sum(np.tanh(x @ w) ** 2)


def test_float32_gradients_keep_their_dtype():
    x = data((2, 3)).astype(np.float32)
    w = data((3, 2)).astype(np.float32)
    gx, gw = adcompile.grad(float32_function, wrt=(0, 1))(x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    check_grad(float32_function, [x, w], wrt=(0, 1), rtol=1e-3, atol=1e-4)


# ---- pullbacks ---------------------------------------------------------------


def times_one(x):
    return x * 1.0


def test_pullback_gradient_is_not_the_cotangent():
    cotangent = np.array([1.0, -2.0, 0.5])
    _, pullback = adcompile.vjp(times_one, np.array([0.1, 0.2, 0.3]))
    gradient = pullback(cotangent)
    np.testing.assert_array_equal(gradient, cotangent)
    assert gradient.flags.writeable
    assert not np.shares_memory(gradient, cotangent)


# ---- names of the user's that collide with emitted-code names ----------------


def parameter_named_np(x, np):
    return numpy.sum(numpy.sin(x)) * np


def parameter_named_like_a_helper(x, unbroadcast):
    return numpy.sum(x * unbroadcast + x)


@pytest.mark.parametrize(
    "f, args",
    [
        (parameter_named_np, (np.array([0.1, 0.2, 0.3]), 2.0)),
        (parameter_named_like_a_helper, (np.array([0.1, 0.2, 0.3]), np.ones((2, 3)))),
    ],
    ids=["np", "unbroadcast"],
)
def test_parameter_shadowing_a_binding(f, args):
    check_grad(f, args)


def test_vjp_value_is_a_new_array():
    x = np.array([0.1, 0.2, 0.3])
    value, _ = adcompile.vjp(times_one, x)
    assert not np.shares_memory(value, x)
