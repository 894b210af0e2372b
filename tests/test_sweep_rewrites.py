"""Rewrites of backward sweeps with loops and branches: index adjoints
added up in place (reverse/owned.py), shapes a variant knows written as
literals (no value kept only for its shape), identical contributions added
once (``x * x``); and the fast path of ``unindex``.

Every program is checked against finite differences, in the general code
and in the variant for its arguments' shapes; the sources show where each
rewrite applies and where it must not.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompile
from adcompile._src.runtime.containers import unindex
from tests.gradcheck import check_grad, check_variant


def rows_chain(x):
    s = 0.0
    for i in range(1, x.shape[0]):
        s = s + np.sum(x[i] * x[i - 1]) + x[i, 0] ** 2
    return s


def rows_branch(x, w):
    s = 0.0
    for i in range(x.shape[0] - 1):
        if x[i, 0] > 0:
            s = s + np.sum(np.sin(x[i]) * w[i])
        else:
            s = s - np.sum(x[i + 1] * x[i]) * w[0, 0]
    return s


def computed_then_indexed(a, w):
    x = a * w  # x's adjoint is read to give a's and w's
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sum(np.tanh(x[i]))
    return s + np.sum(x * x)


def view_and_rows(x):
    v = x[1:]  # a view: its adjoint is scattered into x's
    s = 0.0
    for i in range(v.shape[0]):
        s = s + np.sum(v[i] * x[i]) + np.sum(x[i, 1:] ** 2)
    return s


def written_in_place(x):
    y = x.copy()
    for i in range(1, x.shape[0]):
        y[i] = y[i - 1] * x[i] + y[i]
    return np.sum(y * y)


def while_rows(x):
    s = 0.0
    i = 0
    while i < x.shape[0]:
        s = s + np.sum(np.exp(x[i, :2])) * x[i, -1]
        i = i + 2
    return s


def cell(w, h):
    return np.tanh(w * h)


def rows_through_calls(w, h):
    s = 0.0
    for i in range(w.shape[0]):
        h = cell(w[i], h)
        s = s + np.sum(h * w[i])
    return s


def nested_loops(x):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s = s + x[i, j] * x[i - 1, j - 1]
    return s


def squares_overwritten(x, w):
    h = x[0]
    s = 0.0
    for i in range(x.shape[0]):
        h = h * h * 0.5 + x[i] * w
        s = s + np.sum(h * h) + np.sum(x[i] + x[i])
    return s


def same_operand_twice(x):
    y = x * x
    s = 0.0
    for i in range(3):
        if i % 2 == 0:
            s = s + np.sum(y * y) - np.sum(np.sin(x) * np.sin(x))
        else:
            s = s + np.sum(x / (x * x + 1.0))
    return s


def rows_times_column(x, c):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sum(x[i] * c)  # (3,) times (2, 1): a (2, 3) product
    return s


RNG = np.random.default_rng(3)
CASES = [
    (rows_chain, (RNG.normal(size=(5, 3)),), 0),
    (rows_branch, (RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))), (0, 1)),
    (computed_then_indexed, (RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))), (0, 1)),
    (view_and_rows, (RNG.normal(size=(5, 3)),), 0),
    (written_in_place, (RNG.normal(size=(5, 3)),), 0),
    (while_rows, (RNG.normal(size=(5, 3)),), 0),
    (rows_through_calls, (RNG.normal(size=(4, 3)), RNG.normal(size=3)), (0, 1)),
    (nested_loops, (RNG.normal(size=(3, 4)),), 0),
    (squares_overwritten, (0.5 * RNG.normal(size=(4, 3)), RNG.normal(size=3)), (0, 1)),
    (same_operand_twice, (RNG.normal(size=5),), 0),
    (rows_times_column, (RNG.normal(size=(4, 3)), RNG.normal(size=(2, 1))), (0, 1)),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_match_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_variant_equals_general_code(f, args, wrt):
    """The variant for these shapes (literal shapes, no value kept only for
    its shape) gives the general code's gradients."""
    check_variant(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_float32_arguments(f, args, wrt):
    """unindex_add falls back to a new array where dtypes differ."""
    small = tuple(a.astype(np.float32) for a in args)
    exact = adcompile.grad(f, wrt=wrt)(*args)
    got = adcompile.grad(f, wrt=wrt)(*small)
    if wrt == 0:
        exact, got = [exact], [got]
    for g, e in zip(got, exact, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-3, atol=1e-3)


def test_rows_add_in_place():
    source = adcompile.source(rows_chain)
    assert "bx = unindex_add(bx, " in source
    assert "bx + unindex(" not in source


def test_adjoint_read_elsewhere_is_not_written_in_place():
    # bx gives ba and bw: written into in place, it would change them
    source = adcompile.source(computed_then_indexed, wrt=(0, 1))
    assert "unindex_add(bx," not in source
    # bv is scattered into bx: bv stays a new array each time, bx is owned
    source = adcompile.source(view_and_rows)
    assert "unindex_add(bv," not in source
    assert "bx = unindex_add(bx, " in source


def test_known_shapes_are_literals_and_repeats_add_once():
    args = (0.5 * RNG.normal(size=(4, 3)), RNG.normal(size=3))
    source = adcompile.grad(squares_overwritten, wrt=(0, 1)).source_for(*args)
    assert "bh = bh + 2.0 * (bsum_times_h * h)" in source  # scalar_adjoints.py
    assert "stack_times_h" not in source  # read only for its shape
    args = (RNG.normal(size=(4, 3)), RNG.normal(size=(2, 1)))
    source = adcompile.grad(rows_times_column, wrt=(0, 1)).source_for(*args)
    assert "btimes_part_x = np.full((2, 3), bsum_times_part_x)" in source


def test_large_known_shapes_stay_views():
    args = (np.ones((2, 5000)), np.ones((2, 1)))
    source = adcompile.grad(rows_times_column, wrt=(0, 1)).source_for(*args)
    assert "np.broadcast_to(bsum_times_part_x, (2, 5000))" in source


def test_pullback_called_twice_gives_the_same_gradients():
    w, h = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    value, pullback = adcompile.vjp(rows_through_calls, w, h, wrt=(0, 1))
    first = pullback(1.0)
    kept = [np.copy(g) for g in first]
    second = pullback(1.0)
    for a, b, c in zip(first, kept, second, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize(
    "index", [2, np.s_[1:], np.s_[1:, :2], (0, 1), np.s_[..., 1], (np.int64(1), 0)]
)
@pytest.mark.parametrize("g_kind", ["float", "float64", "array"])
def test_unindex_fast_path_equals_a_scatter(index, g_kind):
    x = RNG.normal(size=(3, 4))
    shape = np.shape(x[index])
    g = {"float": 1.5, "float64": np.float64(1.5), "array": RNG.normal(size=shape)}
    g = g[g_kind]
    expected = np.zeros_like(x)
    expected[index] = g
    out = unindex(g, x, index)
    assert out.dtype == np.float64 and out is not g
    np.testing.assert_array_equal(out, expected)


def test_unindex_of_fancy_index_adds_repeats():
    x = RNG.normal(size=4)
    out = unindex(np.ones(3), x, np.array([1, 1, 2]))
    np.testing.assert_array_equal(out, [0.0, 2.0, 1.0, 0.0])
