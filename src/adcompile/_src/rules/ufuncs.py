"""Rules of the numpy ufuncs beyond the common ones (see elementwise.py), and
of the runtime helpers their derivatives call.

The helpers are registered with reverse and forward rules, so that derivative
code that calls them is itself differentiable: ``digamma`` and ``polygamma``
(the derivatives of gamma and lgamma), and ``sinc_derivative``, whose rule is
the next derivative of the same family.
"""

from __future__ import annotations

from adcompile._src.rules.registry import (
    BROADCAST,
    LINEAR,
    OTHER,
    SAME,
    defnondiff,
    defrule,
)

defrule(
    "np.logaddexp2",
    "a, b",
    shape=BROADCAST,
    a="g * np.exp2(a - ans)",
    b="g * np.exp2(b - ans)",
    jvp={"a": "t * np.exp2(a - ans)", "b": "t * np.exp2(b - ans)"},
)
defrule(
    "np.float_power",
    "a, b",
    shape=BROADCAST,
    a="g * b * np.float_power(a, b - 1)",
    b="g * ans * log_or_zero(a)",
    jvp={"a": "t * b * np.float_power(a, b - 1)", "b": "t * ans * log_or_zero(a)"},
)
# mod (which is remainder) and fmod are a - n * b for an integer n (floored,
# truncated): n is recovered exactly from the result
for _path in ("np.mod", "np.remainder", "np.fmod"):
    defrule(
        _path,
        "a, b",
        shape=BROADCAST,
        a="g",
        b="-g * np.rint((a - ans) / b)",
        jvp={"a": "t", "b": "-t * np.rint((a - ans) / b)"},
    )
# the shape of a result that broadcasts against an argument with no
# derivative is not known from the others: the templates unbroadcast
defrule(
    "np.copysign",
    "a, b",
    shape=OTHER,
    a="unbroadcast(g * np.copysign(1.0, a) * np.copysign(1.0, b), a)",
    b=None,
    jvp={"a": "t * np.copysign(1.0, a) * np.copysign(1.0, b)", "b": None},
)
defrule(
    "np.heaviside",
    "x, h",
    shape=OTHER,
    x=None,
    h="unbroadcast(g * (x == 0), h)",
    jvp={"x": None, "h": "t * (x == 0)"},
)
defrule(
    "np.ldexp",
    "x, i",
    shape=OTHER,
    x="unbroadcast(np.ldexp(g, i), x)",
    i=None,
    jvp={"x": LINEAR, "i": None},
)
defrule(
    "np.sinc",
    "x",
    shape=SAME,
    x="g * sinc_derivative(x, 1)",
    jvp={"x": "t * sinc_derivative(x, 1)"},
)
defrule(
    "np.nan_to_num",
    "x, copy=True, nan=0.0, posinf=None, neginf=None",
    shape=BROADCAST,
    defaults_only=("copy",),  # (copy=False writes into x and returns it)
    x="g * finite_mask(x, copy)",
    copy=None,
    nan="g * np.isnan(x)",
    posinf="g * np.isposinf(x)",
    neginf="g * np.isneginf(x)",
    jvp={
        "x": "t * finite_mask(x, copy)",
        "copy": None,
        "nan": "t * np.isnan(x)",
        "posinf": "t * np.isposinf(x)",
        "neginf": "t * np.isneginf(x)",
    },
)
# on real input; for complex input these follow autograd's convention
defrule("np.real", "x", shape=OTHER, x="g", jvp={"x": LINEAR})
for _path in ("np.conj", "np.conjugate"):
    defrule(_path, "x", shape=SAME, x="np.conjugate(g)", jvp={"x": LINEAR})

# ---- runtime helpers of these rules -----------------------------------------

defrule(
    "digamma",
    "x",
    shape=SAME,
    x="g * polygamma(1, x)",
    jvp={"x": "t * polygamma(1, x)"},
)
defrule(
    "polygamma",
    "n, x",
    shape=SAME,
    n=None,
    x="g * polygamma(n + 1, x)",
    jvp={"n": None, "x": "t * polygamma(n + 1, x)"},
)
defrule(
    "sinc_derivative",
    "x, order",
    shape=SAME,
    x="g * sinc_derivative(x, order + 1)",
    order=None,
    jvp={"x": "t * sinc_derivative(x, order + 1)", "order": None},
)
defrule("sum_items", "items", items="unsum(g, items)", jvp={"items": "sum_items(t)"})
for _extreme in ("max_of_items", "min_of_items"):  # builtin max/min of one iterable
    defrule(
        _extreme,
        "items",
        items="item_picked(g, items, ans)",
        jvp={"items": "picked_item_tangent(t, items, ans)"},
    )
defnondiff("picked_of_two")
defnondiff("finite_mask")
