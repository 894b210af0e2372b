"""List code beyond the corpus (tests/corpus/lists.py): list parameters,
whose type the code does not show, and the emitted code's types."""

import numpy as np
import pytest

import adcompile


def copies_of_list_parameters(xs, ys):
    both = list(xs) + ys
    return both[0] * both[-1] + both[1]


def test_a_copy_says_a_parameter_is_a_list():
    xs, ys = [0.3, 1.2, -0.7], [2.0, -0.4]
    gx, gy = adcompile.grad(copies_of_list_parameters, wrt=(0, 1))(xs, ys)
    assert gx == [-0.4, 1.0, 0.0] and gy == [0.0, 0.3]
    value, tangent = adcompile.jvp(copies_of_list_parameters, (xs, ys), (xs, ys))
    assert tangent == pytest.approx(2 * 0.3 * -0.4 + 1.2)


def join_with_an_array(x):
    xs = [1.0, 2.0, 3.0]
    both = xs + np.sin(x)  # numpy adds: a list and an array are not joined
    return np.sum(both * both)


def test_a_list_added_to_an_array_is_an_addition():
    x = np.array([0.1, 0.2, 0.3])
    gradient = adcompile.grad(join_with_an_array)(x)
    expected = 2 * (np.array([1.0, 2.0, 3.0]) + np.sin(x)) * np.cos(x)
    np.testing.assert_allclose(gradient, expected, rtol=1e-12)
    _, tangent = adcompile.jvp(join_with_an_array, (x,), (np.ones(3),))
    assert tangent == pytest.approx(np.sum(expected))


def extends_by_an_array(x):
    acc = [x[0] * 2.0]
    acc.extend(x[1:])  # extend takes any iterable's items
    acc += (x[2] * 3.0, x[0])  # so does += (but not from an array)
    return acc[0] * acc[1] + acc[-2] * len(acc)


def test_a_list_extended_by_an_array_gets_its_items():
    x = np.array([0.5, -1.0, 2.0])
    assert extends_by_an_array(x) == 2.0 * 0.5 * -1.0 + 6.0 * 5
    gradient = adcompile.grad(extends_by_an_array)(x)
    np.testing.assert_allclose(gradient, [-2.0, 1.0, 15.0], rtol=1e-12)


def adds_an_array_in_place_to_a_list(x):
    acc = [x[0] * 2.0, x[1]]
    acc += x[1:]  # numpy's addition comes first: acc is an array now
    return np.sum(acc * acc)


def test_a_list_plus_equals_an_array_adds_as_python_does():
    x = np.array([0.5, -1.0, 2.0])
    gradient = adcompile.grad(adds_an_array_in_place_to_a_list)(x)
    s = np.array([2.0 * 0.5, -1.0]) + x[1:]
    np.testing.assert_allclose(gradient, [4 * s[0], 2 * s[0] + 2 * s[1], 2 * s[1]])


def zips_strictly(x, y):
    total = 0.0
    for u, v in zip(x, y, strict=True):
        total = total + u * v
    return total


def test_zip_strict_raises_zips_error_on_different_lengths():
    with pytest.raises(ValueError, match="zip\\(\\) argument 2 is shorter"):
        adcompile.grad(zips_strictly)(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="zip\\(\\) argument 2 is longer"):
        adcompile.jvp(zips_strictly, (np.ones(2), np.ones(3)), (np.ones(2), None))


def rebinds_what_a_stored_zip_reads(x, y):
    pairs = zip(x, y)  # noqa: B905
    x = x * 2.0  # the zip still runs over the old x
    total = 0.0
    for u, v in pairs:
        total = total + u * v * x[0]
    return total


def test_a_stored_zip_is_moved_into_its_loop_only_where_python_agrees():
    with pytest.raises(adcompile.UnsupportedSyntax, match="an iterator"):
        adcompile.grad(rebinds_what_a_stored_zip_reads)(np.ones(3), np.ones(3))


def copies_an_accumulator(x):
    acc = []
    for v in x:
        acc.append(v * v)
    pair = tuple(acc[:2])
    return np.sum(np.array(list(acc)) * x) + pair[0] * pair[1]


