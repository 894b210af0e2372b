"""In-place updates where other names may see the array, decided as the
code runs (``shared_update``): items unpacked from a helper's result, rows
read while other rows are written, helpers with closures of their own."""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])


def _pair(z):
    return np.tanh(z), np.sin(z)


def unpacked_then_scaled(x):
    """u and s are items of one tuple: each may see the other, and the check
    finds they do not share memory."""
    s, u = _pair(x)
    u *= 0.9
    u[0] = u[1] * s[2]
    return np.sum(u * s)


def number_read_then_other_item_written(x):
    y = x * 2.0
    r = y[0]
    y[1] = 3.0 * r
    return np.sum(y) + r


def row_read_then_other_row_written(x):
    A = np.outer(x, x)
    r = A[0]
    A[1] = 3.0 * r
    A[2, 1:] += r[:2]  # A is a new array now; r is checked against the old
    return np.sum(A * A) + np.sum(r)


def rows_rotated_in_a_loop(x):
    A = np.outer(x, x + 1.0)
    s = 0.0
    for i in range(3):
        row = A[i]
        A[(i + 1) % 3] = 0.5 * row + np.sin(A[(i + 1) % 3])
        s = s + np.sum(row * row)
    return s + np.sum(A)


def _with_closure(z):
    def inner(w):
        return np.sin(w) * 2.0

    scale = lambda w: w * 0.5  # noqa: E731
    return inner(z), scale(z) + 1.0


def written_after_a_helper_with_closures(x):
    """The helper's closures are only called inside it: it keeps nothing
    and returns new arrays, so its results may be written."""
    a, b = _with_closure(x)
    b[0] = a[1]
    c = _with_closure(b)[0]
    c *= a
    return np.sum(b * c)


def _rows(M, depth):
    if depth <= 0:
        return M[0] * 1.0, M[1] * 1.0
    first, second = _rows(M * 0.5, depth - 1)
    return first + np.cos(second), second


def written_after_a_recursive_helper(x):
    M = np.outer(x, x)
    first, second = _rows(M, 2)
    second *= np.sum(first * x)
    first += second
    first[1:] = second[:2]
    return np.sum(first * second) + np.sum(M)


def augmented_number_in_a_branch(a, x):
    s, u = _pair(x)
    t = s[0]
    if a > 0.0:
        t *= a
    else:
        t += a
    return t * np.sum(u)


CASES = [
    Case(unpacked_then_scaled, (X3,), autograd=False),
    Case(number_read_then_other_item_written, (X3,), autograd=False),
    Case(row_read_then_other_row_written, (X3,), autograd=False),
    Case(rows_rotated_in_a_loop, (X3,), autograd=False),
    Case(written_after_a_helper_with_closures, (X3,), autograd=False),
    Case(written_after_a_recursive_helper, (X3,), autograd=False),
    Case(augmented_number_in_a_branch, (0.7, X3), wrt=(0, 1), autograd=False),
    Case(augmented_number_in_a_branch, (-0.7, X3), wrt=(0, 1), label="else"),
]


def parameter_scaled_while_a_number_read_from_it_is_live(x):
    """x is the caller's array: scaled in place, it ends up as f leaves it."""
    r = x[0]
    x *= 2.0
    return np.sum(x * x) + r


def parameter_row_written_while_another_row_is_live(M, x):
    r = M[0]
    M[1:, :2] += M[1:, 1:] * x[1:]
    return np.sum(M * M) + np.sum(r)


def parameter_scaled_in_a_loop_then_after(b, x):
    """The loop's own variable for x is updated in place: which array the
    caller's ends up as is asked before each update changes it."""
    for _ in range(2):
        x *= b
    x -= sum(b * e for e in x)
    return np.sum(x * x)


def list_parameter_grown_in_a_loop_then_after(b, items):
    for _ in range(2):
        items.append(items[-1] * b)
    items.append(items[0] * b)
    return sum(np.sum(item) for item in items)


# parameters updated in place: checked with composition.PARAMETER_CASES, for
# what the derivatives leave in the caller's arrays too
PARAMETER_CASES = [
    Case(parameter_scaled_while_a_number_read_from_it_is_live, (X3,), wrt=(0,)),
    Case(
        parameter_row_written_while_another_row_is_live,
        (np.outer(X3, X3 + 1.0), X3),
        wrt=(0, 1),
        autograd=False,
    ),
    Case(parameter_scaled_in_a_loop_then_after, (0.7, X3), wrt=(0, 1)),
    Case(
        list_parameter_grown_in_a_loop_then_after,
        (0.7, [X3, X3 + 1.0]),
        wrt=(0, 1),
        autograd=False,
    ),
]


