"""The pipeline, compilation of emitted source, and the in-process cache.

``derivative_of(f, wrt)`` runs read -> fence -> normalize -> differentiate
once per (function, wrt, options) and caches the result; ``compiled(f, wrt,
kind)`` turns one variant of it into a Python function, registered with
``linecache`` so tracebacks and pdb show the generated lines. Both caches
are keyed by the function object (weakly) and guarded by one lock.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import inspect
import linecache
import math
import re
import threading
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import calls, disk_cache, fence, rules, runtime
from .emit import emit, format_source
from .errors import BadWrt, Location, UnsupportedSyntax
from .normalize import _all_names, normalize
from .reverse import Derivative, differentiate
from .source import closure_values, read_function, unwrap_function

_ = rules  # importing the package fills the rule registry


@dataclass(frozen=True)
class Options:
    """Options of a transformation; part of every cache key."""

    formatted: bool = False  # run black on the source before compiling
    has_aux: bool = False  # the function returns (value, auxiliary data)


DEFAULT_OPTIONS = Options()


@dataclass
class Compiled:
    """One compiled variant of a gradient."""

    function: Callable[..., Any]
    source: str
    filename: str
    result_location: Location | None


WrtKey = tuple[tuple[str, ...], bool]

_lock = threading.RLock()
_derivatives: weakref.WeakKeyDictionary[types.FunctionType, dict[Any, Derivative]] = (
    weakref.WeakKeyDictionary()
)
_compiled: weakref.WeakKeyDictionary[types.FunctionType, dict[Any, Compiled]] = (
    weakref.WeakKeyDictionary()
)


def resolve_wrt(function: types.FunctionType, wrt: Any) -> WrtKey:
    """Normalize ``wrt`` (index, name, or a tuple of them) to parameter names."""
    params = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    names = [p.name for p in params]
    is_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if is_tuple else [wrt]
    if is_tuple and not items:
        raise BadWrt(
            "wrt is an empty tuple", "name at least one parameter to differentiate"
        )
    chosen: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise BadWrt(
                f"wrt={item!r} is neither a parameter index nor a parameter name",
                f"use an index (0 to {len(names) - 1}) or a name of "
                f"{function.__qualname__}({', '.join(names)})",
            )
        if isinstance(item, int):
            if not -len(names) <= item < len(names):
                raise BadWrt(
                    f"wrt={item} but {function.__qualname__} has {len(names)} "
                    f"parameter(s): {', '.join(names) or 'none'}",
                    f"use an index from 0 to {len(names) - 1}, or a parameter name",
                )
            item = names[item]
        elif item not in names:
            raise BadWrt(
                f"wrt={item!r} names no parameter of {function.__qualname__}"
                f"({', '.join(names)})",
                "use one of the parameter names, or an index",
            )
        if item in chosen:
            raise BadWrt(f"wrt names '{item}' twice", "name each parameter once")
        chosen.append(item)
    return tuple(chosen), is_tuple


def choose_bindings(function: types.FunctionType, taken: set[str]) -> dict[str, str]:
    """Names for numpy, math and the runtime helpers in emitted code.

    The conventional name (``np``) is used unless the user's function uses
    that name for something else; then a fresh one (``np_``) is chosen.
    """
    wanted: dict[str, Any] = {"np": np, "math": math, **runtime.HELPERS}
    scope = {**vars(builtins), **function.__globals__, **closure_values(function)}
    code = function.__code__
    local = set(code.co_varnames) | set(code.co_cellvars)
    bindings: dict[str, str] = {}
    for name, obj in wanted.items():
        chosen = name
        while chosen in local or (
            chosen in taken and scope.get(chosen, obj) is not obj
        ):
            chosen += "_"
        bindings[name] = chosen
    return bindings


def derivative_of(
    f: Any, wrt: Any = 0, options: Options = DEFAULT_OPTIONS
) -> tuple[types.FunctionType, WrtKey, Derivative]:
    """The (cached) reverse-mode derivative of ``f`` with respect to ``wrt``."""
    function = unwrap_function(f)
    wrt_key = resolve_wrt(function, wrt)
    key = (wrt_key, options)
    with _lock:
        cached = _derivatives.get(function, {}).get(key)
        if cached is not None:
            return function, wrt_key, cached
        source = read_function(function)
        fence.check(source)
        names = _all_names(source.module)
        bindings = choose_bindings(function, names)
        program = normalize(
            source,
            list(wrt_key[0]),
            wrt_key[1],
            bindings["np"],
            options.has_aux,
            names=names,
        )
        derivative = differentiate(program, bindings)
        derivative.result_location = source.last_return_location()
        _derivatives.setdefault(function, {})[key] = derivative
        return function, wrt_key, derivative


def source_of(
    f: Any, wrt: Any = 0, kind: str = "grad", options: Options = DEFAULT_OPTIONS
) -> str:
    """The black-formatted source of the gradient function."""
    _, _, derivative = derivative_of(f, wrt, options)
    return format_source(emit(derivative, kind))


def compiled(
    f: Any, wrt: Any = 0, kind: str = "grad", options: Options = DEFAULT_OPTIONS
) -> Compiled:
    """The (cached) compiled gradient function of one variant."""
    if hasattr(f, "compiled") and hasattr(f, "kind") and hasattr(f, "__wrapped__"):
        raise UnsupportedSyntax(
            "the gradient of a gradient function: higher-order derivatives are "
            "not supported yet",
            "differentiate the original function once; for second derivatives, "
            "use finite differences of the gradient for now",
        )
    if type(f) is not types.FunctionType and calls.python_callable(f):
        function, shifted, bound = calls.bind_target(f, _as_tuple(wrt))
        if bound:  # a bound method or callable object: ``self`` comes first
            inner = compiled(
                function, shifted if _is_tuple(wrt) else shifted[0], kind, options
            )
            return dataclasses.replace(
                inner, function=functools.partial(inner.function, *bound)
            )
    function = f if type(f) is types.FunctionType else unwrap_function(f)
    raw_key = (tuple(wrt) if isinstance(wrt, list) else wrt, kind, options)
    per_function = _compiled.get(function)
    if per_function is not None:  # fast path: no signature inspection
        try:
            hit = per_function.get(raw_key)
        except TypeError:  # an unhashable wrt: resolve_wrt explains
            hit = None
        if hit is not None:
            return hit
    wrt_key = resolve_wrt(function, wrt)
    key = (wrt_key, kind, options)
    with _lock:
        cached = _compiled.get(function, {}).get(key)
        if cached is not None:
            _compiled[function][raw_key] = cached
            return cached
        disk_key = disk_cache.key_for(function, wrt_key, kind, options)
        entry = disk_cache.load(disk_key)
        if entry is None:
            _, _, derivative = derivative_of(function, wrt, options)
            text = emit(derivative, kind)
            if options.formatted:
                text = format_source(text)
            entry = disk_cache.Entry(
                text,
                derivative.program.name,
                derivative.bindings,
                derivative.result_location,
                derivative.call_bindings,
            )
            disk_cache.store(disk_key, entry)
        result = _compile(function, entry, kind, wrt_key)
        per_function = _compiled.setdefault(function, {})
        per_function[key] = per_function[raw_key] = result
        return result


def _as_tuple(wrt: Any) -> tuple[Any, ...]:
    return tuple(wrt) if _is_tuple(wrt) else (wrt,)


def _is_tuple(wrt: Any) -> bool:
    return isinstance(wrt, (tuple, list))


def _resolve_dotted(function: types.FunctionType, dotted: str) -> Any:
    """The object ``a.b.c`` names in the function's closure, globals, builtins."""
    head, *rest = dotted.split(".")
    scope = {**vars(builtins), **function.__globals__, **closure_values(function)}
    obj = scope[head]
    for attribute in rest:
        obj = getattr(obj, attribute)
    return obj


