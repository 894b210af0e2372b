"""Rules of functions that move entries around without changing them."""

from __future__ import annotations

from .registry import defrule

defrule(
    "np.transpose",
    "x, axes=None",
    simple_when=("axes",),
    simple={"x": "np.transpose(g)"},
    x="transpose_back(g, axes, x)",
)
defrule("np.reshape", "x, shape", x="reshape_like(g, x)")
defrule("np.ravel", "x", x="reshape_like(g, x)")
defrule("np.squeeze", "x, axis=None", x="reshape_like(g, x)")
defrule("np.expand_dims", "x, axis", x="reshape_like(g, x)")
defrule("np.copy", "x", x="g")
defrule("np.array", "x, dtype=None", x="g")
defrule("np.asarray", "x, dtype=None", x="g")
defrule("np.concatenate", "arrays, axis=0", arrays="unconcatenate(g, arrays, axis)")
defrule("np.stack", "arrays, axis=0", arrays="unstack(g, axis)")
