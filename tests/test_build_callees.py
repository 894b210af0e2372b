"""``adcompile build`` of functions that call other user functions: the
built module carries their derivative code and needs adcompile for nothing."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import adcompile
from adcompile._src.tools import cli
from adcompile._src.tools.build import Request, Target
from adcompile._src.tools.build import write as build

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

CALLS = """\
import numpy as np


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def is_even(x, n):
    if n == 0:
        return x
    return np.sin(is_odd(x, n - 1))


def is_odd(x, n):
    if n == 0:
        return x * x
    return np.cos(is_even(x, n - 1))


def model(w, x):
    return np.tanh(x @ w)


def apply(f, w, x):
    return f(w, x)


def by_value(w, x):
    return np.sum(apply(model, w, x) ** 2)


def recursive(x):
    return power(x, 3) + is_even(x, 4)


def takes_function(w, f):
    return np.sum(f(w))


class Layer:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, w, x):
        return self.scale * np.tanh(x @ w)

    def loss(self, w, x, y):
        return np.sum((self.forward(w, x) - y) ** 2)
"""


def load(name: str):
    importlib.invalidate_caches()
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.fixture
def calls(project):
    (project / "calls.py").write_text(CALLS)
    return project


def test_recursion_and_mutual_recursion(calls):
    assert cli.main(["build", "calls.py", "--func", "recursive"]) == 0
    source, built = load("calls"), load("calls_grad")
    for x in (0.3, -1.1):
        expected = adcompile.grad(source.recursive)(x)
        assert built.grad_recursive(x) == pytest.approx(expected, rel=1e-12)
    text = (calls / "calls_grad.py").read_text()
    assert "def _vjp_power(" in text and "def _vjp_is_odd(" in text


def test_function_passed_by_name(calls):
    assert cli.main(["build", "calls.py", "--func", "by_value"]) == 0
    source, built = load("calls"), load("calls_grad")
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(
        built.grad_by_value(w, x), adcompile.grad(source.by_value)(w, x), rtol=1e-12
    )


def test_method_calling_a_method(calls):
    assert cli.main(["build", "calls.py", "--func", "Layer.loss"]) == 0
    source, built = load("calls"), load("calls_grad")
    rng = np.random.default_rng(2)
    w, x, y = rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=2)
    layer = source.Layer(1.5)
    np.testing.assert_allclose(
        built.grad_Layer_loss(layer, w, x, y),
        adcompile.grad(layer.loss)(w, x, y),
        rtol=1e-12,
    )


def test_forward_mode_calls_tangent_functions(calls):
    assert cli.main(["build", "calls.py", "--mode", "forward"]) == 0
    source, built = load("calls"), load("calls_grad")
    value, tangent = built.jvp_recursive(0.7, dx=1.0)
    expected = adcompile.jvp(source.recursive, (0.7,), (1.0,))
    assert (value, tangent) == pytest.approx(expected, rel=1e-12)


FILLS = """\
import numpy as np


def fill(out, x):
    out[0] = np.sin(x[0]) * x[1]
    out[1] *= x[2]


def loss(x, b):
    buf = np.ones(2)
    fill(buf, x * b)
    y = x * 1.0
    fill(y, x)
    return np.sum(buf**2) + np.sum(y * x)
