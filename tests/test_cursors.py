"""Iterators made by ``iter`` and read by ``next`` (normal/cursors.py): a
list and a position, wherever the reads stand; what Python raises, raised;
refused where Python's iterator would see the list change."""

import numpy as np
import pytest

import adcompile
from tests.forwardcheck import check_hvp, check_jvp
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


def list_grown_after_the_last_next(x):
    xs = [x, 2.0 * x]
    it = iter(xs)
    a = next(it)
    xs.append(3.0 * a)  # no next reads it: the iterator sees no change
    return np.sum(a * xs[-1]) + np.sum(xs[1])


def made_in_a_branch_after_the_list_grew(x, a):
    if a > 0.0:
        xs = [x * a, 2.0 * x]
        xs.extend(xs)  # before iter: the iterator reads the grown list
        it = iter(xs)
        u = next(it)
        return np.sum(u * xs[-1])
    return a


def changed_in_a_branch_before_a_later_next(x, a):
    xs = [x * a, 2.0 * x]
    it = iter(xs)
    if a > 0.0:
        u = next(it)
        xs[1] = xs[1] * a  # a later next (after the branch) reads the new item
    else:
        u = x
    v = next(it)
    return np.sum(u * v)


def made_in_a_loop_after_the_list_shrank(x, M):
    s = 0.0
    for k in range(2):  # (each trip makes its iterator again)
        L = [np.sin(x * M[k]), np.cos(x), x * M[1 - k]]
        u = L.pop(-1)
        L.insert(-1, 0.5 * u)
        it = iter(L)
        v = next(it)
        w = next(it)
        s = s + np.sum(v * w * u)
    return s


def made_in_a_loop_changed_between_two_nexts(x, M):
    s = 0.0
    for k in range(2):
        L = [np.sin(x * M[k]), np.cos(x)]
        it = iter(L)
        v = next(it)
        L[1] = v * 3.0  # (Python's iterator reads the new item)
        s = s + np.sum(v * next(it))
    return s


def made_in_a_loop_read_after_it(x, M):
    for k in range(2):
        L = [np.sin(x * M[k]), np.cos(x), x]
        it = iter(L)
        v = next(it)
    L.append(x * 2.0)  # (the last trip's iterator is read again below)
    w = next(it)
    return np.sum(v * w)


@pytest.mark.parametrize(
    "function, args",
    [
        (made_in_a_branch_after_the_list_grew, (np.array([0.3, 0.5]), 0.7)),
        (
            made_in_a_loop_after_the_list_shrank,
            (np.array([0.3, 0.5]), np.array([[0.4, -0.2], [0.7, 0.1]])),
        ),
        (first_two, (np.array([0.3, 0.5]),)),
        (list_grown_after_the_last_next, (np.array([0.3, 0.5]),)),
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
    x = np.array([0.3, 0.5])
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(changed_in_a_branch_before_a_later_next)(x, 0.7)
    assert "an iterator (iter(...))" in info.value.reason


@pytest.mark.parametrize(
    "f", [made_in_a_loop_changed_between_two_nexts, made_in_a_loop_read_after_it]
)
def test_an_iterator_made_in_a_loop_over_a_list_changed_later_is_refused(f):
    """Made again on each trip, an iterator sees only what changes before
    its last ``next`` of the trip; a change between two of its reads, or
    one read after the loop, is Python's iterator seeing the list change."""
    M = np.array([[0.4, -0.2], [0.7, 0.1]])
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(f, wrt=(0, 1))(np.array([0.3, 0.5]), M)
    assert "an iterator (iter(...))" in info.value.reason


def _listed_pairs(x, y):
    pairs = list(zip(x, y, strict=True))
    return sum(a * b for a, b in pairs)


def _listed_enumeration(x):
    items = tuple(enumerate(x))
    return sum(i * e * e for i, e in items)


def _listed_reversal(x):
    r = list(reversed(x))
    return r[0] * r[1] + np.sum(np.array(r) * x)


@pytest.mark.parametrize(
    "f",
    [_listed_pairs, _listed_enumeration, _listed_reversal],
    ids=lambda f: f.__name__,
)
def test_an_iterator_made_into_a_list(f):
    """``list(zip(a, b))``, ``tuple(enumerate(x))``, ``list(reversed(x))``
    are the lists a comprehension over the iterator makes (they were refused
    as iterators used other than in a for loop; gradient code that keeps a
    loop's iterable as ``list(enumerate(z))`` could not be differentiated
    again for hvp)."""
    x, y = np.array([0.3, 0.5, 0.7]), np.array([1.0, 2.0, 3.0])
    args = (x, y) if f is _listed_pairs else (x,)
    check_grad(f, args)
    check_jvp(f, args)
    check_hvp(f, args)
