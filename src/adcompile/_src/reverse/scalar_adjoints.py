"""Scalar adjoints kept scalar: the adjoint of ``np.sum(t)`` is a scalar
broadcast to t's shape (``bt = np.broadcast_to(s, np.shape(t))``,
or ``np.full(shape, s)`` where a variant knows the shape); where the rule of
the statement that made t multiplies that adjoint by a factor of t's shape,
the product reads the scalar instead (``s * h`` for ``bt * h``).

Invariants: a product ``bt * e`` (or ``bt * 2 * e``) becomes ``s * e``
only where e's shape class is t's own and the other factors are scalars (so
the product has t's shape, as before, and the same values: a scalar times
each entry), and where the backward lines since
``bt`` was assigned leave ``s`` alone (it still holds the value ``bt`` was
made from). The assignment of ``bt`` is dropped only when no line and no
returned gradient reads ``bt`` any more.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.read.static_code import dotted_name, is_numeric_literal
from adcompile._src.rules.registry import SCALAR
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import used_names

# elementwise functions of one array whose result has the argument's shape
_SAME_SHAPE = {"exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "sign", "negative"}


def broadcast_scalar(
    value: cst.BaseExpression, of: str, known: object, np_name: str
) -> cst.Name | None:
    """The scalar when ``value`` is ``np.broadcast_to(s, np.shape(of))``, or
    ``np.broadcast_to(s, shape)`` or ``np.full(shape, s)`` with ``known``
    (of's known shape) as the literal shape; s a name (a sum's adjoint:
    a mean's divides, and reads its operand for its size)."""
    if not isinstance(value, cst.Call) or len(value.args) != 2:
        return None
    if any(a.keyword or a.star for a in value.args):
        return None
    name, (first, second) = dotted_name(value.func), (a.value for a in value.args)
    if name == f"{np_name}.broadcast_to":
        scalar, shape = first, second
        if not (known is not None and _is_literal(shape, known)) and not (
            isinstance(shape, cst.Call)
            and dotted_name(shape.func) == f"{np_name}.shape"
            and len(shape.args) == 1
            and isinstance(shape.args[0].value, cst.Name)
            and shape.args[0].value.value == of
        ):
            return None
    elif name == f"{np_name}.full":
        shape, scalar = first, second
        if known is None or not _is_literal(shape, known):
            return None
    else:
        return None
    return scalar if isinstance(scalar, cst.Name) else None


def _is_literal(node: cst.BaseExpression, shape: object) -> bool:
    try:
        return cst.Module([]).code_for_node(node) == repr(tuple(shape))  # type: ignore
    except TypeError:
        return False


def shape_class(node: cst.BaseExpression, shapes: dict, np_name: str) -> object:
    """The shape class of elementwise arithmetic on names and numbers (None
    where it cannot tell)."""
    if is_numeric_literal(node):
        return SCALAR
    if isinstance(node, cst.Name):
        return shapes.get(node.value)
    if isinstance(node, cst.UnaryOperation):
        return shape_class(node.expression, shapes, np_name)
    if isinstance(node, cst.BinaryOperation) and not isinstance(
        node.operator, cst.MatrixMultiply
    ):
        left = shape_class(node.left, shapes, np_name)
        right = shape_class(node.right, shapes, np_name)
        if left is None or right is None:
            return None
        if left == right or right == SCALAR:
            return left
        return right if left == SCALAR else None
    if (
        isinstance(node, cst.Call)
        and len(node.args) == 1
        and not node.args[0].keyword
        and not node.args[0].star
        and dotted_name(node.func) in {f"{np_name}.{f}" for f in _SAME_SHAPE}
    ):
        return shape_class(node.args[0].value, shapes, np_name)
    return None


class _InProducts(cst.CSTTransformer):
    """Replace ``adjoint`` by ``scalar`` where it is a factor of a product
    whose other factors have shape class ``full`` (one at least) or are
    scalars: the product's values and shape stay; count the other reads."""

    def __init__(self, adjoint, scalar, full, shapes, np_name):
        self.adjoint, self.scalar, self.full = adjoint, scalar, full
        self.shapes, self.np_name = shapes, np_name
        self.replaced: set[int] = set()
        self.others = 0

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        factors = _factors(node)
        for position, factor in enumerate(factors):
            if not (isinstance(factor, cst.Name) and factor.value == self.adjoint):
                continue
            others = [f for i, f in enumerate(factors) if i != position]
            classes = {shape_class(f, self.shapes, self.np_name) for f in others}
            if self.full in classes and classes <= {self.full, SCALAR}:
                self.replaced.add(id(factor))

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value != self.adjoint:
            return updated
        if id(original) in self.replaced:
            return self.scalar
        self.others += 1
        return updated


def _factors(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The factors of a product of products (``a * 2 * (b * c)``: four)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(
        node.operator, cst.Multiply
    ):
        return _factors(node.left) + _factors(node.right)
    return [node]


def scalar_in_products(
    local: cst.BaseExpression,
    adjoint: str,
    scalar: cst.Name,
    full: object,
    shapes: dict,
    np_name: str,
) -> cst.BaseExpression | None:
    """``local`` reading ``scalar`` for ``adjoint`` (a broadcast of it to
    shape class ``full``), when every read of ``adjoint`` is a factor of a
    product of that shape; None otherwise."""
    if full is None or full == SCALAR:
        return None
    rewriter = _InProducts(adjoint, scalar, full, shapes, np_name)
    result = local.visit(rewriter)
    if rewriter.others or not rewriter.replaced:
        return None
    assert isinstance(result, cst.BaseExpression)
    return result


def untouched_since(lines: list[Line], line: Line, name: str) -> bool:
    """Whether ``line`` is one of ``lines`` and no line after it mentions
    ``name``."""
    for position, other in enumerate(lines):
        if other is line:
            return name not in _names_besides(lines[position + 1 :], None)
    return False


def drop_unread(lines: list[Line], candidates: dict[str, Line], read: set[str]):
    """``lines`` without the candidate lines (adjoint -> its assignment) whose
    adjoint no other line and none of ``read`` (returned gradients) reads."""
    unread = {
        id(line)
        for adjoint, line in candidates.items()
        if adjoint not in read and adjoint not in _names_besides(lines, line)
    }
    return _without(lines, unread) if unread else lines


def _names_besides(lines: list[Line], skipped: Line | None) -> set[str]:
    """Every name the lines (nested ones, lean forms and save markers
    included) mention, ``skipped`` left out."""
    names: set[str] = set()
    for line in lines:
        if line is skipped:
            continue
        for code in (line.code, line.lean):
            if code is not None:
                names |= used_names(code)
        if line.marker:
            names |= set(line.target.split(", "))
        if line.block is not None:
            block = line.block
            names |= used_names(block.header)
            if block.target is not None:
                names |= used_names(block.target)
            names |= _names_besides([*block.body, *block.orelse], skipped)
    return names


def _without(lines: list[Line], dropped: set[int]) -> list[Line]:
    kept: list[Line] = []
    comment = ""  # a dropped line's ``grad of:`` comment goes to the next line
    for line in lines:
        if id(line) in dropped:
            comment = comment or line.comment
            continue
        if line.block is not None:
            block = line.block
            block = dataclasses.replace(
                block,
                body=_without(block.body, dropped),
                orelse=_without(block.orelse, dropped),
            )
            line = dataclasses.replace(line, block=block)
        if comment and not line.comment:
            line = dataclasses.replace(line, comment=comment)
        comment = ""
        kept.append(line)
    return kept


class ScalarAdjoints:
    """Reverse-mode steps keeping a broadcast scalar adjoint scalar (a mixin
    of ``ReverseMode``, whose attributes it reads)."""

    program: ir.Program
    np_name: str
    backward: list[Line]
    broadcasts: dict[str, tuple[cst.Name, Line, list[Line]]]

    def _note_broadcast(self, adjoint: str, of: str, line: Line) -> None:
        """Remember ``line`` if it assigns ``adjoint`` a broadcast scalar."""
        code = line.code
        if isinstance(code, cst.Assign):  # (its lean form differs in shapes only)
            known = self.program.shapes.get(of)
            known = (
                known[1] if isinstance(known, tuple) and known[0] == "shape" else None
            )
            scalar = broadcast_scalar(code.value, of, known, self.np_name)
            if scalar is not None:
                self.broadcasts[adjoint] = (scalar, line, self.backward)

    def _scalar_local(
        self, local: cst.BaseExpression, adjoint: str, full: object
    ) -> cst.BaseExpression:
        """``local`` reading the scalar ``adjoint`` was broadcast from, where
        that gives the same values (the module's invariants)."""
        noted = self.broadcasts.get(adjoint)
        if noted is None:
            return local
        scalar, line, lines = noted
        if lines is not self.backward or not all(
            untouched_since(lines, line, n) for n in (adjoint, scalar.value)
        ):
            return local
        shapes, np_name = self.program.shapes, self.np_name
        rewritten = scalar_in_products(local, adjoint, scalar, full, shapes, np_name)
        return local if rewritten is None else rewritten

    def _drop_broadcasts(self, read: set[str]) -> None:
        """Drop the broadcasts nothing reads any more."""
        candidates = {a: noted[1] for a, noted in self.broadcasts.items()}
        self.backward = drop_unread(self.backward, candidates, read)