"""


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_helper_writing_into_what_it_is_given(project, mode):
    """A helper that fills a buffer (and an array read again): the built
    module carries the derivative of its variant returning the buffer
    (``written_returns``), in both modes."""
    (project / "fills.py").write_text(FILLS)
    args = ["build", "fills.py", "--func", "loss", "--wrt", "x,b", "--mode", mode]
    assert cli.main(args) == 0
    source, built = load("fills"), load("fills_grad")
    x, b = np.array([0.3, -0.8, 1.1]), 0.6
    if mode == "reverse":
        got = built.grad_loss(x.copy(), b)
        expected = adcompile.grad(source.loss, wrt=(0, 1))(x.copy(), b)
    else:
        tangents = (np.array([1.0, 0.5, -0.2]), 0.3)
        got = built.jvp_loss(x.copy(), b, dx=tangents[0], db=tangents[1])
        expected = adcompile.jvp(source.loss, (x.copy(), b), tangents)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    assert "fill_and_buf" in (project / "fills_grad.py").read_text()


def test_a_callee_known_only_at_run_time_is_refused_with_its_place(calls, capsys):
    status = cli.main(["build", "calls.py", "--func", "takes_function"])
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "takes_function: f is called on differentiated values" in err
    assert "calls.py:39:19)" in err and "call it directly" in err


def test_a_callee_outside_the_table_raises_the_modules_own_error(calls):
    assert cli.main(["build", "calls.py", "--func", "by_value"]) == 0
    built = load("calls_grad")
    w, x = np.ones((3, 2)), np.ones((4, 3))
    _, pullback = built.vjp_by_value(w, x)
    assert pullback(1.0).shape == (3, 2)
    dispatch = next(v for k, v in vars(built).items() if k.startswith("_vjp_call"))
    with pytest.raises(built.AdcompileError, match="was built into this module"):
        dispatch(np.sin, (0,), w)


def test_default_build_skips_integers_and_builds_methods(calls, capsys):
    assert cli.main(["build", "calls.py"]) == 0
    captured = capsys.readouterr()
    # one line per function skipped, with the reason
    assert captured.err.splitlines() == [
        "adcompile: calls.py: apply: cannot differentiate: a call of f, a "
        "function or object made from values the gradient depends on (its "
        "gradient would not reach them)"
    ]
    built = load("calls_grad")
    assert hasattr(built, "grad_Layer_forward") and hasattr(built, "grad_by_value")
    assert not hasattr(built, "grad_apply")


def test_example_ode_fit_builds_loss_and_skips_the_driver(project):
    ode = project / "ode_fit.py"
    ode.write_text((EXAMPLES / "ode_fit.py").read_text())
    generated = build(Target(ode, project / "ode_fit_grad.py"))
    assert ("fit", generated.skipped[0][1]) == generated.skipped[0]
    assert "steps defaults to an integer" in generated.skipped[0][1]
    assert {"rhs", "simulate", "loss"} <= set(generated.built)
    source, built = load("ode_fit"), load("ode_fit_grad")
    params, state0 = np.array([1.5, 0.1]), np.array([1.0, 0.0])
    observed = np.linspace(0.0, 1.0, source.STEPS + 1)
    np.testing.assert_allclose(
        built.grad_loss(params, state0, observed),
        adcompile.grad(source.loss)(params, state0, observed),
        rtol=1e-12,
    )


def test_package_with_relative_imports(project):
    package = project / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(
        "import numpy as np\n\n\ndef layer(w):\n    return np.tanh(w) * 2.0\n"
    )
    (package / "train.py").write_text(textwrap.dedent("""\
            import numpy as np

            from .layers import layer


            def loss(w):
                return np.sum(layer(w) ** 2)
            """))
    build(Target(package / "train.py", package / "train_grad.py", (Request("loss"),)))
    source, built = load("pkg.train"), load("pkg.train_grad")
    w = np.linspace(-1.0, 1.0, 4)
    np.testing.assert_allclose(built.grad_loss(w), adcompile.grad(source.loss)(w))


ISOLATED = """\
import sys

sys.path[:] = [p for p in sys.path if "adcompile" not in p and "src" not in p]
sys.path.insert(0, ".")
import numpy as np

import ode_fit_grad

