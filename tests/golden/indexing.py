import numpy as np


def f(x, i):
    first = x[0]
    tail = x[1:, ::2]
    picked = x[i, -1]
    return np.sum(first) + np.sum(tail) + picked
