"""The pipeline, compilation of emitted source, and the in-process cache.

``derivative_of(f, wrt)`` runs read -> fence -> normalize -> differentiate
once per (function, wrt, options) and caches the result; ``compiled(f, wrt,
kind)`` turns one variant of it into a Python function, registered with
``linecache`` so tracebacks and pdb show the generated lines. Both caches
are keyed by the function object (weakly) and guarded by one lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import inspect
import math
import threading
import types
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from adcompile._src import rules, runtime
from adcompile._src.compilation import cache_key, disk_cache
from adcompile._src.compilation.executable import Compiled, executable
from adcompile._src.compilation.specialized import (
    specialized_program,
    tolerate,
)
from adcompile._src.emit.emit import emit, format_source
from adcompile._src.errors import BadWrt, Location, UnsupportedSyntax
from adcompile._src.forward.forward import Tangent, emit_jvp, tangent_program
from adcompile._src.normal import ir
from adcompile._src.normal.normalize import all_names, normalize
from adcompile._src.read import calls, fence
from adcompile._src.read.source import unwrap_function, visible_names
from adcompile._src.read.written_returns import read_function, resolve
from adcompile._src.reverse.derivative import Derivative
from adcompile._src.reverse.reverse import differentiate

_ = rules  # importing the package fills the rule registry


@dataclass(frozen=True)
class Options:
    """Options of a transformation; part of every cache key."""

    formatted: bool = False  # run black on the source before compiling
    has_aux: bool = False  # the function returns (value, auxiliary data)
    # a variant for arguments of these shapes: ((parameter, value), ...) in
    # the terms of shape_values; see specialize.py
    shapes: tuple[tuple[str, Any], ...] | None = None
    # calls into user functions recomputed in the backward sweep (apply_g)
    # rather than kept as pullbacks: the code can be differentiated again
    recompute_calls: bool = False


DEFAULT_OPTIONS = Options()


WrtKey = tuple[tuple[str, ...], bool]

_lock = threading.RLock()
_derivatives: weakref.WeakKeyDictionary[types.FunctionType, dict[Any, Derivative]] = (
    weakref.WeakKeyDictionary()
)
_compiled: weakref.WeakKeyDictionary[types.FunctionType, dict[Any, Compiled]] = (
    weakref.WeakKeyDictionary()
)


def resolve_wrt(function: Callable[..., Any], wrt: Any) -> WrtKey:
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
    scope = visible_names(function)
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


@dataclass
class Normalized:
    """A function read, checked and brought to normal form."""

    program: Any  # ir.Program
    bindings: dict[str, str]
    result_location: Location | None


_programs: weakref.WeakKeyDictionary[types.FunctionType, dict[Any, Normalized]] = (
    weakref.WeakKeyDictionary()
)


def clear_caches() -> None:
    """Forget every in-process result (as in a new process)."""
    with _lock:
        _programs.clear()
        _derivatives.clear()
        _compiled.clear()


rules.registry.listeners.append(clear_caches)


def normal_form(
    function: types.FunctionType, wrt_key: WrtKey, options: Options
) -> Normalized:
    """The (cached) normal form of ``function`` differentiated wrt ``wrt_key``
    (the same for every variant of argument shapes)."""
    if options.shapes is not None or options.recompute_calls:
        options = dataclasses.replace(options, shapes=None, recompute_calls=False)
    key = (wrt_key, options)
    with _lock:
        cached = _programs.get(function, {}).get(key)
        if cached is not None:
            return cached
        source = read_function(function)
        fence.check(source)
        names = all_names(source.module)
        bindings = choose_bindings(function, names)
        program = normalize(
            source,
            list(wrt_key[0]),
            wrt_key[1],
            bindings["np"],
            options.has_aux,
            names=names | set(bindings.values()),  # no temporary hides a helper
        )
        normalized = Normalized(program, bindings, source.last_return_location())
        _programs.setdefault(function, {})[key] = normalized
        return normalized


def callee_normal_form(
    callee: types.FunctionType, varied: tuple[str, ...]
) -> tuple[ir.Program, str]:
    """The normal form of a callee differentiated with respect to the
    parameters ``varied`` names, and numpy's name in it (for the shape
    analysis of calls, ``specialized.Callees``)."""
    normalized = normal_form(callee, resolve_wrt(callee, varied), DEFAULT_OPTIONS)
    return normalized.program, normalized.bindings["np"]


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
        normalized = normal_form(function, wrt_key, options)
        program = normalized.program
        if options.shapes:
            program = specialized_program(
                function,
                program,
                normalized.bindings["np"],
                options.shapes,
                callee_normal_form,
            )
        derivative = differentiate(
            program, normalized.bindings, options.recompute_calls
        )
        derivative.result_location = normalized.result_location
        _derivatives.setdefault(function, {})[key] = derivative
        return function, wrt_key, derivative


def emitted_text(
    function: types.FunctionType, wrt: Any, kind: str, options: Options
) -> tuple[str, Derivative | Tangent]:
    """The emitted source of one variant, and what it was assembled from."""
    if kind == "jvp":
        normalized = normal_form(function, resolve_wrt(function, wrt), options)
        tangent = tangent_program(normalized.program, normalized.bindings)
        tangent.result_location = normalized.result_location
        return emit_jvp(tangent, options.has_aux), tangent
    _, _, derivative = derivative_of(function, wrt, options)
    return emit(derivative, kind), derivative


def source_of(
    f: Any, wrt: Any = 0, kind: str = "grad", options: Options = DEFAULT_OPTIONS
) -> str:
    """The black-formatted source of the gradient function."""
    function = unwrap_function(f)
    return format_source(emitted_text(function, wrt, kind, options)[0])


def compiled(
    f: Any, wrt: Any = 0, kind: str = "grad", options: Options = DEFAULT_OPTIONS
) -> Compiled:
    """The (cached) compiled gradient function of one variant."""
    if hasattr(f, "compiled") and hasattr(f, "kind") and hasattr(f, "__wrapped__"):
        f = _emitted_function(f, kind)
        if isinstance(f, functools.partial):  # of a method: ``self`` bound first
            count = len(f.args)
            shifted = tuple(
                w + count if isinstance(w, int) else w for w in _as_tuple(wrt)
            )
            inner = compiled(
                f.func, shifted if _is_tuple(wrt) else shifted[0], kind, options
            )
            bound = functools.partial(inner.function, *f.args)
            return dataclasses.replace(inner, function=bound)
    if type(f) is not types.FunctionType and calls.python_callable(f):
        function, shifted, bound = calls.bind_target(f, _as_tuple(wrt))
        if bound:  # a bound method or callable object: ``self`` comes first
            inner = compiled(
                function, shifted if _is_tuple(wrt) else shifted[0], kind, options
            )
            return dataclasses.replace(
                inner, function=functools.partial(inner.function, *bound)
            )
    plain = type(f) is types.FunctionType and not hasattr(f, "__wrapped__")
    function = f if plain else unwrap_function(f)  # as read_function reads it
    raw_key = (tuple(wrt) if isinstance(wrt, list) else wrt, kind, options)
    per_function = _compiled.get(function)
    if per_function is not None:  # fast path: no signature inspection
        try:
            hit = per_function.get(raw_key)
        except TypeError:  # an unhashable wrt: resolve_wrt explains
            hit = None
        if hit is not None and (not hit.callees or _callees_unchanged(function, hit)):
            return hit
    wrt_key = resolve_wrt(function, wrt)
    key = (wrt_key, kind, options)
    with _lock:
        cached = _compiled.get(function, {}).get(key)
        if cached is not None and not _callees_unchanged(function, cached):
            # a function it calls was redefined (a notebook cell run again):
            # the same code, calling the new one
            cached = executable(function, cached.entry, kind, wrt_key)
            _compiled[function][key] = cached
        if cached is not None:
            _compiled[function][raw_key] = cached
            return cached
        with gc_paused():
            disk_key = disk_cache.key_for(function, wrt_key, kind, options)
            shared = _closure_key(function, wrt_key, kind, options, disk_key)
            entry = _closure_entries.get(shared) if shared else None
            if entry is None:
                entry = disk_cache.load(disk_key)
            if entry is None:
                text, derivative = emitted_text(function, wrt, kind, options)
                if options.formatted:
                    text = format_source(text)
                entry = disk_cache.Entry(
                    text,
                    derivative.program.name,
                    derivative.bindings,
                    derivative.result_location,
                    derivative.call_bindings,
                )
            result = executable(function, entry, kind, wrt_key)
            if shared:
                _closure_entries[shared] = result.entry
            if result.entry is not entry:  # new, or its code compiled again
                disk_cache.store(disk_key, result.entry)
        per_function = _compiled.setdefault(function, {})
        per_function[key] = per_function[raw_key] = result
        return result


# emitted entries of closures, by cache key: a nested function is a new
# object each time the code that defines it runs (a helper called in a
# loop), with the same code; its derivative is emitted once for all of them
_closure_entries: dict[str, disk_cache.Entry] = {}


def _closure_key(
    function: types.FunctionType, wrt_key: Any, kind: str, options: Any, known: Any
) -> str | None:
    """The key a closure's emitted entry is kept under in memory (that of
    the disk cache, which describes the source, the names it reads and what
    they are), or None: not a closure, or no key can be made."""
    if not function.__closure__:
        return None
    if known is not None:
        return str(known)
    try:
        return cache_key.key(function, wrt_key, kind, options)
    except Exception:  # (no source, odd objects: emitted for this object alone)
        return None


def callee_derivative(
    function: Any, wrt: tuple[Any, ...], kind: str, shapes: tuple | None = None
) -> Compiled:
    """The derivative of a callee met while derivative code runs: the
    variant for arguments of ``shapes`` where one can be made, else the
    general code (which raises what it must)."""
    general = Options(recompute_calls=kind == "apply")  # apply: plain code
    if shapes is not None:
        try:
            variant = dataclasses.replace(general, shapes=shapes)
            return compiled(function, wrt, kind, variant)
        except Exception as error:
            tolerate(error)
    return compiled(function, wrt, kind, general)


calls.register_compiler(callee_derivative)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a transformation runs.

    A transformation makes many short-lived tree nodes; in a new process,
    where imports left a large heap, they set off full collections that cost
    about as much as the transformation itself. The nodes are freed by
    reference counting, and the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _emitted_function(gradient: Any, kind: str) -> Any:
    """The emitted function of a ``GradientFunction``, to be differentiated
    in forward mode (its tangent program: Hessian-vector products)."""
    emitted = gradient.compiled.function
    if kind != "jvp" or gradient.kind not in ("grad", "value_and_grad"):
        raise UnsupportedSyntax(
            f"{kind} of a {gradient.kind} function: derivatives of derivative "
            "code are taken in forward mode",
            "use adcompile.grad(adcompile.grad(f)) for scalar second "
            "derivatives, adcompile.hessian(f) or adcompile.hvp(f, ...), or "
            "adcompile.jvp(adcompile.grad(f), primals, tangents)",
        )
    if isinstance(emitted, functools.partial) or type(emitted) is types.FunctionType:
        return emitted
    raise UnsupportedSyntax(  # pragma: no cover - every gradient is one of those
        "second derivatives of this callable",
        "differentiate a plain function that calls it",
    )


def _as_tuple(wrt: Any) -> tuple[Any, ...]:
    return tuple(wrt) if _is_tuple(wrt) else (wrt,)


def _is_tuple(wrt: Any) -> bool:
    return isinstance(wrt, (tuple, list))


def _callees_unchanged(function: types.FunctionType, compiled: Compiled) -> bool:
    """Whether each function ``compiled`` calls is still what its name denotes."""
    if not compiled.callees:
        return True
    scope = visible_names(function)
    try:
        return all(resolve(scope, name) is was for name, was in compiled.callees)
    except (KeyError, AttributeError):  # gone, or a cell emptied
        return False
