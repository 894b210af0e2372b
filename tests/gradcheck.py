"""Gradient checks shared by the test modules.

``check_grad`` compares ``adcompile.grad`` with central finite differences
along random directions; ``check_against_autograd`` compares it with HIPS
autograd, used as an oracle (autograd is a test-only dependency). Both also
check what every gradient must satisfy: one gradient per ``wrt`` entry, in
the type, shape and dtype of its parameter (a Python float for a float),
a fresh writable array that shares no memory with the arguments, and
arguments left exactly as they were passed.

Functions checked here must be defined in a real file (a test module is
fine): adcompile reads their source.
"""

from __future__ import annotations

import copy
import inspect
import math
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import adcompile

__all__ = [
    "autograd_version",
    "check_against_autograd",
    "check_grad",
    "compute_grads",
    "numeric_directional_derivative",
]


# ---- wrt, arguments, gradients ----------------------------------------------


def wrt_positions(f: Callable[..., Any], wrt: Any) -> list[int]:
    """Positional indices of the parameters named by ``wrt`` (index, name, tuple)."""
    names = list(inspect.signature(f).parameters)
    items = list(wrt) if isinstance(wrt, (tuple, list)) else [wrt]
    return [
        names.index(item) if isinstance(item, str) else item % len(names)
        for item in items
    ]


def _as_list(grads: Any, wrt: Any) -> list[Any]:
    if isinstance(wrt, (tuple, list)):
        assert isinstance(
            grads, tuple
        ), f"wrt={wrt!r} must give a tuple, got {type(grads)}"
        assert len(grads) == len(wrt), f"{len(grads)} gradients for wrt={wrt!r}"
        return list(grads)
    return [grads]


def _snapshot(args: Sequence[Any]) -> list[Any]:
    return [copy.deepcopy(a) for a in args]


