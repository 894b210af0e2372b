"""Runtime helpers of the shape rules: adjoints of functions that move, copy,
pick or join entries without changing them (numpy only; see adcompile._src.runtime).

Each ``un...`` helper takes the adjoint ``g`` of a result and returns the
adjoint of one argument; a plain zero adjoint (the ``0.0`` that loops and
branches start from) comes back as it is. Every helper is linear in its
first argument, which is what its forward rule says.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.core import unbroadcast
from adcompile._src.runtime.support import Items, is_zero

# ---- axes --------------------------------------------------------------------


def unbroadcast_like(g: Any, x: Any) -> Any:
    """Adjoint of ``np.broadcast_to(x, shape)``: g summed back to x's shape."""
    return g if is_zero(g) else unbroadcast(g, x)


def unswap(g: Any, axis1: int, axis2: int) -> Any:
    """Adjoint of ``np.swapaxes(x, axis1, axis2)``: the same swap."""
    return g if is_zero(g) else np.swapaxes(g, axis1, axis2)


def move_back(g: Any, source: Any, destination: Any) -> Any:
    """Adjoint of ``np.moveaxis(x, source, destination)``: the moves undone."""
    return g if is_zero(g) else np.moveaxis(g, destination, source)


def unroll_axis(g: Any, x: Any, axis: int, start: int = 0) -> Any:
    """Adjoint of ``np.rollaxis(x, axis, start)``."""
    if is_zero(g):
        return g
    ndim = np.ndim(x)
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    destination = start - 1 if start > axis else start
    return np.moveaxis(g, destination, axis)


