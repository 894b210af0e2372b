"""Make early exits structured: ``break``, ``continue`` and ``return`` end
their block.

Invariant of the output: in every block, a statement that may leave the
block early (``return``, or ``break``/``continue`` of the enclosing loop) is
the block's last statement. Statements that followed an ``if`` one of whose
branches may exit are moved into each branch that falls through (and dropped
where a branch always exits). The forward meaning is unchanged; the point is
that the path taken through a loop body is then fully described by the
branch decisions, which the backward sweep replays.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

EXITS = (cst.Return, cst.Break, cst.Continue)


def lift_exits(block: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The statements of ``block`` with early exits moved to block ends."""
    result: list[cst.BaseStatement] = []
    for position, statement in enumerate(block):
        rest = list(block[position + 1 :])
        if _ends_with_exit(statement):
            result.append(statement)
            return result  # whatever follows is unreachable
        if isinstance(statement, cst.If) and _may_exit(statement):
            result.append(_push_into_branches(statement, rest))
            return result
        result.append(_lift_inside(statement))
    return result


def _lift_inside(statement: cst.BaseStatement) -> cst.BaseStatement:
    if isinstance(statement, (cst.For, cst.While)):
        body = lift_exits(list(statement.body.body))
        return statement.with_changes(body=statement.body.with_changes(body=body))
    if isinstance(statement, cst.If):
        return _push_into_branches(statement, [])
    return statement


def _push_into_branches(
    statement: cst.If, rest: list[cst.BaseStatement]
) -> cst.BaseStatement:
    body = lift_exits([*statement.body.body, *rest])
    orelse_block = _else_statements(statement)
    orelse = lift_exits([*orelse_block, *rest])
    new_else = cst.Else(body=cst.IndentedBlock(body=orelse)) if orelse else None
    return statement.with_changes(
        body=statement.body.with_changes(body=body), orelse=new_else
    )


def _else_statements(statement: cst.If) -> list[cst.BaseStatement]:
    orelse = statement.orelse
    if orelse is None:
        return []
    if isinstance(orelse, cst.If):  # elif: an if inside the else
        return [orelse]
    return list(orelse.body.body)


def _ends_with_exit(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return any(isinstance(small, EXITS) for small in statement.body)
    return False


def _may_exit(statement: cst.BaseStatement) -> bool:
    """Whether ``statement`` may leave the enclosing block early."""
    if _ends_with_exit(statement):
        return True
    if isinstance(statement, cst.If):
        branches = [*statement.body.body, *_else_statements(statement)]
        return any(_may_exit(s) for s in branches)
    if isinstance(statement, (cst.For, cst.While)):
        return any(_returns(s) for s in statement.body.body)
    return False


def _returns(statement: cst.BaseStatement) -> bool:
    """Whether a ``return`` (which leaves every loop) is inside statement."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            nonlocal found
            found = True

    statement.visit(Finder())
    return found
