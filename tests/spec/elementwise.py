"""Rows of elementwise functions and operators, with broadcasting."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import away, data, row, shape_id  # noqa: F401

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
        row(
            f"{_f.__name__}-{shape_id(_shape)}",
            _f,
            _make(_shape),
            ag=_ag,
            second_order=True,
        )


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
            second_order=True,
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
        row(
            f"{_f.__name__}-{shape_id(_shape)}",
            _f,
            _make(_shape),
            ag=_ag,
            second_order=True,
        )
for _id, _wrt in [("op_mixed-(2,3)x(3,)", (0, 1)), ("op_mixed-wrt-b-by-name", "b")]:
    row(
        _id,
        op_mixed,
        data((2, 3), 0.1, 2.0),
        data((3,)),
        wrt=_wrt,
        second_order=True,
    )


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
        second_order=True,
    )
row("np_where_constant-(2,3)", np_where_constant, away((2, 3)), second_order=True)
row("np_where_constant-float", np_where_constant, 0.7, second_order=True)
row(
    "np_where_condition_from_x-(4,)",
    np_where_condition_from_x,
    np.array([-1.4, -0.5, 0.3, 1.2]),
    second_order=True,
)


def np_where_broadcast_by_condition(x, m):
    return np.sum(np.where(m > 0.0, x, 0.0) ** 2)


row(
    "np_where_broadcast_by_condition-(3,)x(2,3)",
    np_where_broadcast_by_condition,
    data((3,)),
    away((2, 3)),
    ag=False,  # autograd does not unbroadcast where's x
    second_order=True,
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
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, _x, second_order=True)
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
        second_order=True,
    )
