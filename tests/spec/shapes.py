"""Rows of shape functions and subscripts."""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import away, data, row, shape_id  # noqa: F401

# ---- shapes ------------------------------------------------------------------

W6 = np.linspace(-1.0, 2.0, 6)
W24 = np.linspace(-1.0, 2.0, 24)


def np_transpose(x):
    y = np.transpose(x)
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def attribute_T(x):
    y = x.T
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def np_transpose_axes(x):
    y = np.transpose(x, (1, 2, 0))
    return np.sum(y * y * np.reshape(W24, (3, 4, 2)))


def np_transpose_negative_axes(x):
    y = np.transpose(x, axes=(-1, 0, 1))
    return np.sum(y * y * np.reshape(W24, (4, 2, 3)))


def method_transpose(x):
    y = x.transpose(2, 0, 1)
    return np.sum(y * y * np.reshape(W24, (4, 2, 3)))


def np_reshape(x):
    y = np.reshape(x, (3, 2))
    return np.sum(y * y * np.reshape(W6, (3, 2)))


def method_reshape(x):
    y = x.reshape(6)
    z = x.reshape(-1, 2)
    w = x.reshape((1, 6))
    return np.sum(y * W6) + np.sum(z * z) + np.sum(w * w * w)


def np_ravel(x):
    y = np.ravel(x)
    return np.sum(y * y * W6)


def method_ravel(x):
    y = x.ravel()
    z = x.flatten()
    return np.sum(y * y * W6) + np.sum(z * W6)


def np_squeeze(x):
    y = np.squeeze(x)
    return np.sum(y * y * W6[:3])


def np_squeeze_axis(x):
    y = np.squeeze(x, axis=0)
    z = x.squeeze()
    return np.sum(y * y) + np.sum(z * W6[:3])


def np_expand_dims(x):
    y = np.expand_dims(x, 0)
    z = np.expand_dims(x, axis=-1)
    w = np.expand_dims(x, (0, 2))
    return np.sum(y * y) + np.sum(z * W6[:3]) + np.sum(w * w * w)


def np_copy(x):
    y = np.copy(x)
    z = x.copy()
    return np.sum(y * y * z)


def np_array(x):
    y = np.array(x)
    return np.sum(y * y * x)


def np_array_of_list(a, b):
    y = np.array([a, b * b])
    return np.sum(y * y * W6[:3])


def np_asarray(x):
    y = np.asarray(x)
    return np.sum(y * y * x)


row("np_transpose-(2,3)", np_transpose, data((2, 3)))
row("attribute_T-(2,3)", attribute_T, data((2, 3)))
row("np_transpose_axes-(2,3,4)", np_transpose_axes, data((2, 3, 4)))
# autograd gets negative transpose axes wrong and has no varargs .transpose
row(
    "np_transpose_negative_axes-(2,3,4)",
    np_transpose_negative_axes,
    data((2, 3, 4)),
    ag=False,
)
row("method_transpose-(2,3,4)", method_transpose, data((2, 3, 4)), ag=False)
row("np_reshape-(2,3)", np_reshape, data((2, 3)))
row("np_reshape-(6,)", np_reshape, data((6,)))
row("method_reshape-(2,3)", method_reshape, data((2, 3)))
row("np_ravel-(2,3)", np_ravel, data((2, 3)))
row("np_ravel-(3,1,2)", np_ravel, data((3, 1, 2)))
row("method_ravel-(2,3)", method_ravel, data((2, 3)))
row("np_squeeze-(1,3,1)", np_squeeze, data((1, 3, 1)))
row("np_squeeze_axis-(1,3)", np_squeeze_axis, data((1, 3)))
row("np_expand_dims-(3,)", np_expand_dims, data((3,)))
row("np_copy-(2,3)", np_copy, data((2, 3)), ag=False)  # no VJP in autograd
row("np_array-(2,3)", np_array, data((2, 3)))
row("np_array-float", np_array, 0.7)
row("np_array_of_list-(3,)", np_array_of_list, data((3,)), data((3,)), wrt=(0, 1))
row("np_asarray-(2,3)", np_asarray, data((2, 3)), ag=False)  # no VJP in autograd
row("np_asarray-float", np_asarray, -0.4, ag=False)


