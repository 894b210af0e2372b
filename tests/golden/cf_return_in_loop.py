import numpy as np


def f(x):
    y = x
    for k in range(10):
        y = y * 1.3 + np.sin(y)
        if y > 5.0:
            return y * k
    return y - 1.0
