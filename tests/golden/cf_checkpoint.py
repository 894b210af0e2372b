import numpy as np

import adcompile


def f(W, h, n):
    for _ in adcompile.checkpoint(range(n), snapshots=4):
        h = np.tanh(W @ h)
    return np.sum(h)


WRT = ("W", "h")
