"""In-place updates (``y[i] = v``, ``y += v``, ``y[mask] = v``, ``y *= c``)
inside branches and loops.

``CASES`` update arrays the function made; ``PARAMETER_CASES`` update their
parameter, which the caller sees: after the gradient, the caller's array
must be as the function leaves it.
"""

import numpy as np

from . import Case

RNG = np.random.default_rng(19)
X = RNG.standard_normal((4, 3))
V = np.array([0.3, -0.5, 0.9, 0.6])


def recurrence_into_array(x):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = y[i - 1] * 0.5 + np.sin(x[i])
    return np.sum(y * y)


def accumulate_in_place(X, w):
    s = np.zeros(3)
    for row in X:
        s += np.tanh(row * w) * s + row
    return np.sum(s * s)


def clip_negative_in_branch(x):
    y = x * 1.0
    if np.sum(x) > 0:
        y[y < 0] = 0.0
    return np.sum(y * x)


def slice_update_in_loop(x):
    y = x * 1.0
    for k in range(3):
        y[1:3] += np.sin(y[0:2]) * 0.5
    return np.sum(y**2)


def scale_in_place_after_use(X):
    s = np.ones(3)
    total = 0.0
    for row in X:
        total = total + np.sum(s * s * row)
        s *= row
    return total


def rescale_when_large(x):
    """The branch condition reads the array the branch updates in place."""
    s = x * 2.0
    for _ in range(3):
        if np.sum(s) > 3.0:
            s *= 0.5
        s += x
    return np.sum(s * s)


def add_when_condition_reads_it(a):
    s = a * 2.0
    if a < s:
        s += a
    return s * s


def scale_parameter(x):
    """Straight-line reference: the caller's array is left scaled."""
    x *= 2.0
    return np.sum(x * x)


def scale_parameter_in_loop(x):
    for _ in range(2):
        x *= 1.5
    return np.sum(x * x)


def scale_parameter_in_branch(x):
    if np.sum(x) > 0:
        x *= 2.0
    return np.sum(x * x)


def recurrence_in_parameter(x):
    for i in range(1, len(x)):
        x[i] = x[i - 1] * 0.5 + x[i]
    return np.sum(x * x)


def set_item_of_parameter_in_branch(x):
    if x[0] > 0:
        x[1] = np.sin(x[0])
    return np.sum(x * x)


def append_to_a_list_parameter(items, w):
    """The caller's list gains the item, after the gradient function too."""
    items.append(np.tanh(w) * 2.0)
    return np.sum(np.stack(items) ** 2 * w)


def pop_from_a_list_parameter(items, w):
    """The caller's list loses its last item, after the gradient function too."""
    last = items.pop()
    items.append(last * w)
    return np.sum(np.stack(items) * w) + np.sum(items[0] * last)


# (function, wrt): functions that change a list parameter, which the caller
# sees (tests/test_control_flow.py)
LIST_PARAMETER_CASES = [
    (append_to_a_list_parameter, 1),
    (pop_from_a_list_parameter, (0, 1)),
]
LIST_ITEMS = [X[0].copy(), X[1] * 0.5, X[2] * 2.0]

CASES = [
    Case(recurrence_into_array, (V,), autograd=False),
    Case(
        accumulate_in_place,
        (X, np.array([0.3, 0.5, -0.2])),
        wrt=(0, 1),
        autograd=False,
    ),
    Case(clip_negative_in_branch, (V,), autograd=False),
    Case(slice_update_in_loop, (V,), autograd=False),
    Case(rescale_when_large, (V,), autograd=False),
    Case(add_when_condition_reads_it, (0.5,), autograd=False),
    Case(
        scale_in_place_after_use,
        (X,),
        autograd=False,
        fails=frozenset({"fd"}),
    ),
]

WRITE_BACK = frozenset({"write_back"})
PARAMETER_CASES = [
    Case(scale_parameter, (V,)),
    Case(scale_parameter_in_loop, (V,)),
    Case(scale_parameter_in_branch, (V,)),
    Case(recurrence_in_parameter, (V,)),
    Case(set_item_of_parameter_in_branch, (V,)),
]
