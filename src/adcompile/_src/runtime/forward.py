"""Runtime helpers of forward mode: zero tangents, broadcasting, outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import BadTangent, IntegerInput
from adcompile._src.runtime.support import Fields, joined_containers


def zero_tangent(value: Any) -> Any:
    """The tangent of a value that does not depend on the inputs: zeros
    shaped like it (0.0 for a float, a container of zeros for a container)."""
    if type(value) is np.ndarray:
        return np.zeros(value.shape, dtype=np.result_type(value.dtype, float))
    if isinstance(value, (list, tuple)):
        return _rebuilt(value, [zero_tangent(v) for v in value])
    if isinstance(value, dict):  # entries that add up entry by entry
        return Fields({k: zero_tangent(v) for k, v in value.items()})
    if isinstance(value, np.generic):
        return np.zeros((), dtype=np.result_type(value.dtype, float))[()]
    return 0.0


def _rebuilt(value: Any, items: list[Any]) -> Any:
    """A container of ``value``'s type (named tuples too) holding ``items``."""
    if hasattr(value, "_fields"):
        return type(value)(*items)
    return type(value)(items)


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
            return _rebuilt(value, items)
        return zero_tangent(value)
    if isinstance(value, dict):
        return {k: as_tangent(t[k], v) for k, v in value.items()}
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
    """A tangent passed in for parameter ``name``: shaped like ``x``, real."""
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
