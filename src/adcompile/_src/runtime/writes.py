"""Runtime helpers for values a function writes into in place: private
copies of what a callee or the function itself writes into, snapshots of
values read later, and the caller's array given the function's final values
(numpy only). The checks that no other name sees a write are ``apart``'s."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import numpy as np

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.runtime.support import is_struct, struct_fields


def snapshot(x: Any) -> Any:
    """The values of an argument as they are now, for a helper's derivative
    to read after the function has written into the argument in place (or
    for a callee that may write into it, ``private_copy``): a copy of an
    array, and of the arrays in a list, tuple, named tuple, dict or
    dataclass (other objects as they are)."""
    if isinstance(x, np.ndarray):  # (in its own memory layout: what reads
        return x.copy(order="K")  # it computes as it would on x, bit for bit)
    if type(x) in (list, tuple):
        return type(x)(snapshot(v) for v in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(snapshot(v) for v in x))
    if type(x) is dict:
        return {k: snapshot(v) for k, v in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        fields = {f.name: snapshot(getattr(x, f.name)) for f in dataclasses.fields(x)}
        try:  # (a field set in __post_init__ only: the object as it is)
            return dataclasses.replace(
                x, **{k: v for k, v in fields.items() if _in_init(x, k)}
            )
        except (TypeError, ValueError):
            return x
    return x


def _in_init(x: Any, name: str) -> bool:
    return any(f.name == name and f.init for f in dataclasses.fields(x))


def copy_of_view(view: Any, base: Any, statement: Any = "") -> Any:
    """A copy of ``view``, an array read from ``base`` by a basic index
    (``view = base[1:]``), about to be written in place: the write goes into
    the copy, and the copy into ``base[1:]``, as Python's write through the
    view would. Refused if ``view`` does not see ``base``'s memory (``base``
    a list, or the index one that copies): the write would not reach it."""
    if not (
        isinstance(view, np.ndarray)
        and isinstance(base, np.ndarray)  # (numpy's views name the owner)
        and view.base is (base if base.base is None else base.base)
    ):
        error = UnsupportedSyntax(
            f"`{statement}` writes into a value read from a "
            f"{type(base).__name__} that is not a view of it (a list's slice, "
            "or an index that copies)",
            "write into a copy made with .copy(), or into the array itself",
        )
        error.statement = str(statement)
        raise error
    return view.copy()


def written_back(given: Any, final: Any) -> Any:
    """What a caller's name holds after a call that wrote into the
    parameter it was given by an augmented assignment of the name itself
    (``a *= 2``): for an array, a list or a dict, the object changed in
    place (``final``, the parameter's value at the callee's return); for a
    number, which that assignment rebinds inside the callee only, the value
    it had (``given``)."""
    return final if changed_in_place(given) else given


def written_into(function: Any, params: tuple, *args: Any, **kwargs: Any) -> Any:
    """``(function(*args, **kwargs), a, ...)`` run on private copies of the
    arguments given to the parameters ``params`` (``snapshot``), which it
    writes into, each copy after the result: a call of the function's
    variant returning those parameters (``written_returns``), as plain
    code, which leaves the arguments as they were."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    for param in params:
        bound.arguments[param] = snapshot(bound.arguments[param])
    result = function(*bound.args, **bound.kwargs)
    return (result, *(bound.arguments[param] for param in params))


def changed_in_place(value: Any) -> bool:
    """Whether ``value op= v`` changes ``value`` itself (not a new value)."""
    return isinstance(value, (np.ndarray, list, dict))


def write_back(caller: Any, final: Any) -> None:
    """Leave the caller's array, list or dict as the function left it, after it
    wrote into its parameter in place (a tuple's items, and the arrays an
    object's fields hold, each so; nothing to do for immutable values)."""
    if final is caller:
        return
    if is_struct(caller) and not isinstance(caller, tuple):
        if type(final) is type(caller):  # (the objects its fields hold)
            for key, left in struct_fields(final).items():
                write_back(getattr(caller, key, None), left)
        return
    if isinstance(caller, np.ndarray):
        caller[...] = final
    elif isinstance(caller, list):
        caller[:] = final
    elif isinstance(caller, dict):
        caller.clear()
        caller.update(final)
    elif isinstance(caller, tuple) and isinstance(final, tuple):
        for given, left in zip(caller, final, strict=True):  # (its items: a
            write_back(given, left)  # tuple itself never changes)
