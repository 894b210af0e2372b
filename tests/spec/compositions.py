"""Rows of compositions of rules and of patterns of several operations."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import away, data, row, shape_id  # noqa: F401

# ---- compositions: reductions broadcast back, chains of rules ------------------


def logsumexp_rows(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0])


def standardize(x):
    centered = x - np.mean(x, axis=0, keepdims=True)
    scale = np.sqrt(np.mean(centered**2, axis=0) + 1e-3)
    return np.sum((centered / scale) ** 3)


def softmax_cross_entropy(w, x):
    logits = x @ w
    shifted = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    return -np.mean(np.log(p[:, 0]))


def mlp(w1, b1, w2, x):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2
    return np.mean((out - 1.0) ** 2) + 0.1 * np.sum(w1 * w1)


def scalar_program(a, b):
    c = a * b + math.sin(a) / (1.0 + b * b)
    d = c**2 - abs(a - b) + math.exp(-c)
    return d * a


row("logsumexp_rows-(3,4)", logsumexp_rows, data((3, 4)))
row("standardize-(4,3)", standardize, data((4, 3)))
row(
    "softmax_cross_entropy-(3,4)x(5,3)",
    softmax_cross_entropy,
    data((3, 4)),
    data((5, 3)),
    wrt=(0, 1),
)
row(
    "mlp-all-parameters",
    mlp,
    data((3, 4)),
    data((4,)),
    data((4,)),
    data((5, 3)),
    wrt=("w1", "b1", "w2"),
)
row("scalar_program-floats", scalar_program, 0.7, -1.3, wrt=(0, 1))


# ---- patterns of several operations -------------------------------------------


def logistic(x):
    s = 1 / (1 + np.exp(-x))
    return np.sum(s * s * x)


def logistic_swapped(x, w):
    s = 1.0 / (np.exp(-(x * w)) + 1.0)
    return np.sum(s * s)


for _shape in ["float", (3,), (2, 3)]:
    row(
        f"logistic-{shape_id(_shape)}",
        logistic,
        data(_shape, -3.0, 3.0),
        second_order=True,
    )
row(
    "logistic_swapped-(2,3)x(3,)",
    logistic_swapped,
    data((2, 3)),
    data((3,)),
    wrt=(0, 1),
)
row("logistic_swapped-floatx(3,)", logistic_swapped, 0.4, data((3,)), wrt=(0, 1))


def sigmoid_cross_entropy(w, x, y):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def sigmoid_cross_entropy_swapped(z, y):
    p = 1 / (1 + np.exp(-z))
    loss = (1.0 - y) * np.log(1.0 - p) + np.log(p) * y
    return np.sum(np.cos(np.arange(np.size(loss))).reshape(np.shape(loss)) * loss) + (
        np.sum(p * p)
    )


def sigmoid_entropy(z):
    p = 1 / (1 + np.exp(-z))
    return np.sum(p * np.log(p) + (1 - p) * np.log(1 - p))


def sigmoid_cross_entropy_changed(z, y):
    p = 1 / (1 + np.exp(-z))
    z = z * 2.0
    p = p * 0.5
    return np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))


def sigmoid_cross_entropy_in_loop(z, y):
    p = 1 / (1 + np.exp(-z))
    total = 0.0
    for k in range(2):
        total = total + np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
        p = 1 / (1 + np.exp(-(z * (k + 2.0))))
    return total


def log_softmax_written(z, onehot):
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(onehot * logp) / z.shape[0]


def log_softmax_shift_used_again(x, onehot):
    z = x - np.max(x, axis=-1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return -np.sum(onehot * logp) + np.sum(z * z * onehot)


def log_softmax_other_shifts(x):
    z = x - np.max(x, axis=0, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    u = x - np.max(x, axis=1)[:, None]
    logq = u - np.log(np.sum(np.exp(u), axis=1, keepdims=True))
    weights = np.cos(np.arange(np.size(x))).reshape(np.shape(x))
    return np.sum(weights * (logp + 2.0 * logq))


def log_softmax_all_axes(z):
    logp = z - np.log(np.sum(np.exp(z), keepdims=True))
    return np.sum(np.cos(np.arange(np.size(logp))).reshape(np.shape(logp)) * logp)


def log_softmax_axis_first(z, w):
    logp = z - np.log(np.sum(np.exp(z), keepdims=True, axis=0))
    return np.sum(w * logp * logp)


def log_softmax_not_the_pattern(z, w):
    other = z - np.log(np.sum(np.exp(w), axis=-1, keepdims=True))
    summed = z - np.log(np.sum(np.exp(z), axis=-1))
    return np.sum(other * other) + np.sum(summed * summed)


row(
    "log_softmax_written-(4,3)",
    log_softmax_written,
    data((4, 3)),
    np.eye(3)[[0, 2, 1, 2]] * 0.7,
    wrt=(0, 1),
    second_order=True,
)
row(
    "log_softmax_shift_used_again-(3,4)",
    log_softmax_shift_used_again,
    data((3, 4)),
    np.eye(4)[[3, 0, 1]],
    second_order=True,
)
row("log_softmax_other_shifts-(3,4)", log_softmax_other_shifts, data((3, 4)))
row(
    "log_softmax_written-ties-(2,3)",
    log_softmax_written,
    np.array([[0.5, 0.5, -1.0], [2.0, -0.3, 2.0]]),
    np.eye(3)[[0, 1]],
    second_order=True,
)
row("log_softmax_all_axes-(2,3)", log_softmax_all_axes, data((2, 3)), second_order=True)
row("log_softmax_all_axes-(3,)", log_softmax_all_axes, data((3,)))
row(
    "log_softmax_axis_first-(2,3)",
    log_softmax_axis_first,
    data((2, 3)),
    data((3,)),
    wrt=(0, 1),
    second_order=True,
)
row(
    "log_softmax_not_the_pattern-(3,3)",
    log_softmax_not_the_pattern,
    data((3, 3)),
    data((3, 3)),
    wrt=(0, 1),
)
row(
    "sigmoid_cross_entropy-(6,3)",
    sigmoid_cross_entropy,
    data((3,)),
    data((6, 3)),
    data((6,), 0.0, 1.0),
    wrt=(0, 2),
    second_order=True,
)
row(
    "sigmoid_cross_entropy_swapped-(2,3)x(3,)",
    sigmoid_cross_entropy_swapped,
    data((2, 3), -3.0, 3.0),
    data((3,), 0.0, 1.0),
    wrt=(0, 1),
    second_order=True,
)
row(
    "sigmoid_cross_entropy_swapped-(3,)x(2,3)",
    sigmoid_cross_entropy_swapped,
    data((3,), -3.0, 3.0),
    data((2, 3), 0.0, 1.0),
    wrt=(0, 1),
)
row(
    "sigmoid_cross_entropy_swapped-floatxfloat",
    sigmoid_cross_entropy_swapped,
    0.3,
    0.8,
    wrt=(0, 1),
)
row("sigmoid_entropy-(4,)", sigmoid_entropy, data((4,), -3.0, 3.0), second_order=True)
row(
    "sigmoid_cross_entropy_changed-(4,)",
    sigmoid_cross_entropy_changed,
    data((4,)),
    data((4,), 0.0, 1.0),
    wrt=(0, 1),
)
row(
    "sigmoid_cross_entropy_in_loop-(4,)",
    sigmoid_cross_entropy_in_loop,
    data((4,)),
    data((4,), 0.0, 1.0),
    wrt=(0, 1),
)


def copy_into_loop_variable(x):
    y = x  # y is x until the loop gives it its own variable: a copy
    for _ in range(3):
        y = np.sin(y) * 2.0
    return np.sum(y * x)


for _shape in ["float", (3,)]:
    row(
        f"copy-{shape_id(_shape)}",
        copy_into_loop_variable,
        data(_shape),
        second_order=True,
    )


try:
    from scipy.special import expit
except ImportError:  # scipy is optional; its rules exist only with it
    expit = None


def scipy_expit(x):
    s = expit(x * 2.0)
    return np.sum(s * x)


if expit is not None:
    row("scipy_expit-(3,)", scipy_expit, data((3,)), ag=False, second_order=True)
    row("scipy_expit-float", scipy_expit, 0.4, ag=False)


def append_then_stack(x):
    parts = []
    for k in range(3):
        parts.append(np.sin(x * (k + 1)))
    return np.sum(np.stack(parts) * x)


def builtin_sum_of_arrays(x, b):
    return np.sum(sum([x * 2.0, np.cos(x), b]))


for _shape in ["float", (3,)]:
    row(f"append-{shape_id(_shape)}", append_then_stack, data(_shape))
row(
    "builtin_sum-(2,3)x(3,)",
    builtin_sum_of_arrays,
    data((2, 3)),
    data((3,)),
    wrt=(0, 1),
)
row("builtin_sum-floatxfloat", builtin_sum_of_arrays, 0.3, 0.7, wrt=(0, 1))


def item_assignments(x, v):
    y = np.zeros((3, 4))
    y[0] = x[0] * v
    y[1:, ::2] = np.sin(x[1:, ::2])
    y[2, -1] += np.sum(v * v)
    y[x > 0.5] = 0.25
    return np.sum(y * y)


row("setitem-(3,4)xfloat", item_assignments, data((3, 4)), 0.3, wrt=(0, 1), ag=False)
row(
    "setitem-(3,4)x(4,)",
    item_assignments,
    data((3, 4)),
    data((4,)),
    wrt=(0, 1),
    ag=False,
    second_order=True,
)


def fill_diagonal_square(x, v):
    A = np.outer(x, x)
    np.fill_diagonal(A, v)
    return np.sum(np.sin(A) * x)


def fill_diagonal_rectangle(u, w, v):
    """numpy's wrap=False: a tall matrix's diagonal stops at its last column."""
    A = np.outer(u, w)
    np.fill_diagonal(A, v * 2.0)
    return np.sum(A**2 * u[:, None])


def fill_diagonal_cube(x, v):
    C = x[:, None, None] * x[None, :, None] * x[None, None, :]
    np.fill_diagonal(C, v)
    return np.sum(np.cos(C))


def fill_diagonal_constant(x):
    A = np.outer(x, np.sin(x))
    np.fill_diagonal(A, 1.0)
    return np.sum(A * A)


for _sv in ["float", (3,), (1,), (2,), (3, 1)]:  # (2,): numpy repeats it
    row(
        f"fill_diagonal-(3,)x{shape_id(_sv)}",
        fill_diagonal_square,
        data((3,)),
        data(_sv),
        wrt=(0, 1),
        ag=False,
        second_order=_sv in ["float", (3,)],
    )
for _su, _sw in [((4,), (3,)), ((3,), (4,))]:
    row(
        f"fill_diagonal_rectangle-{shape_id(_su)}x{shape_id(_sw)}x(3,)",
        fill_diagonal_rectangle,
        data(_su),
        data(_sw),
        data((3,)),
        wrt=(0, 1, 2),
        ag=False,
        second_order=True,
    )
row(
    "fill_diagonal_cube-(3,)x(3,)",
    fill_diagonal_cube,
    data((3,)),
    data((3,)),
    wrt=(0, 1),
    ag=False,
)
row("fill_diagonal_constant-(3,)", fill_diagonal_constant, data((3,)), ag=False)


def index_adjoints_added_in_place(x):
    y = x
    a = x[0] * 2.0
    b = y[1] * 3.0
    c = x[1] * y[0] + x[1:] @ y[:-1]
    d = np.sum(x[x > 0.0]) + x[-1]
    return a + b * c + d


row(
    "index_adjoints_added_in_place-(4,)",
    index_adjoints_added_in_place,
    away((4,)),
    second_order=True,
)
