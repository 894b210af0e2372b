"""Shape specialization: variants of gradient code for the arguments' shapes.

The analysis (``specialize``) must only claim shapes every run has; the
variants must give the gradients the general code gives; dispatch must pick
the right variant, keep their number bounded, and fall back to the general
code whenever the variant cannot be made.
"""

from __future__ import annotations

import linecache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adcompile
from adcompile._src.compilation import compiler, specialized
from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    callee_normal_form,
    normal_form,
    resolve_wrt,
)
from adcompile._src.compilation.specialized import Callees, argument_shapes, resolver
from adcompile._src.shapes import shape_values as sv
from adcompile._src.shapes.specialize import specialize
from tests.gradcheck import check_grad
from tests.test_random_programs import load, programs

# ---- the abstract values ------------------------------------------------------


@pytest.mark.parametrize(
    "values, expected",
    [
        ([sv.array((2, 3)), sv.array((3,))], sv.array((2, 3))),
        ([sv.array((2, 1)), sv.array((1, 3))], sv.array((2, 3))),
        ([sv.array((2,)), sv.UNKNOWN_INT], sv.array((2,))),
        ([sv.array((2,)), sv.array((3,))], sv.TOP),  # numpy raises
        ([sv.array((2,)), ("seq", (sv.SCALAR_VALUE,))], sv.TOP),  # a list
        ([sv.array((2,)), None], None),  # no value yet
    ],
)
def test_broadcast(values, expected):
    assert sv.broadcast(values) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((3, 4), (4, 5), (3, 5)),
        ((4,), (4, 5), (5,)),
        ((3, 4), (4,), (3,)),
        ((7, 3, 4), (4, 5), (7, 3, 5)),
        ((4,), (4,), ()),
    ],
)
def test_matmul(a, b, expected):
    assert sv.matmul(sv.array(a), sv.array(b)) == sv.array(expected)
    assert np.shape(np.ones(a) @ np.ones(b)) == expected


def test_matmul_of_mismatched_shapes_is_unknown():
    assert sv.matmul(sv.array((3, 4)), sv.array((5, 2))) == sv.TOP


@pytest.mark.parametrize(
    "shape, parts",
    [
        ((5, 3), [("int", 0)]),
        ((5, 3), [("int", None), ("int", -1)]),
        ((5, 3), [slice(1, None, None)]),
        ((5, 3), [slice(None, None, -2), ("int", 1)]),
        ((5,), [slice(7, 9, None)]),  # past the end: empty
    ],
)
def test_indexing_matches_numpy(shape, parts):
    concrete = tuple(p if isinstance(p, slice) else (p[1] or 0) for p in parts)
    expected = np.shape(np.ones(shape)[concrete])
    assert sv.indexed(sv.array(shape), parts) == sv.array(expected)


def test_indexing_with_arrays_or_too_many_indices_is_unknown():
    assert sv.indexed(sv.array((5,)), [sv.array((2,))]) == sv.TOP
    assert sv.indexed(sv.array((5,)), [("int", 0), ("int", 0)]) == sv.TOP


@pytest.mark.parametrize(
    "axis, keepdims",
    [(None, False), (None, True), (0, False), (-1, True), ((0, 2), False)],
)
def test_reductions_match_numpy(axis, keepdims):
    x = np.ones((2, 3, 4))
    expected = np.shape(np.sum(x, axis=axis, keepdims=keepdims))
    assert sv.reduced(sv.array(x.shape), axis, keepdims) == sv.array(expected)


def test_stack_concatenate_reshape_match_numpy():
    items = ("seq", (sv.array((2, 3)), sv.array((2, 3))))
    a = np.ones((2, 3))
    assert sv.stacked(items, 1, True) == sv.array(np.stack([a, a], axis=1).shape)
    assert sv.stacked(items, -1, False) == sv.array(np.concatenate([a, a], -1).shape)
    shape = ("seq", (("int", 3), ("int", -1)))
    assert sv.reshaped(sv.array((2, 3)), shape) == sv.array((3, 2))
    assert sv.reshaped(sv.array((2, 3)), ("int", 5)) == sv.TOP


