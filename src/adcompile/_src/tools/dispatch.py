"""Calls that go through a dispatcher in a built module (see ``callees``).

``sites(text, name, kind, function)`` finds the calls of a dispatcher in
emitted text, with the callee's expression and the arguments that carry a
derivative; ``passed_functions`` and ``methods`` are the functions such a
call can reach as far as the source tells; ``call_location`` points at the
call in the user's source. The dispatchers' own code is ``VJP_CALL``,
``JVP_CALL`` and ``APPLY_CALL``: it needs nothing but the module's
``AdcompileError``.

``APPLY_CALL`` serves Hessian-vector products: the tangent program of
gradient code that applies a callee's vector-Jacobian product
(``apply_g(cotangent, *args)``, or ``apply_call(g, wrt, cotangent, *args)``
for a callee known at run time) calls ``jvp_call(apply_g, ...)``, which in
process compiles the tangent program of ``g``'s ``apply`` code.
``applied_calls`` rewrites those calls into calls of the module's
``APPLY_CALL`` with the callee's expression and wrt, whose table holds the
tangent programs of the callees' ``apply`` code built ahead of time.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import itertools
import linecache
import symtable
import textwrap
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from adcompile._src.errors import Location
from adcompile._src.read.calls import python_callable
from adcompile._src.read.source import visible_names

# a dispatcher table's entry: the function, the rest of its key (wrt, and
# for APPLY_CALL which tangents are given), and the text of its value
Row = tuple[Any, tuple, str]


@dataclass
class Site:
    """A call that goes through a dispatcher: in ``function``, of the
    expression ``callee`` (a local name or ``local.attr``), wrt ``wrt``."""

    kind: str  # "pullback", "jvp" or "apply"
    function: types.FunctionType
    callee: str
    wrt: tuple[Any, ...]
    entries: list[Row] = field(default_factory=list)
    # apply: the arguments after the cotangent that carry a tangent
    # (positions and keywords), and whether the cotangent does
    given: tuple[Any, ...] = ()
    seeded: bool = False
    # jvp: the parameters the callee's variant returns after its result
    # (``read.written_returns``; the call's ``written=``)
    written: tuple[str, ...] = ()


DISPATCH = {"pullback": "vjp_call", "jvp": "jvp_call", "apply": "jvp_apply_call"}

# The function a callee runs and the arguments bound before the caller's,
# as ``read.calls.bind_target`` finds them in process.
_TARGET = """\
    function = getattr(callee, "__func__", None)
    if function is not None:  # a bound method
        bound = (callee.__self__,)
    elif hasattr(callee, "__code__"):  # a function
        function, bound = callee, ()
    else:  # a callable object
        function, bound = type(callee).__call__, (callee,)"""

VJP_CALL = '''\
def {name}(callee, wrt, *args, **kwargs):
    """(value, pullback) of a call into a function known only at run time,
    among those this module was built with."""
{target}
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
def {name}(callee, args, tangents, kwargs=None, kwarg_tangents=None, written=()):
    """(value, tangent) of a call into a user function, by the tangent
    function this module was built with for it (``written``: of its variant
    returning those parameters, which it writes into, after its result)."""
    kwargs = kwargs or {{}}
    kwarg_tangents = kwarg_tangents or {{}}
{target}
    wrt = tuple(i + len(bound) for i, t in enumerate(tangents) if t is not None)
    wrt += tuple(k for k, t in kwarg_tangents.items() if t is not None)
    entry = {table}.get((function, wrt, written))
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

APPLY_CALL = '''\
def {name}(callee, wrt, args, tangents, kwargs=None, kwarg_tangents=None):
    """(value, tangent) of the vector-Jacobian product of a user function
    with respect to ``wrt`` at ``args[1:]`` applied to the cotangent
    ``args[0]``, by the tangent function of its gradient code this module
    was built with."""
    kwargs = kwargs or {{}}
    kwarg_tangents = kwarg_tangents or {{}}
{target}
    wrt = tuple(w + len(bound) if isinstance(w, int) else w for w in wrt)
    cotangent, args = args[0], args[1:]
    dcotangent, tangents = tangents[0], tangents[1:]
    given = tuple(i + len(bound) for i, t in enumerate(tangents) if t is not None)
    given += tuple(k for k, t in kwarg_tangents.items() if t is not None)
    entry = {table}.get((function, wrt, given, dcotangent is not None))
    if entry is None:
        raise AdcompileError(
            "no tangent function of the gradient of "
            f"{{getattr(callee, '__qualname__', callee)!r}} with respect to {{wrt}}, "
            f"with tangents of {{given}}, was built into this module",
            "only the functions the source calls or passes by name are built "
            "in: build again after passing the function by name in the module",
        )
    tangent_function, seed, names = entry
    values = [t for t in tangents if t is not None]
    values += [t for t in kwarg_tangents.values() if t is not None]
    values += [] if dcotangent is None else [dcotangent]
    return tangent_function(
        *bound, *args, **kwargs, **{{seed: cotangent}}, **dict(zip(names, values))
    )
'''

TEMPLATES = {"pullback": VJP_CALL, "jvp": JVP_CALL, "apply": APPLY_CALL}


def dispatcher_text(kind: str, name: str, table: str) -> str:
    """The code of the dispatcher ``name`` of ``kind``, reading ``table``."""
    return TEMPLATES[kind].format(name=name, table=table, target=_TARGET)


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
            sites.append(
                Site(kind, function, callee, tuple(ast.literal_eval(node.args[1])))
            )
        elif kind == "jvp":
            wrt = _given(node.args[2], node.args[4] if len(node.args) > 4 else None)
            written = [k.value for k in node.keywords if k.arg == "written"]
            returned = tuple(ast.literal_eval(written[0])) if written else ()
            sites.append(Site(kind, function, callee, wrt, written=returned))
        else:  # apply: callee, wrt, (cotangent, *args), (its tangent, *theirs)
            tangents = node.args[3]
            assert isinstance(tangents, ast.Tuple)
            keyed = node.args[5] if len(node.args) > 5 else None
            given = _given(ast.Tuple(tangents.elts[1:]), keyed)
            seeded = not _none(tangents.elts[0])
            wrt = tuple(ast.literal_eval(node.args[1]))
            sites.append(Site(kind, function, callee, wrt, [], given, seeded))
    return sites


def _given(tangents: ast.expr, keyed: ast.expr | None) -> tuple[Any, ...]:
    """The positions and keywords whose tangent is not a literal None."""
    assert isinstance(tangents, ast.Tuple)
    given: tuple[Any, ...] = tuple(
        i for i, t in enumerate(tangents.elts) if not _none(t)
    )
    if isinstance(keyed, ast.Dict):
        pairs = zip(keyed.keys, keyed.values, strict=True)
        given += tuple(
            ast.literal_eval(k) for k, v in pairs if k is not None and not _none(v)
        )
    return given


def _none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def applied_calls(
    text: str, jvp_name: str, apply_name: str, applies: dict[str, tuple[str, tuple]]
) -> str:
    """``text`` with each ``jvp_name(apply_g, (cotangent, *args), ...)``
    made ``apply_name(g, wrt, (cotangent, *args), ...)``, and each
    ``jvp_name(apply_call, (g, wrt, cotangent, *args), ...)`` made
    ``apply_name(g, wrt, (cotangent, *args), ...)``. ``applies`` maps the
    names of ``apply_g`` to g's dotted name and wrt ("" for ``apply_call``)."""
    tree = cst.parse_module(text)
    return tree.visit(_Applied(jvp_name, apply_name, applies)).code


