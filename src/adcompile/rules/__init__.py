"""The rule table, grouped by family; importing this package fills it."""

from . import (  # noqa: F401
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
    shapes,
    special,
    ufuncs,
)
from .registry import Primitive, lookup, registered

__all__ = ["Primitive", "lookup", "registered"]
