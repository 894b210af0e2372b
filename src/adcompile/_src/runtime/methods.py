"""Runtime helpers that stand for methods numpy has no function for:
``x.astype(dtype)``, ``x.item()`` and ``x.copy()`` (numpy only)."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_type(x: Any, dtype: Any) -> Any:
    """``x.astype(dtype)``."""
    return np.asarray(x).astype(dtype)


def cast_adjoint(g: Any, x: Any, dtype: Any) -> Any:
    """The adjoint of ``x.astype(dtype)``: g itself for a float dtype, zero
    for an integer or boolean one (rounding is piecewise constant)."""
    if np.issubdtype(np.dtype(dtype), np.floating):
        return g
    return 0.0


def item_of(x: Any) -> Any:
    """``x.item()``: the one entry of a size-1 array, as a Python scalar."""
    return np.asarray(x).item()


def spread_item(g: Any, x: Any) -> Any:
    """The adjoint of ``x.item()``: g in x's (size-1) shape."""
    return np.reshape(np.asarray(g, dtype=float), np.shape(x))


def copy_of(x: Any) -> Any:
    """``x.copy()`` as the value's own method makes it: a new array for an
    array, a new dict or list (holding the same items) for a dict or list;
    a number is its own copy."""
    if isinstance(x, (int, float, complex)):
        return x
    return x.copy()
