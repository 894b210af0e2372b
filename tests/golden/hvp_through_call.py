import numpy as np


def energy(y):
    return np.sum(y * y)


def f(a):
    return energy(np.sin(a))


KIND = "hvp"