def test_join():
    assert sv.join(None, sv.array((2,))) == sv.array((2,))
    assert sv.join(("int", 1), ("int", 2)) == sv.UNKNOWN_INT
    assert sv.join(("int", 1), sv.SCALAR_VALUE) == sv.SCALAR_VALUE
    assert sv.join(sv.array((2,)), sv.array((3,))) == sv.TOP


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_arguments():
    assert sv.of_argument(np.ones((2, 3))) == sv.array((2, 3))
    assert sv.of_argument(1.5) == sv.of_argument(np.float32(1)) == sv.SCALAR_VALUE
    assert sv.of_argument(3) == sv.of_argument(np.int64(3)) == sv.UNKNOWN_INT
    assert sv.of_argument(True) == sv.TOP  # an index that adds an axis
    assert sv.of_argument(np.asmatrix(np.ones((2, 2)))) == sv.TOP  # * is @
    assert sv.of_argument([1.0, 2.0]) == sv.TOP


# ---- the analysis of programs ---------------------------------------------------


def pendulum(y, params):
    theta = y[0]
    omega = y[1]
    return np.array([omega, -params[0] * np.sin(theta) - params[1] * omega])


def integrate(y0, params):
    y = y0
    for _ in range(3):
        k = pendulum(y, params)
        y = y + 0.1 * k
    return np.sum(y * y)


def grows(x):
    for _ in range(3):
        x = np.concatenate([x, x * 0.5])
    return np.sum(x * x)


def shrinks(x, w):
    for _ in range(2):
        x = x[1:] * w
    return np.sum(x)


def from_shapes(W, X):
    h = np.zeros((X.shape[1], W.shape[0]))
    for x_t in X:
        h = np.tanh(x_t @ W.T + h)
    return np.mean(h * h)


SCALE = np.ones(3)


def reads_a_global(x):
    y = x * SCALE
    return np.sum(y)


def analysed(f, wrt, *args):
    """The values the analysis gives f's variables, for these arguments."""
    normalized = normal_form(f, resolve_wrt(f, wrt), DEFAULT_OPTIONS)
    shapes = dict(argument_shapes(f, args))
    done = specialize(
        normalized.program,
        shapes,
        normalized.bindings["np"],
        resolver(f),
        Callees(f, callee_normal_form),
    )
    assert done is not None
    return done[1].values


def test_shapes_follow_through_calls_and_loops():
    values = analysed(integrate, (0, 1), np.ones(2), np.ones(2))
    assert values["k"] == sv.array((2,))
    assert values["y"] == sv.array((2,))


def test_a_shape_that_changes_from_trip_to_trip_is_unknown():
    # x_1 is the loop's x; the parameter x itself keeps its shape
    values = analysed(grows, 0, np.ones(2))
    assert values["x"] == sv.array((2,)) and values["x_1"] == sv.TOP
    assert analysed(shrinks, (0, 1), np.ones(5), 2.0)["x_1"] == sv.TOP


def test_static_shape_code_and_rows_of_an_array():
    values = analysed(from_shapes, 0, np.ones((4, 3)), np.ones((6, 5, 3)))
    assert values["h"] == sv.array((5, 4))
    assert values["x_t"] == sv.array((5, 3))


def test_globals_are_read_live_so_their_shapes_are_unknown():
    assert analysed(reads_a_global, 0, np.ones(3))["y"] == sv.TOP


# ---- gradients of the variants -----------------------------------------------------


def broadcast_in_callee(w, x):
    return np.sum(outer_sum(w, x) ** 2)


def outer_sum(a, b):
    return a[:, None] + b


def int_index(x, k):
    return np.sum(x[k] * x[k + 1])


def centered(x):
    c = x - x.mean(axis=1, keepdims=True)
    return np.sum(c * c * x)


def scalar_and_array(s, x):
    y = s * x + s
    for _ in range(3):
        y = np.sin(y) * s
    return np.sum(y)


def rows_weighted(W, X):
    total = 0.0
    for row in X:
        total = total + np.sum(np.tanh(row * W))
    return total


