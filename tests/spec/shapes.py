"""Rows of shape functions: reshapes, transposes, axis moves, flips, rolls,
rotations, tiling, repeats and padding.

The rows of this module, and of ``joining`` and ``indexing``, draw their data
from generators of their own (``own_data``), so that adding rows here leaves
the data of other modules' rows as it was. Most rows weigh each entry of a
result differently (``np.cos(np.arange(np.size(y)))``), so that an adjoint
sent to the wrong entry shows.
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401
from collections.abc import Callable
from typing import Any

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id


def own_data(seed: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``data`` and ``away`` of tests.spec.table, drawing from a generator
    seeded with ``seed``."""
    rng = np.random.default_rng(seed)

    def data(shape: Any, low: float = -1.5, high: float = 1.5) -> Any:
        if shape == "float":
            return float(rng.uniform(low, high))
        return rng.uniform(low, high, shape)

    def away(shape: Any, low: float = 0.3, high: float = 1.5) -> Any:
        magnitude = data(shape, low, high)
        sign = rng.choice([-1.0, 1.0], size=None if shape == "float" else shape)
        return float(magnitude * sign) if shape == "float" else magnitude * sign

    return data, away


data, away = own_data(20240611)

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


def np_squeeze_axes(x):
    y = np.squeeze(x, axis=(0, 2))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_array_nested(a, b):
    y = np.array([[a, b], [b * b, a], [np.sin(a), 2.0 * b]])
    z = np.asarray([[a * b], [b]])
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_broadcast_to(x):
    y = np.broadcast_to(x, (2, 3))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_atleast(x):
    a = np.atleast_1d(x)
    b = np.atleast_2d(x)
    c = np.atleast_3d(x)
    return (
        np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2)
        + np.sum(np.sin(np.arange(np.size(b))) * np.ravel(b) ** 3)
        + np.sum(np.cos(np.arange(np.size(c)) + 1.0) * np.ravel(c))
    )


row("np_squeeze_axes-(1,3,1)", np_squeeze_axes, data((1, 3, 1)))
row("np_squeeze_axes-(1,2,1,2)", np_squeeze_axes, data((1, 2, 1, 2)))
row(
    "np_array_nested-(3,)",
    np_array_nested,
    data((3,)),
    data((3,)),
    wrt=(0, 1),
    second_order=True,
)
row("np_array_nested-float", np_array_nested, 0.4, -1.2, wrt=(0, 1))
for _shape in [(3,), (2, 1), "float"]:
    # autograd unbroadcasts only size-1 axes, not new leading ones
    row(
        f"np_broadcast_to-{shape_id(_shape)}",
        np_broadcast_to,
        data(_shape),
        ag=_shape == (2, 1),
    )
for _shape in ["float", (3,), (2, 3)]:
    row(f"np_atleast-{shape_id(_shape)}", np_atleast, data(_shape), second_order=True)

# ---- axes --------------------------------------------------------------------


