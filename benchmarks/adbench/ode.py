"""GradBench's "ode": fourth-order Runge-Kutta on y' = f(x, y), with
f(x, y)[0] = x[0] and f(x, y)[i] = x[i] * y[i-1]; y(0) = 0, t in [0, 2],
``s`` steps. The objective is the last component of y at t = 2, its gradient
wrt x. The hand-written gradient is the discrete adjoint of the same RK4
steps (GradBench's manual tool differentiates the exact solution instead,
which the discrete solution only approximates).
"""

from __future__ import annotations

import numpy as np


def ode_fun(x, y):
    return np.concatenate((x[:1], x[1:] * y[:-1]))


def ode_objective(x, s):
    tf = 2.0
    h = tf / s
    y = np.zeros_like(x)
    for _ in range(s):
        k1 = ode_fun(x, y)
        k2 = ode_fun(x, y + h / 2 * k1)
        k3 = ode_fun(x, y + h / 2 * k2)
        k4 = ode_fun(x, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y[-1]


def _fun_vjp(x, y, v):
    """(d/dx, d/dy) of <v, ode_fun(x, y)>."""
    dx = v * np.concatenate((np.ones(1), y[:-1]))
    dy = np.concatenate(((x[1:] * v[1:]), np.zeros(1)))
    return dx, dy


def ode_grad_by_hand(x, s):
    h = 2.0 / s
    y = np.zeros_like(x)
    saved = []
    for _ in range(s):
        k1 = ode_fun(x, y)
        y2 = y + h / 2 * k1
        k2 = ode_fun(x, y2)
        y3 = y + h / 2 * k2
        k3 = ode_fun(x, y3)
        y4 = y + h * k3
        k4 = ode_fun(x, y4)
        saved.append((y, y2, y3, y4))
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    dx = np.zeros_like(x)
    dy = np.zeros_like(x)
    dy[-1] = 1.0
    for y, y2, y3, y4 in reversed(saved):
        dk4 = h / 6 * dy
        gx, dy4 = _fun_vjp(x, y4, dk4)
        dx += gx
        dk3 = h / 3 * dy + h * dy4
        gx, dy3 = _fun_vjp(x, y3, dk3)
        dx += gx
        dk2 = h / 3 * dy + h / 2 * dy3
        gx, dy2 = _fun_vjp(x, y2, dk2)
        dx += gx
        dk1 = h / 6 * dy + h / 2 * dy2
        gx, dy1 = _fun_vjp(x, y, dk1)
        dx += gx
        dy = dy + dy4 + dy3 + dy2 + dy1
    return dx


def inputs(n, s, seed=0):
    return np.random.default_rng(seed).random(n), s
