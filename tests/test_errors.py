"""Bad input of every kind gets a clear AdcompileError with a location."""

import re

import numpy as np
import pytest

import adcompile
from tests import programs as p
from tests.forwardcheck import check_jvp
from tests.gradcheck import check_grad

LOCATION = re.compile(r'File ".*programs\.py", line \d+, col \d+')


def error_of(function, *args, wrt=0, kind="grad"):
    with pytest.raises(adcompile.AdcompileError) as info:
        if kind == "grad":
            adcompile.grad(function, wrt=wrt)(*args)
        else:
            adcompile.source(function, wrt=wrt)
    return info.value


def assert_points_at(error, fragment):
    text = str(error)
    assert LOCATION.search(text), text
    assert fragment in text, text
    assert "^" in text, text


def test_try_statement_is_refused_with_location():
    error = error_of(p.with_try, 1.0)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "`try` statement" in error.reason
    assert_points_at(error, "try:")
    assert "remove the try/except" in error.hint


def test_return_inside_a_loop_is_differentiated():
    # it used to be refused; now it is rewritten with a flag and a break
    assert adcompile.grad(p.return_in_loop)(1.0) == 8.0  # x * 2 three times
    assert adcompile.grad(p.return_in_loop)(3.0) == 4.0  # returns after two


def test_unknown_numpy_function():
    error = error_of(p.unknown_call, np.ones(4))
    assert isinstance(error, adcompile.NoDerivativeRule)
    assert "np.i0" in error.reason
    assert_points_at(error, "np.i0(x)")


def test_builtin_function_without_rule_on_a_differentiated_value():
    error = error_of(p.calls_builtin, 0.5)
    assert isinstance(error, adcompile.NoDerivativeRule)
    assert "np.i0" in error.reason
    assert_points_at(error, "np.i0(x)")


def test_augmented_assignment_through_a_view():
    error = error_of(p.aug_view, np.ones(3))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "y = y + ..." in error.hint
    assert_points_at(error, "y += 1.0")


def test_slice_assignment_into_an_aliased_array():
    error = error_of(p.writes_alias, np.ones(2))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "may share memory" in error.reason
    assert_points_at(error, "y[0] = 2.0")


def test_non_scalar_output_points_to_vjp():
    error = error_of(p.vector_output, np.ones(3))
    assert isinstance(error, adcompile.NonScalarOutput)
    assert "adcompile.vjp" in error.hint
    assert "shape (3,)" in error.reason
    assert_points_at(error, "return np.sin(x) * 2.0")


def test_integer_input():
    error = error_of(p.square_plus, 3)
    assert isinstance(error, adcompile.IntegerInput)
    error = error_of(p.two_args, np.arange(3), np.ones(3))
    assert isinstance(error, adcompile.IntegerInput)
    assert "'x'" in error.reason and "astype(float)" in error.hint


def test_integer_output():
    error = error_of(p.int_output, 1.0)
    assert isinstance(error, adcompile.AdcompileError)


def test_wrt_naming_no_parameter():
    for wrt in ("z", 5, -3, (0, 0), (), 1.5):
        with pytest.raises(adcompile.BadWrt) as info:
            adcompile.grad(p.two_args, wrt=wrt)(np.ones(2), np.ones(2))
        assert (
            "two_args" in str(info.value)
            or "twice" in str(info.value)
            or ("empty" in str(info.value))
        )


def test_builtin_function_has_no_source():
    error = error_of(np.sin, 1.0)
    assert isinstance(error, adcompile.SourceUnavailable)
    assert "not a Python function" in error.reason


def test_function_made_by_exec_has_no_source():
    namespace: dict = {}
    exec("def f(x):\n    return x * x\n", namespace)
    error = error_of(namespace["f"], 1.0)
    assert isinstance(error, adcompile.SourceUnavailable)
    assert "interactive interpreter" in error.hint


def test_function_typed_into_a_repl_has_no_source(tmp_path):
    import subprocess
    import sys

    script = (
        "import adcompile\n"
        "def f(x):\n    return x * x\n\n"
        "try:\n    adcompile.grad(f)(1.0)\n"
        "except adcompile.SourceUnavailable as e:\n    print('REFUSED', e.reason)\n"
    )
    result = subprocess.run(
        [sys.executable, "-i"], input=script, capture_output=True, text=True
    )
    assert "REFUSED cannot read the source" in result.stdout, result.stderr


