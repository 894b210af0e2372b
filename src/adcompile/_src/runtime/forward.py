"""Runtime helpers of forward mode: zero tangents, broadcasting, outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import BadTangent, IntegerInput
from adcompile._src.runtime.support import (
    Fields,
    check_field_names,
    differentiable_leaf,
    is_struct,
    joined_containers,
    new_struct,
    rebuilt,
    struct_fields,
)


def zero_tangent(value: Any, outer: tuple[int, ...] = ()) -> Any:
    """The tangent of a value that does not depend on the inputs: zeros
    shaped like it (0.0 for a float, a container of zeros for a container,
    an object of its class with zero fields for an object with fields; a
    field referring back to an object it sits in, ``outer``, gets 0.0)."""
    if type(value) is np.ndarray:
        return np.zeros(value.shape, dtype=np.result_type(value.dtype, float))
    if id(value) in outer:
        return 0.0
    if isinstance(value, (list, tuple)) and not is_struct(value):
        return rebuilt(value, [zero_tangent(v, outer) for v in value])
    if isinstance(value, dict):  # entries that add up entry by entry
        return Fields({k: zero_tangent(v, outer) for k, v in value.items()})
    if isinstance(value, np.generic):
        return np.zeros((), dtype=np.result_type(value.dtype, float))[()]
    if is_struct(value):
        inside = (*outer, id(value))
        fields = struct_fields(value).items()
        return new_struct(value, {k: zero_tangent(v, inside) for k, v in fields})
    return 0.0


def broadcast_tangent(t: Any, ans: Any) -> Any:
    """A tangent of an operand that broadcasting enlarged, in the result's shape
    (containers of adjoints, which add item by item, are left as they are)."""
    if isinstance(ans, (tuple, list, dict)):
        if isinstance(ans, (tuple, list)) and (
            not isinstance(t, (tuple, list)) or len(t) != len(ans)
        ):
            raise joined_containers()
        return t
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape)


def as_tangent(t: Any, value: Any) -> Any:
    """The output tangent in the type and shape of the output ``value``: a
    float for a float, a new array for an array, containers item by item."""
    if isinstance(value, (list, tuple)):
        if isinstance(t, (list, tuple)) and len(t) == len(value):
            items = [as_tangent(a, b) for a, b in zip(t, value, strict=True)]
            return rebuilt(value, items)
        return zero_tangent(value)
    if isinstance(value, dict):  # a missing entry of the tangent is zero
        given = t if isinstance(t, dict) else {}
        items = {
            k: as_tangent(given[k], v) if k in given else zero_tangent(v)
            for k, v in value.items()
        }
        return Fields(items) if isinstance(value, Fields) else items
    if is_struct(value) and type(t) is not type(value):
        if not isinstance(t, dict):
            return zero_tangent(value)
        return new_struct(  # (fields written, with_field: Fields by name)
            value,
            {
                k: as_tangent(t[k], v) if k in t else zero_tangent(v)
                for k, v in struct_fields(value).items()
            },
        )
    if isinstance(value, float):
        return float(t)
    if isinstance(value, np.ndarray):
        out = np.empty(value.shape, dtype=np.result_type(value.dtype, float))
        out[...] = t
        return out
    if isinstance(value, np.generic):
        return np.result_type(value.dtype, float).type(t)
    return t


def check_tangent(t: Any, x: Any, name: str) -> Any:
    """A tangent passed in for parameter ``name``: shaped like ``x``, real.
    For a named tuple, dataclass or object, an object of the same class."""
    if is_struct(x):
        return _struct_tangent(t, x, name, ())
    if isinstance(x, (list, tuple)):
        if not isinstance(t, (list, tuple)) or len(t) != len(x):
            raise BadTangent(
                f"the tangent for '{name}' must be a {type(x).__name__} of "
                f"{len(x)} items, like '{name}'",
                "pass tangents with the same structure as the primals",
            )
        return type(x)(
            check_tangent(a, b, f"{name}[{i}]")
            for i, (a, b) in enumerate(zip(t, x, strict=True))
        )
    if isinstance(x, dict):
        return {k: check_tangent(t[k], v, f"{name}[{k!r}]") for k, v in x.items()}
    dtype = np.asarray(x).dtype
    if not np.issubdtype(dtype, np.floating):
        raise IntegerInput(
            f"a tangent for '{name}', which is {'an array of ' if np.ndim(x) else ''}"
            f"dtype {dtype}: integers have no tangent",
            f"pass '{name}' as a float or float array, or its tangent as None",
        )
    if np.shape(t) != np.shape(x):
        raise BadTangent(
            f"the tangent for '{name}' has shape {np.shape(t)}, but '{name}' has "
            f"shape {np.shape(x)}",
            "pass a tangent of the same shape as its primal",
        )
    return t


def _struct_tangent(t: Any, x: Any, name: str, outer: tuple) -> Any:
    """The tangent given for an object with fields: an object of x's class
    whose fields are checked tangents of x's; fields that hold no float
    (ints, strings, None, settings) get a zero tangent, whatever was given;
    so does a field referring back to an object it sits in (``outer``)."""
    check_field_names(x, name)
    if type(t) is not type(x):
        raise BadTangent(
            f"the tangent for '{name}' must be a {type(x).__name__}, like "
            f"'{name}'; it is a {type(t).__name__}",
            "pass tangents with the same structure as the primals (for an "
            "object, one of its class: dataclasses.replace(p, W=dW, ...))",
        )
    given = struct_fields(t)
    outer = (*outer, id(x))

    def field_tangent(t: Any, value: Any, label: str) -> Any:
        if id(value) in outer:
            return 0.0
        if is_struct(value):
            return _struct_tangent(t, value, label, outer)
        if isinstance(value, (list, tuple)) and isinstance(t, (list, tuple)):
            if len(t) == len(value):
                items = [
                    field_tangent(a, b, f"{label}[{i}]")
                    for i, (a, b) in enumerate(zip(t, value, strict=True))
                ]
                return rebuilt(value, items)
        if isinstance(value, dict) and isinstance(t, dict):
            return {
                k: field_tangent(t.get(k), v, f"{label}[{k!r}]")
                for k, v in value.items()
            }
        if differentiable_leaf(value) or isinstance(value, (list, tuple, dict)):
            return check_tangent(t, value, label)
        return zero_tangent(value)

    return new_struct(
        x,
        {
            key: field_tangent(given.get(key), value, f"{name}.{key}")
            for key, value in struct_fields(x).items()
        },
    )
