"""Derivatives of derivatives: ``grad`` of a gradient function.

``grad(grad(f, wrt=x), wrt=y)`` needs ``grad(f, wrt=x)`` to return a scalar,
so ``x`` is a scalar parameter; by the symmetry of second derivatives it is
the derivative of ``grad(f, wrt=y)`` along ``x``, which forward mode gives
in one pass. Third and higher derivatives stack more tangent passes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from adcompile._src.api.functions import GradientFunction
from adcompile._src.compilation.compiler import Options, compiled, resolve_wrt
from adcompile._src.errors import IntegerInput, NonScalarOutput, UnsupportedSyntax

# Gradient code that is differentiated again: calls into user functions
# apply their vjps in the backward sweep (plain code), instead of keeping
# pullbacks, which forward mode could not follow.
DIFFERENTIABLE = Options(recompute_calls=True)


class NestedGradient:
    """``grad`` of a gradient: the gradient of ``f`` with respect to
    ``wrt``, differentiated along the scalar parameters ``directions``."""

    def __init__(
        self, f: Callable[..., Any], wrt: str, directions: tuple[str, ...], kind: str
    ) -> None:
        self.f = f
        self.wrt = wrt
        self.directions = directions
        self.kind = kind
        self._chain: (
            tuple[Callable[..., Any], tuple[str, ...], tuple[Any, ...]] | None
        ) = None
        self.__name__ = (
            f"{kind}_{'grad_' * len(directions)}{getattr(f, '__name__', 'f')}"
        )

    def _build(self) -> tuple[Callable[..., Any], tuple[str, ...], tuple[Any, ...]]:
        if self._chain is None:
            function: Any = compiled(self.f, self.wrt, "grad", DIFFERENTIABLE).function
            bound: tuple[Any, ...] = ()
            if isinstance(function, functools.partial):  # a method: self first
                function, bound = function.func, function.args
            names: list[str] = []
            for direction in self.directions:
                result = compiled(function, direction, "jvp")
                function = result.function
                names.append(result.tangent_names[-1])
            self._chain = function, tuple(names), bound
        return self._chain

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function, names, bound = self._build()
        arguments = bind_arguments(self.f, args, kwargs)
        seeds = {}
        for direction, name in zip(self.directions, names, strict=True):
            seeds[name] = unit_tangent(arguments[direction], direction)
        result = function(*bound, *args, **kwargs, **seeds)
        value = result[0]
        derivative = result[1]
        for _ in self.directions[1:]:
            value, derivative = value[1], derivative[1]
        if self.kind == "value_and_grad":
            return value, derivative
        return derivative

    def __repr__(self) -> str:
        return f"<adcompile {self.__name__} wrt {self.wrt!r}>"


def nested(inner: Any, wrt: Any, kind: str) -> NestedGradient:
    """``grad(inner, wrt)`` for a gradient function ``inner`` of a scalar."""
    if isinstance(inner, GradientFunction):
        if inner.kind != "grad" or inner.options.has_aux:
            raise UnsupportedSyntax(
                f"grad of a {inner.kind} function"
                + (" with has_aux" if inner.options.has_aux else ""),
                "differentiate grad(f) (without has_aux): it returns one value",
            )
        directions: tuple[str, ...] = ()
        f, inner_wrt = inner.__wrapped__, inner.wrt
    elif isinstance(inner, NestedGradient):
        if inner.kind != "grad":
            raise UnsupportedSyntax(
                "grad of a value_and_grad function",
                "differentiate the grad function: it returns one value",
            )
        f, inner_wrt, directions = inner.f, inner.wrt, inner.directions
    else:  # pragma: no cover - callers check
        raise TypeError(inner)
    names, is_tuple = wrt_names(f, inner_wrt)
    if is_tuple:
        raise NonScalarOutput(
            f"grad of grad(f, wrt={inner_wrt!r}), which returns a tuple",
            "differentiate a gradient with respect to one scalar parameter, or "
            "use adcompile.hessian(f, wrt=...) for all second derivatives",
        )
    outer, outer_tuple = wrt_names(f, wrt)
    if outer_tuple:
        raise UnsupportedSyntax(
            "grad of a gradient with respect to a tuple of parameters",
            "take one parameter at a time, or use adcompile.hessian",
        )
    return NestedGradient(f, outer[0], (*directions, names[0]), kind)


def wrt_names(f: Callable[..., Any], wrt: Any) -> tuple[list[str], bool]:
    """The parameter names ``wrt`` selects, as the caller of ``f`` sees its
    parameters (a bound method's ``self`` is not one of them)."""
    names, is_tuple = resolve_wrt(f, wrt)  # reads f's signature, checks wrt
    return list(names), is_tuple


def bind_arguments(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    signature = inspect.signature(f)  # as the caller sees it (no ``self``)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def unit_tangent(value: Any, name: str) -> Any:
    """The tangent 1 for a scalar parameter; arrays have no single direction."""
    if (
        np.ndim(value) != 0
        or isinstance(value, (list, tuple, dict))
        or np.asarray(value).dtype == object  # an object with fields
    ):
        described = (
            f"an array of shape {np.shape(value)}"
            if isinstance(value, np.ndarray)
            else f"a {type(value).__name__}"
        )
        raise NonScalarOutput(
            f"grad of a gradient with respect to '{name}', which is {described}: "
            "the inner gradient is not a scalar",
            "use adcompile.hessian(f) for the matrix of second derivatives, or "
            "adcompile.hvp(f, primals, tangents) for Hessian-vector products",
        )
    dtype = np.asarray(value).dtype
    if not np.issubdtype(dtype, np.floating):
        raise IntegerInput(
            f"grad of a gradient with respect to '{name}', which is {value!r}: "
            "integers have no derivative",
            f"pass '{name}' as a float (3.0 rather than 3)",
        )
    return 1.0 if isinstance(value, float) else dtype.type(1.0)
