"""The spec table of the rule table: every differentiable primitive × shapes.

The rows live in ``tests/spec``, one module per family of rules: each is a
small function (adcompile reads its source), the arguments to call it with,
and which parameters to differentiate. Every row is checked against central finite differences and,
where autograd has the function, against autograd. ``test_every_rule_has_a_row``
fails when a registered differentiable primitive is used by no row, so a new
rule cannot land without a test.

Inputs are chosen inside each function's domain and away from its kinks
(|x| >= 0.3 for abs, no ties for max/min) except in the rows that test ties
and zeros on purpose, which are checked against autograd (and, for prod,
finite differences: prod is a polynomial).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy
import numpy as np
import pytest

import adcompile
from adcompile._src import runtime
from adcompile._src.compilation.compiler import derivative_of
from adcompile._src.normal.ir import Apply, walk
from adcompile._src.rules import registered
from adcompile._src.rules.patterns import APPEND
from adcompile._src.rules.registry import BROADCAST, LINEAR, SAME, parse_template
from tests.forwardcheck import check_hvp, check_jvp
from tests.gradcheck import (
    check_against_autograd,
    check_grad,
    compute_grads,
)
from tests.spec import ROWS, Row
from tests.spec.table import data

try:
    from scipy.stats import norm
except ImportError:  # scipy is optional; its rules exist only with it
    norm = None

# ---- the checks ---------------------------------------------------------------

FD_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.fd]
AG_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.ag]


def test_row_ids_are_unique():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("r", FD_ROWS)
def test_finite_differences(r: Row):
    check_grad(r.f, r.args, wrt=r.wrt, rtol=r.rtol)


FORWARD_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.fd and r.forward]
SECOND_ORDER_ROWS = [pytest.param(r, id=r.id) for r in ROWS if r.second_order]


@pytest.mark.parametrize("r", FORWARD_ROWS)
def test_forward_finite_differences(r: Row):
    check_jvp(r.f, r.args, wrt=r.wrt, rtol=r.rtol)


@pytest.mark.parametrize("r", SECOND_ORDER_ROWS)
def test_second_order(r: Row):
    check_hvp(r.f, r.args, wrt=r.wrt)


@pytest.mark.parametrize("r", AG_ROWS)
def test_autograd(r: Row):
    check_against_autograd(r.f, None, r.args, wrt=r.wrt)


def primitives_used(f: Callable[..., Any], wrt: Any) -> set[int]:
    """ids of the keys of the primitives the normal form of f applies."""
    _, _, derivative = derivative_of(f, wrt)
    return {
        id(s.prim.key)
        for s in walk(derivative.program.body)
        if isinstance(s, Apply) and s.prim is not None
    }


def test_every_rule_has_a_row():
    used: set[int] = set()
    for r in ROWS:
        used |= primitives_used(r.f, r.wrt)
    helpers = {id(h) for h in runtime.HELPERS.values()}  # second-order rows
    missing = [
        p.spelling
        for p in registered()
        if not p.nondiff
        and not p.custom  # users' rules, registered by other tests
        and id(p.key) not in used
        and id(p.key) not in helpers
        and p.key is not getattr  # fields of objects: tests/test_pytrees.py
    ]
    assert (
        not missing
    ), f"differentiable primitives with no row in the spec table: {missing}"


def test_every_elementwise_rule_has_a_second_order_row():
    used: set[int] = set()
    for r in ROWS:
        if r.second_order:
            used |= primitives_used(r.f, r.wrt)
    helpers = {id(h) for h in runtime.HELPERS.values()}
    missing = [
        p.spelling
        for p in registered()
        if p.shape in (SAME, BROADCAST)
        and not p.nondiff
        and not p.custom
        and id(p.key) not in used | helpers
    ]
    assert not missing, f"elementwise rules with no second-order row: {missing}"


def test_every_template_parses_and_uses_known_names():
    """Templates are parsed lazily at first use; parse them all here."""
    for prim in registered():
        for text in [*prim.vjps.values(), *prim.simple.values(), *prim.jvps.values()]:
            if text is not None and text != LINEAR:
                parse_template(text, prim.param_names)


def test_every_rule_has_a_forward_rule():
    """Each parameter with a reverse rule has a forward rule, and the other
    way round; list appends are the forward transform's own business."""
    missing = []
    for prim in registered():
        if prim.nondiff or prim.key is APPEND or prim.custom:
            continue
        for param in prim.param_names:
            has_reverse = prim.vjps.get(param) is not None
            has_forward = prim.jvps.get(param) is not None
            if prim.vjps and has_reverse != has_forward:
                missing.append(f"{prim.spelling}: {param}")
    assert not missing, f"rules with a reverse but no forward rule: {missing}"


# ---- non-differentiable primitives: constants in the gradient ----------------


def floor_times_x(x):
    return np.sum(np.floor(x) * x)


def shape_times_x(x):
    return np.sum(x.shape[0] * x * x)


def len_times_x(x):
    return np.sum(len(x) * x)


def sign_times_x(x):
    return np.sum(np.sign(x) * x)


def round_and_argmax(x):
    i = np.argmax(x)
    return np.sum(np.round(x) * x) + x[i] * np.size(x)


def comparison_times_x(x):
    return np.sum((x > 0.0) * x * x)


def zeros_like_plus_x(x):
    return np.sum((np.zeros_like(x) + 1.0) * x * np.ones(np.shape(x)))


def math_floor_times_x(x):
    return math.floor(x) * x * x


