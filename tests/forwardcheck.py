"""Checks of forward mode and of second derivatives.

``check_jvp`` compares ``adcompile.jvp`` with central finite differences
and with the reverse-mode gradient (the two modes must agree to rounding);
``check_hvp`` compares ``adcompile.hvp`` (forward mode through the gradient
code) with finite differences of the gradient. Functions checked here must
be defined in a real file: adcompile reads their source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import adcompile
from tests.gradcheck import (
    _direction,
    _snapshot,
    assert_not_mutated,
    compute_grads,
    numeric_directional_derivative,
    wrt_positions,
)

__all__ = ["check_hvp", "check_jvp"]


def _unit_directions(
    args: Sequence[Any], positions: Sequence[int], rng: np.random.Generator
) -> list[Any]:
    vs = [_direction(args[p], rng) for p in positions]
    norm = math.sqrt(sum(float(np.sum(np.square(v))) for v in vs)) or 1.0
    return [v / norm for v in vs]


def _tangents(args: Sequence[Any], positions: Sequence[int], vs: list[Any]) -> list:
    tangents: list[Any] = [None] * len(args)
    for position, v in zip(positions, vs, strict=True):
        tangents[position] = v
    return tangents


def check_jvp(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Any = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    directions: int = 2,
    seed: int = 1,
) -> None:
    """``adcompile.jvp`` of a scalar function along random directions
    matches finite differences and <grad, v>, and leaves its arguments as f
    does; its value is f's value."""
    args = list(args)
    positions = wrt_positions(f, wrt)
    grads = compute_grads(f, args, wrt, value_and_grad=False)
    scale = max(
        [1.0] + [float(np.max(np.abs(args[p]), initial=0.0)) for p in positions]
    )
    step = 1e-6 * scale
    value = float(f(*_snapshot(args)))
    rng = np.random.default_rng(seed)
    precision = max(
        float(np.finfo(np.result_type(args[p], 1.0)).eps) for p in positions
    )
    agreement = max(1e-9, 1e3 * precision)  # the two modes round differently
    for _ in range(directions):
        vs = _unit_directions(args, positions, rng)
        left_by_f = _snapshot(args)
        f(*left_by_f)
        called = _snapshot(args)
        primal, tangent = adcompile.jvp(f, called, _tangents(args, positions, vs))
        assert_not_mutated(left_by_f, called)
        np.testing.assert_allclose(primal, value, rtol=1e-12, err_msg="jvp value")
        assert np.ndim(tangent) == 0, f"tangent of shape {np.shape(tangent)}"
        tangent = float(tangent)
        reverse = sum(
            float(np.sum(np.asarray(g, np.float64) * v))
            for g, v in zip(grads, vs, strict=True)
        )
        numeric = numeric_directional_derivative(f, args, positions, vs, step)
        rounding = 1e-14 * max(abs(value), 1.0) / step
        tolerance = atol + rounding + rtol * max(abs(tangent), abs(numeric))
        assert abs(tangent - numeric) <= tolerance, (
            f"{f.__name__} wrt {wrt!r}: jvp gives {tangent!r} but finite "
            f"differences give {numeric!r}"
        )
        assert abs(tangent - reverse) <= agreement * max(1.0, abs(reverse)), (
            f"{f.__name__} wrt {wrt!r}: forward mode gives {tangent!r}, "
            f"reverse mode <grad, v> = {reverse!r}"
        )


def check_hvp(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Any = 0,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    seed: int = 2,
) -> None:
    """``adcompile.hvp`` matches central differences of the gradient along
    the same direction, projected on a second random direction."""
    args = list(args)
    positions = wrt_positions(f, wrt)
    rng = np.random.default_rng(seed)
    vs = _unit_directions(args, positions, rng)
    us = _unit_directions(args, positions, rng)
    product = adcompile.hvp(f, _snapshot(args), _tangents(args, positions, vs))
    blocks = list(product) if len(positions) > 1 else [product]
    analytic = sum(
        float(np.sum(np.asarray(b, np.float64) * u))
        for b, u in zip(blocks, us, strict=True)
    )
    grad = adcompile.grad(f, wrt=tuple(positions))
    scale = max(
        [1.0] + [float(np.max(np.abs(args[p]), initial=0.0)) for p in positions]
    )
    step = 1e-5 * scale

    def projected_gradient(*point: Any) -> float:
        return sum(
            float(np.sum(np.asarray(g, np.float64) * u))
            for g, u in zip(grad(*point), us, strict=True)
        )

    numeric = numeric_directional_derivative(
        projected_gradient, args, positions, vs, step
    )
    tolerance = atol + rtol * max(abs(analytic), abs(numeric))
    assert abs(analytic - numeric) <= tolerance, (
        f"{f.__name__} wrt {wrt!r}: <H v, u> = {analytic!r} but differences of "
        f"the gradient give {numeric!r}"
    )
