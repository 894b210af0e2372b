"""Rules of reductions (sum, mean, max, min, prod) with axis and keepdims.

The ``simple`` form is used when the call reduces over every axis without
keepdims, so the emitted code reads as plain numpy.
"""

from __future__ import annotations

from .registry import REDUCE, defrule

_FULL = ("axis", "keepdims")

defrule(
    "np.sum",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    simple={"x": "np.broadcast_to(g, np.shape(x))"},
    x="repeat_to(g, x, axis, keepdims)",
)
defrule(
    "np.mean",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    simple={"x": "np.broadcast_to(g / np.size(x), np.shape(x))"},
    x="repeat_to(g, x, axis, keepdims) / reduced_count(x, axis)",
)
for _path in ("np.max", "np.amax", "np.min", "np.amin"):
    defrule(
        _path,
        "x, axis=None, out=None, keepdims=False",
        shape=REDUCE,
        simple_when=_FULL,
        x="extremum_grad(g, x, ans, axis, keepdims)",
    )
defrule(
    "np.prod",
    "x, axis=None, dtype=None, out=None, keepdims=False",
    shape=REDUCE,
    simple_when=_FULL,
    x="prod_grad(g, x, ans, axis, keepdims)",
)
