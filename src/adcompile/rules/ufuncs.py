"""Rules of the numpy ufuncs beyond the common ones (see elementwise.py)."""

from __future__ import annotations
