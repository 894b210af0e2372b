import numpy as np


def f(x):
    y = x
    for _ in range(6):
        y = y * 1.3 + 0.1
        if y > 3.0:
            break
    else:
        y = np.sqrt(y) + x
    return y * x
