"""Trees of floats and arrays (the entry functions' arguments, gradients,
directions): mapping, inner products, exact and close comparison, drawing
arguments by kind, and central finite differences along a direction."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.compose.generator import PARAM_KINDS

__all__ = [
    "close",
    "draw_args",
    "fd",
    "inner",
    "leaves",
    "like",
    "same",
    "shifted",
    "tree_map",
    "unit_directions",
]


def _fields(tree: Any) -> dict[str, Any] | None:
    """The fields of a dataclass object, None for anything else."""
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        return {f.name: getattr(tree, f.name) for f in dataclasses.fields(tree)}
    return None


def leaves(tree: Any) -> list[Any]:
    if (fields := _fields(tree)) is not None:
        return leaves(list(fields.values()))
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def tree_map(fn: Callable[..., Any], tree: Any, *others: Any) -> Any:
    if (fields := _fields(tree)) is not None:
        return type(tree)(
            **{
                k: tree_map(fn, v, *(getattr(o, k) for o in others))
                for k, v in fields.items()
            }
        )
    if isinstance(tree, dict):
        return {k: tree_map(fn, tree[k], *(o[k] for o in others)) for k in tree}
    if isinstance(tree, (list, tuple)):
        items = [tree_map(fn, t, *(o[i] for o in others)) for i, t in enumerate(tree)]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return fn(tree, *others)


def inner(a: Any, b: Any) -> float:
    return sum(
        float(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64)))
        for x, y in zip(leaves(a), leaves(b), strict=True)
    )


def same(a: Any, b: Any) -> bool:
    """Exactly equal trees (types, shapes, dtypes and values)."""
    if type(a) is not type(b):
        return False
    if (fields := _fields(a)) is not None:
        return same(fields, _fields(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    return bool(a == b) or (math.isnan(a) and math.isnan(b))


def close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(
        np.shape(x) == np.shape(y) and np.allclose(x, y, rtol=rtol, atol=atol)
        for x, y in zip(la, lb, strict=False)
    )


def like(gradient: Any, x: Any) -> bool:
    """``gradient`` has the structure, types and shapes of the argument ``x``."""
    if (fields := _fields(x)) is not None:
        return type(gradient) is type(x) and like(_fields(gradient), fields)
    if isinstance(x, dict):
        return (
            isinstance(gradient, dict)
            and gradient.keys() == x.keys()
            and all(like(gradient[k], x[k]) for k in x)
        )
    if isinstance(x, (list, tuple)):
        return (
            type(gradient) is type(x)
            and len(gradient) == len(x)
            and all(like(g, y) for g, y in zip(gradient, x, strict=False))
        )
    if isinstance(x, np.ndarray):
        return isinstance(gradient, np.ndarray) and gradient.shape == x.shape
    return type(gradient) is float


def draw_args(
    params: list[str], rng: np.random.Generator, namespace: dict | None = None
) -> list[Any]:
    """Arguments by kind; ``namespace`` (the program's globals) holds the
    classes of object parameters."""

    def value(kind: str) -> Any:
        if kind == "s":
            return round(float(rng.uniform(-1.2, 1.2)), 3)
        if kind == "v":
            return rng.uniform(-1.2, 1.2, size=3)
        if kind == "m":
            return rng.uniform(-1.2, 1.2, size=(2, 3))
        if kind == "dict":
            return {"w": value("v"), "b": value("s")}
        if kind == "q":
            return namespace["Pair"](value("v"), value("s"))
        if kind == "P":
            return namespace["Lin"](value("m"), value("v"))
        if kind == "tt":
            return (value("v"), (value("v"), value("s")))
        return [value("v"), value("v")]

    return [value(PARAM_KINDS[name]) for name in params]


def unit_directions(args: list[Any], rng: np.random.Generator, n: int) -> list:
    out = []
    for _ in range(n):
        tree = tree_map(lambda x: rng.standard_normal(np.shape(x)), args)
        norm = math.sqrt(inner(tree, tree)) or 1.0
        out.append(
            tree_map(lambda x, n=norm: x / n if np.ndim(x) else float(x) / n, tree)
        )
    return out


def shifted(args: list[Any], direction: list[Any], h: float) -> list[Any]:
    return tree_map(
        lambda x, v: x + h * v if isinstance(x, np.ndarray) else float(x + h * v),
        args,
        direction,
    )


def fd(fn: Callable[..., Any], args: list, direction: list, h: float) -> float:
    plus = float(fn(*shifted(args, direction, h)))
    minus = float(fn(*shifted(args, direction, -h)))
    return (plus - minus) / (2 * h)
