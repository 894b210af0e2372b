"""What the helper modules share: the zero adjoints start from, the adjoints
of containers' items, axis normalization and multi-dual numbers (numpy only).

None of these is a helper: emitted code never calls them, so this module is
not one of ``MODULES`` and its functions need no rules. ``adcompile build``
copies those the copied helpers use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax


def is_zero(value: Any) -> bool:
    """The plain ``0.0`` adjoints start from in loops and branches (or that
    a numpy function applied to it made a 0-d array: ``np.transpose(0.0)``)."""
    if type(value) is np.ndarray:
        return value.ndim == 0 and value.dtype.kind == "f" and value == 0
    return isinstance(value, (int, float)) and value == 0


class Items(tuple):
    """The adjoints of the items of a list or tuple, in order.

    Emitted code accumulates adjoints with ``+``, which would concatenate
    plain lists; these add item by item, with each other and with an array
    whose first axis runs over the items (the adjoint of ``np.array(items)``).
    """

    __slots__ = ()
    __array_ufunc__ = None  # so that ndarray + Items calls Items.__radd__

    def __add__(self, other: Any) -> Items:  # type: ignore[override]
        if is_zero(other):  # an adjoint that started at zero
            return self
        if len(other) != len(self):
            raise ValueError(
                f"adjoints of {len(self)} and {len(other)} items cannot be added"
            )
        return Items(a + b for a, b in zip(self, other, strict=True))

    def __radd__(self, other: Any) -> Items:
        return self.__add__(other)

    def __mul__(self, other: Any) -> Items:  # type: ignore[override]
        """Where an adjoint of items is multiplied, ``*`` repeated a list that
        adcompile could not tell was one (it would repeat the adjoints)."""
        raise joined_containers()

    __rmul__ = __mul__


class Fields(dict):
    """The adjoints of some entries of a dict; they add entry by entry, and
    a missing entry is zero."""

    __array_ufunc__ = None

    def __add__(self, other: Any) -> Fields:
        if is_zero(other):
            return self
        total = Fields(self)
        for key, value in other.items():
            total[key] = total[key] + value if key in total else value
        return total

    def __radd__(self, other: Any) -> Fields:
        return self.__add__(other)


def joined_containers() -> NoDerivativeRule:
    """The error for ``+`` or ``*`` on lists or tuples (no derivative rule)."""
    return NoDerivativeRule(
        "`+` or `*` joins or repeats lists (or tuples) here, which adcompile "
        "could not tell from the code (lists passed in as arguments)",
        "say they are lists where they are joined (list(xs) + ys, list(xs) * 2), "
        "or join arrays with np.concatenate",
    )


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(int(a) % ndim for a in axes)) if ndim else ()


def given_directions(directions: tuple, what: str = "prod and cumprod") -> list[Any]:
    """The directions given (None: none). The rules carry three, and shift
    them by one for each derivative taken: a fourth means order 5."""
    moves = [d for d in directions if d is not None]
    if len(directions) > 3 and directions[3] is not None:
        raise NoDerivativeRule(
            f"derivatives of {what} are supported up to order 4",
            "differentiate fewer times, or write the product with a loop",
        )
    return moves


def dual(value: Any, directions: list[Any]) -> list[Any]:
    """value + sum of e_k d_k, as a list of parts (index: a set of k)."""
    parts: list[Any] = [None] * (1 << len(directions))
    parts[0] = value
    for k, d in enumerate(directions):
        parts[1 << k] = d
    return parts


def dual_part(a: list[Any], b: list[Any], s: int) -> Any:
    """Part s of the product a b: the sum over t within s of a[t] b[s - t]."""
    total = None
    t = s
    while True:
        if a[t] is not None and b[s ^ t] is not None:
            term = a[t] * b[s ^ t]
            total = term if total is None else total + term
        if t == 0:
            return total
        t = (t - 1) & s


def dual_times(a: list[Any], b: list[Any]) -> list[Any]:
    return [dual_part(a, b, s) for s in range(len(a))]


def dual_top(a: list[Any], b: list[Any]) -> Any:
    """The part of a b along every direction (None when it is zero)."""
    return dual_part(a, b, len(a) - 1)


# ---- objects with fields: named tuples, dataclasses, plain objects -----------
# A parameter may be an object whose fields hold the arrays: a named tuple, a
# dataclass or an instance of a plain class. Its gradient (and a tangent
# given for it) is an object of the same class, made without calling
# ``__init__``, that holds one entry per field of the original.


def is_named_tuple(x: Any) -> bool:
    return isinstance(x, tuple) and isinstance(getattr(x, "_fields", None), tuple)


def is_struct(x: Any) -> bool:
    """Whether ``x`` is an object whose fields are differentiated one by one:
    a named tuple, a dataclass instance, or an instance of a plain class
    (one with a ``__dict__`` or ``__slots__``). Numbers, arrays, strings,
    containers, classes, and what Python itself defines (functions,
    methods, modules) are not; nor is anything numpy reads as an array."""
    if is_named_tuple(x):
        return True
    cls = type(x)
    if (
        cls.__module__ == "builtins"
        or isinstance(x, (np.ndarray, np.generic, np.ufunc, list, tuple, dict))
        or hasattr(x, "__array__")
    ):
        return False
    return hasattr(x, "__dict__") or any(
        vars(klass).get("__slots__") for klass in cls.__mro__
    )


def struct_fields(x: Any) -> dict[str, Any]:
    """The fields of a struct, in order: a named tuple's ``_fields``; the
    attributes an object holds (its ``__dict__``, then its slots that are
    set). Properties and methods are not fields: they are computed."""
    if is_named_tuple(x):
        return dict(zip(x._fields, x, strict=True))
    fields = dict(getattr(x, "__dict__", {}))
    for klass in type(x).__mro__:
        slots = vars(klass).get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in fields and slot != "__weakref__" and hasattr(x, slot):
                fields[slot] = getattr(x, slot)
    fields.pop("__dict__", None)
    return fields


def new_struct(x: Any, fields: dict[str, Any]) -> Any:
    """An object of ``x``'s class holding ``fields`` (one per field of ``x``),
    made without running ``__init__`` or ``__post_init__`` (frozen
    dataclasses too); a named tuple through its ``_make``."""
    cls = type(x)
    if is_named_tuple(x):
        return cls._make(fields[name] for name in x._fields)
    out = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out


def differentiable_leaf(x: Any) -> bool:
    """Whether a field's value may have a gradient: a real or complex number
    or array (complex ones are refused where their gradient is made).
    Integers, booleans, strings, None and other settings have none."""
    if isinstance(x, (bool, int, np.integer, np.bool_)):
        return False
    if isinstance(x, (float, complex, np.inexact)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind in "fc"


def check_field_names(x: Any, name: str) -> None:
    """Refuse a struct with a field named like an array attribute that the
    compiler reads as numpy's: ``p.T`` becomes ``np.transpose(p)``, and
    ``p.shape`` (``ndim``, ``size``...) carries no derivative, whatever p
    is. A field of those names holding a float would get a wrong gradient."""
    rewritten = {"T", "mT", "real"}
    constant = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
    for field, value in struct_fields(x).items():
        if field in rewritten or (field in constant and differentiable_leaf(value)):
            raise UnsupportedSyntax(
                f"'{name}' has a field named {field}, which the compiler reads "
                f"as the array attribute .{field} (a {type(x).__name__}'s "
                f".{field} would get a wrong derivative)",
                f"rename the field {field} of {type(x).__name__}",
            )


def rebuilt(value: Any, items: list[Any]) -> Any:
    """A container of ``value``'s type (named tuples, the adjoints of items
    too) holding ``items``."""
    if hasattr(value, "_fields"):
        return type(value)(*items)
    return type(value)(items)
