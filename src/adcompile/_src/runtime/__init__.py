"""Runtime helpers called by emitted derivative code.

The helpers live in one module per family of rules and depend on numpy only,
so that ahead-of-time gradient modules can carry copies of the helpers they
use. Every helper is a small pure function: none mutates its arguments (the
arrays it writes into are ones it allocated). ``HELPERS`` maps each public
helper's name to it; ``NAMESPACE`` holds every name the helpers' modules
define, private ones included, for copying helpers with what they need.
``support`` holds what several helper modules share; it defines no helper.
"""

from __future__ import annotations

from typing import Any

from adcompile._src.runtime import (
    apart,
    containers,
    core,
    elementwise,
    forward,
    linalg,
    methods,
    more_numpy,
    norms,
    products,
    reductions,
    reuse,
    revolve,
    scans,
    sequences,
    shapes,
    special,
    structs,
    support,  # not a module of helpers: aot_runtime copies from it
    writes,
)

MODULES = (
    containers,
    writes,
    apart,
    core,
    elementwise,
    reductions,
    sequences,
    scans,
    norms,
    shapes,
    products,
    linalg,
    special,
    more_numpy,
    methods,
    forward,
    reuse,
    structs,
    revolve,
)


def _collect() -> tuple[dict[str, Any], dict[str, Any]]:
    helpers: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for module in MODULES:
        for name, obj in vars(module).items():
            if name.startswith("__"):
                continue
            namespace.setdefault(name, obj)
            if (
                callable(obj)
                and not name.startswith("_")
                and getattr(obj, "__module__", None) == module.__name__
            ):
                if name in helpers:
                    raise ImportError(f"runtime helper {name} is defined twice")
                helpers[name] = obj
    for name, obj in vars(support).items():  # what its shared code calls
        if not name.startswith("__"):
            namespace.setdefault(name, obj)
    return helpers, namespace


HELPERS, NAMESPACE = _collect()
globals().update(HELPERS)
