"""What the helper modules share: the zero adjoints start from, the adjoints
of containers' items, axis normalization and multi-dual numbers (numpy only).

None of these is a helper: emitted code never calls them, so this module is
not one of ``MODULES`` and its functions need no rules. ``adcompile build``
copies those the copied helpers use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule


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
