"""Updates in place of values that carry no derivative, run as written.

With ``grad(f)`` (the first parameter only) the other parameters carry no
derivative, and code on them runs as the user wrote it: ``view = x[1:]``
then ``view *= 0.5`` changes the caller's ``x``, as in Python. It was
refused ("may share memory with a parameter"), since the view is not the
function's own; it is right wherever no value that carries a derivative
sees the memory, and the backward sweep reads what rules read of it from
before the update (``written_anywhere`` counts ``view *= 0.5``, so those
reads are kept as they were: ``_state_now``). A list made by ``list(ws)``
run as written is a new list, which ``insert`` and ``extend`` may grow. A
number scaled as written (``s0 *= np.cos(M[k])``) sees no memory of the
index it read, and a counter updated as written (``k += 1``) where some
name may see it is checked to be a number as the code runs. numpy's
writers (``np.fill_diagonal(D, y)``, ``np.copyto(D, y)``) copy values: D
and y see nothing of each other after.

Each program is checked in every mode (``grad_first`` among them) against
finite differences, with the arguments left as ``f`` leaves them.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_source

HEADER = "import numpy as np\n\n\n"

PROGRAMS = {
    "view_of_a_parameter_scaled_after_a_rule_read_it": """
        def f(a, x):
            view = x[1:]
            s = np.sum(a * view)
            view *= 0.5
            return s + np.sum(a * x)
        """,
    "view_scaled_between_two_reads_of_its_base": """
        def f(a, x):
            view = x[:2]
            t = a * x[0]
            view *= 0.5
            u = x[0] * t
            return u + np.sum(view) * a
        """,
    "counter_used_as_an_index": """
        def f(a, x):
            k = 0
            s = 0.0
            while k < 2:
                s = s + a * x[k]
                k += 1
            return s * x[k]
        """,
    # a counter used as an index in a statement that scales a number: the
    # number was taken to see the counter's memory (an index read into it)
    "counter_read_as_an_index_of_a_scaled_number": """
        def f(a, M):
            s0 = np.tanh(M[0, 0])
            k = 0
            r = 0.0
            while k < 3:
                s0 *= np.cos(np.mean(np.cos(M[k % 2])))
                r = r + a * s0
                k += 1
            return r + s0 * a
        """,
    "list_of_a_parameter_grown": """
        def f(a, ws):
            L = list(ws)
            L.insert(1, np.sin(a * ws[0]))
            L.extend([np.log(1.0 + (ws[0] * a) ** 2)])
            return np.sum(L[1] * L[0]) + np.sum(L[-1])
        """,
    "list_of_a_parameter_popped_and_grown": """
        def f(a, ws):
            L = list(ws)
            u = L.pop(0)
            L.append(np.tanh(a * u))
            return np.sum(L[0] * L[-1]) + np.sum(u)
        """,
    # numpy's writers copy values into their first argument: after
    # np.fill_diagonal(D, y) run as written, D and y still see nothing of
    # each other, and a write into y that carries a derivative is lowered
    # (it was refused: "may share memory ... since np.fill_diagonal(D, y)")
    "array_written_after_numpy_copied_it_into_another": """
        def f(a, M):
            y = np.ones(3)
            D = np.zeros((2, 3))
            np.fill_diagonal(D, y)
            y[1:] = np.tanh(a * M[0, 1:])
            return np.sum(y * M[1]) + np.sum(D * M) * a
        """,
    "array_copied_into_another_then_written": """
        def f(a, M):
            y = np.ones(3)
            D = np.zeros(3)
            np.copyto(D, y)
            y *= a
            return np.sum(y * M[1]) + np.sum(D * M[0]) * a
        """,
}

# a value that carries a derivative holds the view: Python's changes it
REFUSED_OR_RIGHT = {
    # (with respect to x too, the update is one of a value that carries a
    # derivative, in a view its base is read after: refused)
    "view_scaled_in_a_loop": """
        def f(a, x):
            view = x[1:]
            s = 0.0
            for k in range(3):
                s = s + np.sum(np.sin(a * view)) * x[0]
                view *= 0.9
            return s
        """,
    "view_held_by_a_list_with_a_derivative": """
        def f(a, x):
            view = x[1:]
            L = [a * x[1:], view]
            view *= 0.5
            return np.sum(L[0] * L[1])
        """,
    "view_read_by_a_helper_that_keeps_it": """
        def keep(v, out):
            out.append(v)
            return np.sum(v)

        def f(a, x):
            view = x[1:]
            kept = []
            s = keep(view, kept) * a
            view *= 0.5
            return s + np.sum(kept[0]) * a
        """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_an_update_run_as_written_is_right_in_every_mode(name: str) -> None:
    body = PROGRAMS[name]
    params = ["a", "ws" if "ws" in body else "M" if "M" in body else "x"]
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, params, seed=5, program_id=name)
    assert result.klass == "pass", (source, result)


@pytest.mark.parametrize("name", sorted(REFUSED_OR_RIGHT))
def test_an_update_a_derivative_sees_is_never_silently_wrong(name: str) -> None:
    source = HEADER + textwrap.dedent(REFUSED_OR_RIGHT[name])
    result = check_source(source, ["a", "x"], seed=5, program_id=name)
    assert result.klass in ("pass", "refused"), (source, result)


def test_with_respect_to_the_first_parameter_a_view_scaled_in_a_loop_runs():
    source = HEADER + textwrap.dedent(REFUSED_OR_RIGHT["view_scaled_in_a_loop"])
    result = check_source(source, ["a", "x"], seed=5, program_id="loop")
    assert result.modes["grad_first"].status == "pass", (source, result)


def test_an_item_popped_from_a_list_of_the_callers_arrays_is_theirs():
    """``list(ws)`` is a new list of the caller's arrays: an item popped from
    it, updated with values that carry a derivative, was taken for the
    function's own and lowered to a new value, and the caller's array was
    left unchanged (a deviation; long run, seed 901)."""
    body = """
        def f(a, ws):
            L = list(ws)
            u = L.pop(-2)
            for i in range(2):
                u *= np.sin(a * ws[1])
            return 0.6 * a + np.sum(L[0])
        """
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, ["a", "ws"], seed=5, program_id="popped")
    assert result.klass in ("pass", "refused"), (source, result)
