"""Runtime helpers of list and tuple operations: the adjoints and tangents of
``xs + ys`` and ``xs * n`` (joins and repetitions), ``sorted(xs)`` and
``list(xs)`` / ``tuple(xs)`` (numpy only).

Lowering sends ``+`` and ``*`` here when one operand is known to be a list
or tuple; it cannot know for sure (a name may hold a list on one path and
an array on another), so each helper looks at the result: a plain list or
tuple means Python joined or repeated, anything else means numpy (or a
number) added or multiplied, and the adjoint is the arithmetic one. So a
wrong guess costs a type check, never a wrong gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.runtime.core import unbroadcast
from adcompile._src.runtime.support import Items, is_zero


def _is_sequence(value: Any) -> bool:
    """A list or tuple that ``*`` repeats (not an adjoint's ``Items``, which
    add item by item)."""
    return type(value) in (list, tuple) or (
        isinstance(value, tuple) and hasattr(value, "_fields")
    )


def _joins(xs: Any, ys: Any) -> bool:
    """``xs + ys`` joins them: two lists, or two tuples, neither of a type
    with an addition of its own (``Items``) (else it adds numbers, arrays)."""
    for kind in (list, tuple):
        if isinstance(xs, kind) and isinstance(ys, kind):
            return type(xs).__add__ is kind.__add__ and not hasattr(
                type(ys), "__radd__"
            )
    return False


def leading_items(g: Any, xs: Any, ys: Any) -> Any:
    """Adjoint of ``xs`` in ``xs + ys``: the first len(xs) items' adjoints
    where + joined lists (or tuples), else unbroadcast."""
    if not _joins(xs, ys):
        return unbroadcast(g, xs)
    if is_zero(g):
        return g
    return Items(g[: len(xs)])


def trailing_items(g: Any, xs: Any, ys: Any) -> Any:
    """Adjoint of ``ys`` in ``xs + ys``: the last len(ys) items' adjoints
    where + joined lists (or tuples), else unbroadcast."""
    if not _joins(xs, ys):
        return unbroadcast(g, ys)
    if is_zero(g):
        return g
    return Items(g[len(xs) :])


def unrepeated(g: Any, items: Any, count: Any, repeated: Any) -> Any:
    """Adjoint of ``items`` in ``repeated = items * count`` (or ``count *
    items``): each item's adjoint is the sum of its copies' where ``*``
    repeated a list (or tuple), else the product's ``g * count``."""
    if not _is_sequence(repeated):
        return unbroadcast(g * count, items)
    if is_zero(g):
        return g
    n = len(items)
    sums: list[Any] = [0.0] * n
    for position, piece in enumerate(g):
        sums[position % n] = sums[position % n] + piece
    return Items(sums)


def sorting_order(items: Any, reverse: Any = False) -> list[int]:
    """The positions of ``items`` in the order ``sorted(items, reverse=...)``
    puts them: Python's sort is stable, with or without reverse, so sorting
    the positions by their items gives the same order to equal items."""
    return sorted(range(len(items)), key=lambda i: items[i], reverse=bool(reverse))


def unsorted(g: Any, items: Any, reverse: Any = False) -> Any:
    """Adjoint of ``items`` in ``sorted(items)``: the adjoints of the sorted
    list sent back to the positions they came from (an array's adjoint is
    an array)."""
    if is_zero(g):
        return g
    adjoints: list[Any] = [0.0] * len(items)
    for piece, position in zip(g, sorting_order(items, reverse), strict=True):
        adjoints[position] = piece
    if isinstance(items, np.ndarray):
        return np.array(adjoints, dtype=np.result_type(items.dtype, float))
    return Items(adjoints)


def sorted_tangent(t: Any, items: Any, reverse: Any = False) -> list[Any]:
    """Tangent of ``sorted(items)``: the items' tangents in sorted order."""
    return [t[position] for position in sorting_order(items, reverse)]


def unlisted(g: Any, items: Any) -> Any:
    """Adjoint of ``items`` in ``list(items)`` or ``tuple(items)``: the same
    adjoints, item by item (an array's adjoint is an array of its rows')."""
    if is_zero(g) or isinstance(items, dict):  # a dict's keys: no derivative
        return 0.0 if isinstance(items, dict) else g
    if isinstance(items, np.ndarray):
        shape = items.shape[1:]
        rows = [np.broadcast_to(row, shape) for row in g]
        if not rows:
            return np.zeros(items.shape)
        return np.stack(rows).astype(np.result_type(items.dtype, float), copy=False)
    return Items(g)
