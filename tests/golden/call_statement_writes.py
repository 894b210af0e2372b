"""A call made as a statement, its result unused, of a helper that may
write into what it is given: the call is made, on a private copy, and
``unwritten`` refuses it as the code runs if the helper did write (the
derivative of ``_scale`` cannot carry a write back)."""

import numpy as np


def _scale(z, c):
    if c > 10.0:
        z *= c
    return 0.0


def f(x):
    y = np.sin(x)
    _scale(y, 2.0)
    return np.sum(y * x)
