"""Names certainly bound before each statement (normal/bound.py), and what
user functions do with their arguments (normal/purity.py): the two facts
that decide whether an in-place update is checked as the code runs."""

import textwrap

import libcst as cst
import numpy as np
import scipy.optimize
import scipy.special
from scipy.stats import norm

from adcompile._src.normal.bound import bound_before
from adcompile._src.normal.purity import PURE, purity


def _before(code: str, params=("x",)) -> dict[str, frozenset[str]]:
    """Names bound before each simple statement, keyed by its code."""
    module = cst.parse_module(textwrap.dedent(code))
    table = bound_before(list(module.body), params)
    found: dict[str, frozenset[str]] = {}

    class Visitor(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            for small in node.body:
                found[module.code_for_node(small).strip()] = table[id(small)]

    module.visit(Visitor())
    return found


def test_straight_line_binds_in_order():
    before = _before("""
        y = x * 2
        a, (b, c) = y, (1, 2)
        y[0] = a
        return y
        """)
    assert before["y = x * 2"] == {"x"}
    assert before["y[0] = a"] == {"x", "y", "a", "b", "c"}


def test_a_name_bound_on_one_path_only_is_not_bound_after_the_branch():
    before = _before("""
        if x > 0:
            row = x[0]
        else:
            other = 1.0
        z = 2.0
        if x > 1:
            both = 1.0
        else:
            both = 2.0
        w = both
        """)
    assert "row" not in before["z = 2.0"]
    assert "other" not in before["z = 2.0"]
    assert "both" in before["w = both"]


def test_a_path_that_leaves_does_not_count():
    before = _before("""
        if x > 0:
            return x
        else:
            y = x * 2
        z = y
        """)
    assert "y" in before["z = y"]


def test_a_loop_may_run_no_times():
    before = _before("""
        for i in range(3):
            s = i
            t = s
        u = 1.0
        while x > 0:
            v = 1.0
            break
        w = 1.0
        """)
    assert before["s = i"] == {"x", "i"}  # the loop's target, not s
    assert "s" in before["t = s"]
    assert not {"i", "s", "t"} & before["u = 1.0"]
    assert "v" not in before["w = 1.0"]


# ---- purity -----------------------------------------------------------------


def _calls_a_nested_function(z):
    def inner(w):
        return np.sin(w) * 2.0

    scale = lambda w: w * 0.5  # noqa: E731
    return inner(z) + scale(z)


def _returns_a_closure_result_that_is_an_argument(z):
    def inner():
        return z

    return inner()


def _hands_out_a_closure(z, keep):
    def inner():
        return z

    keep.append(inner)
    return np.sum(z)


def _closure_writes_into_an_argument(z):
    def inner(w):
        w[0] = 1.0
        return w

    inner(z)
    return np.sum(z)


def _appends_to_a_new_list(z):
    items = [np.sin(z) for _ in range(2)]
    items.append(np.cos(z))
    return items[0] + items[2]


def _appends_to_a_list_of_its_arguments(z):
    items = [z for _ in range(2)]
    items.append(z)
    return items


def test_a_nested_function_only_called_is_read_as_part_of_the_body():
    assert not purity(_calls_a_nested_function).keeps
    assert purity(_calls_a_nested_function).returns_new


def test_a_nested_function_that_returns_an_argument_makes_no_new_value():
    found = purity(_returns_a_closure_result_that_is_an_argument)
    assert not found.returns_new


def test_a_nested_function_used_otherwise_may_keep_what_it_reads():
    assert purity(_hands_out_a_closure).keeps


def test_a_nested_function_writing_into_its_argument_keeps():
    assert purity(_closure_writes_into_an_argument).keeps


def test_a_list_comprehension_of_new_values_is_a_new_list():
    assert not purity(_appends_to_a_new_list).keeps
    assert not purity(_appends_to_a_list_of_its_arguments).returns_new


def _calls_scipy_functions_with_rules(c, z):
    return norm.logcdf(c), (z, scipy.special.expit(z[1]))


def _calls_an_unknown_scipy_function(z):
    return scipy.optimize.minimize(np.sum, z)


def test_library_functions_with_derivative_rules_keep_nothing():
    # numerical code: its results are new values; the function returns z
    # itself, so its result is not all new
    found = purity(_calls_scipy_functions_with_rules)
    assert not found.keeps and not found.writes and not found.returns_new
    assert purity(_calls_an_unknown_scipy_function).keeps


def _appends_to_a_list_it_made(w, state):
    out = []
    out.append(np.tanh(state[0] * w))
    return np.stack(out)


def _writes_into_an_item_of_a_list_it_made(z):
    out = []
    out.append(z)
    out[0][1] = 5.0
    return out


def test_changing_a_list_it_made_writes_no_argument():
    # the list is the function's own, whatever it holds; an item of it may
    # be an argument's array
    assert not purity(_appends_to_a_list_it_made).writes
    found = purity(_writes_into_an_item_of_a_list_it_made)
    assert found.writes and found.written is None


def _fills_the_diagonal_of_its_own_array(z):
    D = np.zeros((3, 3))
    np.fill_diagonal(D, sum(np.sin(e) for e in z))
    return D @ z


def _fills_the_diagonal_of_its_argument(A, z):
    np.fill_diagonal(A, sum(np.sin(e) for e in z))
    return A @ z


def _copies_into_an_array_it_may_be_given(z, buffer):
    target = buffer if buffer is not None else np.zeros(3)
    np.copyto(target, z)
    return np.sum(target)


def test_numpys_writers_write_into_their_first_argument_only():
    """np.fill_diagonal(a, v), np.copyto(dst, src)...: only the array given
    first changes, whatever the others read (a generator's loop name too)."""
    assert purity(_fills_the_diagonal_of_its_own_array) == PURE
    found = purity(_fills_the_diagonal_of_its_argument)
    assert found.writes and found.written == frozenset({"A"})
    found = purity(_copies_into_an_array_it_may_be_given)
    assert found.writes and found.written is None  # a local that may hold one


def _builds_a_dict(c, A):
    out = {}
    out["w"] = np.log(1.0 + np.sin(A[1]) ** 2)
    out["b"] = np.tanh(c)
    return out


def _builds_a_dict_by_comprehension(A):
    parts = {k: np.sin(A) * i for i, k in enumerate("wb")}
    parts["w"] = parts["b"] + 1.0
    return parts


def _writes_into_a_dict_holding_its_argument(A):
    out = {"w": A}
    out["w"][0] = 1.0
    return out


def test_a_dict_it_made_is_its_own():
    """A dict display or comprehension of new values is a new object:
    writing into it writes no argument (a helper returning a dict it
    built was taken to change any argument)."""
    assert purity(_builds_a_dict) == PURE
    assert purity(_builds_a_dict_by_comprehension) == PURE
    assert purity(_writes_into_a_dict_holding_its_argument).writes


def _writes_through_a_parameter_rebound_to_another(a, b):
    a = b
    a[0] = 5.0 * a[1]
    return np.sum(a)


def _rebinds_a_parameter_to_a_new_value_then_updates_it(c, z):
    z = z * 2.0
    z += 1.0
    c -= 0.3 * np.tanh(c)
    return np.tanh(c) + np.sum(z)


def _writes_new_values_into_its_argument(c, z):
    z[0] = 2.0 * c
    z *= 0.9
    return np.sum(z)


def _stores_one_argument_into_another(y, z):
    z[0] = y
    return np.sum(z)


def _calls_a_function_that_only_writes(c, z):
    _writes_new_values_into_its_argument(c, z)
    return np.sum(np.sin(z))


def test_a_write_through_a_parameter_given_another_reaches_any_argument():
    """``a = b`` then ``a[0] = v`` writes into b's object: the parameters
    written are not known (a parameter was taken to be its own argument
    however the body rebound it: the caller gave b uncopied)."""
    found = purity(_writes_through_a_parameter_rebound_to_another)
    assert found.writes and found.written is None and found.holds
    found = purity(_rebinds_a_parameter_to_a_new_value_then_updates_it)
    assert found.written == frozenset({"c", "z"}) and not found.holds


def test_writing_new_values_into_parameters_holds_nothing():
    """A function whose only effect is new values written into its
    parameters' objects keeps nothing (``holds`` false): given private
    copies of those, its caller's other arguments stay unseen; storing an
    argument into another holds it."""
    found = purity(_writes_new_values_into_its_argument)
    assert found.keeps and found.written == frozenset({"z"}) and not found.holds
    found = purity(_calls_a_function_that_only_writes)  # (what it is given)
    assert found.written is not None and "z" in found.written and not found.holds
    found = purity(_stores_one_argument_into_another)
    assert found.written is None or found.holds


def _returns_values_made_apart(z, c):
    return np.log(1.0 + z[0] ** 2), (np.sin(z + 0.3), np.tanh(np.sin(c + c)))


def _returns_one_value_twice(z):
    y = np.sin(z)
    return y, y


def _repeats_a_tuple(z):
    return (np.sin(z),) * 2


def _returns_a_result_made_apart_and_more(z):
    return _returns_values_made_apart(z, 1.0), 0.5 * np.cos(z)


def _returns_a_result_with_shared_parts(z):
    return _returns_one_value_twice(z), 1.0


def _repeats_a_tuple_it_is_given(z, t):
    return t * 2, np.sin(z)


def test_parts_made_in_the_return_are_apart():
    """``return a, (b, c)`` with each part computed there: no two parts
    share memory; a name returned twice, a tuple repeated or a result of a
    helper whose parts may share are not apart."""
    assert purity(_returns_values_made_apart).parts_apart
    assert purity(_returns_a_result_made_apart_and_more).parts_apart
    for function in (
        _returns_one_value_twice,
        _repeats_a_tuple,
        _returns_a_result_with_shared_parts,
        _repeats_a_tuple_it_is_given,
    ):
        assert not purity(function).parts_apart, function.__name__


def _updates_a_slice_of_its_own_array(z):
    u = np.sin(z)
    u[0:2] += 0.5 * np.cos(z)[1:3]
    return u


def _updates_a_slice_of_its_argument(z):
    z[0:2] += 0.5
    return np.sum(z)


def test_an_augmented_write_into_a_slice_of_its_own_array_keeps_nothing():
    """``u[0:2] += v`` writes into u, which the function made (it was read
    as a write into something else, and every such helper as keeping its
    arguments)."""
    assert purity(_updates_a_slice_of_its_own_array) == PURE
    found = purity(_updates_a_slice_of_its_argument)
    assert found.writes and found.written == frozenset({"z"})


def _writes_and_returns_new(z):
    z *= 0.9
    return np.sin(z)


def _updates_what_a_writer_returned(z, c):
    c = _writes_and_returns_new(z * 1.0)
    c[0] = 2.0 * c[1]
    return np.sum(c * z)


def _appends_and_returns_it(items):
    r = np.zeros(2)
    items.append(r)
    return r


def _updates_what_it_stored_in_its_argument(items):
    y = _appends_and_returns_it(items)
    y[0] = 1.0
    return y


def test_a_result_of_a_function_that_only_writes_its_parameters_is_new():
    """A call of a function whose only effect is new values written into its
    parameters returns a new value when its returns are new: ``c`` given
    one is still the function's own (it was taken to be any argument). A
    function that stores its result in an argument as well does not."""
    found = purity(_updates_what_a_writer_returned)
    assert found.written is not None and not found.holds
    assert purity(_updates_what_it_stored_in_its_argument).holds
