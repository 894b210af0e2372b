"""Rules of elementwise numpy functions (ufuncs and friends).

Each entry is the local gradient of one function, written with ``g`` (the
adjoint flowing in), ``ans`` (the function's value) and its parameters.
"""

from __future__ import annotations

from .registry import BROADCAST, SAME, defrule

UNARY = {
    "np.negative": "-g",
    "np.positive": "g",
    "np.exp": "g * ans",
    "np.exp2": "g * ans * np.log(2.0)",
    "np.expm1": "g * (ans + 1.0)",
    "np.log": "g / x",
    "np.log2": "g / (x * np.log(2.0))",
    "np.log10": "g / (x * np.log(10.0))",
    "np.log1p": "g / (1.0 + x)",
    "np.sin": "g * np.cos(x)",
    "np.cos": "-g * np.sin(x)",
    "np.tan": "g * (1.0 + ans * ans)",
    "np.arcsin": "g / np.sqrt(1.0 - x * x)",
    "np.arccos": "-g / np.sqrt(1.0 - x * x)",
    "np.arctan": "g / (1.0 + x * x)",
    "np.sinh": "g * np.cosh(x)",
    "np.cosh": "g * np.sinh(x)",
    "np.tanh": "g * (1.0 - ans * ans)",
    "np.arcsinh": "g / np.sqrt(x * x + 1.0)",
    "np.arccosh": "g / np.sqrt(x * x - 1.0)",
    "np.arctanh": "g / (1.0 - x * x)",
    "np.sqrt": "g / (2.0 * ans)",
    "np.cbrt": "g / (3.0 * ans * ans)",
    "np.square": "2.0 * g * x",
    "np.reciprocal": "-g * ans * ans",
    # np.abs is np.absolute: the later entry names the rule in emitted code
    "np.absolute": "g * np.sign(x)",
    "np.abs": "g * np.sign(x)",
    "np.fabs": "g * np.sign(x)",
    "np.deg2rad": "g * (np.pi / 180.0)",
    "np.rad2deg": "g * (180.0 / np.pi)",
    "np.radians": "g * (np.pi / 180.0)",
    "np.degrees": "g * (180.0 / np.pi)",
}

for _path, _template in UNARY.items():
    defrule(_path, "x", shape=SAME, x=_template)

defrule(
    "np.power",
    "a, b",
    shape=BROADCAST,
    a="g * b * a ** (b - 1)",
    b="g * ans * log_or_zero(a)",
)
defrule("np.add", "a, b", shape=BROADCAST, a="g", b="g")
defrule("np.subtract", "a, b", shape=BROADCAST, a="g", b="-g")
defrule("np.multiply", "a, b", shape=BROADCAST, a="g * b", b="g * a")
# np.true_divide is np.divide: the later entry names the rule in emitted code
defrule("np.true_divide", "a, b", shape=BROADCAST, a="g / b", b="-g * ans / b")
defrule("np.divide", "a, b", shape=BROADCAST, a="g / b", b="-g * ans / b")
defrule(
    "np.maximum",
    "a, b",
    shape=BROADCAST,
    a="g * picked(a, ans, b)",
    b="g * picked(b, ans, a)",
)
defrule(
    "np.minimum",
    "a, b",
    shape=BROADCAST,
    a="g * picked(a, ans, b)",
    b="g * picked(b, ans, a)",
)
defrule(
    "np.fmax",
    "a, b",
    shape=BROADCAST,
    a="g * picked(a, ans, b)",
    b="g * picked(b, ans, a)",
)
defrule(
    "np.fmin",
    "a, b",
    shape=BROADCAST,
    a="g * picked(a, ans, b)",
    b="g * picked(b, ans, a)",
)
defrule("np.hypot", "a, b", shape=BROADCAST, a="g * a / ans", b="g * b / ans")
defrule(
    "np.arctan2",
    "y, x",
    shape=BROADCAST,
    y="g * x / (x * x + y * y)",
    x="-g * y / (x * x + y * y)",
)
defrule(
    "np.logaddexp",
    "a, b",
    shape=BROADCAST,
    a="g * np.exp(a - ans)",
    b="g * np.exp(b - ans)",
)
defrule(
    "np.where",
    "condition, x, y",
    shape=BROADCAST,
    condition=None,
    x="np.where(condition, g, 0.0)",
    y="np.where(condition, 0.0, g)",
)
defrule(
    "np.clip",
    "a, a_min=None, a_max=None",
    shape=BROADCAST,
    a="g * inside(a, a_min, a_max)",
    a_min="g * (a < a_min)",
    a_max="g * (a > a_max)",
)
