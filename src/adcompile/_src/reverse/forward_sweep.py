"""The forward sweep of reverse mode: the program itself, one line per
statement, with the markers that save values for the backward sweep.

Invariant: before every statement that overwrites a value (``overwrites``)
stands a ``push`` of each name it writes, and before every statement that
changes a value in place (an ``Effect`` that ``mutates``) a ``push`` of a
copy; ``stacks.resolve`` keeps those the backward sweep needs. A call into a
user function is its vjp call (result and pullback), or, when the code is to
be differentiated again (``recompute_calls``), the plain call; so is every
call in lines that run a checkpointed loop's steps as written (``plain``),
which save nothing.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.primal import assign as _assign
from adcompile._src.normal.primal import control_line, primal_expression
from adcompile._src.normal.primal import node as _node
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import parse_spelling


class ForwardSweep:
    """Mixed into ``ReverseMode``, which owns the state these methods use."""

    def _forward_lines(self, statements: list[ir.Statement]) -> list[Line]:
        lines: list[Line] = []
        for statement in statements:
            produced = self._forward(statement)
            if self.plain:  # run as written (a checkpointed loop): no saving
                lines.extend(produced)
                continue
            if isinstance(statement, ir.Effect):
                for target in statement.mutates:  # a copy: it changes in place
                    lines.append(Line(target=target, marker="push", copy=True))
            if getattr(statement, "overwrites", False):
                for target in produced[0].target.split(", "):
                    lines.append(Line(target=target, marker="push"))
            lines.extend(produced)
        return lines

    def _forward(self, statement: ir.Statement) -> list[Line]:
        if self._checkpointed(statement):
            assert isinstance(statement, ir.Loop)
            return self._checkpointed_forward(statement)
        if isinstance(statement, ir.Apply) and self._call_wrt(statement):
            # a call known only as it runs goes through its vjp even when run
            # as written: the vjp copies the arrays the callee writes into
            plain = self.plain and statement.call == "static"
            if self.recompute_calls or plain:
                return [self._plain_call(statement)]
            return [self._vjp_call(statement)]
        if isinstance(statement, ir.Apply):
            value = self._primal(statement)
            return [Line(_assign(statement.target, value), target=statement.target)]
        if isinstance(statement, ir.Assign):
            target = parse_spelling(statement.target)
            assign = cst.Assign([cst.AssignTarget(target)], statement.value.node)
            return [Line(assign, target=statement.target)]
        if isinstance(statement, ir.Pack):
            value = statement.literal([_node(i) for i in statement.items])
            return [Line(_assign(statement.target, value), target=statement.target)]
        control = control_line(statement, self._forward_lines)
        if control is not None:
            return [control]
        return [Line(statement.node)]

    def _primal(self, apply: ir.Apply) -> cst.BaseExpression:
        return primal_expression(apply, self.binding_nodes)
