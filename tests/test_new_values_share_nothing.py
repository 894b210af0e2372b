"""Values that code run as written makes new share no memory with what they
were made from: a reduction (``np.sum``, ``np.mean``, ``np.clip``: numpy
functions whose rules make a new value) and ``+`` on a number (``loss +=
hid``: a list joins only a list). A write into the array afterwards was
refused ("'loss' sees its memory") wherever the statement carried no
derivative, e.g. under ``grad`` with respect to the first argument only
(long run, seed 2001). A function given ``out=`` or ``copy=False`` may
return its input: still followed as sharing it.

Each program is checked in every mode (``grad_first`` too) against finite
differences, with the arguments as ``f`` leaves them.
"""

from __future__ import annotations

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_body

RIGHT = {
    "a_float_accumulating_a_reduction": (
        ["a", "x"],
        """
        def f(a, x):
            hid = np.zeros(3)
            y = x * 2.0
            loss = 0.0
            loss += 0.3 * np.sum((hid - y) ** 2)
            hid[2] = np.tanh(a)
            return a * loss + np.sum(hid * x)
        """,
    ),
    "a_float_accumulating_an_array": (
        ["a", "x"],
        """
        def f(a, x):
            hid = np.tanh(x)
            loss = 0.0
            loss += hid
            hid[0] = a * x[1]
            return np.sum(loss * hid) + a
        """,
    ),
    "means_and_clips_then_written": (
        ["a", "x"],
        """
        def f(a, x):
            buf = np.cos(x)
            m = np.mean(buf, axis=0)
            c = np.clip(buf, -0.5, 0.5)
            buf[1] = a * m
            return np.sum(buf * c) + m * a
        """,
    ),
    "a_loop_accumulating_then_writing": (
        ["a", "x"],
        """
        def f(a, x):
            hid = np.zeros(3)
            loss = 0.0
            for k in range(3):
                hid = np.tanh(x * a + hid)
                loss += 0.3 * np.sum((hid - x) ** 2)
                hid[k] = loss * 0.5
            return loss + np.sum(hid)
        """,
    ),
}

REFUSED_OR_RIGHT = {
    # np.nan_to_num(x, copy=False) returns x itself: the write reaches x
    "a_reduction_returning_its_input": (
        ["a", "x"],
        """
        def f(a, x):
            buf = np.cos(x)
            y = np.nan_to_num(buf, copy=False)
            y[0] = a * 2.0
            return np.sum(buf * x) + np.sum(y)
        """,
    ),
    "a_sum_into_out": (
        ["a", "x"],
        """
        def f(a, x):
            buf = np.cos(x)
            out = np.zeros(())
            t = np.sum(buf, out=out)
            out[...] = a
            return np.sum(buf) * t + a
        """,
    ),
    # a list joined with a list holding the array: it sees the write
    "a_list_joined": (
        ["a", "x"],
        """
        def f(a, x):
            hid = np.tanh(x)
            L = []
            L += [hid]
            hid[0] = a
            return np.sum(L[0] * x)
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_write_after_a_new_value_is_right_in_every_mode(name: str) -> None:
    params, body = RIGHT[name]
    result = check_body(body, params, seed=5, program_id=name)
    assert result.klass == "pass", (body, result)


@pytest.mark.parametrize("name", sorted(REFUSED_OR_RIGHT))
def test_a_value_that_may_be_the_input_is_right_or_refused(name: str) -> None:
    params, body = REFUSED_OR_RIGHT[name]
    result = check_body(body, params, seed=5, program_id=name)
    assert result.klass in ("pass", "refused"), (body, result)


def _nan_to_num_in_place(a, x):
    buf = np.cos(x) * a
    y = np.nan_to_num(buf, copy=False)
    y[0] = a * 2.0
    return np.sum(buf * x) + np.sum(y)


def _median_overwriting(a, x):
    buf = np.cos(x) * a
    return np.median(buf, overwrite_input=True) + np.sum(buf * x)


@pytest.mark.parametrize(
    "f, line",
    [
        (_nan_to_num_in_place, "y = np.nan_to_num(buf, copy=False)"),
        (_median_overwriting, "np.median(buf, overwrite_input=True)"),
    ],
)
def test_numpy_calls_that_write_into_their_input_are_refused_at_the_call(
    f, line
) -> None:
    """Their rules hold for the defaults only. The refusal came from the
    backward sweep, pointing at the ``def`` line, after ``vjp`` had already
    returned a value unlike f's (the derivative's ``y[0] = ...`` made a new
    array where f's wrote into ``buf``)."""
    x = np.array([0.74, 0.04, -0.51])
    with pytest.raises(adcompile.NoDerivativeRule) as info:
        adcompile.vjp(f, 0.7, x, wrt=(0, 1))
    assert line in str(info.value), str(info.value)
    assert "holds for" in info.value.reason, info.value.reason
