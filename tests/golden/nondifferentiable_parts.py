import numpy as np


def f(x):
    n = x.shape[0]
    k = np.argmax(x)
    mask = x > 0.0
    return np.sum(np.where(mask, x, 0.0)) * n + x[k] + np.sum(np.floor(x) * x)
