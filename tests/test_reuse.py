"""Arithmetic written into dying arrays (reuse.py and runtime/reuse.py).

The rewrite must never change a value: variants that reuse arrays must give
bitwise the gradients the general code gives, and leave the arguments and
every value another name sees untouched. Reuse applies to arrays of at least
``MIN_SIZE`` elements; the tests lower that threshold to 1 so that every row
of the spec table and every random program exercises it.
"""

from __future__ import annotations

import libcst as cst
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from adcompile._src.compilation import compiler
from adcompile._src.compilation.compiler import Options, compiled
from adcompile._src.compilation.specialized import argument_shapes
from adcompile._src.reverse import reuse
from adcompile._src.runtime import reuse as helpers
from adcompile._src.syntax.lines import Line
from tests.gradcheck import _snapshot, assert_not_mutated
from tests.spec import ROWS
from tests.test_random_programs import ARGS, load, programs

# ---- the helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    "helper, op",
    [
        (helpers.add_into, np.add),
        (helpers.subtract_into, np.subtract),
        (helpers.multiply_into, np.multiply),
        (helpers.divide_into, np.divide),
    ],
)
@pytest.mark.parametrize(
    "b",
    [2.5, 3, np.float64(0.5), np.array([1.0, 2.0, 4.0])],
    ids=["float", "int", "float64", "array"],
)
def test_helpers_write_into_their_first_argument_when_nothing_changes(helper, op, b):
    a = np.array([1.0, -2.0, 3.0])
    expected = op(a.copy(), b)
    result = helper(a, b)
    assert result is a
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(
    "a, b",
    [
        (np.array([1.0, 2.0], dtype=np.float32), 2.0),  # the result is float32 too,
        (np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32)),
        (np.array([1.0, 2.0]), np.array([[1.0], [2.0]])),  # it broadcasts to (2, 2)
        (np.array([1.0, 2.0]), 1j),  # complex
        (np.array([1, 2]), 1.5),  # an int array
        (np.broadcast_to(1.0, (2,)), 1.0),  # read-only
        (1.5, 2.0),  # not an array
    ],
)
def test_helpers_fall_back_to_the_plain_operation(a, b):
    before = np.array(a, copy=True)
    result = helpers.multiply_into(a, b)
    expected = np.multiply(before, b)
    assert np.shape(result) == np.shape(expected)
    assert np.result_type(result) == np.result_type(expected)
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(a, before)  # untouched


@pytest.mark.parametrize(
    "a",
    [
        np.array([1.0, 2.0], dtype=np.float32),
        np.array([1, 2]),
        np.broadcast_to(1.0, (2,)),
        1.5,
    ],
)
def test_negative_into_falls_back_too(a):
    before = np.array(a, copy=True)
    negated = helpers.negative_into(a)
    assert np.result_type(negated) == np.result_type(-before)
    np.testing.assert_array_equal(negated, -before)
    np.testing.assert_array_equal(a, before)


# ---- the pass, on lines written by hand -------------------------------------


def lines(*code: str) -> list[Line]:
    parsed = [cst.parse_statement(c).body[0] for c in code]
    return [Line(p, target=p.targets[0].target.value) for p in parsed]


def rewritten(
    code: list[str], read_at_end: set[str], adjoints: set[str], shape=(2000,)
) -> list[str]:
    out = reuse.reuse_dying_arrays(
        lines(*code), lambda name: shape, read_at_end, {}, adjoints
    )
    return [cst.Module([]).code_for_node(line.code) for line in out]


def test_an_adjoint_no_later_line_reads_is_written_into():
    code = ["ba = g * x", "bb = ba * y"]
    assert rewritten(code, {"bb"}, {"ba", "bb"}) == [
        "ba = g * x",
        "bb = multiply_into(ba, y)",
    ]


def test_an_adjoint_read_later_is_not():
    code = ["ba = g * x", "bb = ba * y", "bc = ba + bb"]
    out = rewritten(code, {"bc"}, {"ba", "bb", "bc"})
    assert out[1] == "bb = ba * y"
    assert out[2] == "bc = add_into(ba, bb)"


def test_an_array_another_name_sees_is_not():
    code = ["ba = g * x", "bb = ba", "bc = ba * y", "bd = bb + bc"]
    out = rewritten(code, {"bd"}, {"ba", "bb", "bc", "bd"})
    assert out[2] == "bc = ba * y"  # bb is ba's array, and is read later


