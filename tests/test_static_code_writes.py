"""Code run as written, its value carrying no derivative, that calls a
helper writing into a value that carries one.

``c = h(y, b) > 0.5`` is a comparison: its value carries no derivative, so
the statement used to be run as written, and h's write into ``y`` was
hidden from the derivative (the gradient came back silently wrong: 0.54
where finite differences give 1.33). Such calls are now lowered first,
wherever code is run as written (``ConditionLowering._static``): an
assignment, an unpacking, an operand or an index. Each program runs through
every mode against finite differences and against what ``f`` itself
returns and leaves in its arguments (``tests/compose/check.py``).
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_source

HEADER = """import numpy as np


def h(z, c):
    z *= 0.9
    z[1] = np.sin(c + z[0])
    return np.sum(z * z)


"""

PROGRAMS = {
    "comparison_assigned": """
        def f(x, b):
            y = x * 1.0
            c = h(y, b) > 0.5
            if c:
                b = b * 2.0
            return b + np.sum(y ** 2)
        """,
    "comparison_unpacked": """
        def f(x, b):
            y = x * 1.0
            c, k = h(y, b) > 0.5, 2
            return b * k + np.sum(y ** 2)
        """,
    "comparison_in_an_operand": """
        def f(x, b):
            y = x * 1.0
            s = b * float(h(y, b) > 0.5)
            return s + np.sum(y ** 2)
        """,
    "comparison_as_an_index": """
        def f(x, b):
            y = x * 1.0
            t = x[int(h(y, b) > 0.5)]
            return t * b + np.sum(y ** 2)
        """,
    "comparison_as_a_written_index": """
        def f(x, b):
            y = x * 1.0
            u = x * b
            u[int(h(y, b) > 0.5)] = b
            return np.sum(u * y)
        """,
    "comparison_with_a_read_after_the_call": """
        def f(x, b):
            y = x * 1.0
            c = h(y, b) > np.sum(y)
            if c:
                b = b * 2.0
            return b + np.sum(y ** 2)
        """,
    "count_of_a_result": """
        def f(x, b):
            y = np.outer(x, x)
            n = len(np.atleast_1d(h(y, b)))
            return n * b + np.sum(y ** 2)
        """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_writing_call_in_code_run_as_written(name: str) -> None:
    source = HEADER + textwrap.dedent(PROGRAMS[name])
    result = check_source(source, ["x", "b"], seed=3, program_id=name)
    assert result.klass == "pass", (source, result)


def test_a_read_before_a_call_lowered_first_is_refused() -> None:
    """The call is lowered ahead of the code around it, which would then
    read ``y`` after h's write, where Python reads it before (this gave
    the value of f with h's write in np.sum(y))."""
    body = """
        def f(x, b):
            y = x * 1.0
            c = np.sum(y) > h(y, b)
            if c:
                b = b * 2.0
            return b + np.sum(y ** 2)
        """
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, ["x", "b"], seed=3, program_id="read_before")
    assert result.klass == "refused", (source, result)


# An operand that carries no derivative but calls a helper: the derivative
# code ran the call again (in the backward sweep, at each call of a
# pullback, in a tangent), repeating the helper's write into ``y``: vjp's
# gradient and jvp's value came back wrong. It now runs once, into a
# variable (``ConditionLowering._static_operand``).

COUNTING = """import numpy as np


def h1(z):
    z[2] = z[2] + 0.3
    return {"w": 2.0}


"""

RUN_ONCE = {
    "operand": """
        def f(b, x):
            y = np.zeros(3)
            s = b * h1(y)["w"]
            return s * s + np.sum(y * x)
        """,
    "list_item": """
        def f(b, x):
            y = np.zeros(3)
            acc = [b, h1(y)["w"]]
            return acc[0] * acc[1] + np.dot(x, y)
        """,
    "operand_in_a_loop": """
        def f(b, x):
            y = np.zeros(3)
            s = b
            for k in range(2):
                s = s * h1(y)["w"]
            return s + np.dot(x, y)
        """,
}


@pytest.mark.parametrize("name", sorted(RUN_ONCE))
def test_a_call_in_an_operand_runs_once(name: str) -> None:
    source = COUNTING + textwrap.dedent(RUN_ONCE[name])
    result = check_source(source, ["a", "x"], seed=3, program_id=name)
    assert result.klass == "pass", (source, result)
