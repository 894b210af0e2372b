"""Property-based tests: random straight-line numpy programs.

Hypothesis draws programs built from the supported constructs (elementwise
functions, broadcasting arithmetic, reductions with axis/keepdims, methods,
indexing, reassignment and augmented assignment of fresh values, calls into a
user function that branches); each is written to a real file (adcompile reads source), and its
gradient is checked against central finite differences. The compiler must
never return a wrong gradient.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import adcompile
from tests.forwardcheck import check_jvp
from tests.gradcheck import check_grad, smooth_at

UNARY = [
    "np.sin({a})",
    "np.cos({a})",
    "np.tanh({a})",
    "np.exp(np.sin({a}))",
    "np.sqrt({a} * {a} + 1.0)",
    "np.log(1.0 + {a} ** 2)",
    "1.0 / (1.0 + np.exp(-{a}))",
    "-{a}",
    "{a} ** 2",
    "np.square({a})",
    "np.arctan({a})",
    "{a}.T.T",
    "np.abs({a}) + 1.0",
]
BINARY = [
    "{a} + {b}",
    "{a} - {b}",
    "{a} * {b}",
    "{a} / (1.0 + {b} * {b})",
    "np.maximum({a}, {b})",
    "np.where({a} > {b}, {a}, 2.0 * {b})",
    "np.arctan2({a}, 2.0 + {b} * {b})",
    "{a} * 0.5 + {b} ** 2",
    "helper({a}, {b})",  # a call into another user function
]
# every value is an array of shape (2, 3) or broadcastable to it
SHAPES = {"m": (2, 3), "row": (3,), "col": (2, 1), "s": ()}
REDUCE = [
    "np.sum({a}, axis=0, keepdims=True)",  # (1, 3): broadcasts back
    "np.mean({a}, axis=1, keepdims=True)",  # (2, 1)
    "{a}.sum(axis=0)",  # (3,)
    "np.max({a}, axis=1, keepdims=True)",
]


@st.composite
def programs(draw):
    names = ["m", "row", "col", "s"]
    lines = []
    counter = itertools.count()
    for _ in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "aug"]))
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from(names))
        if kind == "unary":
            expr = draw(st.sampled_from(UNARY)).format(a=a)
        elif kind == "binary":
            expr = draw(st.sampled_from(BINARY)).format(a=a, b=b)
        elif kind == "reduce":
            expr = draw(st.sampled_from(REDUCE)).format(a=f"({a} + m)")
        else:
            target = f"v{next(counter)}"
            lines.append(f"{target} = {a} * 1.5 + m")
            lines.append(f"{target} += {draw(st.sampled_from(UNARY)).format(a=b)}")
            names.append(target)
            continue
        if draw(st.booleans()) and names[4:]:
            target = draw(st.sampled_from(names[4:]))  # reassign: new SSA name
        else:
            target = f"v{next(counter)}"
            names.append(target)
        lines.append(f"{target} = {expr}")
    last = names[-1]
    lines.append(f"return np.sum(({last} + m) * m) + np.mean(row) * s")
    return "\n".join(["def f(m, row, col, s):", *("    " + line for line in lines)])


HELPER = """def helper(a, b):
    if np.sum(a) > 0.0:
        return np.sin(a) * b + a
    return a * b - np.cos(b)
"""

ARGS = (
    np.array([[0.3, -0.7, 1.1], [0.5, 0.2, -1.3]]),
    np.array([0.4, -0.9, 0.6]),
    np.array([[0.8], [-0.25]]),
    np.float64(0.37),  # a numpy scalar (has .T); no sum of the others ties it
)
_counter = itertools.count()


def load(tmp_dir: Path, text: str):
    path = tmp_dir / f"random_program_{next(_counter)}.py"
    path.write_text("import numpy as np\n\n\n" + HELPER + "\n\n" + text + "\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=programs())
def test_random_program_gradients(tmp_path, text):
    f = load(tmp_path, text)
    assume(smooth_at(f, ARGS, (0, 1, 2, 3)))  # not on a branch boundary
    try:
        check_grad(f, ARGS, wrt=(0, 1, 2, 3))
        check_jvp(f, ARGS, wrt=(0, 1, 2, 3))  # forward mode agrees
    except adcompile.AdcompileError:
        raise AssertionError(f"refused a supported program:\n{text}") from None
    except AssertionError as error:
        raise AssertionError(f"wrong gradient for:\n{text}\n{error}") from None
