"""Checks as the code runs that an update in place that lowering turned
into a new value is one no other name sees: no value read later, no other
argument, no other item of the container rebuilt around the new value
shares the memory written (numpy only); and the private copy of a
parameter the function writes into, made once no other argument shares its
memory. Where one does, the update is refused, pointing at the user's
statement (``error.statement``)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax
from adcompile._src.runtime.support import is_struct, new_struct, struct_fields
from adcompile._src.runtime.writes import snapshot


def _held_twice(leaves: list[np.ndarray]) -> bool:
    """Whether two of these arrays share memory (one held twice, or a view)."""
    pairs = ((a, b) for i, a in enumerate(leaves) for b in leaves[i + 1 :])
    return any(_overlap(a, b) for a, b in pairs)


def _refuse_held_twice(leaves: list[np.ndarray], name: Any) -> None:
    """Refuse a tuple parameter whose items share memory (the same array held
    twice, or a view of it), one of which the function writes into."""
    if _held_twice(leaves):
        raise UnsupportedSyntax(
            f"the function writes into an item of its parameter '{name}' in "
            "place, and another item of it shares its memory (the same "
            "array held twice, or a view of it)",
            f"pass '{name}' with its items copied: the derivative works on "
            "private copies of them",
        )


def unwritten(
    copy: Any, original: Any, statement: Any = "", writer: Any = "", made: Any = None
) -> None:
    """After a call of ``writer``, which may write into what it is given and
    was given ``copy``, a private copy of ``original`` that the caller (or
    a name read later) sees: nothing if the call left the copy as it was
    (it wrote nothing); else refused, since in Python ``original`` would
    have changed, and the derivative cannot carry the write back. ``made``:
    the call's result, read here so that the call is made (and made first)
    even where nothing else reads it."""
    if _same(copy, original):
        return
    held = "" if isinstance(original, np.ndarray) else " (or into what it holds)"
    error = UnsupportedSyntax(
        f"`{statement}`: {writer}(...) wrote into a {type(original).__name__} it "
        f"was given{held}, in place, which the caller of this function or a name read "
        f"later sees; the derivative of {writer} cannot carry its write back to "
        "this function",
        f"pass {writer} a copy of the array if the change need not be seen "
        f"here, or have {writer} return the new array and assign it",
    )
    error.statement = str(statement)
    raise error


def _same(copy: Any, original: Any) -> bool:
    """``copy`` (from ``private_copy``) still holds what ``original`` does:
    equal arrays, and containers of the same kind and length whose items
    are the same, through every level."""
    if copy is original:
        return True
    if isinstance(copy, np.ndarray):
        return (
            isinstance(original, np.ndarray)
            and copy.shape == original.shape
            and _equal(copy, original)
        )
    if type(copy) is not type(original):
        return False
    if isinstance(copy, dict):
        return copy.keys() == original.keys() and all(
            _same(copy[key], original[key]) for key in copy
        )
    if isinstance(copy, (list, tuple)):
        return len(copy) == len(original) and all(
            _same(a, b) for a, b in zip(copy, original, strict=True)
        )
    return False


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
            "another name read later may share memory with it"
            if len(named) != len(others)
            else (
                "the caller's argument may share memory with it (it may be "
                "one of the caller's arrays, or a part of one)"
                if named[seeing[0]] == "the caller"
                else f"{named[seeing[0]]}, read later, may share memory with it (an "
                "alias, a view, an item read from it, or a container holding it)"
            )
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


def items_apart(whole: Any, path: Any, statement: Any = "") -> None:
    """Before an item of a container, ``whole[path[0]][path[1]]...``, is
    updated in place as a new value that the container is rebuilt around:
    right only if no other item of it shares the item's memory (the same
    array held twice: in Python both would change). Refused otherwise. A
    part of an array (``y[0:2]`` of an array ``y``, which may have been a
    list) is no object of its own: the update writes the array's memory,
    as Python's does."""
    item = whole
    for key in path:
        if isinstance(item, np.ndarray):
            break  # (the array held is the item updated)
        if _field_key(item, key) and key not in struct_fields(item):
            error = NoDerivativeRule(
                f"`{statement}` writes into .{key} of a {type(item).__name__}, "
                "which is not one of the fields it holds (a property, a method "
                "or a class attribute): the write cannot be followed",
                f"write into the field that .{key} returns, by its own name",
            )
            error.statement = str(statement)  # (located as the caller's)
            raise error
        item = getattr(item, key) if _field_key(item, key) else item[key]
    if item is whole or not isinstance(item, np.ndarray):
        return
    leaves = _array_leaves(whole)
    root = _memory_root(item)
    if (  # (only arrays made from one buffer may share memory)
        sum(leaf is item for leaf in leaves) > 1
        or any(
            leaf is not item and _memory_root(leaf) is root and _overlap(item, leaf)
            for leaf in leaves
        )
    ):
        code = str(statement)
        error = UnsupportedSyntax(
            f"`{code}` updates an item of a container in place, and another "
            "item of the container shares its memory (the same array held "
            "twice, or a view of it)",
            "copy the item before writing into it (v = v.copy())",
        )
        error.statement = code  # where the caller's locate() points
        raise error


