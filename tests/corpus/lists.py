"""Ordinary list code on differentiated values: joins (``xs + ys``, ``+=``,
``extend``), repetition (``xs * n``), ``sorted``, ``pop(i)`` and
``insert``, ``list(...)``/``tuple(...)`` copies, and zip or enumerate
objects kept in a variable and looped over later."""

import numpy as np

from . import Case

X3 = np.array([0.3, 1.2, -0.7])
X4 = np.array([0.2, 1.3, 2.1, -0.4])
Y4 = np.array([0.5, -0.8, 1.7, 0.9])


def join_two_lists(x):
    a = [x[0], x[1] * 2.0]
    b = [np.sin(x[2])]
    c = a + b
    return c[0] * c[2] + c[1]


def join_with_a_literal(x):
    acc = []
    for v in x:
        acc.append(v * v)
    both = [x[0] * 3.0] + acc + [np.cos(x[1])]
    total = 0.0
    for i in range(len(both)):
        total = total + (i + 1.0) * both[i]
    return total


def join_tuples(x):
    t = (x[0], x[1] * 2.0) + (np.exp(x[2]),)
    return t[0] * t[1] * t[2]


def join_the_same_list_twice(x):
    a = [x[0] * 2.0, x[1]]
    b = a + a
    return b[0] * b[3] + b[2]


def join_in_a_loop(x):
    layers = []
    for v in x:
        layers = layers + [np.tanh(v), v * 0.5]
    return layers[0] * layers[3] + layers[-1] * layers[-2]


def repeat_a_list(x):
    a = [x[0], x[1] * 2.0]
    c = a * 2
    d = 3 * a
    return c[0] * c[3] + d[5] * d[2]


def extend_a_list(x):
    a = [x[0]]
    a += [x[1] * 2.0]
    a.extend([x[2], x[0] * x[1]])
    return a[0] * a[1] + a[2] * a[3]


def extend_in_a_loop(x):
    acc = []
    for v in x:
        acc.extend([v, v * v])
    total = 0.0
    for i, term in enumerate(acc):
        total = total + (i + 1.0) * term
    return total


def sorted_values(x):
    s = sorted([x[0], x[1] * 2.0, x[2], np.sin(x[3])])
    return s[0] * 3.0 + s[1] * s[2] - s[3]


def sorted_in_reverse(x):
    s = sorted([x[0], x[1] * 2.0, x[2], np.sin(x[3])], reverse=True)
    return s[0] * 3.0 + s[1] * s[2] - s[3]


def sorted_rows_of_an_array(x):
    s = sorted(x * 2.0)
    return s[0] * s[-1] + s[1]


def median_of_three(x):
    middle = sorted([x[0], x[1], x[2]])[1]
    return middle * middle


def pop_the_front(x):
    a = [x[0], x[1] * 2.0, x[2]]
    v = a.pop(0)
    return v * a[0] + a[1]


def pop_in_the_middle(x):
    a = [x[0], x[1] * 2.0, x[2], x[3]]
    v = a.pop(1)
    w = a.pop(-2)
    return v * a[0] + w * a[1]


def pop_at_a_computed_position(x):
    a = [x[0], x[1] * 2.0, x[2], x[3]]
    k = len(a) // 2
    v = a.pop(k)
    return v * a[0] + a[1] * a[2]


def queue_of_values(x):
    queue = [x[0], x[1], x[2]]
    total = 0.0
    while queue:
        v = queue.pop(0)
        total = total * 0.5 + v * v
    return total


def insert_values(x):
    a = [x[0], x[1] * 2.0]
    a.insert(1, x[2])
    a.insert(0, np.sin(x[3]))
    a.insert(-1, 3.0)
    a.insert(10, x[0] * x[1])
    return a[0] * a[1] + a[2] * a[3] + a[4] * a[5]


def zip_strict(x, y):
    total = 0.0
    for u, v in zip(x, y, strict=True):
        total = total + u * v * v
    return total


def zip_kept_in_a_variable(x, y):
    pairs = zip(x, y)
    total = 0.0
    for u, v in pairs:
        total = total + u * np.sin(v)
    return total


def enumerate_kept_in_a_variable(x):
    numbered = enumerate(x * 2.0)
    total = 0.0
    for i, v in numbered:
        total = total + (i + 1.0) * v * v
    return total


def list_of_an_accumulator(x):
    acc = []
    for v in x:
        acc.append(v * v)
    copy = list(acc)
    return np.sum(np.array(copy) * x)


def tuple_of_an_accumulator(x):
    acc = [x[0], x[1] * 2.0]
    t = tuple(acc)
    return t[0] * t[1]


def list_of_an_array(x):
    rows = list(x * 3.0)
    return rows[0] * rows[1] + rows[-1]


CASES = [
    Case(join_two_lists, (X3,)),
    Case(join_with_a_literal, (X4,)),
    Case(join_tuples, (X3,)),
    Case(join_the_same_list_twice, (X3,)),
    Case(join_in_a_loop, (X4,)),
    Case(repeat_a_list, (X3,)),
    Case(extend_a_list, (X3,)),
    Case(extend_in_a_loop, (X4,)),
    Case(sorted_values, (X4,)),
    Case(sorted_in_reverse, (X4,)),
    Case(sorted_rows_of_an_array, (X4,)),
    Case(median_of_three, (X3,)),
    Case(pop_the_front, (X3,)),
    Case(pop_in_the_middle, (X4,)),
    Case(pop_at_a_computed_position, (X4,)),
    Case(queue_of_values, (X3,)),
    Case(insert_values, (X4,)),
    Case(zip_strict, (X4, Y4), wrt=(0, 1)),
    Case(zip_kept_in_a_variable, (X4, Y4), wrt=(0, 1)),
    Case(enumerate_kept_in_a_variable, (X4,)),
    Case(list_of_an_accumulator, (X4,)),
    Case(tuple_of_an_accumulator, (X3,)),
    Case(list_of_an_array, (X3,)),
]
