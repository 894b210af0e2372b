"""Functions used by the API, error and golden tests (they need source files)."""

import math

import numpy
import numpy as np
import numpy as onp
from numpy import sin

try:
    import scipy.special
    from scipy.stats import norm
except ImportError:  # scipy is optional: the tests that need it skip
    norm = None

SCALE = 2.0


def square_plus(x):
    return x**2 + 3 * x


def two_args(x, y):
    return np.sum(np.sin(x) * y)


def with_defaults(x, scale=2.0, *, offset=1.0):
    return np.sum(x * scale + offset)


def uses_aliases(x):
    a = onp.cos(x)
    b = sin(x)
    c = numpy.exp(x)
    return np.sum(a + b + c)


def uses_global(x):
    return np.sum(x * SCALE)


def make_closure(k):
    def scaled(x):
        return np.sum(np.tanh(x) * k)

    return scaled


def tuple_unpack(x):
    a, b = x * 2, np.sin(x)
    c = a * b
    c += a
    return np.sum(c)


def vector_output(x):
    return np.sin(x) * 2.0


def int_output(x):
    return 3


def with_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y


def return_in_loop(x):
    for _ in range(3):
        x = x * 2
        if x > 10.0:
            return x
    return x


def unknown_call(x):
    return np.sum(np.i0(x))


def user_call(x):
    return square_plus(x) * 2.0


def aug_view(x):
    y = x[0:2]
    for _ in range(2):  # (a view made before the loop: not followed)
        y += 1.0  # writes into x through the view
    return np.sum(x[0:2] * y)


def writes_alias(x):
    y = x * 1.0
    z = y
    y[0] = 2.0  # z sees this too
    return np.sum(z * x)


def calls_math(x):
    return math.sin(x) * math.exp(x) + math.sqrt(x) + math.pow(x, 3.0)


def methods(x, w):
    h = x.dot(w).T
    return h.sum() + x.reshape(-1).mean() + x.max() * x.shape[0]


def indexing(x):
    a = x[0]
    b = x[-1, ::2]
    c = x[None, :, 1]
    d = x[..., 0]
    return np.sum(a) + np.sum(b) + np.sum(c) + np.sum(d)


def sigmoid_loss(w, X, y):
    z = X @ w
    s = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))


def nondiff_parts(x):
    n = x.shape[0]
    k = np.argmax(x)
    return np.sum(x * n) + x[k] + np.sum(np.floor(x) * x)


def comparison_mask(x):
    mask = x > 0.5
    return np.sum(np.where(mask, x, 0.0) ** 2)


def unused_param(x, y):
    return np.sum(x * 2.0)


def sum_square_plus(x):
    return np.sum(x**2 + 3 * x)


def calls_builtin(x):
    return np.i0(x) * 2.0


