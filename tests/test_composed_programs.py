"""A fixed sample of composed random programs (tests/compose), checked in
every mode: grad, value_and_grad, vjp, jvp, hvp on every twentieth, and
the module ``adcompile build`` writes on every twentieth (from the third; a
built module may refuse what runs in process, with the user's line: a
closure handed on as a value).

Each program nests helpers, branches, loops, closures, comprehensions,
in-place updates and early returns in one another (see
tests/compose/generator.py). A program may be refused, with an error that
points at a line of it; it must not crash, get a derivative wrong, return a
value or leave its arguments unlike the function itself
(``deviation``), or be refused without a location in the program. The
sample draws the first generator's constructs (``--base``); the long mode
draws the later ones too.

The programs are checked in parallel (one process per core, or
``ADCOMPILE_COMPOSE_JOBS``) when the first test of this module runs; each
test then reports one program. Print a failing program with
``python -m tests.compose --show INDEX --seed SEED``, check it alone with
``--check INDEX``; the long mode (``python -m tests.compose --count 20000``)
runs many more.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.compose.built import warm
from tests.compose.check import check_index, check_source

SEED = 0
COUNT = 300
HVP_EVERY = 20
BUILD_EVERY = 20  # (building a module takes longer than the other modes)
ALLOWED = ("pass", "refused")
SKIPPED = ("skipped_nonsmooth", "skipped_slow")


class Results(dict):
    """index -> result dict; printed short in pytest's failure reports."""

    def __repr__(self) -> str:
        return f"<{len(self)} composed program results>"


def _indices(request: pytest.FixtureRequest) -> list[int]:
    """The program indices the tests selected in this session will check."""
    chosen = [
        item.callspec.params["index"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_composed_program"
    ]
    return sorted(set(chosen)) or list(range(COUNT))


@pytest.fixture(scope="module")
def composed(request: pytest.FixtureRequest) -> dict[int, dict[str, Any]]:
    """index -> result dict of every selected program, checked in parallel."""
    jobs = int(os.environ.get("ADCOMPILE_COMPOSE_JOBS", os.cpu_count() or 1))
    work = [(SEED, i, HVP_EVERY, False, BUILD_EVERY) for i in _indices(request)]
    warm()  # (before the workers are forked: each would copy the helpers)
    if jobs <= 1 or len(work) == 1:
        results = [check_index(job) for job in work]
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, maxtasksperchild=40) as pool:
            results = pool.map(check_index, work, chunksize=2)
    return Results((int(r["id"].split(":")[1]), r) for r in results)


def _explain(result: dict[str, Any]) -> str:
    index = result["id"].split(":")[1]
    lines = [
        f"program {result['id']} is {result['klass']}",
        f"print it: python -m tests.compose --show {index} --seed {SEED}",
        f"tags: {', '.join(result['tags'])}",
    ]
    if result["detail"]:
        lines.append(result["detail"])
    for mode, m in result["modes"].items():
        if m["status"] != "pass":
            lines.append(
                f"{mode}: {m['status']}: {m['kind']}\n    {m['detail'][:1500]}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize("index", range(COUNT), ids=lambda i: f"{SEED}:{i}")
def test_composed_program(index: int, composed: dict[int, dict[str, Any]]) -> None:
    result = composed[index]
    if result["klass"] in SKIPPED:
        pytest.skip(f"program {result['id']}: {result['klass']}")
    assert result["klass"] in ALLOWED, _explain(result)


def test_composed_sample_is_checked(composed: dict[int, dict[str, Any]]) -> None:
    """Most of the sample reaches the derivative checks (it is not all
    skipped), and the counts per class are reported."""
    counts = Counter(r["klass"] for r in composed.values())
    summary = ", ".join(f"{k} {n}" for k, n in counts.most_common())
    print(f"composed programs: {summary}")
    skipped = sum(counts[k] for k in SKIPPED) + counts["invalid"]
    assert skipped <= len(composed) // 4, summary


# programs of long runs that once failed: (seed, index, drawn by the long
# mode's extended generator, what went wrong); each is checked with hvp
# programs that once failed, kept as drawn in tests/compose/regressions/
# (the generator draws other programs for the same seed once it changes)
REGRESSIONS = {
    "3_1954": "a loop ran backwards over a list a later while loop appended to",
    "24_1284": "hvp refused a pop from the gradient code's own stack, where a value "
    "pushed onto it seemed to see the stack (stacks are seen by no name)",
    "28_537": "a branch condition called a helper that writes into a parameter, run "
    "as written: the derivative read the changed values (wrong gradient)",
    "401_163": "an update of an item of a helper's result, through a view, was "
    "refused with no location (the update written for it had none)",
    "401_377": "a statement calling helpers that write, rewritten before it is "
    "run as written, was refused with no location",
}
KEPT = Path(__file__).parent / "compose" / "regressions"


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_composed_program_that_once_failed(name: str) -> None:
    source = (KEPT / f"{name}.txt").read_text()
    params = re.search(r"^# params: (.*)$", source, re.MULTILINE)
    assert params is not None, name
    seed, index = (int(n) for n in name.split("_"))
    result = check_source(
        source, params.group(1).split(", "), seed * 1_000_003 + index, name
    )
    result_dict = dataclasses.asdict(result)
    assert result.klass in ALLOWED, f"{REGRESSIONS[name]}\n{_explain(result_dict)}"