def test_lambda_works_and_an_ambiguous_one_is_refused():
    assert adcompile.grad(lambda x: x**3)(2.0) == pytest.approx(12.0)
    pair = (lambda x: x * 2.0, lambda x: x * 3.0)  # two lambdas, same parameters
    error = error_of(pair[1], 1.0)
    assert isinstance(error, adcompile.SourceUnavailable)
    assert "lambda" in error.reason


def test_errors_are_never_internal_tracebacks():
    for function, args in [
        (p.with_try, (1.0,)),
        (p.unknown_call, (np.ones(2),)),
        (p.vector_output, (np.ones(2),)),
    ]:
        with pytest.raises(adcompile.AdcompileError):
            adcompile.grad(function)(*args)


@pytest.mark.parametrize("function", [p.writes_with_out, p.assigns_with_out])
def test_out_keyword_on_differentiated_values_is_refused(function):
    error = error_of(function, np.ones(3))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "out=" in error.reason and "out=" in error.hint
    assert_points_at(error, "out=buf")


@pytest.mark.parametrize(
    "function, wrt, method",
    [
        (p.appends_through_an_alias, 1, "append to"),
        (p.pops_through_an_alias, 0, "pop from"),
    ],
    ids=["append", "pop"],
)
def test_list_methods_on_a_list_another_name_sees_are_refused(function, wrt, method):
    error = error_of(function, [np.ones(2)], np.ones(2), wrt=wrt)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert f"{method} 'alias', a list that may be shared" in error.reason
    assert "build a new list in the function" in error.hint


@pytest.mark.parametrize(
    "function, fragment, observer",
    [
        (p.writes_while_another_name_is_read_later, "y[0]", "'z' is the same object"),
        (
            p.writes_while_a_view_is_read_later,
            "y[0]",
            "'head', read later, may share memory with it",
        ),
        (
            p.writes_while_a_list_holds_it_in_a_loop,
            "y[i]",
            "'pair', read later, may share memory with it",
        ),
    ],
    ids=["alias", "view", "list-in-loop"],
)
def test_update_seen_by_a_name_read_later_is_refused(function, fragment, observer):
    """An in-place update becomes a new value; another name that sees the
    old object's memory and is read later would not see the change."""
    error = error_of(function, np.array([0.4, -1.2, 0.9]))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert observer in error.reason, error.reason
    assert_points_at(error, fragment)


def test_append_to_the_list_a_loop_runs_over_is_refused():
    error = error_of(p.appends_while_iterating, np.array([0.4, -1.2, 0.9]))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "inside a loop over 'acc'" in error.reason
    assert_points_at(error, "acc.append(3.0 * t)")


@pytest.mark.parametrize("mode", ["grad", "vjp", "jvp", "hvp"])
def test_augmented_array_another_holder_may_see_is_refused_as_it_runs(mode):
    """``y += a`` where code that may keep y has seen it: right for a
    number, refused for an array, when the call shows which it is; every
    mode points at the statement."""
    function, x = p.augments_an_array_a_keeping_helper_saw, np.ones(3)
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        if mode == "grad":
            adcompile.grad(function)(0.3, x)
        elif mode == "vjp":
            adcompile.vjp(function, 0.3, x)
        elif mode == "jvp":
            adcompile.jvp(function, (0.3, x), (1.0, None))
        else:  # the gradient's own code, differentiated
            adcompile.hvp(function, (0.3, x), (1.0, None))
    error = info.value
    assert "`y += a` updates a ndarray in place" in error.reason
    assert "y = y + ..." in error.hint
    assert_points_at(error, "y += a")


def test_write_into_the_array_a_loop_runs_over_is_refused():
    """The loop rebinds y, so it runs over the array y held when it
    started; writing into that array changes the items it reads later."""
    error = error_of(p.writes_what_its_loop_runs_over, np.array([0.4, -1.2, 0.9]))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "the loop running over it is the same object" in error.reason
    assert_points_at(error, "y[2] = e * 3.0")


# ---- list code --------------------------------------------------------------


def test_pop_inside_an_expression_suggests_no_numpy_function():
    error = error_of(p.pops_inside_an_expression, np.ones(3))
    assert isinstance(error, adcompile.NoDerivativeRule)
    assert "np.pop" not in error.hint, error.hint
    assert "statement of its own" in error.hint
    assert_points_at(error, "a.pop(0)")


