"""Control flow: a corpus of realistic programs, checked every way we can.

Every program of ``tests/corpus`` (branches, early returns, ``for`` loops
over ranges, rows, ``enumerate``, ``zip`` and ``reversed``, ``while`` loops,
``break`` and ``continue``, loop ``else`` clauses, returns inside loops) is
checked at inputs away from its branch boundaries:

- against central finite differences (``check_grad``), after checking that
  finite differences at two step sizes agree there (no kink nearby);
- against autograd, where autograd can run the program;
- through ``value_and_grad`` (its value is f's) and ``vjp`` (the pullback
  called twice gives the same gradient, scales linearly, agrees with
  ``grad``, and no argument is mutated).

Known failures are strict xfails whose reason says what is wrong; the
report that goes with this file has a minimal reproducer for each.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

import adcompile
from tests import corpus
from tests.corpus import (
    Case,
    all_cases,
    composition,
    in_place,
    params,
    python_values,
    raises,
    sharing,
    vector_outputs,
)
from tests.gradcheck import (
    assert_not_mutated,
    check_against_autograd,
    check_grad,
    numeric_directional_derivative,
    wrt_positions,
)
from tests.test_golden import load as load_golden

CASES = all_cases()
pytestmark = pytest.mark.filterwarnings(
    "ignore:Output seems independent of input:UserWarning"
)


def _direction(x, rng):
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def assert_smooth_here(case: Case) -> None:
    """Finite differences with steps 1e-3 and 1e-5 agree: the inputs are not
    near a change of control path (a kink or jump)."""
    positions = wrt_positions(case.f, case.wrt)
    rng = np.random.default_rng(1)
    for _ in range(2):
        vs = [_direction(case.args[p], rng) for p in positions]
        coarse, fine = (
            numeric_directional_derivative(case.f, case.args, positions, vs, h)
            for h in (1e-3, 1e-5)
        )
        assert abs(coarse - fine) <= 1e-2 * max(1.0, abs(fine)), (
            f"{case.id}: near a change of control path "
            f"(finite differences {coarse} and {fine})"
        )


def test_corpus_is_large_enough():
    programs = {case.f for case in CASES} | {c.f for c in vector_outputs.CASES}
    assert len(programs) >= 45, len(programs)
    assert len({case.id for case in CASES}) == len(CASES), "duplicate ids"


@pytest.mark.parametrize("case", params(CASES, "fd"))
def test_gradient_matches_finite_differences(case: Case):
    assert_smooth_here(case)
    check_grad(case.f, copy.deepcopy(case.args), case.wrt)


AUTOGRAD_CASES = [case for case in CASES if case.autograd]


@pytest.mark.parametrize("case", params(AUTOGRAD_CASES, "autograd"))
def test_gradient_matches_autograd(case: Case):
    check_against_autograd(case.f, None, copy.deepcopy(case.args), case.wrt)


def _as_list(grads, wrt):
    return list(grads) if isinstance(wrt, tuple) else [grads]


def _assert_same(got, want, label):
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b), f"{label}: {type(a)} vs {type(b)}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=label)


@pytest.mark.parametrize("case", params(CASES, "vjp"))
def test_value_and_pullback(case: Case):
    """value_and_grad's value is f's; a pullback called twice gives the same
    result, is linear, agrees with grad; no argument is mutated."""
    args = list(copy.deepcopy(case.args))
    before = copy.deepcopy(args)
    expected_value = case.f(*copy.deepcopy(case.args))
    value, _ = adcompile.value_and_grad(case.f, wrt=case.wrt)(*args)
    assert_not_mutated(before, args)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    grads = _as_list(adcompile.grad(case.f, wrt=case.wrt)(*args), case.wrt)
    value, pullback = adcompile.vjp(case.f, *args, wrt=case.wrt)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    first = _as_list(pullback(1.0), case.wrt)
    second = _as_list(pullback(1.0), case.wrt)
    doubled = _as_list(pullback(2.0), case.wrt)
    assert_not_mutated(before, args)
    _assert_same(second, first, f"{case.id}: pullback called twice")
    _assert_same(first, grads, f"{case.id}: pullback(1.0) vs grad")
    for once, twice in zip(first, doubled, strict=True):
        np.testing.assert_allclose(twice, 2.0 * np.asarray(once), rtol=1e-12)


@pytest.mark.parametrize("case", params(vector_outputs.CASES, "vjp"))
def test_vector_output_pullback(case: Case):
    """vjp of programs with a vector output, against finite differences of
    <cotangent, f>; the pullback gives the same result when called twice."""
    args = list(copy.deepcopy(case.args))
    before = copy.deepcopy(args)
    value, pullback = adcompile.vjp(case.f, *args, wrt=case.wrt)
    np.testing.assert_allclose(value, case.f(*case.args), rtol=1e-12)
    rng = np.random.default_rng(2)
    cotangent = rng.standard_normal(np.shape(value))
    first = _as_list(pullback(cotangent), case.wrt)
    second = _as_list(pullback(cotangent.copy()), case.wrt)
    assert_not_mutated(before, args)
    _assert_same(second, first, f"{case.id}: pullback called twice")

    def projected(*xs):
        return float(np.sum(case.f(*xs) * cotangent))

    positions = wrt_positions(case.f, case.wrt)
    for _ in range(3):
        vs = [_direction(args[p], rng) for p in positions]
        norm = math.sqrt(sum(float(np.sum(np.square(v))) for v in vs))
        vs = [v / norm for v in vs]
        analytic = sum(
            float(np.sum(np.asarray(g) * v)) for g, v in zip(first, vs, strict=True)
        )
        numeric = numeric_directional_derivative(projected, args, positions, vs, 1e-6)
        coarse = numeric_directional_derivative(projected, args, positions, vs, 1e-4)
        assert abs(coarse - numeric) <= 1e-3 * max(1.0, abs(numeric)), "near a kink"
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(
            numeric
        ), f"{case.id}: <vjp, v> = {analytic} but finite differences give {numeric}"


GOLDEN = Path(__file__).parent / "golden"
RNG = np.random.default_rng(17)
GOLDEN_INPUTS = {  # inputs away from branch boundaries, for each cf_ golden
    "cf_overwrite_own_value": [(0.7,), (-0.7,)],
    "cf_calls_in_branches": [(2.0, 1.0), (1.0, 2.0)],
    "cf_branch": [
        (np.array([0.5, 0.3]), np.array([0.8, 0.4])),  # z > 0
        (np.array([0.5, 0.3]), np.array([-0.8, -0.4])),  # -1 < z < 0
        (np.array([1.5, 1.3]), np.array([-0.8, -0.4])),  # z < -1
    ],
    "cf_for_range": [(RNG.standard_normal((3, 3)) * 0.5, RNG.standard_normal(3), 4)],
    "cf_checkpoint": [
        (RNG.standard_normal((3, 3)) * 0.5, RNG.standard_normal(3), n)
        for n in (0, 1, 9)
    ],
    "cf_while": [(2.0,), (0.3,)],
    "cf_break": [(0.3,), (1.1,)],
    "cf_return_in_loop": [(0.3,), (-0.4,)],
    "cf_for_else": [(0.9,), (0.2,)],
    "cf_rows": [(np.array([0.5, -0.3, 0.8]), RNG.standard_normal((5, 3)))],
    "cf_raise_and_del": [(np.array([0.5, 1.2]), 3), (np.array([2.0, 0.3]), 0)],
    "cf_early_return": [
        (np.array([1.5, 1.5]),),
        (np.array([0.1, 0.2]),),
        (np.array([0.5, 0.8]),),
    ],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_INPUTS))
def test_control_flow_goldens_compute_right_gradients(name):
    """The emitted code the golden files record is also right."""
    assert (GOLDEN / f"{name}.py").exists()
    module = load_golden(GOLDEN / f"{name}.py")
    for args in GOLDEN_INPUTS[name]:
        case = Case(module.f, args, getattr(module, "WRT", 0))
        assert_smooth_here(case)
        check_grad(module.f, args, case.wrt)


def test_every_control_flow_golden_is_run():
    assert {p.stem for p in GOLDEN.glob("cf_*.py")} == set(GOLDEN_INPUTS)


AOT_PROGRAMS = [
    "piecewise_elif-p3",
    "early_return_in_nested_ifs-log",
    "guard_clause_chain-g3",
    "loop_with_branch_inside-small",
    "rnn_final_state",
    "neighbours_by_index",
    "newton_sqrt-2",
    "while_true_with_break",
    "while_in_for",
    "break_with_code_after_if",
    "rows_with_branch",
    "enumerate_rows",
    "zip_two_arrays",
    "reversed_rows",
    "continue_on_data",
    "break_reversed_rows",
    "keep_best_row",
]


def test_ahead_of_time_module_matches_in_process_gradients(tmp_path):
    """``adcompile build`` of control-flow programs: the generated module
    (numpy only) computes the gradients adcompile computes in process."""
    import importlib.util
    import inspect

    from adcompile._src.tools import build

    by_id = {case.id: case for case in CASES}
    cases = [by_id[name] for name in AOT_PROGRAMS]
    sources = {case.f.__name__: inspect.getsource(case.f) for case in cases}
    source = tmp_path / "cf_model.py"
    source.write_text("import numpy as np\n\n\n" + "\n\n".join(sources.values()))
    target = build.make_target(source, None, None, tmp_path)
    generated = build.write(target)
    assert sorted(generated.built) == sorted(sources), generated.skipped
    spec = importlib.util.spec_from_file_location("cf_model_grad", target.output)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for case in cases:
        name = case.f.__name__
        args = copy.deepcopy(case.args)
        want = adcompile.grad(case.f, wrt=0)(*args)
        got = getattr(module, f"grad_{name}")(*args)
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)
        value, again = getattr(module, f"value_and_grad_{name}")(*args)
        np.testing.assert_allclose(value, case.f(*args), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(again, want, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", params(in_place.PARAMETER_CASES, "write_back"))
def test_in_place_update_of_a_parameter(case: Case):
    """The gradient of a function that updates its parameter in place is
    right (at the parameter's value on entry), and grad and value_and_grad
    leave the caller's array as the function leaves it."""
    (x,) = case.args
    v = np.random.default_rng(3).standard_normal(x.shape)
    h = 1e-6
    numeric = (case.f(x + h * v) - case.f(x - h * v)) / (2 * h)
    updated = x.copy()
    value = case.f(updated)
    argument = x.copy()
    gradient = adcompile.grad(case.f)(argument)
    np.testing.assert_allclose(gradient @ v, numeric, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(argument, updated, err_msg="after grad")
    argument = x.copy()
    got_value, again = adcompile.value_and_grad(case.f)(argument)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    np.testing.assert_allclose(again, gradient, rtol=1e-12)
    np.testing.assert_array_equal(argument, updated, err_msg="after value_and_grad")


@pytest.mark.parametrize(
    "case",
    composition.PARAMETER_CASES
    + in_place.MATRIX_PARAMETER_CASES
    + sharing.PARAMETER_CASES,
    ids=lambda c: c.id,
)
def test_parameter_written_on_some_paths(case: Case):
    """Each derivative leaves the arguments as f leaves them, returns f's
    value, and agrees with finite differences at the arguments on entry."""
    rng = np.random.default_rng(5)
    positions = list(case.wrt)
    directions = [rng.standard_normal(np.shape(case.args[i])) for i in positions]
    directions = [
        list(d) if isinstance(case.args[i], list) else d
        for i, d in zip(positions, directions, strict=True)
    ]

    def at(step):
        args = copy.deepcopy(list(case.args))
        for i, d in zip(positions, directions, strict=True):
            if isinstance(args[i], list):  # a list of arrays, item by item
                args[i] = [a + step * e for a, e in zip(args[i], d, strict=True)]
            else:
                args[i] = args[i] + step * d
        return case.f(*args)

    numeric = (at(1e-6) - at(-1e-6)) / 2e-6
    left = copy.deepcopy(list(case.args))
    value = case.f(*left)
    args = copy.deepcopy(list(case.args))
    got, grads = adcompile.value_and_grad(case.f, wrt=case.wrt)(*args)
    assert got == value
    for a, b in zip(args, left, strict=True):
        np.testing.assert_array_equal(a, b)
    exact = sum(
        np.sum(np.asarray(g) * np.asarray(d))
        for g, d in zip(grads, directions, strict=True)
    )
    assert abs(exact - numeric) < 1e-5 * max(1.0, abs(numeric))
    args = copy.deepcopy(list(case.args))
    tangents = [None] * len(args)
    for i, d in zip(positions, directions, strict=True):
        tangents[i] = d
    primal, tangent = adcompile.jvp(case.f, args, tangents)
    assert primal == value and abs(tangent - numeric) < 1e-5 * max(1.0, abs(numeric))
    for a, b in zip(args, left, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "f, wrt",
    in_place.LIST_PARAMETER_CASES,
    ids=lambda c: c.__name__ if callable(c) else f"wrt{c}",
)
def test_a_list_parameter_changed_by_the_function(f, wrt):
    """append and pop on a list parameter: the gradient wrt w is right, and
    grad and value_and_grad leave the caller's list as the function does."""
    w = in_place.X[3]
    v = np.random.default_rng(5).standard_normal(w.shape)
    h = 1e-6

    def items():
        return [a.copy() for a in in_place.LIST_ITEMS]

    numeric = (f(items(), w + h * v) - f(items(), w - h * v)) / (2 * h)
    after_f = items()
    value = f(after_f, w)
    grad, both = adcompile.grad(f, wrt=wrt), adcompile.value_and_grad(f, wrt=wrt)
    for call in (grad, both):
        for _ in range(2):  # the general code, then the variant for the shapes
            argument = items()
            result = call(argument, w)
            if call is both:
                np.testing.assert_allclose(result[0], value, rtol=1e-12)
                result = result[1]
            gradient_w = result[1] if isinstance(wrt, tuple) else result
            np.testing.assert_allclose(gradient_w @ v, numeric, rtol=1e-5)
            assert len(argument) == len(after_f)
            for got, want in zip(argument, after_f, strict=True):
                np.testing.assert_array_equal(got, want)


def _nested_exits_program(blocks: int) -> str:
    """A loop body of ``blocks`` blocks ``if a: (if b: break); ...; ...``."""
    lines = ["import numpy as np", "", "", "def f(x):", "    y = x"]
    lines.append("    for _ in range(20):")
    for j in range(blocks):
        lines += [
            f"        if y > {1.0 + j}:",
            f"            if y > {100.0 + j}:",
            "                break",
            "            y = y * 0.5",
            "        y = y + np.sin(y) * 0.1",
        ]
    lines.append("    return y")
    return "\n".join(lines) + "\n"


def test_emitted_code_grows_linearly_with_nested_exits(tmp_path):
    """Statements after an `if` that may break on one of several paths are
    emitted once (the exit sets a flag), not copied into every path."""
    import importlib.util

    from adcompile._src.compilation import compiler

    sizes = {}
    for blocks in (1, 4):
        path = tmp_path / f"exits_{blocks}.py"
        path.write_text(_nested_exits_program(blocks))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sizes[blocks] = len(compiler.compiled(module.f, 0, "grad").source.splitlines())
        check_grad(module.f, (0.7,))
    assert sizes[4] <= 4 * sizes[1], sizes


def _weights(seed: int, layers: int = 3):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((3, 3)) * 0.6 for _ in range(layers)]
    bs = [rng.standard_normal(3) * 0.3 for _ in range(layers)]
    return Ws, bs, rng.standard_normal(3)


@pytest.mark.parametrize("wrt", [0, (0, 1)], ids=["Ws", "Ws-bs"])
def test_loops_over_lists_of_parameters(wrt):
    """``for W in Ws`` / ``zip(Ws, bs)`` over list parameters, against autograd;
    the gradient of a list is a list of arrays."""
    import autograd

    from tests.corpus.iteration import mlp_over_weight_list, mlp_over_zipped_lists
    from tests.gradcheck import autograd_version

    Ws, bs, x = _weights(4)
    for f, args in (
        (mlp_over_weight_list, (Ws, x)),
        (mlp_over_zipped_lists, (Ws, bs, x)),
    ):
        if f is mlp_over_weight_list and wrt != 0:
            continue
        before = copy.deepcopy(args)
        got = adcompile.grad(f, wrt=wrt)(*args)
        want = autograd.grad(autograd_version(f), wrt)(*args)
        assert_not_mutated(before, args)
        got, want = (got, want) if isinstance(wrt, tuple) else ((got,), (want,))
        for g, w in zip(got, want, strict=True):
            assert isinstance(g, list) and len(g) == len(w)
            for a, b in zip(g, w, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "f, args, error", [pytest.param(*r, id=r[0].__name__) for r in raises.RAISING]
)
def test_a_raise_on_the_path_taken_raises_from_every_derivative(f, args, error):
    """Where the function raises, so does each derivative of it (its general
    code, its shape variant, forward mode), with the user's own exception."""
    before = copy.deepcopy(args)
    derivatives = [
        adcompile.grad(f),
        adcompile.value_and_grad(f),
        lambda *a: adcompile.vjp(f, *a)[1](1.0),
        lambda *a: adcompile.jvp(f, a, (np.ones_like(a[0]), *[None] * (len(a) - 1))),
    ]
    for derivative in derivatives:
        for _ in range(2):  # the general code, then the variant for these shapes
            with pytest.raises(error):
                derivative(*args)
    assert_not_mutated(before, args)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id) for c in corpus.refused_cases()]
)
def test_refused_with_an_error_at_the_construct(case):
    with pytest.raises(adcompile.AdcompileError) as info:
        adcompile.grad(case.f, wrt=case.wrt)(*case.args)
    message = str(info.value)
    assert "line" in message and "^" in message, message
    assert info.value.hint, message


