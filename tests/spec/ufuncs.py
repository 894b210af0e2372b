"""Rows of the ufuncs rules and of the runtime helpers their derivatives call."""

from __future__ import annotations

import numpy as np

from adcompile._src.runtime.elementwise import (
    digamma,
    polygamma,
    sinc_derivative,
    sum_items,
)
from tests.spec.elementwise import SHAPE_PAIRS
from tests.spec.table import away, data, row, shape_id

SHAPES = ["float", (), (4,), (2, 3)]

# ---- unary functions --------------------------------------------------------


def np_sinc(x):
    y = np.sinc(x)
    return np.sum(y * y)


def np_real(x):
    y = np.real(x)
    return np.sum(y * y * x)


def np_conj(x):
    y = np.conj(x)
    return np.sum(y * y * x)


def np_conjugate(x):
    y = np.conjugate(x)
    return np.sum(np.sin(y) * x)


def np_nan_to_num(x):
    y = np.nan_to_num(x)
    return np.sum(y * y * x)


for _f, _make, _ag in [
    (np_sinc, lambda s: data(s, -2.5, 2.5), True),
    (np_real, data, True),
    (np_conj, data, True),
    (np_conjugate, data, True),
    (np_nan_to_num, data, True),
]:
    for _shape in SHAPES:
        row(
            f"{_f.__name__}-{shape_id(_shape)}",
            _f,
            _make(_shape),
            ag=_ag,
            second_order=True,
        )
row(
    "np_sinc-at-zero-and-integers",
    np_sinc,
    np.array([0.0, 1e-9, -1.0, 1.0, 2.0, -0.999]),
    ag=False,  # autograd's sinc has a nan derivative at 0
    second_order=True,
)


def np_nan_to_num_values(x, fill, big, small):
    y = np.nan_to_num(x, nan=fill, posinf=big, neginf=small)
    return np.sum(y * y + y)


NON_FINITE = np.array([[np.nan, 0.5, np.inf], [-np.inf, -1.2, np.nan]])


def np_nan_to_num_sin(x):
    y = np.nan_to_num(x)
    return np.sum(np.sin(y))


row(
    "np_nan_to_num_sin-non-finite",
    np_nan_to_num_sin,
    NON_FINITE,
    fd=False,  # finite differences cannot step from nan or inf
)
row(
    "np_nan_to_num_values-non-finite",
    np_nan_to_num_values,
    NON_FINITE,
    0.3,
    7.0,
    -5.0,
    wrt=(1, 2, 3),
    ag=False,  # autograd does not differentiate the fill values
    second_order=True,
)

# ---- binary functions, with broadcasting -------------------------------------


def np_logaddexp2(a, b):
    y = np.logaddexp2(a, b)
    return np.sum(y * y)


def np_float_power(a, b):
    y = np.float_power(a, b)
    return np.sum(y * y)


def np_mod(a, b):
    y = np.mod(a, b)
    return np.sum(y * y)


def np_remainder(a, b):
    y = np.remainder(a, b)
    return np.sum(y * y * a)


def np_fmod(a, b):
    y = np.fmod(a, b)
    return np.sum(y * y)


def np_copysign(a, b):
    y = np.copysign(a, b)
    return np.sum(y * y * y + y)


BINARY = [
    (np_logaddexp2, data, data, True),
    (np_float_power, lambda s: data(s, 0.3, 2.0), data, False),
    (np_mod, lambda s: data(s, -3.0, 3.0), lambda s: away(s, 0.35, 0.9), True),
    (np_remainder, lambda s: data(s, -3.0, 3.0), lambda s: away(s, 0.35, 0.9), True),
    (np_fmod, lambda s: data(s, -3.0, 3.0), lambda s: away(s, 0.35, 0.9), False),
    (np_copysign, away, away, False),
]
for _f, _make_a, _make_b, _ag in BINARY:
    for _sa, _sb in SHAPE_PAIRS:
        row(
            f"{_f.__name__}-{shape_id(_sa)}x{shape_id(_sb)}",
            _f,
            _make_a(_sa),
            _make_b(_sb),
            wrt=(0, 1),
            ag=_ag,
            second_order=True,
        )


def np_ldexp(x, i):
    y = np.ldexp(x, i)
    return np.sum(y * y)


for _sx, _i in [
    ("float", 3),
    ((3,), np.array([-2, 0, 5])),
    ((2, 3), np.array([1, -1, 2])),
    ((2, 3), 4),
    ("float", np.array([[1], [2]])),
]:
    row(
        f"np_ldexp-{shape_id(_sx)}x{shape_id(np.shape(_i))}",
        np_ldexp,
        data(_sx),
        _i,
        ag=False,
        second_order=True,
    )


def np_heaviside(x, h):
    y = np.heaviside(x, h)
    return np.sum(y * y * h + y)


for _sx, _sh in [((4,), (4,)), ((2, 3), "float"), ((2, 3), (3,))]:
    _x = away(_sx)
    _x.flat[::2] = 0.0  # where x is 0, heaviside is h
    row(
        f"np_heaviside-{shape_id(_sx)}x{shape_id(_sh)}",
        np_heaviside,
        _x,
        data(_sh),
        wrt=1,
        ag=False,
        second_order=True,
    )
row(
    "np_heaviside-away-from-zero",
    np_heaviside,
    away((2, 3)),
    data((3,)),
    wrt=(0, 1),
    ag=False,
    second_order=True,
)

# ---- runtime helpers, called directly ----------------------------------------


def helper_digamma(x):
    y = digamma(x)
    return np.sum(y * y)


def helper_polygamma(x):
    y = polygamma(1, x) + polygamma(2, x)
    return np.sum(y * x)


def helper_sinc_derivative(x):
    y = sinc_derivative(x, 1) + sinc_derivative(x, 2)
    return np.sum(y * y)


def helper_sum_items(a, b):
    y = sum_items([a, b * b, a * b])
    return np.sum(y * y)


for _f, _make in [
    (helper_digamma, lambda s: data(s, 0.2, 12.0)),
    (helper_digamma, lambda s: data(s, -3.9, -3.1)),
    (helper_polygamma, lambda s: data(s, 0.2, 12.0)),
    (helper_polygamma, lambda s: data(s, -1.9, -1.1)),
    (helper_sinc_derivative, lambda s: data(s, -3.0, 3.0)),
]:
    for _shape in ["float", (2, 3)]:
        _x = _make(_shape)
        _sign = "negative-" if np.all(np.asarray(_x) < 0) else ""
        row(
            f"{_f.__name__}-{_sign}{shape_id(_shape)}",
            _f,
            _x,
            ag=False,
            second_order=True,
        )
for _sa, _sb in [("float", "float"), ((3,), (3,)), ((2, 3), (3,))]:
    row(
        f"helper_sum_items-{shape_id(_sa)}x{shape_id(_sb)}",
        helper_sum_items,
        data(_sa),
        data(_sb),
        wrt=(0, 1),
        ag=False,
        second_order=True,
    )
