"""ADBench / GradBench objectives: adcompile, autograd, hand-written, torch.

    python benchmarks/bench_adbench.py             # full sizes (minutes)
    python benchmarks/bench_adbench.py --quick     # small sizes, < 1 minute
    python benchmarks/bench_adbench.py --only GMM  # rows whose name has GMM
    python benchmarks/bench_adbench.py --blas-threads=2   # default 1
    python benchmarks/bench_adbench.py --profile "LSTM l=2 c=32"  # diagnostic

The objectives and hand-written gradients are in ``adbench/`` (see
``adbench/cases.py`` for the rows). Each tool's gradient is checked once
against the hand-written one (else autograd's), and that reference against
central finite differences, before anything is timed; a wrong gradient or a
refusal is reported in the row instead of a time. Times are per call, the
min over samples, interleaved round by round; the table gives each tool's
time divided by the NumPy objective's. Memory: tracemalloc's peak during one
gradient call (after the first two calls), adcompile's and autograd's.
torch (the ``bench`` extra) is optional: "-" when it is not installed.
"""

from __future__ import annotations

import os
import sys
import time

# BLAS reads its thread count when numpy is imported, so this comes first.
_THREADS = "1"
for _arg in sys.argv[1:]:
    if _arg.startswith("--blas-threads="):
        _THREADS = _arg.split("=", 1)[1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import timeit  # noqa: E402
import warnings  # noqa: E402

from timing import (  # noqa: E402
    OtherLoad,
    Timing,
    calibrate,
    format_seconds,
    header,
    peak_bytes,
    setup,
)

setup()

from adbench import cases as C  # noqa: E402

import adcompile  # noqa: E402

try:
    import autograd  # noqa: F401
except ImportError:
    autograd = None
try:
    import torch
    from adbench import torch_models
except ImportError:
    torch = torch_models = None

TOOLS = ("adcompile", "autograd", "hand", "torch")


def format_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def time_interleaved(candidates, budget: float, sample_seconds: float, repeat: int):
    """``{name: (stmt, globals)}`` timed round by round within ~``budget`` s."""
    timers = {n: timeit.Timer(s, globals=g) for n, (s, g) in candidates.items()}
    numbers, per_round = {}, 0.0
    for name, timer in timers.items():
        one = timer.timeit(1)  # warm (the checks ran each one already)
        if one >= sample_seconds:
            numbers[name] = 1
        else:
            numbers[name] = calibrate(timer, sample_seconds)
        per_round += numbers[name] * one
    rounds = int(max(3, min(repeat, budget / max(per_round, 1e-9))))
    samples = {name: [] for name in timers}
    for _ in range(rounds):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    return {name: Timing(s) for name, s in samples.items()}


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def build_tools(case):
    """{tool: callable of *case.args} and {tool: why it is missing}."""
    tools, failed = {}, {}
    try:
        tools["adcompile"] = C.make_adcompile(case)
    except adcompile.AdcompileError as error:
        failed["adcompile"] = "refused: " + first_line(error)
    if autograd is not None:
        tools["autograd"] = C.make_autograd(case)
    if case.hand is not None:
        tools["hand"] = case.hand

    if torch_models is not None:
        try:
            run = torch_models.build(case)
        except Exception as error:  # a failure cell, not a crash of the run
            failed["torch"] = "error: " + first_line(error)
        else:
            tools["torch"] = lambda *args, run=run: torch_models.to_numpy(run())
            tools["torch_raw"] = run
    return tools, failed


def check(case, tools, failed):
    """Run each tool twice and compare with the reference; drop failures."""
    results = {}
    for name in [t for t in TOOLS if t in tools]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tools[name](*case.args)  # general code, then the shapes' variant
                results[name] = C.as_tuple(tools[name](*case.args))
        except adcompile.AdcompileError as error:
            failed[name] = "refused: " + first_line(error)
        except Exception as error:  # a failure row, not a crash of the run
            failed[name] = "error: " + first_line(error)
    ref_name = next((t for t in ("hand", "autograd") if t in results), None)
    problem = "no reference"
    if ref_name is not None:
        problem = None
        if case.kind == "grad":
            problem = C.compare_sampled(results[ref_name], C.finite_differences(case))
    if problem:
        if ref_name is not None:
            failed[ref_name] = f"wrong vs finite differences: {problem}"
        for name in results:  # nothing is timed unchecked
            failed.setdefault(name, f"unchecked: {problem}")
        return None
    reference = results[ref_name]
    for name, got in results.items():
        problem = C.compare(got, reference)
        if problem and name != ref_name:
            failed[name] = f"wrong vs {ref_name}: {problem}"
    return ref_name


def run_case(case, budget: float, repeat: int):
    tools, failed = build_tools(case)
    reference = check(case, tools, failed)
    memory = {}
    for name in ("adcompile", "autograd"):
        if name in tools and name not in failed:
            memory[name] = peak_bytes(tools[name], case.args, warm=False)  # (checked)
    candidates = {"objective": ("f(*args)", {"f": case.f, "args": case.args})}
    for name in TOOLS:
        if name == "hand" and not case.time_hand:
            continue  # a reference only: "ref" in the table
        if name in tools and name not in failed:
            if name == "torch":
                candidates[name] = ("run()", {"run": tools["torch_raw"]})
            else:
                candidates[name] = ("g(*args)", {"g": tools[name], "args": case.args})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        timings = time_interleaved(candidates, budget, 0.02, repeat)
    return dict(timings=timings, failed=failed, memory=memory, reference=reference)


def judge(case, result) -> str:
    t = result["timings"]
    if "adcompile" not in t or not case.target:
        return "-"
    limit = float(case.target.split()[1].rstrip("x"))
    base = "hand" if case.target.endswith("hand") else "objective"
    if base not in t:
        return "-"
    return "met" if t["adcompile"].min / t[base].min <= limit else "MISS"


def table(rows) -> str:
    titles = ["workload", "objective", *TOOLS, "adc/hand", "mem adc", "mem autograd"]
    titles += ["target", ""]
    lines, notes = [], []
    for case, result in rows:
        t, failed = result["timings"], result["failed"]
        cells = [case.name, format_seconds(t["objective"].min)]
        for tool in TOOLS:
            if tool in failed:
                cells.append(failed[tool].split(":")[0].split(" ")[0])
                notes.append(f"{case.name}, {tool}: {failed[tool]}")
            elif tool in t:
                cells.append(f"{t[tool].min / t['objective'].min:.2f}x")
            elif tool == "hand" and case.hand is not None:
                cells.append("ref")
            else:
                cells.append("-")
        has = "adcompile" in t and "hand" in t
        cells.append(f"{t['adcompile'].min / t['hand'].min:.2f}" if has else "-")
        mem = result["memory"]
        cells += [format_bytes(mem.get("adcompile")), format_bytes(mem.get("autograd"))]
        cells += [case.target or "-", judge(case, result)]
        lines.append(cells)
    widths = [max(len(str(r[i])) for r in [titles, *lines]) for i in range(len(titles))]

    def render(cells):
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    out = [render(titles), "  ".join("-" * w for w in widths)]
    out += [render(c) for c in lines]
    if notes:
        out += ["", "failures:", *(f"  {n}" for n in notes)]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    only = next((a.split("=", 1)[1] for a in argv if a.startswith("--only=")), "")
    profile = next((a.split("=", 1)[1] for a in argv if a.startswith("--profile=")), "")
    rows = [c for c in C.cases(quick=quick) if only in c.name]
    if torch is not None:
        torch.set_num_threads(int(_THREADS))
    if profile:
        from adbench import profiling

        case = next(c for c in C.cases(quick=quick) if profile in c.name)
        profiling.report(case, C.make_adcompile(case))
        return 0
    start = time.perf_counter()
    load = OtherLoad()
    print(header())
    print(f"torch: {torch.__version__ if torch else '- (not installed)'}")
    budget, repeat = (0.5, 5) if quick else (12.0, 15)
    results = []
    for case in rows:
        began = time.perf_counter()
        results.append((case, run_case(case, budget, repeat)))
        took = time.perf_counter() - began
        print(f"  {case.name}: {took:.1f} s", file=sys.stderr, flush=True)
    print()
    print(table(results))
    print()
    print(
        "ratios: each tool's time / the NumPy objective's (min over samples); "
        "targets (issue #13) on adcompile's ratio, or on adcompile / hand where "
        f"they say hand; {time.perf_counter() - start:.0f} s"
    )
    others = load.cores()
    if others is not None:
        print(f"other processes used {others:.2f} cores during the run")
    wrong = any(
        v.startswith(("wrong", "error", "unchecked"))
        for _, r in results
        for v in r["failed"].values()
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
