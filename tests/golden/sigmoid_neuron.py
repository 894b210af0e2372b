import numpy as np


def f(w, x, b):
    z = np.dot(w, x) + b
    s = 1.0 / (1.0 + np.exp(-z))
    return s


WRT = ("w", "b")
