"""``adcompile build --mode hvp`` of functions that call other user
functions: the built module carries the tangent code of its callees'
gradient code, agrees with ``adcompile.hvp`` and with finite differences
of the gradient, and needs adcompile for nothing."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adcompile
from adcompile._src.tools import cli
from tests.venvs import run_bare

PROGRAMS = """\
import numpy as np

SCALE = 1.5


def layer(w, x):
    return np.tanh(x @ w)


def twice(w, x):
    return layer(w, x) * 2.0 + np.sin(layer(w, x))


def scaled(x, s=SCALE, *, k=1.0):
    return s * np.sin(x) * k


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


def in_branch(w, x):
    if np.sum(x) > 0.0:
        h = layer(w, x)
    else:
        h = np.cos(layer(w, -x))
    return np.sum(h**3)


def in_loop(w, x):
    for _ in range(3):
        x = layer(w, x) + 0.5 * x
    return np.sum(x**2)


def recursive(w):
    return np.sum(power(w, 3) + is_even(w, 4))


def nested(w, x):
    return np.sum(twice(w, x) ** 3) + np.sum(scaled(w) ** 2 + scaled(w, k=3.0))


def apply(f, w, x):
    return f(w, x)


def by_value(w, x):
    return np.sum(apply(layer, w, x) ** 2)


def takes_function(w, f):
    return np.sum(f(w))


class Model:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, w, x):
        return self.scale * twice(w, x)

    def loss(self, w, x, y):
        return np.sum((self.forward(w, x) - y) ** 2)


class Scaled:
    def __init__(self, scale):
        self.scale = scale

    def apply(self, x):
        return self.scale * np.sin(x)

    def __call__(self, x):
        return np.cos(x) * self.scale


SCALED = Scaled(3.0)


def objects(w):
    return np.sum(SCALED.apply(w) ** 2 + SCALED(w) ** 3)
"""


def load(name: str):
    importlib.invalidate_caches()
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.fixture
def programs(project):
    (project / "programs.py").write_text(PROGRAMS)
    return project


def build_hvp(*names: str) -> None:
    arguments = ["build", "programs.py", "--mode", "hvp"]
    for name in names:
        arguments += ["--func", name]
    assert cli.main(arguments) == 0


def gradient_differences(gradient, args, direction, position, eps=1e-6):
    """The derivative of the gradient along ``direction``, by central
    differences in the argument at ``position``."""
    plus, minus = list(args), list(args)
    plus[position] = args[position] + eps * direction
    minus[position] = args[position] - eps * direction
    return (np.asarray(gradient(*plus)) - np.asarray(gradient(*minus))) / (2 * eps)


def check(built_hvp, f, args, direction, position=0):
    """The built hvp against adcompile.hvp and finite differences (the
    parameter differentiated is called ``w``)."""
    gradient, product = built_hvp(*args, dw=direction)
    tangents = [None] * len(args)
    tangents[position] = direction
    np.testing.assert_allclose(
        product, adcompile.hvp(f, tuple(args), tuple(tangents)), rtol=1e-10
    )
    in_process = adcompile.grad(f, wrt=position)
    np.testing.assert_allclose(gradient, in_process(*args), rtol=1e-10)
    np.testing.assert_allclose(
        product,
        gradient_differences(in_process, args, direction, position),
        rtol=1e-5,
        atol=1e-7,
    )


def data(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(3, 3)) * 0.5,
        rng.normal(size=(4, 3)),
        rng.normal(size=(3, 3)),
    )


@pytest.mark.parametrize("name", ["in_branch", "in_loop", "nested"])
def test_helpers_in_branches_loops_and_helpers_calling_helpers(programs, name):
    build_hvp(name)
    source, built = load("programs"), load("programs_grad")
    w, x, v = data()
    for sign in (1.0, -1.0):  # both branches of in_branch
        check(getattr(built, f"hvp_{name}"), getattr(source, name), [w, sign * x], v)


def test_recursion_and_mutual_recursion(programs):
    build_hvp("recursive")
    source, built = load("programs"), load("programs_grad")
    w = np.linspace(-1.0, 1.0, 5)
    check(built.hvp_recursive, source.recursive, [w], np.cos(w))
    text = (programs / "programs_grad.py").read_text()
    assert "import adcompile" not in text
    assert "def _jvp_apply_power(" in text and "def _jvp_apply_is_odd(" in text


def test_a_method_calling_a_method(programs):
    build_hvp("Model.loss")
    source, built = load("programs"), load("programs_grad")
    w, x, v = data(1)
    y = np.ones((4, 3))
    model = source.Model(0.7)
    gradient, product = built.hvp_Model_loss(model, w, x, y, dw=v)
    np.testing.assert_allclose(
        product, adcompile.hvp(model.loss, (w, x, y), (v, None, None)), rtol=1e-10
    )
    check(built.hvp_Model_loss, source.Model.loss, [model, w, x, y], v, position=1)


def test_methods_and_calls_of_a_module_level_object(programs):
    build_hvp("objects")
    source, built = load("programs"), load("programs_grad")
    w = np.linspace(-1.0, 1.0, 4)
    check(built.hvp_objects, source.objects, [w], np.sin(w) + 1.0)
    source.SCALED.scale = 0.5  # read from the module when the product runs
    check(built.hvp_objects, source.objects, [w], np.sin(w) + 1.0)


def test_every_function_by_default(programs, capsys):
    assert cli.main(["build", "programs.py", "--mode", "hvp"]) == 0
    built = load("programs_grad")
    for name in ("in_branch", "in_loop", "recursive", "nested", "Model_loss"):
        assert hasattr(built, f"hvp_{name}"), capsys.readouterr().err


def test_a_callee_known_only_at_run_time_is_refused_with_its_place(programs, capsys):
    status = cli.main(
        ["build", "programs.py", "--mode", "hvp", "--func", "takes_function"]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "takes_function: f is called on differentiated values" in err
    assert "programs.py:67:19)" in err and "call it directly" in err
    assert not (programs / "programs_grad.py").exists()


def test_callees_in_a_sibling_module_of_a_package(project):
    package = project / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(textwrap.dedent("""\
            import numpy as np


            def layer(w, x, scale=1.0):
                return np.tanh(x @ w) * scale


            def blend(x, *, weight):
                return weight * np.sin(x) + x * x
            """))
    (package / "train.py").write_text(textwrap.dedent("""\
            import numpy as np

            from .layers import blend, layer


            def loss(w, x):
                h = layer(w, x, scale=np.sum(w))
                total = 0.0
                i = 0
                while i < 2:
                    total = total + np.sum(blend(h, weight=w[0, 0]) ** 2)
                    i += 1
                return total
            """))
    arguments = ["build", "pkg/train.py", "--func", "loss", "--mode", "hvp"]
    assert cli.main(arguments) == 0
    assert "also: layers.py=" in (package / "train_grad.py").read_text()
    source, built = load("pkg.train"), load("pkg.train_grad")
    w, x, v = data(3)
    check(built.hvp_loss, source.loss, [w, x], v)
    assert cli.main([*arguments, "--check"]) == 0


ISOLATED = """\
import sys

