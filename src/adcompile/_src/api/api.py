"""The transformations: ``grad``, ``value_and_grad``, ``vjp``, ``jvp`` and
``source``.

``grad(f)`` returns a ``GradientFunction`` at once (``functions.py``); ``grad``
of a gradient function returns a ``NestedGradient`` (``nested.py``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

from adcompile._src.api.functions import (
    GradientFunction,
    Wrt,
    definition_location,
    locate,
)
from adcompile._src.api.nested import NestedGradient, nested
from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    Options,
    compiled,
    source_of,
)
from adcompile._src.errors import AdcompileError, BadTangent, UnsupportedSyntax
from adcompile._src.runtime.forward import check_tangent, zero_tangent

Decorator = Callable[[Callable[..., Any]], GradientFunction]
SourceKind = Literal["grad", "value_and_grad", "vjp", "jvp", "hvp"]


def _decorator(
    kind: str, f: Callable[..., Any] | None, wrt: Wrt, has_aux: bool
) -> GradientFunction | NestedGradient | Decorator:
    options = Options(has_aux=has_aux)
    if f is None:
        return lambda g: _decorator(kind, g, wrt, has_aux)  # type: ignore[return-value]
    if isinstance(f, (GradientFunction, NestedGradient)):
        if has_aux:
            raise UnsupportedSyntax(
                "has_aux on the gradient of a gradient",
                "return the auxiliary data from the inner function only",
            )
        return nested(f, wrt, kind)
    return GradientFunction(f, wrt, kind, options)


@overload
def grad(  # type: ignore[overload-overlap]
    f: GradientFunction | NestedGradient, wrt: Wrt = 0, has_aux: bool = False
) -> NestedGradient: ...
@overload
def grad(
    f: Callable[..., Any], wrt: Wrt = 0, has_aux: bool = False
) -> GradientFunction: ...
@overload
def grad(f: None = None, wrt: Wrt = 0, has_aux: bool = False) -> Decorator: ...
def grad(
    f: Callable[..., Any] | None = None, wrt: Wrt = 0, has_aux: bool = False
) -> GradientFunction | NestedGradient | Decorator:
    """The gradient of a real-scalar function ``f`` with respect to ``wrt``.

    ``wrt`` is a parameter index, a parameter name, or a tuple of them (then
    a tuple of gradients comes back, in that order). Use as ``grad(f)``,
    ``@grad`` or ``@grad(wrt=...)``. With ``has_aux=True``, ``f`` returns
    ``(value, aux)`` and the gradient function returns ``(gradient, aux)``.
    """
    return _decorator("grad", f, wrt, has_aux)


@overload
def value_and_grad(  # type: ignore[overload-overlap]
    f: GradientFunction | NestedGradient, wrt: Wrt = 0, has_aux: bool = False
) -> NestedGradient: ...
@overload
def value_and_grad(
    f: Callable[..., Any], wrt: Wrt = 0, has_aux: bool = False
) -> GradientFunction: ...
@overload
def value_and_grad(
    f: None = None, wrt: Wrt = 0, has_aux: bool = False
) -> Decorator: ...
def value_and_grad(
    f: Callable[..., Any] | None = None, wrt: Wrt = 0, has_aux: bool = False
) -> GradientFunction | NestedGradient | Decorator:
    """Like ``grad``, but the function returns ``(value, gradient)``; with
    ``has_aux=True``, ``((value, aux), gradient)``."""
    return _decorator("value_and_grad", f, wrt, has_aux)


Pullback = Callable[[Any], Any]


@overload
def vjp(
    f: Callable[..., Any],
    *args: Any,
    wrt: Wrt = 0,
    has_aux: Literal[False] = False,
    **kwargs: Any,
) -> tuple[Any, Pullback]: ...
@overload
def vjp(
    f: Callable[..., Any],
    *args: Any,
    wrt: Wrt = 0,
    has_aux: Literal[True],
    **kwargs: Any,
) -> tuple[Any, Pullback, Any]: ...
def vjp(
    f: Callable[..., Any],
    *args: Any,
    wrt: Wrt = 0,
    has_aux: bool = False,
    **kwargs: Any,
) -> tuple[Any, Pullback] | tuple[Any, Pullback, Any]:
    """``(f(*args), pullback)``; ``pullback(cotangent)`` returns the gradients.

    For functions with non-scalar output: the pullback maps a cotangent of
    the output's shape to the vector-Jacobian product with respect to wrt.
    With ``has_aux=True``: ``(value, pullback, aux)``.
    """
    options = Options(has_aux=has_aux)
    result: tuple[Any, Pullback] | tuple[Any, Pullback, Any]
    function = compiled(f, wrt, "vjp", options).function
    value, pullback, *aux = _located(f, function, *args, **kwargs)

    @functools.wraps(pullback)
    def located_pullback(*cotangents: Any, **keywords: Any) -> Any:
        return _located(f, pullback, *cotangents, **keywords)  # refusals too

    result = (value, located_pullback, *aux)
    return result


@overload
def jvp(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    has_aux: Literal[False] = False,
) -> tuple[Any, Any]: ...
@overload
def jvp(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    has_aux: Literal[True],
) -> tuple[Any, Any, Any]: ...
def jvp(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    has_aux: bool = False,
) -> tuple[Any, Any] | tuple[Any, Any, Any]:
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
    out: tuple[Any, Any] | tuple[Any, Any, Any]
    out = _located(f, result.function, *primals, **checked)
    return out


def _located(
    f: Callable[..., Any], function: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """``function(*args, **kwargs)``; a refusal raised as it runs, which
    knows no place in the user's code, points at ``f``'s definition."""
    try:
        return function(*args, **kwargs)
    except AdcompileError as error:
        locate(error, definition_location(f))
        raise


def source(
    f: Callable[..., Any],
    wrt: Wrt = 0,
    kind: SourceKind = "grad",
    options: Options = DEFAULT_OPTIONS,
) -> str:
    """The emitted source of ``f``'s derivative, formatted with black.

    ``kind`` is "grad", "value_and_grad", "vjp", "jvp" (forward mode), or
    "hvp": the tangent program of the gradient (Hessian-vector products).
    """
    if isinstance(f, GradientFunction):
        return source_of(f.__wrapped__, f.wrt, f.kind, f.options)
    if kind == "hvp":
        gradient = GradientFunction(
            f, wrt, "grad", dataclasses.replace(options, recompute_calls=True)
        )
        return source_of(gradient.compiled.function, wrt, "jvp")
    return source_of(f, wrt, kind, options)
