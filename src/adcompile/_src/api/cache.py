"""``clear_cache``: forget the derivative code adcompile has written."""

from __future__ import annotations

from adcompile._src.compilation import compiler, disk_cache


def clear_cache() -> int:
    """Empty the disk cache (see the guide's "Caching") and this process's
    in-memory caches; returns the number of disk entries removed. Gradient
    functions already made keep the code they compiled."""
    compiler.clear_caches()
    return disk_cache.clear()
