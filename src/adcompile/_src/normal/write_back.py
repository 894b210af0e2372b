"""Calls into user functions that write into what they are given, read
again by the caller: ``s = h(y, b)`` where ``h`` writes into its parameter
``a`` and the caller reads ``y`` after the call.

In Python the caller's ``y`` now holds h's write. Derivative code passes
callees private copies (``lower_calls._private_argument``), so the write
must come back as a value: the call becomes a call of h's variant that
returns ``a`` after its result (``read.written_returns``), and ``y`` is
rebound to that value, as an in-place update of ``y`` would be
(``inplace.py``):

    h_and_y = h(private_copy(y), b)     (h's variant: its vjp, its jvp)
    y_1 = h_and_y[1]                    (written_back(y, h_and_y[1]) where
    s = h_and_y[0]                       h writes ``a op= ...``: a number
                                         keeps its value)

Invariant: a call is written back only where that rebinding is the whole of
Python's effect on the caller's names: h is a function read from source
that keeps nothing of its arguments but what it writes into its
parameters (``Purity.copies_suffice``) and never rebinds those parameters;
each argument written back is a plain name that no other argument sees
(one may read it into a new array: ``fill(buf, np.tanh(buf))``) and that
the statement reads nowhere before the call (after it, the rest of the
statement reads the new value); and the in-place update of that name
passes the checks any other does (``_check_writable``: no other name read
later sees its memory, or a check as the code runs tells); and where h may
change in place the arrays a list, tuple or dict it is given holds, no
name read later but the container's own sees one of them, and no two of
them share memory (``array_given``, as the code runs). Anything else
keeps the private copy and the check after the call (``unwritten``), which
refuses a write the caller would see.
"""

from __future__ import annotations

import ast
import contextlib
import operator
import re
import types
from collections.abc import Callable, Iterator

import libcst as cst
import numpy as np

from adcompile._src.normal import ir
from adcompile._src.normal.call_order import (
    read_before,
    read_besides,
    runs_once_in_order,
)
from adcompile._src.normal.purity import Purity, purity
from adcompile._src.normal.values import item_writers, writes_constants_only
from adcompile._src.normal.vocabulary import (
    NEW_ARRAY_FUNCTIONS,
    VIEW_FREE_SHAPES,
    is_numpy_callable,
)
from adcompile._src.normal.written_arguments import (
    Returned,
    given_to,
    item_bases,
    param_at,
    written_arguments,
)
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.read.written_returns import (
    augmented,
    read_once,
)
from adcompile._src.rules import registry
from adcompile._src.rules.registry import SCALAR
from adcompile._src.runtime import HELPERS
from adcompile._src.syntax.templates import render, string_literal
from adcompile._src.syntax.tree import walk


