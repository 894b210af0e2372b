"""The einsum adjoints' two paths agree: numpy's C loop for small
contractions and the optimized (BLAS) path for large ones give the same
adjoint for every form of subscripts (repeated subscripts, ellipses with
broadcasting, implicit outputs, the sublist form, complex operands, three
operands). Finite-difference checks of the large path are rows of
tests/spec/einsum.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from adcompile._src.runtime import products

RNG = np.random.default_rng(7)

CASES: list[tuple[Any, ...]] = [
    ("kij,nkj->nki", (5, 4, 4), (6, 5, 4)),
    ("ij,jk", (3, 4), (4, 5)),
    ("ii,i->i", (3, 3), (3,)),
    ("iij,jk->ik", (3, 3, 2), (2, 4)),
    ("...ij,...jk->...ik", (1, 3, 4), (2, 4, 2)),
    ("ij,j->i", (3, 1), (4,)),
    (",i->i", (), (3,)),
    ("i,i", (3,), (3,)),
    ("ij,jk,k->i", (2, 3), (3, 4), (4,)),
]


def _operand(shape: tuple, complex_: bool) -> Any:
    real = RNG.normal(size=shape)
    return real + 1j * RNG.normal(size=shape) if complex_ else real


def _both(args: tuple, position: int, g: Any, monkeypatch: Any) -> tuple[Any, Any]:
    with monkeypatch.context() as m:
        m.setattr(products, "_OPTIMIZE_FROM", 0)
        fast = products.einsum_vjp(g, position, *args)
    with monkeypatch.context() as m:
        m.setattr(products, "_OPTIMIZE_FROM", 10**18)
        loop = products.einsum_vjp(g, position, *args)
    return fast, loop


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_paths_agree(case: tuple, complex_: bool, monkeypatch: Any) -> None:
    spec, *shapes = case
    operands = [_operand(s, complex_) for s in shapes]
    result = np.einsum(spec, *operands)
    g = _operand(np.shape(result), complex_)
    for k in range(len(operands)):
        args = tuple(np.shape(a) if i == k else a for i, a in enumerate(operands))
        fast, loop = _both((spec, *args), k + 1, g, monkeypatch)
        assert np.shape(fast) == shapes[k]
        np.testing.assert_allclose(fast, loop, rtol=1e-12, atol=1e-12)


def test_sublist_form_paths_agree(monkeypatch: Any) -> None:
    a, b = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(4, 2))
    g = RNG.normal(size=np.shape(np.einsum(a, [Ellipsis, 1, 0], b, [0, 2])))
    for position, args in (
        (0, (np.shape(a), [Ellipsis, 1, 0], b, [0, 2])),
        (2, (a, [Ellipsis, 1, 0], np.shape(b), [0, 2])),
    ):
        fast, loop = _both(args, position, g, monkeypatch)
        np.testing.assert_allclose(fast, loop, rtol=1e-12, atol=1e-12)


def test_large_contraction_takes_the_optimized_path(monkeypatch: Any) -> None:
    seen: list[Any] = []
    real = np.einsum

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("optimize"))
        return real(*args, **kwargs)

    monkeypatch.setattr(products.np, "einsum", spy)
    ls, xc = RNG.normal(size=(25, 10, 10)), RNG.normal(size=(100, 25, 10))
    g = RNG.normal(size=(100, 25, 10))
    products.einsum_vjp(g, 1, "kij,nkj->nki", np.shape(ls), xc)
    products.einsum_vjp(np.ones((2, 2)), 1, "ij,jk", (2, 2), np.ones((2, 2)))
    assert seen == [True, False]
