"""``raise`` on a branch: the path that raises ends there, the others go on.

``CASES`` are checked at inputs where nothing is raised; ``RAISING`` lists
inputs where the function raises, with the exception it raises: the
gradient function must raise the same exception, not return a gradient.
"""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])


class ShapeError(ValueError):
    """A user's own exception class."""


def guard_then_compute(x):
    if np.any(np.isnan(x)):
        raise ValueError("x has a NaN")
    y = np.tanh(x) * x
    return np.sum(y * y)


def raise_in_else(x):
    s = np.sum(x * x)
    if s < 10.0:
        return np.sqrt(s + 1.0)
    else:
        raise ValueError(f"too large: {s}")


def raise_between_returns(x, y):
    """A raise among guard clauses, with code after each."""
    if x > 2.0:
        return x * y
    t = x * x + y
    if t < -5.0:
        raise ArithmeticError("t below -5")
    u = np.sin(t) * y
    if u > 10.0:
        return u
    return u + t * x


def raise_in_loop(x, n):
    y = x
    for i in range(n):
        y = y * 1.5 + np.sin(y)
        if np.abs(y) > 100.0:
            raise OverflowError(f"diverged at step {i}")
    return y * y


def raise_in_while(x):
    y = x
    steps = 0
    while y < 3.0:
        y = y * 1.5 + 0.1
        steps += 1
        if steps > 50:
            raise RuntimeError("no convergence")
    return y


def raise_with_long_rest(x, flag):
    """Two paths fall through an ``if`` whose third path raises, followed by
    more than one line (the other exits of such an ``if`` set flags)."""
    y = x * 2.0
    if flag > 0:
        if flag > 5:
            raise ValueError("flag above 5")
        y = y + np.cos(x)
    else:
        y = y * x
    z = y * y
    w = np.exp(-z) + z
    return w * x


def raise_then_break(x):
    """A loop with both a raise and a break."""
    s = x
    for k in range(20):
        if k > 15:
            raise RuntimeError("too many steps")
        s = s * 0.9 + 0.1 * np.cos(s)
        if np.abs(s - np.cos(s)) < 0.33:
            break
    return s * x


def user_exception(x, shape):
    if x.shape != shape:
        raise ShapeError(f"expected {shape}, got {x.shape}")
    return np.sum(np.exp(x))


def raise_from(x):
    if np.min(x) <= 0.0:
        raise ValueError("log of a non-positive value") from None
    return np.sum(np.log(x) * x)


CASES = [
    Case(guard_then_compute, (X3,)),
    Case(raise_in_else, (X3,)),
    Case(raise_between_returns, (2.5, 0.7), wrt=(0, 1), label="first"),
    Case(raise_between_returns, (0.5, 0.7), wrt=(0, 1), label="end"),
    Case(raise_between_returns, (-1.5, 11.0), wrt=(0, 1), label="u"),
    Case(raise_in_loop, (0.3, 6)),
    Case(raise_in_while, (0.4,)),
    Case(raise_with_long_rest, (0.6, 2)),
    Case(raise_with_long_rest, (0.6, -1), label="else"),
    Case(raise_then_break, (1.3,)),
    Case(user_exception, (X3, (3,))),
    Case(raise_from, (np.abs(X3),)),
]

RAISING = [
    (guard_then_compute, (np.array([0.1, np.nan]),), ValueError),
    (raise_in_else, (X3 * 10.0,), ValueError),
    (raise_between_returns, (0.5, -6.0), ArithmeticError),
    (raise_in_loop, (0.3, 200), OverflowError),
    (raise_in_while, (-0.5,), RuntimeError),
    (raise_with_long_rest, (0.6, 7), ValueError),
    (raise_then_break, (200.0,), RuntimeError),
    (user_exception, (X3, (2,)), ShapeError),
    (raise_from, (X3,), ValueError),
]


def raises_on_every_path(x):
    if x > 0:
        raise ValueError("positive")
    raise ValueError("not positive")


REFUSED = [Case(raises_on_every_path, (0.5,))]
