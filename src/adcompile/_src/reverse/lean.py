"""Leaner straight-line gradients: drop forward work the backward sweep
does not need.

When the output is known to be a scalar, the gradient need not compute the
output itself: ``live_forward`` keeps only the forward lines the backward
sweep reads. A value read only for its shape (the second argument of
``unbroadcast``) is replaced, where it is not otherwise computed, by an
earlier variable known to have the same shape.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Iterable

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.read.static_code import dotted_name, is_numeric_literal
from adcompile._src.rules.registry import BROADCAST, SAME, SCALAR
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import parse_spelling, render, used_names
from adcompile._src.syntax.tree import rebuild


class ShapeOnly:
    """Rewrite reads of a value made only for its shape: ``np.shape(v)``,
    ``np.size(v)`` and ``unbroadcast(g, v)`` use an expression of v's shape
    (from the shapes it was computed from) instead of v itself."""

    def __init__(self, shapes: dict[str, cst.BaseExpression], bindings: dict[str, str]):
        self.shapes = shapes
        self.np = bindings["np"]
        self.math = bindings["math"]
        self.unbroadcast = bindings["unbroadcast"]
        self.unbroadcast_to = bindings["unbroadcast_to"]

    def _call(self, updated: cst.Call) -> cst.BaseExpression:
        """One call, its arguments rewritten already."""
        func, args = updated.func, updated.args
        name = dotted_name(func)
        if name == self.unbroadcast and len(args) == 2:
            shape = self._shape(args[1].value)
            if shape is not None:
                return updated.with_changes(
                    func=cst.Name(self.unbroadcast_to),
                    args=[args[0], args[1].with_changes(value=shape)],
                )
        elif name in (f"{self.np}.shape", f"{self.np}.size") and len(args) == 1:
            shape = self._shape(args[0].value)
            if shape is not None and name.endswith(".shape"):
                return shape
            sizes = None if shape is None else _literal_ints(shape)
            if sizes is not None:  # a known shape (specialize.py)
                return cst.Integer(str(math.prod(sizes)))
            if shape is not None:
                prod = cst.Attribute(cst.Name(self.math), cst.Name("prod"))
                return cst.Call(prod, [cst.Arg(shape)])
        return updated

    def _shape(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(node, cst.Name):
            return self.shapes.get(node.value)
        return None

    def rewrite(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """``node`` with its shape-only reads rewritten (``node`` itself when
        it has none: the common case, found without rebuilding the tree)."""
        result = rebuild(
            node, lambda n: self._call(n) if isinstance(n, cst.Call) else n
        )
        assert isinstance(result, cst.BaseExpression)
        return result


def shape_expressions(
    program: ir.Program, bindings: dict[str, str]
) -> dict[str, cst.BaseExpression]:
    """For each variable of a straight-line program whose shape follows from
    others' (elementwise operations), an expression of that shape."""
    np_name = bindings["np"]
    witnesses = _shape_witnesses(program)

    def shape_of(name: str) -> cst.BaseExpression:
        return _np_call(np_name, "shape", [cst.Name(name)])

    shapes: dict[str, cst.BaseExpression] = {}
    for statement in program.body:
        if not isinstance(statement, ir.Apply) or statement.prim is None:
            continue
        prim, target = statement.prim, statement.target
        known = program.shapes.get(target)
        if isinstance(known, tuple) and known[0] == "shape":  # specialize.py
            shapes[target] = cst.parse_expression(repr(known[1]))
            continue
        witness = witnesses.get(known)
        if witness is not None and witness != target:
            shapes[target] = shapes[witness] if witness in shapes else shape_of(witness)
            continue
        if prim.shape not in (SAME, BROADCAST) or prim.key is operator.getitem:
            continue
        parts: dict[str, cst.BaseExpression] = {}  # by code: each one once
        for param, operand in statement.bound.items():
            if prim.vjps.get(param) is None and param not in prim.vjps:
                continue
            if isinstance(operand, ir.Var):
                name = operand.name
                part = shapes[name] if name in shapes else shape_of(name)
            elif is_numeric_literal(operand.node) or _is_constant_name(operand.node):
                continue
            else:
                part = _static_shape(operand.node, np_name)
                if part is None:
                    break
            pieces = (  # np.broadcast_shapes(a, np.broadcast_shapes(b, c)): flat
                [a.value for a in part.args]
                if isinstance(part, cst.Call)
                and dotted_name(part.func) == f"{np_name}.broadcast_shapes"
                else [part]
            )
            for piece in pieces:
                parts.setdefault(render(piece), piece)
        else:
            if len(parts) == 1:
                (shapes[target],) = parts.values()
            elif parts and prim.shape == BROADCAST:
                shapes[target] = _np_call(np_name, "broadcast_shapes", parts.values())
    return shapes


