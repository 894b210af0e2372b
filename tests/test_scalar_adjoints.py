"""Scalar adjoints kept scalar (reverse/scalar_adjoints.py): the adjoint of
``np.sum(t)`` enters the rule of t's statement as the
scalar it was broadcast from, where the factor it meets has t's shape.

Every program is checked against finite differences (general code and the
variant for its arguments' shapes, float64 and float32); the sources show
where the rewrite applies and where it must not: a factor of another shape
(broadcasting), an adjoint added to after the broadcast, a scalar changed in
between, an adjoint returned as a gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompile
from tests.forwardcheck import check_hvp, check_jvp
from tests.gradcheck import check_grad, check_variant


def rnn(wh, b, xs):
    h = np.zeros(wh.shape[0])
    loss = 0.0
    for x in xs:
        h = np.tanh(wh @ h + x + b)
        loss = loss + np.sum(h * h)
    return loss


def straight_mean(x, w):
    return np.mean(np.tanh(x) * x) + np.sum(np.exp(x) * x) + np.mean(x * w)


def rows_against_vector(x, y):
    return np.sum(x * y) + np.mean(y * x * 2.0)  # (2, 3) times (3,)


def scalar_factor(c, x):
    return np.sum(c * x) + np.sum(np.sin(x) * c)


def returned_directly(x, w):
    return np.sum(x) + np.mean(w) + np.sum(w * w)


def used_twice(x, w):
    t = x * x
    return np.sum(t) + np.sum(t * w)


def carried_sum(x):
    acc = 0.0
    s = 0.0
    for i in range(3):
        t = x * x * (i + 1.0)
        u = s * 3.0  # the last trip's s: its adjoint comes between
        s = np.sum(t)
        acc = acc + u + s
    return acc


def in_branch(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i, 0] > 0:
            s = s + np.sum(x[i] * w)
        else:
            s = s + np.mean(np.cos(x[i]) * x[i] * w)
    return s


def keepdims_sum(x):
    t = x * x
    return np.sum(np.sum(t, axis=1, keepdims=True) * x) + np.sum(t / 2.0)


def scalar_inputs(a, b):
    t = a * b
    return np.sum(t * t) + np.mean(a * a)


RNG = np.random.default_rng(5)
CASES = [
    (
        rnn,
        (0.3 * RNG.normal(size=(4, 4)), RNG.normal(size=4), RNG.normal(size=(5, 4))),
        (0, 1),
    ),
    (straight_mean, (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))), (0, 1)),
    (rows_against_vector, (RNG.normal(size=(2, 3)), RNG.normal(size=3)), (0, 1)),
    (scalar_factor, (1.5, RNG.normal(size=(2, 3))), (0, 1)),
    (returned_directly, (RNG.normal(size=(2, 3)), RNG.normal(size=3)), (0, 1)),
    (used_twice, (RNG.normal(size=3), RNG.normal(size=(2, 3))), (0, 1)),
    (carried_sum, (RNG.normal(size=(2, 3)),), 0),
    (in_branch, (RNG.normal(size=(5, 3)), RNG.normal(size=3)), (0, 1)),
    (keepdims_sum, (RNG.normal(size=(2, 3)),), 0),
    (scalar_inputs, (0.7, 1.3), (0, 1)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_gradients_match_finite_differences(f, args, wrt):
    check_grad(f, args, wrt)
    check_jvp(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", CASES[:4], ids=IDS[:4])
def test_hessian_vector_products(f, args, wrt):
    check_hvp(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_variant_equals_general_code(f, args, wrt):
    check_variant(f, args, wrt)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_float32_arguments(f, args, wrt):
    small = tuple(a.astype(np.float32) if np.ndim(a) else a for a in args)
    exact = adcompile.grad(f, wrt=wrt)(*args)
    got = adcompile.grad(f, wrt=wrt)(*small)
    if wrt == 0:
        exact, got = [exact], [got]
    positions = [wrt] if wrt == 0 else list(wrt)
    for g, e, p in zip(got, exact, positions, strict=True):
        assert np.shape(g) == np.shape(args[p])
        if isinstance(small[p], np.ndarray):
            assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=1e-3, atol=1e-3)


def test_vjp_and_value_and_grad():
    f, args, wrt = CASES[0]
    value, grads = adcompile.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(f(*args))
    _, pullback = adcompile.vjp(f, *args, wrt=wrt)
    for a, b in zip(pullback(2.0), grads, strict=True):
        np.testing.assert_allclose(a, 2.0 * b, rtol=1e-12)


def test_the_scalar_meets_the_factor():
    source = adcompile.source(rnn, wrt=(0, 1))
    assert "bh = bh + 2.0 * (bsum_times_h * h)" in source
    assert "broadcast_to" not in source
    assert "stack_times_h" not in source  # no longer read for its shape
    args = CASES[0][1]
    variant = adcompile.grad(rnn, wrt=(0, 1)).source_for(*args)
    assert "np.full(" not in variant and "bsum_times_h * h" in variant
    source = adcompile.source(straight_mean, wrt=(0, 1))
    assert "btimes_exp_x =" not in source
    assert "btimes_tanh_x = np.broadcast_to(" in source  # a mean's: reads a size
    assert "btimes_x = np.broadcast_to(" in source  # x and w: two shape classes


def test_where_the_broadcast_stays():
    # a factor of another shape: x * y is (2, 3), y is (3,)
    assert "broadcast_to" in adcompile.source(rows_against_vector, wrt=(0, 1))
    # returned as the gradient: it must have the parameter's shape
    source = adcompile.source(returned_directly, wrt=(0, 1))
    assert "bx = np.broadcast_to(" in source
    # added to after the broadcast, or the scalar changed in between
    assert "broadcast_to" in adcompile.source(used_twice, wrt=(0, 1))
    assert "broadcast_to" in adcompile.source(carried_sum)
