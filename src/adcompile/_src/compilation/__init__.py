"""Compilation: a function, ``wrt`` and options to a compiled, cached
derivative (``Compiled``).

``compiler`` runs the stages once per (function, wrt, kind, options) and
caches the result in memory; ``disk_cache`` (keyed by ``cache_key``) keeps
the emitted text and its code across processes; ``executable`` makes the
text a Python function; ``specialized`` compiles and dispatches the variants
for argument shapes.

Invariant: a cached derivative is reused only while everything it was made
from is unchanged: the source, what its names denote, the rules, and the
versions of Python, numpy and adcompile.
"""
