"""Transformation time, and the cost of a cache hit.

Run ``python benchmarks/bench_transform.py``.

- First ``adcompile.grad(f)`` + first call of a ~20-line numpy function
  (``models.twenty_lines``), which runs the whole pipeline (read, parse,
  fence, normalize, differentiate, emit, compile). Measured in this process
  with adcompile's caches cleared before each sample (``compiler._derivatives``
  and ``compiler._compiled``), and once per fresh subprocess, where the
  first transformation also pays for one-time work (reading the file,
  warming libcst). Target < 50 ms.
- Cache hit: ``compiler.compiled(f, 0, "grad")`` on a warm cache; target
  < 10 us. Also checks that a new ``adcompile.grad(f)`` of an already
  transformed ``f`` reuses the compiled function (no re-transformation) and
  reports the time of that ``grad(f)`` + first call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from timing import (
    HERE,
    Row,
    Timing,
    compare,
    ensure_adcompile_importable,
    format_table,
)

ensure_adcompile_importable()

import models  # noqa: E402

import adcompile  # noqa: E402
from adcompile import compiler  # noqa: E402

TRANSFORM_TARGET = 50e-3
CACHE_HIT_TARGET = 10e-6


def clear_caches() -> None:
    compiler._derivatives.clear()
    compiler._compiled.clear()


def first_grad_and_call(f, args) -> float:
    start = time.perf_counter()
    adcompile.grad(f)(*args)
    return time.perf_counter() - start


def transform_in_process(repeat: int = 15) -> Row:
    f, args = models.twenty_lines, models.twenty_lines_data()
    clear_caches()
    first_grad_and_call(f, args)  # one-time work: file read, libcst warm-up
    samples = []
    for _ in range(repeat):
        clear_caches()
        samples.append(first_grad_and_call(f, args))
    clear_caches()
    timing = Timing(samples)
    return Row(
        "transform: first grad(f)+call, 20-line f, caches cleared",
        timing,
        target=f"median < {TRANSFORM_TARGET * 1e3:.0f} ms",
        ok=timing.median < TRANSFORM_TARGET,
    )


_CHILD = """
import sys, time, json
sys.path[:0] = {paths!r}
import timing
timing.ensure_adcompile_importable()
import adcompile, models
args = models.twenty_lines_data()
start = time.perf_counter()
adcompile.grad(models.twenty_lines)(*args)
print(json.dumps(time.perf_counter() - start))
"""


def transform_fresh_process(runs: int = 5) -> Row:
    code = _CHILD.format(paths=[str(HERE)])
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE.parent,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    timing = Timing(samples)
    return Row(
        "transform: first grad(f)+call, 20-line f, fresh process",
        timing,
        target=f"median < {TRANSFORM_TARGET * 1e3:.0f} ms",
        ok=timing.median < TRANSFORM_TARGET,
    )


def cache_hit(repeat: int = 15) -> list[Row]:
    f, args = models.twenty_lines, models.twenty_lines_data()
    warm = compiler.compiled(f, 0, "grad")
    # A new grad(f) of a transformed f must reuse the same compiled function.
    fresh = adcompile.grad(f)
    fresh(*args)
    if fresh.compiled is not warm:
        raise AssertionError("grad(f) of an already transformed f re-transformed it")
    namespace = {"compiled": compiler.compiled, "f": f, "adcompile": adcompile}
    namespace.update(args=args, fresh=fresh)
    timings = compare(
        {
            "hit": ('compiled(f, 0, "grad")', namespace),
            "grad+call": ("adcompile.grad(f)(*args)", namespace),
            "call": ("fresh(*args)", namespace),
        },
        repeat=repeat,
        sample_seconds=0.02,
    )
    hit = Row(
        'cache hit: compiler.compiled(f, 0, "grad"), warm',
        timings["hit"],
        target=f"min < {CACHE_HIT_TARGET * 1e6:.0f} us",
        ok=timings["hit"].min < CACHE_HIT_TARGET,
    )
    again = Row(
        "cache hit: new grad(f) + first call / later call",
        timings["grad+call"],
        timings["call"],
    )
    return [hit, again]


def transform() -> list[Row]:
    return [transform_in_process(), transform_fresh_process(), *cache_hit()]


BENCHMARKS = [transform]

if __name__ == "__main__":
    print(format_table(transform()))
