"""The arguments of calls into user code: what the callee is given.

A callee that writes into what it is given gets a private copy
(``_private_argument``), so that the values the derivative reads stay as
they were; a callee whose writes are not known (a function known only as
the code runs, a method) gets the object itself (``_dynamic_argument``),
since it may also keep or return it. Either way, where a name read later or
the caller sees the object, ``unwritten`` compares it after the call with a
copy made before, and refuses a write as the code runs.

Invariant: after a call into user code, every object a name read later (or
the caller) sees either holds the values it held before the call, or the
call is followed by the check that refuses it, or the write comes back as a
value (``write_back.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.call_order import (
    read_before,
    read_besides,
    runs_once_in_order,
)
from adcompile._src.normal.parts import field_read
from adcompile._src.normal.purity import purity
from adcompile._src.normal.sharing import load_names
from adcompile._src.normal.values import (
    creates_new_value,
    new_number_or_array,
    writes_constants_only,
)
from adcompile._src.normal.written_arguments import param_at
from adcompile._src.read.static_code import (
    bound_names,
    chain_base,
    is_numeric_literal,
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.registry import SCALAR
from adcompile._src.runtime import HELPERS
from adcompile._src.syntax.naming import operand_word
from adcompile._src.syntax.templates import render
from adcompile._src.syntax.tree import walk

_NUMBERS = (len, int, float, bool)  # builtins whose results are numbers


class CallArguments:
    """Mixed into the Normalizer through ``CallLowering``."""

    def _written_items_named(self, node: cst.Call, callee: object) -> cst.Call:
        """``h(y[i])`` (or ``h(p.W)``) where ``h`` writes into that
        parameter: the item (or view, or field) given a name of its own
        where Python evaluates it, ``item = y[i]``, and ``h(item)`` called,
        so that the write comes back as for any name (``write_back.py``)
        and reaches ``y`` as a write through ``item`` does (a view's, or an
        item's that ``y`` holds, ``parts.py``). Only for a call made once,
        in order, with no call nor ``:=`` evaluated before the argument in
        the call (the item is read when Python reads it; a field read,
        ``getattr(p, "W")`` too, runs no code: one that would is refused as
        the derivative runs), and ``y`` read nowhere before the call in the
        statement (as for a name written back)."""
        known = purity(callee)
        statement = self._statement_in_order()
        if (
            not (known.writes and known.copies_suffice and known.written)
            or any(a.star for a in node.args)
            or statement is None
            or not runs_once_in_order(statement, self.source.within(node, statement))
        ):
            return node
        args = list(node.args)
        for position, arg in enumerate(node.args):
            where: int | str = arg.keyword.value if arg.keyword else position
            if param_at(callee, where) not in known.written:
                continue
            base, _ = chain_base(arg.value)
            if not (
                isinstance(arg.value, cst.Subscript)
                or field_read(arg.value) is not None
            ) or not isinstance(base, cst.Name):
                continue
            if any(
                isinstance(n, cst.NamedExpr)
                or isinstance(n, cst.Call)
                and field_read(n) is None
                for a in node.args[: position + 1]
                for n in walk(a.value)
            ):
                break
            current = self.env.get(base.value, "")
            if read_before(  # (``y[0] * h(y[0])``: y's row is read first)
                statement,
                self.source.within(node, statement),
                base.value,
                self._consumer_for(current),
            ):
                break
            item = self.names.fresh(f"{base.value}_item")
            self._assign([cst.Name(item)], arg.value)
            args[position] = arg.with_changes(value=cst.Name(item))
        if args == list(node.args):
            return node
        named = node.with_changes(args=args)
        self.source.moved(named, node)
        return named

    def _private_argument(
        self,
        operand: ir.Operand,
        func: cst.BaseExpression,
        node: cst.Call,
        param: str | None = None,
    ) -> ir.Operand:
        """An argument that carries a derivative, for a function that may
        write into it: a copy (``private_copy``), so that the values the
        gradient reads stay as they were. If a name read later, or the
        caller (the object is a parameter's, or one it was updated into),
        sees the object, the call is followed by ``unwritten``, which
        refuses it as the code runs if the callee did write into the copy:
        in Python they would see the write, and the callee's derivative
        cannot carry it back into this function. The names the statement
        reads elsewhere count as read later: the rest of it may read them
        after the call. So does a name that carries no derivative (a buffer
        the callee fills with values that do): its values after the call
        would carry none. A function defined here holds no values to write
        into: it is given as it is (a copy would seem to carry a
        derivative, and the callee's derivative would be taken with respect
        to it)."""
        if self._is_local_function(operand):
            return operand
        name = _array_name(operand, self.shapes)
        if (
            name is None
            and isinstance(operand, ir.Static)
            and isinstance(operand.node, cst.Name)
            and any(operand.node.value in seen for seen in self.holders.values())
        ):  # (of a kind not known, but a view or item of another value's:
            name = operand.node.value  # an array, perhaps, whose write it sees)
        if (
            isinstance(operand, ir.Static)
            and name is not None
            and param is not None
            and writes_constants_only(
                resolve_callee(self.source, func, self.env, strict=False), param
            )
            and self._seen_as_written(name, self._user_name(name)) is not None
        ):
            return operand  # (run as written: it writes no derivative)
        if name is None and self._holds_locals(operand):  # ([x, 2.0 * x]:
            return self._checked_after(operand, render(operand.node))  # x's)
        if name is None or self.shapes.get(name) == SCALAR:
            return operand  # (a number: ``z += v`` in the callee rebinds z)
        if self._seen_after(name, node):
            return self._checked_after(operand, name)  # (did it write?)
        copy = registry.lookup(HELPERS["private_copy"])  # (an array or list)
        return self._apply(copy, [operand], {}, None, node=node)

    def _is_local_function(self, operand: ir.Operand) -> bool:
        """Whether ``operand`` names a function this one defines (a
        closure, lifted)."""
        return (
            isinstance(operand, ir.Static)
            and isinstance(operand.node, cst.Name)
            and operand.node.value in self.nested_purity
        )

    def _user_name(self, variable: str) -> str:
        """A user's name that holds ``variable`` ("" if none does)."""
        return next((n for n, v in self.env.items() if v == variable), "")

    def _makes_new_value(self, node: cst.BaseExpression) -> bool:
        """Whether code run as written makes a value no name refers to
        (``values.creates_new_value``), for ``sharing._static_roots``."""
        return creates_new_value(node, self.source)

    def _new_number_or_array(self, node: cst.BaseExpression) -> bool:
        """Whether ``node`` makes a number or array holding nothing
        (``values.new_number_or_array``), for ``sharing._arithmetic``."""
        return new_number_or_array(node, self.source)

    def _holds_locals(self, operand: ir.Operand) -> bool:
        """Whether ``operand``, code that carries no derivative and is no
        plain name, may be or hold the object of a local name (``[x, 2.0 *
        x]``, ``M[0]``): a callee that writes into it, given values that
        do, would write them into that name's object, unseen."""
        if not isinstance(operand, ir.Static) or isinstance(operand.node, cst.Name):
            return False
        return self._names_an_object(operand)

    def _names_an_object(self, operand: ir.Operand) -> bool:
        """Whether ``operand`` may be, or hold, an object a variable holds: a
        variable, or code that reads one (not a literal, nor a new value)."""
        if isinstance(operand, ir.Var):
            return True
        variables = set(self.env.values()) | self.param_names  # (its names
        return _may_hold(operand.node, variables, self._makes_new_value)  # as run)

    def _dynamic_argument(self, operand: ir.Operand, node: cst.Call) -> ir.Operand:
        """An argument of a callee whose writes are not known (``g(x)`` with
        ``g = h``, a method): it may also keep or return it, so it gets the
        object itself (kept as it is now, ``_as_it_is_now``), and where a
        name read later or the caller sees it, a copy made before the call
        that ``unwritten`` compares it with after (not of a function defined
        here, which holds no values)."""
        if self._is_local_function(operand):
            return operand
        name = _array_name(operand, self.shapes)
        if name is not None and self.shapes.get(name) != SCALAR:
            if self._object_seen_after(name, node):
                self._checked_after(operand, name)
        return self._as_it_is_now(operand, False, node)

    def _object_seen_after(self, name: str, node: cst.Call) -> bool:
        """Whether a name read later (the rest of the statement too), or the
        caller, sees the object the variable ``name`` holds: not a name the
        statement gives a new value (``h = step(h)``), nor code that has
        seen it before (which ``_seen_after`` counts, for a copy's sake)."""
        statement = self._statement_in_order()
        rebound: set[str] = set()
        if isinstance(statement, cst.Assign):  # (and not read besides the call)
            rebound = {n for t in statement.targets for n in bound_names(t.target)}
            rebound -= read_besides(statement, self.source.within(node, statement))
        env = self.env
        self.env = {n: v for n, v in env.items() if n not in rebound}
        try:
            with self._rest_of_statement_read_later(node):
                observer = self._observer(name, "")
        finally:
            self.env = env
        return observer is not None or self._parameter_root(name) is not None

    def _seen_after(self, name: str, node: cst.Call) -> bool:
        """Whether a name read later (the rest of the statement too) or the
        caller (a parameter's object) sees the object ``name`` holds, or an
        object it holds (a list written out, ``h([x, y])``: the callee may
        change ``x`` in place)."""
        with self._rest_of_statement_read_later(node):
            return any(
                self._not_writable(value, "") is not None
                or self._parameter_root(value) is not None
                for value in (name, *sorted(self._held_by(name)))
            )

    def _checked_after(self, operand: ir.Operand, name: str) -> ir.Var:
        """A copy of ``operand`` (the object of ``name``) that ``unwritten``
        compares with the object after the call."""
        copy = self._apply(
            registry.lookup(HELPERS["private_copy"]), [operand], {}, None
        )
        if name in self.pinned_all:  # (a construct's variable, which the call's
            given = self.names.fresh(f"given_{name}")  # statement may give a new
            static = ir.Static(cst.Name(name))  # value: the object it held
            self.body.append(ir.Assign(given, static, self.origin))  # is checked)
            name = given
        self.unwritten_checks.append((copy.name, name))
        return copy

    def _as_it_is_now(
        self, operand: ir.Operand, result_new: bool, node: cst.Call
    ) -> ir.Operand:
        """An argument of a user function that carries no derivative but
        names an object the function may write into in place (later, or at
        an earlier trip of a loop): its values as they are now
        (``snapshot``), since the callee's derivative reads them when the
        backward sweep runs, after the write. Refused where the callee may
        return (part of) it (``result_new`` False, as for a callee known only
        as the code runs): its result must see the write."""
        if not isinstance(operand, ir.Static) or not isinstance(
            operand.node, (cst.Name, cst.Subscript, cst.Attribute)
        ):
            return operand  # (a value computed here is a new object)
        names = {n.value for n in walk(operand.node) if isinstance(n, cst.Name)}
        written = sorted(names & self.written_in_place)
        if not written:
            return operand
        if not result_new:
            code = self.source.code(self.source.original(operand.node))
            through = f" (through '{written[0]}')" if written[0] != code else ""
            raise UnsupportedSyntax(
                f"{self.source.code(node.func)}(...) is given '{code}', which the "
                f"function changes in place elsewhere{through}, and may return "
                "it: its derivative would read the changed values",
                f"pass a copy ({code}.copy()), or change a copy of it in place",
                self.source.location(node),
            )
        copy = cst.Call(cst.Name("snapshot"), [cst.Arg(operand.node)])
        return ir.Static(copy)

    def _in_order(self, nodes: list[cst.BaseExpression]) -> list[ir.Operand]:
        """Operands lowered in the order Python evaluates them. One that
        carries no derivative stays code, read where the operation is; where
        it computes a new value from names the function changes in place
        (``y ** 2``) and a later operand calls code that may change them
        (``y ** 2 + h(y)``, h writing into y), it is computed first, as in
        Python (``_state_now``). A name or a view is read when the
        operation applies, as Python reads it (``y - h(y)``): a name that a
        later operand's call wrote back (``g(y, h(y))``, ``[y, h(y)]``) is
        read again after it (``call_order._taken_when_made``)."""
        operands = []
        marks = []  # (how many names calls had written back before each)
        for position, node in enumerate(nodes):
            marks.append(len(self.written_back_names))
            operand = self._lower(node)
            if (
                isinstance(operand, ir.Static)
                and any(
                    isinstance(n, cst.Call)
                    for later in nodes[position + 1 :]
                    for n in walk(later)
                )
                and creates_new_value(node, self.source)
            ):
                operand = self._state_now(operand)
            operands.append(operand)
        for position, node in enumerate(nodes):  # (g(y, h(y)): y as h left it,
            if isinstance(node, cst.Name) and node.value in (  # when g is called)
                self.written_back_names[marks[position] :]
            ):
                operands[position] = self._lower(node)
        return operands

    def _state_now(self, operand: ir.Operand) -> ir.Operand:
        """An operand of a rule that carries no derivative and reads a
        name the function changes in place (``seen.append(1)``, then
        ``w * len(seen)``): its value now, kept in a variable (a snapshot),
        since the backward sweep reads it after the function has changed it
        (later in the function, or, for a parameter, the caller or a later
        call of this function). Other operands as they are."""
        if not isinstance(operand, ir.Static) or not self.written_in_place:
            return operand  # (most functions change nothing in place)
        read = load_names(operand.node) & self._changed_in_place()
        if not read or is_numeric_literal(operand.node):
            return operand
        now = self.names.fresh(f"{operand_word(min(read))}_now")
        value = operand.node  # (a number or a new value needs no copy)
        if not isinstance(value, cst.Call) or not (
            creates_new_value(value, self.source)
            or resolve_callee(self.source, value.func, {}, strict=False) in _NUMBERS
        ):
            value = cst.Call(cst.Name("snapshot"), [cst.Arg(value)])
        self.body.append(ir.Assign(now, ir.Static(value), self.origin))
        return ir.Static(cst.Name(now))

    def _changed_in_place(self) -> set[str]:
        """The names the function may change in place anywhere
        (``written_in_place``) and the variables they hold now: code reads
        either, as written or as it runs."""
        changed = set(self.written_in_place)
        return changed | {v for k, v in self.env.items() if k in changed}

    def _refuse_varied_star_arguments(
        self,
        node: cst.Call,
        callee: object,
        args: list[ir.Operand],
        kwargs: dict[str, ir.Operand],
    ) -> None:
        """A user function given values the gradient depends on through its
        ``*args`` or ``**kwargs``: its derivative is taken through named
        parameters only, so the call is refused where it is written."""
        try:
            params = list(inspect.signature(callee).parameters.values())
        except (TypeError, ValueError):
            return
        kinds = (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        named = [p for p in params if p.kind in kinds]
        star = next((p for p in params if p.kind is p.VAR_POSITIONAL), None)
        stars = next((p for p in params if p.kind is p.VAR_KEYWORD), None)
        names = {
            p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }
        through = None
        if star is not None and any(isinstance(a, ir.Var) for a in args[len(named) :]):
            through = f"*{star.name}"
        elif stars is not None and any(
            isinstance(v, ir.Var) for k, v in kwargs.items() if k not in names
        ):
            through = f"**{stars.name}"
        if through is None:
            return
        function = self.source.code(node.func)
        raise UnsupportedSyntax(
            f"{function}(...) is given values the gradient depends on through "
            f"{through}: adcompile differentiates a function through its named "
            "parameters",
            f"give {function} a named parameter for each such value, or pass "
            "them in one list or tuple",
            self.source.location(node),
        )


def _array_name(operand: ir.Operand, shapes: dict) -> str | None:
    """The variable an operand names (a static one only if it has a shape)."""
    if isinstance(operand, ir.Var):
        return operand.name
    if isinstance(operand, ir.Static) and isinstance(operand.node, cst.Name):
        return operand.node.value if operand.node.value in shapes else None
    return None


def _may_hold(
    node: cst.BaseExpression,
    variables: set[str],
    makes_new: Callable[[cst.BaseExpression], bool],
) -> bool:
    """Whether ``node`` (code as it runs) may be, or hold, the object of one
    of ``variables``: a name, its item or attribute, a literal container of
    such, either branch; not a new value (``np.sin(x)``, ``2.0 * x``)."""
    if isinstance(node, cst.Name):
        return node.value in variables
    if isinstance(node, (cst.Subscript, cst.Attribute)):
        base, _ = chain_base(node)
        return not isinstance(base, cst.Name) or base.value in variables
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return any(_may_hold(e.value, variables, makes_new) for e in node.elements)
    if isinstance(node, cst.Dict):
        return any(
            isinstance(e, cst.StarredDictElement)
            or _may_hold(e.value, variables, makes_new)
            for e in node.elements
        )
    if isinstance(node, cst.IfExp):
        return _may_hold(node.body, variables, makes_new) or _may_hold(
            node.orelse, variables, makes_new
        )
    if makes_new(node):
        return False
    return any(isinstance(n, cst.Name) and n.value in variables for n in walk(node))
