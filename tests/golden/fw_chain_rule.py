import numpy as np


def f(W, b, x):
    z = W @ x + b
    s = 1.0 / (1.0 + np.exp(-z))
    return np.sum(s * s)


WRT = ("W", "b")
KIND = "jvp"
