"""Rows of the rules in adcompile.rules.more_numpy: nan statistics,
quantiles, interp, polynomials, trapezoid, cov, corrcoef, gradient,
ediff1d, resize, unwrap, matvec, vecmat and np.linalg's multi_dot, svdvals,
cond, tensorsolve, tensorinv, matrix_transpose and diagonal.

The data come from a generator of this module's own; entries are distinct
(no ties), quantiles fall between order statistics and interp's points
between its knots, away from the kinks. Each row takes a nonlinear sum of
the result (sin(3 y)), so that an adjoint sent to the wrong entry shows.
autograd is the oracle for the two of these it differentiates (gradient,
multi_dot).
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id

RNG = np.random.default_rng(20240707)


def data(shape, low=-1.5, high=1.5):
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


X3 = data((2, 3, 4))
WITH_NANS = data((3, 4))
WITH_NANS[0, 1] = WITH_NANS[2, 2] = WITH_NANS[2, 0] = np.nan
NANS_3D = data((2, 3, 4))
NANS_3D[0, 1, 2] = NANS_3D[1, 0, 0] = np.nan


def rows(name, f, cases, **options):
    """One row per case: (id suffix, arguments, options of its own)."""
    for suffix, args, *own in cases:
        row(f"{name}-{suffix}", f, *args, **{"ag": False, **options, **dict(*own)})


# ---- nanvar, nanstd, nancumsum, nancumprod -------------------------------------------


def np_nanvar(x, axis, ddof, keepdims):
    return np.sum(np.sin(3.0 * np.nanvar(x, axis=axis, ddof=ddof, keepdims=keepdims)))


def np_nanstd(x, axis, ddof, keepdims):
    return np.sum(np.sin(3.0 * np.nanstd(x, axis, None, None, ddof, keepdims)))


def np_nancumsum(x, axis):
    return np.sum(np.sin(3.0 * np.nancumsum(x, axis=axis)))


def np_nancumprod(x, axis):
    return np.sum(np.sin(3.0 * np.nancumprod(x, axis=axis)))


_NAN_AXES = [(None, False), (0, False), (1, True), ((0, 2), False)]
for _f in [np_nanvar, np_nanstd]:
    rows(
        _f.__name__,
        _f,
        [
            (f"axis={a}-keepdims={k}", (NANS_3D if a == (0, 2) else WITH_NANS, a, 1, k))
            for a, k in _NAN_AXES
        ]
        + [
            ("no-nans", (data(5), None, 0, False)),
            ("second", (WITH_NANS, 0, 0, False), {"second_order": True}),
        ],
    )
for _f in [np_nancumsum, np_nancumprod]:
    rows(
        _f.__name__,
        _f,
        [(f"axis={a}", (WITH_NANS, a), {"second_order": a == 1}) for a in [None, 0, 1]],
    )

# ---- quantile, percentile, nanquantile, nanpercentile, nanmedian ---------------------


def np_quantile(x, q, axis, keepdims):
    return np.sum(np.sin(3.0 * np.quantile(x, q, axis=axis, keepdims=keepdims)))


def np_percentile(x, q, axis, keepdims):
    return np.sum(np.sin(3.0 * np.percentile(x, q, axis, keepdims=keepdims)))


def np_nanquantile(x, q, axis, keepdims):
    return np.sum(np.sin(3.0 * np.nanquantile(x, q, axis=axis, keepdims=keepdims)))


def np_nanpercentile(x, q, axis, keepdims):
    return np.sum(np.sin(3.0 * np.nanpercentile(x, q, axis=axis, keepdims=keepdims)))


def np_nanmedian(x, axis, keepdims):
    return np.sum(np.sin(3.0 * np.nanmedian(x, axis=axis, keepdims=keepdims)))


_Q2 = np.array([0.13, 0.71])
_Q22 = np.array([[23.0, 61.0], [9.0, 88.0]])
for _axis in [None, 0, -1, (0, 2)]:
    rows(
        f"np_quantile-axis={_axis}",
        np_quantile,
        [
            (
                f"q={q.ndim}d-keepdims={k}",
                (X3, q, _axis, k),
                {"second_order": _axis == 0 and k},
            )
            for q in [np.array(0.37), _Q2]
            for k in [False, True]
        ],
        wrt=(0, 1),
    )
    rows(
        "np_percentile",
        np_percentile,
        [(f"axis={_axis}", (X3, _Q22, _axis, False))],
        wrt=(0, 1),
    )
for _f, _q in [(np_nanquantile, _Q2), (np_nanpercentile, 100.0 * _Q2)]:
    rows(
        _f.__name__,
        _f,
        [
            (f"axis={a}", (WITH_NANS, _q, a, a == 1), {"second_order": a == 0})
            for a in [None, 0, 1]
        ]
        + [("3d", (NANS_3D, _q[0], (0, 2), False))],
        wrt=(0, 1),
    )
rows(
    "np_nanmedian",
    np_nanmedian,
    [
        (f"axis={a}-keepdims={k}", (WITH_NANS, a, k))
        for a in [None, 0, 1]
        for k in [False, True]
    ]
    + [("even", (data(6), None, False))],
)

# ---- interp, polynomials -------------------------------------------------------------

XP = np.array([-1.0, -0.4, 0.1, 0.9, 1.6])


def np_interp(x, fp):
    return np.sum(np.sin(3.0 * np.interp(x, XP, fp)))


def interp_ends(x, fp, left, right):
    y = np.interp(x, XP, fp, left, right=right)
    return np.sum(np.sin(3.0 * y)) + np.interp(0.3, XP, fp * x[0])


def np_polyval(p, x):
    return np.sum(np.sin(3.0 * np.polyval(p, x)))


def np_vander(x, n, increasing):
    return np.sum(np.sin(3.0 * np.vander(x, n, increasing=increasing)))


def polyder_add_sub(p, k):
    a = np.polyder(p) * np.polyder(p, 2)[0] + np.polyder(p * k[0], 0)[1:]
    b = np.polyadd(p, k) * np.polysub(k, p)
    return np.sum(np.sin(3.0 * a)) + np.sum(np.sin(b)) + np.sum(np.polyder(p, 3) * k[0])


_X_IN = np.array([-0.7, -0.2, 0.45, 1.2, 1.5, -0.95])
_X_OUT = np.array([-1.3, -0.7, 0.45, 1.2, 1.9, 2.5])
rows(
    "np_interp",
    np_interp,
    [
        ("(6,)", (_X_IN, data(5)), {"second_order": True}),
        ("(2,3)", (_X_IN.reshape(2, 3), data(5))),
        ("float", (0.62, data(5))),
        ("outside", (_X_OUT, data(5))),
    ],
    wrt=(0, 1),
)
row(
    "interp_ends",
    interp_ends,
    _X_OUT,
    data(5),
    0.4,
    -0.8,
    wrt=(0, 1, 2, 3),
    ag=False,
    second_order=True,
)
rows(
    "np_polyval",
    np_polyval,
    [(f"x={shape_id(s)}", (data(4), data(s))) for s in ["float", (4,), (2, 3)]]
    + [("constant", (data(1), data(3)))],
    wrt=(0, 1),
    second_order=True,
)
rows(
    "np_vander",
    np_vander,
    [
        (f"N={n}-increasing={i}", (data(4), n, i), {"second_order": n == 3})
        for n, i in [(None, False), (3, True), (5, False)]
    ],
)
rows(
    "polyder_add_sub",
    polyder_add_sub,
    [("(5,)x(2,)", (data(5), data(2))), ("(4,)x(6,)", (data(4), data(6)))],
    wrt=(0, 1),
    second_order=True,
)

# ---- trapezoid, cov, corrcoef --------------------------------------------------------


def np_trapezoid(y, x, axis):
    return np.sum(np.sin(3.0 * np.trapezoid(y * y, x, axis=axis)))


def trapezoid_dx(y, dx):
    return np.sum(np.sin(3.0 * np.trapezoid(y, dx=dx, axis=0))) + np.trapezoid(
        y[0] * dx
    )


def np_cov(m, y, rowvar, ddof):
    return np.sum(np.sin(3.0 * np.cov(m, y, rowvar, ddof=ddof)))


def np_corrcoef(x, y, rowvar):
    return np.sum(np.sin(3.0 * np.corrcoef(x, y, rowvar)))


_SORTED = np.sort(data(4)) + np.arange(4.0)
rows(
    "np_trapezoid",
    np_trapezoid,
    [
        ("(5,)", (data(5), None, -1), {"wrt": 0}),
        ("(3,4)-x=(4,)", (data((3, 4)), _SORTED, -1), {"second_order": True}),
        ("(4,3)-x=(4,)-axis=0", (data((4, 3)), _SORTED, 0)),
        ("(2,4)-x=(2,4)", (data((2, 4)), np.stack([_SORTED, 2.0 * _SORTED]), 1)),
    ],
    wrt=(0, 1),
)
row(
    "trapezoid_dx-(3,2)",
    trapezoid_dx,
    data((3, 2)),
    0.7,
    wrt=(0, 1),
    ag=False,
    second_order=True,
)
for _m, _y, _rowvar, _ddof in [
    ((3, 5), None, True, None),
    ((5, 3), None, False, 0),
    ((5,), None, True, None),
    ((2, 6), (6,), True, 2),
    ((6, 2), (6, 3), False, None),
]:
    _args = (data(_m), None if _y is None else data(_y), _rowvar)
    _id = f"{shape_id(_m)}-y={_y}-rowvar={_rowvar}"
    _options = {"wrt": (0,) if _y is None else (0, 1), "ag": False}
    row(f"np_cov-{_id}", np_cov, *_args, _ddof, second_order=len(_m) == 2, **_options)
    row(f"np_corrcoef-{_id}", np_corrcoef, *_args, second_order=_rowvar, **_options)

# ---- gradient, ediff1d, resize, unwrap -----------------------------------------------


def np_gradient(f):
    return np.sum(np.sin(3.0 * np.gradient(f)))


def gradient_edges(f, edge_order):
    return np.sum(np.sin(3.0 * np.gradient(f, 0.7, edge_order=edge_order)))


def gradient_axes(f):
    gy, gx = np.gradient(f, 0.5, 2.0)
    return np.sum(np.sin(gy * gx)) + np.sum(np.gradient(f, 0.3, axis=1) ** 3)


def gradient_one_part(f):
    return np.sum(np.sin(3.0 * np.gradient(f, 0.25)[1]))


def np_ediff1d(a, end, begin):
    return np.sum(np.sin(3.0 * np.ediff1d(a, end, to_begin=begin)))


def np_resize(a, shape):
    return np.sum(np.sin(3.0 * np.resize(a, shape)))


def np_unwrap(p):
    return np.sum(np.sin(0.3 * np.unwrap(p)))


rows(
    "np_gradient",
    np_gradient,
    [("(5,)", (data(5),)), ("(2,)", (data(2),), {"ag": False})],
    ag=True,
)
rows(
    "gradient_edges",
    gradient_edges,
    [
        (f"{n}-edge_order={k}", (data(n), k), {"second_order": k == 2})
        for n in [5, 3]
        for k in [1, 2]
    ],
)
row("gradient_axes-(3,4)", gradient_axes, data((3, 4)), ag=False, second_order=True)
row("gradient_one_part-(4,3)", gradient_one_part, data((4, 3)), ag=False)
row("np_ediff1d-(2,3)", np_ediff1d, data((2, 3)), None, None, ag=False)
row(
    "np_ediff1d-ends",
    np_ediff1d,
    data(4),
    data(2),
    1.3,
    wrt=(0, 1, 2),
    ag=False,
    second_order=True,
)
rows(
    "np_resize",
    np_resize,
    [
        (f"{s}-to-{n}", (data(s), n))
        for s, n in [((2, 3), (4, 2)), (5, 3), ((2, 2), (3, 3, 2))]
    ],
)
row(
    "np_unwrap-(2,5)",
    np_unwrap,
    np.cumsum(data((2, 5), 1.0, 4.0), axis=1),
    ag=False,
    second_order=True,
)

# ---- matvec, vecmat, multi_dot -------------------------------------------------------


def np_matvec(a, v):
    return np.sum(np.sin(3.0 * np.matvec(a, v)))


def np_vecmat(v, a):
    return np.sum(np.sin(3.0 * np.vecmat(v, a)))


def np_multi_dot(a, b, c):
    return np.sum(np.sin(np.linalg.multi_dot([a, b, c])))


for _a, _v in [((3, 4), (4,)), ((2, 3, 4), (4,)), ((3, 4), (2, 4))]:
    _id = f"{shape_id(_a)}x{shape_id(_v)}"
    row(f"np_matvec-{_id}", np_matvec, data(_a), data(_v), wrt=(0, 1), ag=False)
    _u = data(_v[:-1] + (_a[-2],))
    row(
        f"np_vecmat-{_id}",
        np_vecmat,
        _u,
        data(_a),
        wrt=(0, 1),
        ag=False,
        second_order=len(_a) == 2,
    )
for _shapes in [((2, 3), (3, 4), (4, 2)), ((3,), (3, 4), (4, 2)), ((3,), (3, 2), (2,))]:
    row(
        "np_multi_dot-" + "x".join(shape_id(s) for s in _shapes),
        np_multi_dot,
        *[data(s) for s in _shapes],
        wrt=(0, 1, 2),
        ag=len(_shapes[-1]) == 1,  # autograd traces numpy's multi_dot on scalars only
        second_order=True,
    )

# ---- svdvals, cond, tensorsolve, tensorinv, matrix_transpose, diagonal ---------------


def linalg_svdvals(x):
    return np.sum(np.sin(3.0 * np.linalg.svdvals(x)))


def linalg_cond(x, p):
    return np.sum(np.sin(np.linalg.cond(x, p)))


def linalg_tensorsolve(a, b):
    return np.sum(np.sin(3.0 * np.linalg.tensorsolve(a, b)))


def linalg_tensorinv(a, ind):
    return np.sum(np.sin(np.linalg.tensorinv(a, ind)))


def transpose_and_diagonal(x):
    y = np.linalg.matrix_transpose(x)
    return np.sum(np.sin(3.0 * y)) + np.sum(np.linalg.diagonal(x, offset=1) ** 3)


for _shape in [(3, 3), (4, 2), (2, 4, 3)]:
    _x, _id = data(_shape) + 2.0 * np.eye(*_shape[-2:]), shape_id(_shape)
    row(
        f"linalg_svdvals-{_id}",
        linalg_svdvals,
        _x,
        ag=False,
        second_order=len(_shape) == 2,
    )
    rows(
        "linalg_cond",
        linalg_cond,
        [(f"{_id}-p={p}", (_x, p), {"second_order": p is None}) for p in [None, -2]],
    )
_A6 = data((6, 6)) + 6.0 * np.eye(6)
row(
    "linalg_tensorsolve-(2,3,6)",
    linalg_tensorsolve,
    _A6.reshape(2, 3, 6),
    data((2, 3)),
    wrt=(0, 1),
    ag=False,
    second_order=True,
)
rows(
    "linalg_tensorinv",
    linalg_tensorinv,
    [
        ("(2,3,6)", (_A6.reshape(2, 3, 6) / 6.0, 2), {"second_order": True}),
        ("(6,2,3)", (_A6.reshape(6, 2, 3) / 6.0, 1)),
    ],
)
for _shape in [(3, 4), (2, 3, 3)]:
    row(
        f"transpose_and_diagonal-{shape_id(_shape)}",
        transpose_and_diagonal,
        data(_shape),
        ag=False,
    )
