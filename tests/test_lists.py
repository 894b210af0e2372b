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
