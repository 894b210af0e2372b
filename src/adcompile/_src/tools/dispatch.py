"""Calls that go through a dispatcher in a built module (see ``callees``).

``sites(text, name, kind, function)`` finds the calls of a dispatcher in
emitted text, with the callee's expression and the arguments that carry a
derivative; ``passed_functions`` and ``methods`` are the functions such a
call can reach as far as the source tells; ``call_location`` points at the
call in the user's source. The dispatchers' own code is ``VJP_CALL`` and
``JVP_CALL``: it needs nothing but the module's ``AdcompileError``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from adcompile._src.errors import Location
from adcompile._src.read.calls import python_callable
from adcompile._src.read.source import visible_names

# a dispatcher table's entry: function, wrt, derivative's name, tangent names
Row = tuple[Any, tuple, str, tuple[str, ...]]


@dataclass
class Site:
    """A call that goes through a dispatcher: in ``function``, of the
    expression ``callee`` (a local name or ``local.attr``), wrt ``wrt``."""

    kind: str  # "pullback" or "jvp"
    function: types.FunctionType
    callee: str
    wrt: tuple[Any, ...]
    entries: list[Row] = field(default_factory=list)


DISPATCH = {"pullback": "vjp_call", "jvp": "jvp_call"}

VJP_CALL = '''\
def {name}(callee, wrt, *args, **kwargs):
    """(value, pullback) of a call into a function known only at run time,
    among those this module was built with."""
    function = getattr(callee, "__func__", callee)
    bound = () if function is callee else (callee.__self__,)
    wrt = tuple(w + len(bound) if isinstance(w, int) else w for w in wrt)
    pullback = {table}.get((function, wrt))
    if pullback is None:
        raise AdcompileError(
            f"no derivative of {{getattr(callee, '__qualname__', callee)!r}} "
            f"with respect to {{wrt}} was built into this module",
            "only the functions the source passes to it are built in: build "
            "again after passing the function by name in the module",
        )
    return pullback(*bound, *args, **kwargs)
'''

JVP_CALL = '''\
def {name}(callee, args, tangents, kwargs=None, kwarg_tangents=None):
    """(value, tangent) of a call into a user function, by the tangent
    function this module was built with for it."""
    kwargs = kwargs or {{}}
    kwarg_tangents = kwarg_tangents or {{}}
    function = getattr(callee, "__func__", callee)
    bound = () if function is callee else (callee.__self__,)
    wrt = tuple(i + len(bound) for i, t in enumerate(tangents) if t is not None)
    wrt += tuple(k for k, t in kwarg_tangents.items() if t is not None)
    entry = {table}.get((function, wrt))
    if entry is None:
        raise AdcompileError(
            f"no tangent function of {{getattr(callee, '__qualname__', callee)!r}} "
            f"with respect to {{wrt}} was built into this module",
            "only the functions the source calls or passes by name are built "
            "in: build again after passing the function by name in the module",
        )
    tangent_function, names = entry
    given = [t for t in tangents if t is not None]
    given += [t for t in kwarg_tangents.values() if t is not None]
    return tangent_function(*bound, *args, **kwargs, **dict(zip(names, given)))
'''


def sites(text: str, name: str, kind: str, function: types.FunctionType) -> list[Site]:
    """The calls of the dispatcher ``name`` in ``text``: callee and wrt."""
    sites = []
    for node in ast.walk(ast.parse(text)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == name
        ):
            continue
        callee = ast.unparse(node.args[0])
        if kind == "pullback":
            wrt = tuple(ast.literal_eval(node.args[1]))
        else:
            tangents = node.args[2]
            assert isinstance(tangents, ast.Tuple)
            wrt = tuple(
                i
                for i, t in enumerate(tangents.elts)
                if not (isinstance(t, ast.Constant) and t.value is None)
            )
            if len(node.args) > 4 and isinstance(node.args[4], ast.Dict):
                keyed = zip(node.args[4].keys, node.args[4].values, strict=True)
                wrt += tuple(
                    ast.literal_eval(k)
                    for k, v in keyed
                    if k is not None
                    and not (isinstance(v, ast.Constant) and v.value is None)
                )
        sites.append(Site(kind, function, callee, wrt))
    return sites


def local_names(function: types.FunctionType) -> set[str]:
    code = function.__code__
    return set(code.co_varnames) | set(code.co_cellvars)


def passed_functions(function: types.FunctionType) -> list[types.FunctionType]:
    """User functions ``function``'s source names other than as a callee."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    scope = visible_names(function)
    local = local_names(function)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and id(node) not in called
            and node.id not in local
        ):
            value = scope.get(node.id)
            if isinstance(value, types.FunctionType) and python_callable(value):
                found.append(value)
    return found


def methods(
    modules: Iterable[dict[str, Any]], attribute: str
) -> list[types.FunctionType]:
    """The methods called ``attribute`` of the classes the modules define."""
    found = []
    for namespace in modules:
        for value in list(namespace.values()):
            if not isinstance(value, type) or value.__module__ != namespace.get(
                "__name__"
            ):
                continue
            method = vars(value).get(attribute)
            if isinstance(method, types.FunctionType) and method not in found:
                found.append(method)
    return found


def definition(function: types.FunctionType) -> Location | None:
    try:
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return None
    return Location(function.__code__.co_filename, first, 0, lines[0])


def call_location(function: types.FunctionType, callee: str) -> Location | None:
    """Where ``function`` calls ``callee`` (the first such call)."""
    try:
        lines, first = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return definition(function)
    indent = len(lines[0]) - len(lines[0].lstrip())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == callee:
            line = first + node.lineno - 1
            return Location(
                function.__code__.co_filename,
                line,
                node.col_offset + indent,
                lines[node.lineno - 1],
                len(callee),
            )
    return definition(function)
