"""Rules of array methods that have no numpy function of their own."""

from __future__ import annotations

from adcompile._src.rules.registry import (
    LINEAR,
    SAME,
    Primitive,
    defrule,
    parse_signature,
    register,
)
from adcompile._src.runtime.methods import copy_of

defrule(
    "as_type",
    "x, dtype",
    name="astype",
    shape=SAME,
    jvp={"x": "cast_adjoint(as_type(t, dtype), x, dtype)", "dtype": None},
    x="cast_adjoint(g, x, dtype)",
    dtype=None,
)
defrule("cast_adjoint", "g, x, dtype", jvp={"g": LINEAR, "x": None, "dtype": None})
defrule("item_of", "x", name="item", jvp={"x": LINEAR}, x="spread_item(g, x)")
defrule("spread_item", "g, x", jvp={"g": LINEAR, "x": None})
register(  # spelled as the user wrote it: a new array, or a new list or dict
    Primitive(
        key=copy_of,
        name="copy",
        spelling="x.copy()",
        params=parse_signature("x"),
        vjps={"x": "g"},
        jvps={"x": LINEAR},
        shape=SAME,
        infix=True,
    )
)
