"""Runtime helpers of the rules of ``np.linalg.norm`` (numpy only).

``norm_grad`` is the adjoint of every vector and matrix norm numpy computes.
Like cumprod's helpers, it takes the directions of its own mixed
derivatives, so that derivative code of norms can be differentiated again
in forward mode: p-norms (the 2-norm and 'fro' included) to order 4, over
multi-dual numbers; matrix norms of order 2, -2 and 'nuc' (through the
singular value decomposition, assuming distinct nonzero singular values)
to order 2; the piecewise linear norms to any order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.support import (
    dual,
    dual_times,
    dual_top,
    given_directions,
    is_zero,
)


def _norm_axes(
    x: np.ndarray, ord: Any, axis: Any, vector: Any = False
) -> tuple[str, tuple[int, ...]]:
    """("vector", axes) or ("matrix", (row, col)) for norm(x, ord, axis);
    ``vector``: np.linalg.vector_norm, a vector norm over any axes."""
    nd = x.ndim
    if vector:
        if axis is None:
            return "vector", tuple(range(nd))
        axes = axis if isinstance(axis, tuple) else (axis,)
        return "vector", tuple(int(a) % nd for a in axes)
    if axis is None:
        if ord is None or nd <= 1:
            return "vector", tuple(range(nd))
        if nd == 2:
            return "matrix", (0, 1)
        raise NoDerivativeRule(f"np.linalg.norm of a {nd}-d array with ord={ord!r}")
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(int(a) % nd for a in axes)
    return ("vector" if len(axes) == 1 else "matrix"), axes


def _kept(value: Any, axes: tuple[int, ...], keepdims: Any) -> Any:
    """A norm's value (or adjoint) with the reduced axes kept, of size one."""
    if keepdims:
        return value
    return np.expand_dims(value, tuple(sorted(axes)))


def _over(g: Any, value: Any) -> Any:
    """g / value, zero where value is zero (the norm's kink at the origin)."""
    zero = value == 0
    return np.where(zero, 0.0, g / np.where(zero, 1.0, value))


def _is_order(ord: Any, *orders: Any) -> bool:
    return not isinstance(ord, str) and ord is not None and ord in orders


def norm_grad(
    g: Any,
    x: Any,
    ans: Any,
    ord: Any = None,
    axis: Any = None,
    keepdims: Any = False,
    vector: Any = False,
    *directions: Any,
) -> Any:
    """Adjoint of ``np.linalg.norm(x, ord, axis, keepdims)`` (value ``ans``);
    with ``vector``, of ``np.linalg.vector_norm(x, axis, keepdims, ord)``.
    With directions, its mixed derivative as x moves along each of them
    (ans moving with x, as the norm of x)."""
    if is_zero(g):
        return g
    x = np.asarray(x)
    kind, axes = _norm_axes(x, ord, axis, vector)
    gk, ak = _kept(g, axes, keepdims), _kept(ans, axes, keepdims)
    moves = given_directions(directions, "np.linalg.norm")
    if moves:
        return _norm_derivative(gk, x, ord, kind, axes, moves)
    if kind == "vector" or ord in (None, "fro"):
        return _vector_grad(gk, x, ak, ord, axes)
    row, col = axes
    if ord == "nuc":
        u, _, vh = np.linalg.svd(_to_end(x, axes), full_matrices=False)
        return _from_end(_to_end(gk, axes) * (u @ vh), axes)
    if _is_order(ord, 2, -2):
        u, s, vh = np.linalg.svd(_to_end(x, axes), full_matrices=False)
        i = 0 if ord == 2 else s.shape[-1] - 1
        outer = u[..., :, i : i + 1] * vh[..., i : i + 1, :]
        return _from_end(_to_end(gk, axes) * outer, axes)
    summed, picked = (row, col) if _is_order(ord, 1, -1) else (col, row)
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    mask = sums == ak
    return np.sign(x) * gk * mask / np.sum(mask, axis=picked, keepdims=True)


def _vector_grad(gk: Any, x: np.ndarray, ak: Any, ord: Any, axes: tuple) -> Any:
    if ord in (None, "fro") or _is_order(ord, 2):
        return x * _over(gk, ak)
    if _is_order(ord, 1):
        return np.sign(x) * gk
    if _is_order(ord, np.inf, -np.inf):
        mask = np.abs(x) == ak
        return np.sign(x) * gk * mask / np.sum(mask, axis=axes, keepdims=True)
    if _is_order(ord, 0):
        return np.zeros(np.broadcast_shapes(x.shape, np.shape(gk)))
    p = float(ord)
    return np.sign(x) * np.abs(x) ** (p - 1.0) * _over(gk, ak ** (p - 1.0))


def _to_end(a: Any, axes: tuple[int, int]) -> Any:
    return np.moveaxis(a, axes, (-2, -1))


def _from_end(a: Any, axes: tuple[int, int]) -> Any:
    return np.moveaxis(a, (-2, -1), axes)