@pytest.mark.parametrize(
    "function, fragment",
    [(p.removes_from_a_list, "a.remove(a[1])"), (p.reverses_a_list, "a.reverse()")],
    ids=["remove", "reverse"],
)
def test_other_changes_to_a_differentiated_list_are_refused(function, fragment):
    """Run as written, they would leave the items' gradient behind."""
    error = error_of(function, np.array([0.3, 1.2, -0.7]))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "changes 'a' in place" in error.reason
    assert "np." not in error.hint
    assert_points_at(error, fragment)


def test_sorted_with_a_key_is_refused():
    error = error_of(p.sorts_with_a_key, np.array([0.3, 1.2, -0.7]))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "sorted(..., key=...)" in error.reason
    assert "np.argsort" in error.hint
    assert_points_at(error, "sorted([x[0], x[1] * 2.0, x[2]], key=abs)")


def test_pop_at_a_computed_position_of_a_parameter_is_refused():
    """The parameter may be a dict (d.pop(key)): adcompile cannot tell."""
    error = error_of(p.pops_a_parameter_at_a_computed_position, [0.5, 1.5])
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "cannot tell 'items' is a list" in error.reason
    assert "items = list(items)" in error.hint
    assert_points_at(error, "items.pop(k)")


@pytest.mark.parametrize("mode", ["grad", "vjp"])
def test_joining_list_parameters_is_refused_as_it_runs(mode):
    """Nothing in the code says xs and ys are lists; `list(xs) + ys` does.
    (Forward mode needs not know: the tangents join as the lists do.)"""
    xs, ys = [0.5, 1.5], [2.0]
    with pytest.raises(adcompile.NoDerivativeRule) as info:
        if mode == "grad":
            adcompile.grad(p.joins_list_parameters, wrt=(0, 1))(xs, ys)
        else:
            adcompile.vjp(p.joins_list_parameters, xs, ys, wrt=(0, 1))[1](1.0)
    assert "list(xs) + ys" in info.value.hint
    assert_points_at(info.value, "def joins_list_parameters")
    value, tangent = adcompile.jvp(p.joins_list_parameters, (xs, ys), (xs, ys))
    assert (value, tangent) == (1.0, 2.0)


def test_an_iterator_kept_for_two_loops_is_refused():
    """The second loop of Python's finds the zip used up: not rewritten."""
    error = error_of(p.loops_twice_over_a_stored_zip, np.ones(3), np.ones(3))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "an iterator (zip(...))" in error.reason
    assert "no derivative rule" not in error.reason
    assert "for ... in zip(...)" in error.hint
    assert_points_at(error, "zip(x, y)")


def test_zip_strict_in_a_loop_that_may_break_is_refused():
    error = error_of(p.zip_strict_in_a_loop_that_breaks, np.ones(3), np.ones(3))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "may stop early" in error.reason
    assert_points_at(error, "zip(x, y, strict=True)")


X3 = np.array([0.4, -1.2, 0.9])


@pytest.mark.parametrize(
    "function, args, wrt, observer",
    [
        (p.fill_diagonal_of_an_alias, (X3,), 0, "'B' is the same object"),
        (
            p.fill_diagonal_while_a_row_is_read_later,
            (X3,),
            0,
            "'row', read later, may share memory with it",
        ),
        (
            p.fill_diagonal_of_a_parameter_seen_later,
            (np.outer(X3, X3), X3),
            (0, 1),
            "'At', read later, may share memory with it",
        ),
        (
            p.fill_diagonal_of_a_view_of_a_parameter,
            (np.outer(X3, X3), X3[:2]),
            (0, 1),
            "may share memory",
        ),
    ],
    ids=["alias", "row", "parameter-view-read-later", "view-of-parameter"],
)
def test_fill_diagonal_seen_by_another_name_is_refused(function, args, wrt, observer):
    """np.fill_diagonal is an item write: refused where another name read
    later (or the caller, through a view) would see the old array change;
    a row read later is checked as the code runs, and shares the diagonal's
    memory."""
    error = error_of(function, *args, wrt=wrt)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert (
        "np.fill_diagonal into 'A'" in error.reason
        or "`np.fill_diagonal(A, " in error.reason
    ), error.reason
    assert observer in error.reason, error.reason
    assert "A = A.copy()" in error.hint
    assert_points_at(error, "np.fill_diagonal(A, ")


