"""The spec table of the rule table: one module of rows per family of rules."""

from __future__ import annotations

from tests.spec import (  # noqa: F401
    compositions,
    elementwise,
    linalg,
    math_module,
    products,
    reductions,
    shapes,
    special,
    ufuncs,
)
from tests.spec.table import ROWS, Row

__all__ = ["ROWS", "Row"]
