"""Runtime helpers of the products rules (numpy only; see adcompile._src.runtime).

Every product here is multilinear, so each adjoint is linear in the adjoint
of the result and in the other factors, and never reads the values of the
factor it is the adjoint of (only its shape). The contractions (einsum,
tensordot, inner) share one adjoint: an einsum of g with the other
operands into the subscripts of the one asked for, which places values on
repeated (diagonal) subscripts and sums over broadcast axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.core import unbroadcast_to
from adcompile._src.runtime.support import is_zero

# ---- einsum and the contractions written with it -------------------------------


def _einsum_letters() -> str:
    """The subscript letters, in numpy's order for the sublist form."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sublist(items: Any) -> str:
    letters = _einsum_letters()
    return "".join("..." if i is Ellipsis else letters[int(i)] for i in items)


def _einsum_parse(
    args: tuple, position: int
) -> tuple[list[str], str, list[Any], list[tuple], list[int]]:
    """np.einsum's arguments (subscripts string or sublist form) as explicit
    subscripts without ellipses: (inputs, output, operands, shapes, the
    operands' positions among args). The argument at ``position`` is the
    shape of its operand."""
    if isinstance(args[0], str):
        text = args[0].replace(" ", "")
        lhs, arrow, output = text.partition("->")
        inputs = lhs.split(",")
        positions = list(range(1, len(args)))
        explicit: str | None = output if arrow else None
    else:
        items = list(args)
        explicit = _sublist(items.pop()) if len(items) % 2 else None
        inputs = [_sublist(s) for s in items[1::2]]
        positions = list(range(0, len(items), 2))
    if len(inputs) != len(positions):
        einsum_overflow(None)
    operands = [args[p] for p in positions]
    shapes = [
        tuple(a) if p == position else np.shape(a)
        for a, p in zip(operands, positions, strict=True)
    ]
    used = set("".join(inputs) + (explicit or ""))
    free = [c for c in _einsum_letters() if c not in used]
    extra = max(
        (
            len(s) - len(i) + 3
            for i, s in zip(inputs, shapes, strict=True)
            if "..." in i
        ),
        default=0,
    )
    ellipsis = "".join(free[:extra])
    expanded = []
    for subscripts, shape in zip(inputs, shapes, strict=True):
        if "..." in subscripts:
            own = len(shape) - len(subscripts) + 3
            subscripts = subscripts.replace("...", ellipsis[extra - own :])
        expanded.append(subscripts)
    if explicit is None:
        letters = "".join(expanded)
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        output = ellipsis + "".join(c for c in once if c not in ellipsis)
    else:
        output = explicit.replace("...", ellipsis)
    return expanded, output, operands, shapes, positions


# Contractions whose loop over every subscript takes at least this many steps
# go through np.einsum's optimized path (batched matrix products on BLAS);
# smaller ones stay in its C loop, which the path's planning would outweigh.
_OPTIMIZE_FROM = 4096


def _contract(spec: str, operands: list[Any]) -> Any:
    """np.einsum(spec, *operands), planned into BLAS products when it is
    large enough to pay for the planning (same values up to rounding)."""
    inputs = spec.partition("->")[0].split(",")
    size: dict[str, int] = {}
    for subscripts, operand in zip(inputs, operands, strict=True):
        for c, n in zip(subscripts, np.shape(operand), strict=True):
            size[c] = max(size.get(c, 1), n)
    steps = math.prod(size.values())
    return np.einsum(spec, *operands, optimize=steps >= _OPTIMIZE_FROM)


