"""Runtime helpers of adcompile._src.rules.more_numpy (numpy only).

Each helper is linear in its adjoint or tangent argument (a plain 0.0 comes
back as it is) and writes only into arrays it allocated; one that also
depends on the data has a forward rule for that (``order`` arguments count
the derivatives taken of weights that are piecewise polynomial). What this
module cannot differentiate exactly is refused with ``NoDerivativeRule``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.core import repeat_to, unbroadcast
from adcompile._src.runtime.support import Items, is_zero


def _refuse(what: str, hint: str) -> NoDerivativeRule:
    return NoDerivativeRule(f"{what} has no derivative rule", hint)


def _padded(d: Any, axis: int, sign: float) -> np.ndarray:
    """[0, d] + sign [d, 0] along axis (sign -1: the adjoint of np.diff)."""
    d = np.asarray(d)
    edge = list(d.shape)
    edge[axis] = 1
    zero = np.zeros(edge)
    return np.concatenate([zero, d], axis) + sign * np.concatenate([d, zero], axis)


# ---- nanvar, nanstd ------------------------------------------------------------------


def _nv_parts(x: Any, axis: Any, ddof: Any, ref: Any) -> tuple:
    """Where ref is not nan, x minus its mean there, and 2 / (count - ddof)."""
    mask = ~np.isnan(ref)
    count = np.sum(mask, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(np.where(mask, x, 0.0), axis=axis, keepdims=True) / count
        return mask, np.where(mask, x - mean, 0.0), 2.0 / (count - ddof)


def nanvar_grad(dy: Any, x: Any, axis=None, ddof=0, keepdims=False, ref=None) -> Any:
    """Adjoint of ``np.nanvar`` (0 where ref, x itself, is nan); bilinear."""
    if is_zero(dy):
        return dy
    mask, centered, scale = _nv_parts(x, axis, ddof, x if ref is None else ref)
    with np.errstate(invalid="ignore"):
        spread = repeat_to(dy, centered, axis, keepdims) * centered * scale
    return np.where(mask, spread, 0.0)


def nanvar_tangent(v: Any, x: Any, axis=None, ddof=0, keepdims=False, ref=None) -> Any:
    """Tangent of ``np.nanvar`` along v (nan entries of ``ref`` skipped)."""
    if is_zero(v):
        return v
    mask, centered, scale = _nv_parts(x, axis, ddof, x if ref is None else ref)
    total = np.sum(np.where(mask, v, 0.0) * centered, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        return total * scale if keepdims else np.squeeze(total * scale, axis=axis)


# ---- quantile, percentile, nanquantile, nanpercentile, nanmedian ---------------------


def _q_layout(a: Any, axis: Any) -> tuple:
    """a with the reduced axes merged last, what undoes it, keepdims' shape."""
    a = np.asarray(a)
    every = range(a.ndim) if axis is None else np.atleast_1d(axis)
    axes = tuple(int(k) % a.ndim for k in every)
    kept = tuple(k for k in range(a.ndim) if k not in axes)
    moved = np.transpose(a, kept + axes)
    keep_shape = tuple(1 if k in axes else a.shape[k] for k in range(a.ndim))
    merged = moved.reshape(moved.shape[: len(kept)] + (-1,))
    return merged, kept + axes, moved.shape, keep_shape


def _q_weights(a: Any, q: Any, axis: Any, kind: str, options: Any, order: int):
    """Weights, per quantile, of a's merged entries in the result (order 0)
    or in its derivative along q (order 1; 0 past that); ties share."""
    method, overwrite_input, weights = options
    if overwrite_input and kind == "nanmedian":
        raise _refuse("np.nanmedian(..., overwrite_input=True)", "leave it False")
    if method != "linear" or overwrite_input or weights is not None:
        raise _refuse(
            f"np.{kind} with method={method!r}, weights or overwrite_input=True",
            "use the default method='linear', no weights and overwrite_input=False",
        )
    merged, permutation, shape, keep_shape = _q_layout(a, axis)
    percent = 100.0 if "percentile" in kind else 1.0
    q = np.asarray(q, dtype=float) / percent
    n = merged.shape[-1]
    rank = np.argsort(merged, axis=-1, kind="stable")  # nan last
    s = np.take_along_axis(merged, rank, -1)
    count = np.sum(~np.isnan(merged), axis=-1)
    if not kind.startswith("nan"):
        count = np.full(merged.shape[:-1], n)
    h = q.reshape(q.shape + (1,) * (merged.ndim - 1)) * (count - 1)
    lo = np.clip(np.floor(h), 0, np.maximum(count - 1, 0)).astype(int)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    pick_lo, pick_hi = np.arange(n) == lo[..., None], np.arange(n) == hi[..., None]
    if order == 0:
        frac = (h - lo)[..., None]
        w = pick_lo * (1.0 - frac) + pick_hi * frac
    else:
        rate = (count - 1.0) / percent * (order == 1)
        w = (pick_hi * 1.0 - pick_lo) * rate[..., None]
    w = np.where((count > 0)[..., None], w, 0.0)
    if np.any(s[..., 1:] == s[..., :-1]):  # ties: equal entries share equally
        same = (s[..., :, None] == s[..., None, :]) | np.eye(n, dtype=bool)
        w = np.matmul(w[..., None, :], same)[..., 0, :] / np.sum(same, axis=-1)
    w = np.take_along_axis(w, np.broadcast_to(np.argsort(rank, -1), w.shape), -1)
    return w, merged, permutation, shape, keep_shape, q


