"""Fit the parameters of an ODE by differentiating through an RK4 integrator.

The model is a damped pendulum, ``theta'' = -omega**2 sin(theta) - c theta'``,
written as a first-order system in ``rhs``. ``simulate`` integrates it with the
classical Runge-Kutta scheme, calling ``rhs`` four times per step inside a
``for`` loop; ``loss`` compares the simulated angle with noisy observations.
adcompile differentiates all of it (the loop, the four calls per step, the
list of states) and gradient descent recovers the parameters. Run
``python examples/ode_fit.py``.
"""

import numpy as np

import adcompile

DT = 0.1
STEPS = 60


def rhs(state, params):
    """d/dt of (angle, angular velocity); params = (omega, damping)."""
    theta, velocity = state[0], state[1]
    omega, damping = params[0], params[1]
    return np.array([velocity, -(omega**2) * np.sin(theta) - damping * velocity])


def simulate(params, state0, dt, steps):
    """The angle at every step of an RK4 integration, as an array."""
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


def loss(params, state0, observed):
    predicted = simulate(params, state0, DT, STEPS)
    return np.mean((predicted - observed) ** 2)


def fit(steps=100, lr=0.5, seed=0):
    true_params = np.array([2.0, 0.3])
    state0 = np.array([1.0, 0.0])
    rng = np.random.default_rng(seed)
    observed = simulate(true_params, state0, DT, STEPS)
    observed = observed + 0.01 * rng.normal(size=observed.shape)

    params = np.array([1.5, 0.1])  # initial guess
    value_and_grad = adcompile.value_and_grad(loss)
    value, g = value_and_grad(params, state0, observed)
    print(f"start: omega={params[0]:.3f} damping={params[1]:.3f} loss={value:.5f}")

    # The gradient agrees with central finite differences:
    eps = 1e-6
    fd = [
        (
            loss(params + eps * e, state0, observed)
            - loss(params - eps * e, state0, observed)
        )
        / (2 * eps)
        for e in np.eye(len(params))
    ]
    error = np.max(np.abs(g - fd))
    print(f"gradient check: max |adcompile - finite differences| = {error:.1e}")

    for _ in range(steps):
        value, g = value_and_grad(params, state0, observed)
        params = params - lr * g
    value = loss(params, state0, observed)
    print(f"end:   omega={params[0]:.3f} damping={params[1]:.3f} loss={value:.5f}")
    print(f"true:  omega={true_params[0]:.3f} damping={true_params[1]:.3f}")
    return params, true_params


if __name__ == "__main__":
    fit()
