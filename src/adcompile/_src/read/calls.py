"""Calls from differentiated code into other user functions.

A call ``y = g(a, b)`` whose arguments carry a derivative becomes, in the
forward sweep, ``y, g_pullback = vjp_g(a, b)``: the callee is differentiated
too (its own gradient function, with its own saved state), and the backward
sweep calls the pullback. ``LazyVjp`` compiles the callee on first use, so
recursion and functions defined after the caller work; ``vjp_call`` does the
same for callables known only when the code runs (``self.layer(x)``, a
function passed as an argument).
"""

from __future__ import annotations

import linecache
import threading
import types
from collections.abc import Callable
from typing import Any

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.read.written_returns import returning_written, written_returned

# (function, wrt, kind, shapes) -> the compiled derivative (an object with a
# ``function``): the variant for arguments of ``shapes`` where one can be
# made (None: the general code).
CompileDerivative = Callable[[Any, tuple[Any, ...], str, "tuple | None"], Any]

_compile_derivative: CompileDerivative | None = None


def register_compiler(compile_derivative: CompileDerivative) -> None:
    """Called once by the compile stage, which this module sits below: how
    callees met while derivative code runs are compiled."""
    global _compile_derivative
    _compile_derivative = compile_derivative


def _compiled(
    function: Any, wrt: tuple[Any, ...], kind: str, shapes: tuple | None = None
) -> Any:
    if _compile_derivative is None:  # pragma: no cover - the API imports it
        raise RuntimeError("adcompile's compile stage is not loaded")
    return _compile_derivative(function, wrt, kind, shapes)


# Libraries whose Python functions wrap compiled code: read, their source
# leads into internals (LAPACK calls, private keywords) with no rule; their
# functions need rules of their own, and are refused by name without one.
RULE_ONLY_LIBRARIES = frozenset({"numpy", "scipy"})


def python_callable(obj: Any) -> bool:
    """Whether adcompile can differentiate ``obj`` by reading its source
    (never adcompile's own functions, nor numpy's and scipy's: those need
    rules)."""
    if _is_internal(obj):
        return False
    module = getattr(obj, "__module__", None) or type(obj).__module__
    if str(module).split(".")[0] in RULE_ONLY_LIBRARIES:
        return False
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        return True
    call = getattr(type(obj), "__call__", None)  # noqa: B004
    return isinstance(call, types.FunctionType) and not isinstance(obj, type)


def _is_internal(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return module == "adcompile" or str(module).startswith("adcompile.")


def is_derivative_call(obj: Any) -> bool:
    """Whether ``obj`` is how derivative code calls another function's
    derivative code (a pullback or tangent dispatcher)."""
    return (
        isinstance(obj, LazyVjp)
        or obj is vjp_call
        or obj is jvp_call
        or getattr(obj, "__adcompile_vjp_of__", None) is not None
    )


def is_plain_derivative_call(obj: Any) -> bool:
    """Whether ``obj`` is derivative code that can be differentiated again
    (``readable_call`` makes its calls plain): an ``apply`` of a callee, or a
    gradient function of the API."""
    return (
        isinstance(obj, LazyApply)
        or obj is apply_call
        or hasattr(obj, "__adcompile_function__")
    )


def bind_target(obj: Any, wrt: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], tuple]:
    """The function to differentiate, its wrt, and arguments bound before."""
    if isinstance(obj, types.MethodType):
        bound = (obj.__self__,)
        function = obj.__func__
    elif isinstance(obj, types.FunctionType):
        return obj, wrt, ()
    else:  # a callable object: differentiate its __call__ with self bound
        bound = (obj,)
        function = type(obj).__call__
    shifted = tuple(w + len(bound) if isinstance(w, int) else w for w in wrt)
    return function, shifted, bound


class LazyVjp:
    """``vjp`` of a user function with respect to some arguments, compiled on
    first call; returns ``(value, pullback)``, pullback giving a tuple.
    ``shapes``: the variant for arguments of those shapes (specialized.py)."""

    def __init__(
        self, obj: Any, wrt: tuple[Any, ...], shapes: tuple | None = None
    ) -> None:
        self.function, self.wrt, self.bound = bind_target(obj, wrt)
        self.shapes = shapes
        self._compiled: Any = None
        self._lock = threading.Lock()
        # closure cells of derivative code that call this object: once the
        # callee is compiled (with nothing bound before its arguments), they
        # are given the compiled function itself, saving a call per use
        self.cells: list[Any] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        compiled_function = self._compiled
        if compiled_function is None:
            compiled_function = self._compile()
        return compiled_function(*self.bound, *args, **kwargs)

    def _compile(self) -> Any:
        with self._lock:
            if self._compiled is None:
                compiled = _compiled(self.function, self.wrt, "pullback", self.shapes)
                self._compiled = compiled.function
            if not self.bound:
                self._compiled.__adcompile_vjp_of__ = self.function
                for cell in self.cells:
                    cell.cell_contents = self._compiled
        return self._compiled


# In a call binding's wrt: the callee's vjp applied to a cotangent (``apply``
# kind), rather than its pullback.
APPLY = "<apply>"


