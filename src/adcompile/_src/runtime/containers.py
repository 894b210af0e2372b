"""Runtime helpers of containers and indexing: the adjoints of list, tuple
and dict items, of ``x[index]``, and of item assignment and
``np.fill_diagonal`` (numpy only)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.runtime.support import Fields, Items, is_zero, rebuilt


def unindex(g: Any, x: Any, index: Any) -> Any:
    """Adjoint of ``x[index]``: g scattered into zeros shaped like x."""
    if type(x) is np.ndarray and type(index) is int and x.dtype.kind == "f":
        same = type(g) is float or getattr(g, "dtype", None) == x.dtype
        out = np.zeros(x.shape, dtype=x.dtype if same else np.result_type(x.dtype, g))
        out[index] = g
        return out
    if (  # a float64 array read at a basic index (slices, ints): as below
        type(x) is np.ndarray
        and x.dtype is _FLOAT64_DTYPE
        and (type(g) is float or type(g) is _FLOAT64 or _is_float64_array(g))
        and _is_basic_index(index)
    ):
        out = np.zeros(x.shape)
        out[index] = g
        return out
    if isinstance(x, (list, tuple)):
        return _unindex_items(g, x, index)
    if isinstance(x, dict):
        return Fields({index: g})
    dtype = np.result_type(np.asarray(g).dtype, np.float64 if np.ndim(x) else float)
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        dtype = np.result_type(x.dtype, np.asarray(g).dtype)
    if _takes_rows(g, x, index):
        return _scatter_rows(g, index, x.shape)
    out = np.zeros(np.shape(x), dtype=dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _takes_rows(g: Any, x: Any, index: Any) -> bool:
    """``x[index]`` takes rows of a float64 array by a 1-D integer array and
    g is float64 in the shape of what it took (so the rows' sums may be
    computed in float64 by np.bincount)."""
    return (
        type(index) is np.ndarray
        and index.ndim == 1
        and index.dtype.kind in "iu"
        and type(x) is np.ndarray
        and x.ndim >= 1
        and x.dtype == _FLOAT64_DTYPE
        and type(g) is np.ndarray
        and g.dtype == _FLOAT64_DTYPE
        and g.shape == index.shape + x.shape[1:]
    )


def _scatter_rows(g: np.ndarray, rows: np.ndarray, shape: tuple) -> np.ndarray:
    """The sums of g's rows at ``rows`` (1-D integers, negative from the
    end) in zeros of ``shape``: what ``np.add.at`` gives, in the same order
    of additions, computed with np.bincount (several times faster)."""
    n = shape[0]
    rows = rows.astype(np.intp, copy=False)
    if rows.size and (rows.min() < -n or rows.max() >= n):
        raise IndexError(f"an index is out of bounds for axis 0 with size {n}")
    if rows.size and rows.min() < 0:
        rows = np.where(rows < 0, rows + n, rows)
    width = math.prod(shape[1:])
    flat = g.reshape(rows.shape[0], width)
    if width <= 16:
        out = np.empty((n, width))
        for column in range(width):
            out[:, column] = np.bincount(rows, weights=flat[:, column], minlength=n)
    else:
        cells = (rows[:, None] * width + np.arange(width)).ravel()
        out = np.bincount(cells, weights=flat.ravel(), minlength=n * width)
    return out.reshape(shape)


def unindex_add(acc: Any, g: Any, x: Any, index: Any) -> Any:
    """``acc + unindex(g, x, index)``, written into ``acc`` when it is a float
    array of x's shape and dtype. Emitted only where ``acc`` is a new array
    no other name can see (an adjoint still being added up)."""
    if (
        type(acc) is np.ndarray
        and type(x) is np.ndarray
        and acc.shape == x.shape
        and (
            type(g) is float
            or (type(g) is _FLOAT64 and acc.dtype is _FLOAT64_DTYPE)
            or (type(g) is np.ndarray and g.dtype == acc.dtype)  # a row, a slice
        )
    ):
        if type(index) is int or _is_basic_index(index):
            acc[index] += g
        elif _takes_rows(g, x, index):
            acc += _scatter_rows(g, index, x.shape)
        else:
            np.add.at(acc, index, g)
        return acc
    return acc + unindex(g, x, index)


_FLOAT64 = np.float64
_FLOAT64_DTYPE = np.dtype(np.float64)


def _is_float64_array(g: Any) -> bool:
    return type(g) is np.ndarray and g.dtype is _FLOAT64_DTYPE


def _is_basic_index(index: Any) -> bool:
    """Whether ``index`` selects a view: ints, slices, None, Ellipsis."""
    for item in index if type(index) is tuple else (index,):
        kind = type(item)
        if kind is slice or kind is int or item is None or item is Ellipsis:
            continue
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            return False
    return True


def _unindex_items(g: Any, items: Any, index: Any) -> Items:
    """Adjoint of ``items[index]`` for a list or tuple (an int or a slice)."""
    adjoints: list[Any] = [0.0 for _ in items]  # zero: nothing flowed back
    if is_zero(g):
        return Items(adjoints)
    if isinstance(index, slice):
        for position, piece in zip(range(len(items))[index], g, strict=True):
            adjoints[position] = adjoints[position] + piece
    else:
        adjoints[index] = g
    return Items(adjoints)


def with_item(a: Any, index: Any, value: Any) -> Any:
    """A copy of ``a`` with ``a[index] = value`` done (``a`` is unchanged)."""
    if isinstance(a, dict):  # a tangent's entries (Fields) still add up
        out = Fields(a) if isinstance(a, Fields) else dict(a)
        out[index] = value
        return out
    if isinstance(a, (list, tuple)):  # (its other items stay the objects)
        items = list(a)
        items[index] = value
        return rebuilt(a, items)
    out = np.array(a, copy=True)
    if out.dtype.kind in "biu" and np.asarray(value).dtype.kind in "fc":
        raise UnsupportedSyntax(
            "an item write stores values the gradient depends on into an "
            f"array of {out.dtype} entries, which truncates them",
            "make the array a float array (np.zeros(n), not np.zeros(n, "
            "dtype=int)), or store a whole number: int(v)",
        )
    out[index] = value
    return out


def without_item(g: Any, index: Any) -> Any:
    """Adjoint of the array before ``a[index] = value``: the written entries
    received nothing from the old array."""
    if is_zero(g):
        return g
    if isinstance(g, dict):
        return Fields({**g, index: 0.0})
    if isinstance(g, (list, tuple)):
        return Items(_zeroed(g, index))
    out = np.array(g, dtype=np.result_type(g, float), copy=True)
    out[index] = 0.0
    return out


def _zeroed(items: list | tuple, index: Any) -> list:
    """``items`` with those at ``index`` (an int or a slice) zero."""
    out = list(items)
    for position in range(len(out))[index] if isinstance(index, slice) else [index]:
        out[position] = 0.0
    return out


def item_adjoint(g: Any, index: Any) -> Any:
    """Adjoint of the value in ``a[index] = value``: g at the written entries;
    where a fancy index repeats an entry, only the write that won counts."""
    if is_zero(g):
        return g
    if isinstance(g, dict):
        return g.get(index, 0.0)
    if isinstance(g, (list, tuple)):  # (the adjoints of a list's items)
        picked = g[index]
        return Items(picked) if isinstance(index, slice) else picked
    g = np.asarray(g)
    picked = g[index]
    if _is_basic_index(index) or (
        isinstance(index, np.ndarray) and index.dtype == bool
    ):
        return picked
    winner = np.full(g.shape, -1)
    order = np.arange(np.size(picked)).reshape(np.shape(picked))
    winner[index] = order
    return np.where(winner[index] == order, picked, 0.0)


def with_diagonal(a: Any, value: Any) -> Any:
    """A copy of ``a`` with ``np.fill_diagonal(a, value)`` done (``a`` is
    unchanged): numpy's own semantics, wrap=False (a tall matrix's diagonal
    stops at its last column; a short value is repeated along it)."""
    out = np.array(a, copy=True)
    np.fill_diagonal(out, value)
    return out


def without_diagonal(g: Any) -> Any:
    """Adjoint of the array before ``np.fill_diagonal``: its diagonal
    received nothing from the old array."""
    if is_zero(g):
        return g
    out = np.array(g, dtype=np.result_type(g, float), copy=True)
    out[_diagonal_index(out.shape)] = 0.0
    return out


def diagonal_adjoint(g: Any, value: Any) -> Any:
    """Adjoint of the value ``np.fill_diagonal(a, value)`` wrote: g's
    diagonal, summed back onto the value's entries where numpy repeated a
    short value along the diagonal (all of it, for a number)."""
    if is_zero(g):
        return g
    diagonal = np.asarray(g)[_diagonal_index(np.shape(g))]
    size = np.size(value)
    if np.ndim(value) == 0:
        return np.sum(diagonal)
    if size == diagonal.size:
        return diagonal.reshape(np.shape(value))
    out = np.zeros(size, dtype=diagonal.dtype)
    if size:
        np.add.at(out, np.arange(diagonal.size) % size, diagonal)
    return out.reshape(np.shape(value))


def _diagonal_index(shape: tuple[int, ...]) -> tuple[Any, ...]:
    """The entries ``np.fill_diagonal`` (wrap=False) writes in an array of
    ``shape``: (i, i) for i below the smaller side of a matrix, (i, ..., i)
    in an array of more, equal, sides."""
    diagonal = np.arange(min(shape))
    return (diagonal,) * len(shape)


def zero_adjoint(value: Any) -> Any:
    """A zero adjoint shaped like ``value`` (an array, a float, a container)."""
    if type(value) is np.ndarray:
        return np.zeros(value.shape, dtype=np.result_type(value.dtype, float))
    return 0.0  # floats, and containers (whose length may differ by trip)


def part(g: Any, position: Any) -> Any:
    """Item ``position`` of a container's adjoint (zero when it is zero, or
    when it is the adjoint of some entries of a dict, which lacks it)."""
    if type(g) is Items:
        return g[position]
    if is_zero(g):
        return g
    if isinstance(g, Fields) and position not in g:
        return 0.0
    return g[position]


def all_but_last(g: Any, items: Any = None) -> Any:
    """Adjoint of the items of ``[*items, value]``: the adjoints of all but
    the last entry (stacked back into an array when the items were the rows
    of an array)."""
    if is_zero(g):
        return g
    if isinstance(items, np.ndarray):
        rows = [np.broadcast_to(r, items.shape[1:]) for r in g[:-1]]
        return np.stack(rows) if rows else np.zeros(items.shape)
    return Items(g[:-1])


def last_item(g: Any) -> Any:
    """Adjoint of the value given to ``append``: the last item's adjoint."""
    return g if is_zero(g) else g[-1]
