"""``GradientFunction``: what ``grad`` and ``value_and_grad`` return.

The transformation runs on its first call (so a decorated function may use
helpers defined further down its module) or when its ``.source`` is read.
After that, calling it is a call of the emitted function (or of the variant
for its arguments' shapes): no parsing, hashing or introspection per call.
"""

from __future__ import annotations

import dataclasses
import functools
import linecache
import types
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    Options,
    compiled,
)
from adcompile._src.compilation.executable import Compiled
from adcompile._src.compilation.specialized import (
    ShapeDispatch,
    Shapes,
    argument_shapes,
    tolerate,
)
from adcompile._src.emit.emit import format_source
from adcompile._src.errors import AdcompileError, Location, NonScalarOutput

# What ``wrt`` names: a parameter's position or name, or several of them
# (then the derivatives come back as a tuple, in that order).
Wrt: TypeAlias = int | str | Sequence[int | str]


class GradientFunction:
    """A gradient (or value-and-gradient) of ``f``, compiled on first use.

    Calling it returns the gradient (or ``(value, gradient)``) of ``f`` at
    the arguments; ``source`` is the emitted code, ``source_for(*args)`` the
    variant that runs for arguments of those shapes.
    """

    __wrapped__: Callable[..., Any]

    def __init__(
        self,
        f: Callable[..., Any],
        wrt: Wrt,
        kind: str,
        options: Options = DEFAULT_OPTIONS,
    ) -> None:
        self.__wrapped__ = f
        self.wrt = wrt
        self.kind = kind
        self.options = options
        self._compiled: Compiled | None = None
        self._source: str | None = None
        self._call: Callable[..., Any] = self._first_call
        functools.update_wrapper(self, f, updated=())
        self.__name__ = f"{kind}_{getattr(f, '__name__', 'f')}"
        self.__qualname__ = self.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._call(*args, **kwargs)
        except AdcompileError as error:  # refused as the code runs: say where
            if error.location is None and self._compiled is not None:
                if isinstance(error, NonScalarOutput):
                    locate(error, self._compiled.result_location)
                else:
                    locate(error, definition_location(self.__wrapped__))
            raise

    def _first_call(self, *args: Any, **kwargs: Any) -> Any:
        general = self.compiled.function
        self._call = general
        specializable = self._specializable()
        if specializable is not None:
            function, bound = specializable
            self._call = ShapeDispatch(
                function,
                general,
                self.compiled.source,
                self._variant,
                self._settle,
                bound,
            )
        return self._call(*args, **kwargs)

    def _settle(self, function: Callable[..., Any]) -> None:
        self._call = function

    def _specializable(self) -> tuple[types.FunctionType, tuple[Any, ...]] | None:
        """The function whose variants calls may run, and the arguments bound
        before the caller's (a method's ``self``); None where calls run the
        general code only: neither a plain function nor a method of one (a
        decorator's wrapper may take other arguments)."""
        f: Any = self.__wrapped__
        bound: tuple[Any, ...] = ()
        if isinstance(f, types.MethodType):
            f, bound = f.__func__, (f.__self__,)
        if type(f) is types.FunctionType and not hasattr(f, "__wrapped__"):
            return f, bound
        return None

    def _variant(self, shapes: Shapes) -> Compiled:
        options = dataclasses.replace(self.options, shapes=shapes)
        return compiled(self.__wrapped__, self.wrt, self.kind, options)

    def source_for(self, *args: Any) -> str:
        """The emitted source that runs for arguments like ``args``: the
        variant for their shapes, where it differs from ``source``."""
        specializable = self._specializable()
        if specializable is None:
            return self.source
        function, bound = specializable
        shapes = argument_shapes(function, (*bound, *args))
        if not shapes:
            return self.source
        general = self.source  # its errors are the gradient's own
        try:
            return format_source(self._variant(shapes).source)
        except Exception as error:  # as when called: the general code runs
            tolerate(error)
            return general

    @property
    def compiled(self) -> Compiled:
        if self._compiled is None:
            self._compiled = compiled(
                self.__wrapped__, self.wrt, self.kind, self.options
            )
        return self._compiled

    @property
    def source(self) -> str:
        """The emitted source of this gradient function, formatted with black."""
        if self._source is None:
            self._source = format_source(self.compiled.source)
        return self._source

    def __adcompile_function__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        """This gradient as plain code that can itself be differentiated (when
        user code calls it inside a function being differentiated): its
        callees' vjps applied rather than kept as pullbacks. Also returned:
        the arguments bound before the caller's (a method's ``self``)."""
        options = dataclasses.replace(self.options, recompute_calls=True, shapes=None)
        function = compiled(self.__wrapped__, self.wrt, self.kind, options).function
        if isinstance(function, functools.partial):
            return function.func, function.args
        return function, ()

    def __repr__(self) -> str:
        return f"<adcompile {self.kind} of {self.__wrapped__!r} wrt {self.wrt!r}>"


def locate(error: AdcompileError, location: Location | None) -> None:
    """Give a refusal raised as derivative code runs (which knows no place
    in the user's code) a location, in its message too: the statement it
    names (``error.statement``), found in the file of ``location`` (the
    function's definition), or else ``location`` itself."""
    if error.location is None:
        statement = getattr(error, "statement", None)
        if statement and location is not None:
            location = _statement_location(location, str(statement)) or location
        error.location = location
        error.args = (str(error),)


def _statement_location(definition: Location, statement: str) -> Location | None:
    """Where ``statement`` (the first line of its text) is written in the
    file of ``definition``: the first such line from the definition on,
    or else anywhere in the file (a helper defined before it)."""
    lines = linecache.getlines(definition.filename)
    first = statement.strip().splitlines()[0] if statement.strip() else ""
    if not first:
        return None
    order = [*range(definition.line - 1, len(lines)), *range(definition.line - 1)]
    for index in order:
        text = lines[index]
        if text.strip() == first or text.strip().startswith(first):
            col = len(text) - len(text.lstrip())
            return Location(definition.filename, index + 1, col, text, len(first))
    for index in order:  # (a part of a statement: a comprehension)
        col = lines[index].find(first)
        if col >= 0:
            return Location(
                definition.filename, index + 1, col, lines[index], len(first)
            )
    return None


def definition_location(f: Any) -> Location | None:
    """Where ``f`` (a function, a bound method, or a derivative of one:
    hvp differentiates a gradient function) is defined."""
    for _ in range(8):  # a derivative's function, and its own, ...
        if getattr(f, "__code__", None) is not None:
            break
        f = getattr(f, "__wrapped__", None) or getattr(f, "__func__", f)
    code = getattr(getattr(f, "__func__", f), "__code__", None)
    if code is None:
        return None
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    indent = len(line) - len(line.lstrip())
    return Location(
        code.co_filename, code.co_firstlineno, indent, line, len(line.strip()) or 1
    )