def quantile_adjoint(dy, a, q, axis, keepdims, kind, options, order=0) -> Any:
    """Adjoint of a in ``np.<kind>(a, q, ...)``; order 1: in its q-derivative."""
    w, _, permutation, shape, _, q = _q_weights(a, q, axis, kind, options, order)
    if is_zero(dy):
        return dy
    dy = np.reshape(dy, w.shape[:-1])[..., None]  # nan for an all-nan slice
    spread = np.sum(np.where(w == 0, 0.0, dy * w), axis=tuple(range(q.ndim)))
    return np.transpose(np.reshape(spread, shape), np.argsort(permutation))


def quantile_tangent(v, a, q, axis, keepdims, kind, options, order=0) -> Any:
    """Tangent of ``np.<kind>(a, q, ...)`` along v; order 1: its q-derivative."""
    w, merged, _, _, keep_shape, q = _q_weights(a, q, axis, kind, options, order)
    if is_zero(v):
        return v
    vm = _q_layout(np.broadcast_to(v, np.shape(a)), axis)[0]
    out = np.sum(w * np.where(np.isnan(vm), 0.0, vm), axis=-1)
    return np.reshape(out, q.shape + (keep_shape if keepdims else merged.shape[:-1]))


def spread_q(v: Any, value: Any) -> Any:
    """A tangent of q, shaped to broadcast against the result ``value``."""
    v = np.asarray(v)
    return np.reshape(v, v.shape + (1,) * (np.ndim(value) - v.ndim))


def unspread_q(dy: Any, q: Any) -> Any:
    """Adjoint of ``spread_q``: dy summed over the result's own axes."""
    dy = np.asarray(dy)
    return np.sum(dy, axis=tuple(range(np.ndim(q), dy.ndim)))


# ---- interp --------------------------------------------------------------------------


def _interp_segments(x: Any, xp: Any, period: Any) -> tuple:
    """x's segments [xp[i-1], xp[i]], positions w in them, 1 / width inside."""
    if period is not None:
        raise _refuse("np.interp(..., period=...)", "interpolate x % period by hand")
    x, xp = np.asarray(x, dtype=float), np.asarray(xp, dtype=float)
    if xp.size < 2:  # one point: its value (or left, right) everywhere
        return x, xp, np.ones(x.shape, int), (x > xp[0]) * 1.0, np.zeros(x.shape)
    i = np.clip(np.searchsorted(xp, x, side="right"), 1, xp.size - 1)
    width = xp[i] - xp[i - 1]
    w = np.clip((x - xp[i - 1]) / width, 0.0, 1.0)
    return x, xp, i, w, ((x >= xp[0]) & (x < xp[-1])) / width


def interp_slope(x: Any, xp: Any, fp: Any, period: Any = None) -> Any:
    """d np.interp(x, xp, fp) / dx (right-sided at knots); linear in fp."""
    x, xp, i, _, rate = _interp_segments(x, xp, period)
    fp = np.asarray(fp)
    return rate * (fp[np.minimum(i, fp.size - 1)] - fp[i - 1])


def interp_fp_adjoint(dy, x, xp, left=None, right=None, period=None, order=0):
    """Adjoint of fp in ``np.interp``; order 1: in d interp / dx."""
    x, xp, i, w, rate = _interp_segments(x, xp, period)
    if is_zero(dy):
        return dy
    dy = np.broadcast_to(dy, x.shape)
    if order == 0:
        low = (1.0 - w) * ((x >= xp[0]) | (left is None))
        high = w * ((x <= xp[-1]) | (right is None))
    else:
        high = rate * (order == 1)
        low = -high
    n = xp.size
    out = np.bincount(np.ravel(i - 1), np.ravel(dy * low), minlength=n)
    return out + np.bincount(np.ravel(i % n), np.ravel(dy * high), minlength=n)


