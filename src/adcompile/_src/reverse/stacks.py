"""Saving values that loops and branches overwrite, for the backward sweep.

The sweeps mark every overwriting assignment with a ``push`` before it (in
the forward sweep) and a ``pop`` after its adjoint (in the backward sweep).
A statement that changes a value in place (``w[0] = 5.0`` on data) is
preceded by a push of a copy of it, and followed in the backward sweep by a
pop. ``resolve`` keeps the markers of the variables the backward sweep
reads once an earlier value may be due (a to-be-recorded analysis: a value
nobody reads back is never saved, nor one read only before any restore) and
turns them into ``stack_h.append(h)`` / ``h = stack_h.pop()``.

Invariant: every variable holds, when the backward sweep reaches a
statement, the value it had right after that statement ran; what the
forward sweep pushes, the backward sweep pops, in the reverse order, on
every path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import libcst as cst

from adcompile._src.syntax.lines import Block, Line, names_of


@dataclass
class Saved:
    """The result of ``resolve``: sweeps with real statements for markers."""

    prologue: list[Line]  # stacks created (and names defined) before the sweep
    forward: list[Line]
    backward: list[Line]
    restored: list[str]  # variables the backward sweep restores
    stacks: list[str]
    # variables the backward sweep assigns by running steps of a checkpointed
    # loop again (checkpointed.py): a pullback takes them with the restored
    rerun: list[str] = field(default_factory=list)


def resolve(
    forward: list[Line],
    backward: list[Line],
    params: set[str],
    fresh: Callable[[str], str],
    copy_helper: str = "private_copy",
) -> Saved:
    popped = _marked(backward, "pop")
    restored = sorted(popped & _read_after_a_restore(backward))
    stack_of = {name: fresh(f"stack_{name}") for name in restored}
    prologue: list[Line] = []
    for name in restored:
        prologue.append(Line(_assign(stack_of[name], cst.List([]))))
        if name not in params:  # defined before its first save
            prologue.append(Line(_assign(name, cst.Name("None"))))
    return Saved(
        prologue=prologue,
        forward=_rewrite(forward, stack_of, copy_helper, keep_empty=True),
        backward=_rewrite(backward, stack_of, copy_helper, keep_empty=False),
        restored=restored,
        stacks=[stack_of[name] for name in restored],
    )


def _read_after_a_restore(lines: list[Line]) -> set[str]:
    """Names the backward sweep reads where an earlier value may be due: in
    a loop or branch that restores them (its next trip reads what this one
    restored), or after a statement that does. A name read only before its
    first restore holds the value the forward sweep left, and needs none."""
    needed: set[str] = set()
    popped: set[str] = set()
    for line in lines:
        pops_here = _marked([line], "pop")
        reads_here = _read_by_backward([line])
        if line.block is not None:
            needed |= reads_here & (popped | pops_here)
            needed |= _read_by_backward([line], rerun=True) & popped
            # its header is read once, as it starts: after the restores of
            # the lines before it (a loop later in the function may change
            # the list this one runs over)
            needed |= names_of([Line(cst.Expr(line.block.header))]) & popped
        else:
            needed |= reads_here & popped
        popped |= pops_here
    return needed


def _read_by_backward(
    lines: list[Line], depth: int = 0, rerun: bool = False
) -> set[str]:
    """Names the backward sweep reads, except in the header of a top-level
    loop (its iterable and trip count are read once, before any restore).
    The steps of a checkpointed loop run again (``rerun``) are left out, or
    with ``rerun``, are all that is counted: they read what a snapshot or
    the same step gave, or what held before the loop's backward sweep."""
    names: set[str] = set()
    for line in lines:
        if line.marker or line.shape_only:
            continue
        if line.rerun:
            if rerun:
                names |= names_of([line])
            continue
        if line.code is not None and not rerun:
            names |= names_of([line])
        if line.block is not None:
            block = line.block
            if depth > 0 and not rerun:
                names |= names_of([Line(cst.Expr(block.header))])
            names |= _read_by_backward(block.body, depth + 1, rerun)
            names |= _read_by_backward(block.orelse, depth + 1, rerun)
    return names


def _marked(lines: list[Line], marker: str) -> set[str]:
    found: set[str] = set()
    for line in lines:
        if line.marker == marker:
            found.add(line.target)
        if line.block is not None:
            found |= _marked(line.block.body, marker)
            found |= _marked(line.block.orelse, marker)
    return found


def _rewrite(
    lines: list[Line], stack_of: dict[str, str], copy_helper: str, keep_empty: bool
) -> list[Line]:
    result: list[Line] = []
    for line in lines:
        if line.marker:
            stack = stack_of.get(line.target)
            if stack is None:
                continue
            if line.marker == "push":
                saved: cst.BaseExpression = cst.Name(line.target)
                if line.copy:  # the statement after it changes the value in place
                    saved = cst.Call(cst.Name(copy_helper), [cst.Arg(saved)])
                append = cst.Call(
                    cst.Attribute(cst.Name(stack), cst.Name("append")),
                    [cst.Arg(saved)],
                )
                result.append(Line(cst.Expr(append)))
            else:
                pop = cst.Call(cst.Attribute(cst.Name(stack), cst.Name("pop")), [])
                result.append(Line(_assign(line.target, pop)))
            continue
        if line.block is not None:
            block = line.block
            body = _rewrite(block.body, stack_of, copy_helper, keep_empty)
            orelse = _rewrite(block.orelse, stack_of, copy_helper, keep_empty)
            if not keep_empty and not body and not orelse:
                continue
            line = replace(line, block=replace(block, body=body, orelse=orelse))
        result.append(line)
    return result


def _assign(target: str, value: cst.BaseExpression) -> cst.Assign:
    return cst.Assign([cst.AssignTarget(cst.Name(target))], value)


__all__ = ["Block", "Saved", "resolve"]
