"""An item of a list written in place: ``L[0] = L[0] * b``.

The write is lowered to a new list (``with_item``) whose other items stay
the objects they were, and whose tangent is the same write into the
list's tangent (``with_item(dL, i, dv)``, a list that a join still
concatenates). Before, the list was made one array
(``np.array(L)``): a list holding an array and a number crashed inside the
runtime, and a list of equal arrays came back to the caller as rows of one
array. Each program runs through every mode against finite differences,
and against what ``f`` returns and leaves in its arguments.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_source

PROGRAMS = {
    "array_and_number": """
        def f(x, b):
            L = [x * 1.0, b]
            L[0] = L[0] * b
            return np.sum(L[0]) * L[1]
        """,
    "written_by_a_helper": """
        def g(L, b):
            L[0] = L[0] * b

        def f(x, b):
            L = [x * 1.0, b]
            g(L, b)
            return np.sum(L[0]) * L[1]
        """,
    "a_number_item": """
        def f(x, b):
            L = [x * 1.0, b]
            L[1] = L[1] * np.sum(x)
            return np.sum(L[0]) * L[1]
        """,
    "written_in_a_loop": """
        def f(x, b):
            L = [x * 1.0, x * b, b]
            for k in range(2):
                L[k] = np.tanh(L[k] * L[2])
            return np.sum(L[0] * L[1])
        """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_list_item_written(name: str) -> None:
    source = "import numpy as np\n\n\n" + textwrap.dedent(PROGRAMS[name])
    result = check_source(source, ["x", "b"], seed=3, program_id=name)
    assert result.klass == "pass", (source, result)


def _scaled_first(x, L):
    L[0] = L[0] * x
    return np.sum(L[0]) * L[1]


def test_a_list_parameter_keeps_its_items() -> None:
    """The caller's list holds what ``f`` leaves there, the number a number,
    and its tangent is a list of the items' tangents."""
    L = [np.ones(2), 3.0]
    value, grad = adcompile.value_and_grad(_scaled_first, wrt=(0, 1))(0.5, L)
    assert value == _scaled_first(0.5, [np.ones(2), 3.0])
    assert isinstance(L[1], float) and np.allclose(L[0], 0.5)
    assert np.isclose(grad[0], 6.0)
    assert np.allclose(grad[1][0], 1.5) and np.isclose(grad[1][1], 1.0)
    primal = (0.5, [np.ones(2), 3.0])
    _, tangent = adcompile.jvp(_scaled_first, primal, (1.0, [np.zeros(2), 1.0]))
    assert np.isclose(tangent, 6.0 + 1.0)
