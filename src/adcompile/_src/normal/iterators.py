"""Iterators kept in a variable and looped over once: ``pairs = zip(a, b)``
then ``for u, v in pairs:`` becomes ``for u, v in zip(a, b):``, which the
loop lowering turns into a loop over indices (iteration.py).

The rewrite moves the call from the assignment to the loop. It is made only
where that changes nothing Python would do: the variable is read by that
one ``for`` and nowhere else in the function (a zip or enumerate object is
used up by one loop, and nothing else may see it), the loop comes later in
the same block (it runs once per assignment), and no statement between them
rebinds a name the call reads; where the call reads more than plain names
(``zip(x * 2.0, b[1:])`` makes its operands when called), no statement
between them mentions those names at all. Otherwise the code is left as it
is, and lowering refuses the iterator with a location.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.normal.control_facts import assigned_names, names_in
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.syntax.tree import walk

ITERATORS = (zip, enumerate)


def inline_stored_iterators(
    statements: list[cst.BaseStatement], source: FunctionSource
) -> list[cst.BaseStatement]:
    """The function body with each iterator that a later loop of its block
    uses up moved into that loop's header."""
    counts: dict[str, int] = {}
    for statement in statements:
        for node in walk(statement):
            if isinstance(node, cst.Name):
                counts[node.value] = counts.get(node.value, 0) + 1
    local = assigned_names(list(statements))
    return _block(statements, source, counts, local)


def _block(
    statements: list[cst.BaseStatement],
    source: FunctionSource,
    counts: dict[str, int],
    local: set[str],
) -> list[cst.BaseStatement]:
    result = [_inner(s, source, counts, local) for s in statements]
    position = 0
    while position < len(result):
        stored = _stored_iterator(result[position], source, local)
        loop = None if stored is None else _loop_over(result, position, stored[0])
        if stored is None or loop is None or counts.get(stored[0]) != 2:
            position += 1
            continue
        name, call = stored
        between = result[position + 1 : loop]
        if not _unchanged_between(call, between):
            position += 1
            continue
        header = result[loop]
        assert isinstance(header, cst.For)
        result[loop] = header.with_changes(iter=call)
        del result[position]
    return result


def _inner(
    statement: cst.BaseStatement,
    source: FunctionSource,
    counts: dict[str, int],
    local: set[str],
) -> cst.BaseStatement:
    """``statement`` with the blocks it holds (not a nested def's) rewritten."""
    if isinstance(statement, (cst.For, cst.While, cst.If)):
        body = statement.body
        if isinstance(body, cst.IndentedBlock):
            inner = _block(list(body.body), source, counts, local)
            statement = statement.with_changes(body=body.with_changes(body=inner))
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            statement = statement.with_changes(
                orelse=_inner(orelse, source, counts, local)
            )
        elif isinstance(orelse, cst.Else) and isinstance(
            orelse.body, cst.IndentedBlock
        ):
            inner = _block(list(orelse.body.body), source, counts, local)
            new_body = orelse.body.with_changes(body=inner)
            statement = statement.with_changes(
                orelse=orelse.with_changes(body=new_body)
            )
    return statement


def _stored_iterator(
    statement: cst.BaseStatement, source: FunctionSource, local: set[str]
) -> tuple[str, cst.Call] | None:
    """``(name, call)`` for a line ``name = zip(...)`` or ``enumerate(...)``."""
    if not (
        isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
    ):
        return None
    assign = statement.body[0]
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and isinstance(assign.value, cst.Call)
        and isinstance(assign.value.func, cst.Name)
        and assign.value.func.value not in local
    ):
        return None
    callee = resolve_callee(source, assign.value.func, {}, strict=False)
    if not any(callee is iterator for iterator in ITERATORS):
        return None
    return assign.targets[0].target.value, assign.value


def _loop_over(
    statements: list[cst.BaseStatement], position: int, name: str
) -> int | None:
    """The position of the first later statement that mentions ``name``, if
    it is a ``for`` whose iterable is ``name`` itself."""
    for later in range(position + 1, len(statements)):
        statement = statements[later]
        if isinstance(statement, cst.For):
            if isinstance(statement.iter, cst.Name) and statement.iter.value == name:
                return later
        if any(isinstance(n, cst.Name) and n.value == name for n in walk(statement)):
            return None
    return None


def _unchanged_between(call: cst.Call, between: list[cst.BaseStatement]) -> bool:
    """Making the iterator at the loop instead sees the same objects."""
    read = names_in(call)
    if not between:
        return True
    if assigned_names(list(between)) & read:
        return False
    if all(isinstance(a.value, cst.Name) for a in call.args):
        return True  # the same objects, changed in place or not: as Python
    mentioned = {n.value for s in between for n in walk(s) if isinstance(n, cst.Name)}
    return not mentioned & read
