"""Emitted statements, as the sweeps build them, and their conversion to code.

A ``Line`` is one simple statement with its comment, or a ``Block`` (an
``if``, ``for`` or ``while`` with nested lines). ``push``/``pop`` lines are
markers for saving a value before it is overwritten and restoring it in the
backward sweep; ``stacks.resolve`` keeps those that are needed and turns them
into code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from adcompile._src.syntax.templates import used_names


@dataclass
class Block:
    """A compound statement: ``kind`` is "if", "for" or "while"."""

    kind: str
    header: cst.BaseExpression  # the test, or the iterable of a for
    body: list[Line]
    orelse: list[Line] = field(default_factory=list)
    target: cst.BaseAssignTargetExpression | None = None  # of a for
    chain: bool = False  # an "if" whose else is one "if": written as elif


@dataclass
class Line:
    """One emitted statement, with the comment that introduces it, if any.

    ``target`` is the name the statement assigns ("" for statements run for
    their effect, which are always kept). ``marker`` is "push" or "pop" for
    save/restore markers of ``target``.
    """

    code: cst.BaseSmallStatement | None = None
    comment: str = ""
    target: str = ""
    # the same statement with shape-only operands (the second argument of
    # unbroadcast) replaced by an earlier variable of the same shape: used
    # when the operand itself is not otherwise computed
    lean: cst.BaseSmallStatement | None = None
    block: Block | None = None
    marker: str = ""
    # reads values only for their shapes, before any is restored: no reason
    # to save what it reads
    shape_only: bool = False
    # a push before a statement that changes the value in place: save a copy
    copy: bool = False
    # a step of a checkpointed loop run again in the backward sweep: what it
    # reads comes from a snapshot, from the same step, or from before the
    # loop's backward sweep started (reverse/checkpointed.py)
    rerun: bool = False


def names_of(lines: list[Line], headers: bool = True) -> set[str]:
    """Every name the lines read or write, nested blocks included."""
    names: set[str] = set()
    for line in lines:
        if line.code is not None:
            names |= used_names(line.code)
        if line.block is not None:
            block = line.block
            if headers:
                names |= used_names(block.header)
            names |= names_of(block.body) | names_of(block.orelse)
    return names


def to_statements(lines: list[Line]) -> list[cst.BaseStatement]:
    """libcst statements for a list of lines (markers must be resolved)."""
    statements: list[cst.BaseStatement] = []
    for line in lines:
        leading = (
            [cst.EmptyLine(comment=cst.Comment(f"# {line.comment}"))]
            if line.comment
            else []
        )
        if line.block is not None:
            statements.append(_compound(line.block, leading))
        elif line.code is not None:
            if isinstance(line.code, cst.BaseCompoundStatement):
                statements.append(line.code)
            else:
                statements.append(
                    cst.SimpleStatementLine([line.code], leading_lines=leading)
                )
    return statements


def _indented(lines: list[Line]) -> cst.IndentedBlock:
    body = to_statements(lines) or [cst.SimpleStatementLine([cst.Pass()])]
    return cst.IndentedBlock(body=body)


def _compound(block: Block, leading: list[cst.EmptyLine]) -> cst.BaseCompoundStatement:
    body = _indented(block.body)
    if block.kind == "if":
        orelse: cst.If | cst.Else | None = (
            cst.Else(body=_indented(block.orelse)) if block.orelse else None
        )
        nested = block.orelse[0].block if len(block.orelse) == 1 else None
        if block.chain and nested is not None and nested.kind == "if":
            orelse = _compound(nested, [])
            assert isinstance(orelse, cst.If)
        return cst.If(
            test=block.header, body=body, orelse=orelse, leading_lines=leading
        )
    if block.kind == "for":
        assert block.target is not None
        return cst.For(
            target=block.target, iter=block.header, body=body, leading_lines=leading
        )
    return cst.While(test=block.header, body=body, leading_lines=leading)
