"""In-place updates (``y[i] = v``, ``y += v``, ``y[mask] = v``, ``y *= c``,
``np.fill_diagonal(y, v)``) inside branches and loops.

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


def correlation_from_loadings(F):
    """A correlation-like matrix from factor loadings, with a unit diagonal."""
    C = np.tanh(F @ F.T)
    np.fill_diagonal(C, 1.0)
    return np.sum(C**2 * np.arange(1.0, 5.0))


def kernel_with_learned_noise(log_ell, log_noise, x, y):
    """A Gaussian process's negative log-likelihood; the noise is written on
    the kernel matrix's diagonal."""
    K = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(2.0 * log_ell))
    np.fill_diagonal(K, 1.0 + np.exp(log_noise))
    alpha = np.linalg.solve(K, y)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ alpha + 0.5 * logdet


def diagonal_rewritten_in_loop(x, d):
    A = np.outer(x, x)
    for _ in range(3):
        np.fill_diagonal(A, A.diagonal() * d + 1.0)
        if np.sum(A) > 2.0:
            A = np.tanh(A)
    return np.sum(A * A)


def diagonal_of_a_tall_matrix(u, w, d):
    """numpy's wrap=False: the diagonal stops at the last column."""
    A = np.outer(u, w)
    if d[0] > 0:
        np.fill_diagonal(A, d)
    return np.sum(np.sin(A) * u[:, None])


def fill_diagonal_of_parameter(A):
    """The caller's matrix is left with the new diagonal."""
    np.fill_diagonal(A, np.sum(A, axis=1) * 0.5)
    return np.sum(A * A)


def fill_diagonal_of_parameter_in_branch(A):
    if A[0, 0] > 0:
        np.fill_diagonal(A, np.tanh(A[0]))
    return np.sum(A**3)


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
    Case(correlation_from_loadings, (X * 0.5,), autograd=False),
    Case(
        kernel_with_learned_noise,
        (0.2, -1.0, np.array([0.0, 0.4, 1.1, 2.0]), V),
        wrt=(0, 1),
        autograd=False,
    ),
    Case(diagonal_rewritten_in_loop, (V, V[::-1]), wrt=(0, 1), autograd=False),
    Case(
        diagonal_of_a_tall_matrix,
        (V, V[:3] * 2.0, np.abs(V[:3])),
        wrt=(0, 1, 2),
        autograd=False,
    ),
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
# the same for a matrix parameter (checked with composition.PARAMETER_CASES)
MATRIX_PARAMETER_CASES = [
    Case(fill_diagonal_of_parameter, (X[:3].copy(),), (0,)),
    Case(fill_diagonal_of_parameter_in_branch, (np.abs(X[:3]),), (0,)),
]
