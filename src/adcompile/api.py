"""The public API: ``grad``, ``value_and_grad``, ``vjp`` and ``source``.

``grad(f)`` returns a ``GradientFunction`` at once; the transformation runs
on its first call (so a decorated function may use helpers defined further
down its module) or when its ``.source`` is read. After that, calling it is a
call of the emitted function: no parsing, hashing or introspection per call.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable
from typing import Any

from .compiler import DEFAULT_OPTIONS, Compiled, Options, compiled, source_of
from .emit import format_source
from .errors import BadTangent, NonScalarOutput, UnsupportedSyntax
from .runtime.forward import check_tangent, zero_tangent
from .specialized import ShapeDispatch, Shapes, argument_shapes, tolerate


class GradientFunction:
    """A gradient (or value-and-gradient) of ``f``, compiled on first use."""

    def __init__(
        self,
        f: Callable[..., Any],
        wrt: Any,
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
        except NonScalarOutput as error:
            if error.location is None and self._compiled is not None:
                error.location = self._compiled.result_location
                error.args = (str(error),)
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
        f = self.__wrapped__
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

    def __repr__(self) -> str:
        return f"<adcompile {self.kind} of {self.__wrapped__!r} wrt {self.wrt!r}>"


def _decorator(kind: str, f: Callable[..., Any] | None, wrt: Any, has_aux: bool):
    options = Options(has_aux=has_aux)
    if f is None:
        return lambda g: _decorator(kind, g, wrt, has_aux)
    if _is_derivative(f):
        from .higher import nested

        if has_aux:
            raise UnsupportedSyntax(
                "has_aux on the gradient of a gradient",
                "return the auxiliary data from the inner function only",
            )
        return nested(f, wrt, kind)
    return GradientFunction(f, wrt, kind, options)


def _is_derivative(f: Any) -> bool:
    from .higher import NestedGradient

    return isinstance(f, (GradientFunction, NestedGradient))


def grad(
    f: Callable[..., Any] | None = None, wrt: Any = 0, has_aux: bool = False
) -> Any:
    """The gradient of a real-scalar function ``f`` with respect to ``wrt``.

    ``wrt`` is a parameter index, a parameter name, or a tuple of them (then
    a tuple of gradients comes back, in that order). Use as ``grad(f)``,
    ``@grad`` or ``@grad(wrt=...)``. With ``has_aux=True``, ``f`` returns
    ``(value, aux)`` and the gradient function returns ``(gradient, aux)``.
    """
    return _decorator("grad", f, wrt, has_aux)


def value_and_grad(
    f: Callable[..., Any] | None = None, wrt: Any = 0, has_aux: bool = False
) -> Any:
    """Like ``grad``, but the function returns ``(value, gradient)``; with
    ``has_aux=True``, ``((value, aux), gradient)``."""
    return _decorator("value_and_grad", f, wrt, has_aux)


def vjp(
    f: Callable[..., Any],
    *args: Any,
    wrt: Any = 0,
    has_aux: bool = False,
    **kwargs: Any,
):
    """``(f(*args), pullback)``; ``pullback(cotangent)`` returns the gradients.

    For functions with non-scalar output: the pullback maps a cotangent of
    the output's shape to the vector-Jacobian product with respect to wrt.
    With ``has_aux=True``: ``(value, pullback, aux)``.
    """
    options = Options(has_aux=has_aux)
    return compiled(f, wrt, "vjp", options).function(*args, **kwargs)


def jvp(
    f: Callable[..., Any],
    primals: tuple[Any, ...] | list[Any],
    tangents: tuple[Any, ...] | list[Any],
    has_aux: bool = False,
) -> Any:
    """Forward mode: ``(f(*primals), tangent of the output)``, as in JAX.

    ``tangents`` has one entry per primal, shaped like it; ``None`` means the
    argument is held fixed (its tangent is zero, and no tangent code is
    emitted for what depends only on it). The tangent program is generated
    source (``adcompile.source(f, kind="jvp")``), compiled once per choice
    of arguments with tangents. With ``has_aux=True``: ``(value, tangent, aux)``.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise BadTangent(
            f"jvp got {len(primals)} primals but {len(tangents)} tangents",
            "pass one tangent per primal (None for an argument held fixed)",
        )
    wrt = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not wrt:
        value = f(*primals)
        if has_aux:
            return value[0], zero_tangent(value[0]), value[1]
        return value, zero_tangent(value)
    result = compiled(f, wrt, "jvp", Options(has_aux=has_aux))
    checked = {
        name: check_tangent(tangents[i], primals[i], param)
        for name, i, param in zip(
            result.tangent_names, wrt, result.wrt_names, strict=True
        )
    }
    return result.function(*primals, **checked)


def source(
    f: Callable[..., Any],
    wrt: Any = 0,
    kind: str = "grad",
    options: Options = DEFAULT_OPTIONS,
) -> str:
    """The emitted source of ``f``'s derivative, formatted with black.

    ``kind`` is "grad", "value_and_grad", "vjp", "jvp" (forward mode), or
    "hvp": the tangent program of the gradient (Hessian-vector products).
    """
    if isinstance(f, GradientFunction):
        return source_of(f.__wrapped__, f.wrt, f.kind, f.options)
    if kind == "hvp":
        gradient = GradientFunction(f, wrt, "grad", options)
        return source_of(gradient.compiled.function, wrt, "jvp")
    return source_of(f, wrt, kind, options)
