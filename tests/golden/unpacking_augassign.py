import numpy as np


def f(x):
    a, b = np.sin(x), np.cos(x)
    total = a * b
    total += a
    total *= 2.0
    return np.sum(total)
