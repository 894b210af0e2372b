"""adcompile: source-to-source reverse-mode automatic differentiation for NumPy.

import adcompile

@adcompile.grad
def loss(w):
    return np.sum(np.tanh(w) ** 2)

loss(np.ones(3))          # the gradient
print(loss.source)        # the gradient function adcompile wrote
"""

from . import custom
from ._version import __version__
from .api import GradientFunction, grad, jvp, source, value_and_grad, vjp
from .custom import custom_vjp
from .errors import (
    AdcompileError,
    BadTangent,
    BadWrt,
    IntegerInput,
    NoDerivativeRule,
    NonScalarOutput,
    SourceUnavailable,
    UnresolvedName,
    UnsupportedSyntax,
)
from .higher import hessian, hvp, jacfwd, jacrev

__all__ = [
    "AdcompileError",
    "BadTangent",
    "BadWrt",
    "GradientFunction",
    "IntegerInput",
    "NoDerivativeRule",
    "NonScalarOutput",
    "SourceUnavailable",
    "UnresolvedName",
    "UnsupportedSyntax",
    "__version__",
    "custom",
    "custom_vjp",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacrev",
    "jvp",
    "source",
    "value_and_grad",
    "vjp",
]
