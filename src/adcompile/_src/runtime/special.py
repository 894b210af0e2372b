"""Runtime helpers of the scipy.special and scipy.stats.norm rules (numpy
only; see adcompile._src.runtime). Digamma and polygamma are the elementwise
family's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.core import repeat_to
from adcompile._src.runtime.support import is_zero


def ratio_or_zero(x: Any, y: Any) -> Any:
    """``x / y``, and 0 where x is 0 (where xlogy and xlog1py are 0 too)."""
    x = np.asarray(x, dtype=float)
    zero = x == 0.0
    return np.where(zero, 0.0, x / np.where(zero, 1.0, y))


def axis_total(x: Any, axis: Any) -> Any:
    """``np.sum(x, axis, keepdims=True)`` (0.0 when x is a zero adjoint)."""
    return 0.0 if is_zero(x) else np.sum(x, axis=axis, keepdims=True)


def lse_weights(
    a: Any, lse: Any, axis: Any, keepdims: Any, b: Any, return_sign: Any
) -> Any:
    """``b * exp(a - lse)``: the derivative of ``lse = logsumexp(a, axis,
    b=b, keepdims=keepdims)`` with respect to each entry of a."""
    if return_sign:
        raise NoDerivativeRule(
            "scipy.special.logsumexp with return_sign=True has no derivative rule",
            "drop return_sign (the weights b of a differentiated logsumexp must "
            "keep the sum positive)",
        )
    if b is not None and np.shape(np.broadcast(a, b)) != np.shape(a):
        raise NoDerivativeRule(
            f"scipy.special.logsumexp with weights b of shape {np.shape(b)} that "
            f"enlarge a of shape {np.shape(a)} has no derivative rule",
            "broadcast a to the shape of b first",
        )
    weights = np.exp(a - repeat_to(lse, a, axis, keepdims))
    return weights if b is None else weights * b


_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def normal_pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density of the normal distribution of mean ``loc`` and standard
    deviation ``scale`` at ``x`` (``scipy.stats.norm.pdf`` for scale > 0)."""
    z = (x - loc) / scale
    return np.exp(-0.5 * z * z) / (math.sqrt(2.0 * math.pi) * scale)


def normal_logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of ``normal_pdf``, computed without forming the density (so
    finite far in the tails, where the density underflows to 0)."""
    z = (x - loc) / scale
    return -0.5 * z * z - np.log(scale) - _LOG_SQRT_2PI
