"""Derivatives taken inside the function being differentiated.

GradBench's particle and saddle evaluations differentiate a function that
itself calls a gradient (``adcompile.grad(inner)``, made at module level or in
the function): an inner gradient-descent solve differentiated by the outer
problem. The gradient called inside is its own emitted code, differentiated
like any other function (no tape, so no confusion between the levels); the
results agree with autograd, which nests by tracing.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import adcompile
from tests.gradcheck import check_grad


def potential(x, q):
    return 1.0 / np.sqrt(np.sum((x - q) ** 2))


FORCE = adcompile.grad(potential)


def particle_made_inside(w):
    q = np.array([10.0, 10.0 - w])
    return np.sum(adcompile.grad(potential)(np.array([1.0, 2.0]), q))


def particle_module_level(w):
    q = np.array([10.0, 10.0 - w])
    return np.sum(FORCE(np.array([1.0, 2.0]), q))


def particle_autograd(w):
    def pot(x, q):
        return 1.0 / anp.sqrt(anp.sum((x - q) ** 2))

    q = anp.array([10.0, 10.0 - w])
    return anp.sum(autograd.grad(pot)(anp.array([1.0, 2.0]), q))


@pytest.mark.parametrize("f", [particle_made_inside, particle_module_level])
def test_particle_style(f):
    expected = autograd.grad(particle_autograd)(0.5)
    assert abs(adcompile.grad(f)(0.5) - expected) < 1e-12
    check_grad(f, (0.5,))


def saddle_inner(x, y):
    return (x - 2.0 * y) ** 2 + 0.5 * x**4


DX = adcompile.grad(saddle_inner, wrt=0)


def solve(y):
    x = 1.0
    for _ in range(20):
        x = x - 0.05 * DX(x, y)
    return x


def saddle(y):
    x = solve(y)
    return x * x + y


def saddle_autograd(y):
    dx = autograd.grad(lambda x, y: (x - 2.0 * y) ** 2 + 0.5 * x**4, 0)
    x = 1.0
    for _ in range(20):
        x = x - 0.05 * dx(x, y)
    return x * x + y


def test_saddle_style_inner_solve():
    expected = autograd.grad(saddle_autograd)(0.3)
    assert abs(adcompile.grad(saddle)(0.3) - expected) < 1e-12
    check_grad(saddle, (0.3,))
    value, tangent = adcompile.jvp(saddle, (0.3,), (1.0,))
    assert abs(value - saddle(0.3)) < 1e-15 and abs(tangent - expected) < 1e-12


def test_second_derivative_through_an_inner_gradient():
    expected = autograd.grad(autograd.grad(saddle_autograd))(0.3)
    assert abs(adcompile.hvp(saddle, (0.3,), (1.0,)) - expected) < 1e-9


def vector_inner(x, w):
    return np.sum(np.tanh(w * x) ** 2) + 0.1 * np.sum(x * x)


INNER_GRAD = adcompile.grad(vector_inner, wrt=0)


def unrolled(w):
    x = np.array([0.5, -0.3, 0.2])
    for _ in range(3):
        x = x - 0.2 * INNER_GRAD(x, w)
    return np.sum(x**2)


def test_unrolled_optimisation_of_arrays():
    check_grad(unrolled, (np.array([0.7, -0.4, 1.1]),))
