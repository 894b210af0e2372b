"""Runtime helpers of the reductions rules (numpy only; see adcompile.runtime).

Adjoints (``*_grad``) and tangents of prod, var, ptp, median, average, the
nan reductions, cumsum, cumprod, diff and trace. Each helper is linear in its
adjoint or tangent argument; where a helper also depends smoothly on the
data, a companion helper gives that derivative (``cumprod_grad_tangent``),
so that derivative code can itself be differentiated in forward mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import NoDerivativeRule
from .core import (
    _exclusive_prod,
    _is_zero,
    _normalize_axes,
    extremum_grad,
    reduced_count,
    repeat_to,
)

# ---- variance, spread, median ------------------------------------------------


def var_grad(g: Any, x: Any, axis: Any = None, ddof: Any = 0, keepdims=False) -> Any:
    """Adjoint of ``np.var``: 2 (x - mean) / (n - ddof), times the spread g."""
    if _is_zero(g):
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
    if _is_zero(g):
        return g
    high = np.max(x, axis=axis, keepdims=keepdims)
    low = np.min(x, axis=axis, keepdims=keepdims)
    return extremum_grad(g, x, high, axis, keepdims) - extremum_grad(
        g, x, low, axis, keepdims
    )


def _merged(x: np.ndarray, axis: Any) -> tuple[np.ndarray, tuple, tuple]:
    """x with the reduced axes moved last and merged into one; with the
    permutation and the permuted shape that undo it."""
    axes = _normalize_axes(axis, x.ndim)
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
    if _is_zero(g):
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


def prod_others(x: Any, axis: Any = None) -> Any:
    """For each entry of x, the product of the other entries its product
    over ``axis`` takes in: the derivative of prod, exact at zeros."""
    x = np.asarray(x)
    if np.all(x != 0):
        return np.prod(x, axis=axis, keepdims=True) / x
    merged, order, shape = _merged(x, axis)
    others = _exclusive_prod(merged, merged.ndim - 1)
    return np.transpose(np.reshape(others, shape), np.argsort(order))


def prod_others_tangent(x: Any, u: Any, axis: Any = None) -> Any:
    """Tangent of ``prod_others(x, axis)`` as x moves along u: for entry i,
    the sum over k != i of u[k] times the product of the entries other than
    i and k (exact at zeros)."""
    x = np.asarray(x)
    merged, order, shape = _merged(x, axis)
    along = _merged(np.broadcast_to(u, x.shape), axis)[0]
    n = merged.shape[-1]
    dtype = np.result_type(merged, along)
    left, dleft = np.empty(merged.shape, dtype), np.empty(merged.shape, dtype)
    right, dright = np.empty(merged.shape, dtype), np.empty(merged.shape, dtype)
    p, dp = np.ones(merged.shape[:-1], dtype), np.zeros(merged.shape[:-1], dtype)
    q, dq = p.copy(), dp.copy()
    for i in range(n):
        left[..., i], dleft[..., i] = p, dp
        p, dp = p * merged[..., i], dp * merged[..., i] + p * along[..., i]
        j = n - 1 - i
        right[..., j], dright[..., j] = q, dq
        q, dq = q * merged[..., j], dq * merged[..., j] + q * along[..., j]
    tangent = dleft * right + left * dright
    return np.transpose(np.reshape(tangent, shape), np.argsort(order))


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
    if _is_zero(g):
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


# ---- scans: cumsum, cumprod ----------------------------------------------------


def cumsum_grad(g: Any, x: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.cumsum``: the reversed cumulative sum of g."""
    if _is_zero(g):
        return g
    g = np.asarray(g)
    if axis is None:
        return np.reshape(np.cumsum(g[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _along(x: Any, axis: Any) -> np.ndarray:
    """x with the scanned axis first (flattened when axis is None)."""
    x = np.asarray(x)
    return np.ravel(x) if axis is None else np.moveaxis(x, axis, 0)


def _scanned(y: np.ndarray, axis: Any) -> np.ndarray:
    """A scan's result from its axis-first form."""
    return y if axis is None else np.moveaxis(y, 0, axis)


def _unscanned(y: np.ndarray, x: Any, axis: Any) -> np.ndarray:
    """An adjoint of x from its axis-first form."""
    if axis is None:
        return np.reshape(y, np.shape(x))
    return np.moveaxis(y, 0, axis)


def _prefix_products(xs: np.ndarray) -> np.ndarray:
    """P[i] = x[0] ... x[i-1] (exact with zeros)."""
    ones = np.ones_like(xs[:1])
    return np.cumprod(np.concatenate([ones, xs[:-1]]), axis=0)


def cumprod_tangent(v: Any, x: Any, axis: Any = None) -> Any:
    """Tangent of ``np.cumprod`` along v: sum over i <= j of v[i] times the
    product of the other x[k], k <= j (exact with zeros)."""
    xs = _along(x, axis)
    vs = _along(np.broadcast_to(v, np.shape(x)), axis)
    if np.all(xs != 0):
        return _scanned(np.cumprod(xs, axis=0) * np.cumsum(vs / xs, axis=0), axis)
    out = np.empty(np.broadcast_shapes(xs.shape, vs.shape), np.result_type(xs, vs))
    prefix, tangent = np.ones_like(xs[0]), np.zeros_like(out[0])
    for j in range(xs.shape[0]):
        tangent = tangent * xs[j] + prefix * vs[j]
        prefix = prefix * xs[j]
        out[j] = tangent
    return _scanned(out, axis)


def cumprod_second(v: Any, u: Any, x: Any, axis: Any = None) -> Any:
    """Tangent of ``cumprod_tangent(v, x, axis)`` as x moves along u."""
    xs = _along(x, axis)
    vs = _along(np.broadcast_to(v, np.shape(x)), axis)
    us = _along(np.broadcast_to(u, np.shape(x)), axis)
    out = np.empty(xs.shape, np.result_type(xs, vs, us))
    prefix = np.ones_like(xs[0])
    along_v, along_u, both = (np.zeros_like(out[0]) for _ in range(3))
    for j in range(xs.shape[0]):
        both = both * xs[j] + along_v * us[j] + along_u * vs[j]
        along_v = along_v * xs[j] + prefix * vs[j]
        along_u = along_u * xs[j] + prefix * us[j]
        prefix = prefix * xs[j]
        out[j] = both
    return _scanned(out, axis)


def cumprod_grad(g: Any, x: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.cumprod`` (exact with zeros): entry i receives
    P[i] S[i], with P[i] the product of x before i and S[i] the sum over
    j >= i of g[j] times the product of x[i+1 .. j]."""
    if _is_zero(g):
        return g
    xs = _along(x, axis)
    gs = _along(g, axis)
    if np.all(xs != 0):
        later = np.flip(np.cumsum(np.flip(gs * np.cumprod(xs, axis=0), 0), 0), 0)
        return _unscanned(later / xs, x, axis)
    prefix = _prefix_products(xs)
    out = np.empty(np.broadcast_shapes(xs.shape, gs.shape), np.result_type(xs, gs))
    suffix = np.zeros_like(out[0])
    for i in range(xs.shape[0] - 1, -1, -1):
        if i + 1 < xs.shape[0]:
            suffix = xs[i + 1] * suffix
        suffix = suffix + gs[i]
        out[i] = prefix[i] * suffix
    return _unscanned(out, x, axis)


def cumprod_grad_tangent(g: Any, x: Any, u: Any, axis: Any = None) -> Any:
    """Tangent of ``cumprod_grad(g, x, axis)`` as x moves along u."""
    xs = _along(x, axis)
    gs = _along(g, axis)
    us = _along(np.broadcast_to(u, np.shape(x)), axis)
    n = xs.shape[0]
    dtype = np.result_type(xs, gs, us)
    shape = np.broadcast_shapes(xs.shape, gs.shape, us.shape)
    prefix, dprefix = np.empty(shape, dtype), np.empty(shape, dtype)
    p, dp = np.ones(shape[1:], dtype), np.zeros(shape[1:], dtype)
    for i in range(n):
        prefix[i], dprefix[i] = p, dp
        p, dp = p * xs[i], dp * xs[i] + p * us[i]
    out = np.empty(shape, dtype)
    s, ds = np.zeros(shape[1:], dtype), np.zeros(shape[1:], dtype)
    for i in range(n - 1, -1, -1):
        if i + 1 < n:
            s, ds = xs[i + 1] * s, xs[i + 1] * ds + us[i + 1] * s
        s = s + gs[i]
        out[i] = dprefix[i] * s + prefix[i] * ds
    return _unscanned(out, x, axis)


def drop_initial(g: Any, axis: Any = None, include_initial: Any = False) -> Any:
    """The adjoint of a cumulative_sum or cumulative_prod without the entry
    its ``include_initial`` put first (that entry is a constant)."""
    if not include_initial or _is_zero(g):
        return g
    g = np.asarray(g)
    return np.take(g, np.arange(1, g.shape[0 if axis is None else axis]), axis=axis)


def zero_initial(v: Any, axis: Any = None, include_initial: Any = False) -> Any:
    """A scan's tangent with a zero first entry when ``include_initial``."""
    if not include_initial:
        return v
    v = np.asarray(v)
    axis = 0 if axis is None else axis
    first = np.zeros_like(np.take(v, [0], axis=axis))
    return np.concatenate([first, v], axis=axis)


# ---- diff, trace ---------------------------------------------------------------


def diff_grad(g: Any, x: Any, n: Any = 1, axis: Any = -1) -> Any:
    """Adjoint of ``np.diff(x, n, axis)``: n backward differences of g."""
    if _is_zero(g):
        return g
    g = np.asarray(g)
    for _ in range(int(n)):
        edge = np.zeros_like(np.take(g, [0], axis=axis))
        g = np.concatenate([edge, g], axis=axis) - np.concatenate([g, edge], axis=axis)
    return g


def trace_grad(g: Any, x: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    """Adjoint of ``np.trace``: g on the (offset) diagonal, zero elsewhere."""
    if _is_zero(g):
        return g
    shape = np.shape(x)
    first, second = axis1 % len(shape), axis2 % len(shape)
    eye = np.eye(shape[first], shape[second], k=offset)
    if first > second:
        eye = eye.T
    mask_shape = [1] * len(shape)
    mask_shape[first], mask_shape[second] = shape[first], shape[second]
    spread = np.expand_dims(g, (min(first, second), max(first, second)))
    return spread * np.reshape(eye, mask_shape)