def np_concatenate(a, b):
    y = np.concatenate([a, b], axis=1)
    return np.sum(y * y * np.reshape(np.linspace(-1.0, 1.0, 10), (2, 5)))


def np_concatenate_axis0(a, b):
    y = np.concatenate((a, b * b, a))
    return np.sum(y * y * y)


def np_concatenate_negative_axis(a, b):
    y = np.concatenate([a, b], axis=-1)
    return np.sum(y * y * y)


def np_concatenate_axis_none(a, b):
    y = np.concatenate([a, b], axis=None)
    return np.sum(y * y * y)


def np_concatenate_constant(a):
    y = np.concatenate([a, np.ones((2, 2))], axis=1)
    return np.sum(y * y * y)


def np_stack(a, b):
    y = np.stack([a, b])
    return np.sum(y * y * y)


def np_stack_axis(a, b):
    y = np.stack([a, 2.0 * b, a], axis=1)
    z = np.stack((a, b), axis=-1)
    return np.sum(y * y * y) + np.sum(z * z)


def list_used_twice(x):
    parts = [x, 2.0 * x]
    a = np.concatenate(parts)
    b = np.stack(parts)
    return np.sum(a * a * a) + np.sum(b * b)


def list_used_by_array_and_concatenate(x):
    parts = [x, np.sin(x)]
    a = np.array(parts)
    b = np.concatenate(parts)
    c = np.stack(parts, axis=1)
    return np.sum(a * a * a) + np.sum(b * b) + np.sum(c * c * c)


row(
    "np_concatenate-(2,3)+(2,2)", np_concatenate, data((2, 3)), data((2, 2)), wrt=(0, 1)
)
row(
    "np_concatenate_axis0-(3,)+(2,)",
    np_concatenate_axis0,
    data((3,)),
    data((2,)),
    wrt=(0, 1),
)
row(
    "np_concatenate_axis0-(2,3)+(1,3)",
    np_concatenate_axis0,
    data((2, 3)),
    data((1, 3)),
    wrt=(0, 1),
)
row(
    "np_concatenate_negative_axis-(2,2,3)+(2,2,1)",
    np_concatenate_negative_axis,
    data((2, 2, 3)),
    data((2, 2, 1)),
    wrt=(0, 1),
)
row(
    "np_concatenate_axis_none-(2,3)+(4,)",
    np_concatenate_axis_none,
    data((2, 3)),
    data((4,)),
    wrt=(0, 1),
    ag=False,  # autograd has no concatenate(axis=None)
)
row("np_concatenate_constant-(2,3)", np_concatenate_constant, data((2, 3)))
row("np_stack-(3,)", np_stack, data((3,)), data((3,)), wrt=(0, 1))
row("np_stack-(2,3)", np_stack, data((2, 3)), data((2, 3)), wrt=(0, 1))
row("np_stack-float", np_stack, 0.3, -0.8, wrt=(0, 1))
row("np_stack_axis-(2,3)", np_stack_axis, data((2, 3)), data((2, 3)), wrt=(0, 1))
row("list_used_twice-(3,)", list_used_twice, data((3,)))
row(
    "list_used_by_array_and_concatenate-(3,)",
    list_used_by_array_and_concatenate,
    data((3,)),
)


# ---- subscripts --------------------------------------------------------------


def index_first(x):
    y = x[0]
    return np.sum(y * y * y)


def index_last(x):
    y = x[-1]
    return np.sum(y * y * y)


def index_slice(x):
    y = x[1:3]
    return np.sum(y * y * y)


def index_step(x):
    y = x[::2]
    return np.sum(y * y * y)


