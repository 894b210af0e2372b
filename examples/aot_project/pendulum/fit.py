"""The loss that is differentiated: it calls the integrator of a sibling
module (a package-relative import), which calls the right-hand side."""

import numpy as np

from .dynamics import simulate

DT = 0.1
STEPS = 40


def loss(params, state0, observed):
    predicted = simulate(params, state0, DT, STEPS)
    return np.mean((predicted - observed) ** 2)
