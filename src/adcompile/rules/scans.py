"""Rules of scans and of other linear maps along axes: cumsum, cumprod,
diff and trace, with the forward rules of the helpers they call."""

from __future__ import annotations

from .registry import LINEAR, defrule

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
defrule("np.diff", "x, n=1, axis=-1", jvp={"x": LINEAR}, x="diff_grad(g, x, n, axis)")
defrule(
    "np.trace",
    "x, offset=0, axis1=0, axis2=1, dtype=None, out=None",
    jvp={"x": LINEAR},
    x="trace_grad(g, x, offset, axis1, axis2)",
)

# ---- the helpers' forward rules ---------------------------------------------------

defrule("cumsum_grad", "dy, x, axis", jvp={"dy": LINEAR, "x": None})
defrule("diff_grad", "dy, x, n, axis", jvp={"dy": LINEAR, "x": None})
defrule("trace_grad", "dy, x, offset, axis1, axis2", jvp={"dy": LINEAR, "x": None})
defrule(
    "cumprod_grad",
    "dy, x, axis",
    jvp={"dy": LINEAR, "x": "cumprod_grad_tangent(dy, x, t, axis)"},
)
defrule("cumprod_grad_tangent", "dy, x, u, axis", jvp={"dy": LINEAR, "u": LINEAR})
defrule(
    "cumprod_tangent",
    "v, x, axis",
    jvp={"v": LINEAR, "x": "cumprod_second(v, t, x, axis)"},
)
defrule("cumprod_second", "v, u, x, axis", jvp={"v": LINEAR, "u": LINEAR})
