"""Rules of the ``math`` module and of builtins on Python floats.

``MATH_UNARY`` pairs each function's reverse template (in ``g``) with its
forward template (in ``t``). Functions of several arguments that Python
accepts in more forms than one (``max``, ``min``, ``math.hypot``) have rules
for the two-argument form; ``math.hypot(x)`` is ``abs(x)``, and ``max`` or
``min`` of one iterable is refused by their helper when differentiated.
"""

from __future__ import annotations

import math

from adcompile._src.rules.registry import BROADCAST, LINEAR, SAME, SCALAR, defrule

MATH_UNARY = {
    "math.sin": ("g * math.cos(x)", "t * math.cos(x)"),
    "math.cos": ("-g * math.sin(x)", "-t * math.sin(x)"),
    "math.tan": ("g * (1.0 + ans * ans)", "t * (1.0 + ans * ans)"),
    "math.exp": ("g * ans", "t * ans"),
    "math.sqrt": ("g / (2.0 * ans)", "t / (2.0 * ans)"),
    "math.tanh": ("g * (1.0 - ans * ans)", "t * (1.0 - ans * ans)"),
    "math.sinh": ("g * math.cosh(x)", "t * math.cosh(x)"),
    "math.cosh": ("g * math.sinh(x)", "t * math.sinh(x)"),
    "math.asin": ("g / math.sqrt(1.0 - x * x)", "t / math.sqrt(1.0 - x * x)"),
    "math.acos": ("-g / math.sqrt(1.0 - x * x)", "-t / math.sqrt(1.0 - x * x)"),
    "math.atan": ("g / (1.0 + x * x)", "t / (1.0 + x * x)"),
    "math.asinh": ("g / math.sqrt(x * x + 1.0)", "t / math.sqrt(x * x + 1.0)"),
    "math.acosh": ("g / math.sqrt(x * x - 1.0)", "t / math.sqrt(x * x - 1.0)"),
    "math.atanh": ("g / (1.0 - x * x)", "t / (1.0 - x * x)"),
    "math.log1p": ("g / (1.0 + x)", "t / (1.0 + x)"),
    "math.log2": ("g / (x * math.log(2.0))", "t / (x * math.log(2.0))"),
    "math.log10": ("g / (x * math.log(10.0))", "t / (x * math.log(10.0))"),
    "math.expm1": ("g * (ans + 1.0)", "t * (ans + 1.0)"),
    "math.fabs": ("g * np.sign(x)", "t * np.sign(x)"),
    "math.degrees": ("g * (180.0 / math.pi)", LINEAR),
    "math.radians": ("g * (math.pi / 180.0)", LINEAR),
    "math.erf": (
        "g * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)",
        "t * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)",
    ),
    "math.erfc": (
        "-g * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)",
        "-t * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)",
    ),
    "math.gamma": ("g * ans * digamma(x)", "t * ans * digamma(x)"),
    "math.lgamma": ("g * digamma(x)", "t * digamma(x)"),
}
if hasattr(math, "exp2"):  # Python >= 3.11
    MATH_UNARY["math.exp2"] = ("g * ans * math.log(2.0)", "t * ans * math.log(2.0)")
if hasattr(math, "cbrt"):  # Python >= 3.11
    MATH_UNARY["math.cbrt"] = ("g / (3.0 * ans * ans)", "t / (3.0 * ans * ans)")

for _path, (_reverse, _forward) in MATH_UNARY.items():
    defrule(_path, "x", shape=SCALAR, x=_reverse, jvp={"x": _forward})

defrule(
    "math.log",
    "x, base=math.e",
    shape=SCALAR,
    x="g / (x * math.log(base))",
    base="-g * ans / (base * math.log(base))",
    simple_when=("base",),
    simple={"x": "g / x"},
    jvp={"x": "t / (x * math.log(base))", "base": "-t * ans / (base * math.log(base))"},
)
defrule(
    "math.pow",
    "a, b",
    shape=SCALAR,
    a="g * b * math.pow(a, b - 1)",
    b="g * ans * log_or_zero(a)",
    jvp={"a": "t * b * math.pow(a, b - 1)", "b": "t * ans * log_or_zero(a)"},
)
defrule(
    "math.atan2",
    "y, x",
    shape=SCALAR,
    y="g * x / (x * x + y * y)",
    x="-g * y / (x * x + y * y)",
    jvp={"y": "t * x / (x * x + y * y)", "x": "-t * y / (x * x + y * y)"},
)
defrule(
    "math.hypot",
    "a, b=None",
    shape=SCALAR,
    a="g * a / ans",
    b="g * b / ans",
    jvp={"a": "t * a / ans", "b": "t * b / ans"},
)
defrule(
    "math.copysign",
    "a, b",
    shape=SCALAR,
    a="g * math.copysign(1.0, a) * math.copysign(1.0, b)",
    b=None,
    jvp={"a": "t * math.copysign(1.0, a) * math.copysign(1.0, b)", "b": None},
)
# fmod and remainder are a - n * b for an integer n (truncated, rounded to
# even): n is recovered exactly from the result
for _path in ("math.fmod", "math.remainder"):
    defrule(
        _path,
        "a, b",
        shape=SCALAR,
        a="g",
        b="-g * np.rint((a - ans) / b)",
        jvp={"a": "t", "b": "-t * np.rint((a - ans) / b)"},
    )
defrule(
    "math.ldexp",
    "x, i",
    shape=SCALAR,
    x="math.ldexp(g, i)",
    i=None,
    jvp={"x": LINEAR, "i": None},
)
defrule(
    "math.fsum",
    "iterable",
    shape=SCALAR,
    iterable="unsum(g, iterable)",
    jvp={"iterable": LINEAR},
)

defrule("abs", "x", shape=SAME, x="g * np.sign(x)", jvp={"x": "t * np.sign(x)"})
defrule("float", "x", shape=SCALAR, x="g", jvp={"x": LINEAR})
# numpy's float64 type, as a cast: np.float64(x) is x as a numpy float
defrule("np.float64", "x", shape=SAME, x="unbroadcast(g, x)", jvp={"x": LINEAR})
defrule(
    "pow",
    "a, b",
    shape=BROADCAST,
    a="g * b * a ** (b - 1)",
    b="g * ans * log_or_zero(a)",
    jvp={"a": "t * b * a ** (b - 1)", "b": "t * ans * log_or_zero(a)"},
)
defrule(
    "sum",
    "iterable, start=0",
    iterable="unsum(g, iterable)",
    start="g",
    jvp={"iterable": "sum_items(t)", "start": "t"},
)
for _path in ("max", "min"):
    defrule(
        _path,
        "a, b=None",
        shape=BROADCAST,
        a="g * picked_of_two(a, ans, b)",
        b="g * picked_of_two(b, ans, a)",
        jvp={"a": "t * picked_of_two(a, ans, b)", "b": "t * picked_of_two(b, ans, a)"},
    )
