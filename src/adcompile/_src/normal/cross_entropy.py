"""Recognizing the binary cross-entropy of a logistic sigmoid, and the
written-out log-softmax.

``y * np.log(p) + (1 - y) * np.log(1 - p)`` (either factor order in each
product, either order of the sum) where ``y`` and ``p`` are names and ``p``
holds the value of the written-out sigmoid ``1 / (1 + np.exp(-z))`` computed
earlier in the same block becomes one primitive, SIGMOID_CROSS_ENTROPY, of
(y, p, z), whose adjoint with respect to z reads ``g * (y - p)``.

Invariant: the fusion happens only when the sigmoid's ``Apply`` is in the
current block and nothing after it in the block assigns p or z again, so
p holds sigmoid(z) where the expression reads it. Anything else is lowered
as written.

``z - np.log(np.sum(np.exp(z), axis=a, keepdims=True))`` (z a name, ``a``
an expression the gradient does not depend on, or no axis) becomes the
primitive LOG_SOFTMAX of (z, a); when z holds ``x - np.max(x, axis=a,
keepdims=True)`` (the same ``a``, written the same way) computed earlier in
the same block, under the invariant above for z, x and the max, it becomes
SHIFTED_LOG_SOFTMAX of (z, x, a), whose adjoint goes to x.
"""

from __future__ import annotations

import operator
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src.normal import ir
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import (
    LOG_SOFTMAX,
    LOGISTIC,
    SHIFTED_LOG_SOFTMAX,
    SIGMOID_CROSS_ENTROPY,
)


def log_softmax(
    lowering: Any, node: cst.BaseExpression, target_name: str | None
) -> ir.Var | None:
    """One primitive for the written-out log-softmax, appended by the
    expression lowering ``lowering``; None (nothing appended) otherwise."""
    if not (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Subtract)
        and isinstance(node.left, cst.Name)
    ):
        return None
    z = node.left.value
    log = _single_argument(lowering, node.right, np.log)
    if not isinstance(log, cst.Call) or not _resolves(lowering, log.func, np.sum):
        return None
    first, *options = log.args
    if (
        first.keyword is not None
        or first.star
        or any(a.keyword is None or a.star for a in options)
    ):
        return None
    exp = _single_argument(lowering, first.value, np.exp)
    keywords = {a.keyword.value: a.value for a in options if a.keyword is not None}
    keepdims = keywords.get("keepdims")
    axis = keywords.get("axis", cst.Name("None"))
    if (
        not (isinstance(exp, cst.Name) and exp.value == z)
        or set(keywords) - {"axis", "keepdims"}
        or not (isinstance(keepdims, cst.Name) and keepdims.value == "True")
        or lowering._is_varied(axis)
    ):
        return None
    value = lowering._lower(cst.Name(z))
    if not isinstance(value, ir.Var):
        return None
    axis_operand = lowering._lower(axis)
    unshifted = _max_shifted(lowering.body, value.name, _code(axis))
    if unshifted is not None:
        prim = registry.lookup(SHIFTED_LOG_SOFTMAX)
        args = [value, unshifted, axis_operand]
        return lowering._apply(prim, args, {}, target_name, node=node)
    prim = registry.lookup(LOG_SOFTMAX)
    return lowering._apply(prim, [value, axis_operand], {}, target_name, node=node)


def _max_shifted(body: list[Any], z: str, axis: str) -> ir.Var | None:
    """x when the variable z was assigned ``x - np.max(x, axis=<axis>,
    keepdims=True)`` by statements of ``body`` after which nothing in it
    assigns z, x or the max again."""
    shift = _last_assignment(body, z)
    if not (
        shift is not None
        and shift.prim is not None
        and shift.prim.key is operator.sub
        and len(shift.args) == 2
        and all(isinstance(a, ir.Var) for a in shift.args)
    ):
        return None
    x, peak = shift.args
    top = _last_assignment(body, peak.name)  # type: ignore[union-attr]
    if not (
        top is not None
        and top.prim is not None
        and top.prim.key is np.max
        and len(top.args) == 1
        and isinstance(top.args[0], ir.Var)
        and top.args[0].name == x.name  # type: ignore[union-attr]
        and _static_code(top.bound.get("keepdims")) == "True"
        and (_static_code(top.bound.get("axis")) or "None") == axis
        and set(top.bound) <= {"x", "axis", "keepdims"}
    ):
        return None
    later = body[body.index(top) :]
    if any(getattr(s, "target", None) == x.name for s in later[1:]):  # type: ignore[union-attr]
        return None
    return x  # type: ignore[return-value]


