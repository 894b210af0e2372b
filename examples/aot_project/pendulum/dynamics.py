"""The pendulum's equations of motion and an RK4 integrator."""

import numpy as np


def rhs(state, params):
    """d/dt of (angle, angular velocity); params = (omega, damping)."""
    theta, velocity = state[0], state[1]
    omega, damping = params[0], params[1]
    return np.array([velocity, -(omega**2) * np.sin(theta) - damping * velocity])


def simulate(params, state0, dt, steps):
    """The angle at every step of an RK4 integration."""
    state = state0
    angles = [state[0]]
    for _ in range(steps):
        k1 = rhs(state, params)
        k2 = rhs(state + 0.5 * dt * k1, params)
        k3 = rhs(state + 0.5 * dt * k2, params)
        k4 = rhs(state + dt * k3, params)
        state = state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        angles.append(state[0])
    return np.array(angles)