def _norm_derivative(
    gk: Any, x: np.ndarray, ord: Any, kind: str, axes: tuple, moves: list[Any]
) -> Any:
    """The mixed derivative of a norm's gradient (times gk) along moves."""
    shape = np.broadcast_shapes(x.shape, np.shape(gk))
    if kind == "vector" or ord in (None, "fro"):
        if ord in (None, "fro"):
            p = 2.0
        elif _is_order(ord, 1, np.inf, -np.inf, 0):
            return np.zeros(shape)  # piecewise linear or constant
        else:
            p = float(ord)
        return _p_norm_derivative(gk, x, p, axes, moves)
    if ord == "nuc" or _is_order(ord, 2, -2):
        if len(moves) > 1:
            raise NoDerivativeRule(
                f"third derivatives of np.linalg.norm(..., ord={ord!r}) of "
                "matrices are not supported",
                "differentiate twice at most, or use ord='fro'",
            )
        u = np.broadcast_to(moves[0], x.shape)
        return _from_end(_to_end(gk, axes) * _svd_tangent(x, u, ord, axes), axes)
    return np.zeros(shape)


def _dual_power(a: list[Any], p: float) -> list[Any]:
    """a ** p for a multi-dual a (Taylor series; the value part positive
    unless p is a whole number)."""
    value, rest = a[0], [None, *a[1:]]
    out: list[Any] = [value**p] + [None] * (len(a) - 1)
    term, coefficient = [None] * len(a), 1.0
    term[0] = np.ones_like(value)
    for k in range(1, len(a).bit_length()):
        term = dual_times(term, rest)
        coefficient *= (p - k + 1) / k
        if coefficient == 0:
            break
        scale = coefficient * value ** (p - k)
        for i, part in enumerate(term):
            if part is not None:
                out[i] = scale * part if out[i] is None else out[i] + scale * part
    return out


def _p_norm_derivative(
    gk: Any, x: np.ndarray, p: float, axes: tuple, moves: list[Any]
) -> Any:
    """Mixed derivative of gk * sign(x) |x|**(p-1) / norm**(p-1) along moves,
    the p-norm over ``axes`` moving with x. For even p it is taken as
    x**(p-1) / norm**(p-1), smooth where entries are zero."""
    moves = [np.broadcast_to(d, x.shape) for d in moves]
    if p % 2 == 0:
        sign, base = 1.0, dual(x, moves)
    else:
        sign = np.sign(x)
        base = dual(np.abs(x), [sign * d for d in moves])
    powered = _dual_power(base, p)
    total = [
        None if q is None else np.sum(q, axis=axes, keepdims=True) for q in powered
    ]
    scale = _dual_power(total, (1.0 - p) / p)  # norm ** (1 - p)
    top = dual_top(_dual_power(base, p - 1.0), scale)
    if top is None:
        return np.zeros(np.broadcast_shapes(x.shape, np.shape(gk)))
    return sign * gk * top


def _svd_tangent(x: np.ndarray, u: Any, ord: Any, axes: tuple[int, int]) -> Any:
    """Tangent of the gradient of a matrix norm of order 2, -2 or 'nuc' (the
    singular vector product u_i v_i^T, or the polar factor U V^T) as the
    matrices move along u; the result has the matrix axes last."""
    a, da = _to_end(x, axes), _to_end(u, axes)
    left, s, vh = np.linalg.svd(a, full_matrices=False)
    right = np.swapaxes(vh, -1, -2)
    j = np.swapaxes(left, -1, -2) @ da @ right  # U^T dA V
    rest_a = da - left @ (np.swapaxes(left, -1, -2) @ da)  # (I - U U^T) dA
    rest_at = np.swapaxes(da, -1, -2)
    rest_at = rest_at - right @ (vh @ rest_at)  # (I - V V^T) dA^T
    if ord == "nuc":
        jt = np.swapaxes(j, -1, -2)
        omega = (j - jt) / (s[..., :, None] + s[..., None, :])
        inverse = 1.0 / s
        return (
            left @ omega @ vh
            + (rest_a @ (right * inverse[..., None, :])) @ vh
            + (left * inverse[..., None, :])
            @ (np.swapaxes(left, -1, -2) @ np.swapaxes(rest_at, -1, -2))
        )
    i = 0 if ord == 2 else s.shape[-1] - 1
    si = s[..., i : i + 1]  # (..., 1)
    gap = si * si - s * s
    gap[..., i] = 1.0
    coupled_u = (j[..., :, i] * si + s * j[..., i, :]) / gap
    coupled_v = (s * j[..., :, i] + j[..., i, :] * si) / gap
    coupled_u[..., i] = 0.0
    coupled_v[..., i] = 0.0
    ui, vi = left[..., :, i : i + 1], right[..., :, i : i + 1]
    du = left @ coupled_u[..., :, None] + rest_a @ vi / si[..., None]
    dv = right @ coupled_v[..., :, None] + rest_at @ ui / si[..., None]
    return du * np.swapaxes(vi, -1, -2) + ui * np.swapaxes(dv, -1, -2)