def _np_call(
    np_name: str, function: str, args: Iterable[cst.BaseExpression]
) -> cst.Call:
    """``np.function(args...)``, numpy spelled as the function spells it."""
    module = parse_spelling(np_name) if "." in np_name else cst.Name(np_name)
    func = cst.Attribute(module, cst.Name(function))
    return cst.Call(func, [cst.Arg(arg) for arg in args])


def lean_sweeps(
    forward: list[Line], backward: list[Line], needed: set[str]
) -> tuple[list[Line], list[Line]]:
    """Forward lines needed by the backward sweep, computing no value only
    for its shape: where a backward line reads an operand just to unbroadcast
    to its shape and nothing else needs it, the lean form is used."""
    lean_needed = set(needed)
    for line in backward:
        lean_needed |= used_names(line.lean or line.code)
    kept = live_forward(forward, lean_needed)
    available = set(needed) | {n for line in kept for n in line.target.split(", ")}
    computed = {n for line in forward for n in line.target.split(", ")}
    chosen = []
    for line in backward:
        if line.lean is not None:
            replaced = (used_names(line.code) - used_names(line.lean)) & computed
            if not replaced <= available:
                line = Line(line.lean, line.comment, line.target)
        chosen.append(line)
    return kept, chosen


def live_forward(forward: list[Line], needed: set[str]) -> list[Line]:
    """The forward lines needed to compute ``needed`` (and every effect)."""
    needed = set(needed)
    kept: list[Line] = []
    for line in reversed(forward):
        if line.target and not (set(line.target.split(", ")) & needed):
            continue
        needed |= used_names(line.code)
        kept.append(line)
    return kept[::-1]


def merge_resets(lines: list[Line]) -> list[Line]:
    """``b = 0.0`` followed, before any other use of b, by ``b = b + e``
    becomes ``b = e``: an adjoint reset and its first contribution in one."""
    result = list(lines)
    position = 0
    while position < len(result):
        line = result[position]
        name = _zero_reset(line)
        if name is not None:
            for later in range(position + 1, len(result)):
                other = result[later]
                if other.block is None and other.code is not None:
                    added = _adds_to(other, name)
                    if added is not None:
                        new = cst.Assign([cst.AssignTarget(cst.Name(name))], added)
                        result[later] = Line(new, other.comment or line.comment)
                        del result[position]
                        position -= 1
                        break
                if name in _names(other):
                    break
        elif line.block is not None:
            block = line.block
            body, orelse = merge_resets(block.body), merge_resets(block.orelse)
            block = dataclasses.replace(block, body=body, orelse=orelse)
            result[position] = dataclasses.replace(line, block=block)
        position += 1
    return result


def _zero_reset(line: Line) -> str | None:
    code = line.code
    if (
        line.block is None
        and isinstance(code, cst.Assign)
        and len(code.targets) == 1
        and isinstance(code.targets[0].target, cst.Name)
        and _is_zero_value(code.value)
    ):
        return code.targets[0].target.value
    return None


def _is_zero_value(value: cst.BaseExpression) -> bool:
    """``0.0``, or ``zero_adjoint(...)`` (whatever name it is bound to)."""
    if isinstance(value, cst.Float):
        return value.value == "0.0"
    return isinstance(value, cst.Call) and dotted_name(value.func).startswith(
        "zero_adjoint"
    )


def _adds_to(line: Line, name: str) -> cst.BaseExpression | None:
    """``e`` when the line is ``name = name + e`` and e does not read name."""
    code = line.code
    if not (
        isinstance(code, cst.Assign)
        and len(code.targets) == 1
        and isinstance(code.targets[0].target, cst.Name)
        and code.targets[0].target.value == name
        and isinstance(code.value, cst.BinaryOperation)
        and isinstance(code.value.operator, cst.Add)
        and isinstance(code.value.left, cst.Name)
        and code.value.left.value == name
    ):
        return None
    added = code.value.right
    return None if name in used_names(added) else added


def _names(line: Line) -> set[str]:
    from adcompile._src.syntax.lines import names_of

    return names_of([line])