NONDIFF_CASES = [
    (floor_times_x, np.array([0.5, 1.7, -2.3]), lambda x: np.floor(x)),
    (shape_times_x, np.array([0.5, 1.7, -2.3]), lambda x: 3 * 2 * x),
    (len_times_x, np.array([0.5, 1.7]), lambda x: np.full(2, 2.0)),
    (sign_times_x, np.array([0.5, -1.7, -2.3]), lambda x: np.sign(x)),
    (
        round_and_argmax,
        np.array([0.4, 1.7, -2.3]),
        lambda x: np.round(x) + np.array([0.0, 3.0, 0.0]),
    ),
    (comparison_times_x, np.array([0.5, -1.7]), lambda x: 2 * x * (x > 0)),
    (zeros_like_plus_x, np.array([0.5, -1.7]), lambda x: np.ones_like(x)),
    (math_floor_times_x, 2.5, lambda x: 2 * math.floor(x) * x),
]


@pytest.mark.parametrize(
    "f, x, expected", NONDIFF_CASES, ids=[c[0].__name__ for c in NONDIFF_CASES]
)
def test_nondifferentiable_parts_are_constants(f, x, expected):
    (gradient,) = compute_grads(f, [x])
    np.testing.assert_allclose(gradient, expected(x), rtol=1e-12)
    check_grad(f, [x])


def test_nondifferentiable_primitives_are_marked():
    nondiff = {p.key for p in registered() if p.nondiff}
    for key in [
        np.floor,
        np.sign,
        np.argmax,
        np.shape,
        len,
        operator.lt,
        np.zeros_like,
    ]:
        assert key in nondiff


# ---- dtypes ------------------------------------------------------------------


def float32_function(x, w):
    return np.sum(np.tanh(x @ w) ** 2)


def test_float32_gradients_keep_their_dtype():
    x = data((2, 3)).astype(np.float32)
    w = data((3, 2)).astype(np.float32)
    gx, gw = adcompile.grad(float32_function, wrt=(0, 1))(x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    check_grad(float32_function, [x, w], wrt=(0, 1), rtol=1e-3, atol=1e-4)


# ---- pullbacks ---------------------------------------------------------------


def times_one(x):
    return x * 1.0


def test_pullback_gradient_is_not_the_cotangent():
    cotangent = np.array([1.0, -2.0, 0.5])
    _, pullback = adcompile.vjp(times_one, np.array([0.1, 0.2, 0.3]))
    gradient = pullback(cotangent)
    np.testing.assert_array_equal(gradient, cotangent)
    assert gradient.flags.writeable
    assert not np.shares_memory(gradient, cotangent)


# ---- names of the user's that collide with emitted-code names ----------------


def parameter_named_np(x, np):
    return numpy.sum(numpy.sin(x)) * np


def parameter_named_like_a_helper(x, unbroadcast):
    return numpy.sum(x * unbroadcast + x)


@pytest.mark.parametrize(
    "f, args",
    [
        (parameter_named_np, (np.array([0.1, 0.2, 0.3]), 2.0)),
        (parameter_named_like_a_helper, (np.array([0.1, 0.2, 0.3]), np.ones((2, 3)))),
    ],
    ids=["np", "unbroadcast"],
)
def test_parameter_shadowing_a_binding(f, args):
    check_grad(f, args)


def test_vjp_value_is_a_new_array():
    x = np.array([0.1, 0.2, 0.3])
    value, _ = adcompile.vjp(times_one, x)
    assert not np.shares_memory(value, x)


# ---- scipy.stats.norm far in the tails ----------------------------------------

TAILS = np.array([-40.0, -12.0, -3.0, 0.0, 3.0, 12.0, 40.0])


def norm_log_tails(x):
    return np.sum(norm.logcdf(x, 0.5, 2.0)) + np.sum(norm.logsf(x, 0.5, 2.0))


def norm_density_named(x, mu, s):
    pdf = norm.pdf(x, mu, s)
    return np.sum(pdf)


def test_norm_log_probabilities_are_stable_in_the_tails():
    """d log Phi is exp(logpdf - logcdf): finite and right 20 standard
    deviations out, where Phi(z) is 0 or 1 in floating point; checked
    against differences of scipy's own (accurate) logcdf and logsf."""
    pytest.importorskip("scipy")
    gradient = adcompile.grad(norm_log_tails)(TAILS)
    h = 1e-5
    numeric = (
        norm.logcdf(TAILS + h, 0.5, 2.0)
        - norm.logcdf(TAILS - h, 0.5, 2.0)
        + norm.logsf(TAILS + h, 0.5, 2.0)
        - norm.logsf(TAILS - h, 0.5, 2.0)
    ) / (2 * h)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)
    _, tangent = adcompile.jvp(norm_log_tails, (TAILS,), (np.ones_like(TAILS),))
    np.testing.assert_allclose(tangent, np.sum(numeric), rtol=1e-6)
    hessian = adcompile.hvp(norm_log_tails, (TAILS,), (np.ones_like(TAILS),))
    assert np.all(np.isfinite(hessian))
    check_hvp(norm_log_tails, [TAILS])


def test_norm_local_gradients_read_like_a_persons():
    pytest.importorskip("scipy")
    text = adcompile.grad(norm_density_named, wrt=(0, 1, 2)).source
    assert "bpdf * (-(x - mu) / s**2 * pdf)" in text, text
    assert "(((x - mu) ** 2 / s**2 - 1.0) / s * pdf)" in text, text
