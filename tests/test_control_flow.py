"""Control flow: a corpus of realistic programs, checked every way we can.

Every program of ``tests/corpus`` (branches, early returns, ``for`` loops
over ranges, rows, ``enumerate``, ``zip`` and ``reversed``, ``while`` loops,
``break`` and ``continue``) is checked at inputs away from its branch
boundaries:

- against central finite differences (``check_grad``), after checking that
  finite differences at two step sizes agree there (no kink nearby);
- against autograd, where autograd can run the program;
- through ``value_and_grad`` (its value is f's) and ``vjp`` (the pullback
  called twice gives the same gradient, scales linearly, agrees with
  ``grad``, and no argument is mutated).

Known failures are strict xfails whose reason says what is wrong; the
report that goes with this file has a minimal reproducer for each.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import adcompile
from tests.corpus import Case, all_cases, vector_outputs
from tests.gradcheck import (
    assert_not_mutated,
    check_against_autograd,
    check_grad,
    numeric_directional_derivative,
    wrt_positions,
)

CASES = all_cases()


def params(cases: list[Case], check: str) -> list:
    """pytest parameters, one per case, a strict xfail where ``check`` fails."""
    result = []
    for case in cases:
        marks = []
        if case.xfail is not None and check in case.fails:
            marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
        result.append(pytest.param(case, id=case.id, marks=marks))
    return result


def _direction(x, rng):
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def assert_smooth_here(case: Case) -> None:
    """Finite differences with steps 1e-3 and 1e-5 agree: the inputs are not
    near a change of control path (a kink or jump)."""
    positions = wrt_positions(case.f, case.wrt)
    rng = np.random.default_rng(1)
    for _ in range(2):
        vs = [_direction(case.args[p], rng) for p in positions]
        coarse, fine = (
            numeric_directional_derivative(case.f, case.args, positions, vs, h)
            for h in (1e-3, 1e-5)
        )
        assert abs(coarse - fine) <= 1e-2 * max(1.0, abs(fine)), (
            f"{case.id}: near a change of control path "
            f"(finite differences {coarse} and {fine})"
        )


def test_corpus_is_large_enough():
    programs = {case.f for case in CASES} | {c.f for c in vector_outputs.CASES}
    assert len(programs) >= 45, len(programs)
    assert len({case.id for case in CASES}) == len(CASES), "duplicate ids"


@pytest.mark.parametrize("case", params(CASES, "fd"))
def test_gradient_matches_finite_differences(case: Case):
    assert_smooth_here(case)
    check_grad(case.f, copy.deepcopy(case.args), case.wrt)


AUTOGRAD_CASES = [case for case in CASES if case.autograd]


@pytest.mark.parametrize("case", params(AUTOGRAD_CASES, "autograd"))
def test_gradient_matches_autograd(case: Case):
    check_against_autograd(case.f, None, copy.deepcopy(case.args), case.wrt)


def _as_list(grads, wrt):
    return list(grads) if isinstance(wrt, tuple) else [grads]


def _assert_same(got, want, label):
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b), f"{label}: {type(a)} vs {type(b)}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=label)


@pytest.mark.parametrize("case", params(CASES, "vjp"))
def test_value_and_pullback(case: Case):
    """value_and_grad's value is f's; a pullback called twice gives the same
    result, is linear, agrees with grad; no argument is mutated."""
    args = list(copy.deepcopy(case.args))
    before = copy.deepcopy(args)
    expected_value = case.f(*copy.deepcopy(case.args))
    value, _ = adcompile.value_and_grad(case.f, wrt=case.wrt)(*args)
    assert_not_mutated(before, args)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    grads = _as_list(adcompile.grad(case.f, wrt=case.wrt)(*args), case.wrt)
    value, pullback = adcompile.vjp(case.f, *args, wrt=case.wrt)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    first = _as_list(pullback(1.0), case.wrt)
    second = _as_list(pullback(1.0), case.wrt)
    doubled = _as_list(pullback(2.0), case.wrt)
    assert_not_mutated(before, args)
    _assert_same(second, first, f"{case.id}: pullback called twice")
    _assert_same(first, grads, f"{case.id}: pullback(1.0) vs grad")
    for once, twice in zip(first, doubled, strict=True):
        np.testing.assert_allclose(twice, 2.0 * np.asarray(once), rtol=1e-12)


@pytest.mark.parametrize("case", params(vector_outputs.CASES, "vjp"))
def test_vector_output_pullback(case: Case):
    """vjp of programs with a vector output, against finite differences of
    <cotangent, f>; the pullback gives the same result when called twice."""
    args = list(copy.deepcopy(case.args))
    before = copy.deepcopy(args)
    value, pullback = adcompile.vjp(case.f, *args, wrt=case.wrt)
    np.testing.assert_allclose(value, case.f(*case.args), rtol=1e-12)
    rng = np.random.default_rng(2)
    cotangent = rng.standard_normal(np.shape(value))
    first = _as_list(pullback(cotangent), case.wrt)
    second = _as_list(pullback(cotangent.copy()), case.wrt)
    assert_not_mutated(before, args)
    _assert_same(second, first, f"{case.id}: pullback called twice")

    def projected(*xs):
        return float(np.sum(case.f(*xs) * cotangent))

    positions = wrt_positions(case.f, case.wrt)
    for _ in range(3):
        vs = [_direction(args[p], rng) for p in positions]
        norm = math.sqrt(sum(float(np.sum(np.square(v))) for v in vs))
        vs = [v / norm for v in vs]
        analytic = sum(
            float(np.sum(np.asarray(g) * v)) for g, v in zip(first, vs, strict=True)
        )
        numeric = numeric_directional_derivative(projected, args, positions, vs, 1e-6)
        coarse = numeric_directional_derivative(projected, args, positions, vs, 1e-4)
        assert abs(coarse - numeric) <= 1e-3 * max(1.0, abs(numeric)), "near a kink"
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(
            numeric
        ), f"{case.id}: <vjp, v> = {analytic} but finite differences give {numeric}"
