"""Writes through a view (normal/views.py): ``v = y[1:]`` then ``v[0] = e``
or ``v *= 2`` changes ``y`` too, and the derivative follows it; where
another name sees the memory in a way that cannot be followed, the write is
refused with its location, never silently left out."""

import copy
import itertools

import numpy as np
import pytest

import adcompile
from tests.forwardcheck import check_hvp, check_jvp
from tests.gradcheck import check_grad

X = np.array([0.3, 0.5, 0.7, 0.2])


def scaled_through_a_view(x):
    y = np.sin(x)
    v = y[0:2]
    v *= 0.5
    return np.sum(y * x)


def item_set_through_a_view(x):
    y = np.sin(x)
    v = y[1:]
    v[0] = np.cos(x[0]) * 3.0
    return np.sum(y * x) + np.sum(v * v)


def view_of_a_view(x):
    M = np.outer(x, x)
    row = M[0, :]
    row *= x
    tail = row[1:]
    tail[0] = 7.0 * x[2]
    return np.sum(M * M) + np.sum(row) + np.sum(tail)


def view_written_in_a_loop(x):
    M = np.outer(x, np.cos(x))
    total = 0.0
    for t in range(3):
        row = M[t, 1:]
        row += np.tanh(M[t + 1, :3])
        total = total + np.sum(row * row)
    return total + np.sum(M)


def view_written_from_itself(x):
    y = np.exp(x)
    v = y[::2]
    v[...] = v[::-1] * x[1]  # the right side is read before the write
    return np.sum(y * y)


FUNCTIONS = [
    scaled_through_a_view,
    item_set_through_a_view,
    view_of_a_view,
    view_written_in_a_loop,
    view_written_from_itself,
]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_a_write_through_a_view_changes_what_it_views(f):
    """(was refused: another name, read later, sees the memory)"""
    check_grad(f, (X,))
    check_jvp(f, (X,))
    check_hvp(f, (X,))


def writes_the_parameter_through_a_view(x):
    v = x[0:2]
    v += 0.3 * np.tanh(x[1:3])
    return np.sum(x * x)


def test_a_write_through_a_view_of_a_parameter_reaches_the_caller():
    """The caller's array is left as the function leaves it, and the
    gradient is that of the function of the array it was given."""
    x, expected = X.copy(), X.copy()
    value = writes_the_parameter_through_a_view(expected)
    got, gradient = adcompile.value_and_grad(writes_the_parameter_through_a_view)(x)
    np.testing.assert_allclose(x, expected)
    assert got == pytest.approx(value)
    numeric = []
    for i in range(len(X)):
        step = np.zeros_like(X)
        step[i] = 1e-6
        plus = writes_the_parameter_through_a_view(X + step)
        minus = writes_the_parameter_through_a_view(X - step)
        numeric.append((plus - minus) / 2e-6)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)


def view_kept_in_a_list(x):
    y = np.sin(x)
    v = y[0:2]
    kept = [v]
    v[0] = 5.0 * x[0]
    return np.sum(kept[0]) + np.sum(y)


def view_written_in_a_branch(x):
    y = np.sin(x)
    v = y[0:2]
    if x[0] > 0.0:  # (y might be given a new value in the same variable)
        v *= 3.0
    return np.sum(y * x) + np.sum(v)


def slice_of_a_list(xs, x):
    v = xs[0:2]
    v[0] = x[0] * 2.0
    return np.sum(x) + xs[0]


@pytest.mark.parametrize(
    "f, args, words",
    [
        (view_kept_in_a_list, (X,), "'kept', read later"),
        (view_written_in_a_branch, (X,), "'y', read later"),
        (slice_of_a_list, ([1.0, 2.0, 3.0], X), "not a view of it"),
    ],
    ids=["kept-in-a-list", "in-a-branch", "list-slice"],
)
def test_a_write_through_a_view_that_cannot_be_followed_is_refused(f, args, words):
    wrt = len(args) - 1
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(f, wrt=wrt)(*copy.deepcopy(args))
    assert words in str(info.value), str(info.value)
    assert "v[0] = " in str(info.value) or "v *= " in str(info.value)


