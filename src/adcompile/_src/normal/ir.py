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

from adcompile._src.errors import Location
from adcompile._src.read.written_returns import spec
from adcompile._src.rules.registry import Primitive
from adcompile._src.syntax.templates import render


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
    call: str = ""  # "static" or "dynamic": a user function, differentiated too
    callee_node: cst.BaseExpression | None = None  # the function, as code
    bound: dict[str, Operand] = field(default_factory=dict)  # param -> operand
    index: cst.BaseExpression | None = None  # for indexing: the index, as code
    overwrites: bool = False  # the target may hold a value still needed
    shape: object = None  # the result's shape class where it is computed
    initializes: bool = False  # first value of a loop or branch variable
    call_shapes: str = ""  # a call, specialized: what is known of its arguments
    in_place: str = ""  # "append", "pop", "pop0": a list method on a list no
    # name reads again (forward mode may change it in place; see lists.py)
    # a call into a user function that writes into these parameters: the
    # call is of its variant returning them after its result (a tuple)
    written: tuple[str, ...] = ()
    # the parameters given private copies of what the callee may write into
    # ("" where not known): run as written, the call must leave those copies
    # as they are (the backward sweep may read them again)
    copied: tuple[str, ...] = ()

    def operands(self) -> list[Operand]:
        return [*self.args, *self.kwargs.values()]

    @property
    def callee_spec(self) -> str:
        """How a call binding names the function a static call calls: its
        dotted name, or its variant's (``read.written_returns``)."""
        assert self.callee_node is not None
        return spec(render(self.callee_node), self.written)


@dataclass
class Assign:
    """``target = <static expression>``: a value with no derivative."""

    target: str
    value: Static
    origin: Origin
    overwrites: bool = False
    initializes: bool = False  # first value of a loop or branch variable


@dataclass
class Effect:
    """A statement run for its effect only (assert, print, a docstring).

    ``mutates``: the variables it changes in place (``w[0] = 5.0``,
    ``w.fill(0)``, ``np.copyto(w, v)`` on values that carry no derivative):
    the backward sweep must see their values from before it, so reverse mode
    saves a copy before it where the backward sweep reads them.
    """

    node: cst.BaseSmallStatement
    origin: Origin
    mutates: tuple[str, ...] = ()


@dataclass
class Pack:
    """``target = [a, b, ...]``, a tuple, or a dict ``{k: a, ...}`` (with
    ``keys``, static code): a container of varied values."""

    target: str
    items: list[Operand]
    origin: Origin
    kind: str = "list"  # "list", "tuple" or "dict"
    overwrites: bool = False
    keys: tuple[cst.BaseExpression, ...] = ()

    def literal(self, elements: list[cst.BaseExpression]) -> cst.BaseExpression:
        """The container written out, with ``elements`` in the items' places."""
        if self.kind == "dict":
            return cst.Dict(
                [
                    cst.DictElement(k, v)
                    for k, v in zip(self.keys, elements, strict=True)
                ]
            )
        listed = [cst.Element(e) for e in elements]
        return cst.List(listed) if self.kind == "list" else cst.Tuple(listed)

    def position(self, index: int) -> cst.BaseExpression:
        """How item ``index`` is read from the container (or its adjoint)."""
        return self.keys[index] if self.kind == "dict" else cst.Integer(str(index))


@dataclass
class Branch:
    """``if cond: body else: orelse``; ``cond`` names the recorded decision."""

    cond: str
    body: list[Statement]
    orelse: list[Statement]
    origin: Origin


@dataclass
class Loop:
    """A ``for`` loop over ``iterable`` (static code) or a ``while`` loop.

    ``trips`` names the counter of iterations run, kept when the number of
    iterations is not known from the iterable (``while``, ``break``).
    ``checkpoint``: for a loop marked ``adcompile.checkpoint``, the number of
    snapshots asked for, as static code (``None`` when left to adcompile).
    """

    kind: str  # "for" or "while"
    target: cst.BaseAssignTargetExpression | None
    iterable: cst.BaseExpression | None
    test: cst.BaseExpression | None
    body: list[Statement]
    trips: str | None
    origin: Origin
    checkpoint: cst.BaseExpression | None = None


@dataclass
class Jump:
    """``break`` or ``continue``: always the last statement of its block."""

    kind: str
    origin: Origin


Statement = Apply | Assign | Effect | Pack | Branch | Loop | Jump


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
    has_control_flow: bool = False
    pinned_names: set[str] = field(default_factory=set)
    carried_names: set[str] = field(default_factory=set)  # defined before it
    aux: Operand | None = None  # with has_aux: the auxiliary data returned
    written_params: dict[str, str] = field(default_factory=dict)  # in place
    # the seed checks the result is a real scalar even where its shape is
    # known to be () (shape specialization does not know integers from floats)
    check_seed: bool = False
    known_shapes: bool = False  # a variant for arguments of known shapes


def walk(statements: list[Statement]):
    """Every statement, nested ones included, in program order."""
    for statement in statements:
        yield statement
        if isinstance(statement, Branch):
            yield from walk(statement.body)
            yield from walk(statement.orelse)
        elif isinstance(statement, Loop):
            yield from walk(statement.body)


def is_simple(apply: Apply) -> bool:
    """True when the call leaves every ``simple_when`` parameter at its default."""
    prim = apply.prim
    if prim is None or not prim.simple_when:
        return False
    defaults = {p.name: p.default for p in prim.params}
    for name in prim.simple_when:
        operand = apply.bound.get(name)
        if operand is None:
            continue
        if not isinstance(operand, Static):
            return False
        code = cst.Module([]).code_for_node(operand.node).strip()
        if code != defaults.get(name):
            return False
    return True
