"""Leaving loops: ``for``/``else``, ``while``/``else`` and ``return`` inside
loops (nested loops, ``while`` loops, several returns, loops in branches),
and exits nested in branches followed by more statements."""

import numpy as np

from . import Case

RNG = np.random.default_rng(13)
X = RNG.standard_normal((5, 3))
W = np.array([0.5, -0.3, 0.8])


def search_with_else(x):
    """The else clause runs only when the loop ends without a break."""
    y = x
    for _ in range(6):
        y = y * 1.3 + 0.1
        if y > 3.0:
            break
    else:
        y = np.sqrt(y) + x
    return y * x


def for_else_without_break(x):
    y = x
    for _ in range(3):
        y = y * 1.1 + np.sin(y)
    else:
        y = y * 2.0
    return y


def while_else(x):
    y = x
    k = 0
    while k < 6:
        k += 1
        y = y * 1.3
        if y > 3.0:
            break
    else:
        y = np.sqrt(y)
    return y + x


def while_else_without_break(x):
    y = x
    k = 0
    while k < 3:
        k += 1
        y = y * 1.3
    else:
        y = y - np.cos(y)
    return y


def inner_else_breaks_outer(x):
    """The else clause of an inner loop breaks (or continues) the outer one."""
    y = x
    for i in range(4):
        for j in range(3):
            y = y * 1.2
            if y > 5.0:
                break
        else:
            y = y + 0.1
            if y > 2.0:
                break
            continue
        y = y - np.sin(y)
    else:
        y = y * 3.0
    return y


def return_inside_for(x):
    y = x
    for k in range(10):
        y = y * 1.3 + np.sin(y)
        if y > 3.0:
            return y * k
    return y - 1.0


def return_inside_while(x):
    y = x
    k = 0
    while k < 20:
        k = k + 1
        y = y + np.sin(y) * 0.5
        if y > 2.5:
            return y * k
    return y


def return_from_while_true(x):
    """Only the return leaves the loop: nothing follows it."""
    y = x
    while True:
        y = y * y + 0.5
        if y > 5.0:
            return np.sqrt(y) * x


def return_inside_nested_loops(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            s = s + np.sin(x * (i + j))
            if s > 1.5:
                return s * x
        s = s * 0.9
    return s


def return_from_while_in_for(x, limit):
    s = 0.0
    for i in range(3):
        y = x * (i + 1)
        while y < 2.0:
            y = y * 1.5
            if s + y > limit:
                return s * y
        s = s + y
    return s


def returns_of_different_values(x):
    y = x
    for k in range(8):
        y = y * 1.2 + 0.1
        if y > 4.0:
            return np.sin(y)
        elif y > 3.5:
            return y * y
        if k == 6:
            return y + x
    return y


def return_inside_loop_inside_branch(x):
    if x > 0:
        y = x
        for _ in range(10):
            y = y * 1.5
            if y > 2.0:
                return y * x
        z = y + 1.0
    else:
        z = x * x
    return z


def return_and_else(x):
    y = x
    for _ in range(5):
        y = y * 1.4
        if y > 3.0:
            return y * 10.0
        if y < -3.0:
            break
    else:
        y = y + 1.0
    return y


def return_after_continue(x):
    s = 0.0
    for k in range(6):
        if k % 2 == 1:
            continue
        s = s + np.sin(x * k)
        if s > 1.2:
            return s * x
    return s


def return_from_rows(X, w):
    """A return inside a loop over the rows of a differentiated array."""
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
        if s > 1.0:
            return s * np.sum(row)
    return s


def return_from_helper_loop(x):
    def first_above(z):
        for _ in range(5):
            z = z * 1.5
            if z > 2.0:
                return z
        return z + 1.0

    return first_above(x) * x


def flags_named_like_users(x):
    """User names that look like the flags the rewrite adds."""
    returned = x * 2.0
    broke = 1.0
    returned_value = 0.5
    for _ in range(6):
        returned = returned * 1.2
        if returned > 3.0:
            return returned * broke + returned_value
        if returned < -3.0:
            break
    else:
        broke = 2.0
    return returned * broke


def break_and_continue_in_nested_branches(x):
    """Exits nested in branches, then more statements (written once)."""
    y = x
    for k in range(10):
        if y > 0.5:
            if y > 3.0:
                break
            if k % 3 == 0:
                continue
            y = y * 1.3
        else:
            y = y + 0.4
        y = y + np.sin(y) * 0.1
        y = y * 0.95
    return y


def returns_nested_in_branches(x):
    y = x * 2.0
    if y > 0.0:
        if y > 3.0:
            return np.sin(y)
        y = y * 0.5
    y = y + 1.0
    if y > 1.2:
        if y > 2.0:
            return y * y
        y = np.cos(y)
    return y + x


def loop_may_end_without_returning(x):
    y = x
    for _ in range(10):
        y = y * 1.5
        if y > 2.0:
            return y


CASES = [
    Case(search_with_else, (0.9,), label="breaks"),
    Case(search_with_else, (0.2,), label="else"),
    Case(for_else_without_break, (0.7,)),
    Case(while_else, (0.7,), label="breaks"),
    Case(while_else, (0.3,), label="else"),
    Case(while_else_without_break, (0.7,)),
    Case(inner_else_breaks_outer, (0.3,), label="breaks"),
    Case(inner_else_breaks_outer, (-0.4,), label="else"),
    Case(inner_else_breaks_outer, (4.0,), label="inner-breaks"),
    Case(return_inside_for, (0.7,), label="returns"),
    Case(return_inside_for, (-0.4,), label="ends"),
    Case(return_inside_while, (0.7,), label="returns"),
    Case(return_inside_while, (-0.4,), label="ends"),
    Case(return_from_while_true, (0.9,)),
    Case(return_inside_nested_loops, (0.7,), label="returns"),
    Case(return_inside_nested_loops, (-0.3,), label="ends"),
    Case(return_from_while_in_for, (0.7, 4.0), label="returns"),
    Case(return_from_while_in_for, (0.7, 100.0), label="ends"),
    Case(returns_of_different_values, (1.1,), label="sin"),
    Case(returns_of_different_values, (0.7,), label="square"),
    Case(returns_of_different_values, (0.3,), label="last-trip"),
    Case(return_inside_loop_inside_branch, (0.7,), label="returns"),
    Case(return_inside_loop_inside_branch, (-0.4,), label="else"),
    Case(return_and_else, (0.7,), label="returns"),
    Case(return_and_else, (-0.7,), label="breaks"),
    Case(return_and_else, (0.05,), label="else"),
    Case(return_after_continue, (0.3,), label="returns"),
    Case(return_after_continue, (-0.4,), label="ends"),
    Case(return_from_rows, (X, W), wrt=(0, 1)),
    Case(return_from_helper_loop, (0.7,)),
    Case(flags_named_like_users, (0.7,), label="returns"),
    Case(flags_named_like_users, (-0.7,), label="breaks"),
    Case(flags_named_like_users, (0.1,), label="else"),
    Case(break_and_continue_in_nested_branches, (0.3,), label="small"),
    Case(break_and_continue_in_nested_branches, (1.1,), label="large"),
    Case(returns_nested_in_branches, (1.7,), label="sin"),
    Case(returns_nested_in_branches, (1.2,), label="square"),
    Case(returns_nested_in_branches, (0.7,), label="cos"),
    Case(returns_nested_in_branches, (-0.4,), label="end"),
]


# refused, each with an error that names the construct and its line
REFUSED = [
    # Python returns None when the loop ends: there is nothing to differentiate
    Case(loop_may_end_without_returning, (0.1,)),
]
