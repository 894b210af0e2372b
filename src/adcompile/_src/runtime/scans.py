"""Runtime helpers of the scans rules: cumsum, cumprod, diff, trace (numpy
only; see adcompile._src.runtime).

cumprod's helpers, like ``prod_others``, take the directions of their own
mixed derivatives, so that derivative code stays differentiable: their
forward rule with respect to x adds the tangent as one more direction. The
products are then taken over multi-dual numbers (one infinitesimal per
direction, each squaring to zero), which stays exact at zeros; a list of
2**m parts, None for a part that is zero, holds one such number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.runtime.support import (
    dual,
    dual_times,
    dual_top,
    given_directions,
    is_zero,
)

# ---- multi-dual numbers ------------------------------------------------------------


# ---- cumsum, cumprod -----------------------------------------------------------------


def cumsum_grad(g: Any, x: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.cumsum``: the reversed cumulative sum of g."""
    if is_zero(g):
        return g
    g = np.asarray(g)
    if axis is None:
        return np.reshape(np.cumsum(g[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _along(x: Any, axis: Any) -> np.ndarray:
    """x with the scanned axis first (flattened when axis is None)."""
    x = np.asarray(x)
    return np.ravel(x) if axis is None else np.moveaxis(x, axis, 0)


def _moves_along(directions: list[Any], x: Any, axis: Any) -> list[np.ndarray]:
    return [_along(np.broadcast_to(d, np.shape(x)), axis) for d in directions]


def _scanned(y: np.ndarray, axis: Any) -> np.ndarray:
    """A scan's result from its axis-first form."""
    return y if axis is None else np.moveaxis(y, 0, axis)


def _unscanned(y: np.ndarray, x: Any, axis: Any) -> np.ndarray:
    """An adjoint of x from its axis-first form."""
    if axis is None:
        return np.reshape(y, np.shape(x))
    return np.moveaxis(y, 0, axis)


def cumprod_tangent(v: Any, x: Any, axis: Any = None, *directions: Any) -> Any:
    """Tangent of ``np.cumprod`` along v: sum over i <= j of v[i] times the
    product of the other x[k], k <= j (exact with zeros); with directions,
    its mixed derivative as x moves along each of them."""
    moves = _moves_along([v, *given_directions(directions)], x, axis)
    xs = _along(x, axis)
    if len(moves) == 1 and np.all(xs != 0):
        return _scanned(np.cumprod(xs, axis=0) * np.cumsum(moves[0] / xs, 0), axis)
    out = np.zeros(xs.shape, np.result_type(xs, *moves))
    prefix = dual(np.ones(xs.shape[1:]), [None] * len(moves))
    for j in range(xs.shape[0]):
        prefix = dual_times(prefix, dual(xs[j], [d[j] for d in moves]))
        if prefix[-1] is not None:
            out[j] = prefix[-1]
    return _scanned(out, axis)


def cumprod_grad(g: Any, x: Any, axis: Any = None, *directions: Any) -> Any:
    """Adjoint of ``np.cumprod`` (exact with zeros): entry i receives
    P[i] S[i], with P[i] the product of x before i and S[i] the sum over
    j >= i of g[j] times the product of x[i+1 .. j]; with directions, its
    mixed derivative as x moves along each of them."""
    if is_zero(g):
        return g
    moves = _moves_along(given_directions(directions), x, axis)
    xs = _along(x, axis)
    gs = _along(g, axis)
    if not moves and np.all(xs != 0):
        later = np.flip(np.cumsum(np.flip(gs * np.cumprod(xs, axis=0), 0), 0), 0)
        return _unscanned(later / xs, x, axis)
    n = xs.shape[0]
    entries = [dual(xs[i], [d[i] for d in moves]) for i in range(n)]
    prefixes = [dual(np.ones(xs.shape[1:]), [None] * len(moves))]
    for i in range(n - 1):
        prefixes.append(dual_times(prefixes[-1], entries[i]))
    out = np.zeros(xs.shape, np.result_type(xs, gs, *moves))
    later = dual(None, [None] * len(moves))
    for i in range(n - 1, -1, -1):
        if i + 1 < n:
            later = dual_times(entries[i + 1], later)
        later[0] = gs[i] if later[0] is None else later[0] + gs[i]
        top = dual_top(prefixes[i], later)
        if top is not None:
            out[i] = top
    return _unscanned(out, x, axis)


def drop_initial(g: Any, axis: Any = None, include_initial: Any = False) -> Any:
    """The adjoint of a cumulative_sum or cumulative_prod without the entry
    its ``include_initial`` put first (that entry is a constant)."""
    if not include_initial or is_zero(g):
        return g
    g = np.asarray(g)
    return np.take(g, np.arange(1, g.shape[0 if axis is None else axis]), axis=axis)


def zero_initial(v: Any, axis: Any = None, include_initial: Any = False) -> Any:
    """A scan's tangent with a zero first entry when ``include_initial``."""
    if not include_initial:
        return v
    return _padded(np.asarray(v), 0 if axis is None else axis, before=True)


# ---- diff, trace ---------------------------------------------------------------------


def diff_grad(g: Any, x: Any, n: Any = 1, axis: Any = -1) -> Any:
    """Adjoint of ``np.diff(x, n, axis)``: n backward differences of g."""
    if is_zero(g):
        return g
    g = np.asarray(g)
    for _ in range(int(n)):
        g = _padded(g, axis, before=True) - _padded(g, axis, before=False)
    return g


def _padded(a: np.ndarray, axis: Any, before: bool) -> np.ndarray:
    """a with a slice of zeros before (or after) it along axis."""
    shape = list(a.shape)
    shape[axis] = 1
    edge = np.zeros(shape, a.dtype)
    return np.concatenate([edge, a] if before else [a, edge], axis=axis)


def trace_grad(g: Any, x: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    """Adjoint of ``np.trace``: g on the (offset) diagonal, zero elsewhere."""
    if is_zero(g):
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
