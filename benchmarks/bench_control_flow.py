"""Gradients through loops and calls: a scalar loop, an RNN, an RK4 integrator.

Run ``python benchmarks/bench_control_flow.py`` (or ``run.py``, which runs
it with the others). The models are in ``models_control_flow.py``. Each
gradient is checked against its reference before anything is timed; every
candidate of a model is timed interleaved with the others, in one run.

1. A 100-step loop on a Python float, ``y = sin(y)*0.5 + y*y*0.1 + 0.3;
   y = y/(1+y*y)``, written with ``np.sin`` (what users often write; the
   headline) and with ``math.sin``. Reference: a hand-written reverse loop
   over a list of saved values, pure Python floats (``math.sin``/``cos``).
   Targets: ratio <= 1.5, and >= 5x faster than ``autograd.grad``. Also
   reported: the hand-written gradient with ``np.sin``/``np.cos`` (what
   numpy's scalar functions cost by themselves) and each ``f`` alone.
2. An RNN, ``h = np.tanh(x_t @ Wx + h @ Wh + b)`` over ``for x_t in X``
   (T=50, batch 32, input 8, hidden 16), loss ``np.mean(h * h)`` of the
   final h, gradient wrt ``(Wx, Wh, b)``. Reference: hand-written numpy
   BPTT. Targets: ratio <= 1.3, >= 3x faster than autograd, and peak memory
   of one gradient call (tracemalloc) no more than autograd's.
3. RK4 over 500 steps of a damped pendulum, ``y = np.array([theta,
   omega])``, calling a user function ``pendulum(y, t, params)`` four times
   a step; loss ``theta_T**2 + omega_T**2``, gradient wrt ``(y0, params)``,
   checked against central finite differences (and autograd). Targets:
   gradient <= 4x the function itself, and >= 10x faster than autograd.

``--profile scalar_np|scalar_math|rnn|rk4`` (diagnostic) prints every
statement of the emitted gradient, including those inside loops and inside
the pullbacks of called user functions, with its total time per gradient
call and how often it ran (each statement is bracketed by ``perf_counter``
calls; their own cost, calibrated, is subtracted).
"""

from __future__ import annotations

import ast
import gc
import statistics
import sys
import textwrap
import time
import timeit

import numpy as np
from timing import (
    Row,
    Timing,
    compare,
    format_seconds,
    format_table,
    peak_bytes,
    setup,
)

setup()

import models_control_flow as models  # noqa: E402

import adcompile  # noqa: E402

SCALAR_TARGET = 1.5
RNN_TARGET = 1.3
RK4_TARGET = 4.0  # gradient / function itself: the cheap-gradient bound
SPEEDUP = {"scalar": 5.0, "rnn": 3.0, "rk4": 10.0}  # vs autograd


class WrongGradient(AssertionError):
    pass


def check_close(name: str, got, expected, rtol: float = 1e-8, atol: float = 0.0):
    got_t = got if isinstance(got, tuple) else (got,)
    exp_t = expected if isinstance(expected, tuple) else (expected,)
    if len(got_t) != len(exp_t):
        raise WrongGradient(f"{name}: {len(got_t)} gradients, expected {len(exp_t)}")
    for i, (g, e) in enumerate(zip(got_t, exp_t, strict=True)):
        if np.shape(g) != np.shape(e) or not np.allclose(g, e, rtol=rtol, atol=atol):
            raise WrongGradient(
                f"{name}: gradient {i} is {g!r}, expected {e!r} (rtol {rtol})"
            )


def autograd_or_none():
    try:
        import autograd
    except ImportError:
        return None
    return autograd


def speedup_row(name: str, ours: Timing, theirs: Timing, speedup: float) -> Row:
    row = Row(
        name, ours, theirs, target=f"ratio <= {1 / speedup:.2g} ({speedup:.0f}x faster)"
    )
    row.ok = row.ratio <= 1 / speedup
    return row


# --- 1. scalar loop -----------------------------------------------------------


