"""A loop over an object that its body writes into in place.

Python makes the iterator once, from the objects the iterable names, and
reads each item when its trip starts: an item the body changed on an
earlier trip is read changed (``for e in x: s += h(x) * e`` where ``h``
writes into ``x``). Two lowerings broke that, silently:

- a loop whose iterable carries no derivative (``grad(f, wrt=0)`` where the
  loop runs over the second parameter) ran over a list of the items made
  before the loop (``IterationLowering._written_as_iterated``);
- a sequence the iterable computes (``x * 2.0`` in ``zip(x, x * 2.0)``) was
  computed again on each trip, from what the body had written into ``x``
  since (``IterationLowering._evaluated_once``).

Both gave a wrong value and gradient with no error. Every program runs
through ``tests/compose/check.py``, whose ``grad_first`` mode differentiates
with respect to the first parameter only, the others run as written.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_body

HELPER = """
def hw(z):
    z[1:] += 0.5 * z[:2]
    return np.sum(z * z)
"""

PROGRAMS = {
    "loop_over_the_written_array": """
        def f(a, x):
            s = 0.0
            for e in x:
                s = s + a * hw(x) * e
            return s + np.sum(x)
        """,
    "enumerate_of_the_written_array": """
        def f(a, x):
            s = 0.0
            for i, e in enumerate(x):
                s = s + a * hw(x) * e * i
            return s + np.sum(x)
        """,
    "zip_of_the_written_array_and_a_computed_one": """
        def f(a, x):
            s = 0.0
            for e, g in zip(x, x * 2.0):
                s = s + a * hw(x) * e * g
            return s + np.sum(x)
        """,
    "enumerate_of_a_zip_with_a_computed_sequence": """
        def f(a, x):
            s = 0.0
            for i, (e, g) in enumerate(zip(x, x + 1.0)):
                s = s + a * hw(x) * e * g
            return s + np.sum(x)
        """,
    "loop_over_a_computed_array": """
        def f(a, x):
            s = 0.0
            for e in x * 3.0:
                s = s + a * hw(x) * e
            return s + np.sum(x)
        """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_loop_reads_each_item_when_its_trip_starts(name: str) -> None:
    body = HELPER + textwrap.dedent(PROGRAMS[name])
    result = check_body(body, ["a", "x"], seed=11, program_id=name)
    assert result.klass == "pass", (body, result)
    assert result.modes["grad_first"].status == "pass"


def test_an_augmented_assignment_into_the_iterated_array_is_refused() -> None:
    body = """
        def f(a, x):
            s = 0.0
            for e in x:
                x[2] *= a
                s = s + e * a
            return s + np.sum(x)
        """
    result = check_body(body, ["a", "x"], seed=11, program_id="augmented")
    assert result.klass == "refused", result


# The backward sweep runs a loop over a range again, reversed: a list whose
# length the range reads, popped or grown after the loop, gave it another
# trip count (a wrong gradient with no error, with respect to the first
# parameter: the list's code ran as written). The range is made once now.
RANGES_READ_AGAIN = {
    "zip_with_a_parameter_list_popped_after": """
        def f(a, ws):
            L = ws
            for t, u in zip(ws[0] - a, L):
                a = 0.7 * a * np.sum(u)
            v = L.pop(-2)
            return a
        """,
    "range_of_a_list_grown_after": """
        def f(a, ws):
            L = list(ws)
            s = 0.0
            for i in range(len(L)):
                s = s + a * np.sum(L[i])
            L.append(np.ones(3))
            return s * a + len(L)
        """,
    "range_of_an_entry_written_after": """
        def f(a, ws):
            n = ws[0]
            s = 0.0
            for i in range(int(n[0] * 3.0) + 1):
                s = s + a * (i + 1.0)
            n[0] = 0.0
            return s * a
        """,
}


@pytest.mark.parametrize("name", sorted(RANGES_READ_AGAIN))
def test_a_range_the_function_changes_after_is_read_once(name: str) -> None:
    body = textwrap.dedent(RANGES_READ_AGAIN[name])
    result = check_body(body, ["a", "ws"], seed=11, program_id=name)
    assert result.klass in ("pass", "refused"), (body, result)
    assert result.modes["grad_first"].status == "pass", (body, result)
