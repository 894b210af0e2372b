"""Shape classes: which values are known to have one shape (and which may
be a list, tuple or dict rather than an array).

Each variable gets a class: ``SCALAR`` for a number, the class of the
operand a rule keeps the shape of (``SAME``, or ``BROADCAST`` against
scalars only), or a class of its own. Two variables of one class have one
shape, so derivative code needs no ``unbroadcast`` between them.
"""

from __future__ import annotations

import operator

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.read.static_code import is_numeric_literal
from adcompile._src.rules.registry import BROADCAST, REDUCE, SAME, SCALAR


class ShapeClasses:
    """Mixed into the Normalizer, which owns ``shapes`` and ``pinned``."""

    def _result_shape(self, apply: ir.Apply) -> object:
        prim = apply.prim
        fresh_class = ("value", apply.target)
        if prim is None:
            return fresh_class
        operands = [
            apply.bound[p] for p, t in prim.vjps.items() if t and p in apply.bound
        ]
        if prim.shape == BROADCAST:  # all take part, differentiable or not
            operands = [apply.bound[p] for p in prim.vjps if p in apply.bound]
        classes = [self._shape_of(o) for o in operands]
        if prim.shape == SCALAR:
            return SCALAR
        if prim.shape == REDUCE:
            return SCALAR if ir.is_simple(apply) else fresh_class
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
        return self._static_shape(operand.node)

    def _static_shape(self, node: cst.BaseExpression) -> object:
        """Shape class of code that carries no derivative: arithmetic on
        known scalars (``dt / 2``) is a scalar too."""
        if is_numeric_literal(node):
            return SCALAR
        if isinstance(node, cst.Name) and node.value in self.shapes:
            return self.shapes[node.value]
        if isinstance(node, cst.BinaryOperation) and not isinstance(
            node.operator, cst.MatrixMultiply
        ):
            left, right = self._static_shape(node.left), self._static_shape(node.right)
            if left == right == SCALAR:
                return SCALAR
        if isinstance(node, cst.UnaryOperation):
            return self._static_shape(node.expression)
        return ("static", id(node))

    def _set_shape(self, name: str, shape: object) -> None:
        """Record a variable's shape class; a loop or branch variable keeps
        its own class, since its shape may differ from one trip to the next."""
        if name not in self.pinned.values():
            self.shapes[name] = shape

    def _note_kind(self, apply: ir.Apply) -> None:
        """Whether ``apply``'s value may be a list, tuple or dict (whose items
        are objects of their own, ``assignments._item_update``): a user
        function's result, or an item read from such a value."""
        if apply.call:
            self.unknown_kinds.add(apply.target)
            return
        if apply.prim is None or apply.prim.key is not operator.getitem:
            return
        whole = apply.args[0] if apply.args else None
        if isinstance(whole, ir.Var) and (
            whole.name in self.item_holders or whole.name in self.unknown_kinds
        ):
            self.unknown_kinds.add(apply.target)

    def _copy_holds(self, given: ir.Operand, copy: str) -> None:
        """``copy = given.copy()`` of what may be a list, tuple or dict (not
        an array the function made): the copy holds the same objects, and
        an update in place of one of them reaches it."""
        if not isinstance(given, ir.Var):
            return
        value = given.name
        if value in self.item_holders or value in self.unknown_kinds:
            self.item_holders.add(copy)
        elif value not in self.param_names:
            return
        self._add_edge(value, copy, "item")
