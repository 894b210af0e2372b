"""A helper that writes into an item or a row it is given: ``h(M[0])``,
``h(ws[0])``, ``h(tt[1][0])``, ``h(p["w"])``.

In Python the write reaches the container: ``M[0]`` is a view of ``M``'s
memory, ``ws[0]`` the very array the list holds. The derivative gives the
helper a private copy, and the write was refused as the code ran
(``unwritten``). Now the item gets a name of its own where Python reads it
(``CallArguments._written_items_named``), and the write comes back through
that name as for any other (``write_back.py``): into the view, or the item
the container holds.

Arguments that share memory, where one is written into (``h(M[0], M)``,
``h(M[0], M[0])``, or a name holding a row and its matrix), are refused as
the code runs (``arguments_apart``): each gets a private copy, and the
helper would not see its own write through the other. ``v = M[0]; h(v, M)``
gave a silently wrong gradient before.

Every program runs through ``tests/compose/check.py``: each mode against
finite differences, and the arguments as ``f`` leaves them.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_body

HELPERS = """
def h(z):
    z[0] += 0.5 * z[1]
    return np.sum(z * z)

def h2(z, A):
    z[0] += 0.5 * z[1]
    return np.sum(z * np.sum(A))

def h3(z, w):
    z[0] += 0.5 * w[1]
    w[1] += 0.25 * z[0]
    return np.sum(z * w)
"""

RIGHT = {
    "row_of_a_matrix": (
        ["a", "M"],
        """
        def f(a, M):
            s = a * h(M[0])
            return s + np.sum(M * M)
        """,
    ),
    "item_of_a_list": (
        ["a", "ws"],
        """
        def f(a, ws):
            s = a * h(ws[0])
            return s + np.sum(ws[0] * ws[1])
        """,
    ),
    "item_of_an_item_of_a_tuple": (
        ["a", "tt"],
        """
        def f(a, tt):
            s = a * h(tt[1][0])
            return s + np.sum(tt[1][0] * tt[0])
        """,
    ),
    "entry_of_a_dict": (
        ["a", "p"],
        """
        def f(a, p):
            s = a * h(p["w"])
            return s + np.sum(p["w"] * p["w"])
        """,
    ),
    "two_rows_of_one_matrix": (
        ["a", "M"],
        """
        def f(a, M):
            s = h3(M[0], M[1]) * a
            return s + np.sum(M * M)
        """,
    ),
    "two_items_of_one_list": (
        ["a", "ws"],
        """
        def f(a, ws):
            s = h3(ws[0], ws[1]) * a
            return s + np.sum(ws[0] * ws[1])
        """,
    ),
    # an index that copies: the write stays in the copy, as in Python
    "rows_picked_by_a_list": (
        ["a", "M"],
        """
        def f(a, M):
            s = a * h(M[[0, 1], 2])
            return s + np.sum(M * M)
        """,
    ),
    "rows_picked_by_an_array": (
        ["a", "M"],
        """
        def f(a, M):
            idx = np.array([1, 0])
            s = a * h(M[idx])
            return s + np.sum(M * M)
        """,
    ),
    # the rest of the statement reads the row after the write
    "row_read_again_after_the_call": (
        ["a", "M"],
        """
        def f(a, M):
            s = a * h(M[0]) + np.sum(M[0])
            return s + np.sum(M * M)
        """,
    ),
    # in a helper, whose caller sees the write into its matrix
    "row_written_in_a_helper": (
        ["a", "M"],
        """
        def g(A):
            return h(A[0]) * 2.0

        def f(a, M):
            s = a * g(M)
            return s + np.sum(M * M)
        """,
    ),
}

REFUSED = {
    # the helper reads the matrix whose row it writes into (a wrong
    # gradient, silently, before)
    "row_and_its_matrix": (
        ["a", "M"],
        """
        def f(a, M):
            s = h2(M[0], M) * a
            return s + np.sum(M * M)
        """,
    ),
    "named_row_and_its_matrix": (
        ["a", "M"],
        """
        def f(a, M):
            v = M[0]
            s = h2(v, M) * a
            return s + np.sum(M * M)
        """,
    ),
    "one_row_given_twice": (
        ["a", "M"],
        """
        def f(a, M):
            s = h3(M[0], M[0]) * a
            return s + np.sum(M * M)
        """,
    ),
    "same_array_given_twice": (
        ["a", "x"],
        """
        def f(a, x):
            y = np.sin(x)
            s = h3(y, y) * a
            return s + np.sum(y)
        """,
    ),
    "same_array_for_a_written_and_a_read_parameter": (
        ["a", "x"],
        """
        def f(a, x):
            y = np.sin(x) * a
            s = h2(y, y)
            return s + np.sum(y)
        """,
    ),
    # the row is read before the call, and multiplied after it: Python's
    # product sees the write
    "row_read_before_the_call": (
        ["a", "M"],
        """
        def f(a, M):
            s = M[0] * h(M[0])
            return np.sum(s) + np.sum(M * M)
        """,
    ),
    # with respect to a alone, y carries no derivative: the helper wrote
    # values that do into y's object, unseen (a zero gradient, silently)
    "list_of_a_rebound_array_written_by_a_helper": (
        ["a", "x"],
        """
        def hl(A, c):
            A[0] += c
            return 0.0

        def f(a, x):
            y = x * 1.0
            y = y + 0.5
            hl([y, 2.0 * y], a)
            return np.sum(y * y)
        """,
    ),
    # the list holds one array twice: the other item changes too
    "item_held_twice": (
        ["a", "x"],
        """
        def f(a, x):
            y = np.sin(x)
            L = [y, y]
            s = a * h(L[0])
            return s + np.sum(L[1])
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_write_into_an_item_reaches_its_container(name: str) -> None:
    params, body = RIGHT[name]
    result = check_body(
        HELPERS + textwrap.dedent(body), params, seed=5, program_id=name
    )
    assert result.klass == "pass", (body, result)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_arguments_that_share_memory_with_a_written_one_are_refused(
    name: str,
) -> None:
    params, body = REFUSED[name]
    result = check_body(
        HELPERS + textwrap.dedent(body), params, seed=5, program_id=name
    )
    assert result.klass == "refused", (body, result)
    detail = next(m.detail for m in result.modes.values() if m.detail)
    assert "File " in detail, detail  # (located in the user's code)
