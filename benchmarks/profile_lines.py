"""Time each statement of an emitted gradient (a diagnostic).

Run ``python benchmarks/profile_lines.py [logistic|mlp|twenty|tiny]``, with
``--by-hand`` for the hand-written gradient instead of adcompile's.

Prints the gradient function's source, one top-level statement per line
(compound statements count as one), with the median time each statement
takes *in context*: the function is recompiled with a ``perf_counter``
stamp after every top-level statement and called many times, so each
statement runs with the caches, allocator and BLAS threads in the state the
statements before it left them. This matters: a statement that reads arrays
the previous statements pushed out of the cache can cost several times what
it costs timed alone. ``--isolated`` times each statement alone instead
(repeated back to back on the same inputs), which is what its arithmetic
costs when its operands are hot. Each stamp costs ~70 ns, so sub-microsecond
statements (the ``tiny`` model) are dominated by it.
"""

from __future__ import annotations

import ast
import inspect
import math
import statistics
import sys
import textwrap
import time
import timeit

from timing import compare, format_seconds, setup

setup()

import models  # noqa: E402
import numpy as np  # noqa: E402

import adcompile  # noqa: E402
from adcompile._src import runtime  # noqa: E402

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


def function_def(text: str) -> ast.FunctionDef:
    definition = ast.parse(textwrap.dedent(text)).body[0]
    assert isinstance(definition, ast.FunctionDef)
    definition.decorator_list = []
    return definition


def _body(definition: ast.FunctionDef) -> list[ast.stmt]:
    body = definition.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        body = body[1:]  # the docstring
    return body


def _stamp(i: int) -> ast.stmt:
    return ast.parse(f"__stamps__[{i}] = __clock__()").body[0]


def in_context(text: str, namespace: dict, args: tuple, calls: int):
    """[(median seconds, statement)] of each top-level statement, in context."""
    definition = function_def(text)
    statements = _body(definition)
    body: list[ast.stmt] = [_stamp(-1)]
    for i, statement in enumerate(statements):
        if isinstance(statement, ast.Return) and statement.value is not None:
            target = ast.Name("__result__", ast.Store())
            body.append(ast.Assign([target], statement.value, lineno=0))
            body.append(_stamp(i))
            body.append(ast.Return(ast.Name("__result__", ast.Load())))
        else:
            body.append(statement)
            body.append(_stamp(i))
    definition.body = body
    stamps: dict[int, float] = {}
    ns = dict(namespace, __stamps__=stamps, __clock__=time.perf_counter)
    module = ast.fix_missing_locations(ast.Module([definition], []))
    exec(compile(module, "<profile_lines>", "exec"), ns)
    instrumented = ns[definition.name]
    samples: list[list[float]] = [[] for _ in statements]
    for _ in range(calls):
        stamps.clear()
        instrumented(*args)
        previous = stamps[-1]
        for i in range(len(statements)):
            if i in stamps:  # statements after an early return have none
                samples[i].append(stamps[i] - previous)
                previous = stamps[i]
    return [
        (statistics.median(s) if s else 0.0, ast.unparse(statement))
        for s, statement in zip(samples, statements, strict=True)
    ]


def isolated(text: str, namespace: dict, args: tuple, repeat: int = 7):
    """[(min seconds, statement)], each statement timed alone, back to back."""
    definition = function_def(text)
    params = [a.arg for a in definition.args.args]
    ns = dict(namespace)
    ns.update(zip(params, args, strict=False))
    empty = compile("", "", "exec")
    overhead = timeit.repeat("exec(c, {})", globals={"c": empty}, number=10000)
    exec_overhead = min(overhead) / 10000
    results = []
    for statement in _body(definition):
        if isinstance(statement, ast.Return):
            target = ast.Name("__result__", ast.Store())
            statement = ast.Assign([target], statement.value, lineno=0)
        module = ast.fix_missing_locations(ast.Module([statement], []))
        code = compile(module, "<statement>", "exec")
        timer = timeit.Timer(
            "exec(code, dict(before))", globals={"code": code, "before": ns}
        )
        number = max(1, int(0.02 / max(timer.timeit(1), 1e-7)))
        seconds = min(timer.repeat(repeat, number)) / number - exec_overhead
        exec(code, ns)
        results.append((max(seconds, 0.0), ast.unparse(statement)))
    return results


def main(name: str, by_hand: bool, alone: bool) -> None:
    loss, wrt, data, hand = MODELS[name]
    args = data()
    if by_hand:
        if hand is None:
            raise SystemExit(f"{name} has no hand-written gradient")
        text = inspect.getsource(hand)
        namespace = dict(hand.__globals__)
        whole = hand
    else:
        whole = adcompile.grad(loss, wrt=wrt)
        whole(*args)
        text = adcompile.source(loss, wrt=wrt)
        namespace = {**loss.__globals__, "np": np, "math": math, **runtime.HELPERS}
    call = compare({"whole": ("whole(*args)", {"whole": whole, "args": args})})
    call_time = call["whole"].min
    calls = max(50, min(2000, int(1.0 / max(call_time, 1e-7))))
    results = (
        isolated(text, namespace, args)
        if alone
        else in_context(text, namespace, args, calls)
    )
    total = sum(s for s, _ in results)
    how = "alone, min" if alone else f"in context, median of {calls} calls"
    print(f"# {name}{' by hand' if by_hand else ''}: time per statement ({how})")
    for seconds, source in results:
        share = 100 * seconds / total if total else 0.0
        first = source.splitlines()[0]
        print(f"{format_seconds(seconds):>10} {share:5.1f}%  {first}")
    print(f"{format_seconds(total):>10}         sum of statements")
    whole_call = "one call of the whole function (min)"
    print(f"{format_seconds(call_time):>10}         {whole_call}")


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(
        names[0] if names else "logistic",
        "--by-hand" in sys.argv,
        "--isolated" in sys.argv,
    )