def _same_value(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(
            _same_value(x, y) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(np.all(a == b))


def assert_not_mutated(before: Sequence[Any], after: Sequence[Any]) -> None:
    for position, (old, new) in enumerate(zip(before, after, strict=True)):
        assert _same_value(
            old, new
        ), f"argument {position} was mutated: {old!r} -> {new!r}"


def assert_gradient_like(
    gradient: Any, x: Any, label: str, args: Sequence[Any] = ()
) -> None:
    """``gradient`` has the type, shape and dtype of ``x`` and owns fresh memory."""
    if isinstance(x, float) and not isinstance(x, np.floating):
        assert (
            type(gradient) is float
        ), f"{label}: gradient of a float is {type(gradient).__name__}"
        return
    if isinstance(x, np.floating):
        assert type(gradient) is type(x), f"{label}: {type(gradient)} for {type(x)}"
        return
    assert isinstance(x, np.ndarray), f"{label}: unexpected input type {type(x)}"
    assert isinstance(
        gradient, np.ndarray
    ), f"{label}: gradient is {type(gradient).__name__}"
    assert (
        gradient.shape == x.shape
    ), f"{label}: gradient shape {gradient.shape} != {x.shape}"
    assert (
        gradient.dtype == x.dtype
    ), f"{label}: gradient dtype {gradient.dtype} != {x.dtype}"
    assert gradient.flags.writeable, f"{label}: gradient is read-only"
    for position, arg in enumerate(args):
        if isinstance(arg, np.ndarray):
            assert not np.shares_memory(
                gradient, arg
            ), f"{label}: gradient shares memory with argument {position}"


def compute_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Any = 0,
    value_and_grad: bool = True,
) -> list[Any]:
    """``adcompile.grad(f, wrt)(*args)`` as a list, with the common checks.

    The gradient function is called twice: the first call runs the general
    code, the second the variant for the arguments' shapes (specialized.py),
    which must give the same gradients. With ``value_and_grad``, also checks
    that ``adcompile.value_and_grad`` returns f's value and the same gradients.
    """
    original = _snapshot(args)
    left_by_f = _snapshot(original)  # what f itself leaves in its arguments
    f(*left_by_f)
    gradient_function = adcompile.grad(f, wrt=wrt)
    grads: list[Any] = []
    for call in ("general", "variant"):
        args = _snapshot(original)
        got = _as_list(gradient_function(*args), wrt)
        assert_not_mutated(left_by_f, args)  # unchanged, unless f writes into them
        for position, gradient in zip(wrt_positions(f, wrt), got, strict=True):
            assert_gradient_like(
                gradient, args[position], f"{f.__name__} wrt {position} ({call})", args
            )
        for gradient, other in zip(grads or got, got, strict=True):
            assert type(gradient) is type(other), f"{f.__name__}: {call} type"
            np.testing.assert_allclose(
                other,
                gradient,
                rtol=1e-12,
                atol=1e-300,
                err_msg=f"{f.__name__}: {call}",
            )
        grads = grads or got
    if value_and_grad:
        both = adcompile.value_and_grad(f, wrt=wrt)
        expected_value = f(*_snapshot(original))
        for _ in ("general", "variant"):
            args = _snapshot(original)
            value, again = both(*args)
            assert_not_mutated(left_by_f, args)
            np.testing.assert_allclose(
                value, expected_value, rtol=1e-12, err_msg=f"{f.__name__}: value"
            )
            for gradient, other in zip(grads, _as_list(again, wrt), strict=True):
                assert type(gradient) is type(other)
                np.testing.assert_allclose(
                    other, gradient, rtol=1e-12, err_msg=f"{f.__name__}: value_and_grad"
                )
    return grads


# ---- finite differences -----------------------------------------------------


def _shifted(x: Any, v: Any, h: float) -> Any:
    """x + h v, computed (and returned) in float64 whatever x's precision."""
    if isinstance(x, np.ndarray):
        return x.astype(np.float64) + h * v
    if isinstance(x, np.floating):
        return np.float64(x) + h * v
    return float(x) + h * v


def _scalar(value: Any) -> float:
    assert np.ndim(value) == 0, f"f returned shape {np.shape(value)}"
    return float(value)


def numeric_directional_derivative(
    f: Callable[..., Any],
    args: Sequence[Any],
    positions: Sequence[int],
    directions: Sequence[Any],
    step: float,
) -> float:
    """(f(x + h v) - f(x - h v)) / 2h, moving the arguments at ``positions``."""
    plus, minus = list(args), list(args)
    for position, v in zip(positions, directions, strict=True):
        plus[position] = _shifted(args[position], v, step)
        minus[position] = _shifted(args[position], v, -step)
    return (_scalar(f(*plus)) - _scalar(f(*minus))) / (2.0 * step)


def smooth_at(
    f: Callable[..., Any], args: Sequence[Any], wrt: Any, tries: int = 3
) -> bool:
    """Whether ``f`` looks differentiable at ``args``: central differences
    with two step sizes agree along random directions. A point on a branch
    boundary (``np.where(a > b, ...)`` with ``a == b``) has no derivative to
    check, whatever a tool returns there."""
    positions = wrt_positions(f, wrt)
    rng = np.random.default_rng(1)
    for _ in range(tries):
        vs = [_direction(args[p], rng) for p in positions]
        fine = numeric_directional_derivative(f, args, positions, vs, 1e-7)
        coarse = numeric_directional_derivative(f, args, positions, vs, 1e-5)
        if not np.isfinite(fine) or abs(fine - coarse) > 1e-3 * max(1.0, abs(coarse)):
            return False
    return True


def _direction(x: Any, rng: np.random.Generator) -> Any:
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def check_grad(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Any = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    directions: int = 3,
    seed: int = 0,
) -> list[Any]:
    """Check ``adcompile.grad(f, wrt)`` against central finite differences.

    Along ``directions`` random directions v (one block per wrt parameter,
    scaled to unit norm overall), the directional derivative <grad, v> must
    match (f(x + hv) - f(x - hv)) / 2h with h = 1e-6 * max(1, |x|_inf) to
    within atol + rtol * |<grad, v>| (plus the rounding error of the
    difference quotient). Returns the gradients, as a list.
    """
    args = list(args)
    grads = compute_grads(f, args, wrt)
    positions = wrt_positions(f, wrt)
    assert all(
        np.all(np.isfinite(g)) for g in grads
    ), f"{f.__name__}: non-finite gradient {grads}"
    scale = max(
        [1.0] + [float(np.max(np.abs(args[p]), initial=0.0)) for p in positions]
    )
    step = 1e-6 * scale
    value = abs(_scalar(f(*args)))
    rng = np.random.default_rng(seed)
    for _ in range(directions):
        vs = [_direction(args[p], rng) for p in positions]
        norm = math.sqrt(sum(float(np.sum(np.square(v))) for v in vs)) or 1.0
        vs = [v / norm for v in vs]
        analytic = sum(
            float(np.sum(np.asarray(g, np.float64) * v))
            for g, v in zip(grads, vs, strict=True)
        )
        numeric = numeric_directional_derivative(f, args, positions, vs, step)
        rounding = 1e-14 * max(value, 1.0) / step
        tolerance = atol + rounding + rtol * max(abs(analytic), abs(numeric))
        assert abs(analytic - numeric) <= tolerance, (
            f"{f.__name__} wrt {wrt!r}: <grad, v> = {analytic!r} but finite "
            f"differences give {numeric!r} (|diff| {abs(analytic - numeric):.3g} > "
            f"{tolerance:.3g}); grads = {grads!r}"
        )
    return grads


# ---- autograd as an oracle --------------------------------------------------


def _autograd_math() -> types.SimpleNamespace:
    """A stand-in for the math module whose functions autograd can trace."""
    import autograd.numpy as anp

    names = {
        "sin": anp.sin, "cos": anp.cos, "tan": anp.tan, "exp": anp.exp,
        "sqrt": anp.sqrt, "tanh": anp.tanh, "sinh": anp.sinh, "cosh": anp.cosh,
        "asin": anp.arcsin, "acos": anp.arccos, "atan": anp.arctan,
        "log1p": anp.log1p, "expm1": anp.expm1, "fabs": anp.abs,
        "pow": anp.power,
    }  # fmt: skip

    def log(x: Any, base: float = math.e) -> Any:
        return anp.log(x) / math.log(base) if base != math.e else anp.log(x)

    return types.SimpleNamespace(
        **names, log=log, pi=math.pi, e=math.e, floor=math.floor
    )


def autograd_version(f: types.FunctionType) -> types.FunctionType:
    """``f`` with its globals ``np`` and ``math`` swapped for autograd's."""
    import autograd.numpy as anp

    namespace = dict(f.__globals__)
    namespace["np"] = anp
    namespace["math"] = _autograd_math()
    clone = types.FunctionType(
        f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__
    )
    clone.__kwdefaults__ = f.__kwdefaults__
    return clone


def check_against_autograd(
    f_np: Callable[..., Any],
    f_ag: Callable[..., Any] | None,
    args: Sequence[Any],
    wrt: Any = 0,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> list[Any]:
    """Check ``adcompile.grad(f_np, wrt)`` against ``autograd.grad(f_ag)``.

    ``f_ag`` is the same function written with ``autograd.numpy``; None means
    ``autograd_version(f_np)``. Returns adcompile's gradients, as a list.
    """
    import autograd

    if f_ag is None:
        f_ag = autograd_version(f_np)
    args = list(args)
    grads = compute_grads(f_np, args, wrt)
    positions = wrt_positions(f_np, wrt)
    argnum = tuple(positions) if isinstance(wrt, (tuple, list)) else positions[0]
    expected = autograd.grad(f_ag, argnum)(*args)
    expected = list(expected) if isinstance(wrt, (tuple, list)) else [expected]
    for position, got, want in zip(positions, grads, expected, strict=True):
        np.testing.assert_allclose(
            np.asarray(got, np.float64),
            np.asarray(want, np.float64),
            rtol=rtol,
            atol=atol,
            err_msg=f"{f_np.__name__} wrt argument {position}: adcompile vs autograd",
        )
    return grads


def autograd_clone(f):
    """``autograd_version(f)``, with the functions of f's module that it may
    call (defined there, not f itself) swapped for autograd versions too."""
    clone = autograd_version(f)
    namespace = clone.__globals__
    for name, value in list(namespace.items()):
        if (
            isinstance(value, types.FunctionType)
            and value.__globals__ is f.__globals__
            and value is not f
        ):
            namespace[name] = types.FunctionType(
                value.__code__, namespace, name, value.__defaults__, value.__closure__
            )
    return clone


def check_variant(f: Callable[..., Any], args: Sequence[Any], wrt: Any = 0) -> None:
    """The variant compiled for ``args``' shapes gives the general code's
    gradients: the same shapes and types, the same values to rounding."""
    from adcompile._src.compilation.compiler import Options, compiled
    from adcompile._src.compilation.specialized import argument_shapes

    general = compiled(f, wrt, "grad").function(*args)
    variant = compiled(f, wrt, "grad", Options(shapes=argument_shapes(f, args)))
    got = variant.function(*args)
    if not isinstance(wrt, tuple):
        general, got = [general], [got]
    for g, e in zip(got, general, strict=True):
        assert np.shape(g) == np.shape(e) and type(g) is type(e)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