def scalar_loop(repeat: int = 15) -> list[Row]:
    y = 0.7
    by_hand = models.scalar_loop_grad_by_hand
    with_np = adcompile.grad(models.scalar_loop_np)
    with_math = adcompile.grad(models.scalar_loop_math)
    expected = by_hand(y)
    # The map contracts, so the gradient is tiny (~1e-61): compare relatively.
    for _ in range(2):  # the general code, then the variant for a float
        check_close("scalar loop (np.sin)", with_np(y), expected, rtol=1e-9)
        check_close("scalar loop (math.sin)", with_math(y), expected, rtol=1e-9)
    check_close("scalar loop by hand (np)", _scalar_by_hand_np(y), expected, 1e-9)
    candidates = {
        "np": ("with_np(y)", {"with_np": with_np, "y": y}),
        "math": ("with_math(y)", {"with_math": with_math, "y": y}),
        "by_hand": ("by_hand(y)", {"by_hand": by_hand, "y": y}),
        "by_hand_np": ("g(y)", {"g": _scalar_by_hand_np, "y": y}),
        "f_np": ("f(y)", {"f": models.scalar_loop_np, "y": y}),
        "f_math": ("f(y)", {"f": models.scalar_loop_math, "y": y}),
    }
    autograd = autograd_or_none()
    if autograd is not None:
        theirs = autograd.grad(models.autograd_models()["scalar_loop"])
        check_close("scalar loop (autograd)", theirs(y), expected, rtol=1e-9)
        candidates["autograd"] = ("theirs(y)", {"theirs": theirs, "y": y})
    t = compare(candidates, repeat=repeat, sample_seconds=0.02)
    target = f"ratio <= {SCALAR_TARGET:.2f}"
    rows = []
    for kind in ("np", "math"):
        row = Row(
            f"scalar loop x100, {kind}.sin: grad / by hand (floats)",
            t[kind],
            t["by_hand"],
            target=target,
        )
        row.ok = row.ratio <= SCALAR_TARGET
        rows.append(row)
    rows.append(
        Row(
            "scalar loop x100, np.sin: grad / by hand with np.sin, np.cos",
            t["np"],
            t["by_hand_np"],
        )
    )
    if autograd is not None:
        for kind in ("np", "math"):
            rows.append(
                speedup_row(
                    f"scalar loop x100, {kind}.sin: grad / autograd",
                    t[kind],
                    t["autograd"],
                    SPEEDUP["scalar"],
                )
            )
    rows.append(Row("scalar loop x100, np.sin: f itself", t["f_np"]))
    rows.append(Row("scalar loop x100, math.sin: f itself", t["f_math"]))
    return rows


def _scalar_by_hand_np(y):
    """The hand-written reverse loop with np.sin and np.cos (not in models:
    it is only here to show what numpy's scalar functions cost)."""
    saved = []
    for _ in range(100):
        saved.append(y)
        u = np.sin(y) * 0.5 + y * y * 0.1 + 0.3
        saved.append(u)
        y = u / (1 + u * u)
    g = 1.0
    for _ in range(100):
        u = saved.pop()
        d = 1 + u * u
        g = g * (d - 2 * u * u) / (d * d)
        y = saved.pop()
        g = g * (np.cos(y) * 0.5 + 0.2 * y)
    return g


# --- 2. RNN -------------------------------------------------------------------