CASES = [
    (integrate, (np.array([1.0, 0.2]), np.array([9.8, 0.5])), (0, 1)),
    (grows, (np.array([0.3, -0.4]),), 0),
    (shrinks, (np.linspace(0.1, 1.0, 5), 1.3), (0, 1)),
    (from_shapes, (np.ones((4, 3)) * 0.1, np.linspace(-1, 1, 90).reshape(6, 5, 3)), 0),
    (broadcast_in_callee, (np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0])), (0, 1)),
    (int_index, (np.linspace(0.0, 1.0, 6).reshape(3, 2), 1), 0),
    (centered, (np.linspace(-1.0, 1.0, 6).reshape(2, 3),), 0),
    (scalar_and_array, (0.7, np.array([0.1, -0.3, 0.8])), (0, 1)),
    (
        rows_weighted,
        (np.array([0.5, -0.2, 0.1]), np.linspace(0, 1, 12).reshape(4, 3)),
        0,
    ),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_variant_gradients_are_right(f, args, wrt):
    check_grad(f, args, wrt=wrt)  # general code and variant, against differences
    gradient = adcompile.grad(f, wrt=wrt)
    general = flat(gradient(*args))  # the first call runs the general code
    variant = flat(gradient(*args))
    np.testing.assert_allclose(variant, general, rtol=1e-12, atol=1e-14)


def flat(gradients) -> np.ndarray:
    parts = gradients if isinstance(gradients, tuple) else (gradients,)
    return np.concatenate([np.ravel(p) for p in parts])


def test_the_rk4_variant_has_no_unbroadcast():
    gradient = adcompile.grad(integrate, wrt=(0, 1))
    args = (np.array([1.0, 0.2]), np.array([9.8, 0.5]))
    assert "unbroadcast(" in gradient.source
    assert "unbroadcast(" not in gradient.source_for(*args)
    gradient(*args)
    gradient(*args)
    assert isinstance(gradient._call, specialized.ShapeDispatch)
    (variant,) = gradient._call.variants.values()
    names = variant.__code__.co_freevars  # the callee's vjp is a variant too
    callee = variant.__closure__[names.index("vjp_pendulum")].cell_contents
    callee_source = "".join(linecache.getlines(callee.__code__.co_filename))
    assert "def pullback_pendulum" in callee_source
    assert "unbroadcast(" not in callee_source


# ---- dispatch ------------------------------------------------------------------------


def weighted(w, x):
    return np.sum(np.tanh(w * x))


def test_each_shape_gets_its_variant_and_gradients_stay_right():
    gradient = adcompile.grad(weighted)
    for w, x in [
        (np.ones(3) * 0.5, np.ones(3)),
        (np.ones(3) * 0.5, np.ones((2, 3))),  # w broadcast: summed back
        (np.ones(4) * 0.5, np.ones(4)),
    ]:
        expected = np.sum(x * (1 - np.tanh(w * x) ** 2), axis=tuple(range(x.ndim - 1)))
        for _ in range(2):  # the general code, then the variant
            np.testing.assert_allclose(gradient(w, x), expected, rtol=1e-12)
    assert len(gradient._call.variants) == 3


class Regression:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w, X, y):
        r = X @ w - y
        return 0.5 * np.sum(r * r) * self.scale + np.sum(w * w)


def test_a_bound_method_gets_variants_too():
    model = Regression(2.0)
    gradient = adcompile.grad(model.loss)
    rng = np.random.default_rng(1)
    for n, d in [(5, 2), (7, 3)]:
        w, X, y = rng.standard_normal(d), rng.standard_normal((n, d)), np.ones(n)
        expected = X.T @ (X @ w - y) * model.scale + 2 * w
        for _ in range(2):  # the general code, then the variant
            np.testing.assert_allclose(gradient(w, X, y), expected, rtol=1e-12)
        assert gradient.source_for(w, X, y) != gradient.source  # X @ w: (n,)
        assert "bmatmul_w = br\n" in gradient.source_for(w, X, y)
    assert len(gradient._call.variants) == 2


def test_variants_are_bounded():
    gradient = adcompile.grad(weighted)
    for n in range(1, 13):
        w, x = np.ones(n) * 0.5, np.ones(n)
        for _ in range(2):
            np.testing.assert_allclose(gradient(w, x), 1 - np.tanh(0.5) ** 2)
    assert len(gradient._call.variants) == specialized.MAX_VARIANTS


def test_keyword_arguments_run_the_general_code():
    gradient = adcompile.grad(weighted)
    gradient(np.ones(3), np.ones(3))
    gradient(np.ones(3), np.ones(3))
    np.testing.assert_allclose(
        gradient(np.ones(2), x=np.ones((3, 2))), 3 * (1 - np.tanh(1.0) ** 2)
    )
    assert len(gradient._call.variants) == 1


