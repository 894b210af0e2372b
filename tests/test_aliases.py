"""Every way of making a second name see an array, crossed with every
in-place update of the array (tests/compose/aliases.py): the derivative
follows Python (what the second name sees after the write) or refuses at a
line of the program; it never returns what the name would hold without the
write.

The default run checks a fixed sample; ``ADCOMPILE_ALIASES=all`` checks all
of the cross product (some 8,000 programs, about ten minutes)."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

import adcompile
from tests.compose import aliases

SAMPLE = 60
NUMBERS = (
    list(range(aliases.count()))
    if os.environ.get("ADCOMPILE_ALIASES") == "all"
    else sorted(random.Random(0).sample(range(aliases.count()), SAMPLE))
)


@pytest.mark.parametrize("number", NUMBERS)
def test_update_seen_through_another_name(number):
    statuses = aliases.check(number)
    failed = {
        mode: status
        for mode, status in statuses.items()
        if status.split(":")[0] in aliases.FAILURES
    }
    assert not failed, f"{aliases.program(number)}\n{failed}"


def test_the_sample_passes_more_than_it_refuses_where_nothing_is_shared():
    """Programs that write x before any other name sees it are refused only
    for constructs adcompile does not differentiate at all."""
    numbers = [
        n
        for n in range(0, aliases.count(), 19)
        if aliases.CASES[n][4] == "update_first"
    ]
    refused = [n for n in numbers if "refused" in aliases.check(n).values()]
    assert len(refused) <= len(numbers) // 10, [aliases.program(n) for n in refused]


def test_a_joined_list_made_in_a_loop_holds_the_parameter_itself():
    """``a = [x] + [y]`` in a loop, then ``x[0] += w``: a[0] is x and sees
    the write. The list was made from a copy of x taken for the rule's local
    gradients (``_state_now``), and the value came back without the write."""
    join = next(
        i for i, (alias, _) in enumerate(aliases.ALIASES) if "[x] + [y]" in alias
    )
    for update in aliases.UPDATES:
        case = (join, "param", update, "for _ in range(2):", "alias_wrapped")
        statuses = aliases.check(aliases.CASES.index(case))
        assert all(
            s.split(":")[0] not in aliases.FAILURES for s in statuses.values()
        ), statuses


def _builds_a_dict(c, u):
    out = {}
    out["w"] = np.log(1.0 + u**2)  # carries no derivative (wrt c): run as written
    out["b"] = np.log(1.0 + ((u[0] + 0.3) * (c * c)) ** 2)
    return out


def test_an_item_written_as_written_leaves_the_container_its_own():
    """``out["w"] = v`` run as written makes ``out`` hold v; no other name
    sees ``out`` (it was taken to, and the next item write was refused)."""
    u = np.array([0.1, 0.2, 0.3])
    _, pullback = adcompile.vjp(_builds_a_dict, 0.5, u)
    got = pullback({"w": np.ones(3), "b": 1.0})
    step = 1e-6
    numeric = (
        _builds_a_dict(0.5 + step, u)["b"] - _builds_a_dict(0.5 - step, u)["b"]
    ) / (2 * step)
    assert got == pytest.approx(numeric, rel=1e-6)


def _appends_to_its_list(xs, w):
    xs.append(w * 2.0)
    return np.sum(xs[0] * w) + np.sum(xs[-1])


def test_a_list_parameter_keeps_the_callers_items():
    """A list the function appends to ends up as the function leaves it,
    holding the caller's own arrays (not copies of them: an optimizer
    updating them in place would update arrays no longer in the list)."""
    first = np.ones(3)
    items, w = [first], np.array([0.5, 1.0, 2.0])
    gradient = adcompile.grad(_appends_to_its_list, wrt=1)(items, w)
    np.testing.assert_allclose(gradient, [3.0, 3.0, 3.0])
    assert len(items) == 2 and items[0] is first
    np.testing.assert_allclose(items[1], 2.0 * w)
