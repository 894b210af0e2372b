"""Runtime helpers called by emitted gradient code.

This module depends on numpy only, so that ahead-of-time gradient modules can
carry copies of the helpers they use. Every helper is a small pure function:
none mutates its arguments (the arrays it writes into are ones it allocated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import IntegerInput, NoDerivativeRule, NonScalarOutput
from adcompile._src.runtime.support import (
    Items,
    check_field_names,
    differentiable_leaf,
    is_named_tuple,
    is_struct,
    is_zero,
    joined_containers,
    new_struct,
    normalize_axes,
    struct_fields,
)


def seed_gradient(value: Any) -> float:
    """The adjoint seed 1.0 of a real scalar output; refuse anything else."""
    if isinstance(value, float):
        return 1.0
    if isinstance(value, (tuple, list, dict)):
        raise NonScalarOutput(
            "grad needs a function that returns a real scalar; this one returned "
            f"a {type(value).__name__}",
            "return only the value to differentiate, or pass has_aux=True to "
            "return (value, auxiliary data) and get (gradient, auxiliary data) "
            "back",
        )
    shape = np.shape(value)
    dtype = np.asarray(value).dtype
    if shape == () and np.issubdtype(dtype, np.floating):
        return 1.0
    if shape == () and np.issubdtype(dtype, np.integer):
        raise IntegerInput(
            f"the function returned an integer ({value!r}), so it has no gradient",
            "adcompile differentiates real floating-point values: pass floats "
            "(3.0 rather than 3) or float arrays (x.astype(float))",
        )
    if np.issubdtype(dtype, np.complexfloating):
        raise NonScalarOutput(
            "grad needs a function that returns a real scalar; this one returned "
            f"a complex value ({dtype})",
            "adcompile differentiates real-valued functions: return a real "
            "scalar such as np.abs(z) ** 2 or z.real",
        )
    described = (
        f"an array of shape {shape}"
        if isinstance(value, np.ndarray)
        else f"a value of type {type(value).__name__}"
    )
    raise NonScalarOutput(
        f"grad needs a function that returns a real scalar; this one returned "
        f"{described}",
        "use adcompile.vjp(f, *args) for functions with non-scalar output, or "
        "reduce the output to a scalar (np.sum, np.mean) before returning it",
    )


def check_cotangent(cotangent: Any, value: Any) -> Any:
    """The cotangent given to a pullback, checked against the output's shape.

    An array comes back as a read-only view, so that ``as_gradient`` copies
    it rather than hand the caller's own array back as a gradient.
    """
    if (
        type(cotangent) is np.ndarray
        and type(value) is np.ndarray
        and cotangent.shape == value.shape
    ):
        cotangent = cotangent.view()
        cotangent.flags.writeable = False
        return cotangent
    if isinstance(value, (tuple, list)):
        if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(value):
            if is_zero(cotangent):  # nothing flowed back (a branch not taken)
                return Items(0.0 for _ in value)
            raise NonScalarOutput(
                f"the cotangent {type(cotangent).__name__} does not match the "
                f"function's output, a {type(value).__name__} of {len(value)}",
                "pass the pullback one cotangent per output item",
            )
        return Items(
            check_cotangent(c, v) for c, v in zip(cotangent, value, strict=True)
        )
    if np.shape(cotangent) != np.shape(value):
        if is_zero(cotangent):  # nothing flowed back: an adjoint still at 0.0
            return np.zeros(np.shape(value))
        raise NonScalarOutput(
            f"the cotangent has shape {np.shape(cotangent)} but the function's "
            f"output has shape {np.shape(value)}",
            "pass the pullback a cotangent of the same shape as the output",
        )
    if isinstance(cotangent, np.ndarray):
        cotangent = cotangent.view()
        cotangent.flags.writeable = False
    return cotangent


def _is_float_array(x: np.ndarray) -> bool:
    return np.issubdtype(x.dtype, np.floating)


def as_gradient(adjoint: Any, x: Any, name: str) -> Any:
    """The adjoint of parameter ``name`` in the type, shape and dtype of ``x``.

    Python float -> float; float ndarray -> a new writable ndarray of the same
    shape and dtype; numpy float scalar -> the same scalar type; dict, list,
    tuple -> the same container; named tuple, dataclass, object -> an object
    of the same class (``_struct_gradient``). Integer and other inputs have
    no gradient and are refused (as fields of an object, they get None).
    """
    if type(x) is np.ndarray and type(adjoint) is np.ndarray:  # the common case
        if (
            adjoint.dtype == x.dtype
            and x.dtype.kind == "f"
            and adjoint.shape == x.shape
            and adjoint.flags.owndata
            and adjoint.flags.writeable
        ):
            return adjoint
    elif type(x) is float and isinstance(adjoint, float):
        return float(adjoint)
    if is_struct(x):
        return _struct_gradient(adjoint, x, name, ())
    if isinstance(x, (dict, list, tuple)):
        return _tree_gradient(adjoint, x, name, as_gradient)
    if np.iscomplexobj(x):
        raise IntegerInput(
            f"gradient with respect to '{name}', which is complex "
            f"({np.asarray(x).dtype}): adcompile differentiates real "
            "floating-point values",
            f"pass the real and imaginary parts of '{name}' as two float arguments",
        )
    if np.iscomplexobj(adjoint):
        raise NonScalarOutput(
            f"the derivative with respect to '{name}' came out complex: the "
            "function computes with complex numbers",
            "adcompile differentiates real-valued computations: keep complex "
            "numbers out of the values the derivative depends on",
        )
    if isinstance(x, np.floating):
        return x.dtype.type(adjoint)
    if isinstance(x, float):
        return float(adjoint)
    if isinstance(x, np.ndarray) and _is_float_array(x):
        if (
            isinstance(adjoint, np.ndarray)
            and adjoint.dtype == x.dtype
            and adjoint.shape == x.shape
            and adjoint.flags.owndata
            and adjoint.flags.writeable
        ):
            return adjoint
        out = np.empty(x.shape, dtype=x.dtype)
        out[...] = adjoint
        return out
    if isinstance(x, (bool, int, np.integer, np.bool_)) or (
        isinstance(x, np.ndarray) and not _is_float_array(x)
    ):
        described = (
            f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray) else repr(x)
        )
        raise IntegerInput(
            f"gradient with respect to '{name}', which is {described}: "
            "integers have no gradient",
            f"pass '{name}' as a float (3.0 rather than 3) or a float array "
            f"({name}.astype(float))",
        )
    raise IntegerInput(
        f"gradient with respect to '{name}', a value of type {type(x).__name__}: "
        "adcompile differentiates floats and float arrays",
        f"pass '{name}' as a float or a float numpy array",
    )


def _tree_gradient(adjoint: Any, x: Any, name: str, leaf: Any) -> Any:
    """The gradient of a dict, list or tuple of parameters: the same
    structure, each item's by ``leaf(adjoint, item, label)`` (a missing
    adjoint is zero)."""
    if isinstance(x, dict):
        get = adjoint.get if isinstance(adjoint, dict) else (lambda key, d: d)
        return {
            key: leaf(get(key, 0.0), value, f"{name}[{key!r}]")
            for key, value in x.items()
        }
    if isinstance(adjoint, (list, tuple)):
        parts = adjoint
    elif isinstance(adjoint, np.ndarray) and adjoint.ndim and len(adjoint) == len(x):
        parts = list(adjoint)  # numpy read the list as an array: one row an item
    else:
        parts = [adjoint] * len(x)
    grads = [
        leaf(part, value, f"{name}[{position}]")
        for position, (part, value) in enumerate(zip(parts, x, strict=True))
    ]
    return grads if isinstance(x, list) else type(x)(grads)


def _struct_gradient(adjoint: Any, x: Any, name: str, outer: tuple) -> Any:
    """The gradient of a named tuple, dataclass or object: an object of its
    class, made without ``__init__``, with each field's gradient; fields
    that hold no float (ints, strings, None, settings) get None, also inside
    the containers and objects they hold. ``outer``: the ids of the objects
    this one sits in (a field that refers back to one of them gets None).

    The adjoint is ``Items`` by position for a named tuple, ``Fields`` by
    name for other objects (``structs.unattribute``), or a zero."""
    check_field_names(x, name)
    fields = struct_fields(x)
    outer = (*outer, id(x))
    if is_named_tuple(x) and not isinstance(adjoint, dict):
        if is_zero(adjoint):
            adjoint = [0.0] * len(x)
        adjoints = dict(zip(fields, adjoint, strict=True))
    elif isinstance(adjoint, dict):
        adjoints = adjoint
    elif is_zero(adjoint):
        adjoints = {}
    else:
        raise NoDerivativeRule(
            f"the derivative with respect to '{name}', a {type(x).__name__}, "
            f"came out as a {type(adjoint).__name__}: the function computes "
            "with the object as a whole",
            f"read the fields of '{name}' (p.W) and compute with them",
        )

    def field_gradient(adjoint: Any, value: Any, label: str) -> Any:
        if id(value) in outer:
            return None  # a reference back to an object being built
        if is_struct(value):
            return _struct_gradient(adjoint, value, label, outer)
        if isinstance(value, (dict, list, tuple)):
            return _tree_gradient(adjoint, value, label, field_gradient)
        if differentiable_leaf(value):
            return as_gradient(adjoint, value, label)
        return None

    return new_struct(
        x,
        {
            key: field_gradient(adjoints.get(key, 0.0), value, f"{name}.{key}")
            for key, value in fields.items()
        },
    )


def zero_gradient(x: Any, name: str) -> Any:
    """The gradient of a parameter the output does not depend on."""
    return as_gradient(0.0, x, name)


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum ``g`` over the axes along which ``x`` was broadcast to g's shape."""
    if type(x) is np.ndarray:  # fast paths: same shape, or leading axes
        if type(g) is np.ndarray:
            if g.shape == x.shape:
                return g
            extra = g.ndim - x.ndim
            if extra > 0 and g.shape[extra:] == x.shape:
                return g.sum(axis=0) if extra == 1 else g.sum(axis=tuple(range(extra)))
    elif isinstance(x, float) and not isinstance(g, np.ndarray):
        return g  # a scalar's adjoint that is a scalar
    if type(g) is float and g == 0.0:
        return g  # an adjoint still at zero (a loop trip that did not use it)
    if isinstance(x, (list, tuple)) and isinstance(g, (list, tuple)):
        if len(g) == len(x):  # (the adjoints of its items: an item written)
            return g
        raise joined_containers()
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if g.shape != shape:
        g = np.broadcast_to(g, shape)
    return g


def unbroadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    """``unbroadcast`` to a shape known without the value that has it."""
    if np.shape(g) == shape:
        return g
    return unbroadcast(g, np.broadcast_to(0.0, shape))


def repeat_to(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Spread the adjoint of a reduction of ``x`` back over x's shape."""
    if is_zero(g):
        return g
    arrays = type(g) is np.ndarray and type(x) is np.ndarray
    if arrays and type(axis) is int and (keepdims or g.ndim == x.ndim - 1):
        at = axis % max(x.ndim, 1)  # np.expand_dims, for one axis:
        g = g if keepdims else g.reshape(g.shape[:at] + (1,) + g.shape[at:])
        return np.broadcast_to(g, x.shape)
    shape = np.shape(x)
    if not keepdims and axis is not None:
        g = np.expand_dims(g, normalize_axes(axis, len(shape)))
    return np.broadcast_to(g, shape)


def reduced_count(x: Any, axis: Any = None) -> int:
    """How many elements of ``x`` each entry of a reduction over axis covers."""
    shape = np.shape(x)
    count = 1
    for a in normalize_axes(axis, len(shape)):
        count *= shape[a]
    return count


def extremum_grad(g: Any, x: Any, ans: Any, axis: Any = None, keepdims=False) -> Any:
    """Adjoint of max/min: shared equally among the entries that attain it
    (each share is g / count, divided before it is spread over x)."""
    if is_zero(g):
        return g
    if axis is None and type(x) is np.ndarray and np.ndim(g) == 0:  # one extremum
        mask = x == ans
        return g * mask / np.int64(np.count_nonzero(mask))  # np.sum's dtype
    x = np.asarray(x)
    full = repeat_to(ans, x, axis, keepdims)
    mask = x == full
    count = np.sum(mask, axis=axis, keepdims=True)
    if not keepdims and axis is not None:
        g = np.expand_dims(g, normalize_axes(axis, x.ndim))
    return mask * (g / count)


def picked(a: Any, ans: Any, b: Any) -> Any:
    """1 where max/min(a, b) took ``a``, 0.5 on ties, else 0."""
    return (a == ans) / (1.0 + (a == b))


def inside(a: Any, low: Any, high: Any) -> Any:
    """1 where clip(a, low, high) passed ``a`` through, else 0.

    The mask has the broadcast shape of a, low and high (bounds may be arrays
    when ``a`` is a scalar); the rule's ``unbroadcast`` sums it back to a's.
    """
    mask = np.ones(np.shape(a), dtype=bool)
    if low is not None:
        mask = mask & (a >= low)
    if high is not None:
        mask = mask & (a <= high)
    return mask


def matmul_left(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a`` in ``a @ b``."""
    if is_zero(g):
        return g
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2:
        if b.ndim == 2:
            return np.matmul(g, b.T)
        if b.ndim == 1:  # matrix @ vector
            return np.multiply.outer(g, b)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1 and b_nd == 1:
        ga = g * b
    elif b_nd == 1:
        ga = np.expand_dims(g, -1) * b
    elif a_nd == 1:
        ga = np.matmul(b, np.expand_dims(g, -1))[..., 0]
    else:
        ga = np.matmul(g, np.swapaxes(b, -1, -2))
    return unbroadcast(ga, a)


def matmul_right(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``b`` in ``a @ b``."""
    if is_zero(g):
        return g
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2:
        if b.ndim == 2:
            return np.matmul(a.T, g)
        if b.ndim == 1:  # matrix @ vector: g @ a reads a in its own order
            return np.matmul(g, a)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1 and b_nd == 1:
        gb = g * a
    elif a_nd == 1:
        gb = np.expand_dims(a, -1) * np.expand_dims(g, -2)
    elif b_nd == 1:
        gb = np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0]
    else:
        gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(gb, b)


def _check_dot(a: Any, b: Any) -> None:
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise NoDerivativeRule(
            "np.dot of arrays with more than two dimensions has no derivative rule",
            "use np.matmul (a @ b) or np.tensordot",
        )


def dot_left(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``a`` in ``np.dot(a, b)``."""
    if is_zero(g):
        return g
    _check_dot(a, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return matmul_left(g, a, b)


def dot_right(g: Any, a: Any, b: Any) -> Any:
    """Adjoint of ``b`` in ``np.dot(a, b)``."""
    if is_zero(g):
        return g
    _check_dot(a, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return matmul_right(g, a, b)


def inverse_axes(axes: Any, ndim: int) -> Any:
    """The permutation that undoes ``np.transpose(_, axes)``."""
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


def reshape_like(g: Any, x: Any) -> Any:
    """The adjoint of a reshape of ``x``, in x's shape."""
    return g if is_zero(g) else np.reshape(g, np.shape(x))


def transpose_back(g: Any, axes: Any, x: Any) -> Any:
    """The adjoint of ``np.transpose(x, axes)``, in x's axis order."""
    if is_zero(g):
        return g
    return np.transpose(g, inverse_axes(axes, np.ndim(x)))


def total(g: Any) -> Any:
    """The sum of all of g's entries (g itself when g is a Python float)."""
    return g if type(g) is float else np.sum(g)


def unsum(g: Any, items: Any) -> Items:
    """Adjoints of the items of ``sum(items)``: each receives g, unbroadcast."""
    return Items(unbroadcast(g, item) for item in items)


def unconcatenate(g: Any, arrays: Any, axis: Any = 0) -> Items:
    """Adjoints of the pieces of ``np.concatenate(arrays, axis)``."""
    if is_zero(g):
        return g
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return Items(
            np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays, strict=True)
        )
    if type(g) is np.ndarray and type(axis) is int:  # np.split's views, directly
        before = (slice(None),) * (axis + g.ndim if axis < 0 else axis)
        pieces, start = [], 0
        for a in arrays:
            end = start + np.shape(a)[axis]
            pieces.append(g[(*before, slice(start, end))])
            start = end
        return Items(pieces)
    sizes = [np.shape(a)[axis] for a in arrays]
    return Items(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


def unstack(g: Any, axis: int = 0) -> Items:
    """Adjoints of the pieces of ``np.stack(arrays, axis)``."""
    if is_zero(g):
        return g
    if axis == 0 and type(g) is np.ndarray:
        return Items(g)  # its rows
    return Items(np.moveaxis(g, axis, 0))


def log_or_zero(a: Any) -> Any:
    """log(a), with 0 where a is 0 (the exponent adjoint of 0 ** b)."""
    return np.log(np.where(a == 0, 1.0, a))
