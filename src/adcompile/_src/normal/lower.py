"""Lowering expressions to normal form: one primitive per statement.

``ExpressionLowering.lower(node)`` returns an operand for an expression,
appending to the current block one ``Apply`` per differentiable operation
it contains. Sub-expressions that carry no derivative stay whole, as
``Static`` code. Attributes of arrays (``x.T``) become the numpy functions
they stand for, and the written-out logistic sigmoid becomes one primitive;
calls, method calls (``x.sum()``) included, are ``lower_calls.py``'s.
"""

from __future__ import annotations

import operator
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.cross_entropy import log_softmax, sigmoid_cross_entropy
from adcompile._src.normal.shape_classes import ShapeClasses
from adcompile._src.normal.sharing import SharingAnalysis, load_names
from adcompile._src.normal.vocabulary import (
    ATTRIBUTES,
    BINARY,
    NEW_ARRAY_FUNCTIONS,
    NONDIFF_ATTRIBUTES,
    NONDIFF_METHODS,
    VIEW_FREE_SHAPES,
)
from adcompile._src.read.static_code import (
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import APPEND, LOGISTIC
from adcompile._src.rules.registry import Primitive
from adcompile._src.rules.sequences import ITEMS_ONLY, SEQUENCE_RESULTS
from adcompile._src.runtime import HELPERS
from adcompile._src.runtime import methods as runtime_methods
from adcompile._src.syntax.naming import operand_word
from adcompile._src.syntax.templates import render
from adcompile._src.syntax.tree import children


class ExpressionLowering(SharingAnalysis, ShapeClasses):
    """Expression lowering; mixed into the Normalizer, which owns the state."""

    def _lower(
        self, node: cst.BaseExpression, target_name: str | None = None
    ) -> ir.Operand:
        if not self._is_varied(node):  # freshness: see _share
            return self._static_operand(node)
        if isinstance(node, cst.Name):
            return ir.Var(self.env[node.value])
        logistic_argument = self._logistic_argument(node)
        if logistic_argument is not None:
            value = self._lower(logistic_argument)
            prim = registry.lookup(LOGISTIC)
            return self._apply(prim, [value], {}, target_name, node=node)
        fused = sigmoid_cross_entropy(self, node, target_name) or log_softmax(
            self, node, target_name
        )  # one primitive
        if fused is not None:
            return fused
        if isinstance(node, cst.BinaryOperation):
            joined = self._sequence_operation(node, target_name)  # lists.py
            if joined is not None:
                return joined
            key = BINARY.get(type(node.operator))
            if key is None:
                raise self._unsupported(node, "this operator")
            left, right = self._in_order([node.left, node.right])  # (y - h(y):
            # y read after h ran, call_arguments)
            return self._apply(
                registry.lookup(key), [left, right], {}, target_name, node=node
            )
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Minus):
                key = operator.neg
            elif isinstance(node.operator, cst.Plus):
                key = operator.pos
            else:
                raise self._unsupported(node, "this operator")
            value = self._lower(node.expression)
            return self._apply(registry.lookup(key), [value], {}, target_name, node)
        if isinstance(node, cst.Call):
            return self._call(node, target_name)
        if isinstance(node, cst.Attribute):
            function = ATTRIBUTES.get(node.attr.value)
            if function is None:
                return self._field(node, target_name)
            value = self._lower(node.value)
            return self._apply(
                registry.lookup(function), [value], {}, target_name, node=node
            )
        if isinstance(node, cst.Subscript):
            return self._subscript(node, target_name)
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._pack(node, target_name)
        if isinstance(node, cst.Dict):
            return self._dict(node, target_name)
        if isinstance(node, cst.BooleanOperation):
            raise UnsupportedSyntax(
                "`and`/`or` on values the gradient depends on cannot be "
                "differentiated",
                "use np.logical_and / np.logical_or on conditions, or np.where "
                "to choose between values",
                self.source.location(node),
            )
        if isinstance(node, cst.IfExp):
            return self._if_expression(node, target_name)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.DictComp)):
            return self._comprehension(node)
        raise self._unsupported(node, "this expression")

    def _logistic_argument(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """``z`` when node is ``1 / (1 + np.exp(-z))`` (in either order)."""
        if not (
            isinstance(node, cst.BinaryOperation)
            and isinstance(node.operator, cst.Divide)
            and _is_one(node.left)
            and isinstance(node.right, cst.BinaryOperation)
            and isinstance(node.right.operator, cst.Add)
        ):
            return None
        denominator = node.right
        for one, call in (
            (denominator.left, denominator.right),
            (denominator.right, denominator.left),
        ):
            if (
                _is_one(one)
                and isinstance(call, cst.Call)
                and len(call.args) == 1
                and call.args[0].keyword is None
                and isinstance(call.args[0].value, cst.UnaryOperation)
                and isinstance(call.args[0].value.operator, cst.Minus)
                and resolve_callee(self.source, call.func, self.env, strict=False)
                is np.exp
            ):
                return call.args[0].value.expression
        return None

    def _subscript(self, node: cst.Subscript, target_name: str | None):
        for element in node.slice:
            if self._is_varied(element):
                raise NoDerivativeRule(
                    "an index that depends on a differentiated value",
                    "indices carry no gradient: compute them from data that "
                    "does not depend on the wrt parameters (to loop over a "
                    "dict's keys, write `for k in d.keys()` or `d.items()`)",
                    self.source.location(element),
                )
        value = self._lower(node.value)
        index = self._static(index_expression(node.slice, self.np_name)).node
        return self._apply(
            registry.lookup(operator.getitem),
            [value],
            {},
            target_name,
            node=node,
            index=index,
        )

    def _field(self, node: cst.Attribute, target_name: str | None) -> ir.Operand:
        """``p.W``: a field of a named tuple, dataclass or object that carries
        a derivative, read by the primitive ``getattr(p, "W")`` (emitted as
        ``p.W``; its rule refuses, as the code runs, attributes that are
        not fields, and attributes of arrays)."""
        value = self._lower(node.value)
        attr = node.attr.value
        target = None
        if target_name is None:  # named after what it holds: p_W
            owner = operand_word(value.name) if isinstance(value, ir.Var) else "field"
            target = self.names.fresh(f"{owner}_{attr}")
            self._forget(target)
        name = ir.Static(cst.SimpleString(f'"{attr}"'))
        return self._apply(
            registry.lookup(getattr),
            [value, name],
            {},
            target_name,
            node=node,
            target=target,
        )

    def _pack(self, node: cst.Tuple | cst.List, target_name: str | None):
        elements = node.elements
        if (
            isinstance(node, cst.List)
            and len(elements) == 2
            and isinstance(elements[0], cst.StarredElement)
            and isinstance(elements[0].value, cst.Name)
            and not isinstance(elements[1], cst.StarredElement)
        ):  # [*items, value]: how derivative code spells a list's append
            items = self._lower(elements[0].value)
            value = self._lower(elements[1].value)
            prim = registry.lookup(APPEND)
            return self._apply(prim, [items, value], {}, target_name, node=node)
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            raise self._unsupported(node, "starred elements")
        items = self._in_order([e.value for e in node.elements])  # (call_arguments)
        kind = "tuple" if isinstance(node, cst.Tuple) else "list"
        target = self._target(target_name, kind, items)
        self._share(items, holder=target)  # the container keeps its items
        self.body.append(ir.Pack(target, items, self.origin, kind))
        self.varied.add(target)
        self.sequences.add(target)
        self.item_holders.add(target)
        if kind == "list":
            self.fresh.add(target)  # a new list: appending to it is safe
        self._set_shape(target, ("value", target))
        return ir.Var(target)

    # ---- building statements ---------------------------------------------

    def _apply(
        self,
        prim: Primitive | None,
        args: list[ir.Operand],
        kwargs: dict[str, ir.Operand],
        target_name: str | None,
        node: cst.CSTNode | None = None,
        callee: str = "",
        index: cst.BaseExpression | None = None,
        call: tuple[str, cst.BaseExpression | None] = ("", None),
        target: str | None = None,
        pure_call: bool = False,
        keeps: bool = True,
    ) -> ir.Var:
        word = prim.name if prim is not None else _callee_word(callee)
        if _reads_values(prim) and not call[0] and not self.updating_in_place:
            args = [self._state_now(a) for a in args]  # (lower_calls.py)
            kwargs = {k: self._state_now(a) for k, a in kwargs.items()}
        if target is None:
            target = self._target(target_name, word, args)
        reads = operand_names([*args, *kwargs.values()])
        if target in reads and target_name is not None:
            # h = f(h) in a loop or branch: compute into a new variable, then
            # copy, so the backward sweep can tell the two values of h apart
            # (its local gradients read the operands' values, the old h, and
            # the old value comes back only after them); static code that
            # reads h counts too (s = s * b with s carrying no derivative)
            result = self._apply(
                prim,
                args,
                kwargs,
                None,
                node,
                callee,
                index,
                call,
                None,
                pure_call,
                keeps,
            )
            self._copy(target_name, result)
            return ir.Var(target)
        origin = ir.Origin(
            self.origin.code, self.origin.statement, node, self.source.location
        )
        apply = ir.Apply(target, prim, args, kwargs, origin, callee, index=index)
        apply.call, apply.callee_node = call
        if prim is not None:
            apply.bound = self._bind(prim, args, kwargs, node, index)
        self.body.append(apply)
        self.varied.add(target)
        if prim is not None and id(prim.key) in SEQUENCE_RESULTS:
            self.sequences.add(target)  # a list or tuple: see lists.py
            self.item_holders.add(target)
        elif prim is not None and prim.key is runtime_methods.copy_of:
            self.copies.add(target)  # an array, or a list or dict: inplace.py
            self._copy_holds(args[0], target)
        self._note_kind(apply)
        apply.shape = self._result_shape(apply)
        self._set_shape(target, apply.shape)
        apart = self._part_apart(prim, args, index)
        if apart and target not in self.pinned.values():
            self.apart.add(target)  # (its own parts are apart too)
        if _new_value(prim):
            self.fresh.add(target)  # a new array
        elif prim is not None and target_name is None:
            self.view_roots[target] = self._roots(apply.operands())  # maybe a view
        elif pure_call:  # a user function that keeps nothing, returns new values
            self.fresh.add(target)
        elif prim is not None or not keeps:  # the result may be (a view of) one
            item = prim is not None and prim.key in (operator.getitem, getattr)
            item = (
                item
                or prim is not None
                and (  # (a new list of its items)
                    id(prim.key) in ITEMS_ONLY or prim.key in (list, tuple)
                )
            )
            if not apart:  # (a part apart from the rest sees none of it)
                self._share(apply.operands(), holder=target, item=item)
            roots = self._roots(apply.operands())
            if roots and roots <= self.fresh and not self.updating_in_place:
                items_only = prim is not None and (
                    prim.key in (list, tuple) or id(prim.key) in ITEMS_ONLY
                )
                sliced = item and isinstance(index, cst.Subscript)
                self._part_of(target, roots, sliced or items_only)
        else:  # handed to code that may keep it
            self._share(apply.operands())
        return ir.Var(target)

    def _bind(
        self,
        prim: Primitive,
        args: list[ir.Operand],
        kwargs: dict[str, ir.Operand],
        node: cst.CSTNode | None,
        index: cst.BaseExpression | None,
    ) -> dict[str, ir.Operand]:
        params = prim.params
        bound: dict[str, ir.Operand] = {}
        if index is not None:
            bound["index"] = ir.Static(index)
        if len(args) > len(params) - len(bound):
            raise NoDerivativeRule(
                f"{prim.spelling} called with {len(args)} positional arguments; "
                f"its rule knows the parameters ({', '.join(prim.param_names)})",
                "pass the extra arguments by keyword, or drop them",
                self.source.location(node),
            )
        for param, operand in zip(params, args, strict=False):
            bound[param.name] = operand
        for keyword, operand in kwargs.items():
            if keyword not in prim.param_names:
                raise NoDerivativeRule(
                    f"{prim.spelling} called with keyword '{keyword}', which its "
                    f"derivative rule does not know "
                    f"(it knows: {', '.join(prim.param_names)})",
                    "drop the keyword, or compute this value outside the function",
                    self.source.location(node),
                )
            bound[keyword] = operand
        for param in prim.params:
            given = bound.get(param.name)
            if param.name in prim.defaults_only and given is not None:
                code = render(given.node) if isinstance(given, ir.Static) else ""
                if code != param.default:
                    raise NoDerivativeRule(
                        f"{prim.spelling} with {param.name} other than "
                        f"{param.default}: its derivative rule holds for "
                        f"{param.name}={param.default} only",
                        f"drop {param.name}, or compute this value outside the "
                        "function",
                        self.source.location(node),
                    )
        return bound

    def _target(self, target_name: str | None, word: str, args: list) -> str:
        if target_name is not None:
            return self._new_ssa(target_name)
        temporary = self.names.fresh(_temporary_name(word, args))
        self._forget(temporary)  # (a name a loop's earlier pass used)
        return temporary

    def _new_ssa(self, name: str) -> str:
        if name in self.param_names and not self.updating_in_place:
            self.rebound_params.add(name)  # the name leaves the caller's array
        pinned = self.pinned.get(name)
        if pinned is not None:  # inside a loop or branch: one name throughout
            self.apart.discard(pinned)  # (given values made anywhere)
            ssa = pinned
        else:
            free = name not in self.env and self.names.claim_if_free(name)
            ssa = name if free else self.names.fresh(name)
            self.env[name] = ssa
        if not self.updating_in_place:  # a new object (the name's old one, or
            self._retire(ssa)  # a value a loop's earlier pass gave the name)
        return ssa

    # ---- analysis helpers --------------------------------------------------

    def _is_varied(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            ssa = self.env.get(node.value)
            return ssa is not None and ssa in self.varied
        if isinstance(node, cst.Attribute):
            if node.attr.value in NONDIFF_ATTRIBUTES:
                return False
            return self._is_varied(node.value)
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and self._is_varied(func.value):
                return func.attr.value not in NONDIFF_METHODS
            if not isinstance(func, cst.Attribute) and self._is_varied(func):
                return True  # a function or object made from varied values
            if self._writes_varied_enclosing(func):
                return True  # (a nested function: closures.py refuses it)
            callee = resolve_callee(self.source, func, self.env, strict=False)
            prim = registry.lookup(callee) if callee is not None else None
            if prim is not None and prim.nondiff:
                return False
            return any(self._is_varied(a.value) for a in node.args)
        if isinstance(node, cst.Comparison):
            return False
        if isinstance(node, cst.UnaryOperation) and isinstance(
            node.operator, (cst.Not, cst.BitInvert)
        ):
            return False
        if isinstance(node, cst.Arg):
            return self._is_varied(node.value)
        return any(self._is_varied(child) for child in children(node))

    def _unsupported(self, node: cst.CSTNode, what: str) -> UnsupportedSyntax:
        code = self.source.code(node)
        return UnsupportedSyntax(
            f"{what} ({code}) cannot be differentiated",
            "rewrite it with the assignments, operators and numpy calls listed "
            "in the user guide",
            self.source.location(node),
        )


def render_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_one(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and node.evaluated_value == 1


def index_expression(elements: Any, np_name: str) -> cst.BaseExpression:
    """The index of ``a[...]`` as an expression: ``i``, ``(i, j)`` or np.s_[...]."""
    if all(isinstance(e.slice, cst.Index) for e in elements):
        values = [e.slice.value for e in elements]
        if len(values) == 1 and not isinstance(elements[0].comma, cst.Comma):
            return values[0]
        return cst.Tuple([cst.Element(v) for v in values])
    return cst.Subscript(
        value=cst.Attribute(cst.Name(np_name), cst.Name("s_")),
        slice=[e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in elements],
    )


def _callee_word(callee: str) -> str:
    return callee.rsplit(".", 1)[-1] or "call"


def _temporary_name(word: str, args: list) -> str:
    for operand in args:
        if isinstance(operand, ir.Var):
            return f"{word}_{operand_word(operand.name)}"
    return word


def operand_names(operands: list[ir.Operand]) -> set[str]:
    """The variables operands read: a variable's name, or the names static
    code reads."""
    names: set[str] = set()
    for operand in operands:
        if isinstance(operand, ir.Var):
            names.add(operand.name)
        else:
            names |= load_names(operand.node)
    return names


def _new_value(prim: Primitive | None) -> bool:
    """A rule whose result is a new value (one that may hold an operand,
    a list or an item, must hold the object itself, not a copy of it)."""
    return prim is not None and (
        prim.shape in VIEW_FREE_SHAPES or id(prim.key) in NEW_ARRAY_FUNCTIONS
    )


def _reads_values(prim: Primitive | None) -> bool:
    """A rule that reads its operands' values only, which may be read as
    they are now (``_state_now``): not ``copy_of_view``, which asks whether
    its operand is the base's view (the objects themselves)."""
    return (
        prim is not None
        and _new_value(prim)
        and prim.key is not HELPERS["copy_of_view"]
    )
