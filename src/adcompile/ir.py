"""The normal form the differentiator works on.

A ``Program`` is a list of statements in single-assignment form: every
``Apply`` computes one primitive from operands that are either variables
(``Var``, values that may carry a derivative) or static code (``Static``,
values that carry none: constants, data, shapes, loop-invariant
expressions). Every statement remembers the user's statement it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from .errors import Location
from .rules.registry import Primitive


@dataclass(frozen=True)
class Var:
    """A value that may carry a derivative, named in single-assignment form."""

    name: str


@dataclass(frozen=True)
class Static:
    """An expression that carries no derivative, emitted as written."""

    node: cst.BaseExpression


Operand = Var | Static


@dataclass(frozen=True)
class Origin:
    """The user's statement a normal-form statement came from.

    Locations are computed only when an error needs them.
    """

    code: str  # the statement's source, on one line
    statement: cst.CSTNode | None = None
    node: cst.CSTNode | None = None  # the sub-expression, for errors
    locate: Callable[[cst.CSTNode | None], Location | None] | None = None

    @property
    def location(self) -> Location | None:
        return self.locate(self.statement) if self.locate else None

    @property
    def node_location(self) -> Location | None:
        located = self.locate(self.node) if self.locate and self.node else None
        return located or self.location


@dataclass
class Apply:
    """``target = prim(*args, **kwargs)``; ``callee`` is what the user called."""

    target: str
    prim: Primitive | None
    args: list[Operand]
    kwargs: dict[str, Operand]
    origin: Origin
    callee: str = ""  # how the user spelled an unknown function, for errors
    bound: dict[str, Operand] = field(default_factory=dict)  # param -> operand
    index: cst.BaseExpression | None = None  # for indexing: the index, as code

    def operands(self) -> list[Operand]:
        return [*self.args, *self.kwargs.values()]


@dataclass
class Assign:
    """``target = <static expression>``: a value with no derivative."""

    target: str
    value: Static
    origin: Origin


@dataclass
class Effect:
    """A statement run for its effect only (assert, print, a docstring)."""

    node: cst.BaseSmallStatement
    origin: Origin


@dataclass
class Pack:
    """``target = [a, b, ...]`` or a tuple: a container of varied values."""

    target: str
    items: list[Operand]
    origin: Origin
    kind: str = "list"  # "list" or "tuple"


Statement = Apply | Assign | Effect | Pack


@dataclass
class Program:
    """A function in normal form."""

    name: str
    params: cst.Parameters
    param_names: list[str]
    wrt: list[str]
    wrt_is_tuple: bool
    body: list[Statement]
    result: Operand
    result_origin: Origin
    shapes: dict[str, object] = field(default_factory=dict)
    taken_names: set[str] = field(default_factory=set)