def _compile(
    function: types.FunctionType, entry: disk_cache.Entry, kind: str, wrt_key: WrtKey
) -> Compiled:
    text = entry.text
    used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    values: dict[str, Any] = {}
    objects: dict[str, Any] = {"np": np, "math": math, **runtime.HELPERS}
    for canonical, name in entry.bindings.items():
        if name in used:
            values[name] = objects[canonical]
    for name, (callee, call_wrt) in entry.calls.items():
        if name in used:
            values[name] = (
                calls.LazyVjp(_resolve_dotted(function, callee), call_wrt)
                if callee
                else calls.vjp_call
            )
    for name, value in closure_values(function).items():
        if name in used and name not in values:
            values[name] = value
    name = f"{kind}_{entry.name}"
    wrt_text = ",".join(wrt_key[0])
    filename = f"<adcompile {kind} of {function.__module__}.{function.__qualname__}"
    filename += f" wrt {wrt_text}>"
    factory = "__adcompile_factory__"
    indented = "".join(
        f"    {line}" if line.strip() else line for line in text.splitlines(True)
    )
    full = f"def {factory}({', '.join(values)}):\n{indented}    return {name}\n"
    code = compile(full, filename, "exec")
    namespace: dict[str, Any] = {}
    exec(code, function.__globals__, namespace)
    gradient = namespace[factory](**values)
    gradient.__defaults__ = function.__defaults__
    gradient.__kwdefaults__ = function.__kwdefaults__
    gradient.__qualname__ = name
    gradient.__module__ = function.__module__
    lines = full.splitlines(True)
    linecache.cache[filename] = (len(full), None, lines, filename)
    return Compiled(gradient, text, filename, entry.location)
