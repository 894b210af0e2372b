"""Variants of a gradient for the shapes of its arguments.

A gradient function first runs its general code, which finds shapes at run
time (``unbroadcast`` sums an adjoint back to its operand's shape). Called
with arrays, it is compiled again for their shapes (``Options.shapes``): the
program goes through ``specialize.specialize``, calls into other user
functions are followed into their own normal forms (so ``y + dt * f(y)`` is
known to have y's shape), and each callee's pullback is itself a variant for
the shapes it is called with. ``ShapeDispatch`` picks the variant per call.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from adcompile._src.errors import AdcompileError
from adcompile._src.normal import ir
from adcompile._src.read import calls, written_returns
from adcompile._src.read.source import visible_names
from adcompile._src.shapes import shape_values as sv
from adcompile._src.shapes.specialize import (
    ChangesShapes,
    Resolve,
    result_value,
    specialize,
)

Shapes = tuple[tuple[str, sv.Value], ...]
MAX_VARIANTS = 8  # per gradient function; further shapes run the general code
# A variant is an optimization: where one cannot be made, the general code
# runs. With STRICT (the test suite sets it), an error that is not one of
# adcompile's refusals is raised instead: it is a bug, and must fail a test.
STRICT = False


def tolerate(error: Exception) -> None:
    """Carry on with the general code after ``error``, unless STRICT says
    that this error is a bug to report."""
    if STRICT and not isinstance(error, AdcompileError):
        raise error


def parse_shapes(text: str) -> Shapes | None:
    """The shapes a call binding records (``repr`` of Shapes), or None."""
    if not text:
        return None
    try:
        shapes = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return shapes if isinstance(shapes, tuple) else None


# The normal form of a callee differentiated with respect to the named
# parameters, and the name numpy has in it: the compile stage's, passed in
# (this module sits below it).
NormalFormOf = Callable[[types.FunctionType, tuple[str, ...]], tuple[ir.Program, str]]


def specialized_program(
    function: types.FunctionType,
    program: ir.Program,
    np_name: str,
    shapes: Shapes,
    normal_form: NormalFormOf,
) -> ir.Program:
    """``program`` (the normal form of ``function``) for arguments of these
    shapes; the program itself when the analysis does not settle."""
    try:
        done = specialize(
            program,
            dict(shapes),
            np_name,
            resolver(function),
            Callees(function, normal_form),
        )
    except ChangesShapes:  # shapes this code cannot know: no variant
        return program
    except Exception as error:  # an optimization only: the general code is right
        tolerate(error)
        return program
    return program if done is None else done[0]


def resolver(function: types.FunctionType) -> Resolve:
    """What dotted names denote where ``function`` is defined (None: nothing)."""
    scope = visible_names(function)

    def resolve(dotted: str) -> Any:
        try:
            return written_returns.resolve(scope, dotted)
        except (KeyError, AttributeError):
            return None

    return resolve


class Callees:
    """The shapes of calls from ``caller`` into other user functions: each
    callee's normal form, specialized for its arguments, gives its result."""

    def __init__(
        self,
        caller: types.FunctionType,
        normal_form: NormalFormOf,
        memo: dict[Any, sv.Value] | None = None,
        active: set[Any] | None = None,
    ) -> None:
        self.caller = caller
        self.normal_form = normal_form
        self.resolve = resolver(caller)
        self.memo = {} if memo is None else memo
        self.active = set() if active is None else active  # recursion

    def __call__(
        self, apply: ir.Apply, args: list[sv.Value], kwargs: dict[str, sv.Value]
    ) -> tuple[sv.Value, Shapes | None]:
        try:
            return self._shapes(apply, args, kwargs)
        except ChangesShapes:  # no variant of the caller either
            raise
        except Exception as error:  # the callee's gradient explains, if anything
            tolerate(error)
            return sv.TOP, None

    def _shapes(
        self, apply: ir.Apply, args: list[sv.Value], kwargs: dict[str, sv.Value]
    ) -> tuple[sv.Value, Shapes | None]:
        assert apply.callee_node is not None
        target = self.resolve(apply.callee_spec)
        if target is None or not calls.python_callable(target):
            return sv.TOP, None
        callee, _, bound = calls.bind_target(target, ())
        if type(callee) is not types.FunctionType:
            return sv.TOP, None
        code = callee.__code__
        positional = code.co_varnames[: code.co_argcount][len(bound) :]
        named = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        if len(args) > len(positional) or any(k not in named for k in kwargs):
            return sv.TOP, None
        known = {**dict(zip(positional, args, strict=False)), **kwargs}
        shapes = tuple(sorted((n, v) for n, v in known.items() if v != sv.TOP))
        varied = [n for n, o in zip(positional, apply.args, strict=False) if _is_var(o)]
        varied += [k for k, o in apply.kwargs.items() if _is_var(o)]
        if not shapes or not varied:
            return sv.TOP, shapes or None
        key = (callee, tuple(varied), shapes)
        if key in self.memo:
            return self.memo[key], shapes
        if any(active[0] is callee for active in self.active):
            return sv.TOP, shapes  # recursion: its depth may follow the data
        self.active.add(key)
        try:
            program, np_name = self.normal_form(callee, tuple(varied))
            done = specialize(
                program,
                dict(shapes),
                np_name,
                resolver(callee),
                Callees(callee, self.normal_form, self.memo, self.active),
            )
        finally:
            self.active.discard(key)
        result = sv.TOP if done is None else result_value(*done)
        self.memo[key] = result
        return result, shapes