# Generated: every write form, through every kind of view, with the base or
# the view (or neither) read after the write.
VIEWS = ["y[1:]", "y[0:3]", "y[::2]", "M[1, :]", "M[:, 0]", "M[1:, 1:]"]
WRITES = [
    "v *= {e}",
    "v += {e}",
    "v[0] = np.sum({e})",
    "v[...] = {e}",
    "v[-1] -= {e}[0]",
]
READS = ["np.sum(y * y) + np.sum(M * M)", "np.sum(v * v) + np.sum(y) + np.sum(M)"]


def _program(view: str, write: str, read: str) -> str:
    e = "np.tanh(x[0] * v)"
    return "\n".join(
        [
            "def f(x):",
            "    y = np.sin(x)",
            "    M = np.outer(x, np.cos(x))",
            f"    v = {view}",
            f"    {write.format(e=e)}",
            f"    return {read}",
        ]
    )


@pytest.mark.parametrize(
    "view, write, read",
    list(itertools.product(VIEWS, WRITES, READS)),
)
def test_generated_writes_through_views(view, write, read, tmp_path):
    source = _program(view, write, read)
    path = tmp_path / "program.py"
    path.write_text("import numpy as np\n\n" + source + "\n")
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    f = namespace["f"]
    check_grad(f, (X,))
    check_jvp(f, (X,))


def choice_read_in_the_statement(x, b):
    u = np.cos(x)
    y = np.sin(x)
    pair = [
        np.log(1.0 + (b * x if y[1] > 0.0 else u) ** 2),
        np.tanh(u if b < 0.3 else y),
    ]
    y[0:2] += 0.5 * np.sin(b)  # u is not y: the choice above held one of them
    return np.sum(pair[0]) + np.sum(pair[1]) + np.sum(u) + np.sum(y)


@pytest.mark.parametrize("b", [0.1, 0.5])
def test_a_conditional_expression_makes_no_alias_between_its_branches(b):
    """``u if b < 0.3 else y`` holds one of u and y; once it is gone, u and y
    are not one object (they were taken to be, and the write into y was
    refused)."""
    check_grad(choice_read_in_the_statement, (X[:3], b), wrt=(0, 1))
    check_jvp(choice_read_in_the_statement, (X[:3], b), wrt=(0, 1))


def choice_of_a_parameter_read_in_the_statement(x, b):
    y = np.sin(x)
    s = np.sum(np.tanh(y if b > 0.3 else x))
    y[0] = b * s
    return np.sum(y) + np.sum(x)


def choice_of_a_row_or_a_parameter_in_a_loop(x, b):
    y = np.sin(x)
    for i in range(2):
        s = np.tanh(y[i] if b > 0.3 else b)
        y[0] = b * s
    return np.sum(y) + b


@pytest.mark.parametrize("b", [0.1, 0.5])
@pytest.mark.parametrize(
    "function",
    [
        choice_of_a_parameter_read_in_the_statement,
        choice_of_a_row_or_a_parameter_in_a_loop,
    ],
)
def test_a_choice_between_a_parameter_and_another_value_makes_no_alias(function, b):
    """``y if b > 0.3 else x`` with x a parameter: the choice's variable,
    which may be the caller's object, stayed in the sharing graph after the
    statement, and made y the same object as x (the write into y was
    refused)."""
    check_grad(function, (X[:3], b), wrt=(0, 1))
    check_jvp(function, (X[:3], b), wrt=(0, 1))


def write_through_a_view_of_a_buffer(x, b):
    y = np.ones(3) * 0.5
    view = y[1:]
    view[0] = np.sin(y[2] * b)
    return np.sum(y) * b + np.sum(x * y)


def test_a_write_through_a_view_of_a_buffer_without_a_derivative_reaches_it():
    """The base of ``view = y[1:]`` carries no derivative until the write:
    the check that ``view`` still sees ``y``'s memory was given a snapshot of
    ``y`` (values read by rules are kept as they are then), which no view
    sees, and every such write was refused as the code ran."""
    check_grad(write_through_a_view_of_a_buffer, (X[:3], 0.7), wrt=(0, 1))
    check_jvp(write_through_a_view_of_a_buffer, (X[:3], 0.7), wrt=(0, 1))
    check_grad(write_through_a_view_of_a_buffer, (X[:3], 0.7), wrt=1)
