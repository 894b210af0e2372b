"""Rules of products of arrays: dot, matmul, outer."""

from __future__ import annotations

from .registry import defrule

defrule("np.matmul", "a, b", a="matmul_left(g, a, b)", b="matmul_right(g, a, b)")
defrule("np.dot", "a, b", a="dot_left(g, a, b)", b="dot_right(g, a, b)")
defrule(
    "np.outer",
    "a, b",
    a="np.reshape(g @ np.ravel(b), np.shape(a))",
    b="np.reshape(np.ravel(a) @ g, np.shape(b))",
)
