"""Branch and loop conditions, and calls made as statements.

A condition is evaluated once where the forward sweep reaches it, into a
variable the backward sweep reads to take the same path (``_record``). It
carries no derivative and is run as written, with one exception: a call in
it that changes a value carrying a derivative in place (a helper that writes
into what it is given, ``items.pop()``). Run as written, that change would
be hidden from the derivative, which would then read the changed values as
if they were the old ones. Such calls are lowered first, as any other call
is (``_writing_calls_lowered``); where Python might skip the call, and in a
``while`` loop's condition (evaluated at each trip), they are refused with
the location.

So does any other code run as written, its value carrying no derivative
(``c = h(y) > 0.5``, ``n = len(h(y))``): ``_static``. Such code that
calls anything but numpy's functions and plain builtins (a helper, a
method), used as an operand, runs once, into a variable
(``_static_operand``): derivative code reads the variable and never runs
the call again (a helper's writes would repeat in the backward sweep, at
each call of a pullback, or in a tangent).

A call made as a statement (``h(x)``, its result dropped) follows the same
rule: one that may change a value carrying a derivative is lowered as any
call is, and made even though nothing reads its result; one that keeps and
changes nothing it is given is run as written, and makes no name see its
arguments.
"""

from __future__ import annotations

import re

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.control_facts import is_inside, may_be_skipped
from adcompile._src.normal.purity import call_may_keep, purity
from adcompile._src.normal.sharing import load_names
from adcompile._src.normal.values import (
    calls_in,
    mutated_names,
    stores_new_value,
    writes_only_new_arguments,
)
from adcompile._src.normal.vocabulary import (
    MUTATING_METHODS,
    SAFE_BUILTINS,
    gives_out,
    is_numpy_callable,
    writes_into_an_argument,
)
from adcompile._src.read.calls import python_callable
from adcompile._src.read.static_code import rename_locals, resolve_callee
from adcompile._src.syntax.naming import operand_word
from adcompile._src.syntax.tree import walk


