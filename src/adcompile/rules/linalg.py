"""Rules of ``np.linalg``."""

from __future__ import annotations
