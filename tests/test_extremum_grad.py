"""extremum_grad shares the adjoint of max/min equally among the entries
that attain it, for every axis and keepdims, with ties (rows in the spec
table check it against finite differences where there are no ties)."""

from __future__ import annotations

import numpy as np
import pytest

from adcompile._src.runtime.core import extremum_grad


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
def test_ties_share_equally(axis, keepdims) -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.5]])
    ans = np.max(x, axis=axis, keepdims=keepdims)
    g = np.arange(1.0, np.size(ans) + 1.0).reshape(np.shape(ans))
    full_ans = np.max(x, axis=axis, keepdims=True)
    full_g = np.reshape(g, np.shape(full_ans))
    mask = x == full_ans
    expected = mask * full_g / np.sum(mask, axis=axis, keepdims=True)
    out = extremum_grad(g, x, ans, axis, keepdims)
    assert out.shape == x.shape
    np.testing.assert_array_equal(out, expected)


def test_scalar() -> None:
    assert extremum_grad(2.0, np.float64(1.5), np.float64(1.5)) == 2.0
