"""A helper that writes into its parameter and then gives the name a new
value (``A[1, :] = ...`` then ``A = A - ...``): the caller's array holds
the writes made before, and nothing after. Such a call was refused where
the caller read the array again; now h's variant keeps the caller's
object under a name of its own just before the line that rebinds it
(``written_returns.captured``), and returns that. A rebinding anywhere
else (in a branch, a loop, on a line with a return) is still refused, and
writes made after the rebinding (into the new value, or through a view
of the old object) are right as in Python, or refused.

Every program runs through ``tests/compose/check.py``: each mode against
finite differences, and the arguments as ``f`` leaves them, the module
``adcompile build`` writes for it too.
"""

from __future__ import annotations

import pytest

from tests.compose.check import MODES, check_body

RIGHT = {
    "written_then_rebound": (
        ["a", "M"],
        """
        def h(A, c):
            A[1, :] = 0.5 * A[1] + 0.5 * np.tanh(A[0] * c)
            A = A - 0.25 * np.sin(A * c)
            return np.sum(A ** 2) * c

        def f(a, M):
            r = h(M, a)
            return r + 0.2 * np.sum(M * M)
        """,
    ),
    "early_return_before_the_rebinding": (
        ["a", "x"],
        """
        def h(z, c):
            z[0] = z[1] * c
            if c > 5.0:
                return np.sum(z)
            z = z * 2.0
            return np.sum(z * z)

        def f(a, x):
            t = h(x, a)
            return t * np.sum(x)
        """,
    ),
    "rebound_twice": (
        ["a", "x"],
        """
        def h(z, c):
            z[1:] = z[1:] * c
            z = z + 1.0
            z = z * z
            return np.sum(z)

        def f(a, x):
            return h(x, a) + np.sum(np.cos(x))
        """,
    ),
    "written_in_a_loop_then_rebound": (
        ["a", "x"],
        """
        def h(z, c):
            for i in range(2):
                z[i] = z[i + 1] * c
            z = np.sin(z)
            return np.sum(z)

        def f(a, x):
            u = h(x, a)
            return u + np.sum(x * x)
        """,
    ),
}

RIGHT["helper_replacing_a_list_item_and_reading_another"] = (
    ["ws", "a"],
    """
    def h(L, c):
        L[0] = L[0] * c  # (a new array into the list: np.sum(L[1]) writes nothing)
        return np.sum(L[1])

    def f(ws, a):
        s = h(ws, a)
        return s + np.sum(ws[0] * ws[1])
    """,
)

RIGHT["helper_writes_into_a_new_value_then_into_the_parameter"] = (
    ["a", "b", "M"],
    """
    def h(A, c):
        A[1, :] = 0.5 * A[1] + 0.5 * np.tanh(np.sin(A[0] / (1.0 + c**2)))
        L = [np.tanh(A[0]) for j in range(2)]
        A = A - 0.25 * np.sin((A[0] + A[1, 0]) * (c * A))
        return {"b": np.tanh(c - 0.2 * np.dot(A[0], A[1])) + L[0][1]}

    def f(a, b, M):
        h(M * M[0, 0], b)  # (writes into a new array: M stays the function's own)
        return np.tanh(h(M, a)["b"]) + 0.2 * np.sum(M * M)
    """,
)

REFUSED_OR_RIGHT = {
    # a new list holding x, whose item the helper changes in place: x changes
    "helper_writes_into_an_item_of_a_new_list": (
        ["a", "x"],
        """
        def h(A, c):
            A[0] += c
            return 0.0

        def f(a, x):
            h([x, 2.0 * x], a)
            return np.sum(x * x)
        """,
    ),
    # (purity reads a write through a rebound parameter's name as one that
    # may reach any argument: refused)
    "written_then_rebound_then_written_again": (
        ["a", "M"],
        """
        def h(A, c):
            A *= np.cos(c)
            A = np.tanh(A)
            A[0, 0] = c  # (the new array: the caller's is not changed)
            return np.sum(A)

        def f(a, M):
            s = np.sin(h(M, a))
            M[1] = M[1] * s
            return np.sum(M ** 2) + s
        """,
    ),
    # a view of the caller's array, written after the rebinding
    "rebound_to_a_view_then_written": (
        ["a", "x"],
        """
        def h(z, c):
            z[0] = c
            z = z[1:]
            z *= c
            return np.sum(z)

        def f(a, x):
            return h(x, a) * np.sum(x)
        """,
    ),
    "rebound_in_a_branch": (
        ["a", "x"],
        """
        def h(z, c):
            z[0] = c * z[2]
            if c > 0.0:
                z = z * 2.0
            return np.sum(z)

        def f(a, x):
            return h(x, a) * np.sum(x)
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_write_before_the_rebinding_reaches_the_caller(name: str) -> None:
    params, body = RIGHT[name]
    result = check_body(body, params, seed=5, program_id=name, modes=MODES)
    assert result.klass == "pass", (body, result)


@pytest.mark.parametrize("name", sorted(REFUSED_OR_RIGHT))
def test_other_rebindings_are_right_or_refused(name: str) -> None:
    params, body = REFUSED_OR_RIGHT[name]
    result = check_body(body, params, seed=5, program_id=name, modes=MODES)
    assert result.klass in ("pass", "refused"), (body, result)