params, state0 = np.array([1.5, 0.1]), np.array([1.0, 0.0])
observed = np.linspace(0.0, 1.0, 61)
print(repr(ode_fit_grad.grad_loss(params, state0, observed).tolist()))
assert not any(name.startswith("adcompile") for name in sys.modules)
"""


def test_built_module_runs_without_adcompile_importable(project):
    source = (EXAMPLES / "ode_fit.py").read_text().replace("import adcompile\n", "")
    (project / "ode_fit.py").write_text(source)
    build(Target(project / "ode_fit.py", project / "ode_fit_grad.py"))
    (project / "run.py").write_text(ISOLATED)
    result = subprocess.run(
        [sys.executable, "-I", "run.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    ode = load("ode_fit")
    expected = adcompile.grad(ode.loss)(
        np.array([1.5, 0.1]), np.array([1.0, 0.0]), np.linspace(0.0, 1.0, 61)
    )
    np.testing.assert_allclose(eval(result.stdout), expected, rtol=1e-12)


VARIANT = """\
import numpy as np


def scale(x, s):
    return s * np.tanh(x)


def loss(w, X, y, lam=0.1):
    err = scale(X @ w, 2.0) - y
    return np.mean(err**2) + lam * np.sum(w**2)
"""


def test_args_build_the_variant_for_their_shapes_and_check_them(project, capsys):
    (project / "fit.py").write_text(VARIANT)
    args = "np.ones(3), np.ones((10, 3)), y=np.ones(10)"
    status = cli.main(["build", "fit.py", "--func", "loss", "--args", args])
    assert status == 0, capsys.readouterr().err
    text = (project / "fit_grad.py").read_text()
    assert (
        "(the variant for arguments of shapes w (3,), X (10, 3), y (10,) only)" in text
    )
    source, built = load("fit"), load("fit_grad")
    rng = np.random.default_rng(4)
    w, X, y = rng.normal(size=3), rng.normal(size=(10, 3)), rng.normal(size=10)
    gradient = adcompile.grad(source.loss)
    np.testing.assert_allclose(built.grad_loss(w, X, y), gradient(w, X, y), rtol=1e-12)
    assert built.grad_loss.__doc__ is None  # the code itself, not a wrapper
    with pytest.raises(
        built.AdcompileError,
        match=r"built for X of shape \(10, 3\), got shape \(4, 3\)",
    ):
        built.grad_loss(w, X[:4], y[:4])
    # the variant's code differs from the general code: no broadcasting left
    general = adcompile.source(source.loss)
    assert (
        "unbroadcast" in general
        and "unbroadcast(" not in text.split("def _vjp_scale")[0]
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            "np.ones(3)",
            "--args do not fit loss(w, X, y, lam=0.1): missing a required argument: 'X'",
        ),
        (
            "np.ones(3), np.ones((10, 2)), np.ones(10)",
            "--args do not fit loss: it raises ValueError",
        ),
        (
            "np.ones(3), np.ones((10, 3)), np.ones(10), z=1",
            "--args do not fit loss(w, X, y, lam=0.1): got an unexpected keyword argument 'z'",
        ),
    ],
)
def test_args_that_do_not_fit_exit_2_in_one_line(project, capsys, args, message):
    (project / "fit.py").write_text(VARIANT)
    assert cli.main(["build", "fit.py", "--func", "loss", "--args", args]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"adcompile: error: {message}")
    assert not (project / "fit_grad.py").exists()


KINDS = """\
import numpy as np


def layer(w, x):
    return np.tanh(x @ w)


def outputs(w, x):
    return layer(w, x) * 2.0


def energy(w, b, x):
    return np.sum(np.tanh(x @ w + b) ** 2)
