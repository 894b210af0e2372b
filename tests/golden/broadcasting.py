import numpy as np


def f(a, b):
    c = a * b + a / b
    return np.sum(c**2)


WRT = ("a", "b")
