"""Rules of elementwise numpy functions (ufuncs and friends).

Each entry is the local gradient of one function, written with ``g`` (the
adjoint flowing in), ``ans`` (the function's value) and its parameters, and
its tangent, written with ``t`` (the tangent of the parameter) instead of
``g``. The ``UNARY`` table pairs the two: (reverse, forward).
"""

from __future__ import annotations

from adcompile._src.rules.registry import BROADCAST, LINEAR, SAME, defrule

UNARY = {
    "np.negative": ("-g", LINEAR),
    "np.positive": ("g", LINEAR),
    "np.exp": ("g * ans", "t * ans"),
    "np.exp2": ("g * ans * np.log(2.0)", "t * ans * np.log(2.0)"),
    "np.expm1": ("g * (ans + 1.0)", "t * (ans + 1.0)"),
    "np.log": ("g / x", "t / x"),
    "np.log2": ("g / (x * np.log(2.0))", "t / (x * np.log(2.0))"),
    "np.log10": ("g / (x * np.log(10.0))", "t / (x * np.log(10.0))"),
    "np.log1p": ("g / (1.0 + x)", "t / (1.0 + x)"),
    "np.sin": ("g * np.cos(x)", "t * np.cos(x)"),
    "np.cos": ("-g * np.sin(x)", "-t * np.sin(x)"),
    "np.tan": ("g * (1.0 + ans * ans)", "t * (1.0 + ans * ans)"),
    "np.arcsin": ("g / np.sqrt(1.0 - x * x)", "t / np.sqrt(1.0 - x * x)"),
    "np.arccos": ("-g / np.sqrt(1.0 - x * x)", "-t / np.sqrt(1.0 - x * x)"),
    "np.arctan": ("g / (1.0 + x * x)", "t / (1.0 + x * x)"),
    "np.sinh": ("g * np.cosh(x)", "t * np.cosh(x)"),
    "np.cosh": ("g * np.sinh(x)", "t * np.sinh(x)"),
    "np.tanh": ("g * (1.0 - ans * ans)", "t * (1.0 - ans * ans)"),
    "np.arcsinh": ("g / np.sqrt(x * x + 1.0)", "t / np.sqrt(x * x + 1.0)"),
    "np.arccosh": ("g / np.sqrt(x * x - 1.0)", "t / np.sqrt(x * x - 1.0)"),
    "np.arctanh": ("g / (1.0 - x * x)", "t / (1.0 - x * x)"),
    "np.sqrt": ("g / (2.0 * ans)", "t / (2.0 * ans)"),
    "np.cbrt": ("g / (3.0 * ans * ans)", "t / (3.0 * ans * ans)"),
    "np.square": ("2.0 * g * x", "2.0 * t * x"),
    "np.reciprocal": ("-g * ans * ans", "-t * ans * ans"),
    # np.abs is np.absolute: the later entry names the rule in emitted code
    "np.absolute": ("g * np.sign(x)", "t * np.sign(x)"),
    "np.abs": ("g * np.sign(x)", "t * np.sign(x)"),
    "np.fabs": ("g * np.sign(x)", "t * np.sign(x)"),
    "np.deg2rad": ("g * (np.pi / 180.0)", LINEAR),
    "np.rad2deg": ("g * (180.0 / np.pi)", LINEAR),
    "np.radians": ("g * (np.pi / 180.0)", LINEAR),
    "np.degrees": ("g * (180.0 / np.pi)", LINEAR),
}

for _path, (_reverse, _forward) in UNARY.items():
    defrule(_path, "x", shape=SAME, x=_reverse, jvp={"x": _forward})

defrule(
    "np.power",
    "a, b",
    shape=BROADCAST,
    a="g * b * a ** (b - 1)",
    b="g * ans * log_or_zero(a)",
    jvp={"a": "t * b * a ** (b - 1)", "b": "t * ans * log_or_zero(a)"},
)
defrule("np.add", "a, b", shape=BROADCAST, a="g", b="g", jvp={"a": "t", "b": "t"})
defrule(
    "np.subtract", "a, b", shape=BROADCAST, a="g", b="-g", jvp={"a": "t", "b": "-t"}
)
defrule(
    "np.multiply",
    "a, b",
    shape=BROADCAST,
    a="g * b",
    b="g * a",
    jvp={"a": "t * b", "b": "a * t"},
)
# np.true_divide is np.divide: the later entry names the rule in emitted code
for _path in ("np.true_divide", "np.divide"):
    defrule(
        _path,
        "a, b",
        shape=BROADCAST,
        a="g / b",
        b="-g * ans / b",
        jvp={"a": "t / b", "b": "-t * ans / b"},
    )
for _path in ("np.maximum", "np.minimum", "np.fmax", "np.fmin"):
    defrule(
        _path,
        "a, b",
        shape=BROADCAST,
        a="g * picked(a, ans, b)",
        b="g * picked(b, ans, a)",
        jvp={"a": "t * picked(a, ans, b)", "b": "t * picked(b, ans, a)"},
    )
defrule(
    "np.hypot",
    "a, b",
    shape=BROADCAST,
    a="g * a / ans",
    b="g * b / ans",
    jvp={"a": "t * a / ans", "b": "t * b / ans"},
)
defrule(
    "np.arctan2",
    "y, x",
    shape=BROADCAST,
    y="g * x / (x * x + y * y)",
    x="-g * y / (x * x + y * y)",
    jvp={"y": "t * x / (x * x + y * y)", "x": "-t * y / (x * x + y * y)"},
)
defrule(
    "np.logaddexp",
    "a, b",
    shape=BROADCAST,
    a="g * np.exp(a - ans)",
    b="g * np.exp(b - ans)",
    jvp={"a": "t * np.exp(a - ans)", "b": "t * np.exp(b - ans)"},
)
defrule(
    "np.where",
    "condition, x, y",
    shape=BROADCAST,
    condition=None,
    x="np.where(condition, g, 0.0)",
    y="np.where(condition, 0.0, g)",
    jvp={
        "condition": None,
        "x": "np.where(condition, t, 0.0)",
        "y": "np.where(condition, 0.0, t)",
    },
)
defrule(
    "np.clip",
    "a, a_min=None, a_max=None",
    shape=BROADCAST,
    a="g * inside(a, a_min, a_max)",
    a_min="g * (a < a_min)",
    a_max="g * (a > a_max)",
    jvp={
        "a": "t * inside(a, a_min, a_max)",
        "a_min": "t * (a < a_min)",
        "a_max": "t * (a > a_max)",
    },
)
