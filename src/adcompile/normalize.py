"""Lower a function body to the normal form of ``ir``.

Invariant of the output: every ``Apply`` computes one primitive whose
operands are ``Var`` (a value that may carry a derivative: it depends on a
``wrt`` parameter) or ``Static`` (code that carries none, kept as the user
wrote it, with local names renamed). Every variable is assigned once; a
reassigned user name gets a fresh name (``h``, ``h_1``, ...). Sub-expressions
that carry no derivative are never split up, so the forward sweep reads like
the user's code. Method calls and attributes on arrays (``x.sum()``, ``x.T``)
become the numpy functions they stand for.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from typing import Any

import libcst as cst

from . import ir
from .errors import UnsupportedSyntax
from .exits import lift_exits
from .lower import ExpressionLowering, _load_names
from .naming import NameAllocator
from .rules import registry
from .rules.patterns import APPEND, COPY
from .rules.registry import SCALAR
from .source import FunctionSource
from .static_code import is_numeric_literal, rename_locals, resolve_callee
from .templates import parenthesize, render

AUGMENTED = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide,
    cst.PowerAssign: cst.Power,
    cst.MatrixMultiplyAssign: cst.MatrixMultiply,
    cst.ModuloAssign: cst.Modulo,
    cst.FloorDivideAssign: cst.FloorDivide,
}

IN_PLACE_METHODS = frozenset({"sort", "fill", "resize", "put", "itemset", "setfield"})


class Normalizer(ExpressionLowering):
    """Builds one ``ir.Program`` from one parsed function."""

    def __init__(
        self,
        source: FunctionSource,
        wrt: list[str],
        wrt_is_tuple: bool,
        np_name: str,
        has_aux: bool = False,
    ) -> None:
        self.source = source
        self.definition = source.definition
        self.env: dict[str, str] = {}
        self.varied: set[str] = set()
        self.fresh: set[str] = set()  # values no other name can see (safe for +=)
        self.shapes: dict[str, object] = {}
        self.body: list[ir.Statement] = []
        self.names = NameAllocator(_all_names(source.module))
        self.origin = ir.Origin("")
        self.wrt = wrt
        self.wrt_is_tuple = wrt_is_tuple
        self.np_name = np_name
        self.pinned: dict[str, str] = {}  # user name -> its one name in a construct
        self.pinned_all: set[str] = set()
        self.loop_depth = 0
        self.returns_everywhere = False
        self.has_control_flow = False
        self.result_key = _free_name("out", self.names.taken)
        self.has_aux = has_aux
        self.aux_key = _free_name("aux", self.names.taken | {self.result_key})
        self.result_origin = self.origin

    # ---- entry point -------------------------------------------------------

    def run(self) -> ir.Program:
        params = self.definition.params
        param_names = [
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        ]
        for name in param_names:
            self.env[name] = name
            self.names.claim(name)
            self.shapes[name] = ("param", name)
            if name in self.wrt:
                self.varied.add(name)
        self._block(lift_exits(_statements(self.definition)))
        _mark_overwrites(self.body, set(self.pinned_all))
        result_name = self.env.get(self.result_key)
        if result_name is None or not self.returns_everywhere:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} may return nothing (None)",
                "return the value to differentiate (a real scalar for grad) at "
                "the end of every path through the function",
                self.source.location(self.definition),
            )
        result: ir.Operand = (
            ir.Var(result_name)
            if result_name in self.varied
            else ir.Static(cst.Name(result_name))
        )
        aux_name = self.env.get(self.aux_key) if self.has_aux else None
        aux = None if aux_name is None else ir.Static(cst.Name(aux_name))
        return ir.Program(
            name=self.definition.name.value,
            params=params,
            param_names=param_names,
            wrt=self.wrt,
            wrt_is_tuple=self.wrt_is_tuple,
            body=self.body,
            result=result,
            result_origin=self.result_origin,
            shapes=self.shapes,
            taken_names=self.names.taken,
            has_control_flow=self.has_control_flow,
            pinned_names=set(self.pinned_all),
            aux=aux,
        )

    # ---- blocks and control flow -----------------------------------------

    def _block(self, statements: list[cst.BaseStatement]) -> None:
        """Lower a block; ``returns_everywhere`` says if it ended in a return."""
        self.returns_everywhere = False
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self.origin = ir.Origin(
                        self.source.code(small), small, locate=self.source.location
                    )
                    if isinstance(small, cst.Return):
                        self._return(small)
                        self.returns_everywhere = True
                    elif isinstance(small, (cst.Break, cst.Continue)):
                        kind = "break" if isinstance(small, cst.Break) else "continue"
                        self.body.append(ir.Jump(kind, self.origin))
                    else:
                        self._statement(small)
            elif isinstance(statement, (cst.If, cst.For, cst.While)):
                outer_pinned = dict(self.pinned)
                if isinstance(statement, cst.If):
                    self._if(statement)
                elif isinstance(statement, cst.For):
                    self._for(statement)
                else:
                    self._while(statement)
                self.pinned = outer_pinned  # after the construct: plain names again
            else:
                raise self._unsupported(statement, "this statement")

    def _sub_block(self, statements: list[cst.BaseStatement]) -> list[ir.Statement]:
        outer, self.body = self.body, []
        try:
            self._block(statements)
            return self.body
        finally:
            self.body = outer

    def _header_origin(self, node: cst.CSTNode, header: cst.CSTNode) -> ir.Origin:
        code = self.source.code(header).rstrip(":")
        return ir.Origin(code, node, locate=self.source.location)

    def _if(self, node: cst.If) -> None:
        self.has_control_flow = True
        origin = self._header_origin(node, node.test)
        self.origin = ir.Origin(f"if {origin.code}:", node, locate=self.source.location)
        if_origin = self.origin
        cond = self._record(node.test, "cond")
        pinned = assigned_names([node])
        if _contains_return(node):
            pinned |= (
                {self.result_key, self.aux_key} if self.has_aux else {self.result_key}
            )
        self._pin(pinned)
        entry = self._state()
        body = self._sub_block(list(node.body.body))
        body_returns, after_body = self.returns_everywhere, self._state()
        self._set_state(entry)
        orelse = self._sub_block(_else_statements(node))
        orelse_returns = self.returns_everywhere
        self._set_state(_merge(after_body, self._state()))
        self.returns_everywhere = body_returns and orelse_returns
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
        entry = self._state()
        body = self._sub_lower(lambda: self._lower_into(node.body, key))
        after_body = self._state()
        self._set_state(entry)
        orelse = self._sub_lower(lambda: self._lower_into(node.orelse, key))
        self._set_state(_merge(after_body, self._state()))
        self.pinned = outer_pinned
        self.shapes[name] = ("value", name)
        if new_name:  # each path gives the variable its first value
            for statement in [*body, *orelse]:
                if getattr(statement, "target", "") == name:
                    statement.initializes = True
        self.body.append(ir.Branch(cond, body, orelse, origin))
        if target_name is not None and target_name not in self.pinned:
            self.env[target_name] = name
        return ir.Var(name) if name in self.varied else ir.Static(cst.Name(name))

    def _comprehension(self, node: cst.ListComp | cst.GeneratorExp) -> ir.Operand:
        """``[f(x) for x in xs if c]`` (or a generator) on values that carry a
        derivative: the loop that appends to a new list, written out."""
        items = _free_name("items", self.names.taken | set(self.env))
        element = node.elt
        clauses = []
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            clauses.append(clause)
            clause = clause.inner_for_in
        renames: dict[str, str] = {}
        for clause in clauses:  # comprehension variables are its own
            for name in sorted(_target_names(clause.target)):
                if name in self.env or name in renames.values():
                    renames[name] = _free_name(name, self.names.taken | set(self.env))
        element = _rename(element, renames)
        body: cst.BaseStatement = cst.SimpleStatementLine(
            [cst.Expr(cst.parse_expression(f"{items}.append(__element__)"))]
        )
        body = _rename(body, {"__element__": "__element__"})
        body = body.visit(_Replace("__element__", element))
        for clause in reversed(clauses):
            for condition in reversed(clause.ifs):
                body = cst.If(
                    test=_rename(condition.test, renames),
                    body=cst.IndentedBlock([body]),
                )
            body = cst.For(
                target=_rename(clause.target, renames),
                iter=_rename(clause.iter, renames),
                body=cst.IndentedBlock([body]),
            )
        start = cst.parse_statement(f"{items} = []")
        before = {
            name: self.env.get(name) for name in _loop_variables(clauses, renames)
        }
        self._block([start, body])
        for name, previous in before.items():  # they do not leak out
            if previous is None:
                self.env.pop(name, None)
            else:
                self.env[name] = previous
        value = self.env[items]
        return ir.Var(value) if value in self.varied else ir.Static(cst.Name(value))

    def _sub_lower(self, lower: Callable[[], object]) -> list[ir.Statement]:
        outer, self.body = self.body, []
        try:
            lower()
            return self.body
        finally:
            self.body = outer

    def _for(self, node: cst.For) -> None:
        self.has_control_flow = True
        if node.orelse is not None:
            raise self._unsupported(node.orelse, "a for/else clause")
        header = (
            f"for {self.source.code(node.target)} in {self.source.code(node.iter)}:"
        )
        self.origin = ir.Origin(header, node, locate=self.source.location)
        loop_origin = self.origin
        statements = list(node.body.body)
        target, iterable, prologue = self._iteration(node)
        assigned = assigned_names([node]) | _target_names(target)
        if _names_in(iterable) & assigned or self._is_varied(iterable):
            iterable = self._saved_iterable(iterable)
        trips = self._trips() if _breaks(statements) else None
        self._pin(assigned)
        renamed_target = rename_locals(target, self.env)
        for name in _target_names(target):
            self.varied.discard(self.env[name])
        body = self._loop_body(prologue + statements, trips, loop_origin)
        self.origin = loop_origin
        self.body.append(
            ir.Loop("for", renamed_target, iterable, None, body, trips, loop_origin)
        )

    def _while(self, node: cst.While) -> None:
        self.has_control_flow = True
        if node.orelse is not None:
            raise self._unsupported(node.orelse, "a while/else clause")
        header = f"while {self.source.code(node.test)}:"
        self.origin = ir.Origin(header, node, locate=self.source.location)
        loop_origin = self.origin
        trips = self._trips()
        self._pin(assigned_names([node]))
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
                merged = _merge(entry, after)
                self._set_state(merged)
                if merged == entry:
                    break
            body = self._counted_body(statements, trips, origin)
            self._set_state(_merge(entry, self._state()))
            self.returns_everywhere = False
            return body
        finally:
            self.loop_depth -= 1

    def _counted_body(
        self, statements: list[cst.BaseStatement], trips: str | None, origin: ir.Origin
    ) -> list[ir.Statement]:
        outer, self.body = self.body, []
        try:
            if trips is not None:
                self.origin = origin
                count = cst.parse_expression(f"{trips} + 1")
                self.body.append(
                    ir.Assign(trips, ir.Static(count), origin, overwrites=True)
                )
            self._block(statements)
            return self.body
        finally:
            self.body = outer

    def _iteration(
        self, node: cst.For
    ) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, list]:
        """Loops over values that carry a derivative become loops over indices.

        ``for row in X`` is lowered as ``for i in range(len(X)): row = X[i]``
        (likewise ``enumerate``, ``zip`` and ``reversed``), so each row's
        adjoint flows back into X's.
        """
        iterable = node.iter
        if not self._is_varied(iterable):
            return node.target, rename_locals(iterable, self.env), []
        index = _free_name("i", self.names.taken)
        call = iterable if isinstance(iterable, cst.Call) else None
        function = (
            resolve_callee(self.source, call.func, self.env, strict=False)
            if call is not None
            else None
        )
        sources = [a.value for a in call.args] if call is not None else []
        if function is enumerate and len(sources) == 1:
            (sequence,) = sources
            if not isinstance(node.target, cst.Tuple) or len(node.target.elements) != 2:
                raise self._unsupported(node.target, "this loop target")
            counter, item = (e.value for e in node.target.elements)
            length = f"len({self.source.code(sequence)})"
            prologue = [
                _line(counter, cst.Name(index)),
                _item_line(item, sequence, index),
            ]
        elif function is zip and sources:
            if not isinstance(node.target, cst.Tuple) or len(
                node.target.elements
            ) != len(sources):
                raise self._unsupported(node.target, "this loop target")
            lengths = ", ".join(f"len({self.source.code(s)})" for s in sources)
            length = f"min({lengths})"
            prologue = [
                _item_line(e.value, s, index)
                for e, s in zip(node.target.elements, sources, strict=True)
            ]
        elif function is reversed and len(sources) == 1:
            (sequence,) = sources
            code = self.source.code(sequence)
            length = f"len({code})"
            reverse_index = cst.parse_expression(f"len({code}) - 1 - {index}")
            prologue = [_item_line(node.target, sequence, reverse_index)]
        else:
            length = f"len({self.source.code(iterable)})"
            prologue = [_item_line(node.target, iterable, index)]
        target = cst.Name(index)
        range_call = rename_locals(cst.parse_expression(f"range({length})"), self.env)
        return target, range_call, prologue

    def _saved_iterable(self, iterable: cst.BaseExpression) -> cst.BaseExpression:
        name = self.names.fresh("iterable")
        value = cst.parse_expression(f"list({render(iterable)})")
        if _is_range(iterable):
            value = iterable
        self.body.append(ir.Assign(name, ir.Static(value), self.origin))
        return cst.Name(name)

    def _trips(self) -> str:
        name = self.names.fresh("trips")
        self.body.append(ir.Assign(name, ir.Static(cst.Integer("0")), self.origin))
        return name

    def _record(self, test: cst.BaseExpression, word: str) -> str:
        """Evaluate a branch condition once, into a variable the backward
        sweep reads to take the same branch."""
        name = self.names.fresh(word)
        static = ir.Static(rename_locals(test, self.env))
        self._unfresh_names(test)
        self.body.append(
            ir.Assign(name, static, self.origin, overwrites=self.loop_depth > 0)
        )
        return name

    def _pin(self, names: set[str]) -> None:
        """Give each user name assigned inside a loop or branch one variable
        for the whole construct, so every path writes the same name."""
        for name in sorted(names - set(self.pinned)):
            current = self.env.get(name)
            if current is not None and self._unaliased(name, current):
                pinned = current
            else:
                pinned = (
                    name if self.names.claim_if_free(name) else self.names.fresh(name)
                )
            self.env[name] = pinned
            self.pinned[name] = pinned
            self.pinned_all.add(pinned)
            self.shapes[pinned] = ("value", pinned)
            if current is not None and current != pinned:
                self._copy(name, ir.Var(current), initializes=True)

    def _unaliased(self, name: str, current: str) -> bool:
        return all(v != current or k == name for k, v in self.env.items())

    def _copy(self, name: str, source: ir.Var, initializes: bool = False) -> None:
        """``pinned = source`` for the user name ``name``'s pinned variable."""
        target = self.pinned[name]
        if source.name in self.varied:
            self._apply(registry.lookup(COPY), [source], {}, name)
            self.body[-1].initializes = initializes
        else:
            copy = ir.Assign(target, ir.Static(cst.Name(source.name)), self.origin)
            copy.initializes = initializes
            self.body.append(copy)
            self.varied.discard(target)

    def _state(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.varied), frozenset(self.fresh)

    def _set_state(self, state: tuple[frozenset[str], frozenset[str]]) -> None:
        self.varied, self.fresh = set(state[0]), set(state[1])

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
            varied, fresh = self._state()
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
            self._set_state((varied, fresh))

    # ---- statements --------------------------------------------------------

    def _statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Pass):
            return
        if isinstance(node, cst.Expr):
            if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # a docstring
            if _is_append(node.value, self.env):
                self._append(node.value)
                return
            self._effect(node)
            return
        if isinstance(node, cst.Assert):
            self._effect(node)
            return
        if isinstance(node, cst.Assign):
            self._assign([t.target for t in node.targets], node.value)
            return
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._assign([node.target], node.value)
            return
        if isinstance(node, cst.AugAssign):
            self._augmented(node)
            return
        raise self._unsupported(node, "this statement")

    def _append(self, call: cst.Call) -> None:
        """``items.append(value)`` on a list the function made: the list
        becomes ``items + [value]``, whose adjoint splits in two."""
        assert isinstance(call.func, cst.Attribute)
        owner = call.func.value
        assert isinstance(owner, cst.Name)
        name = owner.value
        value = call.args[0].value
        if not (self._is_varied(value) or self._is_varied(owner)):
            self._effect(cst.Expr(call))
            return
        if self.env[name] not in self.fresh:
            raise UnsupportedSyntax(
                f"append to '{name}', a list that may be shared with the caller "
                "or another name",
                f"build a new list in the function ('{name} = []') and append to "
                "that",
                self.source.location(call),
            )
        items = self._lower(owner)
        item = self._lower(value)
        self._apply(registry.lookup(APPEND), [items, item], {}, name, node=call)
        self.fresh.add(self.env[name])

    def _effect(self, node: cst.BaseSmallStatement) -> None:
        for call in _calls(node):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and self._is_varied(func.value)
                and func.attr.value in IN_PLACE_METHODS
            ):
                raise UnsupportedSyntax(
                    f"the in-place method .{func.attr.value}() changes a value "
                    "the gradient depends on",
                    "use the numpy function that returns a new array "
                    f"(np.{func.attr.value}(...)) and assign its result",
                    self.source.location(call),
                )
        self._unfresh_names(node)
        self.body.append(ir.Effect(rename_locals(node, self.env), self.origin))

    def _return(self, node: cst.Return) -> None:
        if node.value is None:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} returns nothing",
                "return the value to differentiate (a real scalar for grad)",
                self.source.location(node),
            )
        self.result_origin = self.origin
        if not self.has_aux:
            self._lower_into(node.value, self.result_key)
            return
        value = node.value
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == 2:
            first, second = (e.value for e in value.elements)
            self._lower_into(first, self.result_key)
            self._assign_static(second, self.aux_key)  # aux carries no gradient
            return
        pair = self._lower(value)  # a pair computed elsewhere: take it apart
        for position, key in enumerate((self.result_key, self.aux_key)):
            index = cst.Integer(str(position))
            if isinstance(pair, ir.Var):
                getitem = registry.lookup(operator.getitem)
                self._apply(getitem, [pair], {}, key, node=value, index=index)
            else:
                element = cst.SubscriptElement(cst.Index(index))
                part = cst.Subscript(parenthesize(pair.node), [element])
                self._bind_alias(key, ir.Static(part))

    def _assign(self, targets: list[cst.BaseExpression], value: cst.BaseExpression):
        first, *others = targets
        for target in targets:
            self._check_target(target)
        if isinstance(first, cst.Name):
            operand = self._lower_into(value, first.value)
        elif isinstance(first, (cst.Tuple, cst.List)):
            operand = self._unpack(first, value)
        else:
            raise self._unsupported(first, "assignment to this target")
        for other in others:
            if not isinstance(other, cst.Name):
                raise self._unsupported(other, "assignment to this target")
            self._bind_alias(other.value, operand)

    def _check_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                if isinstance(element, cst.StarredElement):
                    raise self._unsupported(element, "starred unpacking")
                self._check_target(element.value)
            return
        if isinstance(target, cst.Subscript):
            raise UnsupportedSyntax(
                "assignment into part of an array (x[...] = ...) cannot be "
                "differentiated yet",
                "build the array with np.where, np.concatenate or np.stack instead",
                self.source.location(target),
            )
        if isinstance(target, cst.Attribute):
            raise UnsupportedSyntax(
                "assignment to an attribute cannot be differentiated",
                "assign to a local variable",
                self.source.location(target),
            )

    def _unpack(self, target: cst.Tuple | cst.List, value: cst.BaseExpression):
        names = [e.value for e in target.elements]
        if not all(isinstance(n, cst.Name) for n in names):
            raise self._unsupported(target, "nested unpacking")
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(
            names
        ):
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                raise self._unsupported(value, "starred elements")
            operands = []
            for position, (name, element) in enumerate(
                zip(names, value.elements, strict=True)
            ):
                later = value.elements[position + 1 :]
                read_later = any(name.value in _load_names(e) for e in later)
                if read_later or isinstance(element.value, cst.Name):
                    operands.append((name.value, self._lower(element.value)))
                else:  # safe to give the value its user name right away
                    self._lower_into(element.value, name.value)
            written = {self.pinned[n] for n, _ in operands if n in self.pinned}
            for position, (name, operand) in enumerate(operands):
                if isinstance(operand, ir.Var) and operand.name in written:
                    # a, b = b, a on a loop's variables: read b before a changes
                    snapshot = self.names.fresh(f"old_{operand.name}")
                    if operand.name in self.varied:
                        copy = registry.lookup(COPY)
                        self._apply(copy, [operand], {}, None, target=snapshot)
                    else:
                        static = ir.Static(cst.Name(operand.name))
                        self.body.append(ir.Assign(snapshot, static, self.origin))
                    operands[position] = (name, ir.Var(snapshot))
            for name, operand in operands:
                self._bind_alias(name, operand)
            return None
        if not self._is_varied(value):
            static = ir.Static(rename_locals(value, self.env))
            targets = [self._new_ssa(n.value) for n in names]
            self.body.append(ir.Assign(", ".join(targets), static, self.origin))
            return None
        whole = self._lower(value)
        for position, name in enumerate(names):
            element = cst.Integer(str(position))
            target = self._new_ssa(name.value)
            self._apply(
                registry.lookup(operator.getitem),
                [whole],
                {},
                target,
                node=value,
                index=element,
            )
        return None

    def _augmented(self, node: cst.AugAssign) -> None:
        target = node.target
        if not isinstance(target, cst.Name):
            self._check_target(target)
            raise self._unsupported(target, "augmented assignment to this target")
        name = target.value
        current = self.env.get(name)
        if current is None:
            raise self._unsupported(target, f"'{name}' used before assignment:")
        if current not in self.fresh:
            raise UnsupportedSyntax(
                f"augmented assignment to '{name}', which may share memory with "
                "a parameter or another array",
                "numpy updates arrays in place for +=, *=, ...; adcompile does not "
                f"differentiate in-place updates yet: write '{name} = {name} "
                f"{self.source.code(node.operator).strip()[:-1].strip()} ...'",
                self.source.location(node),
            )
        operator_type = AUGMENTED.get(type(node.operator))
        if operator_type is None:
            raise self._unsupported(node, "this augmented assignment")
        expression = cst.BinaryOperation(
            left=target, operator=operator_type(), right=node.value
        )
        self._lower_into(expression, name)

    # ---- expressions -------------------------------------------------------

    def _lower_into(self, value: cst.BaseExpression, name: str) -> ir.Operand:
        if isinstance(value, cst.Name) and value.value in self.env:
            operand = self._lower(value)
            self._bind_alias(name, operand)
            return operand
        if not self._is_varied(value):
            return self._assign_static(value, name)
        operand = self._lower(value, target_name=name)
        if not (isinstance(operand, ir.Var) and self.env.get(name) == operand.name):
            self._bind_alias(name, operand)  # lowered to a value named otherwise
        return operand

    def _assign_static(self, value: cst.BaseExpression, name: str) -> ir.Operand:
        """``name = value`` run as written, its value carrying no derivative."""
        self._unfresh_names(value)
        static = ir.Static(rename_locals(value, self.env))
        target = self._new_ssa(name)
        self.body.append(ir.Assign(target, static, self.origin))
        self.varied.discard(target)
        shape = SCALAR if is_numeric_literal(value) else ("value", target)
        self._set_shape(target, shape)
        if _creates_new_value(value):
            self.fresh.add(target)
        else:
            self.fresh.discard(target)
        return ir.Var(target)

    def _bind_alias(self, name: str, operand: ir.Operand) -> None:
        if isinstance(operand, ir.Var):
            self.fresh.discard(operand.name)
            if name in self.pinned:  # the construct's variable: copy into it
                if self.pinned[name] != operand.name:
                    self._copy(name, operand)
                return
            self.env[name] = operand.name
            return
        target = self._new_ssa(name)
        self.body.append(ir.Assign(target, operand, self.origin))
        self.varied.discard(target)
        self.fresh.discard(target)
        self._set_shape(
            target, SCALAR if is_numeric_literal(operand.node) else ("value", target)
        )