def np_swapaxes(x):
    y = np.swapaxes(x, 0, -1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def method_swapaxes(x):
    y = x.swapaxes(2, 1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_matrix_transpose(x):
    y = np.matrix_transpose(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_moveaxis(x):
    y = np.moveaxis(x, 0, -1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_moveaxis_tuples(x):
    y = np.moveaxis(x, (0, 1), (2, 0))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_rollaxis(x):
    y = np.rollaxis(x, 2)
    z = np.rollaxis(x, 0, 3)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


row("np_swapaxes-(2,3)", np_swapaxes, data((2, 3)), second_order=True)
row("np_swapaxes-(2,3,4)", np_swapaxes, data((2, 3, 4)))
row("method_swapaxes-(2,3,4)", method_swapaxes, data((2, 3, 4)))
row("np_matrix_transpose-(2,3,4)", np_matrix_transpose, data((2, 3, 4)), ag=False)
row("np_moveaxis-(2,3,4)", np_moveaxis, data((2, 3, 4)), second_order=True)
row("np_moveaxis_tuples-(2,3,4)", np_moveaxis_tuples, data((2, 3, 4)))
row("np_rollaxis-(2,3,4)", np_rollaxis, data((2, 3, 4)), second_order=True)

# ---- flips, rolls, rotations -------------------------------------------------


def np_flip(x):
    y = np.flip(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_flip_axis(x):
    y = np.flip(x, axis=1)
    z = np.flip(x, (0, -1))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_fliplr_flipud(x):
    y = np.fliplr(x)
    z = np.flipud(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_flipud(x):
    y = np.flipud(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_roll(x):
    y = np.roll(x, 2)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_roll_axis(x):
    y = np.roll(x, -1, axis=1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_roll_tuples(x):
    y = np.roll(x, (1, -2), axis=(0, 1))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_rot90(x):
    y = np.rot90(x)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_rot90_k(x):
    y = np.rot90(x, 2)
    z = np.rot90(x, k=-1, axes=(1, 0))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_rot90_axes(x):
    y = np.rot90(x, 3, axes=(1, 2))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


row("np_flip-(2,3)", np_flip, data((2, 3)), ag=False)  # not in autograd
row("np_flip-(4,)", np_flip, data((4,)), ag=False, second_order=True)
row("np_flip_axis-(2,3)", np_flip_axis, data((2, 3)), ag=False)
row("np_fliplr_flipud-(2,3)", np_fliplr_flipud, data((2, 3)), second_order=True)
row("np_flipud-(3,)", np_flipud, data((3,)))
row("np_roll-(5,)", np_roll, data((5,)), second_order=True)
row("np_roll-(2,3)", np_roll, data((2, 3)))
row("np_roll_axis-(2,3)", np_roll_axis, data((2, 3)))
# autograd: no tuple shifts, no k other than 1 or axes for rot90
row("np_roll_tuples-(3,4)", np_roll_tuples, data((3, 4)), ag=False)
row("np_rot90-(2,3)", np_rot90, data((2, 3)), second_order=True)
row("np_rot90_k-(2,3)", np_rot90_k, data((2, 3)), ag=False)
row("np_rot90_axes-(2,3,4)", np_rot90_axes, data((2, 3, 4)), ag=False)

# ---- tiling and repeats ------------------------------------------------------


def np_tile(x):
    y = np.tile(x, 2)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_tile_reps(x):
    y = np.tile(x, (2, 1))
    z = np.tile(x, (3, 1, 2))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_repeat(x):
    y = np.repeat(x, 3)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_repeat_axis(x):
    y = np.repeat(x, 2, axis=1)
    z = x.repeat(3, axis=0)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_repeat_counts(x):
    y = np.repeat(x, [2, 0, 3], axis=-1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


row("np_tile-(3,)", np_tile, data((3,)), second_order=True)
row("np_tile-(2,3)", np_tile, data((2, 3)), ag=False)  # autograd is wrong here
row("np_tile-float", np_tile, 0.6)
row("np_tile_reps-(3,)", np_tile_reps, data((3,)))
row("np_tile_reps-(2,3)", np_tile_reps, data((2, 3)))
row("np_repeat-(2,3)", np_repeat, data((2, 3)), second_order=True)
row("np_repeat-float", np_repeat, -0.9, ag=False)  # autograd: arrays only
row("np_repeat_axis-(2,3)", np_repeat_axis, data((2, 3)))
# autograd repeats every entry the same number of times only
row("np_repeat_counts-(3,)", np_repeat_counts, data((3,)), ag=False)
row("np_repeat_counts-(2,3)", np_repeat_counts, data((2, 3)), ag=False)

# ---- padding -----------------------------------------------------------------


def np_pad(x):
    y = np.pad(x, 1)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)


def np_pad_widths(x):
    y = np.pad(x, ((1, 0), (2, 1)))
    z = np.pad(x, (0, 2))
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_pad_constant(x, c):
    y = np.pad(x, (2, 1), constant_values=c)
    z = np.pad(x * c, 1, "constant", constant_values=0.5)
    return np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2) + np.sum(
        np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3
    )


def np_pad_modes(x):
    a = np.pad(x, 2, mode="reflect")
    b = np.pad(x, (1, 3), "symmetric")
    c = np.pad(x, 2, mode="edge")
    d = np.pad(x, (3, 1), mode="wrap")
    return (
        np.sum(np.cos(np.arange(np.size(a))) * np.ravel(a) ** 2)
        + np.sum(np.sin(np.arange(np.size(b))) * np.ravel(b) ** 3)
        + np.sum(np.cos(np.arange(np.size(c)) + 1.0) * np.ravel(c) ** 2)
        + np.sum(np.sin(np.arange(np.size(d)) + 1.0) * np.ravel(d) ** 3)
    )


# autograd pads in constant mode with a default constant only, and breaks
# on numpy 2's np.pad
row("np_pad-(3,)", np_pad, data((3,)), ag=False, second_order=True)
row("np_pad-(2,3)", np_pad, data((2, 3)), ag=False)
row("np_pad_widths-(2,3)", np_pad_widths, data((2, 3)), ag=False)
row("np_pad_constant-(3,)", np_pad_constant, data((3,)), 0.8, wrt=(0, 1), ag=False)
row(
    "np_pad_constant-(2,3)",
    np_pad_constant,
    data((2, 3)),
    -1.1,
    wrt=(0, 1),
    ag=False,
    second_order=True,
)
row("np_pad_modes-(4,)", np_pad_modes, data((4,)), ag=False)
row("np_pad_modes-(3,4)", np_pad_modes, data((3, 4)), ag=False, second_order=True)


def zero_adjoints_of_moves_in_a_loop(x):
    total = 0.0
    for i in range(3):
        y = np.roll(np.flip(np.rot90(np.tile(x, 2)), 1), 1)
        w = np.broadcast_to(x[:, :1], (2, 4))
        z = np.pad(np.moveaxis(np.repeat(x, 2, axis=0), 0, 1), 1)
        if i == 1:
            total = total + np.sum(np.cos(np.arange(np.size(y))) * np.ravel(y) ** 2)
        else:
            total = total + np.sum(np.sin(np.arange(np.size(z))) * np.ravel(z) ** 3)
            total = total + np.sum(np.cos(np.arange(np.size(w))) * np.ravel(w) ** 2)
    return total


# the adjoints of y and z start each trip at zero; one of them stays zero
row(
    "zero_adjoints_of_moves_in_a_loop-(2,3)",
    zero_adjoints_of_moves_in_a_loop,
    data((2, 3)),
    ag=False,
)
