import numpy as np


def f(x):
    head = [x[0], np.sin(x[1])]
    both = head + [x[2] * 2.0]
    ordered = sorted(both, reverse=True)
    return ordered[0] * ordered[1] + ordered[2]
