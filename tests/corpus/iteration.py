"""Iterating over arrays: rows, enumerate, zip, reversed, lists."""

import numpy as np

from . import (
    Case,
)

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3))
Y = RNG.standard_normal((4, 3))
W = np.array([0.5, -0.3, 0.8])
T = np.array([1.0, -1.0, 0.5, 2.0])


def rows_accumulate(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
    return s


def rows_of_data(w, X):
    """Loops over data (not differentiated) rows."""
    s = 0.0
    for row in X:
        z = row @ w
        s = s + np.log(1.0 + np.exp(-z))
    return s


def enumerate_rows(X):
    s = 0.0
    for i, row in enumerate(X):
        s = s + (i + 1) * np.sum(row**2)
    return s


def enumerate_data_rows(w, X):
    s = 0.0
    for i, row in enumerate(X):
        s = s + np.tanh(row @ w) * (i + 1)
    return s


def zip_two_arrays(A, B):
    s = 0.0
    for a, b in zip(A, B):
        s = s + np.dot(a, b) * np.sum(a)
    return s


def zip_data_and_targets(w, X, t):
    loss = 0.0
    for x, target in zip(X, t):
        err = np.tanh(x @ w) - target
        loss = loss + err * err
    return loss


def zip_parameter_with_data(A, t):
    s = 0.0
    for a, target in zip(A, t):
        s = s + np.sum(np.sin(a) * target)
    return s


def reversed_rows(xs):
    y = 0.0
    for x in reversed(xs):
        y = y * 0.5 + np.sin(x)
    return np.sum(y * y)


def reversed_data(w, xs):
    y = 0.0
    for x in reversed(xs):
        y = np.tanh(y + x @ w)
    return y


def iterate_columns(X):
    s = 0.0
    for col in X.T:
        s = s + np.prod(col) + np.sum(col)
    return s


def iterate_slice(X):
    s = X[0] * 1.0
    for row in X[1:]:
        s = s * row + 0.1
    return np.sum(s)


def horner(coeffs, x):
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


def rows_with_branch(X, w):
    s = 0.0
    for row in X:
        z = row @ w
        if z > 0:
            s = s + z * z
        else:
            s = s + np.exp(z) - 1.0
    return s


def rows_reassigning_row(X):
    s = 0.0
    for row in X:
        row = row * 2.0
        row = np.sin(row)
        s = s + np.sum(row * row)
    return s


def loop_over_list_of_parameters(w1, w2):
    s = 0.0
    for w in [w1, w2]:
        s = s + np.sum(w * w) * s + 1.0
    return s


def enumerate_with_start(X):
    s = 0.0
    for i, row in enumerate(X, 1):
        s = s + np.sum(row) * i
    return s


def enumerate_zip(A, B):
    s = 0.0
    for i, (a, b) in enumerate(zip(A, B)):
        s = s + np.sum(a * b) * (i + 1)
    return s


def collect_rows_and_stack(X):
    outs = []
    for row in X:
        outs.append(np.sin(row))
    return np.sum(np.stack(outs) ** 2)


def concatenate_list_in_loop(X):
    outs = [X[0] * 0.0]
    for row in X:
        outs = outs + [np.sin(row)]
    return np.sum(np.stack(outs) ** 2)


def iterable_is_loop_carried(x):
    """The loop rebinds the name it iterates over: the loop still sees the
    original array (Python evaluates the iterable once)."""
    v = x * 1.0
    for e in v:
        v = v * e
    return np.sum(v)


def mlp_over_weight_list(Ws, x):
    """Iterating over a list parameter (its gradient is a list)."""
    h = x
    for W in Ws:
        h = np.tanh(W @ h)
    return np.sum(h * h)


def mlp_over_zipped_lists(Ws, bs, x):
    h = x
    for W, b in zip(Ws, bs):
        h = np.tanh(W @ h + b)
        if np.sum(h) < 0:
            h = h * 0.5
    return np.sum(h)


def nested_rows_elements(X):
    s = 0.0
    for row in X:
        for e in row:
            if e > 0:
                s = s + e * e
            else:
                s = s + np.sin(e)
    return s


def iterate_computed(x):
    s = 0.0
    for e in np.sin(x) * 2.0:
        s = s * 0.5 + e * e
    return s


def iterate_reversed_slice(X):
    y = 0.0
    for row in X[::-1]:
        y = np.tanh(y + np.sum(row))
    return y


def static_tuple_list(x):
    y = x
    for a, b in [(1.0, 2.0), (0.5, -1.0)]:
        y = np.sin(y * a) + b * x
    return y


def all_condition(x):
    if np.all(x > -2.0):
        y = np.sum(x**2)
    else:
        y = np.sum(x)
    return y


def loop_iterable_nonvaried_then_varied(x, n):
    ws = np.linspace(0.1, 1.0, n)
    s = x * 0.0
    for w in ws:
        s = s + np.exp(-w * x)
    return np.sum(s)


CASES = [
    Case(enumerate_with_start, (X,)),
    Case(enumerate_zip, (X, Y), wrt=(0, 1)),
    Case(rows_accumulate, (X, W), wrt=(0, 1)),
    Case(rows_of_data, (W, X)),
    Case(enumerate_rows, (X,)),
    Case(enumerate_data_rows, (W, X)),
    Case(zip_two_arrays, (X, Y), wrt=(0, 1)),
    Case(zip_data_and_targets, (W, X, T)),
    Case(zip_parameter_with_data, (X, T)),
    Case(reversed_rows, (X,)),
    Case(reversed_data, (W, X)),
    Case(iterate_columns, (X,)),
    Case(iterate_slice, (X,)),
    Case(horner, (np.array([0.5, -1.0, 2.0, 0.3]), 0.7), wrt=(0, 1)),
    Case(rows_with_branch, (X, W), wrt=(0, 1)),
    Case(rows_reassigning_row, (X,)),
    Case(loop_over_list_of_parameters, (X, Y), wrt=(0, 1)),
    Case(collect_rows_and_stack, (X,)),
    Case(
        iterable_is_loop_carried,
        (np.array([0.5, 1.2, -0.8]),),
    ),
    Case(nested_rows_elements, (X,)),
    Case(iterate_computed, (np.array([0.3, -0.5, 0.9]),)),
    Case(iterate_reversed_slice, (X,)),
    Case(static_tuple_list, (0.4,)),
    Case(all_condition, (np.array([0.3, -0.5, 0.9]),)),
    Case(loop_iterable_nonvaried_then_varied, (np.array([0.3, -0.5, 0.9]), 4)),
    Case(concatenate_list_in_loop, (X,)),  # refused before joins had a rule
]


# refused for now, each with an error that names the construct and its line
REFUSED: list[Case] = []