def normalize(
    source: FunctionSource,
    wrt: list[str],
    wrt_is_tuple: bool,
    np_name: str = "np",
    has_aux: bool = False,
) -> ir.Program:
    """Lower ``source`` to normal form, differentiating with respect to wrt."""
    return Normalizer(source, wrt, wrt_is_tuple, np_name, has_aux).run()


def _statements(definition: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = definition.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else [body]


def _small_statements(statement: cst.CSTNode) -> list[cst.BaseSmallStatement]:
    if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        return list(statement.body)
    raise UnsupportedSyntax(f"unexpected statement {type(statement).__name__}")


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(Finder())
    return found


def _all_names(module: cst.Module) -> set[str]:
    names: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    module.visit(Finder())
    return names


def _creates_new_value(node: cst.BaseExpression) -> bool:
    """A value no other name can refer to: a literal, a new list, an
    arithmetic result."""
    if is_numeric_literal(node):
        return True
    new = (cst.BinaryOperation, cst.UnaryOperation, cst.List, cst.ListComp)
    return isinstance(node, new)


def _is_append(node: cst.BaseExpression, env: dict[str, str]) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "append"
        and isinstance(node.func.value, cst.Name)
        and node.func.value.value in env
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
    )


def _free_name(base: str, taken: set[str]) -> str:
    name, counter = base, 0
    while name in taken:
        counter += 1
        name = f"{base}_{counter}"
    return name