def arguments_apart(
    written: Any, others: Any, statement: Any = "", writer: Any = ""
) -> None:
    """Before a call of ``writer``, which writes into the arguments
    ``written``: right only if no other argument (``others``) shares
    memory with one of them (a row and its matrix, the same array twice):
    in Python it would see the write, and the derivative gives each
    argument a private copy. Refused otherwise."""
    for position, value in enumerate(written):
        leaves = _array_leaves(value)
        rest = [*written[:position], *written[position + 1 :], *others]
        mutable = not isinstance(value, (int, float, complex, str, tuple, np.generic))
        if any(
            (other is value and mutable)
            or any(
                _overlap(leaf, held) for leaf in leaves for held in _array_leaves(other)
            )
            for other in rest
        ):
            error = UnsupportedSyntax(
                f"`{statement}`: {writer}(...) writes into an argument in place, "
                "and another argument shares its memory (the same array given "
                "twice, or a row or view of it and the array)",
                f"give {writer} a copy for one of them (.copy()): the derivative "
                "works on a private copy of each argument",
            )
            error.statement = str(statement)
            raise error


def copied_item_update(copy: Any, index: Any, statement: Any = "") -> None:
    """Before ``y[i] op= v`` on ``y = x.copy()``, lowered as ``y[i] = y[i]
    op v``: right for an array ``y``, whose item is its own memory, and for
    an item that is a number; refused where ``y`` is a list or dict, whose
    copy holds the very arrays ``x`` holds, which ``op=`` would change in
    place for both."""
    if isinstance(copy, np.ndarray) or not isinstance(copy, (list, tuple, dict)):
        return
    if not isinstance(copy[index], np.ndarray):
        return
    code = str(statement)
    new_value = _as_new_value(code)
    error = UnsupportedSyntax(
        f"`{code}` changes an array in place that the {type(copy).__name__} "
        "it is an item of shares with the one it was copied from (.copy() of "
        "a list or dict copies neither array)",
        f"write '{new_value}' (a new array)" if new_value else _copy_hint(code),
    )
    error.statement = code  # where the caller's locate() points
    raise error


def _memory_root(array: np.ndarray) -> Any:
    """The object whose memory ``array`` views (itself if it owns its own)."""
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return array


def _array_leaves(value: Any) -> list[np.ndarray]:
    """The arrays a value holds, through lists, tuples, dicts and the fields
    of objects."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _array_leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _array_leaves(item)]
    fields = getattr(value, "__dict__", None)  # (a dataclass, an object)
    if isinstance(fields, dict) and not isinstance(value, type):
        return [leaf for item in fields.values() for leaf in _array_leaves(item)]
    return []


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


def _field_key(x: Any, key: Any) -> bool:
    """Whether ``key`` of a path names a field of the object ``x``."""
    return isinstance(key, str) and is_struct(x)


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


def private_copy(x: Any, name: Any = None, others: Any = None) -> Any:
    """A copy of an array or list the function writes into (other values as
    they are). ``name``: the function's own parameter, which the function
    writes into (a list's items stay the caller's objects: ``write_back``
    puts them back where the function leaves them); without one, an
    argument of a callee that may write into it, copied through every
    container it holds (``snapshot``). ``others``: the other arguments of
    a function that writes into its parameter ``name``; one that shares the
    parameter's memory (the same array passed twice, or a view of it) would
    see the writes in the function, not in its derivative, which works on
    the copy: refused."""
    held = isinstance(x, tuple) or is_struct(x)  # (arrays it holds, written into)
    leaves = _array_leaves(x) if held and name is not None else []
    for other in others or ():  # (a tuple's own items are written into)
        if (
            other is x
            or (
                isinstance(x, np.ndarray)
                and isinstance(other, np.ndarray)
                and np.shares_memory(x, other)
            )
            or any(
                _overlap(leaf, held) for leaf in leaves for held in _array_leaves(other)
            )
        ):
            raise UnsupportedSyntax(
                f"the function writes into its parameter '{name}' in place, and "
                "another argument shares its memory (the same array passed "
                "twice, or a view of it)",
                "pass a copy for one of them (f(a, a.copy())): the derivative "
                "works on a private copy of the parameter it writes into",
            )
    if name is not None:
        if isinstance(x, np.ndarray):
            return x.copy()
        if isinstance(x, tuple):  # the arrays it holds are written into
            _refuse_held_twice(leaves, name)
            return snapshot(x)
        if held:  # an object: the arrays its fields hold (write_back)
            _refuse_held_twice(leaves, name)
            fields = struct_fields(x)
            return new_struct(x, {k: snapshot(v) for k, v in fields.items()})
        if isinstance(x, dict):  # (its entries at the call: the gradient's)
            return dict(x)
        return list(x) if isinstance(x, list) else x
    return snapshot(x)


def array_given(
    value: Any, statement: Any = "", writer: Any = "", alone: Any = False
) -> None:
    """Before a call of ``writer``, whose write into ``value`` comes back to
    the caller (``written_into``), and which may change the objects ``value``
    holds in place: nothing for an array (the objects are its own memory);
    for a list, tuple or dict, whose items other names may hold (in Python
    they would see the change; the derivative works on copies), refused
    unless the caller's code has no such name (``alone``) and no two of its
    arrays share memory (a write into one would change the other)."""
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple, dict)):
        return
    if alone and not _held_twice(_array_leaves(value)):
        return
    error = UnsupportedSyntax(
        f"`{statement}`: {writer}(...) may change in place the arrays a "
        f"{type(value).__name__} it is given holds, which other names may hold "
        f"too; the derivative of {writer} works on copies of them",
        f"have {writer} put new arrays into the {type(value).__name__} "
        "(items[0] = items[0] * 2.0) rather than change them in place",
    )
    error.statement = str(statement)
    raise error
