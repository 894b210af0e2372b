"""Jacobians, Hessians and derivatives of derivatives.

Everything here is built from the two generated programs: the gradient
(reverse mode) and the tangent program (forward mode). Derivative code is
ordinary numpy code whose helpers have rules, so forward mode runs through
it: a Hessian-vector product is the tangent program of the gradient
(forward over reverse), which costs a small constant times one gradient.

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

from .api import GradientFunction, jvp, vjp
from .compiler import compiled, resolve_wrt
from .errors import IntegerInput, NonScalarOutput, UnsupportedSyntax


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
        self._chain: tuple[Callable[..., Any], tuple[str, ...], tuple] | None = None
        self.__name__ = (
            f"{kind}_{'grad_' * len(directions)}{getattr(f, '__name__', 'f')}"
        )

    def _build(self) -> tuple[Callable[..., Any], tuple[str, ...], tuple]:
        if self._chain is None:
            function = compiled(self.f, self.wrt, "grad").function
            bound: tuple = ()
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
        arguments = _bind(self.f, args, kwargs)
        seeds = {}
        for direction, name in zip(self.directions, names, strict=True):
            seeds[name] = _unit(arguments[direction], direction)
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
        f, inner_wrt, directions = inner.__wrapped__, inner.wrt, ()
    elif isinstance(inner, NestedGradient):
        if inner.kind != "grad":
            raise UnsupportedSyntax(
                "grad of a value_and_grad function",
                "differentiate the grad function: it returns one value",
            )
        f, inner_wrt, directions = inner.f, inner.wrt, inner.directions
    else:  # pragma: no cover - callers check
        raise TypeError(inner)
    names, is_tuple = _names(f, inner_wrt)
    if is_tuple:
        raise NonScalarOutput(
            f"grad of grad(f, wrt={inner_wrt!r}), which returns a tuple",
            "differentiate a gradient with respect to one scalar parameter, or "
            "use adcompile.hessian(f, wrt=...) for all second derivatives",
        )
    outer, outer_tuple = _names(f, wrt)
    if outer_tuple:
        raise UnsupportedSyntax(
            "grad of a gradient with respect to a tuple of parameters",
            "take one parameter at a time, or use adcompile.hessian",
        )
    return NestedGradient(f, outer[0], (*directions, names[0]), kind)


def _names(f: Callable[..., Any], wrt: Any) -> tuple[list[str], bool]:
    """The parameter names ``wrt`` selects, as the caller of ``f`` sees its
    parameters (a bound method's ``self`` is not one of them)."""
    names, is_tuple = resolve_wrt(f, wrt)  # reads f's signature, checks wrt
    return list(names), is_tuple


def _bind(f: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    signature = inspect.signature(f)  # as the caller sees it (no ``self``)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _unit(value: Any, name: str) -> Any:
    """The tangent 1 for a scalar parameter; arrays have no single direction."""
    if np.ndim(value) != 0 or isinstance(value, (list, tuple, dict)):
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


# ---- Jacobians and Hessians ---------------------------------------------------


def _positions(f: Callable[..., Any], wrt: Any) -> tuple[list[int], bool]:
    """Positional indices of the parameters ``wrt`` names (index, name or a
    tuple of them), read from f's signature (bound methods and gradient
    functions included)."""
    names, is_tuple = _names(f, wrt)
    params = list(inspect.signature(f).parameters)
    return [params.index(name) for name in names], is_tuple


def jacfwd(f: Callable[..., Any], wrt: Any = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` with respect to ``wrt``, by forward mode: one
    tangent pass per input entry. Its shape is ``out.shape + in.shape``."""

    def jacobian(*args: Any) -> Any:
        positions, is_tuple = _positions(f, wrt)
        blocks = []
        for position in positions:
            x = np.asarray(args[position])
            if not np.issubdtype(x.dtype, np.floating):
                raise IntegerInput(
                    f"the Jacobian with respect to argument {position}, an "
                    f"integer value: integers have no derivative",
                    "pass floats (3.0 rather than 3) or float arrays",
                )
            columns = []
            for index in np.ndindex(x.shape):
                unit = np.zeros(x.shape, dtype=x.dtype)
                unit[index] = 1.0
                seed = float(unit) if isinstance(args[position], float) else unit
                tangents = [None] * len(args)
                tangents[position] = seed
                _, tangent = jvp(f, args, tangents)
                columns.append(tangent)
            blocks.append(_assemble(columns, x.shape))
        return tuple(blocks) if is_tuple else blocks[0]

    jacobian.__name__ = f"jacfwd_{getattr(f, '__name__', 'f')}"
    return jacobian


def jacrev(f: Callable[..., Any], wrt: Any = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` with respect to ``wrt``, by reverse mode: one
    backward pass per output entry. Its shape is ``out.shape + in.shape``."""
    if isinstance(f, (GradientFunction, NestedGradient)):
        raise UnsupportedSyntax(
            "jacrev of a gradient function (reverse over reverse)",
            "use adcompile.jacfwd(adcompile.grad(f)) or adcompile.hessian(f)",
        )

    def jacobian(*args: Any) -> Any:
        value, pullback = vjp(f, *args, wrt=wrt)
        out = np.asarray(value)
        _, is_tuple = _positions(f, wrt)
        rows: list[Any] = []
        for index in np.ndindex(out.shape):
            unit = np.zeros(out.shape, dtype=np.result_type(out.dtype, float))
            unit[index] = 1.0
            cotangent = float(unit) if isinstance(value, float) else unit
            rows.append(pullback(cotangent))
        if is_tuple:
            count = len(rows[0])
            return tuple(
                np.reshape(
                    np.stack([np.asarray(r[k]) for r in rows]),
                    out.shape + np.shape(rows[0][k]),
                )
                for k in range(count)
            )
        stacked = np.stack([np.asarray(r) for r in rows])
        return np.reshape(stacked, out.shape + np.shape(rows[0]))

    jacobian.__name__ = f"jacrev_{getattr(f, '__name__', 'f')}"
    return jacobian


def _assemble(columns: list[Any], in_shape: tuple[int, ...]) -> Any:
    """Tangents for each input entry -> an array of out.shape + in.shape
    (a tuple of such arrays when the output is a tuple)."""
    first = columns[0]
    if isinstance(first, tuple):
        return tuple(
            _assemble([c[k] for c in columns], in_shape) for k in range(len(first))
        )
    stacked = np.stack([np.asarray(c) for c in columns], axis=-1)
    return np.reshape(stacked, np.shape(first) + in_shape)


def hessian(f: Callable[..., Any], wrt: Any = 0) -> Callable[..., Any]:
    """The Hessian of a scalar function: forward mode over its gradient.
    For an input of shape s, the Hessian has shape s + s."""
    inner = GradientFunction(f, wrt, "grad")
    hess = jacfwd(inner, wrt)
    hess.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return hess


def hvp(
    f: Callable[..., Any],
    primals: tuple[Any, ...] | list[Any],
    tangents: tuple[Any, ...] | list[Any],
) -> Any:
    """The Hessian of scalar ``f`` at ``primals`` times ``tangents``: one
    tangent pass through the gradient code (forward over reverse). The
    gradient is taken with respect to the arguments whose tangent is not
    None; the result has one entry per such argument (a tuple if several)."""
    wrt = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not wrt:
        raise UnsupportedSyntax(
            "hvp with every tangent None",
            "pass a tangent for at least one argument",
        )
    inner = GradientFunction(f, wrt if len(wrt) > 1 else wrt[0], "grad")
    _, product = jvp(inner, primals, tangents)
    return product