class _Applied(cst.CSTTransformer):
    def __init__(
        self, jvp_name: str, apply_name: str, applies: dict[str, tuple[str, tuple]]
    ) -> None:
        self.jvp_name, self.apply_name, self.applies = jvp_name, apply_name, applies

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not (
            isinstance(updated.func, cst.Name)
            and updated.func.value == self.jvp_name
            and isinstance(updated.args[0].value, cst.Name)
            and updated.args[0].value.value in self.applies
        ):
            return updated
        callee, wrt = self.applies[updated.args[0].value.value]
        args, rest = updated.args[1:3], updated.args[3:]
        if callee:
            head = [cst.Arg(cst.parse_expression(callee)), cst.Arg(_literal(wrt))]
            return updated.with_changes(
                func=cst.Name(self.apply_name), args=[*head, *args, *rest]
            )
        values, tangents = (arg.value for arg in args)
        assert isinstance(values, cst.Tuple) and isinstance(tangents, cst.Tuple)
        head = [cst.Arg(element.value) for element in values.elements[:2]]
        tails = [
            cst.Arg(cst.Tuple([_element(e) for e in t.elements[2:]]))
            for t in (values, tangents)
        ]
        return updated.with_changes(
            func=cst.Name(self.apply_name), args=[*head, *tails, *rest]
        )


