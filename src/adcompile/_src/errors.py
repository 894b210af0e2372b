"""The errors adcompile raises: every refusal is an ``AdcompileError``.

Each error names the construct it refuses, points at the place in the user's
source (file:line:col, the line itself and a caret under the construct) and
says what to do instead. ``str(err)`` is the full message; ``err.reason`` is a
one-line summary (used by ``adcompile show`` for functions it skips).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in the user's source: 1-based line, 0-based column."""

    filename: str
    line: int
    col: int
    source_line: str = ""
    width: int = 1

    def render(self) -> str:
        text = self.source_line.rstrip("\n")
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        caret_col = max(self.col - indent, 0)
        width = max(1, min(self.width, len(stripped) - caret_col))
        lines = [f'  File "{self.filename}", line {self.line}, col {self.col + 1}']
        if stripped:
            lines.append(f"    {stripped}")
            lines.append("    " + " " * caret_col + "^" * width)
        return "\n".join(lines)


class AdcompileError(Exception):
    """Base class of every error adcompile raises about the user's code."""

    def __init__(
        self, reason: str, hint: str = "", location: Location | None = None
    ) -> None:
        self.reason = reason
        self.hint = hint
        self.location = location
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.reason]
        if self.location is not None:
            parts.append(self.location.render())
        if self.hint:
            parts.append(f"  {self.hint}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self._message()


class UnsupportedSyntax(AdcompileError):
    """A Python construct adcompile does not differentiate."""


class CheckpointError(AdcompileError):
    """A loop marked with ``adcompile.checkpoint`` that cannot be
    checkpointed as written, or a schedule that cannot be made."""


class NoDerivativeRule(AdcompileError):
    """A differentiable value flows through a function with no rule."""


class SourceUnavailable(AdcompileError):
    """The function's source code cannot be read (REPL, exec, C code)."""


class NonScalarOutput(AdcompileError):
    """``grad`` of a function whose output is not a real scalar."""


class BadWrt(AdcompileError):
    """``wrt`` names no parameter of the function, or is malformed."""


class IntegerInput(AdcompileError):
    """A gradient was asked with respect to an integer (or non-float) value."""


class UnresolvedName(AdcompileError):
    """A name in the function refers to nothing adcompile can find."""


class BadTangent(AdcompileError):
    """A tangent passed to ``jvp`` does not match its primal's structure or shape."""


def no_rule_hint(callee: str) -> str:
    """What to do about a function with no derivative rule."""
    return (
        f"give {callee} a rule with adcompile.custom, write its computation "
        "inline with numpy operations, or compute it outside the function and "
        "pass the result in"
    )
