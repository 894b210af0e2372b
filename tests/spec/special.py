"""Rows of the special rules."""

from __future__ import annotations

import numpy as np  # noqa: F401

from tests.spec.table import away, data, row, shape_id  # noqa: F401
