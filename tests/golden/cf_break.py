import numpy as np


def f(x):
    y = x
    s = 0.0
    for k in range(10):
        y = y * 1.3 + np.sin(y)
        if y > 5.0:
            break
        s = s + y * k
    return s + y
