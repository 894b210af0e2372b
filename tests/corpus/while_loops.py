"""``while`` loops with data-dependent conditions."""

import numpy as np

from . import Case

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 3))


def newton_sqrt(a):
    """Newton's iteration for sqrt(a), to a tolerance."""
    x = a
    count = 0
    while np.max(np.abs(x * x - a)) > 1e-10 and count < 50:
        x = 0.5 * (x + a / x)
        count += 1
    return x


def newton_sqrt_vector(a):
    x = a
    count = 0
    while np.max(np.abs(x * x - a)) > 1e-10 and count < 50:
        x = 0.5 * (x + a / x)
        count += 1
    return np.sum(x * a)


def grow_until(x):
    """The trip count depends on the value of x."""
    y = x
    while y < 10.0:
        y = y * 1.5 + x
    return y


def shrink_array_until(v, w):
    """The condition reads an array."""
    k = 0
    while np.max(np.abs(v)) > 0.1 and k < 20:
        v = v * 0.5 + 0.01 * w
        k = k + 1
    return np.sum(v * w)


def while_true_with_break(x):
    y = x
    while True:
        y = y * y + 0.5
        if y > 5.0:
            break
    return y


def while_with_continue(x):
    y = x
    k = 0
    while k < 6:
        k = k + 1
        if k % 3 == 0:
            continue
        y = np.sin(y) + x * k
    return y


def while_in_for(X):
    s = 0.0
    for row in X:
        k = 0
        while np.sum(row**2) > 1.0 and k < 5:
            row = row * 0.7
            k = k + 1
        s = s + np.sum(row)
    return s


def while_in_while(x):
    y = x
    i = 0
    while i < 3:
        j = 0
        while y < 4.0 and j < 10:
            y = y + x * 0.5
            j = j + 1
        y = y / 3.0
        i = i + 1
    return y


def fixed_point_iteration(a):
    x = a * 0.0
    x_old = x + 1.0
    while np.abs(x - x_old) > 1e-12:
        x_old = x
        x = np.cos(x) * a
    return x


def while_with_branch(x):
    y = x
    k = 0
    while k < 5:
        if y > 1.0:
            y = np.sqrt(y) + x
        else:
            y = y * 2.0 + np.sin(x)
        k += 1
    return y


def trip_count_from_value(x):
    """The body does not touch x; the trip count (and so the result) does."""
    k = 0
    while k < x * 3.0:
        k = k + 1
    return x * k


def while_no_trips(x):
    y = x
    while y > 100.0:
        y = y * 0.5
    return y * y


def while_use_then_update(x):
    t = 0.0
    s = x
    k = 0
    while k < 3:
        t = t + np.sin(s)
        s = s * 1.1
        k = k + 1
    return t


def while_on_iterate_and_counter(x):
    """`and` in the while test: conditions are not differentiated."""
    v = x
    count = 0
    while v < 3.0 and count < 5:
        v = v + np.exp(v) * 0.2
        count += 1
    return v * x


CASES = [
    Case(newton_sqrt, (2.0,), label="2"),
    Case(newton_sqrt_vector, (np.array([2.0, 0.5, 9.0]),)),
    Case(grow_until, (0.7,)),
    Case(
        shrink_array_until,
        (np.array([1.5, -0.7, 2.3]), np.array([0.3, 0.5, -0.2])),
        wrt=(0, 1),
    ),
    Case(while_true_with_break, (0.9,)),
    Case(while_with_continue, (0.4,)),
    Case(while_in_for, (X,)),
    Case(while_in_while, (0.9,)),
    Case(fixed_point_iteration, (0.8,)),
    Case(while_with_branch, (0.4,), label="small"),
    Case(while_with_branch, (1.3,), label="large"),
    Case(trip_count_from_value, (0.9,)),
    Case(while_no_trips, (0.9,)),
    Case(while_use_then_update, (0.7,)),
    Case(while_on_iterate_and_counter, (0.2,)),
]
