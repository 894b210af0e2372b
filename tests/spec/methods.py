"""Rows of array methods and attributes with no numpy function of their own."""

from __future__ import annotations

import numpy as np

from tests.spec.table import away, data, row

RNG = np.random.default_rng(7)


def astype_float(x):
    y = x.astype(float)
    return np.sum(y * y * x)


def astype_int_is_constant(x):
    k = (x * 3.0).astype(int)
    return np.sum(k * x * x)


def item_of_size_one(x, w):
    return x[:1].item() * np.sum(w * x) + x[1:2].item() ** 2


def real_and_matrix_transpose(x):
    return np.sum(x.real * x.mT @ x)


row("astype_float-(3,)", astype_float, data((3,)), second_order=True)
row(
    "astype_int_is_constant-(4,)",
    astype_int_is_constant,
    away((4,)) + 0.1,
    ag=False,  # autograd passes the gradient through a cast to int
)
row(
    "item_of_size_one-(3,)",
    item_of_size_one,
    data((3,)),
    data((3,)),
    wrt=(0, 1),
    ag=False,  # autograd has no .item()
    second_order=True,
)
row(
    "real_and_matrix_transpose-(3,3)",
    real_and_matrix_transpose,
    data((3, 3)),
    ag=False,
    second_order=True,
)
