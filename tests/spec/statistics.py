"""Rows of statistics: var, std, ptp, median, average and the nan reductions
(nansum, nanmean, nanmax, nanmin, nanprod).

The data come from a generator of this module's own, so that adding rows
here leaves the data of other modules' rows as they were. Entries are
distinct (no ties) unless a row says otherwise; autograd is the oracle for
var and std, the functions of these it has.
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id

RNG = np.random.default_rng(20240611)


def data(shape, low=-1.5, high=1.5):
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


X3 = data((2, 3, 4))
AXES = [None, 0, -1, (0, 2)]

# ---- var, std ------------------------------------------------------------------


def np_var(x, axis, ddof, keepdims):
    y = np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)
    return np.sum(y * y)


def np_std(x, axis, ddof, keepdims):
    y = np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)
    return np.sum(y * y * y)


def var_std_spelled(x):
    a = x.var(axis=1)
    b = x.std(0, ddof=1)
    c = np.var(x, 1, None, None, 1, True)
    return np.sum(a * b[0]) + np.std(x) * np.sum(c)


def var_all(x):
    return np.var(x) ** 2 + np.std(x)


for _f in [np_var, np_std]:
    for _n, _axis in enumerate(AXES):
        for _keepdims in [False, True]:
            row(
                f"{_f.__name__}-axis={_axis}-keepdims={_keepdims}",
                _f,
                X3,
                _axis,
                _n % 2,
                _keepdims,
                second_order=_keepdims,
            )
    row(f"{_f.__name__}-vector-ddof=1", _f, data((5,)), 0, 1, False)
    row(f"{_f.__name__}-matrix-axis=1", _f, data((3, 4)), 1, 0, False)
row(
    "var_std_spelled-(3,4)",
    var_std_spelled,
    data((3, 4)),
    ag=False,  # autograd takes no positional dtype and out
    second_order=True,
)
for _shape in [(5,), (2, 3), (2, 3, 2)]:
    row(f"var_all-{shape_id(_shape)}", var_all, data(_shape))
row("var_all-float", var_all, 1.3, ag=False)  # autograd: nan from std's 0 / 0
row(
    "np_std-constant-axis=1",
    np_std,
    np.full((2, 3), 0.7),
    1,
    0,
    False,
    ag=False,
    second_order=True,
)

# ---- ptp, median ----------------------------------------------------------------


def np_ptp(x, axis, keepdims):
    y = np.ptp(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_median(x, axis, keepdims):
    y = np.median(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def median_ptp_spelled(x):
    return (
        np.sum(np.median(x, 0) ** 2) + np.median(x) + np.ptp(x, axis=1)[0] + np.ptp(x)
    )


for _f in [np_ptp, np_median]:
    for _axis in AXES + [1]:
        for _keepdims in [False, True]:
            row(
                f"{_f.__name__}-axis={_axis}-keepdims={_keepdims}",
                _f,
                X3,
                _axis,
                _keepdims,
                ag=False,
                second_order=_axis == 1 and _keepdims,
            )
    for _shape in [(5,), (6,)]:  # odd and even counts for the median
        row(
            f"{_f.__name__}-{shape_id(_shape)}", _f, data(_shape), None, False, ag=False
        )
row("median_ptp_spelled-(3,4)", median_ptp_spelled, data((3, 4)), ag=False)

# ---- average ---------------------------------------------------------------------


def np_average(x, axis, keepdims):
    y = np.average(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_average_weighted(x, w, axis, keepdims):
    y = np.average(x, axis, w, keepdims=keepdims)
    return np.sum(y * y * y)


def average_keyword(x, w):
    return np.average(x * x, weights=w) + np.sum(np.average(x, weights=w, axis=0))


for _axis in AXES:
    for _keepdims in [False, True]:
        row(
            f"np_average-axis={_axis}-keepdims={_keepdims}",
            np_average,
            X3,
            _axis,
            _keepdims,
            ag=False,
        )
_WEIGHTED = [
    (None, (2, 3, 4)),
    (1, (2, 3, 4)),
    (1, (3,)),
    (-1, (4,)),
    ((0, 2), (2, 4)),
    ((2, 0), (4, 2)),
    ((0, 1), (2, 3, 4)),
]
for _axis, _wshape in _WEIGHTED:
    for _keepdims in [False, True]:
        row(
            f"np_average_weighted-axis={_axis}-w={shape_id(_wshape)}-keepdims={_keepdims}",
            np_average_weighted,
            X3,
            data(_wshape, 0.3, 1.5),
            _axis,
            _keepdims,
            wrt=(0, 1),
            ag=False,
            second_order=_keepdims,
        )
row(
    "average_keyword-(3,2)",
    average_keyword,
    data((3, 2)),
    data((3, 2), 0.3, 1.5),
    wrt=(0, 1),
    ag=False,
    second_order=True,
)

# ---- nan reductions: nan entries are skipped, and receive nothing ----------------

WITH_NANS = data((3, 4))
WITH_NANS[0, 1] = WITH_NANS[2, 2] = WITH_NANS[2, 0] = np.nan
NANS_3D = data((2, 3, 4))
NANS_3D[0, 1, 2] = NANS_3D[1, 0, 0] = np.nan


def np_nansum(x, axis, keepdims):
    y = np.nansum(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_nanmean(x, axis, keepdims):
    y = np.nanmean(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y)


def np_nanmax(x, axis, keepdims):
    y = np.nanmax(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_nanmin(x, axis, keepdims):
    y = np.nanmin(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def np_nanprod(x, axis, keepdims):
    y = np.nanprod(x, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


for _f in [np_nansum, np_nanmean, np_nanmax, np_nanmin, np_nanprod]:
    for _axis in [None, 0, 1]:
        for _keepdims in [False, True]:
            row(
                f"{_f.__name__}-axis={_axis}-keepdims={_keepdims}",
                _f,
                WITH_NANS,
                _axis,
                _keepdims,
                ag=False,
                second_order=_axis == 0 and not _keepdims,
            )
    row(f"{_f.__name__}-3d-axis=(0,2)", _f, NANS_3D, (0, 2), False, ag=False)
    row(f"{_f.__name__}-no-nans", _f, data((4,)), None, False, ag=False)
