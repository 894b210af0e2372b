"""Reverse mode of a checkpointed loop (``adcompile.checkpoint``).

The forward sweep runs the loop as written, saving the values the loop
carries from step to step only before the steps the revolve schedule
(``runtime/revolve.py``) asks for; the backward sweep follows the schedule,
one action at a time. For ``for i in adcompile.checkpoint(range(n), k):``
carrying ``h``::

    schedule = revolve(len(range(n)), k)
    for step, i in enumerate(range(n)):
        if step in schedule.taken:
            snapshots.append(h)
        <the body, as written>
    ...
    for action, start, stop in schedule.backward():
        if action == "advance":
            for i in range(n)[start:stop]:
                <the body, as written>
        elif action == "reverse":
            for i in range(n)[start:stop]:
                <the body, saving what its adjoint reads>
            <the body's adjoint>
        elif action == "snapshot":
            snapshots.append(h)
        elif action == "restore":
            h = snapshots[-1]
        elif action == "drop":
            snapshots.pop()

Invariant: the loop-carried values (``carried_values``: what the body
assigns and may read before assigning it in the same step, or that held a
value before the loop) are all a step reads from earlier steps, so a step
run from a snapshot computes what it computed the first time (lowering
refused the in-place changes that would break this,
``normal/checkpoint.py``). Each step's adjoint runs right after the same
step ran saving what the adjoint reads, so the pairing of the sweeps holds
step by step: what a recorded step pushes, its adjoint pops; the steps'
adjoints run in the order of the plain reversed loop, so the adjoints add
up as they do there. After the adjoint of the first step, every value the
loop assigns holds what it held before the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.control_facts import target_names
from adcompile._src.normal.primal import assign as _assign
from adcompile._src.normal.primal import helper_call
from adcompile._src.reverse.stacks import Saved
from adcompile._src.syntax.lines import Block, Line
from adcompile._src.syntax.templates import used_names


@dataclass
class _Names:
    """The variables emitted code uses for one checkpointed loop."""

    schedule: str
    snapshots: str
    step: str
    carried: list[str]
    copied: bool  # the body calls code known only as it runs, which may
    # change what it is given in place: snapshots hold copies


class CheckpointedLoops:
    """Mixed into ``ReverseMode``, which owns the state these methods use."""

    plain = False  # making lines that run the program as written (no saving)
    checkpoint_names: dict[int, _Names]  # id of a loop -> its variables

    def _checkpointed(self, statement: ir.Statement) -> bool:
        """Whether a loop is emitted checkpointed (never in code that is to
        be differentiated again: there every step is saved)."""
        return (
            isinstance(statement, ir.Loop)
            and statement.checkpoint is not None
            and not self.recompute_calls
        )

    def _plain_lines(self, statements: list[ir.Statement]) -> list[Line]:
        """The statements as written: no markers, plain calls."""
        outer, self.plain = self.plain, True
        try:
            return self._forward_lines(statements)
        finally:
            self.plain = outer

    def _checkpoint_names(self, loop: ir.Loop) -> _Names:
        names = self.checkpoint_names.get(id(loop))
        if names is None:
            fresh = self.names.fresh
            names = _Names(
                fresh("schedule"),
                fresh("snapshots"),
                fresh("step"),
                carried_values(loop, self.program.carried_names),
                any(
                    isinstance(s, ir.Apply) and s.call == "dynamic"
                    for s in ir.walk(loop.body)
                ),
            )
            self.checkpoint_names[id(loop)] = names
        return names

    def _carried_node(self, names: _Names) -> cst.BaseExpression:
        if len(names.carried) == 1:
            return cst.Name(names.carried[0])
        return cst.Tuple([cst.Element(cst.Name(n)) for n in names.carried])

    def _checkpointed_forward(self, loop: ir.Loop) -> list[Line]:
        """The loop as written, saving the carried values where the schedule
        asks: ``revolve`` gets the number of steps and of snapshots."""
        assert loop.iterable is not None and loop.target is not None
        assert loop.checkpoint is not None
        names = self._checkpoint_names(loop)
        steps = cst.Call(cst.Name("len"), [cst.Arg(loop.iterable)])
        schedule = helper_call(
            "revolve",
            [steps, loop.checkpoint],
            self.binding_nodes,
        )
        taken = cst.Comparison(
            cst.Name(names.step),
            [
                cst.ComparisonTarget(
                    cst.In(), cst.Attribute(cst.Name(names.schedule), cst.Name("taken"))
                )
            ],
        )
        save = Line(block=Block("if", taken, [self._save(names)]))
        counted = cst.Call(cst.Name("enumerate"), [cst.Arg(loop.iterable)])
        item = loop.target
        if isinstance(item, cst.Tuple):  # for step, (i, row) in enumerate(...)
            item = item.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        target = cst.Tuple(
            [cst.Element(cst.Name(names.step)), cst.Element(item)], lpar=[], rpar=[]
        )
        body = [save, *self._plain_lines(loop.body)]
        return [
            Line(_assign(names.schedule, schedule)),
            Line(block=Block("for", counted, body, target=target)),
        ]

    def _copy(self, names: _Names, value: cst.BaseExpression) -> cst.BaseExpression:
        if not names.copied:
            return value
        return helper_call("private_copy", [value], self.binding_nodes)

    def _save(self, names: _Names) -> Line:
        carried: cst.BaseExpression = cst.Name("None")
        if len(names.carried) == 1:
            carried = self._copy(names, cst.Name(names.carried[0]))
        elif names.carried:
            carried = cst.Tuple(
                [cst.Element(self._copy(names, cst.Name(n))) for n in names.carried]
            )
        return Line(cst.Expr(_method(names.snapshots, "append", [carried])))

    def _checkpointed_loop(self, loop: ir.Loop, body: list[Line]) -> Block:
        """The backward sweep of the loop: the schedule's actions, ``body``
        (the adjoint of one step) run after each recorded step."""
        assert loop.iterable is not None and loop.target is not None
        names = self._checkpoint_names(loop)
        fresh = self.names.fresh
        action, start, stop = fresh("action"), fresh("start"), fresh("stop")
        steps = cst.Subscript(
            value=loop.iterable,
            slice=[
                cst.SubscriptElement(
                    cst.Slice(lower=cst.Name(start), upper=cst.Name(stop))
                )
            ],
        )
        advance = Block("for", steps, self._plain_lines(loop.body), target=loop.target)
        # a value made once in a step, and nowhere else: the step's adjoint
        # reads the one value the step just made, and nothing reads the value
        # of the step before (the next step recorded makes its own)
        once = made_once(loop, set(names.carried) | self.program.carried_names)
        once |= {self.pullbacks[n] for n in once if n in self.pullbacks}
        recorded = _unmarked(self._forward_lines(loop.body), once)
        body = _unmarked(body, once)
        record = Block("for", steps, recorded, target=loop.target)
        last = cst.Subscript(
            cst.Name(names.snapshots),
            [cst.SubscriptElement(cst.Index(cst.UnaryOperation(cst.Minus(), one())))],
        )
        restore = [
            (
                Line(cst.Assign([cst.AssignTarget(self._carried_node(names))], last))
                if names.carried
                else Line(cst.Pass())
            )
        ]
        if names.copied and len(names.carried) == 1:  # a step may change it
            restore = [Line(_assign(names.carried[0], self._copy(names, last)))]
        elif names.copied:
            restore += [
                Line(_assign(n, self._copy(names, cst.Name(n)))) for n in names.carried
            ]
        drop = Line(cst.Expr(_method(names.snapshots, "pop", [])))
        cases = [
            ("advance", [Line(block=advance, rerun=True)]),
            ("reverse", [Line(block=record, rerun=True), *body]),
            ("snapshot", [self._save(names)]),
            ("restore", restore),
            ("drop", [drop]),
        ]
        chain: list[Line] = []
        for word, lines in reversed(cases):
            test = cst.Comparison(
                cst.Name(action),
                [cst.ComparisonTarget(cst.Equal(), cst.SimpleString(f'"{word}"'))],
            )
            chain = [Line(block=Block("if", test, lines, chain, chain=True))]
        actions = cst.Call(
            cst.Attribute(cst.Name(names.schedule), cst.Name("backward")), []
        )
        target = cst.Tuple(
            [cst.Element(cst.Name(n)) for n in (action, start, stop)], lpar=[], rpar=[]
        )
        return Block("for", actions, chain, target=target)

    def _checkpoint_saved(self, saved: Saved, params: set[str]) -> None:
        """Make the snapshot lists (empty at the start, copied into a
        pullback, like the stacks) and define what the backward sweep of a
        checkpointed loop assigns (a pullback takes them as it takes the
        values it restores)."""
        found = self.checkpoint_names
        defined = set(saved.restored) | params
        for names in found.values():
            saved.prologue.append(Line(_assign(names.snapshots, cst.List([]))))
            saved.stacks.append(names.snapshots)
            for name in names.carried:  # a value first made in a later step
                if name not in defined:
                    saved.prologue.append(Line(_assign(name, cst.Name("None"))))
                    defined.add(name)
        if found:
            saved.rerun = sorted(_assigned(saved.backward))


def carried_values(loop: ir.Loop, held: set[str]) -> list[str]:
    """What a snapshot must hold: the values the loop assigns that a step
    may read before it assigns them, or that ``held`` a value before the
    loop (code before the loop may read them, and its backward sweep runs
    after the loop's, when the first step, run again from the first
    snapshot, has given them back their values from before the loop)."""
    assigned: set[str] = set()
    for statement in ir.walk(loop.body):
        assigned |= _targets(statement)
    defined = set(target_names(loop.target)) if loop.target is not None else set()
    exposed, _ = _exposed(loop.body, defined)
    return sorted(assigned & (exposed | held))


def made_once(loop: ir.Loop, carried: set[str]) -> set[str]:
    """The values one statement of the loop body makes, outside nested loops,
    and that are neither ``carried`` (from step to step, or into the loop)
    nor changed in place."""
    counts: dict[str, int] = {}
    excluded = set(carried)
    if loop.target is not None:
        excluded |= target_names(loop.target)

    def count(statements: list[ir.Statement], nested: bool) -> None:
        for statement in statements:
            if isinstance(statement, ir.Branch):
                count(statement.body, nested)
                count(statement.orelse, nested)
            elif isinstance(statement, ir.Loop):
                excluded.update(_targets(statement))
                count(statement.body, True)
            elif isinstance(statement, ir.Effect):
                excluded.update(statement.mutates)
            for name in _targets(statement) if not nested else ():
                counts[name] = counts.get(name, 0) + 1
            if nested:
                excluded.update(_targets(statement))

    count(loop.body, False)
    return {n for n, c in counts.items() if c == 1} - excluded


def _unmarked(lines: list[Line], names: set[str]) -> list[Line]:
    """The lines without the save and restore markers of ``names``."""
    kept: list[Line] = []
    for line in lines:
        if line.marker and line.target in names:
            continue
        if line.block is not None:
            block = replace(
                line.block,
                body=_unmarked(line.block.body, names),
                orelse=_unmarked(line.block.orelse, names),
            )
            line = replace(line, block=block)
        kept.append(line)
    return kept


def _targets(statement: ir.Statement) -> set[str]:
    if isinstance(statement, (ir.Apply, ir.Assign, ir.Pack)):
        return {n.strip() for n in statement.target.split(",") if n.strip()}
    if isinstance(statement, ir.Loop):
        names = set(target_names(statement.target)) if statement.target else set()
        return names | ({statement.trips} if statement.trips else set())
    return set()


def _reads(statement: ir.Statement) -> set[str]:
    """Names a statement reads (its own header only, for a compound one)."""
    names: set[str] = set()
    if isinstance(statement, (ir.Apply, ir.Pack)):
        operands = (
            statement.operands() if isinstance(statement, ir.Apply) else statement.items
        )
        for operand in operands:
            if isinstance(operand, ir.Var):
                names.add(operand.name)
            else:
                names |= used_names(operand.node)
        if isinstance(statement, ir.Apply):
            for node in (statement.index, statement.callee_node):
                if node is not None:
                    names |= used_names(node)
    elif isinstance(statement, ir.Assign):
        names |= used_names(statement.value.node)
    elif isinstance(statement, ir.Effect):
        names |= used_names(statement.node)
    elif isinstance(statement, ir.Branch):
        names.add(statement.cond)
    elif isinstance(statement, ir.Loop):
        for node in (statement.iterable, statement.test):
            if node is not None:
                names |= used_names(node)
    return names


def _exposed(
    statements: list[ir.Statement], defined: set[str]
) -> tuple[set[str], set[str]]:
    """Names read before they are certainly assigned (given ``defined``,
    assigned already), and the names certainly assigned after."""
    exposed: set[str] = set()
    defined = set(defined)
    for statement in statements:
        exposed |= _reads(statement) - defined
        if isinstance(statement, ir.Branch):
            body, after_body = _exposed(statement.body, defined)
            orelse, after_orelse = _exposed(statement.orelse, defined)
            exposed |= body | orelse
            defined |= after_body & after_orelse
        elif isinstance(statement, ir.Loop):  # may run no trip: assigns nothing
            inner = set(target_names(statement.target)) if statement.target else set()
            body, _ = _exposed(statement.body, defined | inner)
            exposed |= body
            if statement.trips:
                defined.add(statement.trips)
        else:
            defined |= _targets(statement)
    return exposed, defined


def _assigned(lines: list[Line], rerun: bool = False) -> set[str]:
    """Names the steps run again (``Line.rerun``) in these lines assign."""
    names: set[str] = set()
    for line in lines:
        if rerun and isinstance(line.code, cst.Assign):
            for target in line.code.targets:
                names |= set(target_names(target.target))
        if line.block is not None:
            inner = rerun or line.rerun
            if inner and line.block.target is not None:
                names |= set(target_names(line.block.target))
            names |= _assigned(line.block.body, inner)
            names |= _assigned(line.block.orelse, inner)
    return names


def _method(name: str, method: str, args: list[cst.BaseExpression]) -> cst.Call:
    return cst.Call(
        cst.Attribute(cst.Name(name), cst.Name(method)), [cst.Arg(a) for a in args]
    )


def one() -> cst.Integer:
    return cst.Integer("1")


__all__ = ["CheckpointedLoops", "carried_values"]
