"""Constructs composed: calls in branches and loops, names overwritten from
their own old value, closures bound late, loops that rebind what they run
over, data changed in place between uses (issue: programs written by
others)."""

import numpy as np

from . import Case

X3 = np.array([0.4, -1.2, 0.9])
M23 = np.array([[0.3, -0.7, 1.1], [0.5, 0.2, -1.3]])


def scaled_in_branch(b):
    """A name overwritten from its own old value inside an if, the old value
    carrying no derivative: the local gradient reads the old value."""
    s = 2.0
    if b > 0.0:
        s = s * b
    return s


def scaled_in_loop_branch(b, x):
    s = 1.5
    for i in range(3):
        if x[i] > 0.0:
            s = s * b + x[i]
        else:
            s = s - x[i] * s
    return s


def _inner(a, b):
    return a * b


def call_in_each_branch(a, b):
    if a > b:
        o = _inner(a, b)
    else:
        o = _inner(b, a)
    return o


def calls_in_branches_in_a_loop(a, b):
    s = 0.0
    for i in range(3):
        if i % 2 == 0:
            o = _inner(a, b)
        else:
            o = _inner(b, a)
        s = s + o
    return s


def call_then_calls_in_branches(a, b):
    o = _inner(a, b)
    if a > b:
        o = _inner(o, b)
    else:
        o = _inner(b, o)
    return o


def gradient_descent_solver(p):
    """The same call and target before the loop and in it."""
    x = 1.0
    g = _inner(x, p)
    for _ in range(2):
        x = x - 0.25 * g
        g = _inner(x, p)
    return x


def _h(z):
    return np.sin(z) * z + 1.0


def guard_then_branch(a, s):
    if a > 0.5:
        return _h(s)
    if a > 0.0:
        u = s
    else:
        u = 2.0 * s
    return u * a


def call_in_conditional_expression_in_loop(a, v):
    s = 0.0
    for e in v:
        s = s + (_h(e) if e > 0.0 else a)
    return s


def rebinds_what_it_iterates(b, M):
    if b < 0.36:
        for row in M:
            M = [row, row]
    return b * np.sum(M)


def rebinds_iterated_in_nested_loop(v, w):
    s = 0.0
    for _ in range(2):
        for e in v:
            s = s + e * e
        v = w
    return s


def closure_bound_late(z):
    def scale(y):
        return y * k

    k = 0.5
    k = k + 0.3
    return np.sum(scale(z))


def closures_calling_closures(z):
    def first(y):
        return y * k

    k = 2.0

    def second(y):
        return first(y) + m

    m = 3.0
    m = second(z[1] * m)
    return m


def closure_in_comprehension(a, v):
    def g(z):
        return z * a

    return sum([g(e) for e in v])


def data_changed_in_place_between_uses(x):
    w = np.array([1.0, 2.0, 3.0])
    s = np.sum(x * w)
    w[0] = 5.0
    idx = np.array([0, 1])
    t = np.sum(x[idx] ** 2)
    idx[0] = 2
    return s + np.sum(x * w) + t + np.sum(x[idx] ** 2)


def counter_used_as_index(x):
    k = 0
    s = 0.0
    while k < 3:
        s = s + x[k] * s + x[k]
        k += 1
    return s


def augmented_float_from_helper(a, x):
    s = _h(a)
    s += x[0]
    y = x.copy()
    y *= _h(s)
    return s + np.sum(y)


def tuple_of_constants_on_one_path(a, b):
    s = b
    if s < a:
        pass
    else:
        s, _ = (0.2, 0.5)
    return s * a


def list_appended_before_it_carries_a_derivative(x):
    items = []
    items.append(1.0)
    for e in x:
        items.append(e * e)
    return np.sum(np.array(items))


def list_made_on_one_path(a, x):
    acc = [1.0, x[0]]
    if a > 0.0:
        acc = [a * x[1], acc[1]]
    return acc[0] + acc[1] * a


