import numpy as np


def f(x):
    s = np.sum(x * x)
    if s > 4.0:
        return np.sqrt(s)
    if s < 0.1:
        return s
    y = np.sin(x) * s
    return np.sum(y)