def _einsum_adjoint(
    g: Any,
    inputs: list[str],
    output: str,
    operands: list[Any],
    shapes: list[tuple],
    k: int,
) -> Any:
    """Adjoint of operand k of einsum(inputs -> output), given the adjoint g
    of the result (operand k itself is not read, only shapes[k])."""
    own, shape = inputs[k], shapes[k]
    others = [i for i in range(len(inputs)) if i != k]
    unique = "".join(dict.fromkeys(own))
    reached = set(output).union(*(inputs[i] for i in others))
    present = "".join(c for c in unique if c in reached)
    spec = ",".join([output] + [inputs[i] for i in others]) + "->" + present
    part = _contract(spec, [g, *(operands[i] for i in others)])
    size = {c: shape[own.index(c)] for c in unique}
    missing = [n for n, c in enumerate(unique) if c not in present]
    if missing:
        part = np.expand_dims(part, missing)
    broadcast = tuple(
        n for n, c in enumerate(unique) if size[c] == 1 and part.shape[n] != 1
    )
    if broadcast:
        part = np.sum(part, axis=broadcast, keepdims=True)
    part = np.broadcast_to(part, tuple(size[c] for c in unique))
    if len(unique) == len(own):
        return part
    out = np.zeros(shape, dtype=part.dtype)
    np.einsum(own + "->" + unique, out)[...] = part  # a view of the diagonal
    return out


def einsum_vjp(g: Any, position: int, *args: Any) -> Any:
    """Adjoint of the operand at ``position`` among np.einsum's arguments
    (subscripts first); that argument is given as the operand's shape."""
    if is_zero(g):
        return g
    args = tuple(args)
    while args and args[-1] is None:
        args = args[:-1]
    inputs, output, operands, shapes, positions = _einsum_parse(args, position)
    if position not in positions:
        raise NoDerivativeRule(
            "np.einsum: a subscript list carries no gradient",
            "differentiate with respect to the operands only",
        )
    return _einsum_adjoint(
        g, inputs, output, operands, shapes, positions.index(position)
    )


def einsum_overflow(value: Any) -> Any:
    """Refuse a call of np.einsum with more arguments than its rule binds
    (the extra one landed in the ``optimize`` parameter)."""
    raise NoDerivativeRule(
        "np.einsum is differentiated with at most 10 arguments after the "
        "subscripts (10 operands, or 5 with their subscript lists)",
        "contract in steps: einsum a few operands, then einsum the result "
        "with the others",
    )


def _tensordot_subscripts(a_nd: int, b_nd: int, axes: Any) -> tuple[str, str, str]:
    """Subscripts of a, b and the result of np.tensordot(a, b, axes)."""
    if isinstance(axes, (int, np.integer)):
        axes_a = list(range(a_nd - int(axes), a_nd))
        axes_b = list(range(int(axes)))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    axes_a = [int(i) % a_nd for i in axes_a]
    axes_b = [int(i) % b_nd for i in axes_b]
    letters = _einsum_letters()
    sub_a = letters[:a_nd]
    fresh = iter(letters[a_nd:])
    sub_b = "".join(
        sub_a[axes_a[axes_b.index(j)]] if j in axes_b else next(fresh)
        for j in range(b_nd)
    )
    out = "".join(sub_a[i] for i in range(a_nd) if i not in axes_a)
    out += "".join(sub_b[j] for j in range(b_nd) if j not in axes_b)
    return sub_a, sub_b, out