class WriteBack:
    """Mixed into the Normalizer, with CallLowering and InPlaceLowering."""

    # while a call is lowered ahead of the expression around it
    # (``_writing_calls_lowered``): what reads the name before it in the
    # source reads it after the call
    calls_lowered_first = False

    def _variant_call(self, node: cst.Call) -> tuple[cst.Call, tuple[str, ...]]:
        """``written_into(g, ("a",), x, b)``, in derivative code read back
        (``reverse_calls._plain_call``): the call ``g(x, b)`` of g's variant
        returning ``a``, and ``("a",)``."""
        function, params, *rest = node.args
        written = ast.literal_eval(self.source.code(params.value))
        call = node.with_changes(func=function.value, args=rest)
        self.source.moved(call, node)
        return call, tuple(written)

    def _returned_writes(
        self,
        node: cst.Call,
        callee: object,
        known: Purity,
        forced: tuple[str, ...],
        lowered: dict[int | str, ir.Operand],
    ) -> Returned:
        """The arguments of a call whose writes come back to the caller's
        names (none where the call keeps the private copies and checks);
        ``forced``: the parameters a call of the variant returns, whatever
        it is given (its tuple is the result, no name is rebound).
        ``lowered``: the call's arguments as lowered (another argument may
        read a name written back if its value is a new array)."""
        if forced:
            return given_to(node, callee, forced)
        found = written_arguments(node, callee, known, self._made_new, lowered)
        statement = self._statement_in_order()
        if not found or statement is None:
            return {}
        call = self.source.within(node, statement)
        if not runs_once_in_order(statement, call):
            return {}
        assert statement is not None
        for where, (param, name) in list(found.items()):
            if (
                name not in self.env
                or self.shapes.get(self.env[name]) == SCALAR  # (``a += v``
                or read_before(  # rebinds a number in h only)
                    statement, call, name, self._consumer_for(self.env[name])
                )
                or not self._writable_here(name, node)
            ):
                del found[where]
            elif not self._is_varied(cst.Name(name)) and writes_constants_only(
                callee, param
            ):  # (run as written: its values carry no derivative after it)
                del found[where]
        return found

    def _statement_in_order(self) -> cst.CSTNode | None:
        """The statement whose evaluation order tells when a call runs: the
        user's, or, for the loop written for a comprehension, the statement
        of it being lowered (``items.append(h(x))``: once per item)."""
        statement = self.origin.statement
        if isinstance(statement, (cst.ListComp, cst.GeneratorExp, cst.DictComp)):
            return self.lowering
        return statement

    def _consumer_for(self, current: str) -> Callable[[cst.Call], bool] | None:
        """``call_order.read_before``'s test of a call that consumes what it
        is given into a new value; None for a list (its ``+`` and ``*``
        join and repeat it), and while calls are lowered first (every read
        before the call then reads after it)."""
        if current in self.sequences or self.calls_lowered_first:
            return None
        return self._consumes_into_new

    def _consumes_into_new(self, call: cst.Call) -> bool:
        """Whether ``call`` reads the values it is given into a new array
        (``np.sin(y)``, ``np.sum(y)``, ``np.outer(u, y)``), not a view of
        them, nor an argument itself (builtin ``max``); or is a user
        function that, given private copies of what it writes into, keeps
        nothing and returns new values (``h(y) + h(y)``: the first call has
        read y before the second writes into it)."""
        if any(
            a.keyword is not None and a.keyword.value in ("out", "copy")
            for a in call.args
        ):  # (np.nan_to_num(y, copy=False) is y)
            return False
        callee = resolve_callee(self.source, call.func, self.env, strict=False)
        if isinstance(callee, np.ufunc) or id(callee) in NEW_ARRAY_FUNCTIONS:
            return True
        if type(callee) is types.FunctionType:  # (given private copies, it
            known = purity(callee)  # keeps nothing and returns new values)
            return known.result_new and (known.copies_suffice or not known.keeps)
        prim = registry.lookup(callee) if is_numpy_callable(callee) else None
        return prim is not None and prim.shape in VIEW_FREE_SHAPES

    def _tuple_name(self, func: cst.BaseExpression, returned: Returned) -> str:
        """``h_and_y``: the variable holding what a call of h's variant
        returns, h's result and the ``y`` it wrote into."""
        word = re.sub(r"\W+", "_", self.source.code(func)).strip("_")
        given = "_and_".join(name or param for param, name in returned.values())
        name = self.names.fresh(f"{word}_and_{given}")
        self._forget(name)  # (a name a loop's earlier pass used)
        return name

    def _made_new(self, operand: ir.Operand | None) -> bool:
        """Whether ``operand`` is an array (or number) the statement computes
        by a rule whose result holds no reference to anything
        (``np.tanh(y)``; not a name's value)."""
        return (
            isinstance(operand, ir.Var)
            and operand.name not in self.env.values()
            and self._an_array(operand)
        )

    def _an_array(self, operand: ir.Operand) -> bool:
        """Whether ``operand`` is known to be an array: the last value given
        its variable was made by a numpy function that makes new arrays
        (``np.zeros(3)``, ``np.tanh(x)``)."""
        node = operand.node if isinstance(operand, ir.Static) else None
        name = operand.name if isinstance(operand, ir.Var) else None
        if isinstance(node, cst.Name):
            name = node.value
        for statement in reversed(self.body):
            if getattr(statement, "target", None) != name:
                continue
            if isinstance(statement, ir.Apply):
                return _makes_array(statement)
            if isinstance(statement, ir.Assign) and isinstance(
                statement.value.node, cst.Call
            ):
                made = resolve_callee(
                    self.source, statement.value.node.func, {}, strict=False
                )
                return id(made) in NEW_ARRAY_FUNCTIONS
            return False
        return False

    def _writable_here(self, name: str, node: cst.Call) -> bool:
        """Whether ``name`` may be updated in place at this call (no other
        name read later sees it, or a check as the code runs can tell);
        else the call keeps its private copy and the check after it."""
        current = self.env[name]
        with self._rest_of_statement_read_later(node):
            return (
                self._not_writable(current, name) is None
                or self._checkable_observers(current, name) is not None
                or self._rebuilds_whole(current, name) is not None  # (parts.py)
            )

    @contextlib.contextmanager
    def _rest_of_statement_read_later(self, node: cst.Call) -> Iterator[None]:
        """While a call is checked, the names the rest of its statement reads
        count as read later: it may read them after the call."""
        live, statement = self.live, self._statement_in_order()
        if live is not None and statement is not None:
            call = self.source.within(node, statement)
            read = read_besides(statement, call, self._consumer_for(""))
            self.live = live | read
        try:
            yield
        finally:
            self.live = live

    def _given_back(
        self,
        operand: ir.Operand,
        callee: object,
        where: int | str,
        node: cst.Call,
        forced: tuple[str, ...] = (),
    ) -> ir.Operand:
        """The private copy a call whose write comes back is given, after a
        check as the code runs that the object is an array where the callee
        may change the objects it holds (``array_given``; in derivative code
        read back, ``forced``, the check made for the user's call is there)."""
        own = read_once(callee)
        param = param_at(callee, where)
        if (
            not forced
            and item_writers(own.definition, {param}, own)
            and not self._an_array(operand)
        ):
            value = render(operand.node) if isinstance(operand, ir.Static) else ""
            code = string_literal(self.origin.code)
            writer = string_literal(self.source.code(node.func))
            current = operand.name if isinstance(operand, ir.Var) else None
            if isinstance(operand, ir.Static) and isinstance(operand.node, cst.Name):
                current = operand.node.value  # (its variable as it runs)
            with self._rest_of_statement_read_later(node):  # (it may read
                alone = current is not None and not self._items_seen_elsewhere(
                    current  # them after the call)
                )
            check = f"array_given({value or operand.name}, {code}, {writer}, {alone})"
            self.body.append(
                ir.Effect(cst.Expr(cst.parse_expression(check)), self.origin)
            )
        copy = registry.lookup(HELPERS["private_copy"])
        return self._apply(copy, [operand], {}, None, node=node)

    def _written_by_calls(self, nodes: list[cst.CSTNode]) -> set[str]:
        """The names calls in ``nodes`` may write back (a loop or branch
        that holds them gives those names one variable throughout), and
        those an item or field given to them is read from (``h(p.W)``,
        ``h(y[0])``: ``_written_items_named``), which a write rebuilds."""
        names: set[str] = set()
        for node in nodes:
            for call in walk(node):
                if not isinstance(call, cst.Call):
                    continue
                callee = resolve_callee(self.source, call.func, self.env, strict=False)
                if type(callee) is types.FunctionType:  # (every name that may
                    known = purity(callee)  # be written back: a new array
                    found = written_arguments(  # may read it in another
                        call, callee, known, lambda operand: True  # argument)
                    )
                    names.update(name for _, name in found.values())
                    names.update(item_bases(call, callee, known))
        return names

    def _written_back(
        self,
        whole: ir.Var,
        returned: Returned,
        callee: object,
        node: cst.Call,
        result_new: bool,
        target_name: str | None,
        forced: tuple[str, ...] = (),
    ) -> ir.Var:
        """After the call of the variant (``whole``, its tuple): its result,
        and each name written back rebound to its parameter's final value
        (``forced``: the tuple itself)."""
        call = next(
            s
            for s in reversed(self.body)
            if isinstance(s, ir.Apply) and s.target == whole.name
        )
        params = tuple(param for param, _ in returned.values())
        call.written = params
        call.bound = {
            param: call.args[where] if isinstance(where, int) else call.kwargs[where]
            for where, (param, _) in returned.items()
        }
        if result_new:  # the result sees none of the parameters' objects
            self.apart.add(whole.name)
        if forced:
            return whole
        item = registry.lookup(operator.getitem)
        assert isinstance(callee, types.FunctionType)
        rebinds = augmented(read_once(callee).definition, params)
        what = f"{self.source.code(node.func)}(...) writing into"
        for position, (param, name) in enumerate(returned.values(), 1):
            with self._rest_of_statement_read_later(node):
                observers = self._check_writable(
                    name, what, node, rebinds=param in rebinds
                )
            current = self.env[name]
            if observers:
                self._guard_update(current, observers)
            before = self._lower(cst.Name(name))
            index = cst.Integer(str(position))
            self.updating_in_place = True
            try:
                if param in rebinds:  # ``a *= v``: a number is only rebound
                    final = self._apply(item, [whole], {}, None, node=node, index=index)
                    if whole.name in self.apart:  # (a part apart: it sees
                        self.view_roots.pop(final.name, None)  # no other)
                    kept = registry.lookup(HELPERS["written_back"])
                    self._apply(kept, [before, final], {}, name, node=node)
                else:
                    self._apply(item, [whole], {}, name, node=node, index=index)
            finally:
                self.updating_in_place = False
            self._written(current, self.env[name])
            self.written_back_names.append(name)
        first = cst.Integer("0")  # (after: ``y = h(y)`` rebinds y to it)
        result = self._apply(item, [whole], {}, target_name, node=node, index=first)
        if result_new and isinstance(result, ir.Var):  # (no name has seen it)
            self.fresh.add(result.name)
            self.view_roots.pop(result.name, None)
        return result


def _makes_array(apply: ir.Apply) -> bool:
    """Whether ``apply`` computes a new array (or number) that holds no
    reference to anything: a rule of numpy's that makes one."""
    prim = apply.prim
    return (
        prim is not None
        and not apply.call
        and (prim.shape in VIEW_FREE_SHAPES or id(prim.key) in NEW_ARRAY_FUNCTIONS)
    )