def test_a_constant_given_to_a_helper_that_may_return_it_then_written_is_refused():
    W = np.arange(6.0).reshape(2, 3)
    error = error_of(p.constant_given_to_a_helper_that_returns_it_then_written, W)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "_energy_and_input(...) is given 'y'" in error.reason, error.reason
    assert "y.copy()" in error.hint
    assert_points_at(error, "_energy_and_input(W, y)")


def test_a_constant_given_to_a_function_known_as_it_runs_then_written_is_refused():
    """A callee known only as the code runs (a parameter, ``self.f``) is not
    read: it may keep or return what it is given, so an array it is given
    that the function changes in place later is refused at the call (its
    derivative would read the changed values)."""
    f = p.constant_given_to_a_function_parameter_then_written
    error = error_of(f, 0.5, p._weighted_energy)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "energy(...) is given 'y'" in error.reason, error.reason
    assert "y.copy()" in error.hint
    assert_points_at(error, "energy(w, y)")


def test_an_argument_a_helper_writes_into_read_later_in_the_statement():
    """The rest of the statement reads u after the helper wrote into it: it
    reads the written values (write_back.py); it was refused."""
    f = p.argument_written_by_a_helper_and_read_later_in_the_statement
    args = [0.3, np.arange(6.0).reshape(2, 3) / 7.0]
    check_grad(f, args, wrt=(0, 1))
    check_jvp(f, args, wrt=(0, 1))


def test_an_array_written_while_a_list_of_its_rows_is_read_is_refused():
    """A list made by list(A) is the function's own (it may be popped from),
    but its items are A's rows: writing into A changes them."""
    error = error_of(p.array_written_while_a_list_of_its_rows_is_read, X3)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "'L', read later, may share memory with it" in error.reason, error.reason
    assert_points_at(error, "A[0] = np.sin(x)")


@pytest.mark.parametrize(
    "function, fragment, words",
    [
        (p.fill_diagonal_wrapped, "True", "wrap other than False"),
        (p.fill_diagonal_of_a_slice, "A[1:, 1:]", "not a local array"),
    ],
    ids=["wrap", "slice"],
)
def test_fill_diagonal_it_cannot_follow_is_refused(function, fragment, words):
    error = error_of(function, X3)
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert words in error.reason, error.reason
    assert_points_at(error, fragment)


@pytest.mark.parametrize(
    "function, args, fragment",
    [
        (p.norm_of_a_frozen_distribution, (X3, 0.2), "norm(mu, 1.0).logpdf(x)"),
        (p.norm_of_a_constant_frozen_distribution, (X3,), "def norm_of_a_constant"),
    ],
    ids=["varied-parameters", "constant-parameters"],
)
def test_frozen_scipy_distribution_is_refused_with_what_to_write(
    function, args, fragment
):
    pytest.importorskip("scipy")
    error = error_of(function, *args, wrt=tuple(range(len(args))))
    assert isinstance(error, adcompile.NoDerivativeRule)
    assert "norm.logpdf(x, loc, scale)" in error.hint, error.hint
    assert_points_at(error, fragment)


def test_norm_with_more_arguments_than_loc_and_scale_is_refused():
    pytest.importorskip("scipy")
    error = error_of(p.norm_with_a_shape_argument, X3)
    assert isinstance(error, adcompile.NoDerivativeRule)
    assert "its rule knows the parameters (x, loc, scale)" in error.reason
    assert_points_at(error, "norm.pdf(x, 0.0, 1.0, 2.0)")


@pytest.mark.parametrize(
    "function, fragment, observer",
    [
        (p.scales_one_of_two_names_of_an_array, "u *= 0.9", "'s', read later"),
        (p.writes_the_row_a_name_reads_later, "A[0, 1] = 5.0", "'r', read later"),
        (
            p.writes_a_row_seen_after_another_update,
            "A[0, 1:] += r[:2]",
            "'r', read later",
        ),
    ],
    ids=["same-array-from-a-helper", "row-written", "row-written-after-an-update"],
)
@pytest.mark.parametrize("mode", ["grad", "vjp", "jvp"])
def test_update_a_name_read_later_shares_is_refused_as_it_runs(
    function, fragment, observer, mode
):
    """Whether the names that may see the array do is known only as the code
    runs: the check refuses there, naming the name and the statement."""
    x = np.array([0.4, -1.2, 0.9])
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        if mode == "grad":
            adcompile.grad(function)(x)
        elif mode == "vjp":
            adcompile.vjp(function, x)
        else:
            adcompile.jvp(function, (x,), (np.ones(3),))
    error = info.value
    assert observer in error.reason, error.reason
    assert "may share memory with it" in error.reason
    assert_points_at(error, fragment)


