"""GradBench's "llsq": linear least squares, fitting a polynomial of degree
m-1 with coefficients ``x`` to sign(t) at n points t in [-1, 1], written as a
loop over the n rows. The hand-written gradient is a loop too (as GradBench's
manual tool): the residuals, then minus their sum weighted by the powers.
"""

from __future__ import annotations

import numpy as np


def llsq_objective(x, n):
    powers = np.arange(x.shape[0])
    total = 0.0
    for i in range(n):
        ti = -1.0 + i * 2.0 / (n - 1)
        r = np.sign(ti) - np.sum(x * ti**powers)
        total = total + r * r
    return total / 2


def llsq_grad_by_hand(x, n):
    powers = np.arange(x.shape[0])
    grad = np.zeros_like(x)
    for i in range(n):
        ti = -1.0 + i * 2.0 / (n - 1)
        tp = ti**powers
        grad -= (np.sign(ti) - np.dot(x, tp)) * tp
    return grad


def inputs(n, m, seed=0):
    return np.random.default_rng(seed).random(m), n