def test_hvp_differentiates_the_list_copies_of_gradient_code():
    """The gradient code calls list(...) and tuple(...) in its turn."""
    from tests.forwardcheck import check_hvp

    gradient_code = adcompile.source(copies_an_accumulator)
    assert "list(acc)" in gradient_code and "tuple(" in gradient_code
    check_hvp(copies_an_accumulator, (np.array([0.3, 1.2, -0.7]),))


# A join or repetition of lists (xs + ys, xs * n) is a new list of the
# operands' items: changing an operand list itself (append, pop, a slot
# assigned) leaves it as it is, while a write into an item it shares, or
# into a list it holds as an item, is seen through it.


def appends_to_a_list_after_joining_it(x, a):
    first = [np.sin(x), x * a]
    joined = first + [np.cos(x)]
    first.append(x * 3.0)
    return np.sum(joined[-1] * a) + np.sum(first[-1]) + len(joined)


def assigns_a_slot_after_joining(x, a):
    first = [np.sin(x), x * a]
    joined = first + [np.cos(x)]
    first[0] = x * 7.0
    return np.sum(joined[0] * a) + np.sum(first[0])


def pops_and_inserts_around_a_repetition_in_a_loop(x, a):
    items = [np.sin(x), x * a, x]
    total = 0.0
    for _ in range(2):
        twice = items * 2
        last = items.pop()
        twice.insert(0, last * a)
        total = total + np.sum(twice[0] * twice[-1]) + len(twice)
    return total


def appends_to_a_list_a_join_holds(x, a):
    inner = [np.sin(x), x * a]
    outer = [inner] + [[np.cos(x)]]
    inner.append(x * a)  # outer[0] is inner: it sees the new item
    return np.sum(outer[0][-1] * a) + len(outer[0])


@pytest.mark.parametrize(
    "function",
    [
        appends_to_a_list_after_joining_it,
        assigns_a_slot_after_joining,
        pops_and_inserts_around_a_repetition_in_a_loop,
    ],
)
def test_changing_a_list_leaves_its_joins_and_repetitions(function):
    from tests.forwardcheck import check_jvp
    from tests.gradcheck import check_grad

    args = (np.array([0.3, 0.5, 0.7]), 0.4)
    check_grad(function, args, wrt=(0, 1))
    check_jvp(function, args, wrt=(0, 1))


def test_appending_to_a_list_a_join_holds_is_refused():
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(appends_to_a_list_a_join_holds, wrt=(0, 1))(np.ones(3), 0.4)
    assert "append to 'inner'" in info.value.reason


# A helper that changes a list or array it is given keeps no derivative in
# it, but its local gradients may read it: they read it as it was when the
# helper ran, not after a later call changed it again.


def _counts_its_calls(w, seen):
    seen.append(1)
    return w * w * len(seen)


def calls_a_helper_that_grows_a_list_twice(w):
    seen = []
    return _counts_its_calls(w, seen) + _counts_its_calls(2.0 * w, seen)


def _bumps_a_buffer(w, buffer):
    buffer[0] += 1.0
    return w * buffer[0] + np.sum(buffer * w)


def calls_a_helper_that_bumps_a_buffer_in_a_loop(w):
    buffer = np.zeros(2)
    total = 0.0
    for k in range(3):
        total = total + _bumps_a_buffer(w ** (k + 1), buffer)
    return total


def test_a_helpers_gradient_reads_what_it_is_given_as_it_was_then():
    w = 0.5
    # 1 * w**2 + 2 * (2w)**2
    assert adcompile.grad(calls_a_helper_that_grows_a_list_twice)(w) == pytest.approx(
        2 * w + 16 * w
    )
    # trip k bumps buffer[0] to k + 1: (k + 1) * w**(k + 1) twice over
    expected = sum(2 * (k + 1) * (k + 1) * w**k for k in range(3))
    value, gradient = adcompile.value_and_grad(
        calls_a_helper_that_bumps_a_buffer_in_a_loop
    )(w)
    assert value == pytest.approx(calls_a_helper_that_bumps_a_buffer_in_a_loop(w))
    assert gradient == pytest.approx(expected)
