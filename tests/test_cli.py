"""The ``adcompile`` command line, run as a subprocess on small files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), env.get("PYTHONPATH", "")) if p
    )
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "adcompile", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


def assert_usage_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2
    assert result.stderr.startswith("adcompile: error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


SIN_TIMES_X = """\
import numpy as np


def f(x):
    return np.sin(x) * x
"""

BRANCHY = """\
def g(x):
    try:
        return x * x
    except ValueError:
        return x
"""


def test_version(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == "adcompile 0.1.0"


def test_show_one_function(tmp_path):
    write(tmp_path, "model.py", SIN_TIMES_X)
    result = run("show", "model.py:f", "--no-color", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "def " in result.stdout
    assert "np.cos" in result.stdout
    assert "grad of" in result.stdout
    assert "\033[" not in result.stdout


def test_show_every_function_skips_what_it_cannot_differentiate(tmp_path):
    write(tmp_path, "model.py", SIN_TIMES_X + "\n\n" + BRANCHY)
    result = run("show", "model.py", "--no-color", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "np.cos" in result.stdout
    lines = result.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("# g: cannot differentiate:")]
    assert len(skipped) == 1
    # Source order: f's gradient comes before the line about g.
    assert result.stdout.index("np.cos") < result.stdout.index(skipped[0])


def test_show_imports_sibling_modules(tmp_path):
    write(tmp_path, "helpers.py", "SCALE = 3.0\n")
    write(
        tmp_path,
        "model.py",
        """\
        import numpy as np
        from helpers import SCALE


        def f(x):
            return np.sin(x) * SCALE
        """,
    )
    other = tmp_path / "elsewhere"
    other.mkdir()
    result = run("show", str(tmp_path / "model.py") + ":f", "--no-color", cwd=other)
    assert result.returncode == 0, result.stderr
    assert "np.cos" in result.stdout


def test_show_wrt_two_names(tmp_path):
    write(
        tmp_path,
        "model.py",
        """\
        import numpy as np


        def f(x, y):
            return np.sin(x) * y
        """,
    )
    result = run("show", "model.py:f", "--wrt", "x,y", "--no-color", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "def " in result.stdout
    assert "np.cos" in result.stdout


def test_missing_file(tmp_path):
    assert_usage_error(run("show", "nope.py:f", cwd=tmp_path))
    assert_usage_error(run("show", "nope.py", cwd=tmp_path))


def test_missing_function(tmp_path):
    write(tmp_path, "model.py", SIN_TIMES_X)
    result = run("show", "model.py:nope", cwd=tmp_path)
    assert_usage_error(result)
    assert "nope" in result.stderr


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    return x +\n",
        "import a_module_that_does_not_exist\n",
        "raise RuntimeError('boom')\n",
        "raise SystemExit(3)\n",
    ],
    ids=["syntax-error", "import-error", "exception", "system-exit"],
)
def test_file_that_does_not_import(tmp_path, source):
    write(tmp_path, "model.py", source)
    assert_usage_error(run("show", "model.py:f", cwd=tmp_path))
    assert_usage_error(run("show", "model.py", cwd=tmp_path))


def test_refused_named_function(tmp_path):
    write(tmp_path, "model.py", BRANCHY)
    result = run("show", "model.py:g", cwd=tmp_path)
    assert_usage_error(result)
    assert "g" in result.stderr


def test_show_mode_forward_and_hvp(tmp_path):
    (tmp_path / "m.py").write_text(
        "import numpy as np\n\n\ndef f(x):\n    return np.sum(np.tanh(x) ** 2)\n"
    )
    forward = run("show", "m.py:f", "--mode", "forward", cwd=tmp_path)
    assert forward.returncode == 0, forward.stderr
    assert forward.stdout.startswith("def jvp_f(x, *, dx):")
    hvp = run("show", "m.py:f", "--mode", "hvp", cwd=tmp_path)
    assert hvp.returncode == 0, hvp.stderr
    assert hvp.stdout.startswith("def jvp_grad_f(x, *, dx):")


def test_show_args_prints_the_variant_for_their_shapes(tmp_path):
    write(
        tmp_path,
        "m.py",
        "import numpy as np\n\n\ndef f(w, x):\n    return np.sum(np.tanh(w * x))\n",
    )
    same = run("show", "m.py:f", "--args", "np.ones(3), np.ones(3)", cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert "unbroadcast" not in same.stdout
    wider = run("show", "m.py:f", "--args", "np.ones(3), np.ones((2, 3))", cwd=tmp_path)
    assert wider.returncode == 0, wider.stderr
    assert "unbroadcast(" in wider.stdout  # w is broadcast against x
    bad = run("show", "m.py:f", "--args", "np.ones(3), nope", cwd=tmp_path)
    assert_usage_error(bad)
    assert "NameError" in bad.stderr
    whole_file = run("show", "m.py", "--args", "1.0", cwd=tmp_path)
    assert_usage_error(whole_file)


CLASSES = """\
import numpy as np


