"""Second and higher derivatives: Hessians, Hessian-vector products,
Jacobians, and gradients of gradients, checked against finite differences
of lower-order derivatives (and autograd where it applies)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adcompile
from tests.forwardcheck import check_hvp

RNG = np.random.default_rng(7)


def quadratic_plus_tanh(x, A):
    return 0.5 * x @ A @ x + np.sum(np.tanh(x))


def ten_dim(x):
    return np.sum(np.sin(x) * np.roll(x, 1) ** 2) + np.log(1.0 + np.sum(x * x))


def numeric_jacobian(f, x, step=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = step
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    return np.stack(columns, axis=-1).reshape(np.shape(f(x)) + x.shape)


def test_hessian_of_a_ten_dim_function_matches_differences_of_the_gradient():
    x = RNG.normal(size=10)
    hess = adcompile.hessian(ten_dim)(x)
    assert hess.shape == (10, 10)
    expected = numeric_jacobian(adcompile.grad(ten_dim), x)
    np.testing.assert_allclose(hess, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-10, atol=1e-12)


def test_hessian_against_autograd():
    import autograd
    import autograd.numpy as anp

    def reference(x, A):
        return 0.5 * x @ A @ x + anp.sum(anp.tanh(x))

    x, A = RNG.normal(size=5), RNG.normal(size=(5, 5))
    np.testing.assert_allclose(
        adcompile.hessian(quadratic_plus_tanh)(x, A),
        autograd.hessian(reference)(x, A),
        rtol=1e-10,
    )


def test_hvp_is_the_hessian_times_the_vector():
    x, A, v = RNG.normal(size=6), RNG.normal(size=(6, 6)), RNG.normal(size=6)
    product = adcompile.hvp(quadratic_plus_tanh, (x, A), (v, None))
    hess = adcompile.hessian(quadratic_plus_tanh)(x, A)
    np.testing.assert_allclose(product, hess @ v, rtol=1e-10)
    check_hvp(quadratic_plus_tanh, (x, A), wrt=0)


def two_matrices(W, V, x):
    return np.sum(np.tanh(W @ x) * (V @ x)) + np.sum(W * W * V)


def test_hvp_with_respect_to_two_parameters():
    W, V, x = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    check_hvp(two_matrices, (W, V, x), wrt=(0, 1))


def loopy(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) * 0.5 + y * y * 0.1 + 0.3
        if np.sum(y) > 10.0:
            break
    return np.sum(y * y)


def test_hvp_through_loops_and_branches():
    check_hvp(loopy, (RNG.normal(size=3), 6), wrt=0)


def scalar(x, y):
    return math.sin(x * y) * x + x**3 / y


def test_grad_of_grad_of_a_scalar_function():
    x, y, h = 0.7, 1.3, 1e-5
    first = adcompile.grad(scalar)
    second = adcompile.grad(first)
    mixed = adcompile.grad(first, wrt=1)
    assert second(x, y) == pytest.approx(
        (first(x + h, y) - first(x - h, y)) / (2 * h), rel=1e-7
    )
    assert mixed(x, y) == pytest.approx(
        (first(x, y + h) - first(x, y - h)) / (2 * h), rel=1e-7
    )


def test_third_and_fourth_derivatives():
    def exact(k, x, y):  # d^k/dx^k of sin(x y) x + x^3 / y
        s = [math.sin, math.cos, lambda u: -math.sin(u), lambda u: -math.cos(u)]
        sin_part = y**k * x * s[k % 4](x * y) + k * y ** (k - 1) * s[(k - 1) % 4](x * y)
        cubic = {3: 6 / y, 4: 0.0}[k]
        return sin_part + cubic

    third = adcompile.grad(adcompile.grad(adcompile.grad(scalar)))
    fourth = adcompile.grad(third)
    assert third(0.7, 1.3) == pytest.approx(exact(3, 0.7, 1.3), rel=1e-10)
    assert fourth(0.7, 1.3) == pytest.approx(exact(4, 0.7, 1.3), rel=1e-10)


def array_function(x):
    return np.sum(np.tanh(x))


def test_grad_of_grad_of_an_array_parameter_points_to_hessian():
    twice = adcompile.grad(adcompile.grad(array_function))
    with pytest.raises(adcompile.NonScalarOutput, match="hessian"):
        twice(np.ones(3))


def test_value_and_grad_of_grad():
    value, second = adcompile.value_and_grad(adcompile.grad(scalar))(0.7, 1.3)
    assert value == pytest.approx(adcompile.grad(scalar)(0.7, 1.3))
    assert second == pytest.approx(adcompile.grad(adcompile.grad(scalar))(0.7, 1.3))


def vector_function(x, W):
    return np.tanh(W @ x) * x[0]


def test_jacobians_forward_and_reverse_agree_with_differences():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3))
    forward = adcompile.jacfwd(vector_function)(x, W)
    reverse = adcompile.jacrev(vector_function)(x, W)
    expected = numeric_jacobian(lambda z: vector_function(z, W), x)
    assert forward.shape == reverse.shape == (3, 3)
    np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(reverse, forward, rtol=1e-12)


def test_jacobian_with_respect_to_a_matrix():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3))
    forward = adcompile.jacfwd(vector_function, wrt=1)(x, W)
    reverse = adcompile.jacrev(vector_function, wrt=1)(x, W)
    assert forward.shape == (3, 3, 3)
    np.testing.assert_allclose(reverse, forward, rtol=1e-12)
    expected = numeric_jacobian(lambda M: vector_function(x, M), W)
    np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-8)


def test_jacrev_of_a_gradient_is_refused_with_a_pointer():
    with pytest.raises(adcompile.UnsupportedSyntax, match="jacfwd"):
        adcompile.jacrev(adcompile.grad(array_function))


def test_hessian_source_is_the_tangent_program_of_the_gradient():
    gradient = adcompile.grad(array_function)
    text = adcompile.source(gradient.compiled.function, wrt=0, kind="jvp")
    assert text.startswith("def jvp_grad_array_function(x, *, dx):")
    assert "dtanh_x" in text


def inner_helper(y):
    return np.sum(y * y)


def calls_inner(a):
    return inner_helper(np.sin(a))


def test_second_derivatives_through_calls():
    """The gradient differentiated again applies its callees' vjps (apply_g),
    plain code forward mode follows into the callees."""
    a = np.array([0.1, 0.2, 0.3])
    v = np.array([1.0, -0.5, 2.0])
    expected = 2.0 * np.cos(2.0 * a) * v  # f = sum(sin(a)**2)
    np.testing.assert_allclose(adcompile.hvp(calls_inner, (a,), (v,)), expected)
    np.testing.assert_allclose(
        adcompile.hessian(calls_inner)(a), np.diag(2.0 * np.cos(2.0 * a))
    )


def branchy_helper(y, c):
    if c > 0.0:
        return y * y * c
    s = 0.0
    for _ in range(2):
        s = s + np.sin(y) * c
    return s


def calls_in_a_loop(a, c):
    s = 0.0
    for k in range(3):
        if k % 2 == 0:
            s = s + branchy_helper(a * k, c)
        else:
            s = s + branchy_helper(a, -c)
    return s


def test_second_derivatives_through_calls_in_branches_and_loops():
    scalar = adcompile.grad(adcompile.grad(calls_in_a_loop, wrt=0), wrt=1)
    h = 1e-5
    first = adcompile.grad(calls_in_a_loop, wrt=0)
    numeric = (first(0.4, 0.7 + h) - first(0.4, 0.7 - h)) / (2 * h)
    assert abs(scalar(0.4, 0.7) - numeric) < 1e-6
    product = adcompile.hvp(calls_in_a_loop, (0.4, 0.7), (1.0, 0.0))
    grad_a = adcompile.grad(calls_in_a_loop, wrt=(0, 1))
    numeric = (np.array(grad_a(0.4 + h, 0.7)) - np.array(grad_a(0.4 - h, 0.7))) / (
        2 * h
    )
    np.testing.assert_allclose(product, numeric, atol=1e-6)


def test_second_derivatives_once_the_callees_code_is_compiled():
    a = np.array([0.1, 0.2, 0.3])
    gradient = adcompile.grad(calls_inner)
    gradient(a)  # compiles inner_helper's pullback: the caller now calls it
    gradient(a)  # directly, and so does the variant for a's shape
    np.testing.assert_allclose(
        adcompile.hvp(calls_inner, (a,), (np.ones(3),)), 2.0 * np.cos(2.0 * a)
    )


def test_adcompile_internals_are_never_differentiated_by_source():
    from adcompile._src import rules, runtime
    from adcompile._src.read import calls

    assert not calls.python_callable(runtime.HELPERS["unbroadcast"])
    assert not calls.python_callable(calls.LazyVjp(inner_helper, (0,)))
    # write_back runs for its effect at the end; written_into(g, ...) is
    # lowered as a call of g's variant (normal/write_back.py), not by a rule
    assert all(
        rules.lookup(helper) is not None or name in ("write_back", "written_into")
        for name, helper in runtime.HELPERS.items()
    ), "a runtime helper without a rule"


class Quadratic:
    def __init__(self, scale):
        self.scale = scale

    def energy(self, x):
        return np.sum(x**2) * self.scale + np.sum(np.sin(x))


def test_hessian_of_a_bound_method():
    model, x = Quadratic(3.0), np.array([0.2, -0.4])
    hess = adcompile.hessian(model.energy)(x)
    np.testing.assert_allclose(hess, np.diag(6.0 - np.sin(x)), rtol=1e-12)


def test_jacobian_wrt_by_name_and_bad_names():
    x, W = RNG.normal(size=3), RNG.normal(size=(3, 3))
    by_name = adcompile.jacfwd(vector_function, wrt="W")(x, W)
    np.testing.assert_allclose(by_name, adcompile.jacfwd(vector_function, wrt=1)(x, W))
    with pytest.raises(adcompile.BadWrt, match="names no parameter"):
        adcompile.jacfwd(vector_function, wrt="V")(x, W)


class Oscillator:
    def __init__(self, k):
        self.k = k

    def energy(self, x, v):
        return self.k * math.sin(x) * v**2


def test_grad_of_grad_of_a_bound_method():
    model = Oscillator(2.0)
    second = adcompile.grad(adcompile.grad(model.energy))
    mixed = adcompile.grad(adcompile.grad(model.energy), wrt="v")
    assert second(0.3, 1.5) == pytest.approx(-2.0 * math.sin(0.3) * 1.5**2)
    assert mixed(0.3, 1.5) == pytest.approx(2.0 * math.cos(0.3) * 2 * 1.5)


# Second derivatives through the control-flow corpus: forward mode over each
# program's gradient code. Cases refused there would be listed here, each
# with its clear error (the gradient code of a helper writing into its
# private copy, read again, was refused before writes came back to the
# caller: write_back.py).
HVP_REFUSED: dict[str, str] = {}  # corpus cases whose hvp is refused


def _corpus_cases():
    from tests.corpus import all_cases

    return [pytest.param(c, id=c.id) for c in all_cases() if c.xfail is None]


@pytest.mark.filterwarnings("ignore:Output seems independent of input:UserWarning")
@pytest.mark.parametrize("case", _corpus_cases())
def test_hvp_through_the_control_flow_corpus(case):
    if case.id in HVP_REFUSED:
        with pytest.raises(adcompile.AdcompileError, match=HVP_REFUSED[case.id]):
            check_hvp(case.f, case.args, wrt=case.wrt)
        return
    check_hvp(case.f, case.args, wrt=case.wrt)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: adcompile.grad(adcompile.value_and_grad(scalar)), "value_and_grad"),
        (lambda: adcompile.grad(adcompile.grad(scalar), has_aux=True), "has_aux"),
        (lambda: adcompile.grad(adcompile.grad(scalar), wrt=(0, 1)), "a tuple"),
        (lambda: adcompile.grad(adcompile.grad(scalar, wrt=(0, 1))), "a tuple"),
    ],
    ids=["of-value_and_grad", "has_aux", "outer-tuple", "inner-tuple"],
)
def test_unsupported_gradients_of_gradients_say_why(make, reason):
    with pytest.raises(adcompile.AdcompileError, match=reason) as info:
        make()(0.7, 1.3)
    assert info.value.hint


def takes_dx(x, dx):
    return np.sum(x * dx)


def test_a_bad_tangent_names_its_parameter():
    with pytest.raises(adcompile.BadTangent, match="tangent for 'dx' has shape"):
        adcompile.jvp(takes_dx, (np.ones(2), np.ones(2)), (None, np.ones(3)))
