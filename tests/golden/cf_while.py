import numpy as np


def f(a):
    x = a
    count = 0
    while np.abs(x * x - a) > 1e-10 and count < 50:
        x = 0.5 * (x + a / x)
        count += 1
    return x
