"""Values that carry no derivative, read by the backward sweep, and changed
in place by the function after that read.

Differentiated with respect to some parameters only, the others carry no
derivative and the code on them runs as written. A derivative that reads
one of them (``P.W`` in the pullback of ``P.W @ u``) reads it when the
backward sweep runs: after the function changed it in place, here through
a helper called in a ``return`` (``h(getattr(P, "W"), ...)``). The
gradient came back silently wrong. Now every call in any expression counts
as a write (``values.written_anywhere``, also through ``getattr``), and
such a value is kept as it is when read (``snapshot``, in its own memory
layout, so that what is computed from it is equal to the bit; a
dataclass's fields too).

Every program runs through ``tests/compose/check.py``; ``grad_first``
differentiates with respect to the first parameter only.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_body

LIN = """
import dataclasses

@dataclasses.dataclass
class Lin:
    W: np.ndarray
    b: np.ndarray

    def apply(self, z):
        return self.W.T @ (self.W @ z)
"""

PROGRAMS = {
    # (with respect to every parameter, the second call is refused: it
    # writes into P.W and reads P; with respect to a, it runs as written)
    "field_written_by_a_later_call_in_the_return": (
        ["a", "P", "M"],
        LIN + textwrap.dedent("""
        def h1(A, z, model):
            A[1] = Lin.apply(model, z)
            return np.mean(A[0])

        def f(a, P, M):
            u0 = a + np.arange(3.0)
            c8 = h1(M, getattr(P, "W").T @ (P.W @ u0), P)
            buf9 = np.zeros(3)
            return h1(getattr(P, "W"), buf9, P) + np.sum(M)
        """),
    ),
    "item_read_then_written_by_a_call": (
        ["a", "ws"],
        """
        def g(A, z):
            A[0] = z[1] * 2.0
            return np.sum(A)

        def f(a, ws):
            s = a * ws[0]
            t = g(ws[0], ws[1])
            return np.sum(s * s) + t
        """,
    ),
    "row_read_then_written_by_a_call_in_a_condition": (
        ["a", "M"],
        """
        def g(A):
            A[1] = A[0] * 2.0
            return np.sum(A)

        def f(a, M):
            s = a * M[1]
            if g(M) > 0.0:
                s = s * 2.0
            return np.sum(s * s)
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_value_changed_after_it_is_read_keeps_its_old_derivative(name: str) -> None:
    params, body = PROGRAMS[name]
    result = check_body(textwrap.dedent(body), params, seed=1, program_id=name)
    assert result.modes["grad_first"].status == "pass", result
    assert result.klass in ("pass", "refused"), result