sys.path[:] = [p for p in sys.path if "adcompile" not in p and "src" not in p]
sys.path.insert(0, ".")
import numpy as np

import programs_grad

data = np.load("data.npz")
for name in ("in_loop", "recursive", "nested"):
    args = [data[f"{name}_{i}"] for i in range(data[f"{name}_count"])]
    gradient, product = getattr(programs_grad, f"hvp_{name}")(
        *args, dw=data[f"{name}_v"]
    )
    np.testing.assert_allclose(product, data[f"{name}_hvp"], rtol=1e-12)
assert not any(name.startswith("adcompile") for name in sys.modules)
print("ok")
"""


def _save_expected(project, source) -> None:
    w, x, v = data(2)
    cases = {
        "in_loop": [w, x],
        "recursive": [np.linspace(-1.0, 1.0, 3)],
        "nested": [w, x],
    }
    arrays = {}
    for name, args in cases.items():
        direction = v if args[0].shape == v.shape else np.ones_like(args[0])
        tangents = (direction,) + (None,) * (len(args) - 1)
        for i, arg in enumerate(args):
            arrays[f"{name}_{i}"] = arg
        arrays[f"{name}_count"] = np.array(len(args))
        arrays[f"{name}_v"] = direction
        arrays[f"{name}_hvp"] = adcompile.hvp(getattr(source, name), args, tangents)
    np.savez(project / "data.npz", **arrays)


def test_built_module_runs_without_adcompile_importable(programs):
    build_hvp("in_loop", "recursive", "nested")
    _save_expected(programs, load("programs"))
    (programs / "run.py").write_text(ISOLATED)
    result = subprocess.run(
        [sys.executable, "-I", "run.py"],
        cwd=programs,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow
def test_built_module_runs_where_adcompile_is_not_installed(bare_python, programs):
    build_hvp("in_loop", "recursive", "nested")
    _save_expected(programs, load("programs"))
    check_script = ISOLATED.replace(
        "import numpy as np\n",
        "import importlib.util\n\nimport numpy as np\n\n"
        'assert importlib.util.find_spec("adcompile") is None\n',
        1,
    )
    (programs / "check.py").write_text(check_script)
    result = run_bare(bare_python, ["-E", "-s", "check.py"], programs)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
