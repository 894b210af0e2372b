"""Control-flow models: a scalar loop, an RNN, an RK4 integrator.

adcompile reads source with ``inspect``, so the functions it differentiates
live here, in a real module. Each ``*_grad_by_hand`` is what a careful user
writes for the same gradient (a reverse loop over saved values); the
benchmarks check adcompile's gradient against it (or against central finite
differences) before timing anything. The same functions are given to
autograd (they use ``np``, which autograd's tracer sees through
``autograd.numpy`` only, so the autograd versions below are copies of the
same code written against ``autograd.numpy``).
"""

import math

import numpy as np

# --- 1. a 100-step scalar loop on a Python float ------------------------------

SCALAR_STEPS = 100


def scalar_loop_np(y):
    for _ in range(100):
        y = np.sin(y) * 0.5 + y * y * 0.1 + 0.3
        y = y / (1 + y * y)
    return y


def scalar_loop_math(y):
    for _ in range(100):
        y = math.sin(y) * 0.5 + y * y * 0.1 + 0.3
        y = y / (1 + y * y)
    return y


def scalar_loop_grad_by_hand(y):
    """Forward loop saving each y, then the reverse loop (pure Python floats)."""
    saved = []
    for _ in range(100):
        saved.append(y)
        u = math.sin(y) * 0.5 + y * y * 0.1 + 0.3
        saved.append(u)
        y = u / (1 + u * u)
    g = 1.0
    for _ in range(100):
        u = saved.pop()
        d = 1 + u * u
        g = g * (d - 2 * u * u) / (d * d)  # d/du of u / (1 + u*u)
        y = saved.pop()
        g = g * (math.cos(y) * 0.5 + 0.2 * y)
    return g


# --- 2. an RNN: h = tanh(x_t @ Wx + h @ Wh + b), loss = mean(h_T ** 2) ---------


def rnn_loss(Wx, Wh, b, X):
    h = np.zeros((X.shape[1], Wh.shape[0]))
    for x_t in X:
        h = np.tanh(x_t @ Wx + h @ Wh + b)
    return np.mean(h * h)


def rnn_grad_by_hand(Wx, Wh, b, X):
    """Backpropagation through time: save each h, walk the steps backwards."""
    T, batch, _ = X.shape
    h = np.zeros((batch, Wh.shape[0]))
    hs = [h]
    for t in range(T):
        h = np.tanh(X[t] @ Wx + h @ Wh + b)
        hs.append(h)
    dh = 2 * h / h.size
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = dh * (1 - h * h)
        dWx += X[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh = da @ Wh.T
    return dWx, dWh, db


def rnn_data(T=50, batch=32, n_in=8, n_hidden=16, seed=0):
    rng = np.random.default_rng(seed)
    Wx = rng.normal(size=(n_in, n_hidden)) / np.sqrt(n_in)
    Wh = rng.normal(size=(n_hidden, n_hidden)) / np.sqrt(n_hidden)
    b = rng.normal(size=n_hidden) * 0.1
    X = rng.normal(size=(T, batch, n_in))
    return Wx, Wh, b, X


# --- 3. RK4 on a damped pendulum, 500 steps -----------------------------------
#
# State y = np.array([theta, omega]); params = np.array([g_over_l, damping]).
# theta' = omega, omega' = -g_over_l * sin(theta) - damping * omega.
# The loss is the final angle squared plus the final angular velocity squared.

RK4_STEPS = 500
RK4_DT = 0.01


def pendulum(y, t, params):
    theta = y[0]
    omega = y[1]
    return np.array([omega, -params[0] * np.sin(theta) - params[1] * omega])


def rk4_loss(y0, params):
    y = y0
    t = 0.0
    dt = 0.01
    for _ in range(500):
        k1 = pendulum(y, t, params)
        k2 = pendulum(y + dt / 2 * k1, t + dt / 2, params)
        k3 = pendulum(y + dt / 2 * k2, t + dt / 2, params)
        k4 = pendulum(y + dt * k3, t + dt, params)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + dt
    return y[0] * y[0] + y[1] * y[1]


def rk4_data():
    return np.array([1.0, 0.0]), np.array([9.81, 0.5])


# --- the same models for autograd (autograd traces autograd.numpy) -------------


def autograd_models():
    """``{name: function}`` written against autograd.numpy (imported lazily)."""
    import autograd.numpy as anp

    def scalar_loop(y):
        for _ in range(100):
            y = anp.sin(y) * 0.5 + y * y * 0.1 + 0.3
            y = y / (1 + y * y)
        return y

    def rnn(Wx, Wh, b, X):
        h = anp.zeros((X.shape[1], Wh.shape[0]))
        for x_t in X:
            h = anp.tanh(x_t @ Wx + h @ Wh + b)
        return anp.mean(h * h)

    def f(y, t, params):
        theta = y[0]
        omega = y[1]
        return anp.array([omega, -params[0] * anp.sin(theta) - params[1] * omega])

    def rk4(y0, params):
        y = y0
        t = 0.0
        dt = 0.01
        for _ in range(500):
            k1 = f(y, t, params)
            k2 = f(y + dt / 2 * k1, t + dt / 2, params)
            k3 = f(y + dt / 2 * k2, t + dt / 2, params)
            k4 = f(y + dt * k3, t + dt, params)
            y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t = t + dt
        return y[0] * y[0] + y[1] * y[1]

    return {"scalar_loop": scalar_loop, "rnn": rnn, "rk4": rk4}
