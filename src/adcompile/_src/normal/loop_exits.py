"""Rewrite the loop exits the lowering does not follow into plain flags:
``for``/``else``, ``while``/``else`` and ``return`` inside loops.

Invariant of the output: no loop has an ``else`` clause, and no ``return``
with a value is inside a loop. The meaning is unchanged:

- a loop's ``else`` statements run after the loop when it has no ``break``
  of its own; otherwise each such ``break`` first sets ``broke = True``
  (``broke = False`` before the loop), and they run under ``if not broke:``;
- ``return value`` inside loops becomes ``returned_value = value``,
  ``returned = True`` and ``break``; after each loop that holds it comes
  ``if returned: break`` inside an enclosing loop, or ``if returned: return
  returned_value`` after the outermost one (``returned = False`` before it).
  After a ``while True:`` loop with no ``break`` of its own, the exit is
  unconditional: only a return leaves it.

The flags carry no derivative; ``FlagNames`` keeps their names apart from
the function's. A bare ``return`` is left where it is (it is refused when
lowered), and so are nested functions, which are rewritten when they are
themselves differentiated. Runs before ``exits.lift_exits``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from adcompile._src.normal.exits import FlagNames, assign, ended_at, flag, when


@dataclass(frozen=True)
class _Loop:
    """The innermost loop around a statement."""

    broke: str | None  # the flag its own breaks set (its else clause reads it)


def lower_loop_exits(
    block: list[cst.BaseStatement], flags: FlagNames
) -> list[cst.BaseStatement]:
    """The statements of a function body, loop exits rewritten into flags."""
    return _Rewriter(flags).block(block, None)


class _Rewriter:
    """Rewrites the statements of one function body, outermost first."""

    def __init__(self, flags: FlagNames) -> None:
        self.flags = flags
        # the flag and the value of a return from the loops being rewritten:
        # a new pair for each outermost loop, so that no value is carried
        # from one loop into the next (where it may not be set)
        self.returned = ("", "")

    def block(
        self, statements: list[cst.BaseStatement], loop: _Loop | None
    ) -> list[cst.BaseStatement]:
        return [new for s in statements for new in self.statement(s, loop)]

    def statement(
        self, statement: cst.BaseStatement, loop: _Loop | None
    ) -> list[cst.BaseStatement]:
        if isinstance(statement, cst.SimpleStatementLine):
            return self.line(statement, loop)
        if isinstance(statement, cst.If):
            return [self.branch(statement, loop)]
        if isinstance(statement, (cst.For, cst.While)):
            return self.loop(statement, loop)
        return [statement]

    def line(
        self, line: cst.SimpleStatementLine, loop: _Loop | None
    ) -> list[cst.BaseStatement]:
        if loop is None:
            return [line]
        for position, small in enumerate(line.body):
            if _returns_value(small):
                returned, value = self.returned
                exits = [
                    assign(value, small.value),
                    flag(returned, True),
                    _line(cst.Break()),
                ]
            elif isinstance(small, cst.Break) and loop.broke is not None:
                exits = [flag(loop.broke, True), _line(small)]
            else:
                continue
            before = [ended_at(line, position)] if position else []
            return [*before, *exits]  # what follows the exit never runs
        return [line]

    def branch(self, node: cst.If, loop: _Loop | None) -> cst.If:
        body = self.suite(node.body, loop)
        orelse = node.orelse
        if isinstance(orelse, cst.If):  # elif
            orelse = self.branch(orelse, loop)
        elif orelse is not None:
            orelse = orelse.with_changes(body=self.suite(orelse.body, loop))
        if body is node.body and orelse is node.orelse:
            return node
        return node.with_changes(body=body, orelse=orelse)

    def loop(
        self, node: cst.For | cst.While, outer: _Loop | None
    ) -> list[cst.BaseStatement]:
        returns = _returns_inside(node.body)
        if returns and outer is None:
            self.returned = self.flags.new("returned"), self.flags.new("returned_value")
        returned, value = self.returned
        broke = None
        if node.orelse is not None and _breaks(node.body):
            broke = self.flags.new("broke")
        body = self.suite(node.body, _Loop(broke))
        if node.orelse is None and not returns:
            return [node if body is node.body else node.with_changes(body=body)]
        result: list[cst.BaseStatement] = []
        if broke is not None:
            result.append(flag(broke, False))
        if returns and outer is None:
            result.append(flag(returned, False))
        result.append(node.with_changes(body=body, orelse=None))
        if returns:
            leave = cst.Break() if outer is not None else cst.Return(cst.Name(value))
            endless = _endless(node)
            result.append(_line(leave) if endless else when(cst.Name(returned), leave))
        if node.orelse is not None:
            otherwise = self.block(_statements(node.orelse.body), outer)
            if broke is None:
                result.extend(otherwise)
            else:
                test = cst.UnaryOperation(cst.Not(), cst.Name(broke))
                result.append(cst.If(test=test, body=cst.IndentedBlock(otherwise)))
        return result

    def suite(self, suite: cst.BaseSuite, loop: _Loop | None) -> cst.BaseSuite:
        """A block rewritten; the same object when nothing changed."""
        statements = _statements(suite)
        new = self.block(statements, loop)
        if len(new) == len(statements) and all(
            a is b for a, b in zip(new, statements, strict=True)
        ):
            return suite
        if isinstance(suite, cst.IndentedBlock):
            return suite.with_changes(body=new)
        return cst.IndentedBlock(new)  # was on the header's line


def _statements(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    return [cst.SimpleStatementLine(list(suite.body))]  # on the header's line


def _line(small: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    if small.semicolon is not cst.MaybeSentinel.DEFAULT:
        small = small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return cst.SimpleStatementLine([small])


def _returns_value(small: cst.CSTNode) -> bool:
    return isinstance(small, cst.Return) and small.value is not None


def _endless(node: cst.For | cst.While) -> bool:
    """``while True:`` with no ``break`` of its own: only a return leaves it."""
    return (
        isinstance(node, cst.While)
        and isinstance(node.test, cst.Name)
        and node.test.value == "True"
        and not _breaks(node.body)
    )


class _Finder(cst.CSTVisitor):
    """Finds ``break`` statements of one loop, or ``return value`` inside
    it; never looks into nested functions (their exits are their own)."""

    def __init__(self, breaks: bool) -> None:
        self.breaks = breaks
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_For(self, node: cst.For) -> bool:
        return self._nested_loop(node)

    def visit_While(self, node: cst.While) -> bool:
        return self._nested_loop(node)

    def _nested_loop(self, node: cst.For | cst.While) -> bool:
        if not self.breaks:
            return True
        if node.orelse is not None:  # its else clause breaks the outer loop
            node.orelse.visit(self)
        return False  # the breaks of its body are its own

    def visit_Break(self, node: cst.Break) -> None:
        self.found = self.found or self.breaks

    def visit_Return(self, node: cst.Return) -> None:
        self.found = self.found or (not self.breaks and node.value is not None)


def _breaks(body: cst.BaseSuite) -> bool:
    """Whether a ``break`` of this loop (not of a nested one) is in ``body``."""
    finder = _Finder(breaks=True)
    body.visit(finder)
    return finder.found


def _returns_inside(body: cst.BaseSuite) -> bool:
    """Whether a ``return value`` (of this function) is in a loop's body."""
    finder = _Finder(breaks=False)
    body.visit(finder)
    return finder.found
