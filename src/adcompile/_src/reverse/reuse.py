"""Arithmetic that writes into arrays about to die, in a variant's backward sweep.

Each arithmetic operation on arrays allocates its result. For arrays of
thousands of elements the allocations, and the page faults of memory the
allocator gives back and takes again, cost more than the arithmetic; a
person writing backprop by hand reuses buffers (``dz *= p * (1 - p)``). In
the backward sweep of a straight-line program whose shapes are known (a
variant, see ``specialize.py``), this pass rewrites ``a * b`` into
``multiply_into(a, b)`` when ``a`` holds an array that

- the backward sweep itself created (the result of arithmetic, not a view,
  not an argument, not a value of the forward sweep),
- no other name sees, and no later line (nor the gradients returned) reads,
- has the result's shape, and at least ``MIN_SIZE`` elements;

or when ``a`` is itself the result of an operation in the same expression
(a temporary). ``+`` and ``*`` may write into their right operand instead.
The helpers check dtypes and shapes when they run and fall back to the
plain operation, so the rewrite never changes a value, only where it is
stored.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import libcst as cst

from adcompile._src.shapes import shape_values as sv
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import used_names
from adcompile._src.syntax.tree import walk

MIN_SIZE = 1024  # elements; smaller arrays are cheaper to allocate than to check
_HELPERS = {
    cst.Add: "add_into",
    cst.Subtract: "subtract_into",
    cst.Multiply: "multiply_into",
    cst.Divide: "divide_into",
}
_COMMUTATIVE = (cst.Add, cst.Multiply)
ShapeOf = Callable[[str], tuple[int, ...] | None]


def reuse_dying_arrays(
    lines: list[Line],
    shape_of: ShapeOf,
    read_at_end: set[str],
    bindings: dict[str, str],
    adjoints: set[str],
) -> list[Line]:
    """``lines`` (a straight-line backward sweep) with arithmetic on dying
    arrays written into them. ``shape_of`` gives a name's known shape (None
    when unknown); ``read_at_end`` the names read after the last line;
    ``adjoints`` the names the sweep computes (only their arrays are its
    own: every other name may hold an argument or a forward value)."""
    later: list[set[str]] = []
    seen = set(read_at_end)
    for line in reversed(lines):
        later.append(set(seen))
        if line.code is not None:
            seen |= used_names(line.code)
    later.reverse()
    owned: set[str] = set()
    rewritten: list[Line] = []
    for line, read_later in zip(lines, later, strict=True):
        code = line.code
        if line.block is not None or line.marker or not _is_assignment(code):
            owned -= used_names(code) if code is not None else set()
            rewritten.append(line)
            continue
        assert isinstance(code, cst.Assign)
        target = code.targets[0].target
        counts = _name_counts(code.value)
        reassigned = target.value if isinstance(target, cst.Name) else ""
        dying = {  # read once here, then never again (or only once reassigned)
            name
            for name in owned
            if (name not in read_later or name == reassigned) and counts.get(name) == 1
        }
        reuse = _Reuse(dying, shape_of, bindings)
        value = reuse.rewrite(code.value)
        owned -= _aliased(code.value)
        owned -= reuse.consumed
        if isinstance(target, cst.Name):
            owned.discard(target.value)
            if target.value in adjoints and _is_fresh(value, bindings):
                owned.add(target.value)
        if reuse.consumed or value is not code.value:
            lean = line.lean
            if isinstance(lean, cst.Assign):  # the same line, reading shapes only
                lean_value = _Reuse(dying, shape_of, bindings).rewrite(lean.value)
                lean = lean.with_changes(value=lean_value)
            line = dataclasses.replace(
                line, code=code.with_changes(value=value), lean=lean
            )
        rewritten.append(line)
    return rewritten


class _Reuse:
    """Rewrites one expression; ``consumed`` collects the names written into."""

    def __init__(self, dying: set[str], shape_of: ShapeOf, bindings: dict[str, str]):
        self.dying = dying
        self.shape_of = shape_of
        self.bindings = bindings
        self.consumed: set[str] = set()

    def rewrite(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """``node`` itself when nothing in it is rewritten."""
        new, _ = self._visit(node)
        return new

    def _visit(self, node: cst.BaseExpression) -> tuple[cst.BaseExpression, object]:
        """The rewritten node and its shape (None when unknown)."""
        if isinstance(node, cst.Name):
            return node, self.shape_of(node.value)
        if isinstance(node, (cst.Integer, cst.Float)):
            return node, ()
        if isinstance(node, cst.UnaryOperation) and isinstance(
            node.operator, cst.Minus
        ):
            operand, shape = self._visit(node.expression)
            if self._writable(operand, node.expression, shape, shape):
                return self._call("negative_into", [operand]), shape
            if operand is node.expression:
                return node, shape
            return node.with_changes(expression=operand), shape
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _HELPERS:
            left, left_shape = self._visit(node.left)
            right, right_shape = self._visit(node.right)
            shape = _broadcast(left_shape, right_shape)
            helper = _HELPERS[type(node.operator)]
            if self._writable(left, node.left, left_shape, shape):
                return self._call(helper, [left, right]), shape
            commutative = isinstance(node.operator, _COMMUTATIVE)
            if commutative and self._writable(right, node.right, right_shape, shape):
                return self._call(helper, [right, left]), shape
            if left is node.left and right is node.right:
                return node, shape
            return node.with_changes(left=left, right=right), shape
        return node, None

    def _writable(
        self,
        new: cst.BaseExpression,
        old: cst.BaseExpression,
        shape: object,
        result: object,
    ) -> bool:
        """Whether the value of ``old`` (rewritten as ``new``) may receive the
        result: a dying owned name, or a temporary, of the result's shape."""
        if shape is None or shape != result or math.prod(shape) < MIN_SIZE:  # type: ignore[arg-type]
            return False
        if isinstance(old, cst.Name):
            if old.value in self.dying and old.value not in self.consumed:
                self.consumed.add(old.value)
                return True
            return False
        return _is_fresh(new, self.bindings)

    def _call(self, helper: str, args: list[cst.BaseExpression]) -> cst.Call:
        name = self.bindings.get(helper, helper)
        return cst.Call(cst.Name(name), [cst.Arg(a) for a in args])


