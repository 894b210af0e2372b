"""``break`` and ``continue`` on data-dependent conditions."""

import numpy as np

from . import Case

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 3))
W = np.array([0.5, -0.3, 0.8])


def break_on_threshold(x):
    y = x
    for _ in range(10):
        y = y * x + 0.1
        if y > 3.0:
            break
    return y


def break_with_code_after_if(x):
    """Statements after the `if ...: break` run only when it does not break."""
    y = x
    s = 0.0
    for k in range(8):
        y = y * 1.3
        if y > 2.0:
            break
        s = s + np.sin(y) * k
    return s + y


def continue_skips_even(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x**i
    return s


def continue_on_data(X, w):
    s = 0.0
    for row in X:
        z = row @ w
        if z < 0:
            continue
        s = s + np.tanh(z)
    return s


def break_on_data_row(X, w):
    s = 0.0
    for row in X:
        s = s + np.sum(row * w)
        if s > 1.0:
            break
    return s * s


def break_inner_loop_only(x):
    y = x
    for i in range(3):
        for j in range(10):
            y = y + np.sin(y) * 0.5
            if y > i + 2.0:
                break
        y = y - 1.0
    return y


def break_and_continue(x):
    y = x
    for k in range(10):
        if k == 1:
            continue
        y = y * 1.2 + np.cos(y)
        if y > 4.0:
            break
    return y


def break_in_nested_if(x):
    y = x
    for k in range(6):
        if y > 0.5:
            if y > 2.5:
                break
            y = y * 1.4
        else:
            y = y + 0.3
        y = y + np.sin(x) * 0.1
    return y


def break_reversed_rows(xs):
    y = 0.0
    for x in reversed(xs):
        y = y + np.sum(np.sin(x))
        if y > 1.0:
            break
    return y * 2.0


def continue_in_nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            if i == j:
                continue
            s = s + np.sin(x[i]) * x[j]
    return s


def first_crossing(x, threshold):
    """Newton-free root bracketing: march until the sign changes."""
    t = 0.0
    prev = np.sin(x)
    for _ in range(20):
        t = t + 0.25
        value = np.sin(x + t)
        if value * prev < 0:
            break
        prev = value
    return value * threshold + t * x


def while_with_break_and_continue(x):
    y = x
    k = 0
    while k < 10:
        k += 1
        if y < 0.5:
            y = y + 0.3
            continue
        y = y * 1.2
        if y > 3.0:
            break
    return y * x


def rows_with_branch_local_values(X):
    s = 0.0
    for row in X:
        m = np.max(row)
        if m > 0.5:
            t = row * m
        else:
            t = row
        s = s + np.sum(t * t)
    return s


def break_with_trips_in_outer_loop(x):
    """A `for` with a `break`, inside another loop: its trip count is saved
    per outer trip."""
    s = 0.0
    for i in range(3):
        y = x * (i + 1)
        for _ in range(5):
            y = y * 1.5
            if y > 2.0:
                break
        s = s + y
    return s


def zip_break_continue(A, t):
    s = 0.0
    for a, target in zip(A, t):
        if target < 0:
            continue
        s = s + np.sum(a * a) * target
        if s > 3.0:
            break
    return s


def enumerate_varied_with_break(X):
    s = 0.0
    for i, row in enumerate(X):
        s = s + np.sum(row) * i
        if s > 2.0:
            break
    return s


CASES = [
    Case(break_on_threshold, (1.3,), label="breaks"),
    Case(break_on_threshold, (0.8,), label="runs"),
    Case(break_with_code_after_if, (0.75,)),
    Case(continue_skips_even, (0.7,)),
    Case(continue_on_data, (X, W), wrt=(0, 1)),
    Case(break_on_data_row, (X, W), wrt=(0, 1)),
    Case(break_inner_loop_only, (0.3,)),
    Case(break_and_continue, (0.5,)),
    Case(break_in_nested_if, (0.3,), label="small"),
    Case(break_in_nested_if, (0.9,), label="large"),
    Case(break_reversed_rows, (X,)),
    Case(continue_in_nested_loops, (np.array([0.4, -1.2, 0.9]),)),
    Case(first_crossing, (0.3, 2.0), wrt=(0, 1)),
    Case(while_with_break_and_continue, (0.25,)),
    Case(rows_with_branch_local_values, (X,)),
    Case(break_with_trips_in_outer_loop, (0.35,)),
    Case(zip_break_continue, (X, np.array([1.0, -1.0, 2.0, 0.5, 0.3]))),
    Case(enumerate_varied_with_break, (X,)),
]
