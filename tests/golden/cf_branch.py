import numpy as np


def f(x, w):
    z = x @ w
    if z > 0:
        y = np.tanh(z) * x
    elif z > -1.0:
        y = z * x
    else:
        y = np.exp(z) * w
    return np.sum(y * y)


WRT = ("x", "w")