def _is_var(operand: ir.Operand) -> bool:
    return isinstance(operand, ir.Var)


def argument_shapes(function: types.FunctionType, args: tuple) -> Shapes:
    """What is known of positional arguments ``args`` of ``function``; empty
    when nothing is (or with more arguments than named parameters)."""
    code = function.__code__
    names = code.co_varnames[: code.co_argcount]
    if len(args) > len(names):
        return ()
    known = zip(names, map(sv.of_argument, args), strict=False)
    return tuple(sorted((n, v) for n, v in known if v != sv.TOP))


class ShapeDispatch:
    """Calls the variant of a gradient compiled for its arguments' shapes.

    The key of a call is cheap: each argument's shape if it is an ndarray,
    else its type. The first call with a key runs the general code (a
    gradient taken once pays for no second transformation); the second
    compiles the variant. The first variant decides whether dispatching
    pays: when its code is the general code, ``settle(general)`` tells the
    owner to call the general function from then on, at no cost per call.
    """

    def __init__(
        self,
        function: types.FunctionType,
        general: Callable[..., Any],
        general_source: str,
        compile_variant: Callable[[Shapes], Any],
        settle: Callable[[Callable[..., Any]], None],
        bound: tuple[Any, ...] = (),
    ) -> None:
        self.function = function
        self.bound = bound  # arguments of ``function`` before the caller's
        self.general = general
        self.general_source = general_source
        self.compile_variant = compile_variant
        self.settle = settle
        self.variants: dict[tuple, Callable[..., Any]] = {}
        self.seen: set[tuple] = set()  # keys called once

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return self.general(*args, **kwargs)
        ndarray = np.ndarray
        key = tuple([a.shape if type(a) is ndarray else type(a) for a in args])
        variant = self.variants.get(key)
        if variant is None:
            if key not in self.seen:
                if len(self.seen) < 4 * MAX_VARIANTS:
                    self.seen.add(key)
                return self.general(*args)
            variant = self._variant(key, args)
        return variant(*args)

    def _variant(self, key: tuple, args: tuple) -> Callable[..., Any]:
        if len(self.variants) >= MAX_VARIANTS:
            return self.general
        shapes = argument_shapes(self.function, (*self.bound, *args))
        variant = self.general
        if shapes:
            try:
                compiled = self.compile_variant(shapes)
            except Exception as error:  # the general code runs
                tolerate(error)
                compiled = None
            if compiled is not None and compiled.source != self.general_source:
                variant = compiled.function
        if not self.variants and variant is self.general:
            self.settle(self.general)
        self.variants[key] = variant
        return variant
