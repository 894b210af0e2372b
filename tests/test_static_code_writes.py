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
