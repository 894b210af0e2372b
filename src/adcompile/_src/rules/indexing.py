"""Rules of functions that pick entries: take, diagonals, triangles, sort,
select, compress and delete.

Each is linear in its array (``LINEAR`` forward rules); the reverse rules put
the adjoint back where the entries came from, summed where one entry was
picked several times. Indices, conditions and offsets carry no gradient.
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, defrule

defrule(
    "np.take",
    "x, indices, axis=None, mode='raise'",
    jvp={"x": LINEAR, "indices": None, "axis": None, "mode": None},
    x="untake(g, x, indices, axis, mode)",
    indices=None,
)
defrule(
    "np.take_along_axis",
    "x, indices, axis=-1",
    jvp={"x": LINEAR, "indices": None, "axis": None},
    x="untake_along_axis(g, x, indices, axis)",
    indices=None,
)
defrule(
    "np.compress",
    "condition, x, axis=None",
    jvp={"condition": None, "x": LINEAR, "axis": None},
    condition=None,
    x="uncompress(g, condition, x, axis)",
)
defrule(
    "np.delete",
    "x, obj, axis=None",
    jvp={"x": LINEAR, "obj": None, "axis": None},
    x="undelete(g, x, obj, axis)",
    obj=None,
)
defrule("np.diag", "v, k=0", jvp={"v": LINEAR, "k": None}, v="undiag(g, v, k)")
defrule(
    "np.diagflat",
    "v, k=0",
    jvp={"v": LINEAR, "k": None},
    v="undiagflat(g, v, k)",
)
defrule(
    "np.diagonal",
    "x, offset=0, axis1=0, axis2=1",
    jvp={"x": LINEAR, "offset": None, "axis1": None, "axis2": None},
    x="undiagonal(g, x, offset, axis1, axis2)",
)
defrule("np.tril", "x, k=0", jvp={"x": LINEAR, "k": None}, x="untril(g, x, k)")
defrule("np.triu", "x, k=0", jvp={"x": LINEAR, "k": None}, x="untriu(g, x, k)")
# the sorting permutation is locally constant: the tangent is t permuted
defrule(
    "np.sort",
    "x, axis=-1, kind=None, order=None",
    jvp={
        "x": "np.take_along_axis(t, np.argsort(x, axis=axis), axis=axis)",
        "axis": None,
        "kind": None,
        "order": None,
    },
    x="unsort(g, x, axis)",
)
# linear in choicelist and default together, not apart: each tangent is
# selected with zeros in the other's place
defrule(
    "np.select",
    "condlist, choicelist, default=0",
    jvp={
        "condlist": None,
        "choicelist": "np.select(condlist, t)",
        "default": "default_tangent(t, condlist, ans)",
    },
    condlist=None,
    choicelist="unselect(g, condlist, choicelist)",
    default="unselect_default(g, condlist, default)",
)

# ---- the helpers of these rules ----------------------------------------------
# Each is linear in its first argument (an adjoint or a tangent); the other
# arguments only say where entries go.

defrule(
    "untake",
    "g, x, indices, axis=None, mode='raise'",
    jvp={"g": LINEAR, "x": None, "indices": None, "axis": None, "mode": None},
)
defrule(
    "untake_along_axis",
    "g, x, indices, axis=-1",
    jvp={"g": LINEAR, "x": None, "indices": None, "axis": None},
)
defrule(
    "uncompress",
    "g, condition, x, axis=None",
    jvp={"g": LINEAR, "condition": None, "x": None, "axis": None},
)
defrule(
    "undelete",
    "g, x, obj, axis=None",
    jvp={"g": LINEAR, "x": None, "obj": None, "axis": None},
)
defrule("undiag", "g, v, k=0", jvp={"g": LINEAR, "v": None, "k": None})
defrule("undiagflat", "g, v, k=0", jvp={"g": LINEAR, "v": None, "k": None})
defrule(
    "undiagonal",
    "g, x, offset=0, axis1=0, axis2=1",
    jvp={"g": LINEAR, "x": None, "offset": None, "axis1": None, "axis2": None},
)
defrule("untril", "g, x, k=0", jvp={"g": LINEAR, "x": None, "k": None})
defrule("untriu", "g, x, k=0", jvp={"g": LINEAR, "x": None, "k": None})
defrule("unsort", "g, x, axis=-1", jvp={"g": LINEAR, "x": None, "axis": None})
defrule(
    "unselect",
    "g, condlist, choicelist",
    jvp={"g": LINEAR, "condlist": None, "choicelist": None},
)
defrule(
    "unselect_default",
    "g, condlist, default",
    jvp={"g": LINEAR, "condlist": None, "default": None},
)
defrule(
    "default_tangent",
    "dd, condlist, result",
    jvp={"dd": LINEAR, "condlist": None, "result": None},
)
