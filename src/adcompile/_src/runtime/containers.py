"""Runtime helpers of containers and indexing: the adjoints of list, tuple
and dict items, of ``x[index]``, and of item assignment and
``np.fill_diagonal`` (numpy only)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.runtime.support import Fields, Items, is_zero


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
    out = np.array(a, copy=True)
    out[index] = value
    return out


def without_item(g: Any, index: Any) -> Any:
    """Adjoint of the array before ``a[index] = value``: the written entries
    received nothing from the old array."""
    if is_zero(g):
        return g
    if isinstance(g, dict):
        return Fields({**g, index: 0.0})
    out = np.array(g, dtype=np.result_type(g, float), copy=True)
    out[index] = 0.0
    return out


def item_adjoint(g: Any, index: Any) -> Any:
    """Adjoint of the value in ``a[index] = value``: g at the written entries;
    where a fancy index repeats an entry, only the write that won counts."""
    if is_zero(g):
        return g
    if isinstance(g, dict):
        return g.get(index, 0.0)
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


def snapshot(x: Any) -> Any:
    """The values of an argument as they are now, for a helper's derivative
    to read after the function has written into the argument in place: a
    copy of an array, and of the arrays in a list, tuple or dict (named
    tuples and other objects as they are)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if type(x) in (list, tuple):
        return type(x)(snapshot(v) for v in x)
    if type(x) is dict:
        return {k: snapshot(v) for k, v in x.items()}
    return x


def private_copy(x: Any, name: Any = None, others: Any = None) -> Any:
    """A copy of an array or list the function writes into (other values as
    they are). ``others``: the other arguments of a function that writes
    into its parameter ``name``; one that shares the parameter's memory (the
    same array passed twice, or a view of it) would see the writes in the
    function, not in its derivative, which works on the copy: refused."""
    for other in others or ():
        if other is x or (
            isinstance(x, np.ndarray)
            and isinstance(other, np.ndarray)
            and np.shares_memory(x, other)
        ):
            raise UnsupportedSyntax(
                f"the function writes into its parameter '{name}' in place, and "
                "another argument shares its memory (the same array passed "
                "twice, or a view of it)",
                "pass a copy for one of them (f(a, a.copy())): the derivative "
                "works on a private copy of the parameter it writes into",
            )
    if isinstance(x, np.ndarray):
        return x.copy()
    return list(x) if isinstance(x, list) else x