def test_no_dispatch_where_the_variant_is_the_general_code():
    gradient = adcompile.grad(reads_a_global)  # x * SCALE: shape unknown
    gradient(np.ones(3))
    assert isinstance(gradient._call, specialized.ShapeDispatch)
    gradient(np.ones(3))  # the variant is the general code
    assert gradient.source_for(np.ones(3)) == gradient.source
    assert gradient._call is gradient.compiled.function


def test_a_variant_that_cannot_be_made_falls_back_to_the_general_code(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("an analysis bug")

    monkeypatch.setattr(specialized, "specialize", broken)
    monkeypatch.setattr(specialized, "STRICT", False)  # as users run it
    compiler.clear_caches()
    args = (np.array([1.0, 0.2]), np.array([9.8, 0.5]))
    check_grad(integrate, args, wrt=(0, 1))


# ---- random programs, random broadcasting shapes -----------------------------------

ROW_SHAPES = [(3,), (1, 3), (), (1,)]
COL_SHAPES = [(2, 1), (1, 1), (), (1,)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=programs(),
    row_shapes=st.lists(st.sampled_from(ROW_SHAPES), min_size=2, max_size=2),
    col_shapes=st.lists(st.sampled_from(COL_SHAPES), min_size=2, max_size=2),
)
def test_variants_agree_with_the_general_code(tmp_path, text, row_shapes, col_shapes):
    f = load(tmp_path, text)
    gradient = adcompile.grad(f, wrt=(0, 1, 2, 3))
    rng = np.random.default_rng(len(text))
    m = rng.normal(size=(2, 3))
    for row_shape, col_shape in zip(row_shapes, col_shapes, strict=True):
        args = (m, rng.normal(size=row_shape), rng.normal(size=col_shape), 0.37)
        general = gradient(*args)
        variant = gradient(*args)
        for a, b in zip(general, variant, strict=True):
            assert np.shape(a) == np.shape(b), text
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=text)


def resizes_its_data(w, c):
    c.resize((3, 1), refcheck=False)  # w * c is (3, 3) from now on
    return np.sum(w * c)


def test_code_that_resizes_an_array_in_place_gets_no_variant():
    gradient = adcompile.grad(resizes_its_data)
    for _ in range(2):
        np.testing.assert_allclose(gradient(np.ones(3), np.ones(3)), [3.0, 3.0, 3.0])
    assert gradient.source_for(np.ones(3), np.ones(3)) == gradient.source


def resize_it(c):
    c.resize((3, 1), refcheck=False)


def hands_its_data_to_a_helper(w, c):
    resize_it(c)
    return np.sum(w * c)


def calls_a_resizing_function(w, c):
    scaled = resizes_and_scales(w, c)  # c is (3, 1) from here on
    return np.sum(w * c) + np.sum(scaled) - 3.0 * np.sum(w)


def resizes_and_scales(w, c):
    c.resize((3, 1), refcheck=False)
    return w * 3.0


def reshape_first(items):
    items[0].shape = (3, 1)


def reshapes_through_a_list(w, c):
    items = [c]
    reshape_first(items)  # c is (3, 1) from here on, though never named
    return np.sum(w * c)


@pytest.mark.parametrize(
    "f",
    [hands_its_data_to_a_helper, calls_a_resizing_function, reshapes_through_a_list],
)
def test_shapes_that_other_code_may_change_are_not_assumed(f):
    gradient = adcompile.grad(f)
    for _ in range(2):
        np.testing.assert_allclose(gradient(np.ones(3), np.ones(3)), [3.0, 3.0, 3.0])


def doubled(x, depth):
    if depth == 0:
        return x
    return doubled(x, depth - 1) * 2.0


def calls_a_recursive_function(x):
    return np.sum(doubled(x, 3) * x)


def test_a_recursion_whose_depth_is_an_argument_ends():
    """The analysis follows a recursive callee once, not once per depth."""
    gradient = adcompile.grad(calls_a_recursive_function)
    x = np.array([0.5, -1.0, 2.0])
    for _ in range(2):  # the general code, then the variant (strict in tests)
        np.testing.assert_allclose(gradient(x), 16.0 * x, rtol=1e-12)