def _is_assignment(code: cst.BaseSmallStatement | None) -> bool:
    return (
        isinstance(code, cst.Assign)
        and len(code.targets) == 1
        and isinstance(code.targets[0].target, cst.Name)
    )


def _is_fresh(node: cst.BaseExpression, bindings: dict[str, str]) -> bool:
    """Whether ``node`` always evaluates to a new array (or a number):
    arithmetic, or one of this pass's helpers (which return their first
    argument, itself fresh)."""
    if isinstance(node, cst.BinaryOperation):
        return type(node.operator) in _HELPERS
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Minus)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        helpers = {bindings.get(h, h) for h in (*_HELPERS.values(), "negative_into")}
        return node.func.value in helpers
    return False


def _aliased(node: cst.BaseExpression) -> set[str]:
    """Names whose array the value of ``node`` may share: the node itself if
    it is a name, names passed straight to calls (which may return them or
    keep them), and names indexed or sliced (views)."""
    if isinstance(node, cst.Name):
        return {node.value}
    found: set[str] = set()
    for part in walk(node):
        if isinstance(part, cst.Call):
            found |= {a.value.value for a in part.args if isinstance(a.value, cst.Name)}
        elif isinstance(part, (cst.Subscript, cst.Attribute)):
            if isinstance(part.value, cst.Name):  # x[i], x.T, x.real: views
                found.add(part.value.value)
    return found


def _name_counts(node: cst.BaseExpression) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in walk(node):
        if isinstance(part, cst.Name):
            counts[part.value] = counts.get(part.value, 0) + 1
    return counts


def _broadcast(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    value = sv.broadcast([sv.array(a), sv.array(b)])  # type: ignore[arg-type]
    return sv.shape_of(value)