def rnn(repeat: int = 15) -> list[Row]:
    args = models.rnn_data()
    wrt = ("Wx", "Wh", "b")
    ours = adcompile.grad(models.rnn_loss, wrt=wrt)
    by_hand = models.rnn_grad_by_hand
    expected = by_hand(*args)
    for _ in range(2):  # the general code, then the variant for these shapes
        check_close("RNN", ours(*args), expected, rtol=1e-7, atol=1e-12)
    candidates = {
        "adcompile": ("ours(*args)", {"ours": ours, "args": args}),
        "by_hand": ("by_hand(*args)", {"by_hand": by_hand, "args": args}),
        "f": ("f(*args)", {"f": models.rnn_loss, "args": args}),
    }
    autograd = autograd_or_none()
    if autograd is not None:
        theirs = autograd.grad(models.autograd_models()["rnn"], (0, 1, 2))
        check_close("RNN (autograd)", theirs(*args), expected, 1e-7, 1e-12)
        candidates["autograd"] = ("theirs(*args)", {"theirs": theirs, "args": args})
    t = compare(candidates, repeat=repeat, sample_seconds=0.02)
    name = "RNN T=50 grad wrt Wx, Wh, b"
    row = Row(
        f"{name} / numpy BPTT by hand",
        t["adcompile"],
        t["by_hand"],
        target=f"ratio <= {RNN_TARGET:.2f}",
    )
    row.ok = row.ratio <= RNN_TARGET
    rows = [row]
    memory = {"adcompile": peak_bytes(ours, args), "by hand": peak_bytes(by_hand, args)}
    if autograd is not None:
        rows.append(
            speedup_row(
                f"{name} / autograd", t["adcompile"], t["autograd"], SPEEDUP["rnn"]
            )
        )
        memory["autograd"] = peak_bytes(theirs, args)
        # Timing columns hold time; the memory figures are in the row's name.
        mem = Row(
            f"RNN grad peak memory {memory['adcompile'] / 1024:.0f} KiB, "
            f"autograd {memory['autograd'] / 1024:.0f} KiB",
            t["adcompile"],
            target="peak <= autograd's",
        )
        mem.ok = memory["adcompile"] <= memory["autograd"]
        rows.append(mem)
    rows.append(Row("RNN T=50: f itself", t["f"]))
    rows[0].note = "peak memory of one gradient call: " + ", ".join(
        f"{who} {n / 1024:.0f} KiB" for who, n in memory.items()
    )
    return rows


# --- 3. RK4 -------------------------------------------------------------------


def finite_differences(f, args, eps: float = 1e-6) -> tuple:
    """Central differences of f wrt every entry of every argument."""
    grads = []
    for i, a in enumerate(args):
        g = np.zeros_like(a)
        for j in range(a.size):
            up = [x.copy() for x in args]
            down = [x.copy() for x in args]
            up[i].flat[j] += eps
            down[i].flat[j] -= eps
            g.flat[j] = (f(*up) - f(*down)) / (2 * eps)
        grads.append(g)
    return tuple(grads)


def rk4(repeat: int = 7) -> list[Row]:
    args = models.rk4_data()
    ours = adcompile.grad(models.rk4_loss, wrt=("y0", "params"))
    differences = finite_differences(models.rk4_loss, args)
    for _ in range(2):  # the general code, then the variant for these shapes
        got = ours(*args)
        check_close("RK4", got, differences, 1e-5, 1e-8)
    candidates = {
        "adcompile": ("ours(*args)", {"ours": ours, "args": args}),
        "f": ("f(*args)", {"f": models.rk4_loss, "args": args}),
    }
    autograd = autograd_or_none()
    if autograd is not None:
        theirs = autograd.grad(models.autograd_models()["rk4"], (0, 1))
        check_close("RK4 (autograd)", got, theirs(*args), 1e-9, 1e-12)
        candidates["autograd"] = ("theirs(*args)", {"theirs": theirs, "args": args})
    t = compare(candidates, repeat=repeat, sample_seconds=0.02)
    name = "RK4 x500 pendulum grad wrt y0, params"
    row = Row(
        f"{name} / f itself",
        t["adcompile"],
        t["f"],
        target=f"ratio <= {RK4_TARGET:.0f}",
    )
    row.ok = row.ratio <= RK4_TARGET
    rows = [row]
    if autograd is not None:
        rows.append(
            speedup_row(
                f"{name} / autograd", t["adcompile"], t["autograd"], SPEEDUP["rk4"]
            )
        )
    return rows


BENCHMARKS = [scalar_loop, rnn, rk4]


# --- --profile: time of every emitted statement --------------------------------


