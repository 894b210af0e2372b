import numpy as np


def f(x):
    m = x.mean(axis=0, keepdims=True)
    centered = x - m
    return np.sum(np.max(centered**2, axis=1))
