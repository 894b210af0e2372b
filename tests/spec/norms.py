"""Rows of np.linalg.norm (and vector_norm, matrix_norm): every vector order (None, 2, 1, inf, -inf, 0 and
other p) and matrix order ('fro', 'nuc', 1, -1, 2, -2, inf, -inf), over
whole arrays and over axes, with and without keepdims.

The data come from a generator of this module's own; entries are away from
zero and the sums, maxima and singular values are distinct. Autograd is the
oracle for the orders it differentiates (vector orders above 1, matrix
None, 'fro' and 'nuc').
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id

RNG = np.random.default_rng(20240613)


def away(shape, low=0.3, high=1.5):
    magnitude = RNG.uniform(low, high, shape)
    return magnitude * RNG.choice([-1.0, 1.0], size=shape)


def np_norm(x, ord, axis, keepdims):
    y = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return np.sum(y * y * y)


def norm_positional(x, ord):
    return np.linalg.norm(x, ord) ** 3


def norm_plain(x):
    return np.linalg.norm(x) + np.sum(np.linalg.norm(x, keepdims=True)) ** 2


def _ag(ord, matrix):
    if matrix:
        return ord in (None, "fro", "nuc")
    return ord is None or ord in (2, 3)


_INF = np.inf
VECTOR_ORDS = [None, 2, 1, _INF, -_INF, 0, 3, 0.5, -1]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, _INF, -_INF]
SMOOTH = (None, 2, 3, 0.5, -1, "fro", "nuc", -2)

VECTOR = away((5,))
for _ord in VECTOR_ORDS:
    row(
        f"np_norm-vector-ord={_ord}",
        np_norm,
        VECTOR,
        _ord,
        None,
        False,
        ag=_ag(_ord, False),
        second_order=_ord in SMOOTH,
    )
MATRIX = away((3, 4))
for _ord in MATRIX_ORDS:
    row(
        f"np_norm-matrix-ord={_ord}",
        np_norm,
        MATRIX,
        _ord,
        None,
        False,
        ag=_ag(_ord, True),
        second_order=_ord in SMOOTH,
    )
    row(
        f"norm_positional-wide-ord={_ord}",
        norm_positional,
        away((4, 3)),
        _ord,
        ag=_ag(_ord, True),
        second_order=_ord in ("nuc", 2),
    )
X3 = away((2, 3, 4))
for _ord in [None, 2, 1, _INF, 3]:
    for _axis, _keepdims in [(1, False), (-1, True)]:
        row(
            f"np_norm-3d-axis={_axis}-ord={_ord}-keepdims={_keepdims}",
            np_norm,
            X3,
            _ord,
            _axis,
            _keepdims,
            ag=_ag(_ord, False) and not _keepdims,  # autograd's keepdims: wrong
            second_order=_ord in SMOOTH and _keepdims,
        )
for _ord in MATRIX_ORDS:
    for _axes, _keepdims in [((0, 2), False), ((2, 1), True)]:
        row(
            f"np_norm-3d-axes={_axes}-ord={_ord}-keepdims={_keepdims}",
            np_norm,
            X3,
            _ord,
            _axes,
            _keepdims,
            ag=_ag(_ord, True) and not _keepdims,
            second_order=_ord in SMOOTH and _keepdims,
        )
for _shape in [(5,), (2, 3), (2, 3, 2)]:
    row(f"norm_plain-{shape_id(_shape)}", norm_plain, away(_shape), ag=False)
row("np_norm-3d-all-keepdims", np_norm, X3, None, None, True, second_order=True)


# ---- numpy 2's vector_norm and matrix_norm -------------------------------------


def np_vector_norm(x, ord, axis, keepdims):
    y = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    return np.sum(y * y * y)


def np_matrix_norm(x, ord, keepdims):
    y = np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord)
    return np.sum(y * y * y)


def vector_norm_default(x):
    return np.linalg.vector_norm(x) ** 3 + np.sum(np.linalg.matrix_norm(x))


for _ord, _axis, _keepdims in [
    (2, None, False),
    (1, 1, False),
    (_INF, (0, 2), True),
    (3, (2, 0), False),
    (2, (0, 1), True),
    (-_INF, -1, False),
]:
    row(
        f"np_vector_norm-ord={_ord}-axis={_axis}-keepdims={_keepdims}",
        np_vector_norm,
        X3,
        _ord,
        _axis,
        _keepdims,
        ag=False,
        second_order=_ord in (2, 3),
    )
for _ord in MATRIX_ORDS[1:]:
    row(
        f"np_matrix_norm-ord={_ord}",
        np_matrix_norm,
        X3,
        _ord,
        _ord in ("nuc", 1),
        ag=False,
        second_order=_ord in ("fro", "nuc", 2),
    )
row(
    "vector_norm_default-(2,3,4)",
    vector_norm_default,
    X3,
    ag=False,
    second_order=True,
)
