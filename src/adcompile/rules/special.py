"""Rules of ``scipy.special``, registered only when scipy is installed."""

from __future__ import annotations