def _pair_of(z, depth):
    if depth <= 0:
        return np.tanh(z), np.sin(z + np.arange(3.0))
    return 0.5 * np.cos(_pair_of(z * 0.5, depth - 1)[0] * z), np.sin(z + 1.0)


def unpacked_from_a_call_without_derivative_then_scaled(a):
    """The helper's result carries no derivative (its arguments are
    constants), and is new: its items may be updated in place."""
    for i in range(3):
        c, u = _pair_of(_pair_of(0.7, i)[0], 2)
        u *= np.cos(c) * a
    return np.sum(u * u)


CASES.append(Case(unpacked_from_a_call_without_derivative_then_scaled, (0.7,)))


def _doubles_in_place(z):
    z *= 2.0


def helper_doubles_data_read_before_and_after(x, w):
    """The helper writes into an array without derivative that the gradient
    reads on both sides of the call: saved before it."""
    y = np.ones(3)
    s = np.sum(w * y)
    _doubles_in_place(y)
    return s + np.sum(y * w * x)


def _adds_to_its_argument(z):
    z[2] = z[2] + 0.3
    return z[2]


def helper_writes_into_a_value_no_one_reads_again(x):
    """The helper writes into the quotient, which nothing reads afterwards:
    it gets a copy, and the division's gradient reads the values it made."""
    return _adds_to_its_argument(0.2 / x) * x[0]


def _scales_and_adds_to(w, z):
    z[2] = z[2] + 0.3
    return z[2] * w


def helper_writes_into_a_keyword_argument(x):
    return _scales_and_adds_to(1.5, z=0.2 / x)


def _nested_pair(c):
    return (2.0 * c, (0.5, c))


def only_some_items_of_a_nested_result(x):
    return _nested_pair(x[0])[0] * x[1]


def _unit_and(c):
    return (1.0, c)


def unpacked_over_a_value_in_a_branch(x):
    """On the branch taken, u is the helper's constant: no gradient flows to
    the x[1] it held before."""
    u = x[1]
    if x[2] > -10.0:
        s, u = _unit_and(0.6)
    return u * x[0]


CASES += [
    # (autograd's own tape sees y after the helper doubled it)
    Case(
        helper_doubles_data_read_before_and_after,
        (X3, X3 * 2.0),
        wrt=(1,),
        autograd=False,
    ),
    Case(only_some_items_of_a_nested_result, (X3,)),
    Case(helper_writes_into_a_value_no_one_reads_again, (X3,), autograd=False),
    Case(helper_writes_into_a_keyword_argument, (X3,), autograd=False),
    Case(unpacked_over_a_value_in_a_branch, (X3,)),
]


def rows_listed_then_popped(M):
    """list(M) is a new list of M's rows: popping from it or inserting into
    it leaves M as it is."""
    L = list(M)
    first = L.pop(0)
    L.insert(1, first * 2.0)
    return np.sum(L[0] * M) + np.sum(L[1] * L[2])


CASES.append(Case(rows_listed_then_popped, (np.outer(X3, X3[:2]),)))


# A helper's derivative reads its arguments when the backward sweep runs: an
# array that carries no derivative, given to it and changed in place later
# (by the function, through another name, or at a later trip), is given as
# it is at the call (``snapshot``).
W23 = np.arange(6.0).reshape(2, 3) / 7


def _energy(W, z):
    return np.sum(W @ z)


def constant_given_to_a_helper_then_overwritten(W):
    y = np.ones(3)
    s = _energy(W, y)
    y[:] = 1.2
    return s


def constant_given_then_written_through_an_alias(W):
    y = np.ones(3)
    s = _energy(W, y)
    z = y
    z[1] = 2.0
    np.copyto(y, z * 0.5)
    return s + _energy(W, z)


def row_given_then_written_at_later_trips(W):
    M = np.ones((2, 3))
    s = 0.0
    for i in range(2):
        s = s + _energy(W, M[i])
        M[i] = 2.0
        M[(i + 1) % 2] *= 1.5
    return s


def item_of_a_list_given_then_written(W):
    y = np.ones(3)
    L = [y]
    s = _energy(W, L[0])
    y[1] = 1.2
    L.append(y * 2.0)
    return s + _energy(W, L[1])


CASES += [
    Case(constant_given_to_a_helper_then_overwritten, (W23,), autograd=False),
    Case(constant_given_then_written_through_an_alias, (W23,), autograd=False),
    Case(row_given_then_written_at_later_trips, (W23,), autograd=False),
    Case(item_of_a_list_given_then_written, (W23,), autograd=False),
]
