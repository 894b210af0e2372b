"""A corpus of small realistic numpy programs with control flow.

Each module of this package defines its programs and a ``CASES`` list of
``Case``: the program, arguments chosen away from branch boundaries (so that
finite differences see one control path), what to differentiate with respect
to, whether autograd can run it as an oracle, and, for known failures, the
reason the test is expected to fail (the test is then a strict xfail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ALL_CHECKS = frozenset({"fd", "autograd", "vjp"})
GRADIENT_CHECKS = frozenset({"fd", "autograd"})  # a wrong gradient, right value

# Known failures (reasons of strict xfails), shared by the modules.
SWAP_IN_CONSTRUCT = (
    "tuple assignment that swaps names assigned in a loop computes the wrong "
    "value: `a, b = b, a + b` runs as `b = a + b; a = b`"
)
USE_THEN_UPDATE = (
    "a value read in a loop body and updated after its last read (carried to "
    "the next trip only) loses its adjoint: the update's adjoint is skipped "
    "because the adjoint does not exist yet when the body is reversed"
)
STATIC_TARGET_REASSIGNED = (
    "a loop target over a static iterable, reassigned in the body: the "
    "backward loop rebinds it to the element, so rules read the element "
    "instead of the reassigned value"
)
LOOP_TARGET_REBINDS = (
    "a loop target that rebinds a name the backward sweep reads after the "
    "loop (a parameter, an earlier value) is left bound to the first element"
)
STATIC_ITERATOR_NOT_REVERSIBLE = (
    "a loop over enumerate/zip/reversed of values that carry no derivative "
    "crashes: the backward loop calls reversed() on a one-shot iterator "
    "(TypeError: ... object is not reversible)"
)
ENUMERATE_FORMS_REFUSED = (
    "enumerate(X, start) and enumerate(zip(A, B)) over differentiated arrays "
    "are refused with a misleading 'no derivative rule for enumerate/zip'"
)
AUGMENTED_ZEROS_REFUSED = (
    "`s = np.zeros(n)` then `s += ...` in a loop is refused (s may share "
    "memory), although np.zeros returns a fresh array"
)
LIST_APPEND_DROPPED = (
    "list.append of a differentiated value is not seen: the gradient through "
    "np.stack(list) is silently zero"
)
LIST_CONCATENATION = (
    "`outs = outs + [value]` (list concatenation) in a loop is differentiated "
    "as array addition: the backward sweep crashes in unbroadcast"
)
ITERABLE_REBOUND = (
    "`for e in v:` whose body rebinds v reads the items from the rebound v "
    "(Python iterates over the original): wrong value"
)

PULLBACK_LOOP_TARGET = (
    "vjp: a loop target read after the loop (`return y * i`) is not passed "
    "to the pullback, which reads it before its own loop binds it: "
    "UnboundLocalError"
)
RECURSIVE_VJP = (
    "vjp of a recursive function: the recursive call uses the user-facing "
    "pullback, which returns a bare gradient, and indexes it [0]: TypeError"
)

PARAMETER_NOT_RESTORED = (
    "a parameter rebound in a loop, whose old values the backward sweep does "
    "not read, is not restored: the gradient takes the type of its last value "
    "(np.float64 for a float parameter)"
)


@dataclass(frozen=True)
class Case:
    """One program of the corpus, with the inputs it is checked at."""

    f: Callable[..., Any]
    args: tuple[Any, ...]
    wrt: Any = 0
    autograd: bool = True  # autograd can run it (an oracle for the gradient)
    xfail: str | None = None  # a known failure: the reason
    fails: frozenset[str] = ALL_CHECKS  # checks it fails: fd, autograd, vjp, ...
    label: str = ""  # distinguishes two cases of one program

    @property
    def id(self) -> str:
        return f"{self.f.__name__}-{self.label}" if self.label else self.f.__name__


def all_cases() -> list[Case]:
    from . import branches, in_place, iteration, jumps, loops, returns, while_loops

    modules = (branches, returns, loops, iteration, while_loops, jumps, in_place)
    return [case for module in modules for case in module.CASES]


def refused_cases() -> list[Case]:
    """Programs adcompile refuses (for now), with a clear error."""
    from . import iteration, loops

    return [*iteration.REFUSED, *loops.REFUSED]
