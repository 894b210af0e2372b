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
            second_order=len(_sa) == len(_sb),
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
        second_order=True,
    )

# ---- vdot, inner, tensordot, kron, cross, convolve, correlate ------------------

RNG = np.random.default_rng(20240614)


def own(shape, low=-1.5, high=1.5):
    """Data from this section's own generator (the rows above keep theirs)."""
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


def np_vdot(a, b):
    return np.vdot(a, b) ** 2


def np_inner(a, b):
    y = np.inner(a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_tensordot(a, b, axes):
    y = np.tensordot(a, b, axes)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def tensordot_default(a, b):
    y = np.tensordot(a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_kron(a, b):
    y = np.kron(a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_cross(a, b):
    y = np.cross(a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_cross_axes(a, b, axisa, axisb, axisc):
    y = np.cross(a, b, axisa, axisb, axisc)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_cross_axis(a, b, axis):
    y = np.cross(a, b, axis=axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_convolve(a, v, mode):
    y = np.convolve(a, v, mode)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_correlate(a, v, mode):
    y = np.correlate(a, v, mode=mode)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def _pair(name, f, sa, sb, *extra, **options):
    row(
        f"{name}-{shape_id(sa)}x{shape_id(sb)}",
        f,
        own(sa),
        own(sb),
        *extra,
        wrt=(0, 1),
        **options,
    )


for _sa, _sb in [((3,), (3,)), ((2, 3), (3, 2)), ((2, 2, 2), (8,))]:
    _pair("np_vdot", np_vdot, _sa, _sb, ag=False, second_order=True)
for _sa, _sb in [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)), ((3,), (2, 4, 3))]:
    _pair("np_inner", np_inner, _sa, _sb, second_order=len(_sa) == 2)
_pair("np_inner", np_inner, "float", (2, 3), ag=False)
for _sa, _sb, _axes in [
    ((2, 3), (3, 4), 1),
    ((2,), (3,), 0),
    ((3, 2, 4), (2, 3, 5), ([1, 0], [0, 1])),
    ((2, 3, 4), (4, 2), ([2], [0])),
    ((2, 3, 4), (4, 2), (-1, 0)),
    ((4, 3), (3, 4), ([0, 1], [1, 0])),
]:
    _pair(f"np_tensordot-axes={_axes}", np_tensordot, _sa, _sb, _axes)
_pair("tensordot_default", tensordot_default, (2, 3, 4), (3, 4, 2), second_order=True)
for _sa, _sb in [((2,), (3,)), ((2, 2), (3, 1)), ((2, 3), (4,)), ((3,), (2, 2))]:
    _pair("np_kron", np_kron, _sa, _sb, second_order=_sa == (2, 2))
for _sa, _sb in [((3,), (3,)), ((4, 3), (3,)), ((2, 1, 3), (4, 3))]:
    _pair(
        "np_cross",
        np_cross,
        _sa,
        _sb,
        ag=_sa == _sb,  # autograd's cross does not broadcast
        second_order=len(_sa) == 2,
    )
_pair("np_cross_axes", np_cross_axes, (3, 4), (4, 3), 0, -1, 0)
_pair("np_cross_axes-c1", np_cross_axes, (2, 3), (3, 2), -1, 0, 1)
_pair("np_cross_axis", np_cross_axis, (3, 4), (3, 4), 0, second_order=True)
_CONVOLVED = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((4,), (2,)), ((1,), (3,))]
# an even shorter a: np.correlate swaps and reverses, moving the 'same' window
_CONVOLVED += [((2,), (5,)), ((4,), (6,))]
for _sa, _sb in _CONVOLVED:
    for _mode in ["full", "same", "valid"]:
        for _f in [np_convolve, np_correlate]:
            _pair(
                f"{_f.__name__}-{_mode}",
                _f,
                _sa,
                _sb,
                _mode,
                ag=False,
                second_order=_mode == "same" and _sa == (5,),
            )


# ---- vecdot, and np.linalg's array-API names of products -------------------------


def np_vecdot(a, b):
    y = np.vecdot(a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def np_vecdot_axis(a, b, axis):
    y = np.vecdot(a, b, axis=axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def linalg_vecdot(a, b, axis):
    y = np.linalg.vecdot(a, b, axis=axis)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def linalg_products(a, b, v):
    m = np.linalg.matmul(a, b)
    o = np.linalg.outer(v, a[0])
    t = np.linalg.tensordot(a, b, axes=1)
    c = np.linalg.cross(v, b[:3, :3])
    return np.sum(m * m) + np.sum(o * t[:, :4]) + np.sum(c * c)


for _sa, _sb in [((3,), (3,)), ((2, 3), (3,)), ((4, 1, 3), (2, 3))]:
    _pair("np_vecdot", np_vecdot, _sa, _sb, ag=False, second_order=len(_sa) == 2)
_pair("np_vecdot_axis", np_vecdot_axis, (3, 4), (3, 4), 0, ag=False)
_pair("linalg_vecdot", linalg_vecdot, (2, 4, 3), (4, 3), -2, ag=False)
row(
    "linalg_products",
    linalg_products,
    own((3, 4)),
    own((4, 5)),
    own((3,)),
    wrt=(0, 1, 2),
    ag=False,
    second_order=True,
)
