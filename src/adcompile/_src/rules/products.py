"""Rules of products of arrays: dot, matmul, outer, vdot, vecdot, inner,
tensordot, einsum, kron, cross, convolve and correlate (and np.linalg's
array-API names of some of them).

Every product is linear in each factor, so each forward rule is ``LINEAR``
(the product with the factor's tangent in its place). The adjoint helpers
are linear in the adjoint and in the other factors and read only the shape
of their own factor; their forward rules, registered at the end, say so.

``np.einsum`` takes its operands as ``*operands``; its rule binds the
subscripts and up to ``EINSUM_ARGUMENTS`` positional arguments after them
(string or sublist form); a call with more is refused with a clear error
when it is differentiated (the first extra argument lands in ``optimize``,
whose rules say so).
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, SCALAR, defnondiff, defrule

_BOTH = {"a": LINEAR, "b": LINEAR}

defrule(
    "np.matmul",
    "a, b",
    jvp=_BOTH,
    a="matmul_left(g, a, b)",
    b="matmul_right(g, a, b)",
)
defrule("np.dot", "a, b", jvp=_BOTH, a="dot_left(g, a, b)", b="dot_right(g, a, b)")
defrule(
    "np.outer",
    "a, b",
    jvp=_BOTH,
    a="outer_left(g, a, b)",
    b="outer_right(g, a, b)",
)
defrule(
    "np.vdot",
    "a, b",
    shape=SCALAR,
    jvp=_BOTH,
    a="vdot_grad(g, b, a)",
    b="vdot_grad(g, a, b)",
)
defrule(
    "np.inner",
    "a, b",
    jvp=_BOTH,
    a="inner_left(g, a, b)",
    b="inner_right(g, a, b)",
)
defrule(
    "np.tensordot",
    "a, b, axes=2",
    jvp=_BOTH,
    a="tensordot_left(g, a, b, axes)",
    b="tensordot_right(g, a, b, axes)",
)
defrule(
    "np.kron",
    "a, b",
    jvp=_BOTH,
    a="kron_left(g, a, b)",
    b="kron_right(g, a, b)",
)
_CROSS = "axisa, axisb, axisc, axis"
defrule(
    "np.cross",
    "a, b, axisa=-1, axisb=-1, axisc=-1, axis=None",
    jvp=_BOTH,
    a=f"cross_left(g, a, b, {_CROSS})",
    b=f"cross_right(g, a, b, {_CROSS})",
)
defrule(
    "np.convolve",
    "a, v, mode='full'",
    jvp={"a": LINEAR, "v": LINEAR},
    a="convolve_left(g, a, v, mode)",
    v="convolve_right(g, a, v, mode)",
)
defrule(
    "np.correlate",
    "a, v, mode='valid'",
    jvp={"a": LINEAR, "v": LINEAR},
    a="correlate_left(g, a, v, mode)",
    v="correlate_right(g, a, v, mode)",
)

defrule(
    "np.vecdot",
    "a, b, axis=-1",
    jvp=_BOTH,
    a="vecdot_grad(g, b, a, axis)",
    b="vecdot_grad(g, a, b, axis)",
)

# ---- the same products under np.linalg's array-API names --------------------------

defrule(
    "np.linalg.vecdot",
    "a, b, axis=-1",
    name="vecdot",
    jvp=_BOTH,
    a="vecdot_grad(g, b, a, axis)",
    b="vecdot_grad(g, a, b, axis)",
)
defrule(
    "np.linalg.matmul",
    "a, b",
    name="matmul",
    jvp=_BOTH,
    a="matmul_left(g, a, b)",
    b="matmul_right(g, a, b)",
)
defrule(
    "np.linalg.outer",
    "a, b",
    name="outer",
    jvp=_BOTH,
    a="outer_left(g, a, b)",
    b="outer_right(g, a, b)",
)
defrule(
    "np.linalg.tensordot",
    "a, b, axes=2",
    name="tensordot",
    jvp=_BOTH,
    a="tensordot_left(g, a, b, axes)",
    b="tensordot_right(g, a, b, axes)",
)
defrule(
    "np.linalg.cross",
    "a, b, axis=-1",
    name="cross",
    jvp=_BOTH,
    a="cross_left(g, a, b, -1, -1, -1, axis)",
    b="cross_right(g, a, b, -1, -1, -1, axis)",
)

# ---- einsum ----------------------------------------------------------------------

EINSUM_ARGUMENTS = 10
_ARGS = ["subscripts"] + [f"x{i}" for i in range(EINSUM_ARGUMENTS)]


def _einsum_vjp(position: int) -> str:
    """The adjoint of the argument at ``position`` (subscripts are 0): the
    argument itself is passed as its shape."""
    args = [f"np.shape({a})" if i == position else a for i, a in enumerate(_ARGS)]
    return f"einsum_vjp(g, {position}, {', '.join(args)})"


defrule(
    "np.einsum",
    ", ".join([_ARGS[0]] + [f"{a}=None" for a in _ARGS[1:]] + ["optimize=False"]),
    jvp={**{a: LINEAR for a in _ARGS}, "optimize": "einsum_overflow(optimize)"},
    optimize="einsum_overflow(optimize)",
    **{a: _einsum_vjp(i) for i, a in enumerate(_ARGS)},
)

# ---- the helpers' forward rules -----------------------------------------------------

defnondiff("einsum_overflow", "value")

defrule(
    "einsum_vjp",
    ", ".join(["dy", "position", *_ARGS]),
    jvp={"dy": LINEAR, "position": None, **{a: LINEAR for a in _ARGS}},
)
for _name in ("tensordot", "inner", "kron", "cross"):
    _extra = {"tensordot": ", axes", "cross": f", {_CROSS}"}.get(_name, "")
    defrule(
        f"{_name}_left", f"dy, a, b{_extra}", jvp={"dy": LINEAR, "a": None, "b": LINEAR}
    )
    defrule(
        f"{_name}_right",
        f"dy, a, b{_extra}",
        jvp={"dy": LINEAR, "a": LINEAR, "b": None},
    )
for _name in ("convolve", "correlate"):
    defrule(
        f"{_name}_left", "dy, a, v, mode", jvp={"dy": LINEAR, "a": None, "v": LINEAR}
    )
    defrule(
        f"{_name}_right", "dy, a, v, mode", jvp={"dy": LINEAR, "a": LINEAR, "v": None}
    )
defrule("vdot_grad", "dy, other, x", jvp={"dy": LINEAR, "other": LINEAR, "x": None})
defrule(
    "vecdot_grad",
    "dy, other, x, axis",
    jvp={"dy": LINEAR, "other": LINEAR, "x": None},
)
