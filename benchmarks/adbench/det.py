"""GradBench's "det": the determinant by expansion in minors, recursively.

``det_by_minor`` expands along the first row, as cmpad's ``det_of_minor``
(which GradBench ports) does, but on NumPy submatrices rather than index
lists. The hand-written gradient is GradBench's manual one: the cofactor
matrix, each entry the determinant of a minor by the same recursion.
"""

from __future__ import annotations

import numpy as np


def det_by_minor(a):
    n = a.shape[0]
    if n == 1:
        return a[0, 0]
    total = 0.0
    sign = 1.0
    for j in range(n):
        minor = np.concatenate((a[1:, :j], a[1:, j + 1 :]), axis=1)
        total = total + sign * a[0, j] * det_by_minor(minor)
        sign = -sign
    return total


def det_grad_by_hand(a):
    ell = a.shape[0]
    out = np.empty_like(a)
    for i in range(ell):
        rows = np.delete(a, i, axis=0)
        for j in range(ell):
            out[i, j] = (-1.0) ** (i + j) * det_by_minor(np.delete(rows, j, axis=1))
    return out


def inputs(ell, seed=0):
    return (np.random.default_rng(seed).random((ell, ell)),)
