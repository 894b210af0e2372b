"""A write into the array a dataclass's field holds: the object is rebuilt
around the new array (with_field), and the caller's object gets it."""

import dataclasses

import numpy as np


@dataclasses.dataclass
class Lin:
    W: np.ndarray
    b: np.ndarray


def f(x, P):
    P.b[0] = x[0] * P.b[1]
    return np.sum(P.W @ x) + np.sum(P.b * x)


WRT = (0, 1)