def unflip(g: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.flip(x, axis)``: the same flip."""
    return g if is_zero(g) else np.flip(g, axis)


def unroll(g: Any, shift: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.roll(x, shift, axis)``: the roll back."""
    return g if is_zero(g) else np.roll(g, np.negative(shift), axis)


def unrotate(g: Any, k: int = 1, axes: Any = None) -> Any:
    """Adjoint of ``np.rot90(x, k, axes)``: the rotation back."""
    if is_zero(g):
        return g
    return np.rot90(g, -k, (0, 1) if axes is None else axes)


# ---- copies ------------------------------------------------------------------


def untile(g: Any, x: Any, reps: Any) -> Any:
    """Adjoint of ``np.tile(x, reps)``: the sum of the copies."""
    if is_zero(g):
        return g
    shape = np.shape(x)
    reps = tuple(reps) if np.iterable(reps) else (reps,)
    ndim = max(len(reps), len(shape))
    full = (1,) * (ndim - len(shape)) + tuple(shape)
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = [n for pair in zip(reps, full, strict=True) for n in pair]
    copies = np.reshape(g, interleaved)
    return np.reshape(np.sum(copies, axis=tuple(range(0, 2 * ndim, 2))), shape)


def unrepeat(g: Any, x: Any, repeats: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.repeat(x, repeats, axis)``: each entry receives the
    sum of the adjoints of its copies."""
    if is_zero(g):
        return g
    shape = np.shape(x)
    g = np.asarray(g)
    if axis is None:
        sums = _copy_sums(g, repeats, math.prod(shape), 0)
        return np.reshape(sums, shape)
    return _copy_sums(g, repeats, shape[axis], axis % len(shape))


def _copy_sums(g: np.ndarray, repeats: Any, n: int, axis: int) -> np.ndarray:
    moved = np.moveaxis(g, axis, 0)
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        count = int(np.ravel(repeats)[0])
        sums = np.sum(np.reshape(moved, (n, count) + moved.shape[1:]), axis=1)
    else:
        owner = np.repeat(np.arange(n), repeats)  # the entry each copy copies
        sums = np.zeros((n,) + moved.shape[1:], dtype=np.result_type(g, float))
        np.add.at(sums, owner, moved)
    return np.moveaxis(sums, 0, axis)


# ---- padding -----------------------------------------------------------------

_LINEAR_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_mode(mode: Any) -> str:
    """``mode`` when np.pad is linear in its array in that mode; refused
    otherwise (statistics and ramps of the entries, custom functions)."""
    if isinstance(mode, str) and mode in _LINEAR_PAD_MODES:
        return mode
    raise NoDerivativeRule(
        f"np.pad with mode={mode!r} has no derivative rule",
        "pad with one of the modes " + ", ".join(map(repr, _LINEAR_PAD_MODES)),
    )


def pad_tangent(dx: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """The tangent of ``np.pad(x, pad_width, mode)`` for a tangent ``dx`` of
    x: dx padded the same way, with zeros in constant mode."""
    return np.pad(dx, pad_width, pad_mode(mode))


def unpad(g: Any, x: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """Adjoint of ``np.pad(x, pad_width, mode)``: each entry of x receives
    the adjoints of the places it was copied to."""
    if is_zero(g):
        return g
    mode = pad_mode(mode)
    shape = np.shape(x)
    size = math.prod(shape)
    g = np.asarray(g)
    if mode == "constant" and not isinstance(pad_width, dict):
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
        interior = tuple(
            slice(int(before), int(before) + n)
            for (before, _), n in zip(widths, shape, strict=True)
        )
        return g[interior]
    options = {"constant_values": size} if mode == "constant" else {}
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode, **options)
    sums = np.bincount(source.ravel(), weights=g.ravel(), minlength=size + 1)
    sums = sums[:size]  # the constant padding counted at index ``size``
    return np.reshape(sums.astype(np.result_type(g, float), copy=False), shape)


def padding_tangent(dc: Any, x: Any, pad_width: Any) -> Any:
    """The tangent of ``np.pad(x, pad_width, constant_values=c)`` for a
    tangent ``dc`` of c: dc in the padding, zero inside."""
    return np.pad(np.zeros(np.shape(x)), pad_width, constant_values=dc)


def padding_total(g: Any, x: Any, pad_width: Any, constant_values: Any) -> Any:
    """Adjoint of one scalar ``constant_values`` of np.pad: the sum of g over
    the padding."""
    if is_zero(g):
        return g
    if np.ndim(constant_values) != 0:
        raise NoDerivativeRule(
            "np.pad has no derivative with respect to constant_values that "
            "differ by axis or side",
            "pass one scalar constant_values, or pad with np.concatenate",
        )
    return np.sum(g) - np.sum(unpad(g, x, pad_width, "constant"))


# ---- picking entries ---------------------------------------------------------


def _index_mode(indices: Any, n: int, mode: str) -> Any:
    if mode == "wrap":
        return np.mod(indices, n)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


def untake(g: Any, x: Any, indices: Any, axis: Any = None, mode: str = "raise") -> Any:
    """Adjoint of ``np.take(x, indices, axis, mode=mode)``: g scattered back,
    summed where an index repeats."""
    if is_zero(g):
        return g
    shape = np.shape(x)
    dtype = np.result_type(np.asarray(g).dtype, float)
    if axis is None:
        size = math.prod(shape)
        out = np.zeros(size, dtype=dtype)
        np.add.at(out, _index_mode(indices, size, mode), g)
        return np.reshape(out, shape)
    axis = axis % len(shape)
    out = np.zeros(shape, dtype=dtype)
    where = (slice(None),) * axis + (_index_mode(indices, shape[axis], mode),)
    np.add.at(out, where, g)
    return out


def untake_along_axis(g: Any, x: Any, indices: Any, axis: Any = -1) -> Any:
    """Adjoint of ``np.take_along_axis(x, indices, axis)``."""
    if is_zero(g):
        return g
    shape = np.shape(x)
    dtype = np.result_type(np.asarray(g).dtype, float)
    if axis is None:
        out = np.zeros(math.prod(shape), dtype=dtype)
        np.add.at(out, indices, g)
        return np.reshape(out, shape)
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, _along_axis(indices, shape, axis), g)
    return out


def _along_axis(indices: Any, shape: tuple[int, ...], axis: int) -> tuple[Any, ...]:
    """The fancy index that ``take_along_axis(_, indices, axis)`` reads."""
    ndim = len(shape)
    axis = axis % ndim
    return tuple(
        indices if i == axis else np.arange(n).reshape((-1,) + (1,) * (ndim - i - 1))
        for i, n in enumerate(shape)
    )


def undiag(g: Any, v: Any, k: int = 0) -> Any:
    """Adjoint of ``np.diag(v, k)``: the diagonal of g when v is a vector;
    g placed on the diagonal of zeros shaped like v when v is a matrix."""
    if is_zero(g):
        return g
    if np.ndim(v) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(v), dtype=np.result_type(np.asarray(g).dtype, float))
    n = np.shape(g)[0]
    out[np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)] = g
    return out


def undiagflat(g: Any, v: Any, k: int = 0) -> Any:
    """Adjoint of ``np.diagflat(v, k)``: the k-th diagonal of g, shaped like v."""
    return g if is_zero(g) else np.reshape(np.diagonal(g, k), np.shape(v))


def undiagonal(g: Any, x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Adjoint of ``np.diagonal(x, offset, axis1, axis2)``."""
    if is_zero(g):
        return g
    out = np.zeros(np.shape(x), dtype=np.result_type(np.asarray(g).dtype, float))
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view of out
    n = np.shape(g)[-1]
    planes[..., np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)] = g
    return out


def untril(g: Any, x: Any, k: int = 0) -> Any:
    """Adjoint of ``np.tril(x, k)`` (a vector x is a row repeated)."""
    if is_zero(g):
        return g
    lower = np.tril(g, k)
    return np.sum(lower, axis=0) if np.ndim(x) == 1 else lower


def untriu(g: Any, x: Any, k: int = 0) -> Any:
    """Adjoint of ``np.triu(x, k)`` (a vector x is a row repeated)."""
    if is_zero(g):
        return g
    upper = np.triu(g, k)
    return np.sum(upper, axis=0) if np.ndim(x) == 1 else upper


def unsort(g: Any, x: Any, axis: Any = -1) -> Any:
    """Adjoint of ``np.sort(x, axis)``: g sent back through the permutation
    that sorted x."""
    if is_zero(g):
        return g
    order = np.argsort(x, axis=axis)
    g = np.asarray(g)
    out = np.zeros(np.shape(x), dtype=np.result_type(g.dtype, float))
    if axis is None:
        out.ravel()[order] = g  # out is contiguous: ravel is a view
    else:
        np.put_along_axis(out, order, g, axis)
    return out


def _chosen(condlist: Any) -> Any:
    """For each entry, which choice np.select takes (-1: the default)."""
    return np.select(condlist, list(range(len(condlist))), -1)


def unselect(g: Any, condlist: Any, choicelist: Any) -> Any:
    """Adjoints of the choices of ``np.select(condlist, choicelist, default)``."""
    if is_zero(g):
        return g
    chosen = _chosen(condlist)
    return Items(
        unbroadcast(np.where(chosen == i, g, 0.0), choice)
        for i, choice in enumerate(choicelist)
    )


def unselect_default(g: Any, condlist: Any, default: Any) -> Any:
    """Adjoint of the default of ``np.select(condlist, choicelist, default)``."""
    if is_zero(g):
        return g
    return unbroadcast(np.where(_chosen(condlist) < 0, g, 0.0), default)


def default_tangent(dd: Any, condlist: Any, result: Any) -> Any:
    """The tangent of ``np.select``'s result for a tangent ``dd`` of its
    default: dd where no condition holds, in the result's shape."""
    return np.broadcast_to(np.where(_chosen(condlist) < 0, dd, 0.0), np.shape(result))


# ---- joining and splitting ---------------------------------------------------


def _joined_size(shape: tuple[int, ...], kind: str, axis: int) -> int:
    """The size along the joining axis of an array of ``shape`` once
    np.hstack, vstack, dstack or column_stack has given it enough axes."""
    least = {"hstack": 1, "vstack": 2, "dstack": 3, "column_stack": 2}[kind]
    if len(shape) >= least:
        return shape[axis]
    return shape[0] if kind == "hstack" and len(shape) == 1 else 1


def unjoin(g: Any, arrays: Any, kind: str) -> Any:
    """Adjoints of the pieces of ``np.hstack``, ``vstack``, ``dstack`` or
    ``column_stack`` (``kind``) of ``arrays``, each in its piece's shape."""
    if is_zero(g):
        return g
    shapes = [np.shape(a) for a in arrays]
    axis = {"vstack": 0, "column_stack": 1, "dstack": 2}.get(kind)
    if axis is None:  # hstack: along the first axis of vectors, else the second
        axis = 0 if max(len(shapes[0]), 1) == 1 else 1
    sizes = [_joined_size(shape, kind, axis) for shape in shapes]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return Items(
        np.reshape(piece, shape) for piece, shape in zip(pieces, shapes, strict=True)
    )


def unsplit(g: Any, x: Any, indices_or_sections: Any, axis: int = 0) -> Any:
    """Adjoint of ``np.split`` or ``np.array_split`` of x: the pieces'
    adjoints joined again (zeros for pieces nothing flowed back to)."""
    if is_zero(g):
        return g
    pieces = np.array_split(
        np.broadcast_to(0.0, np.shape(x)), indices_or_sections, axis
    )
    if len(g) != len(pieces):
        raise ValueError(f"adjoints of {len(g)} pieces for a split into {len(pieces)}")
    parts = [
        np.zeros(piece.shape) if is_zero(adjoint) else adjoint
        for adjoint, piece in zip(g, pieces, strict=True)
    ]
    return np.concatenate(parts, axis=axis)


def unhsplit(g: Any, x: Any, indices_or_sections: Any) -> Any:
    """Adjoint of ``np.hsplit(x, indices_or_sections)``."""
    return unsplit(g, x, indices_or_sections, 1 if np.ndim(x) > 1 else 0)


def unstacked(g: Any, x: Any, axis: int = 0) -> Any:
    """Adjoint of ``np.unstack(x, axis=axis)``: the items' adjoints stacked
    (zeros for items nothing flowed back to)."""
    if is_zero(g):
        return g
    shape = list(np.shape(x))
    del shape[axis]
    return np.stack([np.zeros(shape) if is_zero(a) else a for a in g], axis=axis)


def uncompress(g: Any, condition: Any, x: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.compress(condition, x, axis)``: g back in the places
    the condition kept, zero elsewhere."""
    return untake(g, x, np.flatnonzero(condition), axis)


def undelete(g: Any, x: Any, obj: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.delete(x, obj, axis)``: g back in the places kept,
    zero in the deleted ones."""
    n = np.size(x) if axis is None else np.shape(x)[axis]
    return untake(g, x, np.delete(np.arange(n), obj), axis)


def linspace_weights(num: Any, endpoint: Any, start: Any, stop: Any) -> Any:
    """Where each point of ``np.linspace(start, stop, num, endpoint)`` lies
    between the ends, from 0 (start) to 1 (stop), shaped to multiply the
    points (one per row, for array ends)."""
    weights = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    ends = np.ndim(start) or np.ndim(stop)
    return weights.reshape(weights.shape + (1,) * max(ends, 0))
