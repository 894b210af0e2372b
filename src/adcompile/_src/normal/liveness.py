"""Which user names may still be read after each statement (liveness).

Lowering turns an in-place update (``y[i] = v``, ``y += v``,
``items.append(v)``) into a new value (``y_1 = with_item(y, i, v)``). Python
changes the object itself, so every other name that sees its memory (``row
= y[0]``, ``b = y``, ``pair = [y, z]``) would see the change; the new value
does not reach them. That is only a deviation if such a name is read again:
``live_after`` tells, for each statement of a function body, the names that
may be read after it, on some path, before they are given a new value.

Invariant: a name missing from a statement's set is not read after it on
any path through the body (loops included: a name read at the top of the
next trip is live at the end of this one). Uses are over-approximated
(every name a statement mentions), and only a plain assignment to a name
ends its life, so an uncertain case keeps a name live, which can only lead
to a refusal, never to a missed alias.

Expects the structured body lowering sees: exits are the last statement of
their block (``exits.lift_exits``), loops have no ``else``
(``loop_exits.lower_loop_exits``), and nested functions read no variable of
the enclosing function except through their parameters (``closures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from adcompile._src.syntax.templates import used_names

Live = frozenset[str]


def live_after(statements: Sequence[cst.BaseStatement]) -> dict[int, Live]:
    """``id(statement) -> names live after it``, for every small statement
    (and compound statement) of ``statements``, at any depth."""
    analysis = _Liveness()
    analysis.block(statements, frozenset(), _Loop(frozenset(), frozenset()))
    return analysis.after


def live_in_loop(node: cst.For | cst.While) -> Live:
    """Names a trip of the loop may read before the trip assigns them (the
    values it carries from the trip before, or from before the loop), and
    the names its header reads."""
    return _Liveness().loop(node, frozenset(), _Loop(frozenset(), frozenset()))


@dataclass
class _Loop:
    """Where ``break`` and ``continue`` go: the names live after the loop,
    and at its head."""

    exit: Live
    head: Live


@dataclass
class _Liveness:
    after: dict[int, Live] = field(default_factory=dict)
    read: dict[cst.CSTNode, Live] = field(default_factory=dict)  # (loops re-read)

    def block(self, statements: Sequence[cst.CSTNode], live: Live, loop: _Loop) -> Live:
        """Names live before ``statements``, given those live after them."""
        for statement in reversed(statements):
            live = self.statement(statement, live, loop)
        return live

    def statement(self, node: cst.CSTNode, live: Live, loop: _Loop) -> Live:
        if isinstance(node, (cst.Return, cst.Raise)):  # nothing runs after
            live = frozenset()
        elif isinstance(node, (cst.Break, cst.Continue)):  # the loop's exit or head
            live = loop.exit if isinstance(node, cst.Break) else loop.head
        self.after[id(node)] = live
        if isinstance(node, cst.SimpleStatementLine):
            return self.block(node.body, live, loop)
        if isinstance(node, cst.If):
            body = self.block(node.body.body, live, loop)
            orelse = live
            if isinstance(node.orelse, cst.If):
                orelse = self.statement(node.orelse, live, loop)
            elif isinstance(node.orelse, cst.Else):
                orelse = self.block(node.orelse.body.body, live, loop)
            return body | orelse | self._reads(node.test)
        if isinstance(node, (cst.For, cst.While)):
            return self.loop(node, live, loop)
        if isinstance(node, cst.FunctionDef):  # closure-converted: its defaults
            return (live - {node.name.value}) | self._reads(node.params)
        if isinstance(node, (cst.Break, cst.Continue)):
            return live
        if isinstance(node, cst.Return):
            return self._reads(node.value) if node.value is not None else frozenset()
        if isinstance(node, cst.Raise):
            return self._reads(node)
        if isinstance(node, cst.Assign):
            defined = set().union(*(_unpacked(t.target) for t in node.targets))
            reads = self._reads(node.value).union(
                *(self._target_reads(t.target) for t in node.targets)
            )
            return (live - defined) | reads
        if isinstance(node, cst.AnnAssign):
            defined = _unpacked(node.target)
            value = self._reads(node.value) if node.value is not None else frozenset()
            return (live - defined) | value | self._target_reads(node.target)
        return live | self._reads(node)  # x op= v, an expression, del, pass, ...

    def _reads(self, node: cst.CSTNode) -> Live:
        """Every name ``node`` mentions (computed once per node)."""
        found = self.read.get(node)
        if found is None:
            found = self.read[node] = frozenset(used_names(node))
        return found

    def _target_reads(self, target: cst.CSTNode) -> Live:
        """Names an assignment target reads: ``y`` and ``i`` of ``y[i] = v``."""
        if isinstance(target, cst.Name):
            return frozenset()
        if isinstance(target, (cst.Tuple, cst.List)):
            return frozenset().union(
                *(self._target_reads(e.value) for e in target.elements)
            )
        return self._reads(target)

    def loop(self, node: cst.For | cst.While, live: Live, outer: _Loop) -> Live:
        """Names live before a loop: its body may run any number of times,
        and what the body reads at its top is live at the end of a trip."""
        targets = _unpacked(node.target) if isinstance(node, cst.For) else set()
        test = self._reads(node.test) if isinstance(node, cst.While) else frozenset()
        head = live | test
        while True:  # the last trip through the body records the fixpoint
            body = self.block(node.body.body, head, _Loop(live, head))
            new_head = live | test | (body - targets)
            if new_head == head:
                break
            head = new_head
        if isinstance(node, cst.For):
            return head | self._reads(node.iter)
        return head


def _unpacked(target: cst.CSTNode) -> set[str]:
    """Names a ``for`` target or a tuple target certainly assigns."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _unpacked(e.value)}
    return set()
