"""Rows of functions that build an array from values: ``np.full``,
``np.full_like`` and ``np.linspace``, whose values carry the derivative
(the shape, the number of points and ``full_like``'s array do not)."""

from __future__ import annotations

import numpy as np

from tests.spec.shapes import own_data
from tests.spec.table import row

data, away = own_data(20261207)


def np_full(x, v):
    y = np.full((2, 3), v) * x
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_full_array_value(x):
    y = np.full((2, 3), np.sin(x))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_full_like(x, v):
    y = np.full_like(x, v * v) + x
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_linspace(a, b):
    y = np.linspace(a, b * b, 5)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_linspace_arrays(x, b):
    y = np.linspace(x, b, 4, endpoint=False)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


row("np_full-(3,)xfloat", np_full, data((3,)), 0.7, wrt=(0, 1), ag=False)
row("np_full_array_value-(3,)", np_full_array_value, data((3,)), ag=False)
row(
    "np_full_like-(2,3)xfloat",
    np_full_like,
    data((2, 3)),
    -0.8,
    wrt=(0, 1),
    ag=False,
    second_order=True,
)
row("np_linspace-floatxfloat", np_linspace, 0.4, 1.1, wrt=(0, 1), ag=False)
row(
    "np_linspace_arrays-(3,)xfloat",
    np_linspace_arrays,
    data((3,)),
    0.9,
    wrt=(0, 1),
    ag=False,
    second_order=True,
)