class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w):
        return self.scale * np.sum(np.tanh(w) ** 2)

    @staticmethod
    def penalty(w):
        return np.sum(w**2)
"""


def test_show_a_method_and_a_file_of_classes(tmp_path):
    write(tmp_path, "model.py", CLASSES)
    method = run("show", "model.py:Model.loss", cwd=tmp_path)
    assert method.returncode == 0, method.stderr
    assert method.stdout.startswith("def grad_loss(self, w):")
    assert "return as_gradient(bw, w, " in method.stdout
    every = run("show", "model.py:", cwd=tmp_path)  # FILE.py: is FILE.py
    assert every.returncode == 0, every.stderr
    assert every.stdout.count("def grad_") == 2
    assert "def grad_penalty(w):" in every.stdout
    missing = run("show", "model.py:Model.fit", cwd=tmp_path)
    assert_usage_error(missing)
    assert "model.py has no function 'Model.fit'" in missing.stderr


def test_show_a_file_without_functions_is_an_error(tmp_path):
    write(tmp_path, "data.py", "SCALE = 2.0\n")
    result = run("show", "data.py", cwd=tmp_path)
    assert_usage_error(result)
    assert (
        result.stderr == "adcompile: error: data.py defines no functions or methods\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ("1.0, 2.0", "--args do not fit f(x): too many positional arguments"),
        ("", "--args do not fit f(x): missing a required argument: 'x'"),
        ("y=1.0", "--args do not fit f(x): "),
        (
            "np.ones((2, 3)) @ np.ones(2)",
            "--args 'np.ones((2, 3)) @ np.ones(2)': ValueError",
        ),
    ],
)
def test_show_args_that_do_not_fit(tmp_path, args, message):
    write(tmp_path, "m.py", SIN_TIMES_X)
    result = run("show", "m.py:f", "--args", args, cwd=tmp_path)
    assert_usage_error(result)
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"adcompile: error: {message}")


def test_show_args_by_keyword_and_shapes_that_do_not_fit(tmp_path):
    write(
        tmp_path,
        "m.py",
        "import numpy as np\n\n\ndef f(w, X):\n    return np.sum(X @ w)\n",
    )
    ok = run("show", "m.py:f", "--args", "np.ones(3), X=np.ones((4, 3))", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("def grad_f(w, X):")
    bad = run("show", "m.py:f", "--args", "np.ones(3), X=np.ones((4, 2))", cwd=tmp_path)
    assert_usage_error(bad)
    assert bad.stderr.startswith(
        "adcompile: error: --args do not fit f: it raises ValueError"
    )


def test_args_in_forward_mode_says_what_is_wrong(tmp_path):
    write(tmp_path, "m.py", SIN_TIMES_X)
    result = run("show", "m.py:f", "--mode", "forward", "--args", "1.0", cwd=tmp_path)
    assert_usage_error(result)
    assert "only in reverse mode, not --mode forward" in result.stderr
    result = run("show", "m.py", "--args", "1.0", cwd=tmp_path)
    assert_usage_error(result)
    assert "--args needs one function: m.py:FUNC" in result.stderr


def test_show_a_static_method_wrt_its_first_parameter(tmp_path):
    write(tmp_path, "model.py", CLASSES)
    result = run("show", "model.py:Model.penalty", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def grad_penalty(w):")


def test_show_forward_and_hvp_keep_comments_and_spacing(tmp_path):
    write(
        tmp_path,
        "m.py",
        """\
        import numpy as np


        def f(w, x):
            h = np.tanh(x @ w)
            return np.sum(h * h)
        """,
    )
    reverse = run("show", "m.py:f", cwd=tmp_path).stdout
    hvp = run("show", "m.py:f", "--mode", "hvp", cwd=tmp_path)
    assert hvp.returncode == 0, hvp.stderr
    comments = [line.strip() for line in reverse.splitlines() if "# grad of:" in line]
    assert comments == [
        "# grad of: return np.sum(h * h)",
        "# grad of: h = np.tanh(x @ w)",
    ]
    lines = [line.strip() for line in hvp.stdout.splitlines()]
    assert [line for line in lines if line.startswith("#")] == comments
    assert "" in lines  # the blank line between the sweeps
    assert lines.index("") < lines.index(comments[0]) < lines.index(comments[1])
    forward = run("show", "m.py:f", "--mode", "forward", cwd=tmp_path)
    assert forward.returncode == 0, forward.stderr
    assert forward.stdout.splitlines()[1:3] == [
        "    # tangent of: h = np.tanh(x @ w)",
        "    matmul_w = x @ w",
    ]
    assert "    # tangent of: return np.sum(h * h)" in forward.stdout
