"""Rows of list and tuple operations: joins (``xs + ys``), repetitions
(``xs * n``, ``n * xs``), ``sorted`` and the ``list``/``tuple`` copies,
including operands that turn out to be arrays (numpy's arithmetic)."""

from __future__ import annotations

import numpy as np

from tests.spec.table import away, data, row


def list_join(x):
    a = [x[0], np.sin(x[1])]
    b = [x[2] * x[0]]
    c = a + b + [2.0]
    return c[0] * c[2] + c[1] * c[3]


def tuple_join(x):
    t = (x[0], x[1] * x[1]) + (np.exp(x[2]),)
    return t[0] * t[1] + t[2]


def join_that_adds_arrays(x):
    a = [x * 2.0]
    a = a[0]  # the name held a list; now an array, which + adds
    b = a + [1.0, 2.0, 3.0]
    return np.sum(b * b)


def repeats(x):
    a = [x[0], x[1] * 2.0]
    b = a * 2
    c = 3 * a
    return b[0] * b[3] + c[5] * c[2]


def repeat_that_multiplies_arrays(x):
    a = [x]
    a = a[0]
    return np.sum((a * 3) * (2 * a))


def sorted_list(x):
    s = sorted([x[0], x[1] * 2.0, np.sin(x[2])])
    return s[0] * 3.0 + s[1] * s[2]


def sorted_array_in_reverse(x):
    s = sorted(x * x, reverse=True)
    return s[0] * 3.0 + s[1] * s[-1]


def copies(x):
    rows = list(x)
    pair = tuple([x[0] * 2.0, np.cos(x[1])])
    return rows[0] * rows[-1] + pair[0] * pair[1]


row("list_join-(3,)", list_join, data((3,)), second_order=True)
row("tuple_join-(3,)", tuple_join, data((3,)), second_order=True)
row("join_that_adds_arrays-(3,)", join_that_adds_arrays, data((3,)))
row("repeats-(2,)", repeats, data((2,)), second_order=True)
row("repeat_that_multiplies_arrays-(3,)", repeat_that_multiplies_arrays, data((3,)))
row("sorted_list-(3,)", sorted_list, np.array([0.3, 1.1, -0.8]), second_order=True)
row(
    "sorted_array_in_reverse-(4,)",
    sorted_array_in_reverse,
    np.array([0.3, 1.1, -0.8, 1.4]),
    second_order=True,
)
row("copies-(3,)", copies, away((3,)), second_order=True)