def test_update_after_an_update_made_a_new_value_is_not_checked_by_memory():
    """After ``M[1] = ...`` the derivative holds M in a new array, so the
    memory of a row read before tells nothing: ``M -= ...`` is allowed on a
    number only, and refused as it runs for this array."""
    M = np.outer([0.4, -1.2, 0.9], [1.0, 0.5, 2.0])
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(p.scales_a_parameter_a_row_of_it_sees, wrt=(0, 1))(M, np.ones(3))
    assert "`M -= 0.5 * r` updates a ndarray in place" in info.value.reason
    assert_points_at(info.value, "M -= 0.5 * r")


def test_a_view_read_before_an_update_in_a_loop_is_not_checked_by_memory():
    """In the loop, the first write gives A a new array as the code runs:
    the row r read before the loop no longer shares its memory, though in
    Python it sees the second write. Refused where lowered."""
    error = error_of(p.writes_a_row_seen_after_an_update_in_a_loop, np.ones(3))
    assert isinstance(error, adcompile.UnsupportedSyntax)
    assert "'r' sees its memory" in error.reason
    assert_points_at(error, "A[0, 0] = 5.0 * x[0]")


@pytest.mark.parametrize(
    "function, observer",
    [
        (p.static_dict_holds_the_array_written, "'d', read later"),
        (p.static_list_holds_the_array_written, "'d', read later"),
        (p.static_comprehension_holds_the_array_written, "'d', read later"),
        (p.static_joined_lists_hold_the_array_written, "'d', read later"),
        (p.static_unpacking_names_the_array_written, "'a', read later"),
        (p.static_list_appended_the_array_written, "'lst', read later"),
        (p.static_list_extended_by_the_array_written, "'lst', read later"),
        (p.static_list_inserted_the_array_written, "'lst', read later"),
        (p.list_item_set_to_the_array_written, "since `a[0] = x`"),
        (p.static_unpacking_of_joined_lists, "'a', read later"),
    ],
    ids=["dict", "list", "comprehension", "joined", "unpacked"]
    + ["appended", "extended", "inserted", "item-set", "unpacked-join"],
)
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_update_seen_through_a_value_without_derivative_is_refused(
    function, observer, mode
):
    """A container (or a name unpacked from one) made of values that carry
    no derivative still holds the array itself: in Python it sees the write,
    in the derivative it would not. Refused as the code runs."""
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        if mode == "grad":
            adcompile.grad(function)(0.7)
        else:
            adcompile.jvp(function, (0.7,), (1.0,))
    assert observer in info.value.reason, info.value.reason
    assert_points_at(info.value, "x[0] = w * 2.0")


@pytest.mark.parametrize(
    "function, call",
    [
        (p.helper_writes_into_the_parameter, "_overwrites_its_argument"),
        (p.helper_writes_into_a_value_read_later, "_adds_to_its_argument"),
        (
            p.helper_writes_into_the_parameter_never_read_again,
            "_overwrites_its_argument",
        ),
        (
            p.helper_writes_into_the_parameter_in_a_call_statement,
            "_overwrites_its_argument",
        ),
    ],
)
def test_helper_that_writes_into_a_differentiated_argument_is_followed(function, call):
    """A write a callee makes into an argument that a name read later or
    the caller (its object is a parameter's) sees comes back to the caller
    (write_back.py): the gradient and tangent carry it, and the caller's
    array is left as ``f`` leaves it. A call made as a statement is made
    (it was left out of the gradient, which then missed the write). These
    were refused as the code ran."""
    x = np.array([0.5, 0.7, 0.9])
    check_grad(function, [x])
    check_jvp(function, [x])
    text = adcompile.source(function)
    assert f"{call.strip('_')}_and_" in text, text


