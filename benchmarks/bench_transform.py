"""Transformation time, and the cost of cache hits.

Run ``python benchmarks/bench_transform.py``.

- Transformation: the first ``adcompile.grad(f)`` + first call of a ~20-line
  numpy function (``models.twenty_lines``) with every cache empty, so the
  whole pipeline runs (read, parse, fence, normalize, differentiate, emit,
  compile, and the disk-cache key and store). Measured in this process, with
  every in-memory cache (``compiler.clear_caches``: normal forms, derivatives,
  compiled functions) cleared and the private disk-cache directory emptied
  before each sample,
  and in fresh subprocesses, where the first transformation also pays for
  one-time work (reading the file, warming libcst). Target: < 50 ms.
- Disk-cache hit (reported, no target): the same in this process with the
  emitted code already on disk. (``bench_disk_cache.py`` compares a new
  process's first call with a warm disk cache against ADCOMPILE_CACHE=0.)
- In-memory cache hit: ``compiler.compiled(f, 0, "grad")`` on a warm cache,
  target < 10 us. Also checks that a new ``adcompile.grad(f)`` of an already
  transformed ``f`` reuses the compiled function (no re-transformation), and
  compares its first call with a later call.

The disk cache lives in a temporary directory that ``timing.setup`` made, so
these numbers never depend on what earlier runs left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import (
    HERE,
    Row,
    Timing,
    compare,
    format_table,
    setup,
)

setup()

import models  # noqa: E402

import adcompile  # noqa: E402
from adcompile._src.compilation import compiler  # noqa: E402

TRANSFORM_TARGET = 50e-3
CACHE_HIT_TARGET = 10e-6


def disk_cache_dir() -> Path:
    return Path(os.environ["ADCOMPILE_CACHE_DIR"])


def clear_memory_caches() -> None:
    compiler.clear_caches()


def clear_disk_cache() -> None:
    directory = disk_cache_dir()
    if directory.is_dir():
        for entry in directory.iterdir():
            if entry.is_file():
                entry.unlink()


def first_grad_and_call(f, args) -> float:
    start = time.perf_counter()
    adcompile.grad(f)(*args)
    return time.perf_counter() - start


def in_process(repeat: int = 15) -> list[Row]:
    f, args = models.twenty_lines, models.twenty_lines_data()
    clear_memory_caches()
    clear_disk_cache()
    first_grad_and_call(f, args)  # one-time work: file read, libcst warm-up
    cold, warm = [], []
    for _ in range(repeat):
        clear_memory_caches()
        clear_disk_cache()
        cold.append(first_grad_and_call(f, args))
        clear_memory_caches()  # the entry just stored stays on disk
        warm.append(first_grad_and_call(f, args))
    clear_memory_caches()
    clear_disk_cache()
    cold_t, warm_t = Timing(cold), Timing(warm)
    return [
        Row(
            "transform: first grad(f)+call, no caches, in process",
            cold_t,
            target=f"< {TRANSFORM_TARGET * 1e3:.0f} ms",
            ok=cold_t.min < TRANSFORM_TARGET,
        ),
        Row("disk-cache hit: first grad(f)+call, in process", warm_t),
    ]


_CHILD = """
import sys, time, json
sys.path[:0] = {paths!r}
import timing
timing.setup()
import adcompile, models
args = models.twenty_lines_data()
start = time.perf_counter()
adcompile.grad(models.twenty_lines)(*args)
print(json.dumps(time.perf_counter() - start))
"""


def _child(directory: str) -> tuple[float, str]:
    """Seconds of the first grad+call in a new process; its cache debug lines."""
    env = dict(os.environ, ADCOMPILE_CACHE_DIR=directory, ADCOMPILE_DEBUG_CACHE="1")
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(paths=[str(HERE)])],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def fresh_process(runs: int = 5) -> Row:
    cold = []
    with tempfile.TemporaryDirectory(dir=disk_cache_dir()) as scratch:
        for run in range(runs):
            seconds, log = _child(os.path.join(scratch, str(run)))  # empty
            if "disk-cache hit" in log:
                raise AssertionError(f"a fresh cache directory had a hit: {log}")
            cold.append(seconds)
    timing = Timing(cold)
    return Row(
        "transform: first grad(f)+call, no caches, fresh process",
        timing,
        target=f"< {TRANSFORM_TARGET * 1e3:.0f} ms",
        ok=timing.min < TRANSFORM_TARGET,
    )


def memory_cache_hit(repeat: int = 15) -> list[Row]:
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
        'memory-cache hit: compiler.compiled(f, 0, "grad")',
        timings["hit"],
        target=f"< {CACHE_HIT_TARGET * 1e6:.0f} us",
        ok=timings["hit"].min < CACHE_HIT_TARGET,
    )
    again = Row(
        "memory-cache hit: new grad(f)+first call / later call",
        timings["grad+call"],
        timings["call"],
    )
    return [hit, again]


def transform() -> list[Row]:
    return [*in_process(), fresh_process(), *memory_cache_hit()]


BENCHMARKS = [transform]

if __name__ == "__main__":
    print(format_table(transform()))
