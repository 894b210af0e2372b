"""Leaner straight-line gradients: drop forward work the backward sweep
does not need.

When the output is known to be a scalar, the gradient need not compute the
output itself: ``live_forward`` keeps only the forward lines the backward
sweep reads. A value read only for its shape (the second argument of
``unbroadcast``) is replaced, where it is not otherwise computed, by an
earlier variable known to have the same shape.
"""

from __future__ import annotations

import libcst as cst

from . import ir
from .lines import Line
from .rules.registry import SCALAR
from .templates import used_names


class _Lean(cst.CSTTransformer):
    """Replace the shape argument of unbroadcast calls by its witness."""

    def __init__(self, witnesses: dict[str, str]) -> None:
        self.witnesses = witnesses

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        args = list(updated.args)
        if len(args) == 2 and isinstance(args[1].value, cst.Name):
            witness = self.witnesses.get(args[1].value.value)
            if witness is not None:
                args[1] = args[1].with_changes(value=cst.Name(witness))
                return updated.with_changes(args=args)
        return updated


def _lean(value: cst.BaseExpression, witnesses: dict[str, str]) -> cst.BaseExpression:
    result = value.visit(_Lean(witnesses))
    assert isinstance(result, cst.BaseExpression)
    return result


def _shape_witnesses(program: ir.Program) -> dict[object, str]:
    """For each shape class, the first variable known to have that shape."""
    witnesses: dict[object, str] = {}
    order = [*program.param_names]
    order += [s.target for s in program.body if isinstance(s, (ir.Apply, ir.Pack))]
    for name in order:
        shape = program.shapes.get(name)
        if shape is not None and shape != SCALAR:
            witnesses.setdefault(shape, name)
    return witnesses


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
    chosen = []
    for line in backward:
        if line.lean is not None:
            replaced = used_names(line.code) - used_names(line.lean)
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
            result[position] = Line(
                line.code,
                line.comment,
                line.target,
                block=type(block)(block.kind, block.header, body, orelse, block.target),
            )
        position += 1
    return result


def _zero_reset(line: Line) -> str | None:
    code = line.code
    if (
        line.block is None
        and isinstance(code, cst.Assign)
        and len(code.targets) == 1
        and isinstance(code.targets[0].target, cst.Name)
        and isinstance(code.value, cst.Float)
        and code.value.value == "0.0"
    ):
        return code.targets[0].target.value
    return None


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
    from .lines import names_of

    return names_of([line])
