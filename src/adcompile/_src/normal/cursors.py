"""Iterators read with ``next``: ``it = iter(xs)`` then ``u = next(it)``.

An iterator made by ``iter`` and only ever read by ``next`` is a list and a
position in it. The rewrite makes both plain:

    it = iter(xs)          it_items = list(xs)
                           it_at = 0
    u = next(it)           if it_at >= len(it_items):
                               raise StopIteration
                           u = it_items[it_at]
                           it_at = it_at + 1

after which each item read is an index into a list, whose derivative the
lowering knows, wherever the reads stand (in a loop, a branch).

Invariant: the rewrite reads the same items in the same order as Python, and
raises where Python raises. It is made only where that holds: the iterator's
name is bound once, by that assignment, and every other use of it is a
``next(it)`` that is the whole value of an assignment (not inside a nested
function or a comprehension); and nothing in the function changes in place
the objects the iterable reads after the iterator is made and before its
last ``next`` (Python's iterator would see such a change, the list made at
the start would not).
``list(xs)`` takes the same items a list, tuple or array iterator gives (an
array's rows, a dict's keys).
Otherwise the code is left as it is, and lowering refuses the iterator with
a location.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable

import libcst as cst

from adcompile._src.normal.control_facts import names_bound
from adcompile._src.normal.values import mutated_names
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.syntax.tree import walk


def iterators_as_cursors(
    statements: list[cst.BaseStatement],
    source: FunctionSource,
    fresh: Callable[[str], str],
) -> list[cst.BaseStatement]:
    """The function body with each iterator only read by ``next`` made a
    list and a position (named by ``fresh``), where ``list``, ``len`` and
    ``StopIteration`` are Python's own."""
    made = {
        name: call
        for statement in statements
        for name, call in _made_by_iter(statement, source)
    }
    local = names_bound(statements)
    if not made or any(
        name in local or not _is_builtin(cst.Name(name), source, name)
        for name in ("list", "len", "StopIteration")
    ):
        return statements
    cursors: dict[str, tuple[str, str]] = {}
    for name, call in made.items():
        changed = set().union(
            *(
                mutated_names(n, source)
                for s in _after(statements, call, name)
                for n in walk(s)
            )
        )
        if _only_read_by_next(statements, name, source) and not (
            {n.value for n in walk(call) if isinstance(n, cst.Name)} & changed
        ):
            cursors[name] = (fresh(f"{name}_items"), fresh(f"{name}_at"))
    if not cursors:
        return statements
    return _Rewrite(cursors, source).block(statements)


def _after(
    statements: list[cst.BaseStatement],
    call: cst.Call,
    name: str,
    own: bool = True,
    reads: int | None = None,
) -> list[cst.BaseStatement]:
    """The statements that may run after ``call`` is made and before the
    iterator ``name`` is last read: where the call stands in the function's
    own block, those after it up to the last that reads ``name`` (a change
    after that is one no ``next`` sees); in a branch, all those after it in
    each block that holds it, out to the function's own (``own``: the
    function's block); in a loop, those of its body where every read of
    ``name`` (``reads``, in the function) stands in it, else all of them
    (the loop may run the block again)."""
    if reads is None:
        reads = sum(_reads(s, name) for s in statements)
    for position, statement in enumerate(statements):
        if not any(node is call for node in walk(statement)):
            continue
        if isinstance(statement, cst.SimpleStatementLine):
            if not own:  # (a block in a branch: read after it too, maybe)
                return statements[position + 1 :]
            read_at = [
                later
                for later, other in enumerate(statements)
                if later > position and _reads(other, name)
            ]
            return statements[position + 1 : max(read_at, default=position) + 1]
        if isinstance(statement, (cst.For, cst.While)):
            body = _loop_body(statement, call, name, reads)
            return statements if body is None else _after(body, call, name, True, reads)
        if not isinstance(statement, cst.If):
            return statements  # (a with: all of them)
        inner = next(
            (
                block
                for block in _branch_blocks(statement)
                if any(node is call for s in block for node in walk(s))
            ),
            None,
        )
        if inner is None:  # (in the test)
            return statements
        return [*_after(inner, call, name, False, reads), *statements[position + 1 :]]
    return statements


def _loop_body(
    loop: cst.For | cst.While, call: cst.Call, name: str, reads: int
) -> list[cst.BaseStatement] | None:
    """The statements of ``loop``'s body where ``call`` stands in it and
    all ``reads`` of the iterator ``name`` do too (each trip makes the
    iterator again before reading it: what runs after its last ``next`` of
    a trip is seen by none); None otherwise (the loop may run it all
    again, or the iterator be read after it)."""
    if not isinstance(loop.body, cst.IndentedBlock) or loop.orelse is not None:
        return None
    body = list(loop.body.body)
    if not any(node is call for s in body for node in walk(s)):
        return None  # (in the header)
    return body if sum(_reads(s, name) for s in body) == reads else None


def _reads(node: cst.CSTNode, name: str) -> int:
    """How many times ``node`` names ``name``."""
    return sum(1 for n in walk(node) if isinstance(n, cst.Name) and n.value == name)