def _last_assignment(body: list[Any], name: str) -> ir.Apply | None:
    """The statement of ``body`` that last assigned ``name``, when it is an
    ``Apply`` and only plain statements (no loops or branches) follow it."""
    for position in range(len(body) - 1, -1, -1):
        if getattr(body[position], "target", None) != name:
            continue
        statement = body[position]
        later = body[position + 1 :]
        if not isinstance(statement, ir.Apply) or any(
            not isinstance(s, (ir.Apply, ir.Assign)) for s in later
        ):
            return None
        return statement
    return None


def _static_code(operand: Any) -> str | None:
    """The code of a Static operand; None for anything else."""
    return _code(operand.node) if isinstance(operand, ir.Static) else None


def _code(node: cst.BaseExpression) -> str:
    return cst.Module([]).code_for_node(node)


def _single_argument(lowering: Any, node: cst.BaseExpression, function: Any) -> Any:
    """The argument of ``function(argument)``; None for anything else."""
    if (
        isinstance(node, cst.Call)
        and len(node.args) == 1
        and node.args[0].keyword is None
        and node.args[0].star == ""
        and _resolves(lowering, node.func, function)
    ):
        return node.args[0].value
    return None


def _resolves(lowering: Any, func: cst.BaseExpression, function: Any) -> bool:
    found = resolve_callee(lowering.source, func, lowering.env, strict=False)
    return found is function


def sigmoid_cross_entropy(
    lowering: Any, node: cst.BaseExpression, target_name: str | None
) -> ir.Var | None:
    """One primitive for ``y * log(p) + (1 - y) * log(1 - p)`` of a sigmoid
    p, appended by the expression lowering ``lowering``; None (nothing
    appended) for any other expression."""
    names = cross_entropy_names(node, log_resolver(lowering))
    if names is None or names[1] not in lowering.env:
        return None
    p = lowering.env[names[1]]
    z = sigmoid_argument(lowering.body, p)
    if z is None:
        return None
    y = lowering._lower(cst.Name(names[0]))
    prim = registry.lookup(SIGMOID_CROSS_ENTROPY)
    return lowering._apply(prim, [y, ir.Var(p), z], {}, target_name, node=node)


def cross_entropy_names(
    node: cst.BaseExpression, is_log: Any
) -> tuple[str, str] | None:
    """The names (y, p) when node is ``y * log(p) + (1 - y) * log(1 - p)``;
    ``is_log(func)`` says whether a callee is np.log."""
    if not (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
    ):
        return None
    for first, second in ((node.left, node.right), (node.right, node.left)):
        plain = _name_times_log(first, is_log)
        complement = _name_times_log(second, is_log, complement=True)
        if plain is not None and plain == complement:
            return plain
    return None


def _name_times_log(
    node: cst.BaseExpression, is_log: Any, complement: bool = False
) -> tuple[str, str] | None:
    """(y, p) for ``y * log(p)``, or for ``(1 - y) * log(1 - p)`` when
    ``complement``, in either factor order."""
    if not (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Multiply)
    ):
        return None
    for weight, call in ((node.left, node.right), (node.right, node.left)):
        y = _one_minus(weight) if complement else weight
        if (
            isinstance(y, cst.Name)
            and isinstance(call, cst.Call)
            and len(call.args) == 1
            and call.args[0].keyword is None
            and call.args[0].star == ""
            and is_log(call.func)
        ):
            argument = call.args[0].value
            p = _one_minus(argument) if complement else argument
            if isinstance(p, cst.Name):
                return y.value, p.value
    return None


def _one_minus(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """x when node is ``1 - x`` (1 or 1.0); None otherwise."""
    if (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Subtract)
        and isinstance(node.left, (cst.Integer, cst.Float))
        and node.left.evaluated_value == 1
    ):
        return node.right
    return None


def sigmoid_argument(body: list[Any], p: str) -> ir.Var | None:
    """z when the variable p was assigned the sigmoid of the variable z by a
    statement of ``body`` that no later statement of it assigns p or z after."""
    for position in range(len(body) - 1, -1, -1):
        statement = body[position]
        if getattr(statement, "target", None) != p:
            continue
        if not (
            isinstance(statement, ir.Apply)
            and statement.prim is not None
            and statement.prim.key is LOGISTIC
            and len(statement.args) == 1
            and isinstance(statement.args[0], ir.Var)
            and not statement.kwargs
        ):
            return None
        z = statement.args[0]
        later = body[position + 1 :]
        if any(getattr(s, "target", None) in (p, z.name) for s in later):
            return None
        if any(not isinstance(s, (ir.Apply, ir.Assign)) for s in later):
            return None
        return z
    return None


def log_resolver(lowering: Any) -> Any:
    """``is_log(func)``: whether a callee, resolved in the lowering's scope,
    is np.log."""

    def is_log(func: cst.BaseExpression) -> bool:
        found = resolve_callee(lowering.source, func, lowering.env, strict=False)
        return found is np.log

    return is_log
