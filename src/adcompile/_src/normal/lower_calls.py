"""Lowering calls: numpy functions with rules, user functions (differentiated
too, with their own pullbacks), array methods, and builtin ``max``/``min``.

``CallLowering._call`` turns a call on values that carry a derivative into
one ``Apply``: of the function's rule, or a call into a user function
(``call="static"``, the callee known now; ``"dynamic"``, known only when the
code runs). It refuses what would lose the gradient: calling a function or
object made from differentiated values, and ``out=`` on them.
"""

from __future__ import annotations

import functools
import inspect

import libcst as cst
import numpy as np

from adcompile._src import runtime
from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.call_arguments import CallArguments
from adcompile._src.normal.lower import render_none
from adcompile._src.normal.numpy_arguments import lists_as_arrays
from adcompile._src.normal.purity import PURE, UNKNOWN, purity
from adcompile._src.normal.vocabulary import (
    CONTAINER_CHANGES,
    METHODS,
    is_numpy_callable,
)
from adcompile._src.normal.written_arguments import param_at
from adcompile._src.read.calls import (
    frozen_distribution_hint,
    is_derivative_call,
    is_plain_derivative_call,
    python_callable,
)
from adcompile._src.read.static_code import (
    rename_locals,
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.registry import SCALAR
from adcompile._src.runtime import HELPERS
from adcompile._src.syntax.templates import render, string_literal
from adcompile._src.syntax.tree import walk


class CallLowering(CallArguments):
    """Mixed into the Normalizer, with ExpressionLowering, which owns
    ``_lower``, ``_apply`` and the state they use."""

    def _call(self, node: cst.Call, target_name: str | None) -> ir.Operand:
        func = node.func
        if isinstance(func, cst.Attribute) and self._is_varied(func.value):
            return self._method(node, func, target_name)
        if self._is_varied(func):
            code = self.source.code(func)
            raise UnsupportedSyntax(
                f"a call of {code}, a function or object made from values the "
                "gradient depends on (its gradient would not reach them)",
                "make the function or object outside the function being "
                "differentiated and pass those values as arguments: f(x, w) "
                "rather than make_f(w)(x)",
                self.source.location(node),
            )
        callee = resolve_callee(self.source, func, self.env)
        forced: tuple[str, ...] = ()  # written_into(g, ("a",), ...): g's variant
        if callee is HELPERS["written_into"] and len(node.args) >= 2:
            node, forced = self._variant_call(node)
            func = node.func
            callee = resolve_callee(self.source, func, self.env)
        if is_derivative_call(callee):
            called = getattr(callee, "function", None) or getattr(
                callee, "__adcompile_vjp_of__", None
            )
            raise UnsupportedSyntax(
                "a derivative of derivative code that calls another function's "
                f"derivative code ({getattr(called, '__qualname__', 'a callee')})",
                "second derivatives through calls into other functions are not "
                "supported yet: write the called function's computation inline",
                self.source.location(node),
            )
        listed = self._listed_iterator(node, callee)
        if listed is not None:  # list(zip(a, b)): [(p, q) for p, q in zip(a, b)]
            return self._lower(listed, target_name)
        if callee is dict and node.args and all(a.keyword for a in node.args):
            entries = [  # dict(w=..., b=...): the dict {"w": ..., "b": ...}
                cst.DictElement(cst.SimpleString(repr(a.keyword.value)), a.value)
                for a in node.args
                if a.keyword is not None
            ]
            return self._dict(cst.Dict(entries), target_name)
        prim = registry.lookup(callee) if callee is not None else None
        if any(callee is f for f in (zip, enumerate, reversed, map, filter, iter)):
            raise UnsupportedSyntax(
                f"an iterator ({callee.__name__}(...)) over values the gradient "
                "depends on, used other than as the iterable of a for loop",
                f"loop over {callee.__name__}(...) directly (for ... in "
                f"{callee.__name__}(...):), or keep it in a variable that only "
                "the next for loop of the same block reads",
                self.source.location(node),
            )
        if callee is sorted and any(
            a.keyword is not None and a.keyword.value == "key" for a in node.args
        ):
            raise UnsupportedSyntax(
                "sorted(..., key=...) of values the gradient depends on",
                "sort the values themselves (sorted(xs), with reverse=True if "
                "needed), or compute the order with np.argsort and read the "
                "items in it: [xs[i] for i in np.argsort(keys)]",
                self.source.location(node),
            )
        if callee is max or callee is min:
            chained = self._chained_extreme(node)
            if chained is not node:
                return self._lower(chained, target_name)
            if len(node.args) == 1:  # max(xs), min(xs): the items' own rule
                extreme = "max_of_items" if callee is max else "min_of_items"
                prim = registry.lookup(runtime.HELPERS[extreme])
        if prim is not None and is_numpy_callable(callee):
            node = lists_as_arrays(
                node,
                prim,
                self.np_name,
                self.source,
                lambda name: self.env.get(name) in self.sequences,
            )
        if prim is None and not forced and python_callable(callee):
            node = self._written_items_named(node, callee)  # h(y[i]): h(item)
        lowered = self._in_order([a.value for a in node.args])
        args = [o for a, o in zip(node.args, lowered, strict=True) if a.keyword is None]
        kwargs = {
            a.keyword.value: o
            for a, o in zip(node.args, lowered, strict=True)
            if a.keyword is not None
        }
        out = kwargs.get("out")
        if (
            out is not None
            and not (isinstance(out, ir.Static) and render_none(out.node))
            and any(isinstance(o, ir.Var) for o in [*args, *kwargs.values()])
        ):
            raise UnsupportedSyntax(
                "a call with out= writes into an array in place, with values the "
                "gradient depends on",
                "drop out= and use the result: y = np.add(a, b)",
                self.source.location(node),
            )
        call = ""
        if prim is None:
            if callee is None or is_plain_derivative_call(callee):
                call = "dynamic"  # known at run time: self.f(x), a parameter
            elif python_callable(callee):
                call = "static"
                self._refuse_varied_star_arguments(node, callee, args, kwargs)
        if call == "dynamic":  # code that may change what it is given
            carried = self.checkpoint_assigned & (self.checkpoint_live or set())
            given = {  # (snapshots copy what the loop carries)
                a.value.value
                for a in node.args
                if isinstance(a.value, cst.Name)
                and self.shapes.get(self.env.get(a.value.value, "")) != SCALAR
                and a.value.value not in carried
            }
            self._checkpoint_in_place(node, given, unknown=True)
        if call:
            self._unfresh_names(func)
        known = UNKNOWN
        if call == "static":
            known = purity(callee)
        elif isinstance(func, cst.Name) and func.value in self.env:
            known = self.nested_purity.get(self.env[func.value], UNKNOWN)
            self._refuse_enclosing_writes(node)  # (closures.py)
        returned = {}
        if call:
            lowered = {**dict(enumerate(args)), **kwargs}
            returned = self._returned_writes(node, callee, known, forced, lowered)
        read_back = known.module_written and known.module_written & self._names_read
        if read_back and any(isinstance(a, ir.Var) for a in args):
            raise UnsupportedSyntax(
                f"{self.source.code(func)}(...) writes into '{min(read_back)}', "
                "an object of its module that this function reads, given values "
                "the gradient depends on: no derivative follows them there",
                "pass the object in and return what the function computes",
                self.source.location(node),
            )
        if known is not UNKNOWN:  # (read from its source)
            if known.writes:
                static = {  # not copied for it (below): it writes into them
                    a.value.value
                    for a in node.args
                    if isinstance(a.value, cst.Name) and not self._is_varied(a.value)
                }
                self._checkpoint_in_place(node, static)
            written = (
                _written_positions(callee, known.written, len(args))
                if known.writes
                else set()
            )
            self._arguments_apart(func, args, kwargs, written, known.written)

            def given(
                operand: ir.Operand, writes: bool, where: int | str
            ) -> ir.Operand:
                if where in returned:  # its write comes back (write_back.py)
                    return self._given_back(operand, callee, where, node, forced)
                if writes:  # what it writes into, the caller sees
                    param = param_at(callee, where)
                    copy = self._private_argument(operand, func, node, param)
                    if copy is not operand:
                        copied.append(param or "")
                    return copy
                if call:
                    return self._as_it_is_now(operand, known.result_new, node)
                return operand

            copied: list[str] = []  # (given private copies it may write into)
            args = [given(a, i in written, i) for i, a in enumerate(args)]
            kwargs = {
                k: given(
                    a,
                    known.writes and (known.written is None or k in known.written),
                    k,
                )
                for k, a in kwargs.items()
            }
        elif call and not is_plain_derivative_call(callee):
            # writes not known: it may keep, return or write into what it is given
            args = [self._dynamic_argument(a, node) for a in args]
            kwargs = {k: self._dynamic_argument(a, node) for k, a in kwargs.items()}
        checks, self.unwritten_checks = self.unwritten_checks, []
        start = len(self.body)
        result = self._apply(
            prim,
            args,
            kwargs,
            None if returned else target_name,  # (returned: a tuple, see below)
            target=self._tuple_name(func, returned) if returned else None,
            node=node,
            callee=self.source.code(func),
            call=(call, rename_locals(_bare(func), self.env) if call else None),
            pure_call=known == PURE  # (or, given private copies of what it
            or known.result_new
            and known.copies_suffice,  # writes: new values)
            keeps=not known.copies_suffice,  # (what it writes: private copies)
        )
        if known is not UNKNOWN and copied:
            for statement in self.body[start:]:
                if isinstance(statement, ir.Apply) and statement.call:
                    statement.copied = tuple(copied)
        made = f", {result.name}" if isinstance(result, ir.Var) else ""
        if known.parts_apart and made and not returned:
            if result.name not in self.pinned.values():
                self.apart.add(result.name)
        for copy, original in checks:  # (after the call, which it reads: did it
            check = f"unwritten({copy}, {original}, "  # write?)
            check += f"{string_literal(self.origin.code)}, "
            check += f"{string_literal(self.source.code(func))}{made})"
            self.body.append(
                ir.Effect(cst.Expr(cst.parse_expression(check)), self.origin)
            )
        if returned:
            return self._written_back(
                result, returned, callee, node, known.result_new, target_name, forced
            )
        return result

    def _arguments_apart(
        self,
        func: cst.BaseExpression,
        args: list[ir.Operand],
        kwargs: dict[str, ir.Operand],
        written: set[int],
        params: frozenset[str] | None,
    ) -> None:
        """Before a call of a user function that writes into the arguments
        at ``written`` (and the keywords in ``params``), a check as the
        code runs that no other argument shares memory with one of them
        (``arguments_apart``): the derivative gives each a private copy,
        where Python's callee would see its own write through the other."""
        operands = [*enumerate(args), *kwargs.items()]
        into: list[ir.Operand] = []  # (objects written into)
        others: list[ir.Operand] = []  # (other objects given)
        for where, operand in operands:
            if self._names_an_object(operand):  # (a new value: not computed again)
                writes = where in written or bool(params) and where in params
                (into if writes else others).append(operand)
        if not into or len(into) + len(others) < 2:
            return

        def listed(items: list[ir.Operand]) -> str:
            shown = [o.name if isinstance(o, ir.Var) else render(o.node) for o in items]
            if len(shown) == 1:
                return f"({shown[0]},)"
            return f"({', '.join(shown)})"

        check = (
            f"arguments_apart({listed(into)}, {listed(others)}, "
            f"{string_literal(self.origin.code)}, "
            f"{string_literal(self.source.code(func))})"
        )
        self.body.append(ir.Effect(cst.Expr(cst.parse_expression(check)), self.origin))

    @functools.cached_property
    def _names_read(self) -> frozenset[str]:
        """The names this function's body mentions."""
        body = self.definition.body
        return frozenset(n.value for n in walk(body) if isinstance(n, cst.Name))

    def _listed_iterator(
        self, node: cst.Call, callee: object
    ) -> cst.BaseExpression | None:
        """``list(zip(a, b))``, ``tuple(enumerate(x))``, ``list(reversed(x))``
        as the comprehension that makes the same list (a loop over the
        iterator, which lowering follows), in ``tuple(...)`` for a tuple;
        None for any other call."""
        if callee not in (list, tuple) or len(node.args) != 1 or node.args[0].star:
            return None
        inner = node.args[0].value
        if not isinstance(inner, cst.Call) or any(a.star for a in inner.args):
            return None
        iterator = resolve_callee(self.source, inner.func, self.env, strict=False)
        if iterator is zip:
            count = len([a for a in inner.args if a.keyword is None])
        elif iterator is enumerate:
            count = 2
        elif iterator is reversed:
            count = 1
        else:
            return None
        names = [cst.Name(self.names.fresh("item")) for _ in range(count)]
        target = names[0] if count == 1 else cst.Tuple([cst.Element(n) for n in names])
        listed: cst.BaseExpression = cst.ListComp(
            target, cst.CompFor(target=target, iter=inner)
        )
        if callee is tuple:
            listed = cst.Call(cst.Name("tuple"), [cst.Arg(listed)])
        self.source.moved(listed, node)
        return listed

    def _chained_extreme(self, node: cst.Call) -> cst.BaseExpression:
        """Builtin ``max``/``min`` of several values, or of a list or tuple
        written out, as a chain of two-value calls (``max(max(a, b), c)``:
        the first of equal values wins, as in Python); ``node`` itself when
        it has two values, keywords, or one iterable of any other kind."""
        args = list(node.args)
        if any(a.keyword is not None or a.star for a in args):
            return node
        if len(args) == 1:
            only = args[0].value
            if not isinstance(only, (cst.List, cst.Tuple)) or any(
                isinstance(e, cst.StarredElement) for e in only.elements
            ):
                return node  # of an iterable: its own primitive (_call)
            values = [e.value for e in only.elements]
        else:
            values = [a.value for a in args]
        if len(values) == 2 and len(args) == 2:
            return node
        if not values:
            return node  # max([]): Python's error, at run time
        chained = values[0]
        for value in values[1:]:
            chained = cst.Call(node.func, [cst.Arg(chained), cst.Arg(value)])
        return chained

    def _method(
        self, node: cst.Call, func: cst.Attribute, target_name: str | None
    ) -> ir.Operand:
        method = func.attr.value
        entry = METHODS.get(method)
        if entry is None:
            owner = func.value  # norm(mu, s).pdf(x): a frozen distribution
            maker = (
                resolve_callee(self.source, owner.func, self.env, strict=False)
                if isinstance(owner, cst.Call)
                else None
            )
            frozen = frozen_distribution_hint(maker, method)
            numpy_function = (
                f"call the numpy function (np.{method}(x, ...)) if it has a rule"
                if hasattr(np, method) and method not in CONTAINER_CHANGES
                else "use a numpy function that has a rule"
            )
            hint = (
                "for a method of an object whose fields are differentiated (a "
                f"model's parameters), call it through the class, "
                f"Class.{method}({self.source.code(owner)}, ...), so that the "
                f"derivative reaches the fields; for an array, {numpy_function}"
            )
            if frozen:
                hint = frozen
            elif method in ("append", "extend", "insert", "pop"):  # lists.py's
                hint = (
                    f"call .{method}() in a statement of its own "
                    f"(v = xs.{method}(...), xs.{method}(...)) on a list the "
                    "function builds, or build a new list with slices joined by +"
                )
            elif method in CONTAINER_CHANGES:  # another list or dict method
                hint = (
                    "build a new list (a comprehension, or slices joined with +) "
                    "or dict instead of changing this one"
                )
            raise NoDerivativeRule(
                f".{method}() is called on a value the gradient depends on, and "
                f"no array method .{method}() has a derivative rule",
                hint,
                self.source.location(node),
            )
        function, packs = entry
        value = self._lower(func.value)
        positional = [a for a in node.args if a.keyword is None]
        if packs and len(positional) > 1:
            packed = cst.Tuple([cst.Element(a.value) for a in positional])
            args = [value, self._lower(packed)]
        else:
            args = [value, *(self._lower(a.value) for a in positional)]
        kwargs = {
            a.keyword.value: self._lower(a.value)
            for a in node.args
            if a.keyword is not None
        }
        return self._apply(
            registry.lookup(function), args, kwargs, target_name, node=node
        )


def _written_positions(
    callee: object, written: frozenset[str] | None, count: int
) -> set[int]:
    """The positions of a call's arguments given to the parameters a
    function may write into (all of them where that is not known)."""
    every = set(range(count))
    if written is None or not callable(callee):
        return every
    try:
        names = list(inspect.signature(callee).parameters)
    except (TypeError, ValueError):
        return every
    if len(names) < count:  # (*args)
        return every
    return {i for i in every if names[i] in written}


def _bare(func: cst.BaseExpression) -> cst.BaseExpression:
    """``h`` of ``(h)(x)``: the callee without its parentheses."""
    if isinstance(func, (cst.Name, cst.Attribute)) and func.lpar:
        return func.with_changes(lpar=[], rpar=[])
    return func
