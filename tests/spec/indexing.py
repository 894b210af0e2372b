"""Rows of subscripts and of functions that pick entries: take,
take_along_axis, compress, delete, diagonals, triangles, sort and select."""

from __future__ import annotations

import numpy as np

from tests.spec.shapes import own_data
from tests.spec.table import row, shape_id

data, away = own_data(20240613)

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


def index_rows_twice(x):
    first = np.array([0, -1, 2, 2, 0, -3])
    y = x[first]
    z = x[np.array([1, 1, -1], dtype=np.int32)]
    return np.sum(y * y * y) + np.sum(np.cos(z))


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
row("index_rows_twice-(4,)", index_rows_twice, data((4,)))
row("index_rows_twice-(3,2)", index_rows_twice, data((3, 2)))
row("index_rows_twice-(3,4,5)", index_rows_twice, data((3, 4, 5)))
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


# ---- picking entries ---------------------------------------------------------


def np_take(x):
    y = np.take(x, [0, 2, 2, -1])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_take_axis(x):
    y = np.take(x, np.array([[2, 0], [0, 0]]), axis=1)
    z = x.take([1, 1], axis=0)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_take_modes(x):
    y = np.take(x, [-1, 7, 2], mode="wrap")
    z = np.take(x, [-1, 7, 2], mode="clip")
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_take_along_axis(x):
    order = np.argsort(x, axis=-1)
    y = np.take_along_axis(x, order, axis=-1)
    z = np.take_along_axis(x, np.array([[1], [0]]), axis=1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(z**3)


def np_take_along_axis_0(x):
    y = np.take_along_axis(x, np.array([[1, 1, 0]]), axis=0)
    z = np.take_along_axis(x, np.array([5, 0, 5]), axis=None)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_compress(x):
    y = np.compress([True, False, True], x, axis=-1)
    z = np.compress(np.array([False, True, True, False, True]), x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_delete(x):
    y = np.delete(x, 1)
    z = np.delete(x, [0, 2], axis=-1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


row("np_take-(5,)", np_take, data((5,)), ag=False, second_order=True)
row("np_take-(2,3)", np_take, data((2, 3)), ag=False)
row("np_take_axis-(2,3)", np_take_axis, data((2, 3)), ag=False)
row("np_take_modes-(4,)", np_take_modes, data((4,)), ag=False)
row(
    "np_take_along_axis-(2,3)",
    np_take_along_axis,
    data((2, 3)),
    ag=False,  # autograd has no take_along_axis
    second_order=True,
)
row("np_take_along_axis_0-(2,3)", np_take_along_axis_0, data((2, 3)), ag=False)
row("np_compress-(2,3)", np_compress, data((2, 3)), ag=False, second_order=True)
row("np_delete-(2,3)", np_delete, data((2, 3)), ag=False, second_order=True)


# ---- diagonals and triangles -------------------------------------------------


def np_diag(x):
    y = np.diag(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_diag_k(x):
    y = np.diag(x, 1)
    z = np.diag(x, k=-1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_diagflat(x):
    y = np.diagflat(x, 1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_diagonal(x):
    y = np.diagonal(x)
    z = x.diagonal(1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_diagonal_axes(x):
    y = np.diagonal(x, offset=-1, axis1=1, axis2=2)
    z = np.diagonal(x, 1, 2, 0)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_tril_triu(x):
    y = np.tril(x)
    z = np.triu(x, 1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_tril_triu_k(x):
    y = np.tril(x, k=-1)
    z = np.triu(x, -1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


for _shape in [(3,), (2, 2)]:
    row(f"np_diag-{shape_id(_shape)}", np_diag, data(_shape))
for _shape in [(3,), (3, 3), (3, 4), (4, 3)]:
    # autograd takes the diagonals of square matrices only
    square = len(_shape) == 1 or _shape[0] == _shape[1]
    row(
        f"np_diag_k-{shape_id(_shape)}",
        np_diag_k,
        data(_shape),
        ag=square,
        second_order=True,
    )
row("np_diagflat-(2,2)", np_diagflat, data((2, 2)), ag=False)  # not in autograd
# autograd takes np.diagonal with offset 0 of the last two axes only
row("np_diagonal-(3,3)", np_diagonal, data((3, 3)), ag=False, second_order=True)
row("np_diagonal-(3,4,2)", np_diagonal, data((3, 4, 2)), ag=False)
row("np_diagonal_axes-(2,3,4)", np_diagonal_axes, data((2, 3, 4)), ag=False)
row("np_tril_triu-(3,3)", np_tril_triu, data((3, 3)), second_order=True)
row("np_tril_triu-(3,4)", np_tril_triu, data((3, 4)))
row("np_tril_triu-(3,)", np_tril_triu, data((3,)), ag=False)  # autograd is wrong
row("np_tril_triu_k-(2,3,3)", np_tril_triu_k, data((2, 3, 3)))


# ---- sort and select ---------------------------------------------------------


def np_sort(x):
    y = np.sort(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_sort_axis(x):
    y = np.sort(x, axis=0)
    z = np.sort(x, axis=None)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_select(x):
    y = np.select([x > 0.5, x < -0.5], [x * x, np.sin(x)])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_select_default(x, d):
    y = np.select([x > 0.0], [np.exp(x)], default=d)
    z = np.select((x < 0.5, x < 1.0), (2.0, x), d * d)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


row("np_sort-(5,)", np_sort, data((5,)), second_order=True)
# autograd sorts vectors only
row("np_sort-(3,4)", np_sort, data((3, 4)), ag=False)
row("np_sort_axis-(3,4)", np_sort_axis, data((3, 4)), ag=False, second_order=True)
row("np_select-(2,3)", np_select, away((2, 3)), ag=False, second_order=True)
row(
    "np_select_default-(5,)xfloat",
    np_select_default,
    away((5,)),
    0.7,
    wrt=(0, 1),
    ag=False,
)
row(
    "np_select_default-(2,3)x(3,)",
    np_select_default,
    away((2, 3)),
    data((3,)),
    wrt=(0, 1),
    ag=False,
    second_order=True,
)


def zero_adjoints_of_picks_in_a_loop(x):
    total = 0.0
    for i in range(2):
        a = np.take(np.sort(x, axis=0), [0, 2], axis=1)
        b = np.diagonal(np.tril(x)) * np.diag(np.triu(x, -1))
        c = np.compress([True, False, True], np.delete(x, 0, axis=0), axis=1)
        d = np.select([x > 0.0], [np.take_along_axis(x, np.array([[2, 0, 1]]), 0)])
        if i == 1:
            total = total + np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2)
            total = total + np.sum(np.sin(np.arange(np.size(b))) * np.ravel(b) ** 3)
        else:
            total = total + np.sum(np.cos(np.arange(np.size(c))) * np.ravel(c) ** 2)
            total = total + np.sum(np.sin(np.arange(np.size(d))) * np.ravel(d) ** 3)
    return total


# the adjoints of a, b, c and d start each trip at zero; two of them stay zero
row(
    "zero_adjoints_of_picks_in_a_loop-(3,3)",
    zero_adjoints_of_picks_in_a_loop,
    away((3, 3)),
    ag=False,
)