def index_reverse(x):
    y = x[::-1]
    return np.sum(y * y * np.arange(np.shape(x)[0]))


def index_column(x):
    y = x[:, 1]
    return np.sum(y * y * y)


def index_newaxis(x):
    y = x[None, :]
    return np.sum(y * y * y)


def index_ellipsis(x):
    y = x[..., 0]
    return np.sum(y * y * y)


def index_element(x):
    y = x[1, 2]
    return y * y * y


def index_twice(x):
    y = x[1][0]
    return y * y * y


def index_fancy_repeated(x):
    idx = np.array([0, 2, 2, 0, 1])
    y = x[idx]
    return np.sum(y * y * y)


def index_fancy_list(x):
    y = x[[3, 0, 3]]
    return np.sum(y * y * y)


def index_fancy_2d(x):
    y = x[[0, 1, 1], [2, 2, 0]]
    return np.sum(y * y * y)


def index_fancy_mixed(x):
    y = x[:, [1, 1, 0]]
    return np.sum(y * y * y)


def index_mask(x):
    mask = x > 0.0
    y = x[mask]
    return np.sum(y * y * y)


def index_mask_constant(x):
    mask = np.array([True, False, True, True])
    y = x[mask]
    return np.sum(y * y * y)


def index_mask_rows(x):
    y = x[np.array([True, False, True])]
    return np.sum(y * y * y)


def index_unpack(x):
    a, b = x
    return np.sum(a * b * b)


def index_sum_of_parts(x):
    return np.sum(x[0] * x[1:3] + x[-1] ** 2 + x[::2][0])


row("index_first-(4,)", index_first, data((4,)))
row("index_first-(3,4)", index_first, data((3, 4)))
row("index_last-(4,)", index_last, data((4,)))
row("index_last-(3,4)", index_last, data((3, 4)))
row("index_slice-(5,)", index_slice, data((5,)))
row("index_slice-(4,3)", index_slice, data((4, 3)))
row("index_step-(5,)", index_step, data((5,)))
row("index_step-(5,2)", index_step, data((5, 2)))
row("index_reverse-(4,)", index_reverse, data((4,)))
row("index_column-(3,4)", index_column, data((3, 4)))
row("index_newaxis-(4,)", index_newaxis, data((4,)))
row("index_ellipsis-(2,3,4)", index_ellipsis, data((2, 3, 4)))
row("index_element-(3,4)", index_element, data((3, 4)))
row("index_twice-(3,4)", index_twice, data((3, 4)))
row("index_fancy_repeated-(3,)", index_fancy_repeated, data((3,)))
row("index_fancy_repeated-(3,2)", index_fancy_repeated, data((3, 2)))
row("index_fancy_list-(4,)", index_fancy_list, data((4,)))
row("index_fancy_2d-(2,3)", index_fancy_2d, data((2, 3)))
row("index_fancy_mixed-(2,3)", index_fancy_mixed, data((2, 3)))
row("index_mask-(5,)", index_mask, away((5,)))
row("index_mask-(2,3)", index_mask, away((2, 3)))
row("index_mask_constant-(4,)", index_mask_constant, data((4,)))
row("index_mask_rows-(3,2)", index_mask_rows, data((3, 2)))
row("index_unpack-(2,3)", index_unpack, data((2, 3)))
row("index_sum_of_parts-(4,)", index_sum_of_parts, data((4,)))


def index_list_unpack(x, y):
    pair = [x, y]
    a, b = pair
    return np.sum(a * a) * b


def index_tuple_parts(x):
    items = (x, np.sin(x), 2.0 * x)
    c = items[1]
    d = items[1:]
    return np.sum(c * c) + np.sum(d[0] * d[1])


row("index_list_unpack-(3,)xfloat", index_list_unpack, data((3,)), 0.7, wrt=(0, 1))
row("index_tuple_parts-(3,)", index_tuple_parts, data((3,)))