def test_values_the_sweep_did_not_make_are_not():
    code = ["ba = x * y", "bb = g * 2.0"]  # g, x: not adjoints of this sweep
    assert rewritten(code, {"ba", "bb"}, {"ba", "bb"}) == ["ba = x * y", "bb = g * 2.0"]


def test_views_and_call_results_are_not():
    code = ["ba = g * x", "bv = ba[0]", "bb = ba * y", "bc = bv + bb"]
    out = rewritten(code, {"bc"}, {"ba", "bb", "bc", "bv"})
    assert out[2] == "bb = ba * y"
    code = ["ba = g * x", "bb = unbroadcast(ba, x)", "bc = ba * y", "bd = bb + bc"]
    out = rewritten(code, {"bd"}, {"ba", "bb", "bc", "bd"})
    assert out[2] == "bc = ba * y"


def test_temporaries_receive_results_and_small_arrays_are_left_alone():
    code = ["ba = g * x", "bb = ba * (1.0 - y) * y"]
    assert rewritten(code, {"bb"}, {"ba", "bb"})[1] == (
        "bb = multiply_into(multiply_into(ba, (1.0 - y)), y)"
    )
    assert rewritten(code, {"bb"}, {"ba", "bb"}, shape=(10,))[1] == (
        "bb = ba * (1.0 - y) * y"
    )


def test_a_name_read_twice_in_a_line_is_not_written_into():
    code = ["ba = g * x", "bb = ba * ba"]
    assert rewritten(code, {"bb"}, {"ba", "bb"})[1] == "bb = ba * ba"


# ---- whole gradients: the variant that reuses agrees with the general code ---


@pytest.fixture
def reuse_everything(monkeypatch):
    """Reuse arrays of any size, with no disk cache and fresh in-memory caches
    (the variants made here are not left for other tests)."""
    monkeypatch.setattr(reuse, "MIN_SIZE", 1)
    monkeypatch.setenv("ADCOMPILE_CACHE", "0")
    compiler.clear_caches()
    yield
    compiler.clear_caches()


def agree(f, args, wrt) -> None:
    general = compiled(f, wrt, "grad").function
    options = Options(shapes=argument_shapes(f, args))
    variant = compiled(f, wrt, "grad", options)
    expected = general(*_snapshot(args))
    given_args = _snapshot(args)
    got = variant.function(*given_args)
    assert_not_mutated(_snapshot(args), given_args)
    pairs = (
        zip(got, expected, strict=True) if isinstance(got, tuple) else [(got, expected)]
    )
    for a, b in pairs:
        assert type(a) is type(b)
        np.testing.assert_array_equal(a, b, err_msg=variant.source)


STRAIGHT_LINE = [r for r in ROWS if r.fd]


@pytest.mark.parametrize("r", STRAIGHT_LINE[::3], ids=lambda r: r.id)
def test_spec_rows_agree_when_every_array_is_reused(reuse_everything, r):
    agree(r.f, r.args, r.wrt)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=programs())
def test_random_programs_agree_when_every_array_is_reused(
    reuse_everything, tmp_path, text
):
    agree(load(tmp_path, text), ARGS, (0, 1, 2, 3))


@pytest.mark.parametrize(
    "g, index",
    [
        (2.5, 3),  # a number
        (np.arange(4.0), 1),  # a row
        (np.arange(5.0), (slice(None), 2)),  # a column
        (np.ones((2, 4)), slice(1, 3)),  # rows
        (np.arange(3.0), ([0, 0, 4], 1)),  # repeated entries: added up
        (np.arange(4, dtype=np.float32), 1),  # another dtype: a new array
    ],
)
def test_an_index_adjoint_adds_into_the_adjoint_it_owns(g, index):
    from adcompile._src.runtime import containers

    x = np.zeros((5, 4))
    acc = np.full((5, 4), 0.5)
    expected = acc + containers.unindex(g, x, index)
    out = containers.unindex_add(acc, g, x, index)
    np.testing.assert_allclose(out, expected)
    same_dtype = not isinstance(g, np.ndarray) or g.dtype == acc.dtype
    assert (out is acc) == same_dtype
