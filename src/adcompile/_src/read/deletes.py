"""Which ``del`` statements the compiler can leave out.

A ``del name`` frees a value early; in the derivative, the backward sweep may
still need that value, so the statement is left out of the normal form and
the name keeps its value. That is only faithful when no code that could run
after the ``del`` uses the name again: in Python it would raise there.
``check_deletes`` refuses every other ``del``: of an item or an attribute
(an in-place change), or of a name that code after it (or the rest of an
enclosing loop, or a nested function) uses. ``del`` of a name that carries a
derivative is refused later, by the normalizer, which knows which do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from adcompile._src.errors import Location, UnsupportedSyntax
from adcompile._src.syntax.templates import used_names
from adcompile._src.syntax.tree import walk


def check_deletes(
    body: Sequence[cst.BaseStatement],
    locate: Callable[[cst.CSTNode], Location | None],
) -> None:
    """Raise UnsupportedSyntax at a ``del`` the compiler cannot leave out."""
    _check_block(list(body), [[]], _names_in_nested_functions(body), locate)


Path = list[cst.CSTNode]  # code that may run next, in order


def _check_block(
    block: list[cst.BaseStatement],
    ends: list[Path],
    nested: set[str],
    locate: Callable[[cst.CSTNode], Location | None],
) -> None:
    """Check the ``del`` statements of ``block``; ``ends`` are the paths that
    may run after its last statement."""
    for position, statement in enumerate(block):
        rest = block[position + 1 :]
        after = [[*rest, *path] for path in ends]
        if isinstance(statement, cst.SimpleStatementLine):
            for index, small in enumerate(statement.body):
                if isinstance(small, cst.Del):
                    later = statement.body[index + 1 :]
                    paths = [[*later, *path] for path in after]
                    _check_del(small, paths, nested, locate)
        elif isinstance(statement, (cst.For, cst.While)):
            body = list(statement.body.body)
            again: Path = [statement.test] if isinstance(statement, cst.While) else []
            leave = after
            if statement.orelse is not None:
                orelse = list(statement.orelse.body.body)
                _check_block(orelse, after, nested, locate)
                leave = [*after, *([*orelse, *path] for path in after)]
            next_runs = [[*again, *body, *path] for path in leave]
            _check_block(body, [*next_runs, *leave], nested, locate)
        elif isinstance(statement, cst.If):
            _check_block(list(statement.body.body), after, nested, locate)
            if isinstance(statement.orelse, cst.If):
                _check_block([statement.orelse], after, nested, locate)
            elif statement.orelse is not None:
                orelse = list(statement.orelse.body.body)
                _check_block(orelse, after, nested, locate)


def _check_del(
    node: cst.Del,
    paths: list[Path],
    nested: set[str],
    locate: Callable[[cst.CSTNode], Location | None],
) -> None:
    for target in _targets(node.target):
        if not isinstance(target, cst.Name):
            raise UnsupportedSyntax(
                "`del` of an item or an attribute changes a value in place",
                "leave the value as it is, or build a new one without the item",
                locate(node),
            )
        name = target.value
        if name in nested or any(_used_before_bound(name, path) for path in paths):
            raise UnsupportedSyntax(
                f"`del {name}` may be followed by code that reads '{name}' again",
                "remove the del (adcompile frees values itself), or give the "
                "name a new value before reading it",
                locate(node),
            )


def _used_before_bound(name: str, path: Path) -> bool:
    """Whether code on ``path`` may use ``name`` before a plain assignment
    gives it a new value (a use inside a compound statement counts)."""
    for node in path:
        smalls = node.body if isinstance(node, cst.SimpleStatementLine) else [node]
        for small in smalls:
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value:
                if name in used_names(small.value):
                    return True
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                )
                if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                    return False
            if name in used_names(small):
                return True
    return False


def _targets(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(target, (cst.Tuple, cst.List)):
        return [t for element in target.elements for t in _targets(element.value)]
    return [target]


def _names_in_nested_functions(body: Sequence[cst.BaseStatement]) -> set[str]:
    return {
        name
        for statement in body
        for node in walk(statement)
        if isinstance(node, (cst.FunctionDef, cst.Lambda))
        for name in used_names(node.body)
    }
