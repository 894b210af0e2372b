"""Jacobians and Hessians.

Everything here is built from the two generated programs: the gradient
(reverse mode) and the tangent program (forward mode). Derivative code is
ordinary numpy code whose helpers have rules, so forward mode runs through
it: a Hessian-vector product is the tangent program of the gradient
(forward over reverse), which costs a small constant times one gradient.

``grad`` of a gradient function is ``nested.py``'s.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from adcompile._src.api.api import jvp, vjp
from adcompile._src.api.functions import GradientFunction
from adcompile._src.api.nested import DIFFERENTIABLE, NestedGradient, wrt_names
from adcompile._src.errors import IntegerInput, UnsupportedSyntax


def _positions(f: Callable[..., Any], wrt: Any) -> tuple[list[int], bool]:
    """Positional indices of the parameters ``wrt`` names (index, name or a
    tuple of them), read from f's signature (bound methods and gradient
    functions included)."""
    names, is_tuple = wrt_names(f, wrt)
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
            if x.dtype == object:  # an object with fields, or a container
                raise UnsupportedSyntax(
                    f"the Jacobian with respect to argument {position}, a "
                    f"{type(args[position]).__name__}: Jacobians and Hessians "
                    "are taken with respect to one float or float array",
                    "pass its arrays as separate arguments, or use "
                    "adcompile.hvp(f, primals, tangents) and adcompile.grad, "
                    "which take objects and containers",
                )
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
                tangents: list[Any] = [None] * len(args)
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
    inner = GradientFunction(f, wrt, "grad", DIFFERENTIABLE)
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
    inner = GradientFunction(f, wrt if len(wrt) > 1 else wrt[0], "grad", DIFFERENTIABLE)
    _, product = jvp(inner, primals, tangents)
    return product
