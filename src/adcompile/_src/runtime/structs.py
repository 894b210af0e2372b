"""Runtime helpers of fields: the derivatives of ``p.W`` where ``p`` is a
named tuple, a dataclass or a plain object (numpy only).

The compiler lowers an attribute read on a value that carries a derivative
to ``getattr(p, "W")`` (spelled ``p.W`` in emitted code). Its adjoint is the
adjoint of one field of ``p``: ``Items`` by position for a named tuple (as
``p[0]`` gives), ``Fields`` by name for other objects; ``as_gradient`` turns
what adds up into an object of ``p``'s class. Its tangent is the same field
of ``p``'s tangent, an object of ``p``'s class too.

A write into the array a field holds (``p.W[0] = v``, or ``h(p.W)`` where
``h`` writes into its parameter) becomes a new object, ``with_field(p,
"W", W_1)``, which the compiler rebuilds around the new array
(``normal/parts.py``); its adjoint splits into the other fields'
(``without_field``) and that field's (``attribute_tangent``).

Invariant: an adjoint or tangent reaches only what ``p`` holds. An attribute
that is not a field (a property, a method, a class attribute) is computed
from fields the derivative could not reach: reading one is refused as soon
as a nonzero adjoint, or any tangent, flows through it; so is an attribute
of an array (``x.imag``), which has no rule.
"""

from __future__ import annotations

from typing import Any

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.forward import zero_tangent
from adcompile._src.runtime.support import (
    Fields,
    Items,
    is_named_tuple,
    is_struct,
    is_zero,
    new_struct,
    struct_fields,
)


def unattribute(g: Any, x: Any, attr: str) -> Any:
    """The adjoint of ``x.attr`` (``getattr(x, attr)``): g as the adjoint of
    that one field of ``x``, zero for the others."""
    if is_named_tuple(x) and attr in x._fields:
        adjoints: list[Any] = [0.0 for _ in x]
        adjoints[x._fields.index(attr)] = g
        return Items(adjoints)
    if is_zero(g):  # nothing flowed back: whatever x.attr is, it is right
        return 0.0
    _check_field(x, attr)
    return Fields({attr: g})


def attribute_tangent(t: Any, x: Any, attr: str) -> Any:
    """The tangent of ``x.attr``: that field of x's tangent ``t`` (zeros
    shaped like the field where ``t`` is a zero)."""
    _check_field(x, attr)
    if isinstance(t, dict):  # a tangent built entry by entry (Fields)
        return t.get(attr, zero_tangent(getattr(x, attr)))
    if is_zero(t):
        return zero_tangent(getattr(x, attr))
    if isinstance(t, Items) and is_named_tuple(x):  # (a field written: items)
        return t[x._fields.index(attr)]
    return getattr(t, attr)


def with_field(x: Any, attr: str, value: Any) -> Any:
    """A copy of the object ``x`` whose field ``attr`` holds ``value`` (x
    itself unchanged; its other fields are the same objects)."""
    _check_field(x, attr)
    if is_named_tuple(x):
        return x._replace(**{attr: value})
    fields = struct_fields(x)
    fields[attr] = value
    return new_struct(x, fields)


def without_field(g: Any, x: Any, attr: str) -> Any:
    """The adjoint (or tangent) ``g`` of an object like ``x``, with nothing
    in its field ``attr``: what ``with_field(x, attr, value)`` passes back
    to ``x``, whose field it replaced."""
    if is_zero(g):
        return g
    if is_named_tuple(x) and not isinstance(g, dict):
        items: list[Any] = list(g)
        items[x._fields.index(attr)] = 0.0
        return Items(items)
    fields = dict(g) if isinstance(g, dict) else struct_fields(g)
    fields.pop(attr, None)
    return Fields(fields)


def _check_field(x: Any, attr: str) -> None:
    """Refuse ``x.attr`` where no derivative can go through it."""
    if not is_struct(x):
        raise NoDerivativeRule(
            f"the attribute .{attr} of a {type(x).__name__} has no derivative " "rule",
            "for an array, call the numpy function that computes it (np.imag(x) "
            "rather than x.imag); keep arrays in the fields of a named tuple, a "
            "dataclass or an object to read them as attributes",
        )
    if attr not in struct_fields(x):
        raise NoDerivativeRule(
            f".{attr} of a {type(x).__name__} is not one of the fields it holds "
            "(a property, a method or a class attribute): the derivative cannot "
            "reach the fields it is computed from",
            f"read the fields themselves in the function being differentiated, "
            f"or compute .{attr} outside it and pass it in",
        )
