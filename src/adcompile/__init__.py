"""adcompile: source-to-source reverse-mode automatic differentiation for NumPy.

import adcompile

@adcompile.grad
def loss(w):
    return np.sum(np.tanh(w) ** 2)

loss(np.ones(3))          # the gradient
print(loss.source)        # the gradient function adcompile wrote

The implementation lives in ``adcompile._src`` (one package per stage of the
pipeline); what is public is what this module and ``adcompile.custom``
export.
"""

from adcompile import custom
from adcompile._src.api.api import grad, jvp, source, value_and_grad, vjp
from adcompile._src.api.cache import clear_cache
from adcompile._src.api.custom import custom_vjp
from adcompile._src.api.functions import GradientFunction
from adcompile._src.api.higher import hessian, hvp, jacfwd, jacrev
from adcompile._src.api.nested import NestedGradient
from adcompile._src.compilation.disk_cache import AdcompileCacheWarning
from adcompile._src.errors import (
    AdcompileError,
    BadTangent,
    BadWrt,
    CheckpointError,
    IntegerInput,
    NoDerivativeRule,
    NonScalarOutput,
    SourceUnavailable,
    UnresolvedName,
    UnsupportedSyntax,
)
from adcompile._src.normal.checkpoint import checkpoint
from adcompile._version import __version__

__all__ = [
    "AdcompileCacheWarning",
    "AdcompileError",
    "BadTangent",
    "BadWrt",
    "CheckpointError",
    "GradientFunction",
    "IntegerInput",
    "NestedGradient",
    "NoDerivativeRule",
    "NonScalarOutput",
    "SourceUnavailable",
    "UnresolvedName",
    "UnsupportedSyntax",
    "__version__",
    "checkpoint",
    "clear_cache",
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


def __dir__() -> list[str]:
    """The public API only (the implementation's packages stay out of tab
    completion)."""
    return list(__all__)
