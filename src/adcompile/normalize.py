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

import operator
from typing import Any

import libcst as cst
import numpy as np

from . import ir
from .errors import NoDerivativeRule, UnsupportedSyntax
from .naming import NameAllocator, operand_word
from .rules import registry
from .rules.patterns import LOGISTIC
from .rules.registry import BROADCAST, REDUCE, SAME, SCALAR, Primitive
from .source import FunctionSource
from .static_code import (
    is_numeric_literal,
    rename_locals,
    resolve_callee,
)

BINARY = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.Power: operator.pow,
    cst.MatrixMultiply: operator.matmul,
    cst.Modulo: operator.mod,
    cst.FloorDivide: operator.floordiv,
    cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_,
    cst.BitXor: operator.xor,
}
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
NONDIFF_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes"})
NONDIFF_METHODS = frozenset(
    {"argmax", "argmin", "argsort", "nonzero", "any", "all", "tolist", "__len__"}
)
# method name -> (numpy function, whether extra positional arguments are packed
# into one tuple, as ``x.reshape(2, 3)`` means ``np.reshape(x, (2, 3))``)
METHODS: dict[str, tuple[Any, bool]] = {
    "sum": (np.sum, False),
    "mean": (np.mean, False),
    "max": (np.max, False),
    "min": (np.min, False),
    "prod": (np.prod, False),
    "dot": (np.dot, False),
    "ravel": (np.ravel, False),
    "flatten": (np.ravel, False),
    "copy": (np.copy, False),
    "squeeze": (np.squeeze, False),
    "clip": (np.clip, False),
    "reshape": (np.reshape, True),
    "transpose": (np.transpose, True),
}
ATTRIBUTES = {"T": np.transpose}
IN_PLACE_METHODS = frozenset({"sort", "fill", "resize", "put", "itemset", "setfield"})
VIEW_FREE_SHAPES = frozenset({SAME, BROADCAST, SCALAR, REDUCE})


