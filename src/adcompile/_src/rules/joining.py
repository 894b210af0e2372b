"""Rules of functions that join arrays into one, or split one into several.

Joining is linear in the list of pieces: the tangent of a list is a list of
the same length (zeros for the pieces that carry none), so ``LINEAR`` joins
the tangents. The adjoint of a joined array is the list of the pieces'
adjoints (an ``Items``). Splitting returns a list: unpacking it
(``a, b = np.split(x, 2)``) or indexing it gives each piece's adjoint to the
list, with zeros for the pieces not used, which ``unsplit`` joins again.
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, defrule

defrule(
    "np.concatenate",
    "arrays, axis=0",
    jvp={"arrays": LINEAR, "axis": None},
    arrays="unconcatenate(g, arrays, axis)",
)
defrule(
    "np.stack",
    "arrays, axis=0",
    jvp={"arrays": LINEAR, "axis": None},
    arrays="unstack(g, axis)",
)
for _kind in ("hstack", "vstack", "dstack", "column_stack"):
    defrule(f"np.{_kind}", "tup", jvp={"tup": LINEAR}, tup=f'unjoin(g, tup, "{_kind}")')
# np.append(arr, values, axis) is np.concatenate((arr, values), axis), with
# both raveled when axis is None; linear in arr and values together, not apart
defrule(
    "np.append",
    "arr, values, axis=None",
    jvp={
        "arr": "np.append(t, np.zeros_like(values), axis)",
        "values": "np.append(np.zeros_like(arr), t, axis)",
        "axis": None,
    },
    arr="part(unconcatenate(g, [arr, values], axis), 0)",
    values="part(unconcatenate(g, [arr, values], axis), 1)",
)
for _path in ("np.split", "np.array_split"):
    defrule(
        _path,
        "x, indices_or_sections, axis=0",
        jvp={"x": LINEAR, "indices_or_sections": None, "axis": None},
        x="unsplit(g, x, indices_or_sections, axis)",
    )
defrule(
    "np.hsplit",
    "x, indices_or_sections",
    jvp={"x": LINEAR, "indices_or_sections": None},
    x="unhsplit(g, x, indices_or_sections)",
)
defrule(
    "np.vsplit",
    "x, indices_or_sections",
    jvp={"x": LINEAR, "indices_or_sections": None},
    x="unsplit(g, x, indices_or_sections, 0)",
)
defrule(
    "np.dsplit",
    "x, indices_or_sections",
    jvp={"x": LINEAR, "indices_or_sections": None},
    x="unsplit(g, x, indices_or_sections, 2)",
)
defrule(
    "np.unstack",
    "x, axis=0",
    jvp={"x": LINEAR, "axis": None},
    x="unstacked(g, x, axis)",
)

# ---- the helpers of these rules ----------------------------------------------

defrule("unjoin", "g, arrays, kind", jvp={"g": LINEAR, "arrays": None, "kind": None})
defrule(
    "unsplit",
    "g, x, indices_or_sections, axis=0",
    jvp={"g": LINEAR, "x": None, "indices_or_sections": None, "axis": None},
)
defrule(
    "unhsplit",
    "g, x, indices_or_sections",
    jvp={"g": LINEAR, "x": None, "indices_or_sections": None},
)
defrule("unstacked", "g, x, axis=0", jvp={"g": LINEAR, "x": None, "axis": None})
