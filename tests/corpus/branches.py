"""Branches: if / elif / else on data-dependent conditions."""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])
M23 = np.array([[0.3, -0.7, 1.1], [0.5, 0.2, -1.3]])


def leaky_relu_squared(x):
    if x > 0:
        y = x
    else:
        y = 0.1 * x
    return y * y


def piecewise_elif(x):
    """A smooth-per-piece function with four pieces."""
    if x < -1.0:
        y = -x - 0.5
    elif x < 0.0:
        y = 0.5 * x * x
    elif x < 2.0:
        y = np.sin(x) + x * x
    else:
        y = np.log(x) * 3.0
    return y * x


def branch_on_sum(x):
    if np.sum(x) > 0:
        y = np.sin(x) * x
    else:
        y = np.cos(x) - x
    return np.sum(y * y)


def branch_on_int_param(x, n):
    if n > 2:
        y = x**3
    else:
        y = np.exp(x)
    return np.sum(y)


def branch_without_else(x):
    y = x * 2.0
    if np.mean(x) > 0:
        y = np.tanh(y)
    return np.sum(y * x)


def nested_branches(x, y):
    if x > y:
        if x > 1.0:
            z = x * y
        else:
            z = x - y * y
    else:
        if y > 1.0:
            z = np.sin(x * y)
        else:
            z = np.exp(x) * y
    return z * z + x


def new_name_in_both_branches(x):
    if x[0] > x[1]:
        t = np.sin(x)
    else:
        t = np.cos(x) * 2.0
    return np.sum(t * x)


def constant_on_one_path(x):
    y = 1.0
    if x > 0.5:
        y = x * 3.0
    return y * x


def condition_with_and(x, y):
    if x > 0 and y < 1.0:
        z = x * y
    elif x < 0 or y > 2.0:
        z = x + y
    else:
        z = x / y
    return z * np.exp(x)


def branch_swaps(x, y):
    if x > y:
        x, y = y, x
    return x - 2.0 * y + x * y


def branch_augmented(x):
    s = x * 1.0
    if np.max(x) > 0.5:
        s += x**2
    else:
        s -= np.sin(x)
    return np.sum(s)


def branch_then_shared_code(x, w):
    """Code after the if uses what each branch computed."""
    z = x @ w
    if z > 0:
        a = np.tanh(z)
        b = a * 2.0
    else:
        a = z * 0.5
        b = np.exp(z)
    c = a * b + z
    return c * c


def branch_on_intermediate(x):
    h = np.sin(x) * 2.0
    m = np.max(h)
    if m > 1.0:
        h = h / m
    return np.sum(h * x)


def branch_on_truthiness(x, flag):
    if flag:
        y = np.sin(x)
    else:
        y = np.cos(x)
    return np.sum(y)


CASES = [
    Case(leaky_relu_squared, (0.7,), label="pos"),
    Case(leaky_relu_squared, (-0.8,), label="neg"),
    Case(piecewise_elif, (-1.7,), label="p1"),
    Case(piecewise_elif, (-0.4,), label="p2"),
    Case(piecewise_elif, (1.3,), label="p3"),
    Case(piecewise_elif, (2.5,), label="p4"),
    Case(branch_on_sum, (X3,), label="pos"),
    Case(branch_on_sum, (-X3 - 0.3,), label="neg"),
    Case(branch_on_int_param, (X3, 3), label="n3"),
    Case(branch_on_int_param, (X3, 1), label="n1"),
    Case(branch_without_else, (X3,), label="taken"),
    Case(branch_without_else, (X3 - 1.0,), label="skipped"),
    Case(nested_branches, (1.5, 0.3), wrt=(0, 1), label="a"),
    Case(nested_branches, (0.5, 0.2), wrt=(0, 1), label="b"),
    Case(nested_branches, (0.2, 1.5), wrt=(0, 1), label="c"),
    Case(nested_branches, (0.2, 0.5), wrt=(0, 1), label="d"),
    Case(new_name_in_both_branches, (X3,), label="then"),
    Case(new_name_in_both_branches, (X3[::-1].copy(),), label="else"),
    Case(constant_on_one_path, (0.9,), label="varied"),
    Case(constant_on_one_path, (0.2,), label="constant"),
    Case(condition_with_and, (0.5, 0.5), wrt=(0, 1), label="and"),
    Case(condition_with_and, (-0.5, 0.5), wrt=(0, 1), label="or"),
    Case(condition_with_and, (0.5, 1.5), wrt=(0, 1), label="else"),
    Case(branch_swaps, (1.5, 0.3), wrt=(0, 1), label="swap"),
    Case(branch_swaps, (0.3, 1.5), wrt=(0, 1), label="keep"),
    Case(branch_augmented, (X3,), label="add"),
    Case(branch_augmented, (X3 - 1.0,), label="sub"),
    Case(branch_then_shared_code, (X3, M23[0]), wrt=(0, 1), label="pos"),
    Case(branch_then_shared_code, (X3, -M23[0]), wrt=(0, 1), label="neg"),
    Case(branch_on_intermediate, (np.array([0.9, 0.3, -0.2]),), label="scaled"),
    Case(branch_on_intermediate, (np.array([0.2, 0.3, -0.2]),), label="kept"),
    Case(branch_on_truthiness, (X3, True), label="true"),
    Case(branch_on_truthiness, (X3, 0), label="false"),
]
