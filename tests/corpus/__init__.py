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

# Reasons of known failures (strict xfails) go here, shared by the modules.


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


def params(
    cases: list[Case], check: str, raises: dict[str, type] | None = None
) -> list:
    """pytest parameters, one per case, a strict xfail where ``check`` fails
    (raising ``raises[reason]``, when given, and nothing else)."""
    import pytest  # (the corpus itself needs numpy only: built modules run it)

    result = []
    for case in cases:
        marks = []
        if case.xfail is not None and check in case.fails:
            expected = (raises or {}).get(case.xfail)
            marks.append(
                pytest.mark.xfail(strict=True, reason=case.xfail, raises=expected)
            )
        result.append(pytest.param(case, id=case.id, marks=marks))
    return result


def all_cases() -> list[Case]:
    from . import (
        branches,
        composition,
        deletes,
        dicts,
        distributions,
        in_place,
        iteration,
        jumps,
        lists,
        loop_exits,
        loops,
        python_values,
        raises,
        returns,
        sharing,
        while_loops,
    )

    modules = (
        branches,
        dicts,
        composition,
        returns,
        loops,
        iteration,
        while_loops,
        jumps,
        loop_exits,
        in_place,
        raises,
        deletes,
        python_values,
        lists,
        distributions,
        sharing,
    )
    return [case for module in modules for case in module.CASES]


def refused_cases() -> list[Case]:
    """Programs adcompile refuses (for now), with a clear error."""
    from . import deletes, iteration, loop_exits, loops, python_values, raises

    refused = (iteration, loops, loop_exits, deletes, raises, python_values)
    return [case for module in refused for case in module.REFUSED]
