"""Rules of the runtime helpers that emitted derivative code calls.

With these, derivative code is itself differentiable: forward mode runs
through a gradient function's code (Hessian-vector products, second and
third derivatives).
"""

from __future__ import annotations
