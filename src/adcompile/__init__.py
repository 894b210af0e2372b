"""adcompile: source-to-source reverse-mode automatic differentiation for NumPy.

import adcompile

@adcompile.grad
def loss(w):
    return np.sum(np.tanh(w) ** 2)

loss(np.ones(3))          # the gradient
print(loss.source)        # the gradient function adcompile wrote
"""

from ._version import __version__
from .api import GradientFunction, grad, source, value_and_grad, vjp
from .errors import (
    AdcompileError,
    BadWrt,
    IntegerInput,
    NoDerivativeRule,
    NonScalarOutput,
    SourceUnavailable,
    UnresolvedName,
    UnsupportedSyntax,
)

__all__ = [
    "AdcompileError",
    "BadWrt",
    "GradientFunction",
    "IntegerInput",
    "NoDerivativeRule",
    "NonScalarOutput",
    "SourceUnavailable",
    "UnresolvedName",
    "UnsupportedSyntax",
    "__version__",
    "grad",
    "source",
    "value_and_grad",
    "vjp",
]
