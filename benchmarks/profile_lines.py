"""Time each statement of an emitted gradient (a diagnostic).

Run ``python benchmarks/profile_lines.py [logistic|mlp|twenty|tiny] [--by-hand]``.
Prints the gradient source adcompile emits for the model (or, with
``--by-hand``, the hand-written gradient) with the time each statement takes,
measured by running the function body one statement at a time in a
namespace that holds the values the previous statements computed. Works for
straight-line code, which is all the emitted code is today.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
import timeit

from timing import compare, format_seconds, setup

setup()

import models  # noqa: E402
import numpy as np  # noqa: E402

import adcompile  # noqa: E402
from adcompile import runtime  # noqa: E402

MODELS = {
    "logistic": (
        models.logistic_loss,
        0,
        models.logistic_data,
        models.logistic_grad_by_hand,
    ),
    "mlp": (
        models.mlp_loss,
        ("W1", "b1", "W2", "b2"),
        models.mlp_data,
        models.mlp_grad_by_hand,
    ),
    "twenty": (models.twenty_lines, 0, models.twenty_lines_data, None),
    "tiny": (models.tiny, 0, lambda: (1.5,), None),
}


def statements(text: str) -> tuple[list[str], list[ast.stmt]]:
    """The parameters and body statements of the one function in ``text``."""
    definition = ast.parse(textwrap.dedent(text)).body[0]
    assert isinstance(definition, ast.FunctionDef)
    params = [a.arg for a in definition.args.args]
    body = [s for s in definition.body if not isinstance(s, ast.Expr)]  # docstring
    return params, body


def profile(text: str, namespace: dict, args: tuple, repeat: int = 7):
    """[(seconds, source of the statement)] for each statement of the body."""
    params, body = statements(text)
    ns = dict(namespace)
    ns.update(zip(params, args, strict=False))
    results = []
    for statement in body:
        if isinstance(statement, ast.Return):
            statement = ast.Assign(
                [ast.Name("__result__", ast.Store())], statement.value, lineno=0
            )
        module = ast.fix_missing_locations(ast.Module([statement], []))
        code = compile(module, "<statement>", "exec")
        before = ns
        timer = timeit.Timer(
            "exec(code, dict(before))",
            globals={"code": code, "before": before},
        )
        number = max(1, int(0.02 / max(timer.timeit(1), 1e-7)))
        seconds = min(timer.repeat(repeat, number)) / number
        exec(code, ns)
        results.append((seconds, ast.unparse(statement)))
    return results


def main(name: str, by_hand: bool) -> None:
    loss, wrt, data, hand = MODELS[name]
    args = data()
    if by_hand:
        if hand is None:
            raise SystemExit(f"{name} has no hand-written gradient")
        text = inspect.getsource(hand)
        namespace = dict(hand.__globals__)
        whole = hand
    else:
        text = adcompile.source(loss, wrt=wrt)
        namespace = {**loss.__globals__, "np": np, "math": math, **runtime.HELPERS}
        whole = adcompile.grad(loss, wrt=wrt)
        whole(*args)
    baseline = timeit.Timer("exec(code, {})", globals={"code": compile("", "", "exec")})
    exec_overhead = min(baseline.repeat(7, 10000)) / 10000
    results = profile(text, namespace, args)
    total_call = compare({"whole": ("whole(*args)", {"whole": whole, "args": args})})
    total_call = total_call["whole"].min
    total_lines = sum(max(s - exec_overhead, 0.0) for s, _ in results)
    for seconds, source in results:
        seconds = max(seconds - exec_overhead, 0.0)
        share = 100 * seconds / total_lines if total_lines else 0.0
        first = source.splitlines()[0]
        print(f"{format_seconds(seconds):>10} {share:5.1f}%  {first}")
    print(f"{format_seconds(total_lines):>10}        sum of statements")
    print(f"{format_seconds(total_call):>10}        one call of the whole function")


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(names[0] if names else "logistic", "--by-hand" in sys.argv)