def tensordot_left(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """Adjoint of ``a`` in ``np.tensordot(a, b, axes)``."""
    if is_zero(g):
        return g
    sub_a, sub_b, out = _tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    shapes = [np.shape(a), np.shape(b)]
    return _einsum_adjoint(g, [sub_a, sub_b], out, [None, b], shapes, 0)


def tensordot_right(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """Adjoint of ``b`` in ``np.tensordot(a, b, axes)``."""
    if is_zero(g):
        return g
    sub_a, sub_b, out = _tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    shapes = [np.shape(a), np.shape(b)]
    return _einsum_adjoint(g, [sub_a, sub_b], out, [a, None], shapes, 1)


def _inner_subscripts(a_nd: int, b_nd: int) -> tuple[str, str, str]:
    """Subscripts of a, b and the result of np.inner(a, b)."""
    if a_nd == 0 or b_nd == 0:
        return _tensordot_subscripts(a_nd, b_nd, 0)
    return _tensordot_subscripts(a_nd, b_nd, ([-1], [-1]))


def inner_left(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a`` in ``np.inner(a, b)``."""
    if is_zero(g):
        return g
    sub_a, sub_b, out = _inner_subscripts(np.ndim(a), np.ndim(b))
    shapes = [np.shape(a), np.shape(b)]
    return _einsum_adjoint(g, [sub_a, sub_b], out, [None, b], shapes, 0)


def inner_right(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``b`` in ``np.inner(a, b)``."""
    if is_zero(g):
        return g
    sub_a, sub_b, out = _inner_subscripts(np.ndim(a), np.ndim(b))
    shapes = [np.shape(a), np.shape(b)]
    return _einsum_adjoint(g, [sub_a, sub_b], out, [a, None], shapes, 1)


def vdot_grad(g: Any, other: Any, x: Any) -> Any:
    """Adjoint of ``x`` in ``np.vdot`` of x and ``other`` (real arrays)."""
    if is_zero(g):
        return g
    return g * np.reshape(other, np.shape(x))


def vecdot_grad(g: Any, other: Any, x: Any, axis: Any = -1) -> Any:
    """Adjoint of ``x`` in ``np.vecdot`` of x and ``other`` over ``axis`` of
    each (real arrays; the other axes broadcast)."""
    if is_zero(g):
        return g
    moved = np.moveaxis(np.asarray(other), axis, -1)
    spread = np.expand_dims(g, -1) * moved
    shape = list(np.shape(x))
    length = shape.pop(int(axis) % len(shape))
    return np.moveaxis(unbroadcast_to(spread, (*shape, length)), -1, axis)


# ---- kron, cross ----------------------------------------------------------------


def _kron_parts(a_shape: tuple, b_shape: tuple) -> tuple[tuple, tuple, tuple]:
    """Shapes that interleave a's and b's axes: (a0, 1, a1, 1, ...),
    (1, b0, 1, b1, ...), and (a0, b0, a1, b1, ...)."""
    nd = max(len(a_shape), len(b_shape))
    a_full = (1,) * (nd - len(a_shape)) + tuple(a_shape)
    b_full = (1,) * (nd - len(b_shape)) + tuple(b_shape)
    a_spread = tuple(n for m in a_full for n in (m, 1))
    b_spread = tuple(n for m in b_full for n in (1, m))
    both = tuple(n for pair in zip(a_full, b_full, strict=True) for n in pair)
    return a_spread, b_spread, both


def kron_left(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a`` in ``np.kron(a, b)``."""
    if is_zero(g):
        return g
    a_spread, b_spread, both = _kron_parts(np.shape(a), np.shape(b))
    grid = np.reshape(g, both) * np.reshape(b, b_spread)
    summed = np.sum(grid, axis=tuple(range(1, len(both), 2)))
    return np.reshape(summed, np.shape(a))


def kron_right(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``b`` in ``np.kron(a, b)``."""
    if is_zero(g):
        return g
    a_spread, b_spread, both = _kron_parts(np.shape(a), np.shape(b))
    grid = np.reshape(g, both) * np.reshape(a, a_spread)
    summed = np.sum(grid, axis=tuple(range(0, len(both), 2)))
    return np.reshape(summed, np.shape(b))


def _as_3_vectors(v: Any, axis: Any) -> tuple[np.ndarray, int]:
    """v with its vector axis last, padded with a zero z to length 3."""
    v = np.moveaxis(np.asarray(v), axis, -1)
    length = v.shape[-1]
    if length == 2:
        v = np.concatenate([v, np.zeros_like(v[..., :1])], axis=-1)
    return v, length


def _cross_adjoint(
    g: Any, a: Any, b: Any, axisa: Any, axisb: Any, axisc: Any, axis: Any, left: bool
) -> Any:
    if axis is not None:
        axisa = axisb = axisc = axis
    a3, a_len = _as_3_vectors(a, axisa)
    b3, b_len = _as_3_vectors(b, axisb)
    g = np.asarray(g)
    if a_len == 2 and b_len == 2:  # the result is the z component alone
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], axis=-1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    if left:
        grad, length, own, axis_own = np.cross(b3, g3), a_len, a, axisa
    else:
        grad, length, own, axis_own = np.cross(g3, a3), b_len, b, axisb
    shape = list(np.shape(own))
    vector = shape.pop(int(axis_own) % len(shape))
    grad = unbroadcast_to(grad[..., :length], (*shape, vector))
    return np.moveaxis(grad, -1, axis_own)


def cross_left(
    g: Any, a: Any, b: Any, axisa: Any = -1, axisb: Any = -1, axisc: Any = -1, axis=None
) -> Any:
    """Adjoint of ``a`` in ``np.cross(a, b, ...)``: b x g."""
    if is_zero(g):
        return g
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, left=True)


def cross_right(
    g: Any, a: Any, b: Any, axisa: Any = -1, axisb: Any = -1, axisc: Any = -1, axis=None
) -> Any:
    """Adjoint of ``b`` in ``np.cross(a, b, ...)``: g x a."""
    if is_zero(g):
        return g
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, left=False)


# ---- convolve, correlate ----------------------------------------------------------


def _full_adjoint(
    g: Any, m: int, n: int, mode: Any, correlate: bool = False
) -> np.ndarray:
    """g placed where its mode's output sits in the full convolution (of a
    of length m and v of length n). np.correlate with the longer v swaps
    them and reverses, which moves the window of 'same' by one when m is
    even."""
    if isinstance(mode, str):
        mode = {"v": 0, "s": 1, "f": 2}[mode.lower()[:1]]
    short = min(m, n)
    centered = (short - 1) // 2
    if correlate and n > m:
        centered = short - 1 - centered
    start = {0: short - 1, 1: centered, 2: 0}[int(mode)]
    g = np.ravel(g)
    full = np.zeros(m + n - 1, dtype=np.result_type(g, float))
    full[start : start + g.shape[0]] = g
    return full


def convolve_left(g: Any, a: Any, v: Any, mode: Any = "full") -> Any:
    """Adjoint of ``a`` in ``np.convolve(a, v, mode)``."""
    if is_zero(g):
        return g
    full = _full_adjoint(g, np.size(a), np.size(v), mode)
    return np.reshape(np.correlate(full, np.ravel(v), "valid"), np.shape(a))


def convolve_right(g: Any, a: Any, v: Any, mode: Any = "full") -> Any:
    """Adjoint of ``v`` in ``np.convolve(a, v, mode)``."""
    if is_zero(g):
        return g
    full = _full_adjoint(g, np.size(a), np.size(v), mode)
    return np.reshape(np.correlate(full, np.ravel(a), "valid"), np.shape(v))


def correlate_left(g: Any, a: Any, v: Any, mode: Any = "valid") -> Any:
    """Adjoint of ``a`` in ``np.correlate(a, v, mode)`` (convolve with v reversed)."""
    if is_zero(g):
        return g
    full = _full_adjoint(g, np.size(a), np.size(v), mode, correlate=True)
    return np.reshape(np.correlate(full, np.ravel(v)[::-1], "valid"), np.shape(a))


def correlate_right(g: Any, a: Any, v: Any, mode: Any = "valid") -> Any:
    """Adjoint of ``v`` in ``np.correlate(a, v, mode)``."""
    if is_zero(g):
        return g
    full = _full_adjoint(g, np.size(a), np.size(v), mode, correlate=True)
    reversed_grad = np.correlate(full, np.ravel(a), "valid")[::-1]
    return np.reshape(reversed_grad, np.shape(v))


def outer_left(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a`` in ``np.outer(a, b)``."""
    return g if is_zero(g) else np.reshape(g @ np.ravel(b), np.shape(a))


def outer_right(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``b`` in ``np.outer(a, b)``."""
    return g if is_zero(g) else np.reshape(np.ravel(a) @ g, np.shape(b))
