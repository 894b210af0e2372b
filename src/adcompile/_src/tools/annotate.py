"""Comments and blank lines for the code ``show --mode forward|hvp`` prints.

Reverse mode's code reads well because each adjoint block is introduced by
a ``# grad of: <the user's line>`` comment and a blank line separates the
two sweeps. Tangent programs are emitted without them (and their goldens
pin that), so ``show`` adds them to the text it prints:

- ``hvp``, the tangent program of the gradient, gets the gradient's own
  comments and blank lines: each before the line of the tangent program
  that starts with the statement it stood before in the gradient (the
  primal lines of a tangent program are the gradient's lines, in order);
- ``forward`` gets a ``# tangent of: <the user's line>`` comment before
  the first statement computed for each line of the user's function.

Invariant: only comment lines and blank lines are added; the code is the
code the transformation emitted, and what is printed is black-formatted.
"""

from __future__ import annotations

import re
from typing import Any

from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    normal_form,
    resolve_wrt,
)
from adcompile._src.emit.emit import format_source
from adcompile._src.normal import ir

_TARGET = re.compile(r"^(\s*)([A-Za-z_][\w, ]*?) = ")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def with_gradient_comments(tangent: str, gradient: str) -> str:
    """``tangent`` (the tangent program of ``gradient``) with the
    gradient's comments and blank lines, where its statements start."""
    anchors: list[tuple[list[str], str]] = []  # (comments, blank?), statement
    pending: list[str] = []
    for line in gradient.splitlines()[1:]:
        stripped = line.strip()
        if not stripped:
            pending.append("")
        elif stripped.startswith("#"):
            pending.append(stripped)
        elif pending:
            anchors.append((pending, stripped))
            pending = []
    targets = {_target(line) for line in gradient.splitlines()} - {None}
    lines = tangent.splitlines()
    out: list[str] = []
    position = 0
    for extra, statement in anchors:
        index = _find(lines, position, statement)
        if index is None:
            continue
        while index - 1 >= position and _is_new(lines[index - 1], targets):
            index -= 1  # a temporary of this statement, in normal form
        out += lines[position:index]
        indent = _indent(lines[index])
        out += [f"{indent}{c}" if c else "" for c in extra]
        out.append(lines[index])
        position = index + 1
    out += lines[position:]
    return format_source("\n".join(out) + "\n")


def _target(line: str) -> str | None:
    match = _TARGET.match(line)
    return match.group(2).split(",")[0].strip() if match else None


def _find(lines: list[str], start: int, statement: str) -> int | None:
    """The line that is ``statement``, else the first that assigns its
    target, from ``start`` on."""
    for index in range(start, len(lines)):
        if lines[index].strip() == statement:
            return index
    target = _target(statement)
    for index in range(start, len(lines)):
        if target is not None and _target(lines[index]) == target:
            return index
    return None


def _is_new(line: str, targets: set[str | None]) -> bool:
    """Whether ``line`` assigns a name the gradient does not (nor its
    tangent): a temporary of the normal form of the tangent program."""
    target = _target(line)
    if target is None:
        return False
    return target not in targets and target[1:] not in targets


def with_tangent_comments(text: str, function: Any, wrt: Any) -> str:
    """The tangent program ``text`` of ``function`` with a ``# tangent of:``
    comment before the first statement of each of the user's lines."""
    normalized = normal_form(function, resolve_wrt(function, wrt), DEFAULT_OPTIONS)
    origins: dict[str, str] = {}
    for statement in ir.walk(normalized.program.body):
        target = getattr(statement, "target", None)
        origin = getattr(statement, "origin", None)
        if isinstance(target, str) and origin is not None:
            origins.setdefault(target, origin.code)
    out: list[str] = []
    last = None
    for line in text.splitlines():
        match = _TARGET.match(line)
        if match is not None:
            names = [n.strip() for n in match.group(2).split(",")]
            code = next((origins[n] for n in names if n in origins), None)
            if code is not None and code != last:
                out.append(f"{match.group(1)}# tangent of: {code}")
                last = code
        elif line.strip().startswith(("for ", "while ", "if ", "else", "elif ")):
            last = None
        out.append(line)
    return format_source("\n".join(out) + "\n")
