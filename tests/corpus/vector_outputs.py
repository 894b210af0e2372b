"""Programs with a vector output (checked through ``adcompile.vjp``)."""

import numpy as np

from . import Case

RNG = np.random.default_rng(13)
W = RNG.standard_normal((3, 3)) * 0.5
XS = RNG.standard_normal((4, 3))


def rnn_state(W, xs):
    h = np.zeros(3)
    for x in xs:
        h = np.tanh(W @ h + x)
    return h


def newton_sqrt_elementwise(a):
    x = a
    count = 0
    while np.max(np.abs(x * x - a)) > 1e-12 and count < 50:
        x = 0.5 * (x + a / x)
        count += 1
    return x


def branch_returns_vector(x):
    if np.sum(x) > 0:
        return np.sin(x) * x
    return np.cos(x)


def cumulative_with_break(x):
    y = x
    for k in range(6):
        y = y + np.sin(y) * 0.5
        if np.max(y) > 2.0:
            break
    return y * k


CASES = [
    Case(rnn_state, (W, XS), wrt=(0, 1)),
    Case(newton_sqrt_elementwise, (np.array([2.0, 0.5, 9.0]),)),
    Case(branch_returns_vector, (np.array([0.4, -1.2, 0.9]),), label="then"),
    Case(branch_returns_vector, (np.array([-0.4, -1.2, 0.9]),), label="else"),
    Case(
        cumulative_with_break,
        (np.array([0.4, -1.2, 0.9]),),
    ),
]
