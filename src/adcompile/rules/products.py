"""Rules of products of arrays: dot, matmul, outer."""

from __future__ import annotations

from .registry import defrule

defrule("np.matmul", "a, b", a="matmul_left(g, a, b)", b="matmul_right(g, a, b)")
defrule("np.dot", "a, b", a="dot_left(g, a, b)", b="dot_right(g, a, b)")
defrule(
    "np.outer",
    "a, b",
    a="outer_left(g, a, b)",
    b="outer_right(g, a, b)",
)
