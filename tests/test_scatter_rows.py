"""The adjoint of ``x[rows]`` (rows a 1-D integer array) sums with
np.bincount what np.add.at sums, in the same order: equal to the last bit,
for repeated and negative rows, narrow and wide rows, an empty index, and
when added into an adjoint already there. Finite-difference checks are the
``index_rows_twice`` rows of tests/spec/indexing.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from adcompile._src.runtime.containers import unindex, unindex_add

RNG = np.random.default_rng(3)


def _add_at(g: Any, x: Any, rows: Any) -> Any:
    out = np.zeros(x.shape)
    np.add.at(out, rows, g)
    return out


@pytest.mark.parametrize("shape", [(5,), (5, 3), (5, 4, 5), (1, 2), (6, 0)], ids=str)
@pytest.mark.parametrize(
    "rows",
    [[0, 4, 4, -1, 2, 0, -5], [3], [], np.array([2, 2, 1], dtype=np.uint8)],
    ids=["repeated-negative", "one", "empty", "uint8"],
)
def test_equals_add_at(shape: tuple, rows: Any) -> None:
    x = RNG.normal(size=shape)
    rows = np.asarray(rows, dtype=getattr(rows, "dtype", np.intp))
    rows = rows[(rows >= -shape[0]) & (rows < shape[0])]
    g = RNG.normal(size=rows.shape + shape[1:])
    expected = _add_at(g, x, rows)
    assert np.array_equal(unindex(g, x, rows), expected)
    acc = RNG.normal(size=shape)
    assert np.array_equal(unindex_add(acc.copy(), g, x, rows), acc + expected)


def test_out_of_bounds_row_raises() -> None:
    x = np.zeros((3, 2))
    with pytest.raises(IndexError):
        unindex(np.ones((1, 2)), x, np.array([3]))


def test_other_dtypes_keep_add_at() -> None:
    x = np.zeros((3, 2), dtype=np.float32)
    g = np.ones((2, 2), dtype=np.float32)
    out = unindex(g, x, np.array([1, 1]))
    assert out.dtype == np.float32 and out[1, 0] == 2.0
    z = np.zeros((3,), dtype=complex)
    out = unindex(np.array([1j, 2.0]), z, np.array([0, 0]))
    assert out.dtype == complex and out[0] == 2.0 + 1j
