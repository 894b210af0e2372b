"""Emitted text made a Python function: ``Compiled``.

The text is wrapped in a factory whose parameters are the names it reads
(numpy, the runtime helpers, the pullbacks of the user functions it calls,
the function's closure values), executed in the user's module globals, and
registered with ``linecache`` so that tracebacks and pdb show it. Code
compiled before (a disk-cache entry carrying it) is reused when it was
compiled from this very text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import linecache
import marshal
import math
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from adcompile._src import runtime
from adcompile._src.compilation import disk_cache
from adcompile._src.compilation.specialized import parse_shapes
from adcompile._src.errors import Location, SourceUnavailable
from adcompile._src.read import calls
from adcompile._src.read.source import closure_values, visible_names
from adcompile._src.read.written_returns import resolve


@dataclass
class Compiled:
    """One compiled variant of a gradient."""

    function: Callable[..., Any]
    source: str
    filename: str
    result_location: Location | None
    tangent_names: tuple[str, ...] = ()  # jvp: the tangent parameters, in order
    wrt_names: tuple[str, ...] = ()  # the parameters they are the tangents of
    # the functions it calls: (dotted name, the object it denoted), and what
    # it was compiled from, to compile it again if a name is rebound
    callees: tuple[tuple[str, Any], ...] = ()
    entry: Any = None


def executable(
    function: types.FunctionType,
    entry: disk_cache.Entry,
    kind: str,
    wrt_key: tuple[tuple[str, ...], bool],
) -> Compiled:
    """The emitted text of ``entry`` as a Python function of ``function``'s
    module: the names it reads bound (numpy, helpers, callees' pullbacks,
    closure values), its source registered with ``linecache``."""
    text = entry.text
    used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    values: dict[str, Any] = {}
    objects: dict[str, Any] = {"np": np, "math": math, **runtime.HELPERS}
    for canonical, name in entry.bindings.items():
        if name in used:
            values[name] = objects[canonical]
    scope = visible_names(function) if entry.calls else {}
    callees: list[tuple[str, Any]] = []
    for name, (callee, call_wrt, call_shapes) in entry.calls.items():
        if name not in used:
            continue
        if callee:
            try:
                target = resolve(scope, callee)
                callees.append((callee, target))
            except (KeyError, AttributeError):
                raise SourceUnavailable(
                    f"{function.__qualname__} calls {callee}, which its module "
                    "no longer defines",
                    "differentiate a function whose callees are module-level "
                    "names of its own module (or reload the module)",
                ) from None
            shapes = parse_shapes(call_shapes)
            if call_wrt[:1] == (calls.APPLY,):  # recomputed: apply_g(g_adjoint, ...)
                values[name] = calls.LazyApply(target, call_wrt[1:], shapes)
            else:
                values[name] = calls.LazyVjp(target, call_wrt, shapes)
        elif call_wrt == ("jvp",):  # dispatch at run time: tangents,
            values[name] = calls.jvp_call
        elif call_wrt == (calls.APPLY,):  # applied vjps,
            values[name] = calls.apply_call
        else:  # or pullbacks
            values[name] = calls.vjp_call
    for name, value in closure_values(function).items():
        if name in used and name not in values:
            values[name] = value
    name = f"{kind}_{entry.name}"
    wrt_text = ",".join(wrt_key[0])
    filename = f"<adcompile {kind} of {function.__module__}.{function.__qualname__}"
    # the text's hash keeps two functions of one name (redefined, made in a
    # loop, gradients of one function wrt different parameters) apart in
    # linecache, where tracebacks and the source of derivative code are read
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
    filename += f" wrt {wrt_text} #{digest}>"
    factory = "__adcompile_factory__"
    indented = "".join(
        f"    {line}" if line.strip() else line for line in text.splitlines(True)
    )
    parameters = ", ".join(sorted(values))  # the same text whatever the order
    full = f"def {factory}({parameters}):\n{indented}    return {name}\n"
    code, entry = _code(full, filename, entry)
    namespace: dict[str, Any] = {}
    exec(code, function.__globals__, namespace)
    gradient = namespace[factory](**values)
    cells = zip(gradient.__code__.co_freevars, gradient.__closure__ or (), strict=True)
    for cell_name, cell in cells:
        if isinstance(values.get(cell_name), calls.LazyVjp):
            values[cell_name].cells.append(cell)
    gradient.__defaults__ = function.__defaults__
    gradient.__kwdefaults__ = function.__kwdefaults__
    gradient.__qualname__ = name
    gradient.__module__ = function.__module__
    lines = full.splitlines(True)
    linecache.cache[filename] = (len(full), None, lines, filename)
    tangent_names: tuple[str, ...] = ()
    if kind == "jvp":  # keyword-only parameters after the function's own
        code = gradient.__code__
        start = code.co_argcount
        kwonly = code.co_varnames[start : start + code.co_kwonlyargcount]
        own = function.__code__.co_kwonlyargcount
        tangent_names = kwonly[own:]
    return Compiled(
        gradient,
        text,
        filename,
        entry.location,
        tangent_names,
        wrt_key[0],
        tuple(callees),
        entry,
    )


def _code(
    full: str, filename: str, entry: disk_cache.Entry
) -> tuple[types.CodeType, disk_cache.Entry]:
    """The code of ``full``: the entry's, when it was compiled from this very
    text, else compiled now (and the entry with it, for the disk cache)."""
    digest = hashlib.sha256(full.encode()).hexdigest()
    if entry.code is not None and entry.code_of == digest:
        try:
            code = marshal.loads(entry.code)
            if isinstance(code, types.CodeType) and code.co_filename == filename:
                return code, entry
        except (EOFError, ValueError, TypeError):
            pass  # compiled again below
    code = compile(full, filename, "exec")
    return code, dataclasses.replace(entry, code=marshal.dumps(code), code_of=digest)