def parameter_rebound_on_one_path_then_written(c, v, x):
    """Which array the caller's ends up as depends on the path: followed as
    the code runs."""
    if c > 0.0:
        v = v * 2.0
    v[0] = x[1]
    return np.sum(v * v) * c


def parameter_written_then_rebound_in_a_loop(v, x):
    for i in range(3):
        if x[i] > 0.0:
            v = v + x
        else:
            v[i] = x[i] * v[0]
    return np.sum(v * v)


def pops_a_parameter_list_through_an_alias(items, x):
    """The list is changed through another name that is not read again:
    the caller's list loses its last item, as it does under f."""
    alias = items
    last = alias.pop()
    return np.sum(last * x)


def appends_to_a_parameter_list_rebound_on_one_path(c, items, x):
    """Which list the caller's ends up as depends on the path: followed as
    the code runs, for lists as for arrays."""
    if c > 0.0:
        items = [x * 2.0]
    items.append(x * c)
    return np.sum(items[-1] * items[0])


def writes_a_parameter_after_reading_its_rows(x, M):
    """The rows read in the loop are views of M, but none is read after the
    write."""
    s = 0.0
    for row in M:
        s = s + np.sum(row * x)
    M[0] = x * 2.0
    return s + np.sum(M * M)


def appends_after_iterating(x):
    """The loop's item is an item of the list, not the list: appending to
    it later changes nothing the item sees."""
    acc = [x, 2.0 * x]
    s = 0.0
    for t in acc:
        s = s + np.sum(t * t)
    acc.append(3.0 * x)
    return s + np.sum(acc[-1])


def augments_a_float_a_closure_reads(a, b):
    """The closure is passed b, and keeps nothing: b *= ... changes no
    other name's value."""
    for i in range(3):

        def inner(z):
            return np.sin(b) * z

        s = np.tanh(inner(a))
        b *= np.cos(s)
    return b


KEPT: list = []


def _keeps_its_argument(v):
    KEPT.append(v)
    return np.sum(v)


def augments_a_number_a_keeping_helper_saw(a, b):
    """The helper may keep b, so b's object may be seen elsewhere; b is a
    number, which ``*=`` does not change: checked as the code runs."""
    s = _keeps_its_argument(b)
    b *= np.cos(a)
    return b * s


def appends_after_a_loop_that_rebinds_the_list(x):
    """The loop runs over the list it started with; the list appended to
    after it is the last one the loop made."""
    acc = [x, 2.0 * x]
    for t in acc:
        acc = [t * 0.5, np.tanh(t)]
    acc.append(3.0 * x)
    return np.sum(acc[0]) + np.sum(acc[-1])


def appends_in_a_loop_over_its_indices(x):
    """``range(len(acc))`` is made when the loop starts: appending to acc
    inside it changes no trip count."""
    acc = [x, 2.0 * x]
    for i in range(len(acc)):
        acc.append(acc[i] * acc[-1])
    return np.sum(acc[-1])


def writes_after_its_other_name_is_last_read(x):
    y = x * 2.0
    z = y
    s = np.sum(z * z)
    y[0] = 5.0 * x[1]
    return s + np.sum(y * x)


