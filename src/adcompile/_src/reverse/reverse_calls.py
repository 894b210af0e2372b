"""Reverse mode through calls into user functions.

A call ``y = g(a, b)`` whose arguments carry a derivative to the output
becomes, in the forward sweep, ``y, pullback_y = vjp_g(a, b)``: the callee's
own gradient code (compiled lazily, see ``calls``), with its own saved state.
The backward sweep calls ``pullback_y(by)`` and gives each argument its share.

Invariant (pairing): ``pullback_y`` is written only by the calls whose
result is ``y``, in the same statement, so it is saved where that statement
saves ``y`` (a call that overwrites ``y``) and restored right after that
call's backward lines, never elsewhere; when the backward sweep reaches a
call, ``pullback_y`` holds the pullback of that very call.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.primal import EQUAL as _EQUAL
from adcompile._src.normal.primal import assign as _assign
from adcompile._src.normal.primal import helper_call, primal_expression
from adcompile._src.normal.primal import node as _node
from adcompile._src.read.calls import APPLY
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import render


class UserCalls:
    """The part of ``ReverseMode`` that handles calls into user functions."""

    def _call_wrt(self, apply: ir.Apply) -> tuple[int | str, ...]:
        """Which arguments of a call to a user function carry a derivative to
        the output (empty: the call needs no pullback)."""
        if not apply.call or apply.target not in self.useful:
            return ()
        positions: list[int | str] = [
            i
            for i, a in enumerate(apply.args)
            if isinstance(a, ir.Var) and a.name in self.useful
        ]
        positions += [
            k
            for k, a in apply.kwargs.items()
            if isinstance(a, ir.Var) and a.name in self.useful
        ]
        return tuple(positions)

    def _vjp_call(self, apply: ir.Apply) -> Line:
        """``y, pullback_y = vjp_g(a, b)``: the callee's own gradient code."""
        wrt = self._call_wrt(apply)
        assert apply.callee_node is not None
        args = self._call_args(apply)
        wrt_node = cst.parse_expression(repr(wrt))
        if apply.call == "static":
            spec = (apply.callee_spec, wrt, apply.call_shapes)
            func = self.call_bindings_by_spec.get(spec)
            if func is None:
                word = _identifier_word(render(apply.callee_node))
                func = self.names.fresh(f"vjp_{word}")
                self.call_bindings_by_spec[spec] = func
                self.call_bindings[func] = spec
            call = cst.Call(cst.Name(func), args)
        else:
            if self.dynamic_binding is None:
                self.dynamic_binding = self.names.fresh("vjp_call")
                self.call_bindings[self.dynamic_binding] = ("", (), "")
            call = cst.Call(
                cst.Name(self.dynamic_binding),
                [cst.Arg(apply.callee_node), cst.Arg(wrt_node), *args],
            )
        pullback = self._pullback_name(apply.target)
        targets = f"{apply.target}, {pullback}"
        assign = cst.Assign([cst.AssignTarget(cst.parse_expression(targets))], call)
        return Line(assign, target=targets)

    def _pullback_name(self, target: str) -> str:
        """The variable holding the pullback of the call whose result is
        ``target``: one per target, like the result itself, so that every
        call that writes ``y`` (on each path of a branch, on each trip of a
        loop, before a loop and in it) writes ``pullback_y`` too, and the
        value saved and restored with ``y`` is always the pullback of the
        call that made ``y``'s value."""
        pullback = self.pullbacks.get(target)
        if pullback is None:
            pullback = self.names.fresh(f"pullback_{target}")
            self.pullbacks[target] = pullback
        return pullback

    def _plain_call(self, apply: ir.Apply) -> Line:
        """``y = g(a, b)`` as the user wrote it (``recompute_calls``); for a
        call of g's variant returning the parameter ``a`` it writes into,
        ``y = written_into(g, ("a",), a, b)``, which runs g on a copy of
        ``a`` (the backward sweep reads ``a`` as it was)."""
        assert apply.callee_node is not None
        call: cst.BaseExpression = cst.Call(apply.callee_node, self._call_args(apply))
        if apply.written:
            call = primal_expression(apply, self.binding_nodes)
        elif apply.copied and all(apply.copied):  # g(x, b) writing into x:
            variant = dataclasses.replace(apply, written=apply.copied)
            whole = primal_expression(variant, self.binding_nodes)  # written_into
            call = cst.Subscript(
                whole, [cst.SubscriptElement(cst.Index(cst.Integer("0")))]
            )
        elif apply.copied:  # (parameters not known: a copy of each argument)
            call = cst.Call(apply.callee_node, self._call_args(apply, copies=True))
        return Line(_assign(apply.target, call), target=apply.target)

    def _call_args(self, apply: ir.Apply, copies: bool = False) -> list[cst.Arg]:
        """The call's arguments; with ``copies``, a copy of each that is a
        variable: a call run as written leaves them as the backward sweep
        reads them."""

        def given(operand: ir.Operand) -> cst.BaseExpression:
            value = _node(operand)
            if copies and isinstance(operand, ir.Var):
                return helper_call("snapshot", [value], self.binding_nodes)
            return value

        args = [cst.Arg(given(a)) for a in apply.args]
        args += [
            cst.Arg(given(v), keyword=cst.Name(k), equal=_EQUAL)
            for k, v in apply.kwargs.items()
        ]
        return args

    def _applied_vjp(self, apply: ir.Apply, adjoint: str) -> cst.Call:
        """``apply_g(by, a, b)``: g's vjp at the call's arguments applied to
        the result's adjoint, g's forward computed again (its arguments hold
        the values they had at the call: the sweeps save them like any value
        the backward sweep reads)."""
        wrt = self._call_wrt(apply)
        assert apply.callee_node is not None
        args = [cst.Arg(cst.Name(adjoint)), *self._call_args(apply)]
        if apply.call == "static":
            spec = (apply.callee_spec, (APPLY, *wrt), apply.call_shapes)
            func = self.call_bindings_by_spec.get(spec)
            if func is None:
                word = _identifier_word(render(apply.callee_node))
                func = self.names.fresh(f"apply_{word}")
                self.call_bindings_by_spec[spec] = func
                self.call_bindings[func] = spec
            return cst.Call(cst.Name(func), args)
        dispatcher = self.call_bindings_by_spec.get(("", (APPLY,), ""))
        if dispatcher is None:
            dispatcher = self.names.fresh("apply_call")
            self.call_bindings_by_spec[("", (APPLY,), "")] = dispatcher
            self.call_bindings[dispatcher] = ("", (APPLY,), "")
        wrt_node = cst.parse_expression(repr(wrt))
        return cst.Call(
            cst.Name(dispatcher),
            [cst.Arg(apply.callee_node), cst.Arg(wrt_node), *args],
        )

    def _pullback(self, apply: ir.Apply, adjoint: str) -> None:
        """``grads = pullback_y(by)``, then each argument's share."""
        grads = self.names.fresh(f"grads_{apply.target}")
        if self.recompute_calls:
            call = self._applied_vjp(apply, adjoint)
        else:
            pullback = self._pullback_name(apply.target)
            call = cst.Call(cst.Name(pullback), [cst.Arg(cst.Name(adjoint))])
        self._emit(_assign(grads, call))
        for position, key in enumerate(self._call_wrt(apply)):
            operand = apply.args[key] if isinstance(key, int) else apply.kwargs[key]
            assert isinstance(operand, ir.Var)
            share = cst.Subscript(
                cst.Name(grads),
                [cst.SubscriptElement(cst.Index(cst.Integer(str(position))))],
            )
            self._accumulate(operand.name, share)


def _identifier_word(code: str) -> str:
    return code.rsplit(".", 1)[-1].strip("_") or "call"