@pytest.mark.parametrize(
    "function, call",
    [
        (
            p.helper_writes_into_an_array_inside_a_tuple,
            "_doubles_the_array_in_its_pair",
        ),
        (p.helper_writes_into_an_array_inside_a_list, "_doubles_the_first"),
    ],
)
def test_helper_that_writes_into_an_array_inside_a_container_is_refused(function, call):
    """An array inside a tuple or list given to a helper is copied with it
    (the helper wrote into the caller's, and the gradient was silently
    wrong); the write is seen and refused at the call (a write into an
    array the list holds, which other names may hold too, is refused before
    the call). Forward mode refuses it in the helper itself."""
    x = np.array([0.5, 0.7, 0.9])
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(function)(x)
    assert (
        f"{call}(...) wrote into a" in info.value.reason
        or f"{call}(...) may change in place the arrays a list" in info.value.reason
    ), info.value.reason
    assert_points_at(info.value, f"{call}(")
    with pytest.raises(adcompile.UnsupportedSyntax):
        adcompile.jvp(function, (x,), (np.ones(3),))
    assert np.array_equal(x, [0.5, 0.7, 0.9])


@pytest.mark.parametrize(
    "function",
    [p.condition_calls_a_helper_that_writes, p.loop_range_calls_a_helper_that_writes],
)
def test_a_helper_writing_in_an_if_test_or_a_for_header_is_written_back(function):
    """An ``if`` test and a ``for`` header run once: the helper's write into
    ``y`` comes back to ``f`` as any call's does (``write_back.py``); it
    was refused before."""
    x = np.array([0.3, 0.5])
    check_grad(function, (x,))
    check_jvp(function, (x,))


@pytest.mark.parametrize(
    "function, fragment, words",
    [
        (
            p.while_condition_calls_a_helper_that_writes,
            "while _triples_the_first(y) < 10.0",
            "a while loop's condition that calls _triples_the_first(...)",
        ),
        (p.condition_pops_from_a_list, "if items.pop() > 0.0:", ".pop()"),
    ],
)
def test_a_condition_that_changes_a_value_in_place_is_not_run_hidden(
    function, fragment, words
):
    """A branch or loop condition carries no derivative, but a call in it
    may change a value that does: it is lowered as any other call (and
    refused here, since the change is seen later), never run where the
    derivative cannot see the change (the gradient was silently wrong, and
    a list popped in a condition crashed the backward sweep)."""
    x = np.array([0.3, 0.5]) if "pops" not in function.__name__ else 0.7
    error = error_of(function, x)
    assert isinstance(error, adcompile.AdcompileError)
    assert words in error.reason, error.reason
    assert_points_at(error, fragment)


@pytest.mark.parametrize(
    "function, fragment, words",
    [
        (
            p.logsumexp_with_sign,
            "scipy.special.logsumexp(x * a, return_sign=True)",
            "return_sign=False only",
        ),
        (p.helper_given_star_arguments, "_sum_of_squares(x, a)", "*values"),
        (p.helper_given_keyword_arguments, "_scaled(x, scale=a)", "**options"),
    ],
)
def test_a_call_its_rule_or_derivative_cannot_follow_is_refused_where_written(
    function, fragment, words
):
    """Each crashed inside emitted code (a broadcast error) or was refused
    with a message about adcompile's own names at the function's def."""
    if function is p.logsumexp_with_sign:
        pytest.importorskip("scipy")
    error = error_of(function, np.array([0.3, -0.5, 0.2]), 0.7, wrt=(0, 1))
    assert words in error.reason, error.reason
    assert_points_at(error, fragment)


def test_an_empty_index_reads_the_value_itself():
    """``s[()]`` of a 0-d value (a crash while emitting code, before)."""
    check_grad(p.item_of_a_zero_d_value, (np.array([0.3, -0.5, 0.2]),))


def test_a_refusal_as_the_code_runs_in_a_comprehension_points_at_it():
    """The check after a call in a comprehension named the loop adcompile
    writes for it (``items.append(...)``) and pointed at the def line."""
    error = error_of(
        p.writing_helper_in_a_comprehension,
        np.array([0.3, -0.5, 0.2]),
        0.7,
        wrt=(0, 1),
    )
    assert "items" not in error.reason, error.reason
    assert_points_at(error, "[_writes_then_rebinds_in_a_loop(y, a) for k in range(2)]")
