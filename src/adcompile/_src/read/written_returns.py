"""A function that writes into its parameters, read with their final
objects returned after its result.

``h(a, b)`` that writes into ``a`` in place (``a[0] = b``, ``a *= b``,
``a.append(b)``) changes its caller's array. A caller that reads that array
again needs the write and its derivative, which h's own derivative code
never hands back (it works on values, not on the caller's objects). The
*variant* of h returning ``a`` is h read as if every ``return e`` were
``return (e, a)`` (and falling off its end, ``return (None, a)``): a plain
function of values again, whose derivative gives the written array's
values with the result, so that the caller rebinds its name to them.

The variant is a function object of its own, sharing h's code, globals,
closure and defaults (every name h reads denotes what it denotes for h),
marked with the parameters it returns; ``read_function`` reads it as h's
source with its returns rebuilt (each new node reported as ``moved`` from
the user's return, so errors point at h's lines). A call binding names it
``h@returning:a`` (``spec``), which ``resolve`` turns back into the
variant where the derivative code is linked.

Invariant: each ``a`` a return reads is the object the caller passed. A
parameter h never rebinds (``rebound``: no assignment, loop, ``with``,
``del``, import or definition binds the name anywhere in h) is that object
everywhere. One that a statement of h's own body rebinds first (a line
``a = a - v`` after ``a[0] = e``, or a loop or branch rebinding it inside;
no earlier statement binds it, and the statement holds no return) is kept
under a name of its own just before that statement (``captured``: ``a_given
= a``), which the returns after it read: the object holds every write made
into it before, and any made after through ``a`` while it is still that
object, or through a view of it (which the derivative's checks refuse:
``a_given``, read at the return, is the same object). Any other rebinding
keeps the call from being written back. An augmented assignment
``a += v`` keeps the object for an array or list, but rebinds a number:
``augmented`` names those parameters, for which the caller decides as the
code runs (``written_back``).
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import types
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import libcst as cst

from adcompile._src.read import source as sources
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import bound_names, chain_base
from adcompile._src.syntax.tree import walk

_MARK = "__adcompile_returns_written__"
_SEPARATOR = "@returning:"
_lock = threading.Lock()
_variants: weakref.WeakKeyDictionary[types.FunctionType, dict] = (
    weakref.WeakKeyDictionary()
)


def returning_written(
    function: types.FunctionType, params: tuple[str, ...]
) -> types.FunctionType:
    """The variant of ``function`` that returns its parameters ``params``
    after its result (one object per function and parameters)."""
    with _lock:
        per_function = _variants.setdefault(function, {})
        variant = per_function.get(params)
        if variant is None:
            variant = types.FunctionType(
                function.__code__,
                function.__globals__,
                function.__name__,
                function.__defaults__,
                function.__closure__,
            )
            variant.__kwdefaults__ = function.__kwdefaults__
            variant.__qualname__ = function.__qualname__
            variant.__module__ = function.__module__
            setattr(variant, _MARK, params)
            per_function[params] = variant
        return variant


def written_returned(function: Any) -> tuple[str, ...]:
    """The parameters a variant returns (none for any other function)."""
    return getattr(function, _MARK, ())


def spec(dotted: str, params: tuple[str, ...]) -> str:
    """How a call binding names the variant of the function ``dotted``."""
    return f"{dotted}{_SEPARATOR}{','.join(params)}" if params else dotted


def resolve(scope: dict[str, Any], name: str) -> Any:
    """The object a call binding's name denotes in ``scope``: a dotted
    name (``sources.resolve_dotted``), or a variant's ``spec``."""
    dotted, _, params = name.partition(_SEPARATOR)
    target = sources.resolve_dotted(scope, dotted)
    if not params:
        return target
    return returning_written(target, tuple(params.split(",")))


def read_function(f: Any) -> FunctionSource:
    """``sources.read_function``, with a variant's returns rebuilt."""
    source = sources.read_function(f)
    params = written_returned(source.function)
    if not params:
        return source
    given = captured(source.definition, params)
    kept = {name: param for param, (_, name) in given.items()}
    rebuilt = dataclasses.replace(source, _code={}, _made_from={}, kept_as_given=kept)
    definition = _returning_captured(rebuilt, source.definition, params)
    if not _always_exits(_statements(definition.body)):
        final = tuple(given[p][1] if p in given else p for p in params)
        definition = _with_final_return(rebuilt, definition, final)
    rebuilt.definition = definition
    return rebuilt


