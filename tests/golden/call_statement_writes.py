"""A call made as a statement, its result unused, of a helper that may
write into what it is given (``z *= c`` puts new values into z): the call
is made to ``_scale``'s variant returning z, on a private copy, and ``y``
is rebound to what the helper left there (``written_back``: an array
changed in place, a number as it was), with its derivative."""

import numpy as np


def _scale(z, c):
    if c > 10.0:
        z *= c
    return 0.0


def f(x):
    y = np.sin(x)
    _scale(y, 2.0)
    return np.sum(y * x)