class ConditionLowering:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _record(self, test: cst.BaseExpression, word: str) -> str:
        """Evaluate a branch condition once, into a variable the backward
        sweep reads to take the same branch (see ``_writing_calls_lowered``
        for the calls in it that change values in place)."""
        name = self.names.fresh(word)
        test = self._writing_calls_lowered(test)
        static = ir.Static(rename_locals(test, self.env))  # read now, kept nowhere
        self.body.append(
            ir.Assign(name, static, self.origin, overwrites=self.loop_depth > 0)
        )
        return name

    def _static(self, node: cst.BaseExpression) -> ir.Static:
        """``node``, whose value carries no derivative, run as written, but
        for the calls in it that change a value carrying a derivative in
        place: lowered first (``_writing_calls_lowered``)."""
        return ir.Static(rename_locals(self._writing_calls_lowered(node), self.env))

    def _static_operand(self, node: cst.BaseExpression) -> ir.Static:
        """``node`` as an operand that carries no derivative (``_static``),
        kept in a variable where it calls code that may do more than
        compute a value (see the module docstring)."""
        static = self._static(node)
        if isinstance(node, cst.Name) or not any(
            self._runs_code(call) for call in calls_in(static.node)
        ):
            return static
        word = re.sub(r"\W+", "_", self.source.code(node)).strip("_")
        name = self.names.fresh(operand_word(f"{word}_value"))
        if load_names(node) & self.written_in_place and not self._makes_new_value(
            static.node
        ):  # (a view of what the function changes in place later: its values now)
            static = ir.Static(cst.Call(cst.Name("snapshot"), [cst.Arg(static.node)]))
        self.body.append(
            ir.Assign(name, static, self.origin, overwrites=self.loop_depth > 0)
        )
        self.shapes[name] = ("value", name)
        return ir.Static(cst.Name(name))

    def _runs_code(self, call: cst.Call) -> bool:
        """Whether ``call`` calls something other than a numpy function that
        writes nothing, or a plain builtin."""
        callee = self._callee(call)
        if callee in SAFE_BUILTINS:
            return False
        writes = writes_into_an_argument(callee) or gives_out(call)
        return not is_numpy_callable(callee) or writes

    def _writing_calls_lowered(
        self, test: cst.BaseExpression, named: bool = False
    ) -> cst.BaseExpression:
        """``test`` with each call in it that changes a value carrying a
        derivative in place (a helper that writes into what it is given,
        ``items.pop()``) lowered first, as any other call is, and read from
        its variable: run as written, the change would be hidden from the
        derivative (the call's own lowering then refuses, as the code runs,
        a write that a name read later would see). A call in a branch of a
        conditional expression is lowered with the expression, whose
        branches are then branches; refused where Python might not make
        the call otherwise (right of ``and``/``or``, in a comprehension)."""
        outer = self._writing_calls(test)
        if not outer:
            return test
        units: list[cst.BaseExpression] = []
        for call in outer:  # a call in a branch of a conditional expression:
            unit = _branch_holding(call, test)  # the expression, branches and all
            if may_be_skipped(unit, test):  # (right of and/or, in a comprehension)
                callee = self.source.code(call.func)
                raise UnsupportedSyntax(
                    f"a call of {callee}(...), which changes a value the gradient "
                    "depends on in place, where Python might not make it (right "
                    "of and/or, in a comprehension)",
                    f"make the call in a statement of its own (c = {callee}(...)) "
                    "and use its result",
                    self.source.location(call),
                )
            if not any(is_inside(unit, u) for u in units):
                units = [u for u in units if not is_inside(u, unit)] + [unit]
        replaced = test
        for unit in units:  # (in the order Python makes them)
            self.calls_lowered_first = True
            try:  # (a conditional expression whose value carries no
                value = (  # derivative, its call's arguments do: its branches)
                    self._if_expression(unit, None)
                    if isinstance(unit, cst.IfExp) and not self._is_varied(unit)
                    else self._lower(unit)
                )
            finally:
                self.calls_lowered_first = False
            node = cst.Name(value.name) if isinstance(value, ir.Var) else value.node
            if named and isinstance(value, ir.Var):  # read as a name: what is
                self.env[value.name] = value.name  # left of the expression
            replaced = replaced.deep_replace(unit, node)  # carries its derivative
        return replaced

    def _statement_writers_lowered(self, statement: cst.Expr) -> cst.Expr | None:
        """An expression statement (``h(x)``, its result unused) whose calls
        change a value carrying a derivative in place: those calls lowered,
        as in a condition (run as written, a helper's write into ``x`` would
        be hidden from the derivative); what is left of it to run as
        written, or None when nothing is."""
        calls = self._writing_calls(statement.value)
        if not any(
            python_callable(self._callee(call)) or self._unknown_callee(call)
            for call in calls
        ):
            return statement  # (a list method, a numpy writer: _effect's)
        value = self._writing_calls_lowered(statement.value)
        if not any(True for _ in calls_in(value)):
            return None  # (the result of the lowered call, unused)
        return statement.with_changes(value=value)

    def _calls_keep_nothing(self, node: cst.CSTNode) -> bool:
        """Whether no call in ``node`` may keep what it is given, or change it
        in place (a helper that writes only into new values it is given,
        ``h(M * 2.0)``, changes nothing a name sees)."""
        return not any(self._may_keep(call) for call in calls_in(node))

    def _calls_alias_nothing(self, node: cst.CSTNode) -> bool:
        """Whether no call in ``node`` may keep a reference to what it is
        given: each keeps nothing (``_calls_keep_nothing``) or is a helper
        that only writes into the objects of its parameters (``fill(buf,
        x)`` run as written leaves ``buf`` this function's own), or one of
        numpy's writers, which copies values into its first argument
        (``np.fill_diagonal(D, y)``: neither D nor y sees the other)."""
        return not any(
            self._may_keep(call) and not self._writes_only(call)
            for call in calls_in(node)
        )

    def _may_keep(self, call: cst.Call) -> bool:
        return call_may_keep(call, self.source) and not writes_only_new_arguments(
            call, self.source
        )

    def _writes_only(self, call: cst.Call) -> bool:
        callee = resolve_callee(self.source, call.func, self.env, strict=False)
        if writes_into_an_argument(callee):
            return not gives_out(call)
        return python_callable(callee) and purity(callee).copies_suffice

    def _stores_new_value(self, node: cst.CSTNode) -> bool:
        """``y[i] op= v`` or ``y[i] = v`` storing a new value that holds
        nothing, whose calls keep nothing they are given: no name sees
        another through it."""
        return stores_new_value(node, self.source) and self._calls_keep_nothing(node)

    def _writing_calls(self, test: cst.BaseExpression) -> list[cst.Call]:
        """The outermost calls in ``test`` that change a local value
        carrying a derivative in place, or may: a callee known only as the
        code runs (``g(x)`` with ``g = h``), given such a value (lowered,
        its derivative refuses a write into it: ``calls.py``)."""
        writers: list[cst.Call] = []
        for call in calls_in(test):
            if not (  # (by itself: a call in its arguments is one of its own)
                mutated_names(call, self.source, nested=False) & set(self.env)
                or self._unknown_callee(call)
            ) or not self._is_varied(call):
                continue
            if writes_into_an_argument(self._callee(call)):  # (no derivative as a call)
                raise UnsupportedSyntax(
                    f"{self.source.code(call.func)}(...) writes into an array in "
                    "place, with or into values the gradient depends on",
                    "compute a new array and assign it (y[idx] += v, indices "
                    "without repeats, rather than np.add.at(y, idx, v))",
                    self.source.location(call),
                )
            writers.append(call)
        return [
            w
            for w in writers
            if not any(w is not o and is_inside(w, o) for o in writers)
        ]

    def _unknown_callee(self, call: cst.Call) -> bool:
        """A call, given values carrying a derivative, of a function known
        only as the code runs (``g(x)`` with ``g = h``, ``model.step(x)``),
        not a method that changes its object (``_effect`` reads those)."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            return False
        if not any(self._is_varied(a.value) for a in call.args):
            return False
        nested = self.env.get(func.value) if isinstance(func, cst.Name) else None
        if nested in self.nested_purity:  # (a function defined here: read)
            return self.nested_purity[nested].writes
        callee = self._callee(call)
        if python_callable(callee) and purity(callee).module_written:
            return True  # (its call may refuse it: lower_calls.py)
        return callee is None

    def _callee(self, call: cst.Call) -> object:
        return resolve_callee(self.source, call.func, self.env, strict=False)

    def _refuse_writing_while_test(self, test: cst.BaseExpression) -> None:
        """A ``while`` condition is evaluated at every trip, in the loop's
        header: a call in it that changes a value in place is refused."""
        writers = self._writing_calls(test)
        if writers:
            callee = self.source.code(writers[0].func)
            raise UnsupportedSyntax(
                f"a while loop's condition that calls {callee}(...), which changes "
                "a value the gradient depends on in place",
                f"call {callee} in the loop body and test its result: c = "
                f"{callee}(...) before the loop and at the end of its body, "
                "then while c > 0:",
                self.source.location(writers[0]),
            )


def _branch_holding(call: cst.Call, test: cst.BaseExpression) -> cst.BaseExpression:
    """The outermost conditional expression of ``test`` with ``call`` in one
    of its branches (lowered whole, its branches as branches), or ``call``."""
    for node in walk(test):  # (outermost first)
        if isinstance(node, cst.IfExp) and (
            is_inside(call, node.body) or is_inside(call, node.orelse)
        ):
            return node
    return call
