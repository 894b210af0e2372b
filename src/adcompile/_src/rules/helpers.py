"""Rules of the runtime helpers that emitted derivative code calls.

With these, derivative code is itself differentiable: forward mode runs
through a gradient function's code (Hessian-vector products, second and
third derivatives).
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, SAME, defnondiff, defrule

# Helpers linear in their first argument (an adjoint): the tangent goes
# through the same helper; the other arguments are read for their shapes,
# axes or masks only, which do not vary (almost everywhere).
_LINEAR_IN_FIRST = {
    "check_cotangent": "cotangent, value",
    "as_gradient": "adjoint, x, name",
    "unbroadcast": "g, x",
    "unbroadcast_to": "g, shape",
    "repeat_to": "g, x, axis=None, keepdims=False",
    "extremum_grad": "g, x, extremum, axis=None, keepdims=False",
    "unindex": "g, x, index",
    "unattribute": "g, x, attr",
    "attribute_tangent": "tangent, x, attr",
    "without_field": "g, x, attr",
    "without_item": "g, index",
    "item_adjoint": "g, index",
    "without_diagonal": "g",
    "diagonal_adjoint": "g, value",
    "private_copy": "x, name=None, others=None",
    "snapshot": "x",
    "shared_update": "x, others=None, statement='', names='', index=None, before=()",
    "part": "g, position",
    "reshape_like": "g, x",
    "transpose_back": "g, axes, x",
    "total": "g",
    "all_but_last": "g, items",
    "last_item": "g",
    "leading_items": "g, xs, ys",
    "trailing_items": "g, xs, ys",
    "unrepeated": "g, items, count, repeated",
    "unsorted": "g, items, reverse=False",
    "sorted_tangent": "tangent, items, reverse=False",
    "unlisted": "g, items",
    "unsum": "g, items",
    "item_picked": "g, items, result",
    "picked_item_tangent": "tangent, items, result",
    "unconcatenate": "g, arrays, axis=0",
    "unstack": "g, axis=0",
    "broadcast_tangent": "tangent, result",
    "as_tangent": "tangent, value",
}
# Reverse rules of those that gradient code differentiated in reverse mode
# meets most (a gradient called inside a function being differentiated):
# the transpose of each linear map, in a first parameter renamed ``a`` (``g``
# names the adjoint in a rule).
_TRANSPOSES = {
    "as_gradient": ("adjoint", "unbroadcast(g, adjoint)"),
    "check_cotangent": ("cotangent", "g"),
    "private_copy": ("x", "g"),
    "snapshot": ("x", "g"),
    "shared_update": ("x", "g"),
    "unbroadcast": ("a", "np.broadcast_to(g, np.shape(a))"),
    "total": ("a", "np.broadcast_to(g, np.shape(a))"),
    "unindex": ("a", "g[index]"),
    "repeat_to": ("a", "np.sum(g, axis=axis, keepdims=keepdims)"),
}
for _name, _signature in _LINEAR_IN_FIRST.items():
    _params = [p.split("=")[0].strip() for p in _signature.split(",")]
    _vjps: dict[str, str | None] = {}
    if _name in _TRANSPOSES:
        _first, _transpose = _TRANSPOSES[_name]
        _signature = _signature.replace(_params[0], _first, 1)
        _params[0] = _first
        _vjps = {_first: _transpose, **{p: None for p in _params[1:]}}
    defrule(
        _name,
        _signature,
        jvp={_params[0]: LINEAR, **{p: None for p in _params[1:]}},
        **_vjps,
    )

# A copy of a view about to be written (views.py): a new array, x's shape.
defrule(
    "copy_of_view",
    "x, base=None, statement=''",
    shape=SAME,
    jvp={"x": "snapshot(t)", "base": None, "statement": None},
    x="g",
    base=None,
    statement=None,
)

# Bilinear adjoints of products: linear in the adjoint and in the other factor.
for _name, _other, _shape_only in [
    ("matmul_left", "b", "a"),
    ("matmul_right", "a", "b"),
    ("dot_left", "b", "a"),
    ("dot_right", "a", "b"),
    ("outer_left", "b", "a"),
    ("outer_right", "a", "b"),
]:
    defrule(_name, "g, a, b", jvp={"g": LINEAR, _other: LINEAR, _shape_only: None})

defrule(
    "with_item",
    "a, index, value",
    jvp={"a": LINEAR, "value": LINEAR, "index": None},
    jointly_linear=True,  # (as its own rule: patterns.SETITEM)
)
# ``p.W[0] = v`` as a new object (normal/parts.py): the field's adjoint goes
# to the value, the others' to the object it was
defrule(
    "with_field",
    "x, attr, value",
    jvp={
        "x": "without_field(t, x, attr)",
        "value": "unattribute(t, x, attr)",
        "attr": None,
    },
    x="without_field(g, x, attr)",
    value="attribute_tangent(g, x, attr)",
    attr=None,
)
defrule(
    "with_diagonal",
    "a, value",
    jvp={"a": "with_diagonal(t, 0.0)", "value": "with_diagonal(zero_tangent(a), t)"},
)
defrule(
    "unindex_add",
    "acc, g, x, index",
    jvp={"acc": "t", "g": "unindex(t, x, index)", "x": None, "index": None},
)
# A caller's name after a callee's ``a op= v`` (write_back.py): the final
# value where that changed the object, the value given for a number.
defrule(
    "written_back",
    "given, final",
    jvp={
        "given": "zero_tangent(given) if changed_in_place(given) else t",
        "final": "t if changed_in_place(given) else zero_tangent(final)",
    },
    given="zero_adjoint(given) if changed_in_place(given) else g",
    final="g if changed_in_place(given) else zero_adjoint(final)",
)
defrule("log_or_zero", "a", jvp={"a": "t / np.where(a == 0, 1.0, a)"})

for _name in [
    "seed_gradient",
    "zero_gradient",
    "reduced_count",
    "picked",
    "inside",
    "inverse_axes",
    "zero_adjoint",
    "zero_tangent",
    "check_tangent",
    "sorting_order",
    "revolve",
    "unwritten",
    "changed_in_place",
    "array_given",
    "items_apart",
    "copied_item_update",
    "arguments_apart",
]:
    defnondiff(_name)

# Arithmetic written into an array that is about to die (adcompile.reuse),
# in variants for known shapes only: derivative code that calls them is never
# differentiated again, and rules without templates would refuse it clearly.
for _name in [
    "add_into",
    "subtract_into",
    "multiply_into",
    "divide_into",
]:
    defrule(_name, "a, b")
defrule("negative_into", "a")
