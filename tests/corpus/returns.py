"""Early and multiple returns (outside loops)."""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])


def early_return(x):
    if x < 0:
        return -x * 0.5
    y = np.sin(x) * x
    return y + x


def early_return_in_nested_ifs(x, y):
    """Returns from inside nested ifs, with code between them."""
    if x > 0:
        if y > 1.0:
            return x * y
        z = x + y * y
    else:
        z = np.exp(x) * y
        if z > 2.0:
            return np.log(z)
    w = z * np.sin(x)
    return w + z


def multiple_returns_elif(x):
    s = np.sum(x * x)
    if s > 4.0:
        return np.sqrt(s)
    elif s > 1.0:
        return s * 0.5 + 1.0
    else:
        return s


def early_return_constant(x):
    if np.max(x) < 0:
        return 0.0
    return np.sum(np.maximum(x, 0.0) ** 2)


def early_return_parameter(x, y):
    if x > y:
        return x
    return y * y


def return_in_both_branches(x):
    h = np.tanh(x)
    if np.sum(h) > 0:
        return np.sum(h * x)
    else:
        return np.sum(h) * 2.0


def return_after_loop_and_branch(x, n):
    y = x
    for i in range(n):
        y = y * 0.9 + np.sin(y)
    if y > 1.0:
        return y * y
    return y


def guard_clause_chain(x):
    """Several guard clauses, one after another."""
    if x < -2.0:
        return x * 0.0 + 1.0
    t = x * x
    if t > 3.0:
        return t
    u = np.sin(t) + x
    if u < 0:
        return -u
    return u * t


CASES = [
    Case(early_return, (-0.7,), label="early"),
    Case(early_return, (0.8,), label="late"),
    Case(early_return_in_nested_ifs, (0.5, 1.5), wrt=(0, 1), label="inner"),
    Case(early_return_in_nested_ifs, (0.5, 0.5), wrt=(0, 1), label="fall"),
    Case(early_return_in_nested_ifs, (-0.2, 3.0), wrt=(0, 1), label="log"),
    Case(early_return_in_nested_ifs, (-0.2, 0.5), wrt=(0, 1), label="fall-else"),
    Case(multiple_returns_elif, (X3 * 2.0,), label="sqrt"),
    Case(multiple_returns_elif, (X3,), label="half"),
    Case(multiple_returns_elif, (X3 * 0.5,), label="plain"),
    Case(early_return_constant, (-X3 * X3 - 0.1,), label="zero"),
    Case(early_return_constant, (X3,), label="relu"),
    Case(early_return_parameter, (1.5, 0.4), wrt=(0, 1), label="x"),
    Case(early_return_parameter, (0.4, 1.5), wrt=(0, 1), label="y"),
    Case(return_in_both_branches, (X3,), label="then"),
    Case(return_in_both_branches, (-X3 - 0.5,), label="else"),
    Case(return_after_loop_and_branch, (0.8, 3), label="square"),
    Case(return_after_loop_and_branch, (-0.6, 2), label="plain"),
    Case(guard_clause_chain, (-2.5,), label="g1"),
    Case(guard_clause_chain, (1.9,), label="g2"),
    Case(guard_clause_chain, (-1.2,), label="g3"),
    Case(guard_clause_chain, (0.7,), label="end"),
]
