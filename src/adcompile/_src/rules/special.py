"""Rules of ``scipy.special``, registered once the user's code imports it.

scipy is not a dependency, and emitted code has no name for it: the forward
sweep calls these functions as the user spelled them (``user_spelling``),
and their templates use numpy and the runtime helpers only (digamma and
polygamma are numpy implementations). The logistic sigmoid ``expit`` has
its rule with the written-out sigmoid, in patterns.
"""

from __future__ import annotations

from adcompile._src.rules.registry import (
    BROADCAST,
    LINEAR,
    REDUCE,
    SAME,
    Primitive,
    defrule,
    parse_signature,
    register,
    when_imported,
)

# local derivatives of functions of one argument, in ``x`` and ``ans``
UNARY = {
    "logit": "1.0 / (x * (1.0 - x))",
    "log_expit": "np.exp(ans - x)",
    "softplus": "np.exp(x - ans)",
    "erf": "(2.0 / math.sqrt(math.pi)) * np.exp(-x * x)",
    "erfc": "(-2.0 / math.sqrt(math.pi)) * np.exp(-x * x)",
    "erfcx": "2.0 * x * ans - 2.0 / math.sqrt(math.pi)",
    "erfinv": "(math.sqrt(math.pi) / 2.0) * np.exp(ans * ans)",
    "erfcinv": "(-math.sqrt(math.pi) / 2.0) * np.exp(ans * ans)",
    "ndtr": "np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)",
    "log_ndtr": "np.exp(-0.5 * x * x - ans) / math.sqrt(2.0 * math.pi)",
    "ndtri": "math.sqrt(2.0 * math.pi) * np.exp(0.5 * ans * ans)",
    "gammaln": "digamma(x)",
    "gamma": "ans * digamma(x)",
    "digamma": "polygamma(1, x)",
    "entr": "-(np.log(x) + 1.0)",
}


def _rule(
    special: object,
    name: str,
    signature: str,
    shape: str,
    jvp: dict[str, str | None],
    defaults_only: tuple[str, ...] = (),
    **vjps: str | None,
) -> None:
    function = getattr(special, name, None)
    if function is None:  # not in this version of scipy
        return
    register(
        Primitive(
            key=function,
            name=name,
            spelling=f"scipy.special.{name}",
            params=parse_signature(signature),
            vjps=dict(vjps),
            jvps=jvp,
            shape=shape,
            user_spelling=True,
            defaults_only=defaults_only,
        )
    )


def _register_scipy() -> None:
    from scipy import special

    for name, derivative in UNARY.items():
        _rule(
            special,
            name,
            "x",
            SAME,
            {"x": f"t * ({derivative})"},
            x=f"g * ({derivative})",
        )
    _rule(
        special,
        "polygamma",
        "n, x",
        BROADCAST,
        {"n": None, "x": "t * polygamma(n + 1, x)"},
        n=None,
        x="g * polygamma(n + 1, x)",
    )
    _rule(
        special,
        "betaln",
        "a, b",
        BROADCAST,
        {
            "a": "t * (digamma(a) - digamma(a + b))",
            "b": "t * (digamma(b) - digamma(a + b))",
        },
        a="g * (digamma(a) - digamma(a + b))",
        b="g * (digamma(b) - digamma(a + b))",
    )
    _rule(
        special,
        "xlogy",
        "x, y",
        BROADCAST,
        {"x": "t * np.log(y)", "y": "t * ratio_or_zero(x, y)"},
        x="g * np.log(y)",
        y="g * ratio_or_zero(x, y)",
    )
    _rule(
        special,
        "xlog1py",
        "x, y",
        BROADCAST,
        {"x": "t * np.log1p(y)", "y": "t * ratio_or_zero(x, 1.0 + y)"},
        x="g * np.log1p(y)",
        y="g * ratio_or_zero(x, 1.0 + y)",
    )
    weights = "lse_weights(a, ans, axis, keepdims, {b}, return_sign)"
    spread = "repeat_to(g, a, axis, keepdims)"
    total = "np.sum(t * {weights}, axis=axis, keepdims=keepdims)"
    _rule(
        special,
        "logsumexp",
        "a, axis=None, b=None, keepdims=False, return_sign=False",
        REDUCE,
        {
            "a": total.format(weights=weights.format(b="b")),
            "b": total.format(weights=weights.format(b="1.0")),
            "axis": None,
            "keepdims": None,
            "return_sign": None,
        },
        a=f"{spread} * {weights.format(b='b')}",
        b=f"unbroadcast({spread} * {weights.format(b='1.0')}, b)",
        axis=None,
        keepdims=None,
        return_sign=None,
        defaults_only=("return_sign",),
    )
    _rule(
        special,
        "softmax",
        "x, axis=None",
        SAME,
        {"x": "ans * (t - axis_total(t * ans, axis))", "axis": None},
        x="ans * (g - axis_total(g * ans, axis))",
        axis=None,
    )
    _rule(
        special,
        "log_softmax",
        "x, axis=None",
        SAME,
        {"x": "t - axis_total(np.exp(ans) * t, axis)", "axis": None},
        x="g - np.exp(ans) * axis_total(g, axis)",
        axis=None,
    )


# registered once the user's code imports scipy.special (never imported here)
when_imported("scipy.special", _register_scipy)

# the runtime helpers the templates call, with their forward rules
defrule(
    "ratio_or_zero",
    "x, y",
    jvp={"x": "ratio_or_zero(t, y)", "y": "-ratio_or_zero(x * t, y * y)"},
)
defrule("axis_total", "x, axis", jvp={"x": LINEAR, "axis": None})
defrule(
    "lse_weights",
    "a, lse, axis, keepdims, b, return_sign",
    jvp={
        "a": "t * ans",
        "lse": "-ans * repeat_to(t, a, axis, keepdims)",
        "b": "t * np.exp(a - repeat_to(lse, a, axis, keepdims))",
        "axis": None,
        "keepdims": None,
        "return_sign": None,
    },
)