def dict_params(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return np.sum((h @ params["W2"]) ** 2) + 0.1 * np.sum(params["W1"] ** 2)


def list_of_layers(ws, x):
    h = x
    for w in ws:
        h = np.tanh(h @ w)
    return np.sum(h)


def nested_params(p, x):
    first = p["layers"][0]["w"]
    return np.sum(first * x) + p["scale"] * np.sum(p["layers"][1]["w"])


def nested_helper(x, w):
    k = 2.0

    def helper(z):
        return np.tanh(z * w) * k

    return np.sum(helper(x) + helper(x * 0.5))


def nested_lambda(x, w):
    scale = lambda z: z * w + 1.0  # noqa: E731
    return np.sum(scale(x) ** 2)


def nested_helper_in_loop(x):
    total = 0.0

    def step(v, i):
        return np.sin(v * i)

    for i in range(3):
        total = total + step(x, i + 1.0)
    return np.sum(total)


def nested_escapes(x):
    def helper(z):
        return z * 2.0

    fs = [helper]
    return np.sum(fs[0](x))


def nested_closure_escapes(x, k):
    def helper(z):
        return z * k

    fs = [helper]
    return np.sum(fs[0](x))


class Model:
    """A user object: its method is differentiated, its attributes are data."""

    def __init__(self, scale):
        self.scale = scale

    def loss(self, w, x):
        return np.sum(np.tanh(x @ w) * self.scale)

    def __call__(self, w):
        return np.sum(w**2) * self.scale


def writes_with_out(x):
    buf = np.zeros(3)
    np.add(x, 1.0, out=buf)
    return np.sum(buf * x)


def assigns_with_out(x):
    buf = np.zeros(())
    y = np.sum(x, out=buf)
    return y * buf


def appends_through_an_alias(items, x):
    alias = items
    alias.append(x * 2.0)
    return np.sum(items[-1])


def pops_through_an_alias(items, x):
    alias = items
    last = alias.pop()
    return np.sum(last * x) * len(items)


def writes_while_another_name_is_read_later(x):
    y = x * 2.0
    z = y
    y[0] = 5.0 * x[1]
    return np.sum(z * x)


def writes_while_a_view_is_read_later(x):
    y = x * 2.0
    head = y[0:2]
    y[0] = 5.0 * x[1]
    return np.sum(head) + np.sum(y)


def writes_while_a_list_holds_it_in_a_loop(x):
    y = x * 2.0
    s = 0.0
    pair = [x, x]
    for i in range(3):
        y[i] = y[i] * x[i]
        s = s + np.sum(pair[0])
        pair = [y, x]
    return s


def appends_while_iterating(x):
    acc = [x, 2.0 * x]
    s = 0.0
    for t in acc:
        s = s + np.sum(t)
        if len(acc) < 4:
            acc.append(3.0 * t)
    return s


SEEN: list = []


def _keeps(v):
    SEEN.append(v)
    return np.sum(v)


def augments_an_array_a_keeping_helper_saw(a, x):
    y = x * 2.0
    _keeps(y)
    y += a
    return np.sum(y)


def writes_what_its_loop_runs_over(x):
    y = x * 1.0
    s = 0.0
    for e in y:
        y[2] = e * 3.0
        s = s + e
        y = y * 1.0
    return s


def pops_inside_an_expression(x):
    a = [x[0], x[1] * 2.0]
    return a.pop(0) * 3.0


def removes_from_a_list(x):
    a = [x[0], x[1] * 2.0, x[2]]
    a.remove(a[1])
    return a[0] * a[1]


def reverses_a_list(x):
    a = [x[0], x[1] * 2.0, x[2]]
    a.reverse()
    return a[0] * a[1]


def sorts_with_a_key(x):
    s = sorted([x[0], x[1] * 2.0, x[2]], key=abs)
    return s[0] * s[1]


def pops_a_parameter_at_a_computed_position(items):
    k = len(items) - 1
    v = items.pop(k)
    return v * 2.0


def joins_list_parameters(xs, ys):
    both = xs + ys
    return both[0] * both[-1]


def loops_twice_over_a_stored_zip(x, y):
    pairs = zip(x, y)  # noqa: B905
    total = 0.0
    for u, v in pairs:
        total = total + u * v
    for u, _ in pairs:  # Python: nothing left
        total = total + u
    return total


def zip_strict_in_a_loop_that_breaks(x, y):
    total = 0.0
    for u, v in zip(x, y, strict=True):
        if u > 10.0:
            break
        total = total + u * v
    return total


def fill_diagonal_of_an_alias(x):
    A = np.outer(x, x)
    B = A
    np.fill_diagonal(A, x)  # B sees this too
    return np.sum(B * x)


def fill_diagonal_while_a_row_is_read_later(x):
    A = np.outer(x, x)
    row = A[0]
    np.fill_diagonal(A, 2.0)
    return np.sum(row * x) + np.sum(A)


def fill_diagonal_of_a_parameter_seen_later(A, d):
    At = A.T
    np.fill_diagonal(A, d)
    return np.sum(At * d)


def fill_diagonal_of_a_view_of_a_parameter(M, d):
    A = M[:2, :2]
    np.fill_diagonal(A, d)  # the caller's M changes
    return np.sum(A * d)


def fill_diagonal_wrapped(x):
    A = np.outer(x, x[:2])
    np.fill_diagonal(A, x[0], wrap=True)
    return np.sum(A)


def fill_diagonal_of_a_slice(x):
    A = np.outer(x, x)
    np.fill_diagonal(A[1:, 1:], x[0])
    return np.sum(A)


def norm_of_a_frozen_distribution(x, mu):
    return np.sum(norm(mu, 1.0).logpdf(x))


def norm_of_a_constant_frozen_distribution(x):
    return np.sum(norm(0.0, 2.0).logpdf(x))


def norm_with_a_shape_argument(x):
    return np.sum(norm.pdf(x, 0.0, 1.0, 2.0))


def _same_array_twice(z):
    y = np.sin(z)
    return y, y


def scales_one_of_two_names_of_an_array(x):
    s, u = _same_array_twice(x)
    u *= 0.9  # s is the same array: it is scaled too
    return np.sum(s * u)


def writes_the_row_a_name_reads_later(x):
    A = np.outer(x, x)
    r = A[0]
    A[0, 1] = 5.0  # r[1] changes too
    return np.sum(A) + np.sum(r)


def scales_a_parameter_a_row_of_it_sees(M, x):
    r = M[0]
    M[1] = M[1] * x  # another row: runs
    M -= 0.5 * r  # r sees M[0] change (after M[1]'s update made a new value)
    return np.sum(M * M) + np.sum(r)


def writes_a_row_seen_after_an_update_in_a_loop(x):
    A = np.outer(x, x)
    r = A[0]
    s = 0.0
    for _ in range(2):
        A[1] = A[1] * 2.0  # another row: A is a new array as the code runs
        s = s + np.sum(r)
        A[0, 0] = 5.0 * x[0]  # r sees this, next trip
    return s + np.sum(A)


def writes_a_row_seen_after_another_update(x):
    A = np.outer(x, x)
    r = A[0]
    A[1] = 3.0 * r  # another row: runs, and A is a new array as the code runs
    A[0, 1:] += r[:2]  # r sees this (in the array A was)
    return np.sum(A * A) + np.sum(r)


# values that carry no derivative, held by a container or another name
# before the array is written with one that does


def static_dict_holds_the_array_written(w):
    x = np.zeros(3)
    d = {"k": x}
    x[0] = w * 2.0
    return np.sum(d["k"] * w)


def static_list_holds_the_array_written(w):
    x = np.zeros(3)
    d = [x, np.ones(3)]
    x[0] = w * 2.0
    return np.sum(d[0] * w)


def static_comprehension_holds_the_array_written(w):
    x = np.zeros(3)
    d = [v for v in [x]]
    x[0] = w * 2.0
    return np.sum(d[0] * w)


def static_joined_lists_hold_the_array_written(w):
    x = np.zeros(3)
    d = [x] + [np.ones(3)]
    x[0] = w * 2.0
    return np.sum(d[0] * w)


def static_unpacking_names_the_array_written(w):
    x = np.zeros(3)
    y = np.ones(3)
    a, b = (x, y) if w > 0.0 else (y, x)
    x[0] = w * 2.0
    return np.sum(a * w)


def static_list_appended_the_array_written(w):
    x = np.zeros(3)
    lst = []
    lst.append(x)
    x[0] = w * 2.0
    return np.sum(lst[0] * w)


def static_list_extended_by_the_array_written(w):
    x = np.zeros(3)
    lst = [np.ones(3)]
    lst.extend([x])
    x[0] = w * 2.0
    return np.sum(lst[1] * w)


def static_list_inserted_the_array_written(w):
    x = np.zeros(3)
    lst = []
    lst.insert(0, x)
    x[0] = w * 2.0
    return np.sum(lst[0] * w)


def _adds_to_its_argument(z):
    z[2] = z[2] + 0.3
    return z[2]


def helper_writes_into_a_value_read_later(x):
    y = 0.2 / x
    s = _adds_to_its_argument(y)
    return s + np.sum(y)


def _overwrites_its_argument(z):
    z[1] = 0.5
    return 0.0


def helper_writes_into_the_parameter(x):
    s = _overwrites_its_argument(x)
    return np.sum(x) + s


def helper_writes_into_the_parameter_never_read_again(x):
    return _overwrites_its_argument(x) + 2.0  # the caller's x changes


def helper_writes_into_the_parameter_in_a_call_statement(x):
    _overwrites_its_argument(x)  # (its result unused: the call is still made)
    return np.sum(x * x)


def _doubles_the_array_in_its_pair(pair):
    first, (second, scale) = pair
    second *= scale
    return 0.0


def helper_writes_into_an_array_inside_a_tuple(x):
    _doubles_the_array_in_its_pair((x, (x * 1.0, 2.0)))  # a new array: fine
    pair = (x, (np.sin(x), 2.0))
    _doubles_the_array_in_its_pair(pair)  # pair[1][0], read below, changes
    return np.sum(pair[1][0])


def _doubles_the_first(items):
    items[0] *= 2.0
    return 0.0


def helper_writes_into_an_array_inside_a_list(x):
    items = [np.sin(x), x]
    _doubles_the_first(items)
    return np.sum(items[0] * items[1])


def list_item_set_to_the_array_written(w):
    x = np.sin(w * np.arange(1.0, 4.0))
    a = [np.ones(3)]
    a[0] = x
    x[0] = w * 2.0
    return np.sum(a[0] * w)


def static_unpacking_of_joined_lists(w):
    x = np.zeros(3)
    a, b = [x] + [np.ones(3)]
    x[0] = w * 2.0
    return np.sum(a * w)


def array_written_while_a_list_of_its_rows_is_read(x):
    A = np.outer(x, x)
    L = list(tuple(A))
    L.pop()
    A[0] = np.sin(x)  # L[0] is A's first row: it changes too
    return np.sum(L[0] * x)


def _energy_and_input(W, z):
    return np.sum(W @ z), z


def constant_given_to_a_helper_that_returns_it_then_written(W):
    y = np.ones(3)
    s, r = _energy_and_input(W, y)
    y[:] = 1.2  # r is y: it sees the write, the helper's derivative must not
    return s + np.sum(r)


def _weighted_energy(w, y):
    return w * np.sum(y**2)


def constant_given_to_a_function_parameter_then_written(w, energy):
    y = np.ones(3)
    s = energy(w, y)  # known only as it runs: it may keep or return y
    y[:] = 5.0  # its derivative would read 5.0: 75 where the gradient is 3
    return s


def _writes_then_sums(A, z):
    z -= 0.3 * A[0]
    return np.sum(A, axis=0)


def argument_written_by_a_helper_and_read_later_in_the_statement(a, M):
    u = a + np.arange(3.0)
    return _writes_then_sums(M, u)[0] + np.sum(np.tanh(u))


def _triples_the_first(z):
    z[0] *= 3.0
    return np.sum(z)


def condition_calls_a_helper_that_writes(x):
    y = x * 2.0
    if _triples_the_first(y) > 0.0:  # y changes: y * x reads the new y
        return np.sum(y * x)
    return np.sum(x)


def while_condition_calls_a_helper_that_writes(x):
    y = x * 2.0
    n = 0
    while _triples_the_first(y) < 10.0 and n < 3:
        n += 1
    return np.sum(y * x)


def condition_pops_from_a_list(x):
    items = [x, 2.0 * x, 3.0 * x]
    if items.pop() > 0.0:
        s = items[-1]
    else:
        s = items[0]
    return s * x


def _count_after_tripling_the_first(z):
    z[0] *= 3.0
    return 2


def loop_range_calls_a_helper_that_writes(x):
    y = x * 2.0
    s = 0.0
    for _ in range(_count_after_tripling_the_first(y)):
        s = s + np.sum(y * x)
    return s


def logsumexp_with_sign(x, a):
    r, s = scipy.special.logsumexp(x * a, return_sign=True)
    return r * s


def _sum_of_squares(*values):
    return sum(v * v for v in values)


def helper_given_star_arguments(x, a):
    return np.sum(_sum_of_squares(x, a))


def _scaled(z, **options):
    return z * options["scale"]


def helper_given_keyword_arguments(x, a):
    return np.sum(_scaled(x, scale=a))


def item_of_a_zero_d_value(x):
    s = np.sum(x * x)
    return s[()] * 2.0


def _writes_then_rebinds_in_a_loop(A, c):
    A[0] = A[2] * c
    for _ in range(1):
        A = A + c
        if c > 10.0:  # (a return where A is rebound: A's write stays unseen)
            return 0.0
    return np.sum(A)


def writing_helper_in_a_comprehension(x, a):
    y = x * 1.0
    s = sum([_writes_then_rebinds_in_a_loop(y, a) for k in range(2)])
    return s + np.sum(y)
