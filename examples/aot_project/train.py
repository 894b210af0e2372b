"""Fit the pendulum with the gradient built ahead of time: numpy only.

Run ``python train.py`` here; ``adcompile build`` regenerates
``pendulum/fit_grad.py`` after ``pendulum/*.py`` change.
"""

import numpy as np

from pendulum.dynamics import simulate
from pendulum.fit import DT, STEPS
from pendulum.fit_grad import value_and_grad_loss

true_params = np.array([2.0, 0.3])
state0 = np.array([1.0, 0.0])
observed = simulate(true_params, state0, DT, STEPS)

params = np.array([1.5, 0.1])
for step in range(200):
    value, gradient = value_and_grad_loss(params, state0, observed)
    params = params - 0.5 * gradient
print(f"loss {value:.2e}, omega {params[0]:.3f}, damping {params[1]:.3f}")