def _merge(a: tuple, b: tuple) -> tuple[frozenset[str], frozenset[str]]:
    """State after two paths join: varied on either, fresh on both."""
    return frozenset(a[0] | b[0]), frozenset(a[1] & b[1])


def _else_statements(node: cst.If) -> list[cst.BaseStatement]:
    orelse = node.orelse
    if orelse is None:
        return []
    if isinstance(orelse, cst.If):
        return [orelse]
    return list(orelse.body.body)


def assigned_names(statements: list[cst.CSTNode]) -> set[str]:
    """User names assigned anywhere in ``statements`` (loop targets too)."""
    names: set[str] = set()

    def add_target(target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                add_target(element.value)

    class Finder(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            add_target(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            add_target(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            add_target(node.target)

        def visit_For(self, node: cst.For) -> None:
            add_target(node.target)

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func  # items.append(value) makes a new items
            if isinstance(func, cst.Attribute) and func.attr.value == "append":
                add_target(func.value)

    for statement in statements:
        statement.visit(Finder())
    return names


def _target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _target_names(e.value)}
    return set()


def _names_in(node: cst.CSTNode) -> set[str]:
    return _load_names(node)


def _breaks(statements: list[cst.BaseStatement]) -> bool:
    """Whether a ``break`` of this loop (not of a nested one) is inside."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Break(self, node: cst.Break) -> None:
            nonlocal found
            found = True

        def visit_For(self, node: cst.For) -> bool:
            return False

        def visit_While(self, node: cst.While) -> bool:
            return False

    for statement in statements:
        statement.visit(Finder())
    return found


def _is_range(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "range"
    )


def _line(target: cst.BaseExpression, value: cst.BaseExpression) -> cst.BaseStatement:
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], value)])


def _item_line(
    target: cst.BaseExpression, sequence: cst.BaseExpression, index: object
) -> cst.BaseStatement:
    index_node = cst.Name(index) if isinstance(index, str) else index
    element = cst.Subscript(
        value=sequence, slice=[cst.SubscriptElement(cst.Index(index_node))]
    )
    return _line(target, element)


def _mark_overwrites(
    statements: list[ir.Statement], pinned: set[str], context: str = "top"
) -> None:
    """Flag assignments that may overwrite a value the backward sweep needs:
    every assignment inside a loop, and assignments to a construct's
    variable inside a branch. Top-level assignments define, never overwrite."""
    for statement in statements:
        if isinstance(statement, (ir.Apply, ir.Assign, ir.Pack)):
            targets = set(statement.target.split(", "))
            first = getattr(statement, "initializes", False)  # its first value
            if context == "loop" or (
                context == "branch" and targets & pinned and not first
            ):
                statement.overwrites = True
        elif isinstance(statement, ir.Branch):
            inner = "loop" if context == "loop" else "branch"
            _mark_overwrites(statement.body, pinned, inner)
            _mark_overwrites(statement.orelse, pinned, inner)
        elif isinstance(statement, ir.Loop):
            _mark_overwrites(statement.body, pinned, "loop")


def _contains_return(node: cst.CSTNode) -> bool:
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Return(self, return_node: cst.Return) -> None:
            nonlocal found
            found = True

    node.visit(Finder())
    return found


class _Replace(cst.CSTTransformer):
    """Replace every ``Name(placeholder)`` with an expression."""

    def __init__(self, placeholder: str, replacement: cst.BaseExpression) -> None:
        self.placeholder = placeholder
        self.replacement = replacement

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.replacement if original.value == self.placeholder else updated


def _rename(node: Any, renames: dict[str, str]) -> Any:
    return rename_locals(node, renames) if renames else node


def _loop_variables(clauses: list[cst.CompFor], renames: dict[str, str]) -> set[str]:
    names: set[str] = set()
    for clause in clauses:
        names |= {renames.get(n, n) for n in _target_names(clause.target)}
    return names