def _branch_blocks(statement: cst.If) -> list[list[cst.BaseStatement]]:
    """The statements of each block of an ``if`` (its ``elif``s' too)."""
    blocks: list[list[cst.BaseStatement]] = [list(statement.body.body)]
    orelse = statement.orelse
    if isinstance(orelse, cst.If):
        blocks.extend(_branch_blocks(orelse))
    elif isinstance(orelse, cst.Else):
        blocks.append(list(orelse.body.body))
    return blocks


def _is_builtin(node: cst.BaseExpression, source: FunctionSource, name: str) -> bool:
    """``node`` names Python's own ``name`` (not a module's name for another)."""
    try:
        callee = resolve_callee(source, node, {}, strict=False)
    except Exception:  # (what cannot be resolved is not the builtin)
        return False
    return callee is getattr(builtins, name)


def _single_call(value: cst.BaseExpression, source: FunctionSource, name: str) -> bool:
    """``value`` is ``name(one positional argument)``."""
    return (
        isinstance(value, cst.Call)
        and len(value.args) == 1
        and value.args[0].keyword is None
        and not value.args[0].star
        and _is_builtin(value.func, source, name)
    )


def _made_by_iter(
    statement: cst.CSTNode, source: FunctionSource
) -> list[tuple[str, cst.Call]]:
    found = []
    for node in walk(statement):
        if (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and _single_call(node.value, source, "iter")
        ):
            found.append((node.targets[0].target.value, node.value))
    return found


def _only_read_by_next(
    statements: list[cst.BaseStatement], name: str, source: FunctionSource
) -> bool:
    """``name`` is bound once, by ``name = iter(...)``, and otherwise only
    read as ``x = next(name)``, outside nested functions and comprehensions."""
    allowed: set[int] = set()
    bindings = 0
    nested: set[int] = set()
    names: list[cst.Name] = []
    for statement in statements:
        for node in walk(statement):
            scope = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
            if isinstance(node, (*scope, cst.ListComp, cst.GeneratorExp)):
                nested.update(id(n) for n in walk(node))
            if isinstance(node, cst.Name) and node.value == name:
                names.append(node)
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target, value = node.targets[0].target, node.value
                if isinstance(target, cst.Name) and target.value == name:
                    bindings += 1
                    if _single_call(value, source, "iter"):
                        allowed.add(id(target))
                elif _single_call(value, source, "next"):
                    argument = value.args[0].value
                    if isinstance(argument, cst.Name) and argument.value == name:
                        allowed.add(id(argument))
    return bindings == 1 and all(
        id(n) in allowed and id(n) not in nested for n in names
    )


class _Rewrite:
    def __init__(self, cursors: dict[str, tuple[str, str]], source: FunctionSource):
        self.cursors = cursors
        self.source = source

    def block(self, statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        result: list[cst.BaseStatement] = []
        for statement in statements:
            result.extend(self._statement(statement))
        return result

    def _statement(self, statement: cst.BaseStatement) -> list[cst.BaseStatement]:
        if isinstance(statement, cst.SimpleStatementLine):
            if len(statement.body) == 1 and isinstance(statement.body[0], cst.Assign):
                return self._assignment(statement, statement.body[0])
            return [statement]
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            return [statement]
        changes: dict[str, cst.CSTNode] = {}
        body = getattr(statement, "body", None)
        if isinstance(body, cst.IndentedBlock):
            changes["body"] = body.with_changes(body=self.block(list(body.body)))
        orelse = getattr(statement, "orelse", None)
        if isinstance(orelse, cst.If):
            changes["orelse"] = self._statement(orelse)[0]
        elif isinstance(orelse, cst.Else) and isinstance(
            orelse.body, cst.IndentedBlock
        ):
            inner = orelse.body.with_changes(body=self.block(list(orelse.body.body)))
            changes["orelse"] = orelse.with_changes(body=inner)
        return [statement.with_changes(**changes) if changes else statement]

    def _assignment(
        self, line: cst.SimpleStatementLine, assign: cst.Assign
    ) -> list[cst.BaseStatement]:
        target, value = assign.targets[0].target, assign.value
        if (
            isinstance(target, cst.Name)
            and target.value in self.cursors
            and _single_call(value, self.source, "iter")
        ):
            items, at = self.cursors[target.value]
            assert isinstance(value, cst.Call)
            listed = value.with_changes(func=cst.Name("list"))
            return [
                line.with_changes(
                    body=[
                        assign.with_changes(
                            targets=[cst.AssignTarget(cst.Name(items))], value=listed
                        )
                    ]
                ),
                cst.parse_statement(f"{at} = 0"),
            ]
        if _single_call(value, self.source, "next"):
            assert isinstance(value, cst.Call)
            argument = value.args[0].value
            if isinstance(argument, cst.Name) and argument.value in self.cursors:
                items, at = self.cursors[argument.value]
                item = cst.parse_expression(f"{items}[{at}]")
                return [
                    cst.parse_statement(
                        f"if {at} >= len({items}):\n    raise StopIteration\n"
                    ),
                    line.with_changes(body=[assign.with_changes(value=item)]),
                    cst.parse_statement(f"{at} = {at} + 1"),
                ]
        return [line]
