import numpy as np


def f(W, h, n):
    for _ in range(n):
        h = np.tanh(W @ h)
    return np.sum(h)


WRT = ("W", "h")
