"""The extension API: rules for the user's own functions (adcompile.custom)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adcompile
from adcompile import custom
from tests.forwardcheck import check_hvp, check_jvp
from tests.gradcheck import check_grad


def softplus(x):
    return np.log1p(np.exp(x))


@custom.defvjp(softplus)
def softplus_vjp(g, ans, x):
    return g * (1.0 - np.exp(-ans))


@custom.defjvp(softplus)
def softplus_jvp(t, ans, x):
    return t * (1.0 - np.exp(-ans))


def uses_softplus(w, X):
    return np.mean(softplus(X @ w) ** 2)


W = np.array([0.3, -0.7])
X = np.array([[1.0, 2.0], [-0.5, 0.3], [0.2, -1.1]])


def test_rules_are_inlined_and_right():
    text = adcompile.source(uses_softplus)
    assert "softplus(matmul_w)" in text  # the forward sweep calls it as written
    assert "(1.0 - np.exp(-softplus_matmul_w))" in text  # the rule, inlined
    check_grad(uses_softplus, (W, X))
    check_jvp(uses_softplus, (W, X))
    check_hvp(uses_softplus, (W, X))


def scaled_product(a, b):
    return a * b * 3.0


@custom.defvjp(scaled_product)
def scaled_product_vjp(g, ans, a, b):
    return (g * b * 3.0, None)


def uses_scaled_product(a, b):
    return np.sum(scaled_product(a, b))


def test_a_rule_of_several_parameters_with_none():
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(adcompile.grad(uses_scaled_product)(a, b), 3.0 * b)
    with pytest.raises(adcompile.NoDerivativeRule, match="'b'"):
        adcompile.grad(uses_scaled_product, wrt=1)(a, b)


@adcompile.custom_vjp
def stable_log_sum_exp(x):
    try:  # a body adcompile would refuse: it is never differentiated
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))
    except FloatingPointError:
        return -math.inf


def uses_log_sum_exp(x):
    return stable_log_sum_exp(x) * 2.0


def test_custom_vjp_needs_its_rule_then_uses_it():
    x = np.array([0.1, 2.0, -1.0])
    with pytest.raises(adcompile.NoDerivativeRule) as info:
        adcompile.grad(uses_log_sum_exp)(x)
    assert "custom.defvjp(stable_log_sum_exp)" in str(info.value)

    @stable_log_sum_exp.defvjp
    def stable_log_sum_exp_vjp(g, ans, x):
        return g * np.exp(x - ans)

    expected = 2.0 * np.exp(x) / np.sum(np.exp(x))
    np.testing.assert_allclose(adcompile.grad(uses_log_sum_exp)(x), expected)
    with pytest.raises(adcompile.NoDerivativeRule, match="forward"):
        adcompile.jvp(uses_log_sum_exp, (x,), (np.ones(3),))


def noisy(x):
    return x + np.random.default_rng(0).normal(size=np.shape(x))


custom.nondiff(noisy)


def uses_noisy(x):
    return np.sum(noisy(x) * x)


def test_nondiff_makes_a_constant():
    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(adcompile.grad(uses_noisy)(x), noisy(x))


def two_statements(x):
    return x


def test_bad_rules_are_refused_with_a_reason():
    def not_one_return(g, ans, x):
        y = g * 2.0
        return y

    def wrong_names(grad, ans, x):
        return grad

    def unknown_name(g, ans, x):
        return g * some_global_scale  # noqa: F821

    for rule, reason in [
        (not_one_return, "one return"),
        (wrong_names, r"must take \(g, ans, x\)"),
        (unknown_name, "some_global_scale"),
    ]:
        with pytest.raises(adcompile.UnsupportedSyntax, match=reason):
            custom.defvjp(two_statements)(rule)


def rescaled(x):
    return 2.0 * x


def uses_rescaled(x):
    return rescaled(x) * 1.0


def test_a_new_rule_replaces_cached_gradients():
    @custom.defvjp(rescaled)
    def rescaled_vjp(g, ans, x):
        return g * 2.0

    assert adcompile.grad(uses_rescaled)(1.0) == 2.0

    @custom.defvjp(rescaled)
    def rescaled_vjp_changed(g, ans, x):
        return g * 5.0  # deliberately not the derivative: the rule is the user's

    assert adcompile.grad(uses_rescaled)(1.0) == 5.0


def uses_ans(ans):
    return ans * 2.0


def test_a_parameter_named_like_a_placeholder_is_refused():
    def uses_ans_vjp(g, ans, ans_):  # the names the rule must take clash
        return g

    with pytest.raises(adcompile.UnsupportedSyntax):
        custom.defvjp(uses_ans)(uses_ans_vjp)
