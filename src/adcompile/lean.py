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