def _literal_ints(node: cst.BaseExpression) -> list[int] | None:
    """The ints of a tuple of int literals, ``(256, 10)``; None otherwise."""
    if not isinstance(node, cst.Tuple):
        return None
    items = [e.value for e in node.elements]
    if not all(isinstance(item, cst.Integer) for item in items):
        return None
    return [int(item.evaluated_value) for item in items]  # type: ignore[union-attr]


def _is_constant_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("None", "True", "False")


def _static_shape(node: cst.BaseExpression, np_name: str) -> cst.BaseExpression | None:
    """The shape of code that carries no derivative, from its names' shapes
    where it is arithmetic (``(1 - y)`` has y's shape)."""
    names: list[str] = []

    def visit(part: cst.BaseExpression) -> bool:
        if is_numeric_literal(part) or _is_constant_name(part):
            return True
        if isinstance(part, cst.Name):
            names.append(part.value)
            return True
        if isinstance(part, cst.BinaryOperation) and not isinstance(
            part.operator, cst.MatrixMultiply
        ):
            return visit(part.left) and visit(part.right)
        if isinstance(part, cst.UnaryOperation):
            return visit(part.expression)
        return False

    if not visit(node) or not names:  # not cheap to evaluate again
        return None
    shapes = [_np_call(np_name, "shape", [cst.Name(n)]) for n in dict.fromkeys(names)]
    if len(names) == 1:
        return shapes[0]
    return _np_call(np_name, "broadcast_shapes", shapes)


def _shape_witnesses(program: ir.Program) -> dict[object, str]:
    """For each shape class, the first variable known to have that shape."""
    witnesses: dict[object, str] = {}
    order = [*program.param_names]
    order += [s.target for s in program.body if isinstance(s, (ir.Apply, ir.Pack))]
    for name in order:
        shape = program.shapes.get(name)
        if shape is not None and shape != SCALAR and shape[0] != "shape":
            witnesses.setdefault(shape, name)
    return witnesses


# the most elements ``np.full`` fills where ``np.broadcast_to`` would give a
# view: a small array is cheaper to fill than a view is to make
FULL_LIMIT = 4096


class _KnownShapes(cst.CSTTransformer):
    def __init__(self, shapes: dict[str, object], np_name: str, scalar: str | None):
        self.shapes = shapes
        self.np_name = np_name
        self.scalar = scalar

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args, name = updated.args, dotted_name(updated.func)
        if (
            name == f"{self.np_name}.shape"
            and len(args) == 1
            and isinstance(args[0].value, cst.Name)
        ):
            known = self.shapes.get(args[0].value.value)
            if isinstance(known, tuple) and known[0] == "shape":  # specialize.py
                return cst.parse_expression(repr(known[1]))
        if (
            name == f"{self.np_name}.broadcast_to"
            and len(args) == 2
            and isinstance(args[0].value, cst.Name)
            and args[0].value.value == self.scalar
            and isinstance(args[1].value, cst.Tuple)
            and math.prod(_literal_ints(args[1].value) or (FULL_LIMIT + 1,))
            <= FULL_LIMIT
        ):
            full = cst.Attribute(cst.Name(self.np_name), cst.Name("full"))
            return cst.Call(full, [cst.Arg(args[1].value), cst.Arg(args[0].value)])
        return updated


def literal_shapes(
    node: cst.BaseExpression,
    shapes: dict[str, object],
    np_name: str,
    scalar: str | None = None,
) -> cst.BaseExpression:
    """``node`` with ``np.shape(v)`` written as v's shape where ``shapes``
    (a program's shape classes) gives it: a shape a variant knows holds on
    every trip (specialize.py),
    so the backward sweep need not keep v to read it. ``scalar`` names an
    adjoint known to be a scalar: broadcast to a small known shape, it is
    ``np.full(shape, scalar)`` (the same values, a new writable array)."""
    return node.visit(_KnownShapes(shapes, np_name, scalar))


def merge_repeated(
    contributions: list[tuple[str, cst.BaseExpression, bool]],
) -> list[tuple[str, cst.BaseExpression, bool, int]]:
    """Contributions in order, each identical one (same adjoint, same code)
    counted once with how many times it came."""
    merged: list[tuple[str, cst.BaseExpression, bool, int]] = []
    codes: list[str] = []
    for name, local, reads_shapes in contributions:
        code = cst.Module([]).code_for_node(local)
        for position, (other, _, _, count) in enumerate(merged):
            if other == name and codes[position] == code:
                merged[position] = (other, merged[position][1], reads_shapes, count + 1)
                break
        else:
            merged.append((name, local, reads_shapes, 1))
            codes.append(code)
    return merged
