"""Rules of scans and of other linear maps along axes: cumsum, cumprod
(and numpy 2's cumulative_sum and cumulative_prod), diff and trace, with the
forward rules of the helpers they call."""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, defrule

defrule(
    "np.cumsum",
    "x, axis=None, dtype=None, out=None",
    jvp={"x": LINEAR},
    x="cumsum_grad(g, x, axis)",
)
defrule(
    "np.cumprod",
    "x, axis=None, dtype=None, out=None",
    jvp={"x": "cumprod_tangent(t, x, axis)"},
    x="cumprod_grad(g, x, axis)",
)
_INITIAL = "axis, include_initial"
defrule(
    "np.cumulative_sum",
    "x, axis=None, dtype=None, out=None, include_initial=False",
    jvp={"x": LINEAR},
    x=f"cumsum_grad(drop_initial(g, {_INITIAL}), x, axis)",
)
defrule(
    "np.cumulative_prod",
    "x, axis=None, dtype=None, out=None, include_initial=False",
    jvp={"x": f"zero_initial(cumprod_tangent(t, x, axis), {_INITIAL})"},
    x=f"cumprod_grad(drop_initial(g, {_INITIAL}), x, axis)",
)
defrule("np.diff", "x, n=1, axis=-1", jvp={"x": LINEAR}, x="diff_grad(g, x, n, axis)")
defrule(
    "np.trace",
    "x, offset=0, axis1=0, axis2=1, dtype=None, out=None",
    jvp={"x": LINEAR},
    x="trace_grad(g, x, offset, axis1, axis2)",
)
defrule(
    "np.linalg.trace",
    "x, offset=0, dtype=None",
    name="trace",
    jvp={"x": LINEAR},
    x="trace_grad(g, x, offset, -2, -1)",
)

# ---- the helpers' forward rules ---------------------------------------------------

defrule("drop_initial", "dy, axis, include_initial", jvp={"dy": LINEAR})
defrule("zero_initial", "v, axis, include_initial", jvp={"v": LINEAR})
defrule("cumsum_grad", "dy, x, axis", jvp={"dy": LINEAR, "x": None})
defrule("diff_grad", "dy, x, n, axis", jvp={"dy": LINEAR, "x": None})
defrule("trace_grad", "dy, x, offset, axis1, axis2", jvp={"dy": LINEAR, "x": None})
# cumprod's helpers take the directions of their own mixed derivatives: the
# forward rule with respect to x adds one (see adcompile._src.runtime.scans)
_DIRECTIONS = "d1=None, d2=None, d3=None, d4=None"
_MULTILINEAR = {f"d{k}": LINEAR for k in range(1, 5)}
defrule(
    "cumprod_grad",
    f"dy, x, axis, {_DIRECTIONS}",
    jvp={"dy": LINEAR, "x": "cumprod_grad(dy, x, axis, t, d1, d2, d3)", **_MULTILINEAR},
)
defrule(
    "cumprod_tangent",
    f"v, x, axis, {_DIRECTIONS}",
    jvp={
        "v": LINEAR,
        "x": "cumprod_tangent(v, x, axis, t, d1, d2, d3)",
        **_MULTILINEAR,
    },
)
