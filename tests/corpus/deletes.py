"""``del`` of names: left out where no later code reads the name, refused
where a later read, an in-place change or the backward sweep needs it."""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])


def del_scratch(x, n):
    scale = n * 2
    ones = np.ones(1000)
    y = np.sin(x) * scale + np.sum(ones) * 0.001
    del ones, scale
    return np.sum(y * y)


def del_then_rebind(x):
    k = 3.0
    y = x * k
    del k
    k = np.cos(x)
    return np.sum(y * k)


def del_at_loop_end(x):
    s = 0.0
    for i in range(4):
        t = i * 0.5
        s = s + np.sin(x * t)
        del t
    return np.sum(s)


def del_in_branch(x):
    y = np.tanh(x)
    if np.sum(y) > 0:
        mask = y > 0
        y = np.where(mask, y, 0.0)
        del mask
    return np.sum(y * x)


def del_active(x):
    y = np.sin(x)
    z = y * y
    del y
    return np.sum(z)


def del_then_read_in_next_iteration(x):
    s = 0.0
    t = 1.0
    for i in range(3):
        s = s + x * t
        del t
    return np.sum(s)


def del_item(x):
    weights = [1.0, 2.0]
    del weights[0]
    return np.sum(x * weights[0])


def del_read_by_nested_function(x):
    k = 2.0

    def scaled(v):
        return v * k  # noqa: F821 (k is deleted below: the program is refused)

    del k
    return np.sum(x * x)


CASES = [
    Case(del_scratch, (X3, 3)),
    Case(del_then_rebind, (X3,)),
    Case(del_at_loop_end, (X3,)),
    Case(del_in_branch, (X3 + 1.0,), label="then"),
    Case(del_in_branch, (X3 - 1.0,), label="else"),
]

REFUSED = [
    Case(del_active, (X3,)),
    Case(del_then_read_in_next_iteration, (X3,)),
    Case(del_item, (X3,)),
    Case(del_read_by_nested_function, (X3,)),
]
