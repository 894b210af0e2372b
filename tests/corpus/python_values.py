"""Python values around the arrays: builtin max/min, unpacking, loops over
zipped sequences, writes into a product; and the objects, closures and
in-place numpy calls refused because their gradient would be lost."""

import functools
import math

import numpy as np

from . import Case

X4 = np.array([0.2, 1.3, 2.1, -0.4])


def max_of_list_literal(x):
    return max([x[0] * 2.0, x[1], x[2] ** 2]) + min(x[0], x[1] * 3.0, x[3])


def max_of_built_list(x):
    squares = []
    for v in x:
        squares.append(v * v)
    return min(squares) * 3.0 + max(squares)


def max_of_comprehension(x):
    terms = [math.exp(-0.5 * (v - 1.0) ** 2) for v in x]
    return max(terms) + sum(t * t for t in terms)


def nested_unpacking(q):
    (a, b), c = (q[0], q[1]), q[2]
    d, (e, f) = q[3] * 2.0, (a * b, c)
    return a * b + c * d + e * f


def enumerate_zip_of_a_slice(q, r):
    total = 0.0
    for i, (a, b) in enumerate(zip(q, r[::-1])):
        total += (i + 1) * a * np.sin(b)
    return total


def write_into_product(X, w):
    h = X @ w
    h[h < 0] = 0.0
    return np.sum(h**2)


def numpy_reads_a_list_parameter(xs):
    return np.sum(np.add(xs, 2.0) * np.sin(xs))


def writes_an_item_of_a_dict(d, x):
    d["a"] = x * 2.0
    d["b"] += x
    return np.sum(d["a"] * d["b"])


def builds_a_dict(x):
    out = {}
    out["a"] = x * 2.0
    out["b"] = np.sin(x)
    return np.sum(out["a"] * out["b"])


def unpack_after_loop(pairs, x):
    for a, b in pairs:
        x = a * x + b
    a, b = pairs[0]
    return x * a + b


CASES = [
    Case(max_of_list_literal, (X4,)),
    Case(max_of_built_list, (X4,)),
    Case(max_of_comprehension, (X4,)),
    Case(nested_unpacking, (X4,)),
    Case(enumerate_zip_of_a_slice, (X4, X4 * 0.5 + 0.1), wrt=(0, 1)),
    Case(
        write_into_product,
        (np.array([[1.0, -2.0], [0.3, 0.4]]), X4[:2]),
        wrt=(0, 1),
        autograd=False,
    ),
    Case(unpack_after_loop, ([(2.0, 1.0), (0.5, -0.3)], 0.7), wrt=1),
    Case(builds_a_dict, (X4,)),
]


class Scale:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return x * self.w


def make_scaler(w):
    def scale(x):
        return x * w

    return scale


def _mul(a, b):
    return a * b


def object_made_inside(w):
    layer = Scale(w)
    return layer(2.0)


def closure_made_by_a_call(w):
    scale = make_scaler(w)
    return scale(2.0)


def partial_made_inside(w):
    scale = functools.partial(_mul, w)
    return scale(2.0)


def add_at(v):
    out = np.zeros(2)
    np.add.at(out, [0, 0], v)
    return np.sum(out)


def fill_diagonal_wrapped(v):
    K = np.outer(v, v[:1])
    np.fill_diagonal(K, 1.0, wrap=True)
    return np.sum(K * v[:, None])


def copyto(v):
    out = np.zeros(2)
    np.copyto(out, v)
    return np.sum(out)


def put(v):
    out = np.zeros(3)
    np.put(out, [0, 2], v)
    return np.sum(out)


def fill_with_a_value(v):
    out = np.zeros(2)
    out.fill(v[0])
    return np.sum(out)


def max_of_a_generator(x):
    return max(v * v for v in x)


def with_eval(x):
    return eval("x * 2.0")


def with_exec(x):
    y = x * 3.0
    exec("y = y * 2.0")
    return y


def reads_locals(x):
    y = x * 3.0
    return locals()["y"]


def alias_on_one_branch(x, flag):
    y = x * 1.0
    if flag:
        z = y
    else:
        z = y.copy()
    z[0] = 5.0  # on the first path, y changes too
    return np.sum(y * x)


def parameter_alias_on_one_branch(x, flag):
    z = x if flag else x.copy()
    z[0] = 5.0
    return np.sum(x * x)


def default_reads_a_parameter(x):
    def scaled(z, c=x):
        return z * c

    return scaled(3.0)


def lambda_default_reads_a_local(x):
    p = 2
    power = lambda z, k=p: z**k  # noqa: E731
    return power(x)


def joined_lists(a, b):
    xs = [a]
    ys = [b]
    both = xs + ys
    return both[0] * both[1]


class _Base:
    def loss(self, x):
        return x * x


class _Child(_Base):
    def loss(self, x):
        return super().loss(x) + x


V2 = np.array([1.0, 2.0])

REFUSED = [
    Case(object_made_inside, (3.0,)),
    Case(closure_made_by_a_call, (3.0,)),
    Case(partial_made_inside, (3.0,)),
    Case(add_at, (V2,)),
    Case(fill_diagonal_wrapped, (V2,)),
    Case(copyto, (V2,)),
    Case(put, (V2,)),
    Case(fill_with_a_value, (V2,)),
    Case(alias_on_one_branch, (np.array([1.0, 2.0, 3.0]), True)),
    Case(parameter_alias_on_one_branch, (np.array([1.0, 2.0, 3.0]), True)),
    Case(default_reads_a_parameter, (0.7,)),
    Case(lambda_default_reads_a_local, (0.7,)),
    Case(_Child().loss, (0.5,)),
    Case(with_eval, (1.5,)),
    Case(with_exec, (1.5,)),
    Case(reads_locals, (1.5,)),
]
