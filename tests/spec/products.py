"""Rows of products of arrays."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import away, data, row, shape_id  # noqa: F401

# ---- products ----------------------------------------------------------------


def np_dot(a, b):
    y = np.dot(a, b)
    return np.sum(y * y)


def method_dot(a, b):
    y = a.dot(b)
    return np.sum(y * y)


def np_matmul(a, b):
    y = np.matmul(a, b)
    return np.sum(y * y)


def op_matmul(a, b):
    y = a @ b
    return np.sum(y * y)


def np_outer(a, b):
    y = np.outer(a, b)
    return np.sum(y * y * y)


PRODUCT_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((1, 3), (3, 1)),
]
BATCHED_SHAPES = [
    ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
    ((1, 2, 3), (4, 3, 2)),
]
for _f in [np_dot, method_dot, np_matmul, op_matmul]:
    for _sa, _sb in PRODUCT_SHAPES + (
        BATCHED_SHAPES if "matmul" in _f.__name__ else []
    ):
        _ag = _f is not method_dot  # autograd's boxes have no .dot
        row(
            f"{_f.__name__}-{shape_id(_sa)}x{shape_id(_sb)}",
            _f,
            data(_sa),
            data(_sb),
            wrt=(0, 1),
            ag=_ag,
        )
for _sa, _sb in [("float", (3,)), ((2, 3), "float"), ((), (2, 2))]:
    row(
        f"np_dot-{shape_id(_sa)}x{shape_id(_sb)}",
        np_dot,
        data(_sa),
        data(_sb),
        wrt=(0, 1),
    )
for _sa, _sb in [((3,), (4,)), ((2, 2), (3,)), ((3,), (1, 2))]:
    _ag = len(_sa) == len(_sb) == 1  # autograd's outer forgets to ravel
    row(
        f"np_outer-{shape_id(_sa)}x{shape_id(_sb)}",
        np_outer,
        data(_sa),
        data(_sb),
        wrt=(0, 1),
        ag=_ag,
    )
