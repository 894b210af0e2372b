"""Rows of the math module and builtins on floats."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.elementwise import np_sin
from tests.spec.table import away, data, row, shape_id  # noqa: F401

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