class _Stamps:
    """Rewrites a function's body so that every simple statement adds its
    time and count to ``__acc__`` / ``__cnt__``; compound statements (loops,
    branches, nested defs) are entered, not timed as a whole."""

    def __init__(self, labels: list[tuple[str, str]], tag: str) -> None:
        self.labels, self.tag = labels, tag

    def body(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in statements:
            if isinstance(s, (ast.For, ast.While, ast.If)):
                s.body, s.orelse = self.body(s.body), self.body(s.orelse)
                out.append(s)
            elif isinstance(s, ast.FunctionDef):
                s.body = self.body(s.body)
                out.append(s)
            elif isinstance(s, ast.Return):
                value = s.value or ast.Constant(None)
                target = ast.Name("__ret__", ast.Store())
                out += self.timed(ast.Assign([target], value, lineno=0), s)
                out.append(ast.Return(ast.Name("__ret__", ast.Load())))
            else:
                out += self.timed(s)
        return out

    def timed(self, statement: ast.stmt, shown: ast.stmt | None = None) -> list:
        i = len(self.labels)
        text = ast.unparse(shown or statement).splitlines()[0]
        self.labels.append((self.tag, text))
        # __nest__ = [seconds, executions] of all timed statements so far; a
        # statement's own time excludes the timed statements it ran (those
        # inside a pullback it calls), but not their stamps' cost (< 0.2 us
        # each; subtracted later from the calibrated stamp cost).
        code = f"""
__s{i} = __nest__[0]; __k{i} = __nest__[1]; __t{i} = __clock__()
__STATEMENT__
__d{i} = __clock__() - __t{i}
__acc__[{i}] += __d{i} - (__nest__[0] - __s{i})
__cnt__[{i}] += 1
__inner__[{i}] += __nest__[1] - __k{i}
__nest__[0] = __s{i} + __d{i}; __nest__[1] = __k{i} + 1 + __nest__[1] - __k{i}
"""
        out: list[ast.stmt] = []
        for piece in ast.parse(code).body:
            is_marker = (
                isinstance(piece, ast.Expr)
                and isinstance(piece.value, ast.Name)
                and piece.value.id == "__STATEMENT__"
            )
            out.append(statement if is_marker else piece)
        return out


def _instrumented(function, source: str, labels, state: dict, tag: str, extra: dict):
    tree = ast.parse(textwrap.dedent(source))
    definition = tree.body[0]
    definition.body = _Stamps(labels, tag).body(definition.body)
    for key, zero in (("__acc__", 0.0), ("__cnt__", 0), ("__inner__", 0)):
        state[key].extend([zero] * (len(labels) - len(state[key])))
    namespace = dict(function.__globals__)
    code = function.__code__
    for name, cell in zip(code.co_freevars, function.__closure__ or (), strict=True):
        namespace[name] = cell.cell_contents
    namespace.update(extra, __clock__=time.perf_counter, **state)
    exec(compile(ast.fix_missing_locations(tree), f"<{tag}>", "exec"), namespace)
    return namespace[definition.name]


def _stamp_costs(n: int = 200_000) -> tuple[float, float]:
    """(inside, whole): what a stamp adds to the time measured for the
    statement it brackets, and what it adds to the run time in all."""
    source = "def run(n):\n    for _ in range(n):\n        pass\n"
    state = {"__acc__": [], "__cnt__": [], "__inner__": [], "__nest__": [0.0, 0]}
    namespace = {"__clock__": time.perf_counter, **state}
    tree = ast.parse(source)
    loop = tree.body[0].body[0]
    loop.body = _Stamps([], "calibration").timed(loop.body[0])
    state["__acc__"].append(0.0)
    state["__cnt__"].append(0)
    state["__inner__"].append(0)
    exec(compile(ast.fix_missing_locations(tree), "<stamps>", "exec"), namespace)
    plain: dict = {}
    exec(source, plain)
    stamped = min(timeit.repeat(lambda: namespace["run"](n), number=1, repeat=3))
    bare = min(timeit.repeat(lambda: plain["run"](n), number=1, repeat=3))
    state["__acc__"][0] = 0.0
    namespace["run"](n)
    return state["__acc__"][0] / n, (stamped - bare) / n


PROFILED = {
    "scalar_np": (models.scalar_loop_np, 0, lambda: (0.7,)),
    "scalar_math": (models.scalar_loop_math, 0, lambda: (0.7,)),
    "rnn": (models.rnn_loss, ("Wx", "Wh", "b"), models.rnn_data),
    "rk4": (models.rk4_loss, ("y0", "params"), models.rk4_data),
}


def profile(name: str, calls: int = 31) -> None:
    from adcompile._src.compilation import compiler
    from adcompile._src.compilation.specialized import argument_shapes
    from adcompile._src.read import calls as call_module

    loss, wrt, data = PROFILED[name]
    args = data()
    # the code that runs from the second call on: the variant for these shapes
    shapes = argument_shapes(loss, args)
    variant = compiler.compiled(loss, wrt, "grad", compiler.Options(shapes=shapes))
    whole = variant.function
    labels: list[tuple[str, str]] = []
    state = {"__acc__": [], "__cnt__": [], "__inner__": [], "__nest__": [0.0, 0]}
    extra = {}
    for var, cell in zip(
        whole.__code__.co_freevars, whole.__closure__ or (), strict=True
    ):
        callee = cell.cell_contents  # before the first call compiles it
        if isinstance(callee, call_module.LazyVjp):  # profile the callee too
            options = compiler.Options(shapes=callee.shapes)
            vjp = compiler.compiled(callee.function, callee.wrt, "pullback", options)
            extra[var] = _instrumented(vjp.function, vjp.source, labels, state, var, {})
    whole(*args)
    instrumented = _instrumented(whole, variant.source, labels, state, "grad", extra)
    instrumented(*args)
    inside, whole_stamp = _stamp_costs()
    acc, cnt, inner = state["__acc__"], state["__cnt__"], state["__inner__"]
    per_call: list[list[float]] = [[] for _ in labels]
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            acc[:] = [0.0] * len(labels)
            cnt[:] = inner[:] = [0] * len(labels)
            instrumented(*args)
            for i, seconds in enumerate(acc):
                stamps = cnt[i] * inside + inner[i] * (whole_stamp - inside)
                per_call[i].append(max(seconds - stamps, 0.0))
        instrumented_call = (time.perf_counter() - start) / calls
    finally:
        gc.enable()
    plain = compare({"g": ("g(*args)", {"g": whole, "args": args})}, repeat=5)["g"].min
    rows = [
        (statistics.median(per_call[i]), cnt[i], tag, text)
        for i, (tag, text) in enumerate(labels)
    ]
    total = sum(r[0] for r in rows)
    print(f"# {name}: own time of each emitted statement in one gradient call")
    print(f"# (median over {calls} calls)")
    print(
        f"# (stamps cost {inside * 1e9:.0f} ns inside the statement they time, "
        f"{whole_stamp * 1e9:.0f} ns in all; subtracted)"
    )
    print(f"{'time':>10} {'share':>6} {'runs':>6}  function: statement")
    for seconds, runs, tag, text in rows:
        share = 100 * seconds / total if total else 0.0
        print(f"{format_seconds(seconds):>10} {share:5.1f}% {runs:6d}  {tag}: {text}")
    print(f"{format_seconds(total):>10}         sum of statements")
    print(f"{format_seconds(plain):>10}         one uninstrumented call (min)")
    print(f"{format_seconds(instrumented_call):>10}         one instrumented call")
    top = sorted(rows, reverse=True)[:12]
    print("\n# most expensive statements")
    for seconds, runs, tag, text in top:
        per_run = seconds / runs if runs else 0.0
        print(
            f"{format_seconds(seconds):>10} {100 * seconds / total:5.1f}% "
            f"({format_seconds(per_run)} x {runs})  {tag}: {text}"
        )


if __name__ == "__main__":
    if "--profile" in sys.argv:
        which = sys.argv[sys.argv.index("--profile") + 1]
        profile(which)
    else:
        print(format_table([row for bench in BENCHMARKS for row in bench()]))
