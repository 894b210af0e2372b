"""Rules of reductions with axis and keepdims: sum, mean, max, min, prod,
var, std, ptp, median, average, the nan reductions and the norms of
np.linalg (norm, vector_norm, matrix_norm).

The ``simple`` form is used when the call reduces over every axis without
keepdims, so the emitted code reads as plain numpy. A reduction whose
derivative is a weight per entry (max, median, norm...) has the forward
rule "sum of t times those weights", the weights being the reverse rule's
helper applied to an adjoint of ones. The helpers the reverse rules call
are registered at the end with their own forward rules, so that derivative
code can be differentiated again in forward mode.
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, REDUCE, defnondiff, defrule

_FULL = ("axis", "keepdims")
_KEEP = "axis=axis, keepdims=keepdims"


def _weighted(helper: str) -> str:
    """Forward template: the sum of t times the weights ``helper`` gives."""
    return f"np.sum(t * {helper}, {_KEEP})"


defrule(
    "np.sum",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    simple={"x": "np.broadcast_to(g, np.shape(x))"},
    jvp={"x": LINEAR},
    x="repeat_to(g, x, axis, keepdims)",
)
defrule(
    "np.mean",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    simple={"x": "np.broadcast_to(g / np.size(x), np.shape(x))"},
    jvp={"x": LINEAR},
    x="repeat_to(g, x, axis, keepdims) / reduced_count(x, axis)",
)
for _path in ("np.max", "np.amax", "np.min", "np.amin", "np.nanmax", "np.nanmin"):
    defrule(
        _path,
        "x, axis=None, out=None, keepdims=False",
        shape=REDUCE,
        simple_when=_FULL,
        jvp={
            "x": _weighted("extremum_grad(np.ones_like(ans), x, ans, axis, keepdims)")
        },
        x="extremum_grad(g, x, ans, axis, keepdims)",
    )
defrule(
    "np.prod",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": _weighted("prod_others(x, axis)")},
    x="repeat_to(g, x, axis, keepdims) * prod_others(x, axis)",
)

# ---- statistics ----------------------------------------------------------------

defrule(
    "np.var",
    "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": "var_tangent(t, x, axis, ddof, keepdims)"},
    x="var_grad(g, x, axis, ddof, keepdims)",
)
# d std = d var / (2 std); where std is 0 (constant data), 0
_TWICE_STD = "np.where(ans == 0, np.inf, 2.0 * ans)"
defrule(
    "np.std",
    "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": f"var_tangent(t, x, axis, ddof, keepdims) / {_TWICE_STD}"},
    x=f"var_grad(g / {_TWICE_STD}, x, axis, ddof, keepdims)",
)
defrule(
    "np.ptp",
    "x, axis=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": _weighted("ptp_grad(np.ones_like(ans), x, axis, keepdims)")},
    x="ptp_grad(g, x, axis, keepdims)",
)
defrule(
    "np.median",
    "x, axis=None, out=None, overwrite_input=False, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    defaults_only=("overwrite_input",),  # (True sorts x in place)
    jvp={
        "x": _weighted(
            "median_grad(np.ones_like(ans), x, axis, keepdims, overwrite_input)"
        )
    },
    x="median_grad(g, x, axis, keepdims, overwrite_input)",
)
_WEIGHTS = "average_weights(weights, x, axis, returned)"
_TOTAL = f"np.sum({_WEIGHTS}, {_KEEP})"
defrule(
    "np.average",
    "x, axis=None, weights=None, returned=False, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={
        "x": f"np.sum(t * {_WEIGHTS}, {_KEEP}) / {_TOTAL}",
        "weights": (
            "np.sum(average_weights(t, x, axis, returned)"
            f" * (x - repeat_to(ans, x, axis, keepdims)), {_KEEP}) / {_TOTAL}"
        ),
    },
    x=f"repeat_to(g / {_TOTAL}, x, axis, keepdims) * {_WEIGHTS}",
    weights=(
        f"unweight(repeat_to(g / {_TOTAL}, x, axis, keepdims)"
        " * (x - repeat_to(ans, x, axis, keepdims)), weights, x, axis)"
    ),
)
_NAN_OTHERS = "prod_others(np.where(np.isnan(x), 1.0, x), axis)"
defrule(
    "np.nansum",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": f"np.sum(nan_mask(t, x), {_KEEP})"},
    x="nan_mask(repeat_to(g, x, axis, keepdims), x)",
)
defrule(
    "np.nanmean",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": f"np.sum(nan_mask(t, x), {_KEEP}) / nan_count(x, axis, keepdims)"},
    x="nan_mask(repeat_to(g / nan_count(x, axis, keepdims), x, axis, keepdims), x)",
)
defrule(
    "np.nanprod",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": f"np.sum(nan_mask(t, x) * {_NAN_OTHERS}, {_KEEP})"},
    x=f"nan_mask(repeat_to(g, x, axis, keepdims) * {_NAN_OTHERS}, x)",
)

# ---- norms ---------------------------------------------------------------------

defrule(
    "np.linalg.norm",
    "x, ord=None, axis=None, keepdims=False",
    name="norm",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={"x": _weighted("norm_grad(np.ones_like(ans), x, ans, ord, axis, keepdims)")},
    x="norm_grad(g, x, ans, ord, axis, keepdims)",
)
# norm_grad's last argument 1: a vector norm over any axes
defrule(
    "np.linalg.vector_norm",
    "x, axis=None, keepdims=False, ord=2",
    name="vector_norm",
    shape=REDUCE,
    simple_when=_FULL,
    jvp={
        "x": _weighted("norm_grad(np.ones_like(ans), x, ans, ord, axis, keepdims, 1)")
    },
    x="norm_grad(g, x, ans, ord, axis, keepdims, 1)",
)
defrule(
    "np.linalg.matrix_norm",
    "x, keepdims=False, ord='fro'",
    name="matrix_norm",
    jvp={
        "x": "np.sum(t * norm_grad(np.ones_like(ans), x, ans, ord, (-2, -1), "
        "keepdims), axis=(-2, -1), keepdims=keepdims)"
    },
    x="norm_grad(g, x, ans, ord, (-2, -1), keepdims)",
)

# ---- the helpers' forward rules ---------------------------------------------------

_NO = None  # a parameter that carries no tangent
# the directions of prod_others' mixed derivatives: one more per derivative
defrule(
    "prod_others",
    "x, axis, d1=None, d2=None, d3=None, d4=None",
    jvp={
        "x": "prod_others(x, axis, t, d1, d2, d3)",
        "axis": _NO,
        **{f"d{k}": LINEAR for k in range(1, 5)},
    },
)
defrule(
    "var_grad",
    "dy, x, axis, ddof, keepdims",
    jvp={"dy": LINEAR, "x": LINEAR, "axis": _NO, "ddof": _NO, "keepdims": _NO},
)
defrule(
    "var_tangent",
    "v, x, axis, ddof, keepdims",
    jvp={"v": LINEAR, "x": LINEAR, "axis": _NO, "ddof": _NO, "keepdims": _NO},
)
defrule(
    "ptp_grad",
    "dy, x, axis, keepdims",
    jvp={"dy": LINEAR, "x": _NO, "axis": _NO, "keepdims": _NO},
)
defrule(
    "median_grad",
    "dy, x, axis, keepdims, overwrite_input",
    jvp={"dy": LINEAR, "x": _NO},
)
defrule(
    "average_weights",
    "weights, x, axis, returned",
    jvp={"weights": LINEAR, "x": _NO},
)
defrule(
    "unweight", "dy, weights, x, axis", jvp={"dy": LINEAR, "weights": _NO, "x": _NO}
)
defrule("nan_mask", "v, x", jvp={"v": LINEAR, "x": _NO})
defnondiff("nan_count", "x, axis, keepdims")
# norm_grad takes the directions of its own mixed derivatives, its value
# moving with x (see adcompile._src.runtime.norms)
defrule(
    "norm_grad",
    "dy, x, value, ord, axis, keepdims, vector=False, "
    "d1=None, d2=None, d3=None, d4=None",
    jvp={
        "dy": LINEAR,
        "x": "norm_grad(dy, x, value, ord, axis, keepdims, vector, t, d1, d2, d3)",
        "value": _NO,
        **{f"d{k}": LINEAR for k in range(1, 5)},
    },
)
