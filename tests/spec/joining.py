"""Rows of functions that join arrays (concatenate, stack, append, hstack,
vstack, dstack, column_stack) or split one (split, array_split, hsplit,
vsplit, dsplit, unstack), whose pieces come back as a list."""

from __future__ import annotations

import numpy as np

from tests.spec.shapes import own_data
from tests.spec.table import row

data, away = own_data(20240612)

# ---- joining -----------------------------------------------------------------


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


def np_append(a, b):
    y = np.append(a, b * b)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_append_axis(a, b):
    y = np.append(a, b, axis=0)
    z = np.append(np.sin(a), a, axis=-1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_append_constant(a):
    y = np.append(a, [1.0, 2.0])
    z = np.append(np.ones(2), a)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_hstack(a, b):
    y = np.hstack([a, b * b])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_vstack(a, b):
    y = np.vstack((a, b * b, a))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_dstack(a, b):
    y = np.dstack([a, np.sin(b)])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_column_stack(a, b):
    y = np.column_stack([a, b, 2.0 * a])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


row("np_append-(3,)+(2,)", np_append, data((3,)), data((2,)), wrt=(0, 1))
row(
    "np_append-(2,2)+float",
    np_append,
    data((2, 2)),
    0.7,
    wrt=(0, 1),
    ag=False,  # autograd has no append
    second_order=True,
)
row(
    "np_append_axis-(2,2)+(1,2)",
    np_append_axis,
    data((2, 2)),
    data((1, 2)),
    wrt=(0, 1),
    ag=False,
)
row("np_append_constant-(3,)", np_append_constant, data((3,)), ag=False)
row("np_hstack-(3,)+(2,)", np_hstack, data((3,)), data((2,)), wrt=(0, 1))
row("np_hstack-(2,3)+(2,1)", np_hstack, data((2, 3)), data((2, 1)), wrt=(0, 1))
row("np_hstack-float+float", np_hstack, 0.3, -0.8, wrt=(0, 1), second_order=True)
row("np_vstack-(3,)+(3,)", np_vstack, data((3,)), data((3,)), wrt=(0, 1))
row(
    "np_vstack-(2,3)+(1,3)",
    np_vstack,
    data((2, 3)),
    data((1, 3)),
    wrt=(0, 1),
    second_order=True,
)
row("np_dstack-(3,)+(3,)", np_dstack, data((3,)), data((3,)), wrt=(0, 1))
row("np_dstack-(2,3)+(2,3)", np_dstack, data((2, 3)), data((2, 3)), wrt=(0, 1))
row("np_column_stack-(3,)+(3,2)", np_column_stack, data((3,)), data((3, 2)), wrt=(0, 1))
row(
    "np_column_stack-(3,)+(3,)",
    np_column_stack,
    data((3,)),
    data((3,)),
    wrt=(0, 1),
    second_order=True,
)


# ---- splitting ---------------------------------------------------------------


def np_split_unpacked(x):
    a, b = np.split(x, 2)
    return np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2) + np.sum(
        np.sin(b) * b
    )


def np_split_one_piece(x):
    pieces = np.split(x, 3, axis=1)
    y = pieces[1]
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_split_indices(x):
    a, b, c = np.split(x, [1, 3])
    return np.sum(a * a * a) + np.sum(np.cos(np.arange(np.size(c))) * c**2) * b[0]


def np_array_split(x):
    a, b = np.array_split(x, 2, axis=-1)
    return np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2) + np.sum(b**3)


def np_hsplit(x):
    a, b = np.hsplit(x, 2)
    return np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2) + np.sum(b**3)


def np_vsplit_dsplit(x):
    a, b = np.vsplit(x, [1])
    c, d = np.dsplit(x, 2)
    return (
        np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2)
        + np.sum(b**3)
        + np.sum(np.sin(np.arange(np.size(d))) * np.ravel(d) ** 2)
    )


def np_unstack(x):
    a, b, c = np.unstack(x, axis=1)
    return np.sum(np.cos(np.arange(np.size(a))) * a**2) + np.sum(c**3)


row("np_split_unpacked-(4,)", np_split_unpacked, data((4,)), second_order=True)
row("np_split_unpacked-(4,3)", np_split_unpacked, data((4, 3)))
row("np_split_one_piece-(2,6)", np_split_one_piece, data((2, 6)))
row("np_split_indices-(5,)", np_split_indices, data((5,)), second_order=True)
row("np_array_split-(2,5)", np_array_split, data((2, 5)), second_order=True)
row("np_hsplit-(6,)", np_hsplit, data((6,)), ag=False)  # autograd: 2-D and up
row("np_hsplit-(3,4)", np_hsplit, data((3, 4)))
row("np_vsplit_dsplit-(2,2,4)", np_vsplit_dsplit, data((2, 2, 4)))
row(
    "np_unstack-(2,3)",
    np_unstack,
    data((2, 3)),
    ag=False,  # autograd has no unstack
    second_order=True,
)


def zero_adjoints_of_joins_in_a_loop(x):
    total = 0.0
    for i in range(2):
        a = np.vstack([x, x * x])[1:3] + np.hstack([x, x])[:, 2:5]
        b = np.dstack([x, 2.0 * x])[0]
        p, q = np.array_split(np.column_stack([x[0], x[1]]), 2)
        r, s = np.unstack(x)
        if i == 1:
            total = total + np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2)
            total = total + np.sum(np.sin(np.arange(np.size(b))) * np.ravel(b) ** 3)
        else:
            total = total + np.sum(np.cos(np.arange(np.size(p))) * np.ravel(p) ** 2)
            total = total + np.sum(np.sin(np.arange(np.size(r))) * np.ravel(r) ** 3)
    return total


# the adjoints of a, b, the pieces and the items start each trip at zero, and
# some stay zero (q and s always)
row(
    "zero_adjoints_of_joins_in_a_loop-(2,3)",
    zero_adjoints_of_joins_in_a_loop,
    data((2, 3)),
    ag=False,
)