def interp_outside(v: Any, x: Any, xp: Any, period: Any, side: int) -> Any:
    """v where np.interp takes its left (side -1) or right (1) value, else 0."""
    x, xp = _interp_segments(x, xp, period)[:2]
    return np.where(x < xp[0] if side < 0 else x > xp[-1], v, 0.0)


# ---- polynomials ---------------------------------------------------------------------


def _falling(k: Any, order: int) -> Any:
    """k (k - 1) ... (k - order + 1), the order-th derivative's factor of x ** k."""
    return math.prod((k - j for j in range(order)), start=np.ones(np.shape(k)))


def power_table(x: Any, n: Any = None, increasing=False, order: int = 0) -> Any:
    """The order-th derivatives of np.vander's columns, for x of any shape."""
    x = np.asarray(x)
    n = x.shape[-1] if n is None else int(n)
    k = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    return _falling(k, order) * x[..., None] ** np.maximum(k - order, 0)


def poly_derivative(p: Any) -> Any:
    """The coefficients of the derivative of the polynomial p (highest first)."""
    p = np.asarray(p)
    return p[:-1] * np.arange(p.size - 1, 0, -1)


def polyder_adjoint(dy: Any, p: Any, m: Any = 1) -> Any:
    """Adjoint of ``np.polyder(p, m)``."""
    if is_zero(dy):
        return dy
    n, m = np.size(p), int(m)
    factor = _falling(np.arange(n - 1, -1, -1), m)[: max(n - m, 0)]
    return np.reshape(np.append(dy * factor, np.zeros(min(m, n))), np.shape(p))


# ---- trapezoid -----------------------------------------------------------------------


def _tz_widths(y: Any, x: Any, dx: Any, axis: int) -> np.ndarray:
    """The weights of y's entries in np.trapezoid (half their two widths)."""
    if x is None and np.ndim(dx):
        raise _refuse("np.trapezoid with an array dx", "pass sample points as x")
    if x is None or np.ndim(x) == 1:
        n = np.shape(y)[axis] - 1
        d = np.full(max(n, 0), dx, float) if x is None else np.diff(x) * 1.0
        shape = [1] * np.ndim(y)
        shape[axis] = d.size
        d = np.reshape(d, shape)
    else:
        d = np.diff(np.asarray(x, dtype=float), axis=axis)
    return _padded(d, axis, 1.0) / 2.0


def trapezoid_y_adjoint(dy: Any, y: Any, x: Any, dx: Any, axis=-1, dx_only=False):
    """Adjoint of y in np.trapezoid: linear in dy and in x, or dx (dx_only)."""
    if is_zero(dy) or (dx_only and x is not None):
        return 0.0
    return unbroadcast(np.expand_dims(dy, axis) * _tz_widths(y, x, dx, axis), y)


def trapezoid_x_adjoint(dy: Any, y: Any, x: Any, axis=-1) -> Any:
    """Adjoint of the sample points x in ``np.trapezoid(y, x, axis=axis)``."""
    y = np.asarray(y)
    n = y.shape[axis]
    if is_zero(dy) or n < 2:
        return 0.0
    pairs = np.take(y, range(1, n), axis) + np.take(y, range(n - 1), axis)
    s = np.expand_dims(dy, axis) * pairs / 2.0  # the adjoint of diff(x)
    if np.ndim(x) == 1:
        return _padded(
            np.sum(np.reshape(np.moveaxis(s, axis, -1), (-1, n - 1)), 0), 0, -1.0
        )
    return _padded(unbroadcast(s, np.diff(x, axis=axis)), axis, -1.0)


def trapezoid_unit(y: Any, x: Any, dx: Any, axis=-1) -> Any:
    """d np.trapezoid(y, x, dx, axis) / d dx (0 when x is given); linear in y."""
    if x is not None:
        return 0.0
    _tz_widths(np.zeros(1), None, dx, 0)  # refuses an array dx
    return np.trapezoid(y, dx=1.0, axis=axis)


# ---- cov -----------------------------------------------------------------------------


def _cov_data(m: Any, y: Any, rowvar: Any) -> tuple:
    """np.cov's data matrix and its rows from m (y 0.0, a None's tangent: none)."""
    m = np.asarray(m)
    data = np.array(m, ndmin=2, dtype=np.result_type(m, np.float64))
    data = data.T if not rowvar and m.ndim != 1 else data
    rows = data.shape[0]
    if y is not None and not is_zero(y):
        other = np.array(y, ndmin=2, dtype=np.result_type(y, np.float64))
        other = other.T if not rowvar and other.shape[0] != 1 else other
        data = np.concatenate([data, other], axis=0)
    return data, rows


