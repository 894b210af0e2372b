"""Loops marked with ``adcompile.checkpoint``, for tests/test_checkpoint.py.

The test module also reads this file with every marker taken off (the same
loops, recorded step by step), so each function here has a plain twin.
"""

import dataclasses

import numpy as np

import adcompile
from adcompile import checkpoint


def pendulum_rhs(y, damping):
    return np.array([y[1], -np.sin(y[0]) - damping * y[1]])


def several_arrays(x, A, c, n):
    h = x
    v = np.zeros_like(x)
    s = 0.0
    for _i in adcompile.checkpoint(range(n), snapshots=3):
        z = A @ h
        if np.sum(z) > 0:
            v = v + 0.5 * z * c
        else:
            v = v - np.tanh(z)
        h = h + 0.1 * v
        s = s + np.sum(h**2) * c
    return s + np.sum(v * h)


def helper_call(y, damping, n):
    dt = 0.05
    for _ in checkpoint(range(n), snapshots=2):
        k1 = pendulum_rhs(y, damping)
        k2 = pendulum_rhs(y + 0.5 * dt * k1, damping)
        y = y + dt * k2
    return y[0] ** 2 + y[1]


def made_in_the_step(x, n):
    h = x
    for _i in checkpoint(range(n)):
        z = np.zeros(3)
        z[0] = h[1]
        z[1] = h[2] * h[0]
        z[2] = 1.0
        h = 0.9 * h + 0.1 * z
    return np.sum(h)


def scratch_without_derivative(x, n):
    h = x
    for i in checkpoint(range(n), snapshots=2):
        mask = np.zeros(3, dtype=bool)
        mask[i % 3] = True
        h = np.where(mask, h * 1.1, np.cos(h))
    return np.sum(h**2)


def with_continue(x, n):
    h = x
    acc = 0.0
    for i in checkpoint(range(n), snapshots=4):
        if i % 3 == 0:
            acc = acc + np.sum(h)
            continue
        h = np.cos(h) * 1.01
    return acc + np.sum(h * h)


def reads_by_index(x, xs, n):
    h = x
    for i in checkpoint(range(n), snapshots=2):
        h = np.tanh(h + xs[i % len(xs)] * h)
    return np.sum(h)


def over_rows(X, w):
    h = 0.0
    for row in checkpoint(X, snapshots=2):
        h = np.tanh(h + row @ w)
    return h


def inner_loop(x, n):
    h = x
    for _i in checkpoint(range(n), snapshots=3):
        t = h
        for _j in range(2):
            t = np.sin(t) + 0.5 * t
        h = 0.5 * (h + t)
    return np.sum(h)


def overwritten_after(x, n):
    c = 2.0 * x
    h = x
    for _i in checkpoint(range(n), snapshots=2):
        h = np.sin(h + c)
    c = c * 3.0
    return np.sum(h) + np.sum(c)


def list_of_steps(x, n):
    h = x
    outs = []
    for _i in checkpoint(range(n), snapshots=2):
        h = np.sin(h) * 1.1
        outs.append(h)
    return sum(np.sum(o) for o in outs)


def long_loop(x, n):
    h = x
    for _i in checkpoint(range(n)):
        h = np.tanh(h * 0.9 + 0.1)
    return np.sum(h)


def enumerated_rows(x, X):
    h = x
    for i, row in checkpoint(enumerate(X), snapshots=2):
        h = np.tanh(h * row + 0.1 * i)
    return np.sum(h)


def in_a_branch(x, n, flag):
    h = x
    if flag:
        for _ in checkpoint(range(n), snapshots=2):
            h = np.sin(h) + 0.5
    else:
        h = h * 2.0
    return np.sum(h)


def two_loops(x, n):
    h = x
    for _ in checkpoint(range(n), snapshots=2):
        h = np.sin(h) + 0.5
    g = h * 2.0
    for _ in checkpoint(range(n), snapshots=3):
        g = np.cos(g) * h
    return np.sum(g)


def checkpointed_inside(h, n):
    for _ in checkpoint(range(n), snapshots=2):
        h = np.sin(h) * 1.1
    return h


def called_in_a_loop(x, n):
    h = x
    for _ in range(3):
        h = checkpointed_inside(h, n) + 0.1
    return np.sum(h)


def counter_without_derivative(x, n):
    h = x
    k = 0
    for _ in checkpoint(range(n), snapshots=2):
        k = k + 1
        h = np.sin(h) * k * 0.1 + h
    return np.sum(h)


def first_made_in_a_step(x, n):
    h = x
    for i in checkpoint(range(n), snapshots=2):
        if i > 0:
            h = h + previous * 0.5  # noqa: F821 - made by the step before
        previous = np.sin(h)  # noqa: F841 - read by the next step
    return np.sum(h)


def reassigned_in_the_loop(x, n):
    t = np.sin(x)
    s = np.sum(t * x)
    h = x
    for _ in checkpoint(range(n), snapshots=2):
        t = np.cos(h)
        h = h * t
    return s + np.sum(h) + np.sum(t)


@dataclasses.dataclass
class Stepper:
    def step(self, h):
        out = np.sin(h) + h
        h[0] = 0.5 * h[1]  # writes into what it is given
        return out

    def combine(self, h, w):
        return np.tanh(h * w)


def method_writes_its_argument(x, stepper, n):
    h = x * 1.0
    for _ in checkpoint(range(n), snapshots=2):
        h = stepper.step(h) * 0.5
    return np.sum(h)


@dataclasses.dataclass
class Pendulum:
    damping: float

    def rhs(self, y, t):
        return np.array([y[1], -np.sin(y[0]) * (1.0 + 0.1 * t) - self.damping * y[1]])


def method_with_carried_time(y, pendulum, n):
    t = 0.0
    for _ in checkpoint(range(n), snapshots=3):
        y = y + 0.01 * pendulum.rhs(y, t)
        t = t + 0.01
    return y[0] ** 2 + y[1]
