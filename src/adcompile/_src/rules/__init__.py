"""The rule table, grouped by family; importing this package fills it.

Input: the objects user code calls (``numpy.sin``, ``operator.matmul``, a
runtime helper). Output: their ``registry.Primitive``: how the call is
spelled, and a reverse and a forward template per differentiable parameter.

Invariant: every template is parsed and checked once (each placeholder
used and replaced, every other name ``np``, ``math`` or a runtime helper);
rules are keyed by object, never by spelling.
"""

from adcompile._src.rules import (  # noqa: F401
    constructors,
    elementwise,
    helpers,
    indexing,
    joining,
    linalg,
    math_module,
    methods,
    more_numpy,
    nondiff,
    operators,
    patterns,
    products,
    reductions,
    scans,
    sequences,
    shapes,
    special,
    stats,
    ufuncs,
)
from adcompile._src.rules.registry import Primitive, lookup, registered

__all__ = ["Primitive", "lookup", "registered"]