def test_joining_lists_gives_each_list_its_items_adjoints():
    """``xs + ys`` on lists is concatenation, not addition: its pullback must
    not sum the adjoints as arrays (it once gave (5.0, 5.0), not (3.0, 2.0))."""
    gradient = adcompile.grad(python_values.joined_lists, wrt=(0, 1))(2.0, 3.0)
    assert gradient == (3.0, 2.0)


def test_numpy_reading_a_list_parameter_gives_a_list_gradient():
    xs = [0.3, -1.2, 0.8]
    gradient = adcompile.grad(python_values.numpy_reads_a_list_parameter)
    for _ in range(2):  # the general code, then the variant
        got = gradient(list(xs))
        x = np.array(xs)
        want = np.sin(x) + (x + 2.0) * np.cos(x)
        assert isinstance(got, list) and all(type(g) is float for g in got)
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("wrt", [0, 1])
def test_writing_an_item_of_a_dict_parameter(wrt):
    """The caller's dict ends as the function leaves it; the gradient with
    respect to the dict has its keys (overwritten entries get zero)."""
    x = np.array([0.5, -0.2])
    start = {"a": np.zeros(2), "b": np.array([1.0, 3.0])}
    expected_dict = copy.deepcopy(start)
    expected_value = python_values.writes_an_item_of_a_dict(expected_dict, x)
    d = copy.deepcopy(start)
    value, grad = adcompile.value_and_grad(
        python_values.writes_an_item_of_a_dict, wrt=wrt
    )(d, x)
    assert value == pytest.approx(expected_value)
    assert d.keys() == expected_dict.keys()
    for key in d:
        np.testing.assert_array_equal(d[key], expected_dict[key])
    b = start["b"] + x
    if wrt == 1:  # 2x * (b + x): 2 (b + x) + 2x
        np.testing.assert_allclose(grad, 2 * b + 2 * x, rtol=1e-12)
    else:
        np.testing.assert_allclose(grad["a"], 0.0)
        np.testing.assert_allclose(grad["b"], 2 * x, rtol=1e-12)
