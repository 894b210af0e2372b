"""The spec table of the rule table: one module of rows per family of rules."""

from __future__ import annotations

from tests.spec import (  # noqa: F401
    compositions,
    constructors,
    einsum,
    elementwise,
    indexing,
    joining,
    linalg,
    math_module,
    methods,
    more_numpy,
    norms,
    products,
    reductions,
    scans,
    sequences,
    shapes,
    special,
    statistics,
    stats,
    ufuncs,
)
from tests.spec.table import ROWS, Row

__all__ = ["ROWS", "Row"]
