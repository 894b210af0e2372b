"""The binary cross-entropy of a sigmoid is one primitive where the sigmoid
was computed in the same block and neither p nor z was assigned again: its
gradient reads ``y - p``. The written-out log-softmax is one primitive
whose gradient reads ``g - np.exp(ans) * axis_total(g, axis)``. Elsewhere
each is lowered as written. Finite differences check every case in
tests/spec/compositions.py (the ``sigmoid_cross_entropy`` and
``log_softmax`` rows)."""

from __future__ import annotations

import numpy as np

import adcompile
from tests.gradcheck import check_grad
from tests.spec import compositions as c


def _source(f, wrt) -> str:
    return adcompile.grad(f, wrt=wrt).source


def test_logistic_loss_reads_y_minus_p() -> None:
    source = _source(c.sigmoid_cross_entropy, 0)
    assert "(y - p)" in source
    code = [line for line in source.splitlines() if not line.strip().startswith("#")]
    assert not any("np.log" in line for line in code)  # the loss is not needed


def test_either_order_is_recognised() -> None:
    assert "(y - p)" in _source(c.sigmoid_cross_entropy_swapped, (0, 1))


def test_reassigned_or_outer_sigmoid_is_lowered_as_written() -> None:
    assert "(y - p" not in _source(c.sigmoid_cross_entropy_changed, (0, 1))
    assert "(y - p" not in _source(c.sigmoid_cross_entropy_in_loop, (0, 1))


def test_large_margins() -> None:
    w = np.array([3.0, -2.0])
    x = np.array([[1.0, 0.5], [-10.0, 5.0], [0.2, 0.1]])  # a p near 4e-18
    y = np.array([1.0, 0.0, 1.0])
    check_grad(c.sigmoid_cross_entropy, (w, x, y), wrt=0)


def test_log_softmax_reads_softmax() -> None:
    for f, wrt in (
        (c.log_softmax_written, 0),
        (c.log_softmax_all_axes, 0),
        (c.log_softmax_axis_first, 0),
    ):
        assert "np.exp(logp) * axis_total(" in _source(f, wrt)


def test_log_softmax_lookalikes_are_lowered_as_written() -> None:
    assert "axis_total(" not in _source(c.log_softmax_not_the_pattern, (0, 1))


def test_log_softmax_of_max_shift_skips_the_max() -> None:
    assert "extremum_grad" not in _source(c.log_softmax_written, 0)
    # the shifted values' other use still needs the max's adjoint
    used_again = _source(c.log_softmax_shift_used_again, 0)
    assert "bx = blogp - np.exp(logp) * axis_total(blogp, -1)" in used_again
    assert "extremum_grad" in used_again
    assert "extremum_grad" in _source(c.log_softmax_other_shifts, 0)