"""


def test_vjp_of_a_non_scalar_output_through_a_callee(project):
    (project / "kinds.py").write_text(KINDS)
    assert cli.main(["build", "kinds.py", "--func", "outputs"]) == 0
    source, built = load("kinds"), load("kinds_grad")
    rng = np.random.default_rng(5)
    w, x, cotangent = (
        rng.normal(size=(3, 2)),
        rng.normal(size=(4, 3)),
        rng.normal(size=(4, 2)),
    )
    value, pullback = built.vjp_outputs(w, x)
    expected_value, expected_pullback = adcompile.vjp(source.outputs, w, x)
    np.testing.assert_allclose(value, expected_value)
    np.testing.assert_allclose(
        pullback(cotangent), expected_pullback(cotangent), rtol=1e-12
    )


def test_hvp_mode(project):
    (project / "kinds.py").write_text(KINDS)
    status = cli.main(
        ["build", "kinds.py", "--func", "energy", "--wrt", "w,b", "--mode", "hvp"]
    )
    assert status == 0
    source, built = load("kinds"), load("kinds_grad")
    rng = np.random.default_rng(6)
    w, b, x = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    dw, db = rng.normal(size=(3, 2)), rng.normal(size=2)
    gradient, product = built.hvp_energy(w, b, x, dw=dw, db=db)
    expected = adcompile.hvp(source.energy, (w, b, x), (dw, db, None))
    for got, want in zip(product, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for got, want in zip(
        gradient, adcompile.grad(source.energy, wrt=(0, 1))(w, b, x), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_hvp_through_a_callee_of_a_non_scalar_raises_as_in_process(project):
    (project / "kinds.py").write_text(KINDS)
    assert cli.main(["build", "kinds.py", "--func", "outputs", "--mode", "hvp"]) == 0
    source, built = load("kinds"), load("kinds_grad")
    w, x = np.ones((3, 2)), np.ones((4, 3))
    with pytest.raises(adcompile.NonScalarOutput) as in_process:
        adcompile.hvp(source.outputs, (w, x), (w, None))
    with pytest.raises(built.NonScalarOutput) as raised:
        built.hvp_outputs(w, x, dw=w)
    assert raised.value.reason == in_process.value.reason


OBJECTS = """\
import numpy as np


class Scaled:
    def __init__(self, scale):
        self.scale = scale

    def apply(self, x):
        return self.scale * np.sin(x)

    def __call__(self, x):
        return np.cos(x) * self.scale


SCALED = Scaled(3.0)


def loss(x):
    return np.sum(SCALED.apply(x) + SCALED(x) ** 2)
"""


def test_methods_of_a_module_level_object_read_it_when_called(project):
    (project / "objects.py").write_text(OBJECTS)
    assert cli.main(["build", "objects.py", "--func", "loss"]) == 0
    source, built = load("objects"), load("objects_grad")
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(
        built.grad_loss(x), adcompile.grad(source.loss)(x), rtol=1e-12
    )
    source.SCALED.scale = 0.5  # read from the module when the gradient runs
    np.testing.assert_allclose(
        built.grad_loss(x), adcompile.grad(source.loss)(x), rtol=1e-12
    )


def test_forward_mode_calls_methods_and_a_callable_module_level_object(project):
    (project / "objects.py").write_text(OBJECTS)
    assert cli.main(["build", "objects.py", "--func", "loss", "--mode", "forward"]) == 0
    source, built = load("objects"), load("objects_grad")
    x, dx = np.linspace(-1.0, 1.0, 5), np.linspace(0.5, 1.5, 5)
    value, tangent = built.jvp_loss(x, dx=dx)
    expected = adcompile.jvp(source.loss, (x,), (dx,))
    assert (value, tangent) == pytest.approx(expected, rel=1e-12)


CLOSURE = """\
import numpy as np


def make_scaled(scale):
    def scaled(x):
        return scale * np.sin(x)

    return scaled


scaled = make_scaled(2.0)
scale = 100.0  # a global of the same name as the closure's variable


def loss(x):
    return np.sum(scaled(x))
"""


def test_a_callee_with_a_closure_is_refused(project, capsys):
    (project / "closure.py").write_text(CLOSURE)
    assert cli.main(["build", "closure.py", "--func", "loss"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "adcompile: error: loss: it calls make_scaled.<locals>.scaled, which reads "
        "variables of an enclosing function (scale)"
    )
    assert "closure.py:5:" in err