class LazyApply:
    """``apply_g(cotangent, *args)``: the vector-Jacobian product of a user
    function at ``args`` with ``cotangent``, computed by its own derivative
    code (the ``apply`` kind, which runs g's forward sweep again), compiled
    on first call. Derivative code that calls these instead of keeping
    pullbacks (``Options.recompute_calls``) is itself plain code over plain
    functions, so it can be differentiated again."""

    def __init__(
        self, obj: Any, wrt: tuple[Any, ...], shapes: tuple | None = None
    ) -> None:
        self.function, self.wrt, self.bound = bind_target(obj, wrt)
        self.shapes = shapes
        self._compiled: Any = None
        self._lock = threading.Lock()

    def compiled_function(self) -> Any:
        """The emitted ``apply_g(*args, <cotangent>)`` (keyword-only last)."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    compiled = _compiled(self.function, self.wrt, "apply", self.shapes)
                    self._compiled = compiled.function
        return self._compiled

    def __call__(self, cotangent: Any, *args: Any, **kwargs: Any) -> Any:
        function = self.compiled_function()
        seed = {cotangent_parameter(function): cotangent}
        return function(*self.bound, *args, **kwargs, **seed)


def cotangent_parameter(function: Any) -> str:
    """The name of an ``apply`` function's cotangent (its last keyword-only
    parameter)."""
    code = function.__code__
    return code.co_varnames[code.co_argcount + code.co_kwonlyargcount - 1]


def apply_call(
    callee: Any, wrt: tuple[Any, ...], cotangent: Any, *args: Any, **kwargs: Any
) -> Any:
    """``LazyApply`` of a callable known only at run time."""
    function, bound = _apply_target(callee, wrt)
    seed = {cotangent_parameter(function): cotangent}
    return function(*bound, *args, **kwargs, **seed)


def _apply_target(callee: Any, wrt: tuple[Any, ...]) -> tuple[Any, tuple]:
    function, shifted, bound = _target(callee, wrt)
    return _compiled_at_run_time(function, shifted, "apply").function, bound


def _target(callee: Any, wrt: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], tuple]:
    """The function a call known at run time differentiates, its wrt, and
    the arguments bound before the caller's: a gradient function of the API
    stands for its emitted code."""
    plain = getattr(callee, "__adcompile_function__", None)
    if plain is not None:
        function, bound = plain()
        shifted = tuple(w + len(bound) if isinstance(w, int) else w for w in wrt)
        return function, shifted, bound
    callee = rule_call(callee)
    _require_source(callee)
    return bind_target(callee, wrt)


Moved = dict[int, "int | str"]  # an argument's position -> its new place


def readable_call(
    callee: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, tuple[Any, ...], dict[str, Any], Moved]:
    """A call of derivative code made plain for differentiating it again:
    ``apply_g(cotangent, *args)`` (or ``apply_call(g, wrt, cotangent, *args)``)
    becomes the call of g's emitted ``apply`` function with the cotangent as
    its keyword, and a gradient function of the API (``grad(f)`` called in
    user code) the call of its emitted code. Also returned: where each
    positional argument went (a position, or the keyword it became)."""
    if isinstance(callee, LazyApply):
        function, bound, skip = callee.compiled_function(), callee.bound, 0
    elif callee is apply_call:
        function, bound = _apply_target(args[0], tuple(args[1]))
        skip = 2  # the callee and its wrt carry no derivative
    else:
        plain = getattr(callee, "__adcompile_function__", None)
        function, bound = plain() if plain is not None else (callee, ())
        moved: Moved = {i: len(bound) + i for i in range(len(args))}
        return function, (*bound, *args), kwargs, moved
    seed = cotangent_parameter(function)
    moved = {skip: seed}
    moved.update({i: len(bound) + i - skip - 1 for i in range(skip + 1, len(args))})
    plain_args = (*bound, *args[skip + 1 :])
    return function, plain_args, {**kwargs, seed: args[skip]}, moved


_dynamic: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}


def _compiled_at_run_time(function: Any, wrt: tuple[Any, ...], kind: str) -> Any:
    """The compiled derivative of a callee met while derivative code runs.

    Functions made anew on each call (nested in differentiated code, without
    closures) share their code object and globals: they are compiled once
    for both. Code objects compare by value, so they are told apart by
    identity (kept alive in the entry, so that no id is reused): two modules'
    functions with equal code read different globals. A function's variant
    returning what it writes into shares its code, not its derivative.
    """
    if function.__closure__:
        anchor: tuple[Any, ...] = (function,)
    else:
        anchor = (function.__code__, function.__globals__)
    key = (*map(id, anchor), wrt, kind, written_returned(function))
    entry = _dynamic.get(key)
    if entry is None or any(a is not b for a, b in zip(entry[0], anchor, strict=True)):
        entry = (anchor, _compiled(function, wrt, kind))
        _dynamic[key] = entry
    return entry[1]


def _require_source(callee: Any) -> None:
    """Refuse a callable known only at run time that adcompile cannot read."""
    if not python_callable(callee):
        name = getattr(callee, "__qualname__", type(callee).__name__)
        owner = getattr(callee, "__self__", None)  # norm(mu, s).pdf
        hint = frozen_distribution_hint(getattr(owner, "dist", None), name)
        raise NoDerivativeRule(
            f"no derivative rule for {name}, called on values the derivative "
            "depends on",
            hint
            or "pass a Python function with source, or give it a rule with "
            "adcompile.custom",
        )


def frozen_distribution_hint(distribution: Any, method: str) -> str:
    """What to write instead of ``method`` of a frozen scipy.stats
    distribution made by calling ``distribution`` (``norm(mu, s).pdf(x)``);
    "" when ``distribution`` is not a scipy.stats distribution."""
    module = type(distribution).__module__ or ""
    if not (module.startswith("scipy.stats") and hasattr(distribution, "freeze")):
        return ""
    name = getattr(distribution, "name", "norm")
    return (
        "a frozen scipy.stats distribution has no derivative rule: call the "
        f"distribution's own method with its parameters, "
        f"{name}.{method.rsplit('.', 1)[-1]}(x, loc, scale)"
    )


_rule_calls: dict[int, tuple[Any, types.FunctionType | None]] = {}


def rule_call(callee: Any) -> Any:
    """A callable known only at run time, as something adcompile can read:
    the callable itself, or, for a function with a derivative rule
    (``np.tanh`` passed as an activation), a one-line Python function that
    calls it, whose source is registered with ``linecache``."""
    if python_callable(callee):
        return callee
    entry = _rule_calls.get(id(callee))
    if entry is None or entry[0] is not callee:
        entry = (callee, _rule_call_function(callee))
        _rule_calls[id(callee)] = entry  # keeps callee alive: ids stay unique
    return entry[1] if entry[1] is not None else callee


def _rule_call_function(callee: Any) -> types.FunctionType | None:
    from adcompile._src.rules import registry

    try:
        prim = registry.lookup(callee)
    except TypeError:  # unhashable
        return None
    if prim is None or prim.nondiff or prim.infix or not prim.params:
        return None
    if any(p.variadic for p in prim.params):
        return None
    kept = [p for p in prim.params if p.name != "out"]  # never written into
    params = ", ".join(
        p.name if p.default is None else f"{p.name}={p.default}" for p in kept
    )
    passed = ", ".join(
        p.name if p.default is None else f"{p.name}={p.name}" for p in kept
    )
    name = f"call_{prim.name}"
    text = f"def {name}({params}):\n    return function({passed})\n"
    filename = f"<adcompile call of {prim.spelling}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"__name__": "adcompile_rule_calls", "function": callee}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def vjp_call(callee: Any, wrt: tuple[Any, ...], *args: Any, **kwargs: Any) -> Any:
    """``vjp`` of a callable known only at run time (a method of an argument,
    a function passed in): ``(value, pullback)``."""
    if is_plain_derivative_call(callee):
        callee, args, kwargs, moved = readable_call(callee, args, kwargs)
        wrt = tuple(moved[w] if isinstance(w, int) else w for w in wrt)
    function, shifted, bound = _target(callee, wrt)
    vjp_function = _compiled_at_run_time(function, shifted, "pullback").function
    return vjp_function(*bound, *args, **kwargs)


def jvp_call(
    callee: Any,
    args: tuple[Any, ...],
    tangents: tuple[Any, ...],
    kwargs: dict[str, Any] | None = None,
    kwarg_tangents: dict[str, Any] | None = None,
    written: tuple[str, ...] = (),
) -> tuple[Any, Any]:
    """``(value, tangent)`` of a call into a user function in forward mode;
    arguments whose tangent is None carry none. The callee's tangent program
    is compiled on first use, once per (function, arguments with tangents).
    ``written``: the call is of the callee's variant returning these
    parameters after its result (``written_returns``)."""
    if written:
        callee = returning_written(callee, written)
    kwargs = kwargs or {}
    kwarg_tangents = kwarg_tangents or {}
    if is_plain_derivative_call(callee):
        callee, args, kwargs, moved = readable_call(callee, args, kwargs)
        placed: list[Any] = [None] * len(args)
        kwarg_tangents = dict(kwarg_tangents)
        for position, tangent in enumerate(tangents):
            place = moved.get(position)
            if isinstance(place, int):
                placed[place] = tangent
            elif place is not None:
                kwarg_tangents[place] = tangent
        tangents = tuple(placed)
    wrt = tuple(i for i, t in enumerate(tangents) if t is not None)
    wrt += tuple(k for k, t in kwarg_tangents.items() if t is not None)
    function, shifted, bound = _target(callee, wrt)
    result = _compiled_at_run_time(function, shifted, "jvp")
    tangent_function, names = result.function, result.tangent_names
    given = [t for t in tangents if t is not None]
    given += [t for t in kwarg_tangents.values() if t is not None]
    return tangent_function(
        *bound, *args, **kwargs, **dict(zip(names, given, strict=True))
    )
