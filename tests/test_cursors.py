"""Iterators made by ``iter`` and read by ``next`` (normal/cursors.py): a
list and a position, wherever the reads stand; what Python raises, raised;
refused where Python's iterator would see the list change."""

import numpy as np
import pytest

import adcompile
from tests.forwardcheck import check_jvp
from tests.gradcheck import check_grad


def first_two(x):
    xs = [np.sin(x), x * x, np.cos(x)]
    it = iter(xs)
    a = next(it)
    b = next(it)
    return np.sum(a * b)


def rows_in_a_loop(M):
    it = iter(M)
    total = 0.0
    for _ in range(2):
        row = next(it)
        total = total + np.sum(row * row)
    return total


def read_in_a_branch(x, c):
    it = iter((x, 2.0 * x, 3.0 * x))
    u = next(it)
    if c > 0:
        u = next(it)
    return np.sum(u * x)


def read_past_the_end(x):
    it = iter([x])
    a = next(it)
    b = next(it)
    return a * b


def list_grown_before_iter(x):
    xs = [x]
    xs.extend([2.0 * x, np.sin(x)])  # before the iterator: it sees all three
    it = iter(xs)
    a = next(it)
    b = next(it)
    return np.sum(a * b)


def list_grown_after_iter(x):
    xs = [x, 2.0 * x]
    it = iter(xs)
    xs.append(3.0 * x)
    return next(it)


@pytest.mark.parametrize(
    "function, args",
    [
        (first_two, (np.array([0.3, 0.5]),)),
        (list_grown_before_iter, (np.array([0.3, 0.5]),)),
        (rows_in_a_loop, (np.arange(6.0).reshape(3, 2) * 0.1,)),
        (read_in_a_branch, (np.array([0.3, 0.5]), 1.0)),
        (read_in_a_branch, (np.array([0.3, 0.5]), -1.0)),
    ],
)
def test_items_read_by_next_carry_their_gradients(function, args):
    check_grad(function, args)
    check_jvp(function, args)


def test_reading_past_the_end_raises_stop_iteration_as_python_does():
    with pytest.raises(StopIteration):
        read_past_the_end(0.5)
    with pytest.raises(StopIteration):
        adcompile.grad(read_past_the_end)(0.5)


def test_an_iterator_over_a_list_changed_later_is_refused():
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(list_grown_after_iter)(0.5)
    assert "an iterator (iter(...))" in info.value.reason
