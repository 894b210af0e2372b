"""Runtime helpers of the reductions rules (numpy only; see adcompile.runtime)."""

from __future__ import annotations

from typing import Any  # noqa: F401

import numpy as np  # noqa: F401
