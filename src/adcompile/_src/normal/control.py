"""Lowering control flow: branches, loops, conditional expressions and
comprehensions.

Invariant: every user name assigned inside an ``if``, ``for`` or ``while``
is given one variable for the whole construct ("pinned"), so all paths and
all trips write the same name; loops over values that carry a derivative
become loops over indices; what may carry a derivative at the head of a
loop is a fixpoint over its trips. Assignments that may overwrite a value
still needed later are flagged for ``stacks`` to save.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator

import libcst as cst

from adcompile._src.errors import AdcompileError, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.checkpoint import (
    checkpoint_marker,
    refuse_in_place,
    refuse_unsupported,
)
from adcompile._src.normal.conditions import ConditionLowering
from adcompile._src.normal.control_facts import (
    ReplaceName,
    assigned_names,
    breaks_loop,
    contains_return,
    else_statements,
    free_name,
    is_range,
    iterated_names,
    loop_variables,
    mark_first_write,
    merge_states,
    names_in,
    renamed_locals,
    target_names,
)
from adcompile._src.normal.liveness import live_in_loop
from adcompile._src.read.static_code import rename_locals, resolve_callee
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import COPY


class ControlFlowLowering(ConditionLowering):
    """Mixed into the Normalizer, which owns the state these methods use."""

    # in a checkpointed loop's body: the names a step may read before it
    # assigns them, and those it assigns (see checkpoint.py)
    checkpoint_live: frozenset[str] | None = None
    checkpoint_assigned: frozenset[str] = frozenset()

    @contextlib.contextmanager
    def _own_body(self) -> Iterator[None]:
        """A construct's own body, lowered into a new list while the
        enclosing bodies wait (``outer_bodies``: what they hold was given
        its value on every path into the construct)."""
        outer, self.body = self.body, []
        self.outer_bodies.append(outer)
        try:
            yield
        finally:
            self.outer_bodies.pop()
            self.body = outer

    def _sub_block(self, statements: list[cst.BaseStatement]) -> list[ir.Statement]:
        with self._own_body():
            self._block(statements)
            return self.body

    def _header_origin(self, node: cst.CSTNode, header: cst.CSTNode) -> ir.Origin:
        code = self.source.code(header).rstrip(":")
        return ir.Origin(code, node, locate=self.source.location)

    def _if(self, node: cst.If) -> None:
        self.has_control_flow = True
        origin = self._header_origin(node, node.test)
        self.origin = ir.Origin(f"if {origin.code}:", node, locate=self.source.location)
        if_origin = self.origin
        cond = self._record(node.test, "cond")
        pinned = assigned_names([node]) | self._written_by_calls([node])
        pinned |= self._wholes_of(pinned, [node])  # (parts.py)
        if contains_return(node):
            pinned |= (
                {self.result_key, self.aux_key} if self.has_aux else {self.result_key}
            )
        unset = {n for n in pinned if n not in self.env and n not in self.pinned}
        self._pin(pinned)
        entry = self._state()
        body = self._sub_block(list(node.body.body))
        body_returns, after_body = self.returns_everywhere, self._state()
        self._set_state(entry)
        orelse = self._sub_block(else_statements(node))
        orelse_returns = self.returns_everywhere
        self._set_state(merge_states(after_body, self._state()))
        self.returns_everywhere = body_returns and orelse_returns
        for name in unset:  # defined by the branch: its first write overwrites nothing
            for branch in (body, orelse):
                mark_first_write(branch, self.pinned[name])
        self.body.append(ir.Branch(cond, body, orelse, if_origin))

    def _if_expression(self, node: cst.IfExp, target_name: str | None) -> ir.Operand:
        """``a if c else b`` on values that carry a derivative: a branch
        that assigns one variable on both paths."""
        self.has_control_flow = True
        key = f"<{target_name or 'choice'} {len(self.pinned_all)}>"
        new_name = target_name is None or target_name not in self.pinned
        if target_name is not None and target_name in self.pinned:
            name = self.pinned[target_name]
        elif target_name is not None and target_name not in self.env:
            free = self.names.claim_if_free(target_name)
            name = target_name if free else self.names.fresh(target_name)
        else:  # a new value (the old one may be read by the branches)
            name = self.names.fresh(target_name or "choice")
        outer_pinned = dict(self.pinned)
        self.pinned[key] = name
        self.pinned_all.add(name)
        self.env[key] = name
        origin = self.origin
        cond = self._record(node.test, "cond")
        self._pin(self._written_by_calls([node.body, node.orelse]))  # (write_back)
        entry = self._state()
        body = self._sub_lower(lambda: self._lower_into(node.body, key))
        after_body = self._state()
        self._set_state(entry)
        orelse = self._sub_lower(lambda: self._lower_into(node.orelse, key))
        self._set_state(merge_states(after_body, self._state()))
        self.pinned = outer_pinned
        self.env.pop(key, None)  # the key names this construct only
        self.shapes[name] = ("value", name)
        for statement in [*body, *orelse]:
            if getattr(statement, "target", "") != name:
                continue
            if new_name:  # each path gives the variable its first value
                statement.initializes = True
            held = _copied(statement)  # a statement's own variable holds one
            if held is not None and target_name is None:  # of them, never both
                self.choices.setdefault(name, set()).add(held)  # (sharing.py)
        if target_name is None:  # what each branch made it see: one of them
            seen = {v for v, held in self.holders.items() if name in held}
            seen |= self.holders.get(name, set())
            self.choices.setdefault(name, set()).update(seen - {name})
        self.body.append(ir.Branch(cond, body, orelse, origin))
        if target_name is not None and target_name not in self.pinned:
            self.env[target_name] = name
        return ir.Var(name) if name in self.varied else ir.Static(cst.Name(name))

    def _comprehension(
        self, node: cst.ListComp | cst.GeneratorExp | cst.DictComp
    ) -> ir.Operand:
        """``[f(x) for x in xs if c]`` (or a generator) on values that carry a
        derivative: the loop that appends to a new list, written out; ``{k:
        f(x) for ...}``: the loop that writes each entry of a new dict."""
        items = free_name("items", self.names.taken | set(self.env))
        key: cst.BaseExpression = cst.Name("None")
        if isinstance(node, cst.DictComp):
            element: cst.BaseExpression = node.value
            key = node.key
            write, start = "__items__[__key__] = __element__", "{}"
        else:
            element = node.elt
            write, start = "__items__.append(__element__)", "[]"
        clauses = []
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            clauses.append(clause)
            clause = clause.inner_for_in
        renames: dict[str, str] = {}
        for clause in clauses:  # comprehension variables are its own
            for name in sorted(target_names(clause.target)):
                if name in self.env or name in renames.values():
                    renames[name] = free_name(name, self.names.taken | set(self.env))
        element, key = renamed_locals(element, renames), renamed_locals(key, renames)
        body: cst.BaseStatement = cst.parse_statement(write.replace("__items__", items))
        body = body.visit(ReplaceName("__element__", element))
        body = body.visit(ReplaceName("__key__", key))
        for small in getattr(body, "body", ()):  # (messages and checks as the
            self.source.moved(small, node)  # code runs point at the user's)
        for clause in reversed(clauses):
            for condition in reversed(clause.ifs):
                body = cst.If(
                    test=renamed_locals(condition.test, renames),
                    body=cst.IndentedBlock([body]),
                )
            body = cst.For(
                target=renamed_locals(clause.target, renames),
                iter=renamed_locals(clause.iter, renames),
                body=cst.IndentedBlock([body]),
            )
        start = cst.parse_statement(f"{items} = {start}")
        before = {name: self.env.get(name) for name in loop_variables(clauses, renames)}
        origin = self.origin  # (the statement the comprehension stands in)
        try:
            self._block([start, body])
        except AdcompileError as error:  # at code written for the loop
            if error.location is None:
                error.location = self.source.location(node)
            raise
        finally:
            self.origin = origin
        for name, previous in before.items():  # they do not leak out
            if previous is None:
                self.env.pop(name, None)
            else:
                self.env[name] = previous
        value = self.env[items]
        return ir.Var(value) if value in self.varied else ir.Static(cst.Name(value))

    def _sub_lower(self, lower: Callable[[], object]) -> list[ir.Statement]:
        with self._own_body():
            lower()
            return self.body

    def _for(self, node: cst.For) -> None:
        if (stored := self._target_stored(node)) is not None:
            self._for(stored)  # for x[0] in ...: item, then x[0] = item
            return
        self.has_control_flow = True
        header = (
            f"for {self.source.code(node.target)} in {self.source.code(node.iter)}:"
        )
        self.origin = ir.Origin(header, node, locate=self.source.location)
        loop_origin = self.origin
        statements = list(node.body.body)
        snapshots = len(self.loop_snapshots)
        if isinstance(node.iter, cst.Call):  # a generator function's items
            made = resolve_callee(self.source, node.iter.func, self.env, strict=False)
            if inspect.isgeneratorfunction(made):
                raise UnsupportedSyntax(
                    f"a loop over {self.source.code(node.iter.func)}(...), a "
                    "generator function: adcompile cannot follow its yields",
                    "have it return a list of the items (return [...]) and loop "
                    "over that",
                    self.source.location(node.iter),
                )
        marked = checkpoint_marker(self.source, node, self.env)
        checkpoint, outer_live = None, self.checkpoint_live
        if marked is not None:
            unmarked, checkpoint = marked
            nested, varied = self.loop_depth > 0, self._is_varied(checkpoint)
            refuse_unsupported(self.source, node, checkpoint, nested, varied, self.env)
            checkpoint = rename_locals(checkpoint, self.env)
        target, iterable, prologue = self._iteration(marked[0] if marked else node)
        headers = frozenset(target_names(target))
        reassigned = headers & assigned_names(statements)
        if reassigned and not prologue:
            raise UnsupportedSyntax(
                f"the loop variable '{sorted(reassigned)[0]}' is reassigned in "
                "the loop body",
                "assign the new value to another name",
                self.source.location(node.target),
            )
        assigned = assigned_names([node]) | headers | self._written_by_calls([node])
        assigned |= self._wholes_of(assigned, [node])  # (parts.py)
        changed = self._changed_in_place()  # (L.pop() after: a sweep reads len(L))
        if not is_range(iterable) or names_in(iterable) & (assigned | changed):
            iterable = self._saved_iterable(iterable)  # iterated once, as Python does
        trips = self._trips() if breaks_loop(statements) else None
        self._pin(assigned, headers)
        renamed_target = rename_locals(target, self.env)
        for name in target_names(target):
            self.varied.discard(self.env[name])
            if not prologue and not is_range(iterable):  # an item of what it
                self._share([ir.Static(iterable)], holder=self.env[name], item=True)
                self.fresh.discard(self.env[name])  # runs over, as it is
        self.iterated.append(iterated_names(node.iter))
        if marked is not None:  # what a step may read before assigning it
            self.checkpoint_live = live_in_loop(node)
            assigned_here = assigned_names(statements) | self._written_by_calls(
                statements
            )
            self.checkpoint_assigned = frozenset(
                assigned_here | self._wholes_of(assigned_here, statements)
            )
        try:
            body = self._loop_body(prologue + statements, trips, loop_origin)
        finally:
            self.iterated.pop()
            del self.loop_snapshots[snapshots:]  # not read after the loop
            self.checkpoint_live = outer_live
        self.origin = loop_origin
        loop = ir.Loop("for", renamed_target, iterable, None, body, trips, loop_origin)
        loop.checkpoint = checkpoint
        self.body.append(loop)

    def _while(self, node: cst.While) -> None:
        self.has_control_flow = True
        header = f"while {self.source.code(node.test)}:"
        self.origin = ir.Origin(header, node, locate=self.source.location)
        loop_origin = self.origin
        trips = self._trips()
        self._refuse_writing_while_test(node.test)
        pinned = assigned_names([node]) | self._written_by_calls([node])
        self._pin(pinned | self._wholes_of(pinned, [node]))  # (parts.py)
        test = rename_locals(node.test, self.env)
        body = self._loop_body(list(node.body.body), trips, loop_origin)
        self.origin = loop_origin
        self.body.append(ir.Loop("while", None, None, test, body, trips, loop_origin))

    def _loop_body(
        self, statements: list[cst.BaseStatement], trips: str | None, origin: ir.Origin
    ) -> list[ir.Statement]:
        """Lower a loop body from the state that holds on every iteration."""
        self.loop_depth += 1
        try:
            while True:  # what may carry a derivative after any number of trips
                entry = self._state()
                with self._dry_run():
                    self._counted_body(statements, trips, origin)
                    after = self._state()
                merged = merge_states(entry, after)
                self._set_state(merged)
                if merged == entry:
                    break
            before = dict(self.env)
            body = self._counted_body(statements, trips, origin)
            self._set_state(merge_states(entry, self._state()))
            for name, value in self.env.items():  # every trip must see one name
                if name in before and before[name] != value and name not in self.pinned:
                    raise UnsupportedSyntax(
                        f"'{name}' is given a new value in this loop in a way "
                        "adcompile cannot follow from one trip to the next",
                        "assign it with a plain `=`, `+=` or `[...] =` statement",
                        self.source.location(origin.statement),
                    )
            self.returns_everywhere = False
            return body
        finally:
            self.loop_depth -= 1

    def _counted_body(
        self, statements: list[cst.BaseStatement], trips: str | None, origin: ir.Origin
    ) -> list[ir.Statement]:
        with self._own_body():
            if trips is not None:
                self.origin = origin
                count = cst.parse_expression(f"{trips} + 1")
                self.body.append(
                    ir.Assign(trips, ir.Static(count), origin, overwrites=True)
                )
            self._block(statements)
            return self.body

    def _checkpoint_in_place(
        self, node: cst.CSTNode, mutated: set[str], unknown: bool = False
    ) -> None:
        """Refuse an in-place change a checkpointed step cannot run again
        (``unknown``: a call of code known only as it runs, that may make
        it)."""
        if self.checkpoint_live is not None and mutated:
            refuse_in_place(
                self.source.location(node) or self.origin.location,
                mutated,
                self.checkpoint_live,
                lambda n: self._not_writable(self.env[n], n) if n in self.env else None,
                unknown,
            )

    def _trips(self) -> str:
        name = self.names.fresh("trips")
        self.body.append(ir.Assign(name, ir.Static(cst.Integer("0")), self.origin))
        return name

    def _pin(self, names: set[str], headers: frozenset[str] = frozenset()) -> None:
        """Give each user name assigned inside a loop or branch one variable
        for the whole construct, so every path writes the same name. A loop
        target (``headers``) always gets a variable of its own: the loop
        header overwrites it without saving what it held. A parameter's
        name kept as its caller gave it (``z_given``) is pinned with the
        parameter: a write into ``z`` there may give it a new value
        (``inplace._follow_kept``)."""
        kept = self.source.kept_as_given
        names = names | {k for k, p in kept.items() if p in names and k in self.env}
        for name in sorted(names - set(self.pinned)):
            current = self.env.get(name)
            reusable = current is not None and current not in self.param_names
            reusable = reusable and name not in headers
            if reusable and self._unaliased(name, current):
                pinned = current  # parameters keep the caller's object
            else:
                pinned = (
                    name if self.names.claim_if_free(name) else self.names.fresh(name)
                )
            self.env[name] = pinned
            self.pinned[name] = pinned
            self.pinned_all.add(pinned)
            if current is not None and name not in headers:
                self.carried.add(pinned)  # has a value when the construct starts
            self.shapes[pinned] = ("value", pinned)
            if current in self.item_holders or current in self.unknown_kinds:
                self.unknown_kinds.add(pinned)  # (a list when the construct starts)
            if current is not None and current != pinned and name not in headers:
                self.pinned_from[pinned] = current
                self.updating_in_place = True  # the same object, a new name
                try:
                    self._copy(name, ir.Var(current), initializes=True)
                finally:
                    self.updating_in_place = False
                root = self._parameter_root(current)
                if root is not None:  # in-place updates still reach the caller
                    self.buffer_root[pinned] = root

    def _unaliased(self, name: str, current: str) -> bool:
        return all(v != current or k == name for k, v in self.env.items())

    def _copy(self, name: str, source: ir.Var, initializes: bool = False) -> None:
        """``pinned = source`` for the user name ``name``'s pinned variable."""
        target = self.pinned[name]
        was_fresh = source.name in self.fresh
        if source.name in self.varied:
            self._apply(registry.lookup(COPY), [source], {}, name)
            self.body[-1].initializes = initializes
        else:
            copy = ir.Assign(target, ir.Static(cst.Name(source.name)), self.origin)
            copy.initializes = initializes
            self.body.append(copy)
            self.varied.discard(target)
        # ``pinned = source`` shares the object (COPY assigns, never copies):
        # each name sees the other's memory
        if target != source.name:
            if not self.updating_in_place:
                self._retire(target)  # the variable's old object is not its own
            self._same_object(source.name, target)
            if source.name in self.view_roots:  # a value that may be (or hold)
                self._share([source], holder=target)  # what it was made from
        root = self._parameter_root(source.name)
        if root is not None:  # (the caller's object on this path: updates of
            self.buffer_root[target] = root  # it are followed as the code runs)
        if was_fresh:
            self.fresh.add(target)
        else:
            self.fresh.discard(target)

    def _state(self) -> tuple[frozenset, frozenset, frozenset]:
        held = frozenset((v, h) for v, hs in self.holders.items() for h in hs)
        return frozenset(self.varied), frozenset(self.fresh), held

    def _set_state(self, state: tuple[frozenset, frozenset, frozenset]) -> None:
        self.varied, self.fresh = set(state[0]), set(state[1])
        self.holders = {}
        for value, holder in state[2]:
            self.holders.setdefault(value, set()).add(holder)

    @contextlib.contextmanager
    def _dry_run(self):
        """Run a lowering for its effect on the state only, then undo it."""
        saved = (
            dict(self.env),
            dict(self.pinned),
            dict(self.shapes),
            list(self.body),
            set(self.names.taken),
            set(self.names.claimed),
            self.origin,
            self.returns_everywhere,
            self.has_control_flow,
        )
        try:
            yield
        finally:
            state = self._state()
            (
                self.env,
                self.pinned,
                self.shapes,
                self.body,
                self.names.taken,
                self.names.claimed,
                self.origin,
                self.returns_everywhere,
                self.has_control_flow,
            ) = saved
            self._set_state(state)

    # ---- statements --------------------------------------------------------


def _copied(statement: ir.Statement) -> str | None:
    """The variable a statement copies (``pinned = source``), if it is one."""
    if isinstance(statement, ir.Assign) and isinstance(statement.value.node, cst.Name):
        return statement.value.node.value
    if (
        isinstance(statement, ir.Apply)
        and statement.prim is registry.lookup(COPY)
        and isinstance(statement.args[0], ir.Var)
    ):
        return statement.args[0].name
    return None
