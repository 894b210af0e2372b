"""The fast paths of runtime helpers give what their general code gives:
same values, shapes and dtypes (the adjoints of reductions, splits and
stacks on plain float arrays, the items of containers' adjoints), and
gradients through them stay right. The matrix products' helpers are
checked alongside."""

from __future__ import annotations

import numpy as np
import pytest

from adcompile._src.runtime.containers import part
from adcompile._src.runtime.core import (
    extremum_grad,
    matmul_left,
    matmul_right,
    repeat_to,
    unconcatenate,
    unstack,
)
from adcompile._src.runtime.support import Fields, Items
from tests.gradcheck import check_grad

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("axis", [0, 1, -1, 2, -3])
@pytest.mark.parametrize("keepdims", [False, True])
def test_repeat_to_one_axis(axis, keepdims):
    x = RNG.normal(size=(2, 3, 4))
    g = np.sum(x, axis=axis, keepdims=keepdims) * 1.5
    expected = np.broadcast_to(g if keepdims else np.expand_dims(g, axis), x.shape)
    got = repeat_to(g, x, axis, keepdims)
    assert got.shape == x.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("g", [2.0, np.float64(2.0), np.array(2.0)])
def test_extremum_grad_of_the_whole_array(dtype, g):
    x = np.array([[1.0, 3.0, 3.0], [0.0, 3.0, -1.0]], dtype=dtype)
    got = extremum_grad(g, x, np.max(x))
    mask = x == np.max(x)
    expected = np.broadcast_to(g, x.shape) * mask / np.sum(mask, keepdims=True)
    assert got.dtype == expected.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unconcatenate_along_an_axis(axis):
    pieces = []
    for size in (3, 2, 1):
        shape = [2, 4, 3]
        shape[axis] = size
        pieces.append(RNG.normal(size=shape))
    g = RNG.normal(size=np.concatenate(pieces, axis=axis).shape)
    got = unconcatenate(g, pieces, axis)
    sizes = np.cumsum([p.shape[axis] for p in pieces])[:-1]
    for a, b in zip(got, np.split(g, sizes, axis=axis), strict=True):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_unstack_rows():
    g = RNG.normal(size=(3, 4))
    got = unstack(g, 0)
    assert len(got) == 3
    for row, expected in zip(got, g, strict=True):
        np.testing.assert_array_equal(row, expected)


def pieces_and_extrema(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        z = np.concatenate((x[i], w, x[i] * w))
        s = s + np.max(z) + np.sum(np.sin(z)) + np.sum(np.max(x * w, axis=1))
    return s + np.sum(np.stack([x[0], w]) ** 2)


def test_gradients_through_the_fast_paths():
    check_grad(
        pieces_and_extrema, (RNG.normal(size=(3, 4)), RNG.normal(size=4)), (0, 1)
    )


@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
def test_matmul_adjoints_of_matrix_products(b_shape):
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=b_shape)
    g = RNG.normal(size=(a @ b).shape)
    np.testing.assert_allclose(
        matmul_left(g, a, b), np.reshape(g, (3, -1)) @ np.reshape(b, (4, -1)).T
    )
    np.testing.assert_allclose(
        matmul_right(g, a, b), np.reshape(a.T @ np.reshape(g, (3, -1)), b_shape)
    )
    assert matmul_left(0.0, a, b) == 0.0 and matmul_right(0.0, a, b) == 0.0


def test_part_of_items_and_of_zero():
    items = Items((np.ones(2), 3.0))
    assert part(items, 1) == 3.0 and part(items, 0) is items[0]
    assert part(0.0, 1) == 0.0
    assert part(Fields({"a": 1.0}), "b") == 0.0