def _cov_centered(m, y, rowvar, bias, ddof, fweights, aweights) -> tuple:
    if fweights is not None or aweights is not None:
        raise _refuse("np.cov with fweights or aweights", "weigh the data by hand")
    data, rows = _cov_data(m, y, rowvar)
    scale = 1.0 / (data.shape[1] - ((0 if bias else 1) if ddof is None else ddof))
    return data - np.mean(data, axis=1, keepdims=True), scale, rows


def cov_tangent(
    dm, dv, m, y=None, rowvar=True, bias=False, ddof=None, fw=None, aw=None
):
    """Tangent of np.cov along dm, dv (0.0: none); bilinear in them and (m, y)."""
    centered, scale, _ = _cov_centered(m, y, rowvar, bias, ddof, fw, aw)
    if is_zero(dm) and is_zero(dv):
        return 0.0
    dm = np.zeros(np.shape(m)) if is_zero(dm) else dm
    if y is not None and not is_zero(y):
        dv = np.zeros(np.shape(y)) if is_zero(dv) else dv
    moved = _cov_data(dm, None if y is None or is_zero(y) else dv, rowvar)[0]
    product = np.matmul(moved - np.mean(moved, axis=1, keepdims=True), centered.T)
    return np.squeeze((product + product.T) * scale)


def cov_adjoint(dy, m, y, rowvar, bias, ddof, fw, aw, part: int) -> Any:
    """Adjoint of m (part 0) or y (1) in np.cov; bilinear in dy and (m, y)."""
    centered, scale, rows = _cov_centered(m, y, rowvar, bias, ddof, fw, aw)
    if is_zero(dy):
        return dy
    g = np.reshape(dy, (centered.shape[0],) * 2)
    spread = np.matmul(g + g.T, centered) * scale
    piece, like = (spread[:rows], m) if part == 0 else (spread[rows:], y)
    flip = np.ndim(m) != 1 if part == 0 else np.array(y, ndmin=2).shape[0] != 1
    return np.reshape(piece.T if not rowvar and flip else piece, np.shape(like))


# ---- gradient, ediff1d, resize -------------------------------------------------------


def gradient_adjoint(
    dy, f, s0=None, s1=None, s2=None, s3=None, axis=None, edge_order=1
):
    """Adjoint of f in np.gradient with scalar spacings (dy: one per axis)."""
    axes = range(np.ndim(f)) if axis is None else np.atleast_1d(axis)
    given = [s for s in (s0, s1, s2, s3) if s is not None]
    steps = given * len(axes) if len(given) == 1 else given or [1.0] * len(axes)
    if any(np.ndim(s) for s in steps) or len(steps) != len(axes):
        raise _refuse("np.gradient with coordinates as spacing", "pass scalars")
    if is_zero(dy):
        return dy
    edge = [-1.0, 1.0] if edge_order == 1 else [-1.5, 2.0, -0.5]
    out: Any = 0.0
    for ax, h, g in zip(axes, steps, [dy] if len(axes) == 1 else dy, strict=True):
        if not is_zero(g):
            g = np.moveaxis(np.asarray(g), ax, 0) / h
            zero = np.zeros((2,) + g.shape[1:])
            inner = g[1:-1] / 2.0
            a = np.concatenate([zero, inner]) - np.concatenate([inner, zero])
            for j, c in enumerate(edge):
                a[j] += c * g[0]
                a[-1 - j] -= c * g[-1]
            out = out + np.moveaxis(a, 0, ax)
    return out


def like_or_none(v: Any) -> Any:
    """Zeros shaped like v, or None for None (absent ends, left or right)."""
    return None if v is None else np.zeros(np.shape(v))


def ediff1d_adjoint(dy: Any, ary: Any, to_end=None, to_begin=None, part: int = 0):
    """Adjoint of ary (part 0), to_end (1) or to_begin (2) in np.ediff1d."""
    if is_zero(dy):
        return dy
    dy, size = np.asarray(dy), np.size(ary)
    first = 0 if to_begin is None else np.size(to_begin)
    end = first + max(size - 1, 0)
    if part:
        piece, like = (dy[end:], to_end) if part == 1 else (dy[:first], to_begin)
        return np.reshape(piece, np.shape(like))
    middle = _padded(dy[first:end], 0, -1.0) if size else np.zeros(0)
    return np.reshape(middle, np.shape(ary))


