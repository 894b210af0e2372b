import numpy as np


def f(a, b):
    s = np.stack([a, b * 2.0], axis=0)
    c = np.concatenate([a, s[1]], axis=0)
    return np.sum(s**2) + np.sum(np.clip(c, 0.0, None))


WRT = ("a", "b")
