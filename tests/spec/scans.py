"""Rows of scans and linear maps along axes: cumsum, cumprod (and numpy 2's
cumulative_sum, cumulative_prod), diff, trace (and np.linalg.trace).

The data come from a generator of this module's own. Each row weighs the
entries of the result differently, so that an adjoint sent to the wrong
entry shows. cumprod is also checked with zeros in its input (exact, and
finite differences are exact enough: it is a polynomial).
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id

RNG = np.random.default_rng(20240612)


def data(shape, low=-1.5, high=1.5):
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


X3 = data((2, 3, 4))

# ---- cumsum, cumprod -------------------------------------------------------------


def np_cumsum(x, axis):
    y = np.cumsum(x, axis=axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_cumprod(x, axis):
    y = np.cumprod(x, axis=axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def scans_spelled(x):
    a = x.cumsum(axis=1)
    b = x.cumprod(0)
    c = np.cumsum(x)
    return np.sum(a * b) + np.sum(c * c) + np.sum(np.cumprod(x, 1)[:, -1])


for _f in [np_cumsum, np_cumprod]:
    for _axis in [None, 0, 1, -1]:
        row(
            f"{_f.__name__}-axis={_axis}",
            _f,
            X3,
            _axis,
            ag=_f is np_cumsum,
            second_order=_axis in (None, 1),
        )
    row(f"{_f.__name__}-vector", _f, data((5,)), 0, ag=_f is np_cumsum)
    row(f"{_f.__name__}-float", _f, 1.3, None, ag=False)
row("scans_spelled-(3,4)", scans_spelled, data((3, 4)), ag=False, second_order=True)

ZEROS = data((3, 4))
ZEROS[0, 1] = ZEROS[2, 0] = ZEROS[2, 2] = 0.0
for _axis in [None, 0, 1]:
    row(
        f"np_cumprod-zeros-axis={_axis}",
        np_cumprod,
        ZEROS,
        _axis,
        ag=False,  # autograd has no cumprod
        second_order=True,
    )
row(
    "np_cumprod-two-zeros-vector",
    np_cumprod,
    np.array([1.2, 0.0, 0.7, 0.0, 1.1]),
    0,
    ag=False,
    second_order=True,
)


def np_cumulative_sum(x, axis, include_initial):
    y = np.cumulative_sum(x, axis=axis, include_initial=include_initial)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_cumulative_prod(x, axis, include_initial):
    y = np.cumulative_prod(x, axis=axis, include_initial=include_initial)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


for _f in [np_cumulative_sum, np_cumulative_prod]:
    for _x, _axis, _initial in [
        (data((5,)), None, False),
        (data((5,)), None, True),
        (X3, 1, True),
        (X3, -1, False),
        (ZEROS, 0, True),
    ]:
        row(
            f"{_f.__name__}-{shape_id(_x.shape)}-axis={_axis}-initial={_initial}",
            _f,
            _x,
            _axis,
            _initial,
            ag=False,  # autograd has no cumulative_sum
            second_order=_initial,
        )

# ---- diff ----------------------------------------------------------------------------


def np_diff(x, n, axis):
    y = np.diff(x, n, axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def diff_spelled(x):
    return np.sum(np.diff(x) ** 2) + np.sum(np.diff(x, axis=0)) * np.diff(x, n=2)[0, 1]


for _n, _axis in [(1, -1), (2, -1), (1, 0), (1, 1), (3, 2), (0, -1)]:
    row(f"np_diff-n={_n}-axis={_axis}", np_diff, X3, _n, _axis)
row("np_diff-vector", np_diff, data((6,)), 2, 0)
row("np_diff-n=length", np_diff, data((3,)), 3, 0)  # an empty difference
row("diff_spelled-(3,4)", diff_spelled, data((3, 4)), second_order=True)

# ---- trace -----------------------------------------------------------------------------


def np_trace(x, offset, axis1, axis2):
    y = np.trace(x, offset=offset, axis1=axis1, axis2=axis2)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def trace_offset(x, offset):
    return np.trace(x, offset=offset) ** 2


def trace_spelled(x):
    return x.trace() ** 2 + np.trace(x, offset=1) * np.trace(x.T, -1)


for _shape, _offset, _axes in [
    ((3, 3), 0, (0, 1)),
    ((3, 4), 1, (0, 1)),
    ((4, 3), -1, (0, 1)),
    ((3, 4), 2, (1, 0)),
    ((2, 3, 4), 0, (0, 1)),
    ((2, 3, 4), 1, (1, 2)),
    ((2, 3, 4), -1, (2, 0)),
    ((2, 3, 4), 0, (-1, -2)),
]:
    row(
        f"np_trace-{shape_id(_shape)}-offset={_offset}-axes={_axes}",
        np_trace,
        data(_shape),
        _offset,
        *_axes,
        ag=False,  # autograd's trace knows no axes
    )
    if len(_shape) == 2:
        row(
            f"trace_offset-{shape_id(_shape)}-offset={_offset}",
            trace_offset,
            data(_shape),
            _offset,
        )
row("trace_spelled-(3,3)", trace_spelled, data((3, 3)), second_order=True)


def linalg_trace(x, offset):
    y = np.linalg.trace(x, offset=offset)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


for _shape, _offset in [((3, 4), 0), ((2, 3, 4), 1), ((2, 4, 3), -1)]:
    row(
        f"linalg_trace-{shape_id(_shape)}-offset={_offset}",
        linalg_trace,
        data(_shape),
        _offset,
        ag=False,
    )
