"""``adcompile.checkpoint``: the marker of a loop whose gradient keeps
snapshots of its loop-carried values instead of every step's values.

``for i in adcompile.checkpoint(range(n), snapshots=k):`` runs as ``for i in
range(n):`` (the marker returns its iterable). Lowering takes the marker off
the loop and records the number of snapshots on the ``ir.Loop``
(``checkpoint``); reverse mode (``reverse/checkpointed.py``) then runs the
loop's steps again from the snapshots, on a revolve schedule.

Invariant: a loop that keeps a ``checkpoint`` can be run again from the
values its steps carry: it is a ``for`` loop over an iterable whose length
is known when it starts, not inside another loop, with no ``break`` (nor a
``return`` inside), and its body changes in place only objects it made in
the same step, that no other name sees. Anything else is refused with a
``CheckpointError`` at the construct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import libcst as cst

from adcompile._src.errors import CheckpointError, Location
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.syntax.tree import walk

T = TypeVar("T")

_NO_BREAK_HINT = (
    "a checkpointed loop must run all the steps its iterable gives: keep "
    "the values unchanged on the remaining steps instead (for example "
    "h = np.where(done, h, h_new)), or remove adcompile.checkpoint"
)


def checkpoint(iterable: T, snapshots: int | None = None) -> T:
    """Mark a ``for`` loop for checkpointing: ``iterable``, unchanged.

    ``for i in adcompile.checkpoint(range(n), snapshots=20):`` runs exactly
    as ``for i in range(n):``. In a gradient, the loop's steps are not all
    recorded: the forward sweep keeps at most ``snapshots`` copies of the
    values the loop carries from step to step, and the backward sweep runs
    steps again from them (binomial checkpointing, Griewank's revolve).
    Memory grows with ``snapshots`` instead of the number of steps; with
    ``snapshots=None`` it is the square root of the number of steps.
    """
    return iterable


def checkpoint_marker(
    source: FunctionSource, node: cst.For, env: dict[str, str]
) -> tuple[cst.For, cst.BaseExpression] | None:
    """The loop without its ``adcompile.checkpoint`` marker and the number
    of snapshots asked for (the expression, or ``None``), or None when the
    loop has no marker."""
    call = node.iter
    if not isinstance(call, cst.Call):
        return None
    if resolve_callee(source, call.func, env, strict=False) is not checkpoint:
        return None
    iterable: cst.BaseExpression | None = None
    snapshots: cst.BaseExpression = cst.Name("None")
    for position, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if arg.star or keyword not in (None, "iterable", "snapshots"):
            raise CheckpointError(
                "adcompile.checkpoint takes the iterable and snapshots= only",
                "write adcompile.checkpoint(range(n), snapshots=k)",
                source.location(arg),
            )
        if keyword == "iterable" or (keyword is None and position == 0):
            iterable = arg.value
        else:
            snapshots = arg.value
    if iterable is None:
        raise CheckpointError(
            "adcompile.checkpoint needs the iterable the loop runs over",
            "write adcompile.checkpoint(range(n), snapshots=k)",
            source.location(call),
        )
    if node.orelse is not None:
        raise CheckpointError(
            "a checkpointed loop with an `else` clause",
            "move the code of the else clause after the loop",
            source.location(node),
        )
    return node.with_changes(iter=iterable), snapshots


def refuse_stray_markers(source: FunctionSource, definition: cst.FunctionDef) -> None:
    """Refuse ``adcompile.checkpoint`` anywhere but as the iterable of a
    ``for`` statement (a comprehension, a variable): there it would
    checkpoint nothing, silently."""
    headers = {id(node.iter) for node in walk(definition) if isinstance(node, cst.For)}
    for node in walk(definition):
        if (
            isinstance(node, cst.Call)
            and id(node) not in headers
            and resolve_callee(source, node.func, {}, strict=False) is checkpoint
        ):
            raise CheckpointError(
                "adcompile.checkpoint outside the header of a for statement, "
                "where it would checkpoint nothing",
                "write it as the iterable of the loop: "
                "for i in adcompile.checkpoint(range(n), snapshots=k):",
                source.location(node),
            )


def refuse_unsupported(
    source: FunctionSource,
    node: cst.For,
    snapshots: cst.BaseExpression,
    nested: bool,
    varied: bool,
    env: dict[str, str],
) -> None:
    """Refuse a checkpointed loop that cannot be run again from snapshots:
    inside another loop (``nested``), ended early, or with ``snapshots=``
    computed from values the gradient depends on (``varied``), or drawing
    random numbers (``env``: the function's local names)."""
    header = source.location(node) or source.location(node.iter)
    if nested:
        raise CheckpointError(
            "a checkpointed loop inside another loop",
            "checkpoint the outer loop, or move the inner loop into a function "
            "of its own and call it (each call's gradient keeps its own "
            "snapshots)",
            header,
        )
    if isinstance(snapshots, cst.Integer) and int(snapshots.value, 0) < 1:
        raise CheckpointError(
            f"snapshots={snapshots.value}: a checkpointed loop needs at least one "
            "snapshot (the values before its first step)",
            "pass snapshots=1 or more",
            source.location(snapshots),
        )
    if varied:
        raise CheckpointError(
            "the number of snapshots depends on the differentiated values",
            "pass an int that does not depend on them",
            source.location(snapshots),
        )
    draw = _random_draw(source, node.body.body, env)
    if draw is not None:
        raise CheckpointError(
            "a checkpointed loop draws random numbers: a step run again from a "
            "snapshot would draw other ones",
            "draw them before the loop (noise = rng.normal(size=(n, d))) and "
            "read them by index in the loop (noise[i])",
            source.location(draw),
        )
    exit_node = _early_exit(node.body.body)
    if exit_node is not None:
        location = source.location(exit_node) or header
        raise CheckpointError(
            "a checkpointed loop that may end early (`break`, or `return` "
            "inside the loop)",
            _NO_BREAK_HINT,
            location,
        )


def refuse_in_place(
    location: Location | None,
    mutated: set[str],
    live: frozenset[str],
    shared: Callable[[str], str | None],
    unknown: bool = False,
) -> None:
    """Inside a checkpointed loop, an in-place change (``z[0] = v``,
    ``z.fill(0)``, ``items.append(v)`` on values without derivative) must
    write an object the step made itself (``live``: the names a step may
    read before it assigns them) that no other name sees (``shared(name)``
    says why another may, or None): a step run again from a snapshot must
    find what it reads as it was the first time. ``unknown``: the objects
    are given to a function known only as the code runs (``self.f(buf)``, a
    function passed in), which may change them."""
    for name in sorted(mutated):
        reason = ""
        if name in live:
            reason = f"'{name}' holds a value from before the step"
        else:
            why = shared(name)
            if why is not None:
                reason = f"another name may see the memory of '{name}'{why}"
        if reason and unknown:
            raise CheckpointError(
                f"a checkpointed loop gives '{name}' to a function known only "
                f"as the code runs, which may change it in place: {reason}, "
                "so a step run again from a snapshot might not see the values "
                "it saw the first time",
                "call a function adcompile can read (defined in a module, "
                f"called by its name), or pass a copy made in the step "
                f"(np.copy({name}))",
                location,
            )
        if reason:
            raise CheckpointError(
                f"a checkpointed loop changes an object in place: {reason}, "
                "so a step run again from a snapshot would not see the values "
                "it saw the first time",
                f"make a new object in the step before changing it ({name} = "
                f"{name}.copy()), or compute a new value (np.where(...))",
                location,
            )


# methods of numpy's random Generator and RandomState, and of random.Random
_DRAWS = frozenset(
    "beta binomial choice exponential gamma gauss integers lognormal "
    "multivariate_normal normal normalvariate permutation permuted poisson "
    "rand randint randn random random_sample sample shuffle standard_normal "
    "uniform".split()
)


def _random_draw(
    source: FunctionSource, statements: list[cst.BaseStatement], env: dict[str, str]
) -> cst.Call | None:
    """A call in the loop that draws random numbers: a function of
    ``numpy.random`` or ``random``, or a drawing method of any object."""
    for statement in statements:
        for call in walk(statement):
            if not isinstance(call, cst.Call):
                continue
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in _DRAWS:
                return call
            callee = resolve_callee(source, func, env, strict=False)
            module = getattr(callee, "__module__", None) or ""
            if module == "random" or module.startswith("numpy.random"):
                return call
    return None


def _early_exit(statements: list[cst.BaseStatement]) -> cst.CSTNode | None:
    """A ``break`` of this loop, or a ``return`` anywhere in it (a
    ``return`` in a nested loop ends this one too)."""
    found: list[cst.CSTNode] = []

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0

        def visit_Break(self, node: cst.Break) -> None:
            if self.depth == 0:
                found.append(node)

        def visit_Return(self, node: cst.Return) -> None:
            found.append(node)

        def visit_For(self, node: cst.For) -> None:
            self.depth += 1

        def leave_For(self, node: cst.For) -> None:
            self.depth -= 1

        def visit_While(self, node: cst.While) -> None:
            self.depth += 1

        def leave_While(self, node: cst.While) -> None:
            self.depth -= 1

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    for statement in statements:
        statement.visit(Finder())
        if found:
            return found[0]
    return None


__all__ = ["checkpoint", "checkpoint_marker", "refuse_in_place", "refuse_unsupported"]
