"""Checkpointed loops (``adcompile.checkpoint``): the revolve schedule, the
gradients (against the same loops recorded step by step, and finite
differences), what is refused, and the memory they save."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import sys
import tracemalloc
from pathlib import Path

import libcst as cst
import numpy as np
import pytest
from hypothesis import assume, given, settings

import adcompile
from adcompile._src.runtime.revolve import _actions, revolve
from tests import checkpoint_programs as programs
from tests.gradcheck import check_grad
from tests.test_random_control_flow import (
    COORDINATE,
    HAZARDS,
    SETTINGS,
    arguments,
    render,
)
from tests.test_random_control_flow import programs as random_programs

_loaded = itertools.count()

# ---- the schedule -------------------------------------------------------------


@functools.cache
def least_steps(length: int, snapshots: int) -> int:
    """The fewest steps run again to reverse ``length`` steps from saved
    values before the first, with ``snapshots`` snapshots in all."""
    if length <= 1:
        return 0
    if snapshots == 1:
        return length * (length - 1) // 2
    return min(
        m + least_steps(length - m, snapshots - 1) + least_steps(m, snapshots)
        for m in range(1, length)
    )


def run_schedule(steps: int, snapshots: int) -> tuple[list[int], int, int]:
    """Follow a schedule on step numbers as the emitted code follows it on
    values: the steps reversed, the steps the backward sweep runs again, the
    most snapshots held at once."""
    schedule = revolve(steps, snapshots)
    saved = [step for step in range(steps) if step in schedule.taken]
    state: int | None = steps  # the forward sweep ran every step
    reversed_steps, advanced, most = [], 0, len(saved)
    for action, start, stop in schedule.backward():
        if action == "restore":
            state = saved[-1]
            assert state == start
        elif action == "snapshot":
            assert state == start
            saved.append(start)
            most = max(most, len(saved))
        elif action == "drop":
            assert saved.pop() == start
        elif action == "advance":
            assert state == start < stop
            advanced += stop - start
            state = stop
        else:
            assert action == "reverse" and state == start and stop == start + 1
            reversed_steps.append(start)
            state = None  # its values were read back by its adjoint
    return reversed_steps, advanced, most


@pytest.mark.parametrize("snapshots", [1, 2, 3, 5, 8])
def test_the_schedule_reverses_every_step_once_within_its_snapshots(snapshots):
    for steps in [0, 1, 2, 3, 7, 20, 57, 200]:
        reversed_steps, _, most = run_schedule(steps, snapshots)
        assert reversed_steps == list(reversed(range(steps)))
        assert most <= snapshots


@pytest.mark.parametrize("snapshots", [1, 2, 3, 4, 6])
def test_the_schedule_runs_the_fewest_steps_again(snapshots):
    """Revolve's binomial split is optimal: the whole schedule, forward
    phase included, runs as few steps as the best split found by search."""
    for steps in range(1, 90):
        ran = sum(
            b - a for kind, a, b in _actions(steps, snapshots) if kind == "advance"
        )
        assert ran == least_steps(steps, snapshots), (steps, snapshots)


def test_the_default_is_the_square_root_of_the_steps():
    assert revolve(10_000).snapshots == 100
    assert revolve(10_001).snapshots == 101
    assert revolve(1).snapshots == 1
    assert revolve(0).snapshots == 1
    _, advanced, most = run_schedule(20_000, revolve(20_000).snapshots)
    assert most <= 142
    assert advanced < 2 * 20_000  # each step runs at most three times in all


def test_a_bad_number_of_snapshots_is_refused_as_the_code_runs():
    with pytest.raises(adcompile.CheckpointError, match="at least one snapshot"):
        revolve(10, 0)
    with pytest.raises(adcompile.CheckpointError, match="must be an integer"):
        revolve(10, 2.5)  # type: ignore[arg-type]


def test_the_marker_returns_its_iterable():
    steps, rows = range(5), np.ones((3, 2))
    assert adcompile.checkpoint(steps, snapshots=2) is steps
    assert adcompile.checkpoint(rows) is rows


# ---- gradients ------------------------------------------------------------------


class _Unmark(cst.CSTTransformer):
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = cst.Module([]).code_for_node(updated.func)
        if func in ("checkpoint", "adcompile.checkpoint"):
            return updated.args[0].value
        return updated


@functools.lru_cache(maxsize=1)
def plain_programs(directory: str):
    """The same module with every checkpoint marker taken off."""
    source = Path(programs.__file__).read_text()
    path = Path(directory) / "plain_checkpoint_programs.py"
    path.write_text(cst.parse_module(source).visit(_Unmark()).code)
    spec = importlib.util.spec_from_file_location("plain_checkpoint_programs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return plain_programs(str(tmp_path_factory.mktemp("plain")))


rng = np.random.default_rng(3)
x3 = rng.normal(size=3)
CASES = [
    ("several_arrays", (x3, 0.4 * rng.normal(size=(3, 3)), 0.7, 13), (0, 1, 2)),
    ("helper_call", (np.array([0.8, -0.1]), 0.3, 11), (0, 1)),
    ("made_in_the_step", (x3, 11), 0),
    ("scratch_without_derivative", (x3, 7), 0),
    ("with_continue", (x3, 10), 0),
    ("reads_by_index", (x3, rng.normal(size=4), 7), (0, 1)),
    ("over_rows", (rng.normal(size=(6, 3)), x3), (0, 1)),
    ("inner_loop", (x3, 8), 0),
    ("overwritten_after", (x3, 6), 0),
    ("list_of_steps", (x3, 5), 0),
    ("long_loop", (x3, 40), 0),
    ("enumerated_rows", (x3, rng.normal(size=(4, 3))), 0),
    ("in_a_branch", (x3, 5, True), 0),
    ("in_a_branch", (x3, 5, False), 0),
    ("two_loops", (x3, 6), 0),
    ("called_in_a_loop", (x3, 5), 0),
    ("counter_without_derivative", (x3, 6), 0),
    ("first_made_in_a_step", (x3, 6), 0),
    ("reassigned_in_the_loop", (x3, 5), 0),
    ("method_writes_its_argument", (x3, programs.Stepper(), 5), 0),
    ("method_with_carried_time", (np.array([0.5, 0.1]), programs.Pendulum(0.3), 20), 0),
]


def _as_list(grads, wrt):
    return list(grads) if isinstance(wrt, tuple) else [grads]


@pytest.mark.parametrize(
    "name, args, wrt", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_gradients_are_those_of_the_loop_recorded_step_by_step(plain, name, args, wrt):
    marked, unmarked = getattr(programs, name), getattr(plain, name)
    expected = _as_list(adcompile.grad(unmarked, wrt=wrt)(*args), wrt)
    got = _as_list(adcompile.grad(marked, wrt=wrt)(*args), wrt)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    value, pullback = adcompile.vjp(marked, *args, wrt=wrt)
    assert value == marked(*args) == unmarked(*args)
    for _ in range(2):  # a pullback runs its backward sweep any number of times
        again = _as_list(pullback(1.0), wrt)
        for g, e in zip(again, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    value, grads = adcompile.value_and_grad(marked, wrt=wrt)(*args)
    assert value == marked(*args)
    check_grad(marked, args, wrt)


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_short_loops(steps):
    check_grad(programs.several_arrays, (x3, np.eye(3) * 0.3, 0.5, steps), (0, 1))


def test_derivatives_of_derivatives_record_every_step():
    """Code to be differentiated again keeps the plain loop (forward mode
    reads it): Hessians and jvps still work."""
    x = np.array([0.2, -0.3, 0.5])
    hessian = adcompile.hessian(programs.long_loop)(x, 5)
    eps = 1e-6
    gradient = adcompile.grad(programs.long_loop)
    numeric = np.array(
        [
            (gradient(x + eps * e, 5) - gradient(x - eps * e, 5)) / (2 * eps)
            for e in np.eye(3)
        ]
    )
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-7)


# ---- what the gradient looks like ---------------------------------------------


def test_the_source_shows_the_schedule():
    text = adcompile.source(programs.long_loop)
    assert "schedule = revolve(len(range(n)), None)" in text
    assert "for action, start, stop in schedule.backward():" in text
    assert 'elif action == "reverse":' in text
    assert "stack_h.append(h)" not in text.split("schedule.backward()")[0]


# ---- refusals -------------------------------------------------------------------


def nested(x, n):
    h = x
    for _j in range(2):
        for _i in adcompile.checkpoint(range(n)):
            h = np.sin(h)
    return np.sum(h)


def breaks(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n)):
        h = np.sin(h)
        if np.sum(h) > 10:
            break
    return np.sum(h)


def returns(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n)):
        h = np.sin(h)
        if np.sum(h) > 10:
            return np.sum(h)
    return np.sum(h)


def carried_buffer(x, n):
    h = x
    buf = np.zeros(3)
    for i in adcompile.checkpoint(range(n)):
        buf[i % 3] = 1.0
        h = h * buf + 0.5
    return np.sum(h)


def parameter_written(x, data, n):
    h = x
    for i in adcompile.checkpoint(range(n)):
        data[0] = i
        h = h * data
    return np.sum(h)


def view_written(x, data, n):
    h = x
    for i in adcompile.checkpoint(range(n)):
        z = data[:2]
        z[0] = i
        h = h * np.sum(data)
    return np.sum(h)


def appends_to_a_list(x, n):
    h = x
    seen = []
    for i in adcompile.checkpoint(range(n)):
        seen.append(i)
        h = np.sin(h) * len(seen)
    return np.sum(h)


def writes_its_argument(buf, h):
    out = buf * 2.0
    buf[0] = h[0]
    return out


def callee_writes(x, n):
    h = x
    buf = np.zeros(3)
    for _i in adcompile.checkpoint(range(n), snapshots=2):
        h = np.sin(h) + writes_its_argument(buf, h)
    return np.sum(h)


def unknown_keyword(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n), k=3):
        h = np.sin(h)
    return np.sum(h)


def snapshots_from_x(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n), snapshots=x):
        h = np.sin(h)
    return np.sum(h)


def no_snapshot(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n), snapshots=0):
        h = np.sin(h)
    return np.sum(h)


def draws_noise(x, n):
    h = x
    for _i in adcompile.checkpoint(range(n)):
        h = np.sin(h) + 0.01 * np.random.normal(size=3)
    return np.sum(h)


def in_a_comprehension(x, n):
    return sum(np.sum(np.sin(x * i)) for i in adcompile.checkpoint(range(n)))


def kept_in_a_variable(x, n):
    steps = adcompile.checkpoint(range(n))
    h = x
    for _i in steps:
        h = np.sin(h)
    return np.sum(h)


REFUSED = [
    (nested, "inside another loop", "for _i in adcompile.checkpoint", "outer loop"),
    (breaks, "may end early", "break", "np.where"),
    (returns, "may end early", "for _i in adcompile.checkpoint", "np.where"),
    (carried_buffer, "'buf' holds a value from before", "buf[i % 3] = 1.0", ".copy()"),
    (parameter_written, "'data' holds a value from", "data[0] = i", ".copy()"),
    (view_written, "memory of 'z'", "z[0] = i", ".copy()"),
    (appends_to_a_list, "'seen' holds a value", "seen.append(i)", ".copy()"),
    (callee_writes, "'buf' holds a value", "writes_its_argument(buf, h)", ".copy()"),
    (unknown_keyword, "snapshots= only", "k=3", "snapshots=k"),
    (snapshots_from_x, "depends on the differentiated", "snapshots=x", "an int"),
    (no_snapshot, "at least one snapshot", "snapshots=0", "snapshots=1"),
    (draws_noise, "draws random numbers", "np.random.normal(size=3)", "before"),
    (
        in_a_comprehension,
        "outside the header",
        "adcompile.checkpoint(range(n))",
        "for i",
    ),
    (
        kept_in_a_variable,
        "outside the header",
        "adcompile.checkpoint(range(n))",
        "for i",
    ),
]


@pytest.mark.parametrize(
    "f, reason, line, hint", REFUSED, ids=[r[0].__name__ for r in REFUSED]
)
def test_what_cannot_be_checkpointed_is_refused_at_the_construct(f, reason, line, hint):
    args = (
        (np.ones(3) * 0.3, np.ones(3), 4)
        if "data" in f.__code__.co_varnames
        else (
            np.ones(3) * 0.3,
            4,
        )
    )
    with pytest.raises(adcompile.CheckpointError) as info:
        adcompile.grad(f)(*args)
    message = str(info.value)
    assert reason in message
    assert f'File "{__file__}", line ' in message
    assert line in message
    assert hint in info.value.hint
    if f is not unknown_keyword:
        f(*args)  # and the function itself runs


def method_given_data(x, w, stepper, n):
    h = x
    for _i in adcompile.checkpoint(range(n)):
        h = stepper.combine(h, w)
    return np.sum(h)


def test_arrays_from_before_the_loop_given_to_code_known_only_as_it_runs():
    """A method of an argument may write into what it is given: a carried
    value is copied into its snapshots; what else it is given is refused."""
    args = (np.ones(3) * 0.3, np.ones(3), programs.Stepper(), 4)
    for wrt in (0, (0, 1)):
        with pytest.raises(adcompile.CheckpointError) as info:
            adcompile.grad(method_given_data, wrt=wrt)(*args)
        assert "gives 'w' to a function known only as the code runs" in str(info.value)
        assert "stepper.combine(h, w)" in str(info.value)
    text = adcompile.source(programs.method_writes_its_argument)
    assert "snapshots_1.append(private_copy(h))" in text
    assert "h = private_copy(snapshots_1[-1])" in text


# ---- memory -----------------------------------------------------------------------


def _peak(function, *args) -> int:
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_loop_keeps_snapshots_not_steps(plain):
    x = np.linspace(-1.0, 1.0, 16)
    steps = 20_000
    marked = adcompile.grad(programs.long_loop)
    recorded = adcompile.grad(plain.long_loop)
    np.testing.assert_allclose(marked(x, 50), recorded(x, 50), rtol=1e-12)
    checkpointed, every_step = _peak(marked, x, steps), _peak(recorded, x, steps)
    assert checkpointed < 0.25 * every_step, (checkpointed, every_step)


# ---- random programs --------------------------------------------------------------


def _in_a_loop(lines: list, header: str) -> list:
    """The drawn program with everything between its first two assignments
    and its return in one loop (new names are first made in its first
    step; the result reads them after the loop)."""
    first, body, last = lines[:2], lines[2:-1], lines[-1]
    looped = [(indent + 1, text, condition) for indent, text, condition in body]
    return [*first, (0, header, None), *looped, last]


@settings(max_examples=40, derandomize=True, database=None, **SETTINGS)
@given(lines=random_programs(hazards=HAZARDS), a=COORDINATE, b=COORDINATE)
def test_random_programs_checkpointed(tmp_path, lines, a, b):
    """Random programs run in a checkpointed loop: the gradient is the one
    of the same loop unmarked, or the loop is refused (an in-place change
    of a value from an earlier step)."""
    plain = _in_a_loop(lines, "for step in range(n):")
    marked = _in_a_loop(
        lines, "for step in adcompile.checkpoint(range(n), snapshots=2):"
    )
    path = tmp_path / f"checkpointed_{next(_loaded)}.py"
    path.write_text(
        "import numpy as np\n\nimport adcompile\n\n\n"
        + render(plain, traced=False).replace("def f(", "def plain(")
        + "\n\n\n"
        + render(marked, traced=False)
        + "\n"
    )
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = arguments(a, b)
    wrt = (0, 1, 2)
    try:  # (a loop target read after the loop may be unbound)
        value = module.plain(*args)
    except Exception:
        assume(False)
    assume(abs(value) < 1e3)
    assert module.f(*args) == value
    try:
        expected = adcompile.grad(module.plain, wrt=wrt)(*args)
    except adcompile.AdcompileError:
        assume(False)
    try:
        got = adcompile.grad(module.f, wrt=wrt)(*args)
    except adcompile.CheckpointError as error:
        assert "in place" in str(error)
        return
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)