class Normalizer:
    """Builds one ``ir.Program`` from one parsed function."""

    def __init__(
        self, source: FunctionSource, wrt: list[str], wrt_is_tuple: bool, np_name: str
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
        result: ir.Operand | None = None
        result_origin = self.origin
        for statement in _statements(self.definition):
            for small in _small_statements(statement):
                self.origin = ir.Origin(
                    self.source.code(small), small, locate=self.source.location
                )
                if isinstance(small, cst.Return):
                    result, result_origin = self._return(small), self.origin
                else:
                    self._statement(small)
        if result is None:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} returns nothing",
                "return the value to differentiate (a real scalar for grad)",
                self.source.location(self.definition),
            )
        return ir.Program(
            name=self.definition.name.value,
            params=params,
            param_names=param_names,
            wrt=self.wrt,
            wrt_is_tuple=self.wrt_is_tuple,
            body=self.body,
            result=result,
            result_origin=result_origin,
            shapes=self.shapes,
            taken_names=self.names.taken,
        )

    # ---- statements --------------------------------------------------------

    def _statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Pass):
            return
        if isinstance(node, cst.Expr):
            if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
                return  # a docstring
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

    def _return(self, node: cst.Return) -> ir.Operand:
        if node.value is None:
            raise UnsupportedSyntax(
                f"{self.source.function.__qualname__} returns nothing",
                "return the value to differentiate (a real scalar for grad)",
                self.source.location(node),
            )
        return self._lower(node.value, target_name="out")

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
            self._unfresh_names(value)
            static = ir.Static(rename_locals(value, self.env))
            target = self._new_ssa(name)
            self.body.append(ir.Assign(target, static, self.origin))
            self.shapes[target] = (
                SCALAR if is_numeric_literal(value) else ("value", target)
            )
            if _creates_new_value(value):
                self.fresh.add(target)
            return ir.Var(target)
        operand = self._lower(value, target_name=name)
        return operand

    def _bind_alias(self, name: str, operand: ir.Operand) -> None:
        if isinstance(operand, ir.Var):
            self.env[name] = operand.name
            self.fresh.discard(operand.name)
            return
        target = self._new_ssa(name)
        self.body.append(ir.Assign(target, operand, self.origin))
        self.shapes[target] = (
            SCALAR if is_numeric_literal(operand.node) else ("value", target)
        )

    def _lower(
        self, node: cst.BaseExpression, target_name: str | None = None
    ) -> ir.Operand:
        if not self._is_varied(node):
            self._unfresh_names(node)
            return ir.Static(rename_locals(node, self.env))
        if isinstance(node, cst.Name):
            return ir.Var(self.env[node.value])
        logistic_argument = self._logistic_argument(node)
        if logistic_argument is not None:
            value = self._lower(logistic_argument)
            prim = registry.lookup(LOGISTIC)
            return self._apply(prim, [value], {}, target_name, node=node)
        if isinstance(node, cst.BinaryOperation):
            key = BINARY.get(type(node.operator))
            if key is None:
                raise self._unsupported(node, "this operator")
            left, right = self._lower(node.left), self._lower(node.right)
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
                raise self._unsupported(node, f"the attribute .{node.attr.value}")
            value = self._lower(node.value)
            return self._apply(
                registry.lookup(function), [value], {}, target_name, node=node
            )
        if isinstance(node, cst.Subscript):
            return self._subscript(node, target_name)
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._pack(node, target_name)
        if isinstance(node, cst.BooleanOperation):
            raise UnsupportedSyntax(
                "`and`/`or` on values the gradient depends on cannot be "
                "differentiated",
                "use np.logical_and / np.logical_or on conditions, or np.where "
                "to choose between values",
                self.source.location(node),
            )
        if isinstance(node, cst.IfExp):
            raise UnsupportedSyntax(
                "a conditional expression (a if c else b) on values the gradient "
                "depends on cannot be differentiated yet",
                "use np.where(c, a, b)",
                self.source.location(node),
            )
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

    def _call(self, node: cst.Call, target_name: str | None) -> ir.Operand:
        func = node.func
        if isinstance(func, cst.Attribute) and self._is_varied(func.value):
            return self._method(node, func, target_name)
        callee = resolve_callee(self.source, func, self.env)
        prim = registry.lookup(callee) if callee is not None else None
        args = [self._lower(a.value) for a in node.args if a.keyword is None]
        kwargs = {
            a.keyword.value: self._lower(a.value)
            for a in node.args
            if a.keyword is not None
        }
        return self._apply(
            prim,
            args,
            kwargs,
            target_name,
            node=node,
            callee=self.source.code(func),
        )

    def _method(
        self, node: cst.Call, func: cst.Attribute, target_name: str | None
    ) -> ir.Operand:
        method = func.attr.value
        entry = METHODS.get(method)
        if entry is None:
            raise NoDerivativeRule(
                f"no derivative rule for the array method .{method}()",
                "call the numpy function instead, e.g. "
                f"np.{method}(x, ...) if numpy has one with a rule",
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

    def _subscript(self, node: cst.Subscript, target_name: str | None):
        for element in node.slice:
            if self._is_varied(element):
                raise NoDerivativeRule(
                    "an index that depends on a differentiated value",
                    "indices carry no gradient: compute them from data that "
                    "does not depend on the wrt parameters",
                    self.source.location(element),
                )
        value = self._lower(node.value)
        index = rename_locals(_index_expression(node.slice, self.np_name), self.env)
        self._unfresh_names(index)
        return self._apply(
            registry.lookup(operator.getitem),
            [value],
            {},
            target_name,
            node=node,
            index=index,
        )

    def _pack(self, node: cst.Tuple | cst.List, target_name: str | None):
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            raise self._unsupported(node, "starred elements")
        items = [self._lower(e.value) for e in node.elements]
        kind = "tuple" if isinstance(node, cst.Tuple) else "list"
        target = self._target(target_name, kind, items)
        for item in items:
            if isinstance(item, ir.Var):
                self.fresh.discard(item.name)
        self.body.append(ir.Pack(target, items, self.origin, kind))
        self.varied.add(target)
        self.shapes[target] = ("value", target)
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
    ) -> ir.Var:
        word = prim.name if prim is not None else _callee_word(callee)
        target = self._target(target_name, word, args)
        origin = ir.Origin(
            self.origin.code, self.origin.statement, node, self.source.location
        )
        apply = ir.Apply(target, prim, args, kwargs, origin, callee, index=index)
        if prim is not None:
            apply.bound = self._bind(prim, args, kwargs, node, index)
        self.body.append(apply)
        self.varied.add(target)
        self.shapes[target] = self._result_shape(apply)
        if prim is not None and prim.shape in VIEW_FREE_SHAPES:
            self.fresh.add(target)
        for operand in apply.operands():
            if isinstance(operand, ir.Var) and (
                prim is None or prim.shape not in VIEW_FREE_SHAPES
            ):
                self.fresh.discard(operand.name)
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
        return bound

    def _result_shape(self, apply: ir.Apply) -> object:
        prim = apply.prim
        fresh_class = ("value", apply.target)
        if prim is None:
            return fresh_class
        operands = [
            apply.bound[p] for p, t in prim.vjps.items() if t and p in apply.bound
        ]
        classes = [self._shape_of(o) for o in operands]
        if prim.shape == SCALAR:
            return SCALAR
        if prim.shape == REDUCE:
            return SCALAR if is_simple(apply) else fresh_class
        if prim.shape == SAME and classes:
            return classes[0]
        if prim.shape == BROADCAST and classes:
            arrays = {c for c in classes if c != SCALAR}
            if not arrays:
                return SCALAR
            if len(arrays) == 1:
                return arrays.pop()
        return fresh_class

    def _shape_of(self, operand: ir.Operand) -> object:
        if isinstance(operand, ir.Var):
            return self.shapes.get(operand.name, ("value", operand.name))
        node = operand.node
        if is_numeric_literal(node):
            return SCALAR
        if isinstance(node, cst.Name) and node.value in self.shapes:
            return self.shapes[node.value]
        return ("static", id(node))

    def _target(self, target_name: str | None, word: str, args: list) -> str:
        if target_name is not None:
            return self._new_ssa(target_name)
        return self.names.fresh(_temporary_name(word, args))

    def _new_ssa(self, name: str) -> str:
        if name not in self.env and self.names.claim_if_free(name):
            ssa = name
        else:
            ssa = self.names.fresh(name)
        self.env[name] = ssa
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
        return any(self._is_varied(child) for child in node.children)

    def _unfresh_names(self, node: cst.CSTNode) -> None:
        """Any reference to a name may create an alias: it is no longer fresh."""
        for name in _load_names(node):
            ssa = self.env.get(name)
            if ssa is not None:
                self.fresh.discard(ssa)

    def _unsupported(self, node: cst.CSTNode, what: str) -> UnsupportedSyntax:
        code = self.source.code(node)
        return UnsupportedSyntax(
            f"{what} ({code}) cannot be differentiated",
            "rewrite it with the assignments, operators and numpy calls listed "
            "in the user guide",
            self.source.location(node),
        )


