"""Arithmetic written into its first argument, when that changes nothing.

Variants of straight-line gradients (``adcompile.reuse``) call these on an
array the backward sweep made, that no other name sees and that no later
line reads. Each writes the result into that array only when the result is
exactly what the plain operation would give, in the same place: a float64
array, and an operand that is a Python number, a float64 scalar, or a
float64 array of the same shape. Otherwise it computes the plain operation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NDARRAY = np.ndarray
_FLOAT64 = np.dtype(np.float64)
_SCALARS = (float, int, np.float64)


def _writable(a: Any, b: Any) -> bool:
    if type(a) is not _NDARRAY or a.dtype != _FLOAT64 or not a.flags.writeable:
        return False
    kind = type(b)
    if kind is _NDARRAY:
        return b.dtype == _FLOAT64 and b.shape == a.shape
    return kind in _SCALARS


def add_into(a: Any, b: Any) -> Any:
    """``a + b``, stored in ``a`` where that gives the same array."""
    return np.add(a, b, out=a) if _writable(a, b) else a + b


def subtract_into(a: Any, b: Any) -> Any:
    """``a - b``, stored in ``a`` where that gives the same array."""
    return np.subtract(a, b, out=a) if _writable(a, b) else a - b


def multiply_into(a: Any, b: Any) -> Any:
    """``a * b``, stored in ``a`` where that gives the same array."""
    return np.multiply(a, b, out=a) if _writable(a, b) else a * b


def divide_into(a: Any, b: Any) -> Any:
    """``a / b``, stored in ``a`` where that gives the same array."""
    return np.divide(a, b, out=a) if _writable(a, b) else a / b


def negative_into(a: Any) -> Any:
    """``-a``, stored in ``a`` where that gives the same array."""
    return np.negative(a, out=a) if _writable(a, 0.0) else -a