CASES = [
    Case(scaled_in_branch, (0.7,)),
    Case(scaled_in_branch, (-0.7,), label="not-taken"),
    Case(scaled_in_loop_branch, (0.8, X3), wrt=(0, 1)),
    Case(call_in_each_branch, (2.0, 1.0), wrt=(0, 1)),
    Case(call_in_each_branch, (1.0, 2.0), wrt=(0, 1), label="else"),
    Case(calls_in_branches_in_a_loop, (2.0, 1.0), wrt=(0, 1)),
    Case(call_then_calls_in_branches, (2.0, 1.0), wrt=(0, 1)),
    Case(call_then_calls_in_branches, (1.0, 2.0), wrt=(0, 1), label="else"),
    Case(gradient_descent_solver, (0.5,)),
    Case(guard_then_branch, (0.7, 0.4), wrt=(0, 1)),
    Case(guard_then_branch, (0.3, 0.4), wrt=(0, 1), label="middle"),
    Case(guard_then_branch, (-0.3, 0.4), wrt=(0, 1), label="last"),
    Case(call_in_conditional_expression_in_loop, (0.5, X3), wrt=(0, 1)),
    Case(rebinds_what_it_iterates, (0.3, M23), wrt=(0, 1), autograd=False),
    Case(rebinds_iterated_in_nested_loop, (X3, X3 * 0.5), wrt=(0, 1)),
    Case(closure_bound_late, (X3,)),
    Case(closures_calling_closures, (X3,)),
    Case(closure_in_comprehension, (0.5, X3), wrt=(0, 1)),
    Case(data_changed_in_place_between_uses, (X3,), autograd=False),
    Case(counter_used_as_index, (X3,)),
    Case(augmented_float_from_helper, (0.5, X3), wrt=(0, 1), autograd=False),
    Case(tuple_of_constants_on_one_path, (0.3, 0.9), wrt=(0, 1)),
    Case(tuple_of_constants_on_one_path, (0.9, 0.3), wrt=(0, 1), label="taken"),
    Case(list_appended_before_it_carries_a_derivative, (X3,)),
    Case(list_made_on_one_path, (0.5, X3), wrt=(0, 1)),
    Case(list_made_on_one_path, (-0.5, X3), wrt=(0, 1), label="not-taken"),
    Case(appends_after_iterating, (X3,)),
    Case(augments_a_float_a_closure_reads, (0.3, 0.5), wrt=(0, 1)),
    Case(writes_after_its_other_name_is_last_read, (X3,), autograd=False),
    Case(augments_a_number_a_keeping_helper_saw, (0.3, 0.5), wrt=(0, 1)),
    Case(appends_after_a_loop_that_rebinds_the_list, (X3,)),
    Case(appends_in_a_loop_over_its_indices, (X3,)),
]

# Programs that write into a parameter: f leaves the caller's array changed
# (tests/test_control_flow.py checks the derivatives leave it the same way).
PARAMETER_CASES = [
    Case(parameter_rebound_on_one_path_then_written, (0.5, X3 + 2.0, X3), (1, 2)),
    Case(
        parameter_rebound_on_one_path_then_written,
        (-0.5, X3 + 2.0, X3),
        (1, 2),
        label="written",
    ),
    Case(parameter_written_then_rebound_in_a_loop, (X3 + 2.0, X3), (0, 1)),
    Case(pops_a_parameter_list_through_an_alias, ([X3, X3 * 2.0], X3), (0, 1)),
    Case(
        appends_to_a_parameter_list_rebound_on_one_path,
        (0.5, [X3, X3 * 2.0], X3),
        (0, 2),
    ),
    Case(
        appends_to_a_parameter_list_rebound_on_one_path,
        (-0.5, [X3, X3 * 2.0], X3),
        (0, 2),
        label="kept",
    ),
    Case(writes_a_parameter_after_reading_its_rows, (X3, M23.copy()), (0, 1)),
]


def _cell(w, c):
    c = c * w  # a new array: the parameter is rebound, not written into
    return np.tanh(c)


def _predict(w, state):
    out = []
    out.append(_cell(w, state[0]))
    return np.stack(out)


def state_fed_back_through_a_helper_that_appends(w, state):
    """ADBench's LSTM shape: a helper appends a cell's output to a list it
    made, and its result becomes the next call's argument."""
    state = _predict(w, state)
    state = _predict(w, state)
    return np.sum(state)


CASES.append(
    Case(
        state_fed_back_through_a_helper_that_appends,
        (X3, np.ones((1, 3))),
        autograd=False,
    )
)
