"""Shapes of static code: constants, data, shape arithmetic.

Code that carries no derivative (``np.zeros((n, 3))``, ``x.shape[0] - 1``,
``dt / 2``, an index ``np.s_[1:, 0]``) is evaluated here on abstract values
(see ``shape_values``), given the values of the program's variables. A name
the program does not assign (a global, a closure variable) is ``TOP``: its
value may change between calls. A function is known only when its dotted
name starts at a module or a builtin (``np.zeros``, ``len``).
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src.normal import ir
from adcompile._src.read.static_code import dotted_name
from adcompile._src.shapes import shape_values as sv
from adcompile._src.shapes.shape_values import SCALAR_VALUE, TOP, UNKNOWN_INT, Value

Resolve = Callable[[str], Any]
NOTHING = object()  # a literal that could not be read
_OPERATORS = {
    cst.Add: "+",
    cst.Subtract: "-",
    cst.Multiply: "*",
    cst.Divide: "/",
    cst.FloorDivide: "//",
    cst.Modulo: "%",
    cst.Power: "**",
    cst.MatrixMultiply: "@",
}
_CREATORS = {id(np.zeros), id(np.ones), id(np.empty), id(np.full)}
_LIKE = {id(np.zeros_like), id(np.ones_like), id(np.empty_like), id(np.full_like)}


class StaticShapes:
    """Evaluates static code on the abstract values of ``values``."""

    def __init__(self, np_name: str, resolve: Resolve) -> None:
        self.np_name = np_name
        self.resolve = resolve
        self.values: dict[str, Value | None] = {}  # None: no value yet
        self.unknown: set[str] = set()  # names bound where no one looks

    def index_parts(self, index: cst.BaseExpression | None) -> Any:
        """The parts of an index (see ``shape_values.indexed``); None when it
        is not understood, ``NOTHING`` when a part has no value yet."""
        if index is None:
            return None
        if isinstance(index, cst.Subscript) and dotted_name(index.value) == (
            f"{self.np_name}.s_"
        ):
            return self._subscript_parts(index.slice)
        items = index.elements if isinstance(index, cst.Tuple) else None
        values = (
            [self.static(e.value) for e in items] if items else [self.static(index)]
        )
        return NOTHING if None in values else values

    def _subscript_parts(self, elements: Sequence[cst.SubscriptElement]) -> Any:
        """The parts of the index in ``a[...]`` (as ``index_parts``)."""
        parts: list[Any] = []
        for element in elements:
            part = element.slice
            if isinstance(part, cst.Index):
                parts.append(self.static(part.value))
            else:
                bounds = [
                    self._literal_int(b) for b in (part.lower, part.upper, part.step)
                ]
                if NOTHING in bounds:
                    return None
                parts.append(slice(*bounds))
        return NOTHING if None in parts else parts

    def _literal_int(self, node: cst.BaseExpression | None) -> Any:
        if node is None or (isinstance(node, cst.Name) and node.value == "None"):
            return None
        number = sv.int_value(self.static(node))
        return NOTHING if number is None else number

    def literal(self, operand: ir.Operand | None, default: Any) -> Any:
        """A keyword's Python value: None, a bool, an int or tuple of ints."""
        if operand is None:
            return default
        if not isinstance(operand, ir.Static):
            return NOTHING
        node = operand.node
        if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[node.value]
        value = self.static(node)
        if value is not None and value[0] == "seq":
            numbers = tuple(sv.int_value(item) for item in value[1])
            return NOTHING if None in numbers else numbers
        number = sv.int_value(value)
        return NOTHING if number is None else number

    # ---- code that carries no derivative --------------------------------

    def static(self, node: cst.BaseExpression) -> Value | None:
        """The value of static code (constants, data, shapes), or TOP."""
        if isinstance(node, cst.Integer):
            return ("int", int(node.evaluated_value))
        if isinstance(node, (cst.Float, cst.Imaginary)):
            return SCALAR_VALUE
        if isinstance(node, cst.Name):
            return self._name(node.value)
        if isinstance(node, cst.UnaryOperation):
            return self._unary(node)
        if isinstance(node, cst.BinaryOperation):
            symbol = _OPERATORS.get(type(node.operator))
            left, right = self.static(node.left), self.static(node.right)
            if symbol is not None:
                return sv.arithmetic(symbol, left, right)
            if left is None or right is None:
                return None
            return UNKNOWN_INT if left[0] == right[0] == "int" else TOP
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Subscript):
            parts = self._subscript_parts(node.slice)
            base = self.static(node.value)
            return None if parts is NOTHING or base is None else sv.indexed(base, parts)
        if isinstance(node, (cst.Tuple, cst.List)):
            if any(not isinstance(e, cst.Element) for e in node.elements):
                return TOP
            items = tuple(self.static(e.value) for e in node.elements)
            return None if None in items else ("seq", items)
        if isinstance(node, cst.IfExp):
            body, orelse = self.static(node.body), self.static(node.orelse)
            return None if body is None or orelse is None else sv.join(body, orelse)
        if isinstance(node, cst.Call):
            return self._static_call(node)
        return TOP

    def _name(self, name: str) -> Value | None:
        if name in ("True", "False"):
            return SCALAR_VALUE
        if name in self.unknown:
            return TOP
        if name in self.values:
            return self.values[name]
        return TOP  # a global or a closure variable: it may change between calls

    def _unary(self, node: cst.UnaryOperation) -> Value | None:
        value = self.static(node.expression)
        if value is None or isinstance(node.operator, cst.Not):
            return None if value is None else TOP
        if value[0] == "int":
            number = value[1]
            if number is None or isinstance(node.operator, cst.BitInvert):
                return UNKNOWN_INT
            return ("int", -number if isinstance(node.operator, cst.Minus) else number)
        return array_like(value)

    def _attribute(self, node: cst.Attribute) -> Value | None:
        attr = node.attr.value
        base = self.static(node.value)
        if base is None:
            return None
        shape = sv.shape_of(base)
        if shape is None:
            obj = self.callee_object(node)  # a module's constant: np.pi, math.e
            return SCALAR_VALUE if type(obj) in (float, int) else TOP
        if attr == "shape":
            return ("seq", tuple(("int", n) for n in shape))
        if attr in ("ndim", "size"):
            return ("int", len(shape) if attr == "ndim" else int(np.prod(shape)))
        if attr == "T":
            return sv.array(shape[::-1])
        if attr in ("real", "imag"):
            return sv.array(shape)
        return TOP

    def _static_call(self, node: cst.Call) -> Value | None:
        function = self.callee_object(node.func)
        if function is None:
            return TOP
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword}
        if any(a.star for a in node.args):
            return TOP
        values = [self.static(a) for a in positional]
        if None in values:
            return None
        first = values[0] if values else TOP
        if function is len and len(values) == 1 and not keywords:
            return length(first)
        if function is list and len(values) == 1 and not keywords:
            shape = sv.shape_of(first)
            if first[0] in ("seq", "rows"):
                return first
            return ("rows", sv.array(shape[1:])) if shape else TOP
        if function is float and len(values) == 1:
            return SCALAR_VALUE
        if function is int and len(values) == 1:
            return UNKNOWN_INT
        if id(function) in _CREATORS:
            given = keywords.get("shape")
            shape = sv.shape_tuple(self.static(given) if given else first)
            return TOP if shape is None else sv.array(shape)
        if id(function) in _LIKE and "shape" not in keywords and values:
            return array_like(first)
        if isinstance(function, np.ufunc) and function.nout == 1 and not keywords:
            return sv.broadcast(values) if len(values) == function.nin else TOP
        return TOP

    def callee_object(self, node: cst.BaseExpression) -> Any:
        """What a dotted name in static code denotes when its root is a module
        or a builtin (names bound in the function or its globals may change)."""
        name = dotted_name(node)
        root = name.split(".")[0]
        if not name or root in self.values or root in self.unknown:
            return None
        obj = self.resolve(root)
        if not isinstance(obj, types.ModuleType) and obj is not getattr(
            builtins, root, NOTHING
        ):
            return None
        return self.resolve(name)


def target_names(target: cst.CSTNode) -> list[str]:
    names: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.append(node.value)

    target.visit(Collect())
    return names


def array_like(value: Value | None) -> Value | None:
    if value is None:
        return None
    shape = sv.shape_of(value)
    return TOP if shape is None else sv.array(shape)


def length(value: Value | None) -> Value | None:
    if value is None:
        return None
    shape = sv.shape_of(value)
    if shape:
        return ("int", shape[0])
    if value[0] == "seq":
        return ("int", len(value[1]))
    return UNKNOWN_INT
