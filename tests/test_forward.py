"""Forward mode: ``adcompile.jvp`` and the tangent programs it emits.

Every program of the control-flow corpus (branches, loops, ``while``,
``break``/``continue``, calls into user functions, containers, in-place
updates) is checked in forward mode against finite differences and against
reverse mode; then the API's own behaviour: tangents held fixed, bad
tangents, has_aux, the emitted source.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import adcompile
from tests.corpus import all_cases
from tests.forwardcheck import check_jvp
from tests.test_control_flow import assert_smooth_here

CASES = [c for c in all_cases() if c.xfail is None]
pytestmark = pytest.mark.filterwarnings(
    "ignore:Output seems independent of input:UserWarning"
)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_corpus_in_forward_mode(case):
    assert_smooth_here(case)
    check_jvp(case.f, case.args, wrt=case.wrt, rtol=1e-4)


def tanh_layer(x, W, b):
    return np.tanh(W @ x + b)


def test_vector_output_tangent_is_the_jacobian_times_the_tangent():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=2)
    v = rng.normal(size=3)
    value, tangent = adcompile.jvp(tanh_layer, (x, W, b), (v, None, None))
    np.testing.assert_allclose(value, tanh_layer(x, W, b))
    expected = (1 - np.tanh(W @ x + b) ** 2) * (W @ v)
    np.testing.assert_allclose(tangent, expected, rtol=1e-12)
    assert isinstance(tangent, np.ndarray) and tangent.shape == (2,)


def test_no_tangent_at_all_gives_zero():
    x = np.array([0.1, 0.2, 0.3])
    value, tangent = adcompile.jvp(tanh_layer, (x, np.eye(3), x), (None, None, None))
    np.testing.assert_array_equal(tangent, np.zeros(3))


def independent_of_x(x, y):
    return y * 2.0


def test_output_independent_of_the_tangent_inputs_has_a_zero_tangent():
    value, tangent = adcompile.jvp(independent_of_x, (1.0, 3.0), (1.0, None))
    assert value == 6.0 and tangent == 0.0 and isinstance(tangent, float)


def test_source_reads_like_the_chain_rule():
    text = adcompile.source(tanh_layer, wrt=0, kind="jvp")
    assert text.startswith("def jvp_tanh_layer(x, W, b, *, dx):")
    assert "dmatmul_x = W @ dx" in text
    assert "dout = dplus_matmul_x * (1.0 - out * out)" in text
    # nothing is computed for W and b, which carry no tangent
    assert "dW" not in text and "db" not in text


def test_tangent_of_the_wrong_shape_is_refused():
    with pytest.raises(adcompile.BadTangent, match="shape"):
        adcompile.jvp(
            tanh_layer, (np.ones(3), np.eye(3), np.ones(3)), (np.ones(2), None, None)
        )


def test_tangent_count_must_match():
    with pytest.raises(adcompile.BadTangent, match="3 primals but 1 tangents"):
        adcompile.jvp(tanh_layer, (np.ones(3), np.eye(3), np.ones(3)), (np.ones(3),))


def test_integer_primal_with_a_tangent_is_refused():
    with pytest.raises(adcompile.IntegerInput, match="integers have no tangent"):
        adcompile.jvp(independent_of_x, (1, 3.0), (1.0, None))


def with_aux(x):
    y = np.sin(x)
    return y * 2.0, {"y": y}


def test_has_aux():
    value, tangent, aux = adcompile.jvp(with_aux, (0.5,), (1.0,), has_aux=True)
    assert value == pytest.approx(2 * np.sin(0.5))
    assert tangent == pytest.approx(2 * np.cos(0.5))
    assert aux["y"] == pytest.approx(np.sin(0.5))


def scaled_square(x, w):
    return np.sum(x * x) * w


def calls_a_helper(x, w):
    return scaled_square(x, w) + np.sum(np.cos(x))


def test_calls_into_user_functions_run_their_own_tangent_programs():
    x, w = np.array([0.3, -0.4]), 1.7
    check_jvp(calls_a_helper, (x, w), wrt=(0, 1))
    assert "jvp_call(" in adcompile.source(calls_a_helper, wrt=(0, 1), kind="jvp")


def slogdet_of(a):
    return np.linalg.slogdet(a)


def test_named_tuple_output_keeps_its_type():
    a = np.array([[2.0, 0.3], [0.1, 1.5]])
    value, tangent = adcompile.jvp(slogdet_of, (a,), (np.eye(2),))
    assert type(tangent) is type(value)
    assert tangent.logabsdet == pytest.approx(np.trace(np.linalg.inv(a)))


def dict_model(params, x, scale=2.0, *, shift=1.0):
    return np.sum(np.tanh(params["w"] * x + params["b"])) * scale + shift


def test_container_parameters_take_container_tangents():
    params = {"w": np.array([0.5, -0.2]), "b": np.array([0.1, 0.3])}
    x = np.array([1.0, 2.0])
    tangent_params = {"w": np.array([1.0, 0.0]), "b": np.array([0.0, 1.0])}
    _, tangent = adcompile.jvp(dict_model, (params, x), (tangent_params, None))
    h = 1e-6
    plus = {k: params[k] + h * tangent_params[k] for k in params}
    minus = {k: params[k] - h * tangent_params[k] for k in params}
    numeric = (dict_model(plus, x) - dict_model(minus, x)) / (2 * h)
    assert tangent == pytest.approx(numeric, rel=1e-7)


def _returns_before_a_name_is_first_given(x):
    for _ in range(3):
        if np.sum(x) > -10.0:
            return 0.2 * x[0]
        u = x @ u  # noqa: F821, F841 (never runs: the loop returns first)
    return 1.0


def test_a_name_read_before_any_value_on_a_path_that_never_runs():
    x = np.array([0.5, 0.7, 0.9])
    value, tangent = adcompile.jvp(
        _returns_before_a_name_is_first_given, (x,), (np.ones(3),)
    )
    assert value == pytest.approx(0.1)
    assert tangent == pytest.approx(0.2)


def stack_grown_and_emptied(x):
    """A stack the function builds: pushed in one loop, popped from both
    ends in another (the shape of the stacks in gradient code)."""
    items = []
    for k in range(4):
        items.append(np.sin(x * (k + 1)))
    first = items.pop(0)
    total = np.sum(first * x)
    while items:
        last = items.pop()
        total = total + np.sum(last * first)
    return total


def test_a_stack_the_function_builds_changes_in_place_in_forward_mode():
    # append and pop at an end copy no list (O(1) per step, not O(length)),
    # for the list and for its tangent list; the tangents are right
    x = np.array([0.3, -0.8, 1.1])
    check_jvp(stack_grown_and_emptied, (x,))
    source = adcompile.source(stack_grown_and_emptied, kind="jvp")
    assert "items.append(" in source and "ditems.append(" in source
    assert "ditems.pop(0)" in source and re.search(r"ditems\w*\.pop\(\)", source)
    assert "[*items" not in source


def test_hvp_through_a_loop_keeps_its_stacks_in_place():
    def loop(x, n):
        total = 0.0
        for i in range(n):
            total = total + np.sum(np.sin(x * i))
        return total

    source = adcompile.source(loop, kind="hvp")
    assert "[*stack" not in source and "[:-1]" not in source
    x = np.array([0.2, 0.5])
    product = adcompile.hvp(loop, (x, 6), (np.ones(2), None))
    expected = -np.sum([np.sin(x * i) * i * i for i in range(6)], axis=0)
    np.testing.assert_allclose(product, expected)