def unwritten(copy: Any, original: Any, statement: Any = "", writer: Any = "") -> None:
    """After a call of ``writer``, which may write into what it is given and
    was given ``copy``, a private copy of ``original`` that the caller (or
    a name read later) sees: nothing if the call left the copy as it was
    (it wrote nothing); else refused, since in Python ``original`` would
    have changed, and the derivative cannot carry the write back."""
    if copy is original:
        return
    if isinstance(copy, np.ndarray):
        same = (
            isinstance(original, np.ndarray)
            and copy.shape == original.shape
            and _equal(copy, original)
        )
    else:
        same = (
            type(copy) is type(original)
            and len(copy) == len(original)
            and all(a is b for a, b in zip(copy, original, strict=True))
        )
    if same:
        return
    error = UnsupportedSyntax(
        f"`{statement}`: {writer}(...) wrote into a {type(original).__name__} it "
        "was given, in place, which the caller of this function or a name read "
        f"later sees; the derivative of {writer} cannot carry its write back to "
        "this function",
        f"pass {writer} a copy of the array if the change need not be seen "
        f"here, or have {writer} return the new array and assign it",
    )
    error.statement = str(statement)
    raise error


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal entries (a NaN equals a NaN), whatever the dtype."""
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:  # (a dtype without NaN)
        return bool(np.array_equal(a, b))


_WHOLE = object()  # (the update writes the whole of x)


def shared_update(
    x: Any,
    others: Any = None,
    statement: Any = "",
    names: Any = "",
    index: Any = _WHOLE,
    before: Any = (),
) -> Any:
    """``x`` itself, before an in-place update of x (``x op= v``, ``x[i] =
    v``) that lowering turned into a new value: right only if no value in
    ``others`` (those of the names read later that may see x) sees x's
    memory (``names``: who holds each of them, for the message), or, with
    ``others`` None (code that may keep x anywhere), if x is a number, which
    an update does not change. ``index``: the update writes ``x[index]``
    only, so an array that sees other parts of x sees no change (None: all
    of x). ``before``: the arrays x's object was before earlier updates made
    it a new array as the derivative runs; what was read from them sees
    their memory, not x's. Refused otherwise, since the other names would
    see the change in Python and not in the derivative."""
    if isinstance(x, (int, float, complex, np.generic)):
        return x
    who = (
        "another name may see it (an alias, a view, a container holding it, or "
        "code that keeps it)"
    )
    if others is not None:
        if index is None:
            index = _WHOLE
        written = [_written_part(array, index) for array in (x, *before)]
        seeing = [
            i
            for i, other in enumerate(others)
            if any(_sees(other, part) for part in written)
        ]
        if not seeing:
            return x
        named = str(names).split(", ")
        who = (
            f"{named[seeing[0]]}, read later, may share memory with it (an "
            "alias, a view, an item read from it, or a container holding it)"
            if len(named) == len(others)
            else "another name read later may share memory with it"
        )
    code = str(statement)
    what = f"`{code}` updates a {type(x).__name__} in place"
    new_value = _as_new_value(code)
    error = UnsupportedSyntax(
        f"{what}, and {who}",
        (
            f"write '{new_value}' (a new array), or copy the array first"
            if new_value
            else _copy_hint(code)
        ),
    )
    error.statement = code  # where the caller's locate() points
    raise error


def _written_part(x: Any, index: Any) -> Any:
    """The part of the array ``x`` that ``x[index] = v`` writes, as a view
    (x itself for another index, or another kind of x)."""
    if index is _WHOLE or not isinstance(x, np.ndarray):
        return x
    where = index if isinstance(index, tuple) else (index,)
    try:
        part = x[(*where, None)]  # (a view even where every index is an int)
    except (IndexError, TypeError, ValueError):
        return x
    if isinstance(part, np.ndarray) and part.base is not None:
        return part  # basic indexing: a view of what is written
    return x  # indices picked by an array: a copy, which tells nothing


def _sees(other: Any, x: Any) -> bool:
    """Whether ``other`` (a value, or a container of values) may see the
    memory of ``x`` (an array, a list or a dict), so that changing x in
    place would change it; objects of other kinds are assumed to."""
    if other is x:
        return True
    if other is None or isinstance(other, (int, float, complex, str, np.generic)):
        return False
    if isinstance(other, np.ndarray):
        return isinstance(x, np.ndarray) and _overlap(other, x)
    if isinstance(other, (list, tuple)):
        return any(_sees(item, x) for item in other)
    if isinstance(other, dict):
        return any(_sees(item, x) for item in other.values())
    return True


def _copy_hint(statement: str) -> str:
    """``write into a copy: 'y = y.copy()' first`` for ``y[i] = v`` and
    ``np.fill_diagonal(y, v)``."""
    found = re.match(r"\s*(\w+)\s*\[", statement) or re.search(
        r"fill_diagonal\(\s*(\w+)", statement
    )
    if found is None:
        return "write into a copy of the array"
    name = found.group(1)
    return f"write into a copy: '{name} = {name}.copy()' first"


def _as_new_value(statement: str) -> str:
    """``y = y + ...`` for ``y += v`` ("" for another statement)."""
    name, _, rest = statement.partition(" ")
    operator = rest.split(" ", 1)[0]
    if not (operator.endswith("=") and len(operator) > 1 and name.isidentifier()):
        return ""
    return f"{name} = {name} {operator[:-1]} ..."


def write_back(caller: Any, final: Any) -> None:
    """Leave the caller's array, list or dict as the function left it, after it
    wrote into its parameter in place (nothing to do for immutable values)."""
    if final is caller:
        return
    if isinstance(caller, np.ndarray):
        caller[...] = final
    elif isinstance(caller, list):
        caller[:] = final
    elif isinstance(caller, dict):
        caller.clear()
        caller.update(final)


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


_TOO_HARD = getattr(np, "exceptions", np).TooHardError


def _overlap(one: np.ndarray, other: np.ndarray) -> bool:
    """Whether two arrays share memory (where telling for certain takes too
    much work, they are taken to)."""
    if not np.may_share_memory(one, other):
        return False
    try:
        return bool(np.shares_memory(one, other, max_work=10_000))
    except _TOO_HARD:
        return True
