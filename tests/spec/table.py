"""The spec table's rows: what a row holds, and the data it is called with.

Each row is a small function defined in a module of this package (adcompile
reads its source), the arguments to call it with, and which parameters to
differentiate. Rows are checked in reverse and forward mode against central
finite differences and, where autograd has the function, against autograd
(see tests/test_rules.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

RNG = np.random.default_rng(20240501)


def data(shape: Any, low: float = -1.5, high: float = 1.5) -> Any:
    """Uniform data of ``shape``; the shape "float" means a Python float."""
    if shape == "float":
        return float(RNG.uniform(low, high))
    return RNG.uniform(low, high, shape)


def away(shape: Any, low: float = 0.3, high: float = 1.5) -> Any:
    """Data of either sign with low <= |x| <= high."""
    magnitude = data(shape, low, high)
    sign = RNG.choice([-1.0, 1.0], size=None if shape == "float" else shape)
    return float(magnitude * sign) if shape == "float" else magnitude * sign


@dataclass(frozen=True)
class Row:
    id: str
    f: Callable[..., Any]
    args: tuple[Any, ...]
    wrt: Any = 0
    fd: bool = True  # check against finite differences
    ag: bool = True  # check against autograd
    rtol: float = 1e-5
    forward: bool = True  # check forward mode (jvp) against finite differences
    second_order: bool = False  # check Hessian-vector products too


ROWS: list[Row] = []


def row(id: str, f: Callable[..., Any], *args: Any, **options: Any) -> None:
    ROWS.append(Row(id, f, args, **options))


def shape_id(shape: Any) -> str:
    if shape == "float":
        return "float"
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
