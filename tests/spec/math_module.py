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


def numpy_float64(x):
    return np.float64(np.sum(x * x)) * x[0] + np.sum(np.float64(x) * x)


def builtin_pow_float(a, b):
    return pow(a, b) * a


MATH_ROWS = [
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
]
for _f, _x in MATH_ROWS:
    row(f"{_f.__name__}-{_x}", _f, _x, second_order=True)
row("math_pow-float", math_pow, 1.7, 0.6, wrt=(0, 1), second_order=True)
row(
    "builtin_pow_float-float",
    builtin_pow_float,
    1.7,
    0.6,
    wrt=(0, 1),
    second_order=True,
)
row("builtin_abs_array-(2,3)", builtin_abs_array, away((2, 3)), second_order=True)
row(
    "builtin_float-float",
    builtin_float,
    0.7,
    ag=False,  # autograd refuses float()
    second_order=True,
)
row("numpy_float64-(3,)", numpy_float64, data((3,)), ag=False, second_order=True)
row(
    "builtin_float_of_sum-(3,)",
    builtin_float_of_sum,
    data((3,)),
    ag=False,
    second_order=True,
)
row("np.float64-scalar", np_sin, np.float64(0.4), second_order=True)
row("np.float64-scalar-math", math_sin, np.float64(0.4), second_order=True)


# ---- more of the math module (autograd has no stand-ins for these) -----------


def math_asinh(x):
    return math.asinh(x) * x


def math_acosh(x):
    return math.acosh(x) * x


def math_atanh(x):
    return math.atanh(x) * x


def math_log2(x):
    return math.log2(x) * x


def math_log10(x):
    return math.log10(x) * x


def math_degrees(x):
    y = math.degrees(x)
    return y * y


def math_radians(x):
    y = math.radians(x)
    return y * y * x


def math_erf(x):
    return math.erf(x) * x


def math_erfc(x):
    y = math.erfc(x)
    return y * y


def math_gamma(x):
    return math.gamma(x) * x


def math_lgamma(x):
    y = math.lgamma(x)
    return y * y


def math_exp2(x):
    return math.exp2(x) * x


def math_cbrt(x):
    y = math.cbrt(x)
    return y * y


MORE_MATH_ROWS = [
    (math_asinh, -0.7),
    (math_asinh, 1.3),
    (math_acosh, 1.7),
    (math_atanh, -0.6),
    (math_atanh, 0.3),
    (math_log2, 1.7),
    (math_log10, 0.4),
    (math_degrees, 0.7),
    (math_radians, -20.0),
    (math_erf, 0.7),
    (math_erf, -1.3),
    (math_erfc, 0.4),
    (math_erfc, -0.9),
    (math_gamma, 0.3),
    (math_gamma, 4.6),
    (math_gamma, -0.5),
    (math_gamma, -2.3),
    (math_lgamma, 0.3),
    (math_lgamma, 7.2),
    (math_lgamma, -1.4),
    (math_lgamma, 1.0),
]
if hasattr(math, "exp2"):
    MORE_MATH_ROWS += [(math_exp2, 0.7), (math_exp2, -1.6)]
if hasattr(math, "cbrt"):
    MORE_MATH_ROWS += [(math_cbrt, 1.7), (math_cbrt, -0.4)]
for _f, _x in MORE_MATH_ROWS:
    row(f"{_f.__name__}-{_x}", _f, _x, ag=False, second_order=True)


def math_log_of_base(x, base):
    return math.log(x, base) * x


def math_atan2(y, x):
    return math.atan2(y, x) * y


def math_hypot(a, b):
    h = math.hypot(a, b)
    return h * h * h


def math_hypot_one(x):
    return math.hypot(x) * x


def math_copysign(a, b):
    y = math.copysign(a, b)
    return y * y * y + y * b


def math_fmod(a, b):
    y = math.fmod(a, b)
    return y * y


def math_remainder(a, b):
    y = math.remainder(a, b)
    return y * y * a


def math_ldexp(x):
    y = math.ldexp(x, 3)
    return y * y


def math_fsum(a, b):
    y = math.fsum([a, a * b, 0.5, b * b])
    return y * y


def builtin_max(a, b):
    y = max(a, b)
    return y * y * a


def builtin_min(a, b):
    y = min(a, b)
    return y * y * b


def builtin_max_relu(x):
    return max(x, 0.0) * x


def builtin_sum_start(a, b):
    y = sum([a, a * b], b)
    return y * y


BINARY_MATH_ROWS = [
    (math_log_of_base, 1.7, 3.2),
    (math_log_of_base, 0.4, 0.6),
    (math_atan2, 0.7, -1.3),
    (math_atan2, -0.4, 0.9),
    (math_atan2, -0.8, -0.2),
    (math_hypot, 0.7, -1.3),
    (math_copysign, 0.7, -1.3),
    (math_copysign, -0.4, 0.9),
    (math_fmod, 2.7, 0.8),
    (math_fmod, -2.7, 0.8),
    (math_fmod, 2.3, -0.7),
    (math_remainder, 2.7, 0.8),
    (math_remainder, -2.5, 0.7),
    (math_fsum, 0.7, -1.3),
    (builtin_max, 0.7, -1.3),
    (builtin_max, -0.7, 1.3),
    (builtin_min, 0.7, -1.3),
    (builtin_min, -0.7, 1.3),
    (builtin_sum_start, 0.7, -1.3),
]
for _f, _a, _b in BINARY_MATH_ROWS:
    row(
        f"{_f.__name__}-{_a}x{_b}",
        _f,
        _a,
        _b,
        wrt=(0, 1),
        ag=_f in (builtin_max, builtin_min, builtin_sum_start),
        second_order=True,
    )
for _f, _x in [
    (math_hypot_one, -0.7),
    (math_ldexp, -0.7),
    (builtin_max_relu, 0.7),
    (builtin_max_relu, -0.7),
]:
    row(f"{_f.__name__}-{_x}", _f, _x, ag=False, second_order=True)
