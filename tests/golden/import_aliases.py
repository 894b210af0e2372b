import math

import numpy as onp
from numpy import tanh


def f(x):
    return math.exp(x) * onp.sin(x) + tanh(x) + math.pow(x, 2.0)