def captured(
    definition: cst.FunctionDef, params: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Those of ``params`` that ``definition`` rebinds first in a statement
    of its own body that holds no return (a line, or a loop or branch that
    rebinds it somewhere inside), no earlier statement binding them: the
    statement's position, and the name the caller's object is kept under
    from there on (``a_given``, a name h uses nowhere)."""
    wanted = rebound(definition, params)
    if not wanted or not isinstance(definition.body, cst.IndentedBlock):
        return {}
    taken = {n.value for n in walk(definition) if isinstance(n, cst.Name)}
    found: dict[str, tuple[int, str]] = {}
    for position, statement in enumerate(definition.body.body):
        binds = rebound(_alone(statement), wanted - set(found))
        if not binds:
            continue
        returns = any(isinstance(node, cst.Return) for node in walk(statement))
        for param in sorted(binds):
            if not returns:
                name = f"{param}_given"
                while name in taken:
                    name += "_"
                taken.add(name)
                found[param] = (position, name)
            wanted.discard(param)  # (bound first elsewhere: not captured)
        if not wanted - set(found):
            break
    return found


def _alone(statement: cst.BaseStatement) -> cst.FunctionDef:
    """``statement`` as the body of a function, for ``rebound``."""
    return cst.FunctionDef(
        cst.Name("_"), cst.Parameters(), cst.IndentedBlock([statement])
    )


def _returning_captured(
    source: FunctionSource, definition: cst.FunctionDef, params: tuple[str, ...]
) -> cst.FunctionDef:
    """``definition`` with every return of its own returning ``params``
    after its value, each as the object the caller passed (``captured``)."""
    given = captured(definition, params)
    if not given:
        rebuilt = definition.visit(_Returning(source, params))
        assert isinstance(rebuilt, cst.FunctionDef)
        return rebuilt
    assert isinstance(definition.body, cst.IndentedBlock)
    body: list[cst.BaseStatement] = []
    for position, statement in enumerate(definition.body.body):
        for param, (where, name) in sorted(given.items()):
            if where == position:
                keep = cst.parse_statement(f"{name} = {param}")
                source.moved(keep, statement)
                for node in walk(keep):
                    source.moved(node, statement)
                body.append(keep)
        names = tuple(
            given[p][1] if p in given and given[p][0] < position else p for p in params
        )
        visited = statement.visit(_Returning(source, names, depth=1))
        assert isinstance(visited, cst.BaseStatement)
        body.append(visited)
    new_body = definition.body.with_changes(body=body)
    source.moved(new_body, definition.body)
    rebuilt = definition.with_changes(body=new_body)
    source.moved(rebuilt, definition)
    return rebuilt


_read: weakref.WeakKeyDictionary[types.FunctionType, FunctionSource] = (
    weakref.WeakKeyDictionary()
)


def read_once(function: types.FunctionType) -> FunctionSource:
    """``read_function`` of a plain function, parsed once per function
    object, for the passes that only read its definition (a caller's
    lowering asks for each call it makes)."""
    with _lock:
        source = _read.get(function)
    if source is None:
        source = read_function(function)
        with _lock:
            _read[function] = source
    return source


def rebound(definition: cst.FunctionDef, params: Iterable[str]) -> set[str]:
    """Those of ``params`` that a statement of ``definition`` (or of a
    function defined in it) binds, other than by an augmented assignment."""
    wanted = set(params)
    found: set[str] = set()
    for node in walk(definition.body):
        targets: list[cst.CSTNode] = []
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.For, cst.CompFor)):
            targets = [node.target]
        elif isinstance(node, (cst.NamedExpr, cst.AsName)):
            targets = [node.target if isinstance(node, cst.NamedExpr) else node.name]
        elif isinstance(node, cst.Del):
            targets = [node.target]
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            targets = [node.name]
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            targets = [n.name for n in node.names]
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            targets = [node.name]  # (import a.b binds a: an Attribute, ignored)
        found.update(
            n for target in targets for n in bound_names(target) if n in wanted
        )
    return found


def augmented(definition: cst.FunctionDef, params: Iterable[str]) -> set[str]:
    """Those of ``params`` that an augmented assignment of the name itself
    writes (``a *= 2``): in place for an array or list, a new value for a
    number."""
    wanted = set(params)
    return {
        node.target.value
        for node in walk(definition.body)
        if isinstance(node, cst.AugAssign)
        and isinstance(node.target, cst.Name)
        and node.target.value in wanted
    }


def arguments_to(
    call: cst.Call, function: Any, params: Iterable[str]
) -> list[cst.BaseExpression] | None:
    """The arguments ``call`` gives ``function``'s parameters ``params``
    (None where that is not known: starred arguments, no signature)."""
    if any(a.star for a in call.args):
        return None
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return None
    wanted = set(params)
    found = []
    for position, arg in enumerate(call.args):
        if arg.keyword is not None:
            param = arg.keyword.value
        elif position < len(names):
            param = names[position]
        else:
            return None
        if param in wanted:
            found.append(arg.value)
    return found


def item_writes(
    definition: cst.FunctionDef,
    params: Iterable[str],
    writes_nothing: Callable[[cst.Call], bool] = lambda call: False,
    parts: Iterable[tuple[str, str]] = (),
) -> set[str]:
    """Those of ``params`` whose items ``definition`` may change in place
    (``a[0] *= 2``, ``a[0][1] = v``, ``a[0].fill(v)``, ``g(a[0])``): for an
    array, a write into its own memory; for a list, tuple or dict, a write
    into an object it holds, which other names may hold too. A call that
    ``writes_nothing`` says changes nothing it is given counts for none.
    ``parts``: local names that hold a part of a parameter (``u, v = a``),
    any write through which is one into an item of it."""
    wanted = set(params)
    of = {name: param for name, param in parts if param in wanted}
    found: set[str] = set()

    def through(node: cst.BaseExpression, depth: int) -> set[str]:
        items = _item_base(node, depth) & wanted
        base, _ = chain_base(node)
        if isinstance(base, cst.Name) and base.value in of:
            items.add(of[base.value])
        return items

    for node in walk(definition.body):
        if isinstance(node, cst.AugAssign):
            found.update(through(node.target, 1))
        elif isinstance(node, cst.AssignTarget):
            if not isinstance(node.target, cst.Name):  # (a name is rebound)
                found.update(through(node.target, 2))
        elif isinstance(node, cst.Call) and not writes_nothing(node):
            func = node.func
            if isinstance(func, cst.Attribute):
                found.update(through(func.value, 1))
            for arg in node.args:
                found.update(through(arg.value, 1))
    return found


def _item_base(node: cst.BaseExpression, depth: int) -> set[str]:
    """``{a}`` for ``a`` reached through at least ``depth`` subscripts or
    attributes (``a[0]``, ``a.w[1]``), else nothing."""
    base, links = chain_base(node)
    return {base.value} if isinstance(base, cst.Name) and links >= depth else set()


class _Returning(cst.CSTTransformer):
    """Every ``return e`` of the function itself (not of a function or
    lambda defined in it) made ``return (e, a, ...)``."""

    def __init__(
        self, source: FunctionSource, params: tuple[str, ...], depth: int = 0
    ) -> None:
        super().__init__()
        self.source = source
        self.params = params
        self.depth = depth  # (1: visiting the function's own statements)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.depth -= 1
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Return(
        self, original_node: cst.Return, updated_node: cst.Return
    ) -> cst.Return:
        return _returning(self.source, updated_node, self.params, original_node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result = super().on_leave(original_node, updated_node)
        if isinstance(result, cst.CSTNode):  # errors still find the user's line
            self.source.moved(result, original_node)
        return result


def _returning(
    source: FunctionSource,
    statement: cst.Return,
    params: tuple[str, ...],
    at: cst.CSTNode,
) -> cst.Return:
    """``return (value, a, ...)`` standing where ``at`` stands."""
    value = statement.value
    if value is None:
        value = cst.Name("None")
        source.moved(value, at)
    elif isinstance(value, cst.Tuple) and not value.lpar:
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        source.moved(value, statement.value)
    items = [cst.Element(value)]
    for param in params:
        name = cst.Name(param)
        source.moved(name, at)
        items.append(cst.Element(name))
    returned = cst.Tuple(items)
    source.moved(returned, at)
    rebuilt = statement.with_changes(
        value=returned, whitespace_after_return=cst.SimpleWhitespace(" ")
    )
    source.moved(rebuilt, at)
    return rebuilt


def _with_final_return(
    source: FunctionSource, definition: cst.FunctionDef, params: tuple[str, ...]
) -> cst.FunctionDef:
    """``definition`` with ``return (None, a, ...)`` after its last
    statement, standing where the definition stands."""
    final = _returning(source, cst.Return(), params, definition)
    body = definition.body
    if isinstance(body, cst.IndentedBlock):
        line = cst.SimpleStatementLine([final])
        source.moved(line, definition)
        new_body: cst.BaseSuite = body.with_changes(body=[*body.body, line])
    else:
        assert isinstance(body, cst.SimpleStatementSuite)
        new_body = body.with_changes(body=[*body.body, final])
    source.moved(new_body, body)
    rebuilt = definition.with_changes(body=new_body)
    source.moved(rebuilt, definition)
    return rebuilt


def _statements(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    """The statements of a block, small statements of a line one by one."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return list(suite.body)
    found: list[cst.CSTNode] = []
    for statement in suite.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
        else:
            found.append(statement)
    return found


def _always_exits(statements: list[cst.CSTNode]) -> bool:
    """Whether running ``statements`` always ends in a return or a raise
    (as far as the statements themselves tell: a loop may not run)."""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (cst.Return, cst.Raise)):
        return True
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        other = [orelse] if isinstance(orelse, cst.If) else _statements(orelse.body)
        return _always_exits(_statements(last.body)) and _always_exits(other)
    if isinstance(last, cst.With):
        return _always_exits(_statements(last.body))
    return False
