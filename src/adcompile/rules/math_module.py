"""Rules of the ``math`` module and of builtins on Python floats."""

from __future__ import annotations

from .registry import BROADCAST, SAME, SCALAR, defrule

MATH_UNARY = {
    "math.sin": "g * math.cos(x)",
    "math.cos": "-g * math.sin(x)",
    "math.tan": "g * (1.0 + ans * ans)",
    "math.exp": "g * ans",
    "math.sqrt": "g / (2.0 * ans)",
    "math.tanh": "g * (1.0 - ans * ans)",
    "math.sinh": "g * math.cosh(x)",
    "math.cosh": "g * math.sinh(x)",
    "math.asin": "g / math.sqrt(1.0 - x * x)",
    "math.acos": "-g / math.sqrt(1.0 - x * x)",
    "math.atan": "g / (1.0 + x * x)",
    "math.log1p": "g / (1.0 + x)",
    "math.expm1": "g * (ans + 1.0)",
    "math.fabs": "g * np.sign(x)",
}
for _path, _template in MATH_UNARY.items():
    defrule(_path, "x", shape=SCALAR, x=_template)

defrule(
    "math.log",
    "x, base=math.e",
    shape=SCALAR,
    x="g / (x * math.log(base))",
    simple_when=("base",),
    simple={"x": "g / x"},
)
defrule(
    "math.pow",
    "a, b",
    shape=SCALAR,
    a="g * b * math.pow(a, b - 1)",
    b="g * ans * log_or_zero(a)",
)
defrule("abs", "x", shape=SAME, x="g * np.sign(x)")
defrule("float", "x", shape=SCALAR, x="g")
defrule(
    "pow",
    "a, b",
    shape=BROADCAST,
    a="g * b * a ** (b - 1)",
    b="g * ans * log_or_zero(a)",
)
defrule("sum", "iterable, start=0", iterable="unsum(g, iterable)", start="g")