def _literal(value: tuple) -> cst.BaseExpression:
    return cst.parse_expression(repr(value))


def _element(element: cst.BaseElement) -> cst.BaseElement:
    return element.with_changes(comma=cst.MaybeSentinel.DEFAULT)


_local_files = itertools.count()


def local_definition(
    text: str,
    name: str,
    caller: types.FunctionType,
    made: dict[tuple[Any, str], types.FunctionType],
) -> types.FunctionType | None:
    """The function that emitted ``text`` defines as ``name`` inside itself
    (a closure of the user's ``caller``, lifted with the values it reads as
    parameters), as a function of the caller's module whose source
    ``inspect`` reads; None unless there is exactly one such definition,
    without decorators or defaults, reading no name but its own, the
    module's and builtins (then its derivative cannot be built alone).
    ``made`` keeps the functions made, by caller and source: the same
    definition is the same function."""
    tree = ast.parse(text)
    outer = tree.body[0] if tree.body else None
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == name and node is not outer
    ]
    if len(found) != 1 or _bound_otherwise(tree, name, found[0]):
        return None
    node = found[0]
    arguments = node.args
    if node.decorator_list or arguments.defaults or any(arguments.kw_defaults):
        return None
    segment = ast.get_source_segment(text, node, padded=True)
    if segment is None:
        return None
    source = textwrap.dedent(segment) + "\n"
    if (caller, source) in made:
        return made[caller, source]
    filename = f"<adcompile build: {caller.__qualname__}.{name} #{next(_local_files)}>"
    table = symtable.symtable(source, filename, "exec").get_children()[0]
    namespace = caller.__globals__
    if any(
        global_name not in namespace and not hasattr(builtins, global_name)
        for global_name in table.get_globals()
    ):
        return None
    code = compile(source, filename, "exec")
    body = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    function = types.FunctionType(body, namespace, name)
    function.__qualname__ = f"{caller.__qualname__}.{name}"
    made[caller, source] = function
    return function


def _bound_otherwise(tree: ast.Module, name: str, definition: ast.AST) -> bool:
    """Whether ``name`` is given a value in ``tree`` other than by
    ``definition`` (``g = other`` in a branch, a parameter, an import): a
    call of the name may then call something else."""
    for node in ast.walk(tree):
        if node is definition:
            continue
        if isinstance(node, ast.Name) and node.id == name:
            if not isinstance(node.ctx, ast.Load):
                return True
        elif isinstance(node, ast.arg) and node.arg == name:
            return True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name).split(".")[0] == name for a in node.names):
                return True
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
    return False


def direct_calls(text: str, name: str, targets: dict[tuple[str, tuple], str]) -> str:
    """``text`` with each call ``name(callee, wrt, *args)`` whose (callee,
    wrt) ``targets`` maps to a function made ``function(*args)``; the local
    definitions of those callees that nothing reads then are dropped."""
    text = cst.parse_module(text).visit(_Direct(name, targets)).code
    read = {
        node.id
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    unread = {callee for callee, _ in targets} - read
    return cst.parse_module(text).visit(_Drop(unread)).code if unread else text


class _Drop(cst.CSTTransformer):
    """Drops the nested definitions of the names given."""

    def __init__(self, names: set[str]) -> None:
        self.names, self.depth = names, 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.depth -= 1
        if self.depth > 0 and original.name.value in self.names:
            return cst.RemovalSentinel.REMOVE
        return updated


class _Direct(cst.CSTTransformer):
    def __init__(self, name: str, targets: dict[tuple[str, tuple], str]) -> None:
        self.name, self.targets = name, targets

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not (
            isinstance(updated.func, cst.Name)
            and updated.func.value == self.name
            and len(updated.args) >= 2
            and isinstance(updated.args[0].value, cst.Name)
        ):
            return updated
        wrt = ast.literal_eval(cst.Module([]).code_for_node(updated.args[1].value))
        target = self.targets.get((updated.args[0].value.value, tuple(wrt)))
        if target is None:
            return updated
        return updated.with_changes(func=cst.Name(target), args=updated.args[2:])


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
