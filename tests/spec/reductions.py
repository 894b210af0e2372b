"""Rows of reductions."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import away, data, row, shape_id  # noqa: F401

# ---- reductions --------------------------------------------------------------


def np_sum(x, axis, keepdims):
    y = np.sum(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_mean(x, axis, keepdims):
    y = np.mean(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_max(x, axis, keepdims):
    y = np.max(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_amax(x, axis, keepdims):
    y = np.amax(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_min(x, axis, keepdims):
    y = np.min(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_amin(x, axis, keepdims):
    y = np.amin(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_prod(x, axis, keepdims):
    y = np.prod(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


REDUCTIONS = [np_sum, np_mean, np_max, np_amax, np_min, np_amin, np_prod]
X3 = data((2, 3, 4), -1.5, 1.5)
for _f in REDUCTIONS:
    for _axis in [None, 0, 1, -1, (0, 2), (-1, 0)]:
        for _keepdims in [False, True]:
            row(
                f"{_f.__name__}-axis={_axis}-keepdims={_keepdims}",
                _f,
                X3,
                _axis,
                _keepdims,
                second_order=_keepdims and _axis in (None, (0, 2)),
            )
    row(f"{_f.__name__}-vector-axis=0", _f, data((5,)), 0, False)
    row(f"{_f.__name__}-matrix-axis=1", _f, data((3, 4)), 1, True)


def sum_all(x):
    return np.sum(x) ** 2


def mean_all(x):
    return np.mean(x) ** 2


def max_all(x):
    return np.max(x) ** 2


def amax_all(x):
    return np.amax(x) ** 2


def min_all(x):
    return np.min(x) ** 2


def amin_all(x):
    return np.amin(x) ** 2


def prod_all(x):
    return np.prod(x) ** 2


def reductions_spelled(x):
    a = np.sum(x, 0)
    b = np.mean(x, axis=-1, keepdims=True)
    c = x.max(axis=1)
    d = x.min(0)
    e = x.prod(axis=(0, 1))
    f = x.sum() + x.mean()
    return np.sum(a * a) + np.sum(b * b) + np.sum(c * c) + np.sum(d * d) + e + f


for _f in [sum_all, mean_all, max_all, amax_all, min_all, amin_all, prod_all]:
    for _shape in [(5,), (2, 3), (2, 3, 2)]:
        row(f"{_f.__name__}-{shape_id(_shape)}", _f, data(_shape, 0.3, 1.5))
    row(f"{_f.__name__}-float", _f, 1.3, ag=_f is not prod_all)
row("reductions_spelled-(3,4)", reductions_spelled, data((3, 4)), second_order=True)

# ties: autograd shares the gradient equally among the entries that attain it
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, -2.0, 0.5], [3.0, 0.0, -2.0, 1.0]])
for _f in [np_max, np_amax, np_min, np_amin]:
    for _axis in [None, 0, 1, (0, 1)]:
        row(f"{_f.__name__}-ties-axis={_axis}", _f, TIES, _axis, False, fd=False)
    row(f"{_f.__name__}-ties-keepdims", _f, TIES, 1, True, fd=False)
for _f in [max_all, min_all]:
    row(f"{_f.__name__}-ties", _f, np.array([1.0, -3.0, 1.0, -3.0, 0.0]), fd=False)

# zeros in prod: the product of the other entries, exact at zeros (finite
# differences are exact enough: prod is a polynomial)
ONE_ZERO = np.array(
    [[1.5, 0.5, 2.0, -1.0], [0.7, 0.0, 1.2, 1.1], [2.0, -0.5, 0.9, 1.3]]
)
TWO_ZEROS = np.array(
    [[1.5, 0.0, 2.0, -1.0], [0.7, 0.0, 1.2, 0.0], [2.0, -0.5, 0.9, 1.3]]
)
for _name, _x in [("one-zero", ONE_ZERO), ("two-zeros", TWO_ZEROS)]:
    for _axis in [None, 0, 1, -1, (0, 1)]:
        for _keepdims in [False, True]:
            row(
                f"np_prod-{_name}-axis={_axis}-keepdims={_keepdims}",
                np_prod,
                _x,
                _axis,
                _keepdims,
                ag=False,  # autograd divides by the entries: nan at zeros
                second_order=_axis in (None, 1) and not _keepdims,
            )
    row(f"prod_all-{_name}", prod_all, _x, ag=False, second_order=True)
ZEROS_3D = data((2, 3, 4), 0.5, 1.5)
ZEROS_3D[0, 1, 2] = ZEROS_3D[1, 1, 0] = ZEROS_3D[1, 2, 0] = 0.0
for _axis in [None, 1, -1, (0, 2), (-1, 0)]:
    for _keepdims in [False, True]:
        row(
            f"np_prod-zeros-3d-axis={_axis}-keepdims={_keepdims}",
            np_prod,
            ZEROS_3D,
            _axis,
            _keepdims,
            ag=False,
        )
