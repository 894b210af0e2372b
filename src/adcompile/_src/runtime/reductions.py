"""Runtime helpers of the reductions rules (numpy only; see adcompile._src.runtime).

Adjoints (``*_grad``) and tangents of prod, var, ptp, median, average and
the nan reductions. Each helper is linear in its adjoint or tangent
argument; where a helper also depends smoothly on the data, its forward
rule says how (``prod_others`` takes the directions of its own mixed
derivatives), so that derivative code can itself be differentiated in
forward mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.core import extremum_grad, reduced_count, repeat_to
from adcompile._src.runtime.support import (
    dual,
    dual_times,
    dual_top,
    given_directions,
    is_zero,
    normalize_axes,
)

# ---- variance, spread, median ------------------------------------------------


def var_grad(g: Any, x: Any, axis: Any = None, ddof: Any = 0, keepdims=False) -> Any:
    """Adjoint of ``np.var``: 2 (x - mean) / (n - ddof), times the spread g."""
    if is_zero(g):
        return g
    x = np.asarray(x)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    scale = 2.0 / (reduced_count(x, axis) - ddof)
    return repeat_to(g, x, axis, keepdims) * centered * scale


def var_tangent(v: Any, x: Any, axis: Any = None, ddof: Any = 0, keepdims=False) -> Any:
    """Tangent of ``np.var`` along v: sum of 2 (x - mean) v / (n - ddof)."""
    x = np.asarray(x)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    scale = 2.0 / (reduced_count(x, axis) - ddof)
    return np.sum(centered * v, axis=axis, keepdims=keepdims) * scale


def ptp_grad(g: Any, x: Any, axis: Any = None, keepdims=False) -> Any:
    """Adjoint of ``np.ptp`` (max - min); ties share, as for max and min."""
    if is_zero(g):
        return g
    high = np.max(x, axis=axis, keepdims=keepdims)
    low = np.min(x, axis=axis, keepdims=keepdims)
    return extremum_grad(g, x, high, axis, keepdims) - extremum_grad(
        g, x, low, axis, keepdims
    )


def _merged(x: np.ndarray, axis: Any) -> tuple[np.ndarray, tuple, tuple]:
    """x with the reduced axes moved last and merged into one; with the
    permutation and the permuted shape that undo it."""
    axes = normalize_axes(axis, x.ndim)
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    order = kept + axes
    moved = np.transpose(x, order)
    merged = moved.reshape(moved.shape[: len(kept)] + (-1,))
    return merged, order, moved.shape


def median_grad(
    g: Any, x: Any, axis: Any = None, keepdims=False, overwrite_input=False
) -> Any:
    """Adjoint of ``np.median``: the middle entry (half to each of the two
    middle entries when their number is even); entries equal to a middle
    value share its part equally, as ties do for max and min."""
    if overwrite_input:
        raise NoDerivativeRule(
            "np.median(..., overwrite_input=True) has no derivative rule: it "
            "reorders the array the gradient needs",
            "leave overwrite_input at its default (False)",
        )
    if is_zero(g):
        return g
    x = np.asarray(x)
    merged, order, shape = _merged(x, axis)
    n = merged.shape[-1]
    middle = np.partition(merged, ((n - 1) // 2, n // 2), axis=-1)
    weights = 0.0
    for position in ((n - 1) // 2, n // 2):
        mask = merged == middle[..., position : position + 1]
        weights = weights + 0.5 * mask / np.sum(mask, axis=-1, keepdims=True)
    spread = np.transpose(np.reshape(weights, shape), np.argsort(order))
    return repeat_to(g, x, axis, keepdims) * spread


# ---- prod ----------------------------------------------------------------------


def prod_others(x: Any, axis: Any = None, *directions: Any) -> Any:
    """For each entry of x, the product of the other entries its product
    over ``axis`` takes in (the derivative of prod), exact at zeros; with
    directions, its mixed derivative as x moves along each of them (the
    directions that are None are left out)."""
    x = np.asarray(x)
    moves = given_directions(directions)
    if not moves and np.all(x != 0):
        return np.prod(x, axis=axis, keepdims=True) / x
    merged, order, shape = _merged(x, axis)
    moved = [_merged(np.broadcast_to(d, x.shape), axis)[0] for d in moves]
    n = merged.shape[-1]

    def entry(i: int) -> list:
        return dual(merged[..., i], [d[..., i] for d in moved])

    left = [dual(np.ones(merged.shape[:-1]), [None] * len(moved))]
    for i in range(n - 1):
        left.append(dual_times(left[-1], entry(i)))
    right = dual(np.ones(merged.shape[:-1]), [None] * len(moved))
    out = np.zeros(merged.shape, np.result_type(merged, *moved))
    for i in range(n - 1, -1, -1):
        top = dual_top(left[i], right)
        if top is not None:
            out[..., i] = top
        right = dual_times(right, entry(i))
    return np.transpose(np.reshape(out, shape), np.argsort(order))


# ---- weighted average ----------------------------------------------------------


def average_weights(weights: Any, x: Any, axis: Any = None, returned=False) -> Any:
    """The weights of ``np.average(x, axis, weights)`` spread to x's shape
    (ones when there are none); linear in the weights."""
    if returned:
        raise NoDerivativeRule(
            "np.average(..., returned=True) has no derivative rule",
            "compute the sum of the weights separately (np.sum(weights))",
        )
    shape = np.shape(x)
    if weights is None:
        return np.ones(shape)
    w = np.asarray(weights)
    if w.shape != shape and w.ndim:
        axes = axis if isinstance(axis, tuple) else (axis,)
        axes = tuple(int(a) % len(shape) for a in axes)
        w = np.transpose(w, np.argsort(axes))
        w = np.reshape(w, tuple(s if a in axes else 1 for a, s in enumerate(shape)))
    return np.broadcast_to(w, shape)


def unweight(g: Any, weights: Any, x: Any, axis: Any = None) -> Any:
    """Adjoint of ``average_weights``: g summed back to the weights' shape."""
    if is_zero(g):
        return g
    shape = np.shape(x)
    if np.shape(weights) == shape:
        return g
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(int(a) % len(shape) for a in axes)
    others = tuple(a for a in range(len(shape)) if a not in axes)
    reduced = np.sum(g, axis=others)
    return np.transpose(reduced, np.argsort(np.argsort(axes)))


# ---- nan reductions ----------------------------------------------------------


def nan_mask(v: Any, x: Any) -> Any:
    """v with zeros where x is nan (the entries nan reductions skip)."""
    return np.where(np.isnan(x), 0.0, v)


def nan_count(x: Any, axis: Any = None, keepdims=False) -> Any:
    """How many entries that are not nan each entry of a reduction covers."""
    return np.sum(~np.isnan(x), axis=axis, keepdims=keepdims)
