"""A write through a view changes the array it views (normal/views.py):
the write goes into a copy of the view, the copy into y[1:], and the view
is read again."""

import numpy as np


def f(x):
    y = np.sin(x)
    v = y[1:]
    v[0] = np.cos(x[0]) * 3.0
    return np.sum(y * x) + np.sum(v * v)
