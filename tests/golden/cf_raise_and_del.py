import numpy as np


def f(x, n):
    if np.any(x <= 0.0):
        raise ValueError("x must be positive")
    y = np.log(x)
    for i in range(n):
        scale = 0.5 * (i + 1)
        y = y * np.tanh(y) + scale
        if np.max(y) > 1e6:
            raise OverflowError(f"y grew past 1e6 at step {i}")
        del scale
    return np.sum(y)
