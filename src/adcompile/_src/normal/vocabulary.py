"""What expression lowering knows about Python and numpy by name: binary
operators, array methods and attributes and the functions they stand for,
and which functions always return a new array."""

from __future__ import annotations

import operator
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src import runtime
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.rules import registry
from adcompile._src.rules.registry import BROADCAST, REDUCE, SAME, SCALAR

BINARY = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.Power: operator.pow,
    cst.MatrixMultiply: operator.matmul,
    cst.Modulo: operator.mod,
    cst.FloorDivide: operator.floordiv,
    cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_,
    cst.BitXor: operator.xor,
}
NONDIFF_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes"})
NONDIFF_METHODS = frozenset(
    {"argmax", "argmin", "argsort", "nonzero", "any", "all", "__len__"}
    | {"keys"}  # a dict's keys carry no derivative
)
# method name -> (numpy function, whether extra positional arguments are packed
# into one tuple, as ``x.reshape(2, 3)`` means ``np.reshape(x, (2, 3))``)
METHODS: dict[str, tuple[Any, bool]] = {
    "sum": (np.sum, False),
    "mean": (np.mean, False),
    "max": (np.max, False),
    "min": (np.min, False),
    "prod": (np.prod, False),
    "dot": (np.dot, False),
    "ravel": (np.ravel, False),
    "flatten": (np.ravel, False),
    "copy": (runtime.copy_of, False),
    "squeeze": (np.squeeze, False),
    "clip": (np.clip, False),
    "reshape": (np.reshape, True),
    "transpose": (np.transpose, True),
    "var": (np.var, False),
    "std": (np.std, False),
    "ptp": (np.ptp, False),
    "cumsum": (np.cumsum, False),
    "cumprod": (np.cumprod, False),
    "trace": (np.trace, False),
    "diagonal": (np.diagonal, False),
    "swapaxes": (np.swapaxes, False),
    "repeat": (np.repeat, False),
    "take": (np.take, False),
    "conj": (np.conj, False),
    "conjugate": (np.conj, False),
    "round": (np.round, False),
    "astype": (runtime.as_type, False),
    "item": (runtime.item_of, False),
}
ATTRIBUTES = {"T": np.transpose, "mT": np.linalg.matrix_transpose, "real": np.real}
VIEW_FREE_SHAPES = frozenset({SAME, BROADCAST, SCALAR, REDUCE})
# functions whose result is always a new array, shared with nothing
NEW_ARRAY_FUNCTIONS = frozenset(
    id(f)
    for f in (
        np.zeros,
        np.ones,
        np.empty,
        np.full,
        np.zeros_like,
        np.ones_like,
        np.empty_like,
        np.full_like,
        np.array,
        np.copy,
        np.arange,
        np.linspace,
        np.eye,
        np.identity,
        np.concatenate,
        np.stack,
        np.hstack,
        np.vstack,
        np.tile,
        np.repeat,
        np.outer,
        np.matmul,
        np.dot,
        operator.matmul,  # a @ b
        # a caller's name after a callee's ``a op= v``: the callee's final
        # array (a part of its result apart from the rest), or a number
        runtime.HELPERS["written_back"],
    )
)

# numpy functions that write into an array they are given
_WRITING_FUNCTIONS = frozenset(
    id(f)
    for f in (
        np.fill_diagonal,
        np.copyto,
        np.put,
        np.place,
        np.putmask,
        np.put_along_axis,
    )
)


def writes_into_an_argument(callee: object) -> bool:
    """Whether ``callee`` is a numpy function that writes into an array it
    is given (``np.fill_diagonal``, ``np.copyto``, a ufunc's ``.at``...)."""
    if id(callee) in _WRITING_FUNCTIONS:
        return True
    owner = getattr(callee, "__self__", None)
    return isinstance(owner, np.ufunc) and getattr(callee, "__name__", "") == "at"


def written_argument(
    call: cst.Call, source: FunctionSource
) -> cst.BaseExpression | None:
    """The array a call of one of numpy's writers (``writes_into_an_argument``)
    writes into: its first argument, given by position; None for any other
    call (or one whose first argument is not given by position)."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    callee = resolve_callee(source, call.func, {}, strict=False)
    return call.args[0].value if writes_into_an_argument(callee) else None


# code that may run after the function returns, or change what it cannot see
RUNS_LATER = (cst.Global, cst.Nonlocal, cst.ClassDef, cst.FunctionDef, cst.Lambda)

# methods that change a list, dict or set in place
CONTAINER_CHANGES = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "reverse"}
    | {"update", "setdefault", "popitem", "add", "discard"}
)
IN_PLACE_METHODS = frozenset(
    {"sort", "partition", "fill", "resize", "put", "itemset", "setfield"}
    | {"__setitem__", "__delitem__", "__iadd__", "__isub__", "__imul__"}
    | {"__itruediv__", "__ifloordiv__", "__ipow__", "__imatmul__", "__imod__"}
)


# methods that change their object (lists, dicts, sets, arrays)
MUTATING_METHODS = CONTAINER_CHANGES | IN_PLACE_METHODS | {"setflags", "byteswap"}
# array methods that return a new array (not a view of their object)
NEW_VALUE_METHODS = frozenset(
    {"copy", "sum", "mean", "prod", "max", "min", "std", "var", "dot", "cumsum"}
    | {"cumprod", "round", "clip", "astype", "trace", "all", "any", "argmax"}
    | {"argmin", "argsort", "nonzero", "tolist", "item", "conj", "__len__"}
)
# array and container methods that change nothing (their result may be a view)
VIEW_METHODS = frozenset(
    {"reshape", "ravel", "flatten", "transpose", "squeeze", "view", "swapaxes"}
    | {"keys", "values", "items", "get", "index", "count"}
)
# builtins whose result shares nothing with their arguments
NEW_VALUE_BUILTINS = frozenset(
    {float, int, bool, len, abs, round, sum, max, min, range, complex, str}
)
SAFE_BUILTINS = NEW_VALUE_BUILTINS | {
    print,
    isinstance,
    enumerate,
    zip,
    reversed,
    sorted,
    list,
    tuple,
    dict,
    any,
    all,
    iter,
    next,
    type,
    repr,
    hash,
    id,
}


def rule_of(callee: Any) -> Any:
    """The derivative rule (a ``Primitive``) of a library function, or None."""
    try:
        return registry.lookup(callee)
    except TypeError:  # (an object that cannot be looked up)
        return None


def is_numpy_callable(callee: Any) -> bool:
    module = getattr(callee, "__module__", None) or ""
    return isinstance(callee, np.ufunc) or module.split(".")[0] == "numpy"


def gives_out(call: cst.Call) -> bool:
    """Whether ``call`` is given ``out=``: it writes into that array."""
    return any(a.keyword is not None and a.keyword.value == "out" for a in call.args)