def resize_adjoint(dy: Any, a: Any) -> Any:
    """Adjoint of ``np.resize(a, shape)``, which repeats a's entries cyclically."""
    if is_zero(dy) or np.size(a) == 0:
        return 0.0
    dy, size = np.ravel(dy), np.size(a)
    return np.reshape(np.bincount(np.arange(dy.size) % size, dy, size), np.shape(a))


# ---- multi_dot -----------------------------------------------------------------------


def _md_factors(arrays: Any, directions: tuple, skip: int = -1):
    """multi_dot's factors as matrices, with each placement of the directions
    (lists of the factors' tangents) on distinct factors but ``skip``."""
    if directions[3] is not None:
        raise _refuse(
            "np.linalg.multi_dot differentiated more than 3 times (forward) or 4",
            "differentiate fewer times, or write the product with matmul",
        )
    moves = [d for d in directions if d is not None]
    n = len(arrays)
    ends = (np.ndim(arrays[0]) == 1, np.ndim(arrays[-1]) == 1)

    def matrix(a: Any, k: int) -> np.ndarray:
        a = np.asarray(a)
        a = a[None, :] if k == 0 and ends[0] else a
        return a[:, None] if k == n - 1 and ends[1] else a

    spots = [k for k in range(n) if k != skip]
    for placed in itertools.permutations(spots, len(moves)):
        if not any(is_zero(d[k]) for d, k in zip(moves, placed, strict=True)):
            factors = [matrix(a, k) for k, a in enumerate(arrays)]
            for d, k in zip(moves, placed, strict=True):
                factors[k] = matrix(d[k], k)
            yield factors, ends


def _md_chain(factors: list) -> np.ndarray:
    return factors[0] if len(factors) == 1 else np.linalg.multi_dot(factors)


def multi_dot_terms(arrays: Any, d1=None, d2=None, d3=None, d4=None) -> Any:
    """The mixed derivative of multi_dot along the directions (lists)."""
    total: Any = 0.0
    for factors, ends in _md_factors(arrays, (d1, d2, d3, d4)):
        product = _md_chain(factors)
        product = product[0] if ends[0] else product
        total = total + (product[..., 0] if ends[1] else product)
    return total


def multi_dot_adjoint(dy: Any, arrays: Any, d1=None, d2=None, d3=None, d4=None) -> Any:
    """Adjoints of multi_dot's arrays (with directions: mixed derivatives)."""
    if is_zero(dy):
        return dy
    out = []
    for k, a in enumerate(arrays):
        total: Any = np.zeros(np.shape(a))
        for factors, _ in _md_factors(arrays, (d1, d2, d3, d4), skip=k):
            g = np.reshape(dy, (factors[0].shape[0], factors[-1].shape[-1]))
            g = np.matmul(_md_chain(factors[:k]).T, g) if k else g
            if k < len(factors) - 1:
                g = np.matmul(g, _md_chain(factors[k + 1 :]).T)
            total = total + np.reshape(g, np.shape(a))
        out.append(total)
    return Items(out)


# ---- cond, tensorsolve, tensorinv ----------------------------------------------------


def cond_end(s: Any, p: Any, which: int) -> Any:
    """cond(x, p)'s numerator (which 0) or denominator (1) among s; linear."""
    if p is not None and (isinstance(p, str) or p not in (2, -2)):
        raise _refuse(f"np.linalg.cond(x, p={p!r})", "use p=None, 2 or -2")
    return s if is_zero(s) else np.asarray(s)[..., which - 1 if p == -2 else -which]


def cond_spread(a: Any, b: Any, s: Any, p: Any) -> Any:
    """Adjoint of ``(cond_end(s, p, 0), cond_end(s, p, 1))`` = (a, b)."""
    cond_end(s, p, 0)
    out = np.zeros(np.shape(s))
    out[..., -1 if p == -2 else 0] = a
    out[..., 0 if p == -2 else -1] += b
    return out


def tensorsolve_shape(b: Any, axes: Any = None) -> tuple[int, int]:
    """The shape of the matrix np.linalg.tensorsolve(a, b) solves with."""
    if axes is not None:
        raise _refuse("np.linalg.tensorsolve(..., axes=...)", "use np.moveaxis first")
    return (np.size(b), np.size(b))


def as_square(x: Any) -> Any:
    """x as the square matrix np.linalg.tensorinv inverts (or its result)."""
    n = math.isqrt(np.size(x))
    return x if is_zero(x) else np.reshape(x, (n, n))