def normalize(
    source: FunctionSource, wrt: list[str], wrt_is_tuple: bool, np_name: str = "np"
) -> ir.Program:
    """Lower ``source`` to normal form, differentiating with respect to wrt."""
    return Normalizer(source, wrt, wrt_is_tuple, np_name).run()


def is_simple(apply: ir.Apply) -> bool:
    """True when the call leaves every ``simple_when`` parameter at its default."""
    prim = apply.prim
    if prim is None or not prim.simple_when:
        return False
    defaults = {p.name: p.default for p in prim.params}
    for name in prim.simple_when:
        operand = apply.bound.get(name)
        if operand is None:
            continue
        if not isinstance(operand, ir.Static):
            return False
        code = cst.Module([]).code_for_node(operand.node).strip()
        if code != defaults.get(name):
            return False
    return True


def _is_one(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and node.evaluated_value == 1


def _statements(definition: cst.FunctionDef) -> list[cst.CSTNode]:
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


def _load_names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            if attribute.attr.value not in NONDIFF_ATTRIBUTES:
                attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

    node.visit(Finder())
    return names


def _all_names(module: cst.Module) -> set[str]:
    names: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    module.visit(Finder())
    return names


def _creates_new_value(node: cst.BaseExpression) -> bool:
    """A value no other name can refer to: a literal or an arithmetic result."""
    if is_numeric_literal(node):
        return True
    return isinstance(node, (cst.BinaryOperation, cst.UnaryOperation))


def _index_expression(elements: Any, np_name: str) -> cst.BaseExpression:
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
