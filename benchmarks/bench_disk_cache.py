"""The disk cache: first gradient in a new process, warm cache vs transformation.

Run ``python benchmarks/bench_disk_cache.py``.

Each sample is a fresh subprocess that imports adcompile and
``models.twenty_lines`` (a ~20-line numpy function) and then times, with
``perf_counter``, only ``adcompile.grad(f)(*args)``: its first call, which
either reads the entry from a warm disk cache or, with ``ADCOMPILE_CACHE=0``,
runs the whole transformation. Interpreter start and imports are not timed.
Cold and warm processes alternate, and the cache lives in a temporary
directory (never the user's). Before timing, each warm process is checked
to have hit the cache, and its gradient to equal the cold one. Target: the
warm first call >= 10x faster than the cold one (median ratio <= 0.1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from timing import HERE, Row, Timing, format_table, setup

setup()

TARGET_RATIO = 0.1

_CHILD = """
import sys, time, json
sys.path[:0] = {paths!r}
import timing
timing.setup()
import adcompile, models
args = models.twenty_lines_data()
start = time.perf_counter()
gradient = adcompile.grad(models.twenty_lines)(*args)
elapsed = time.perf_counter() - start
print(json.dumps([elapsed, gradient.tolist()]))
"""


def first_call(cache_dir: str, cached: bool) -> tuple[float, list[float], str]:
    env = dict(os.environ, ADCOMPILE_CACHE_DIR=cache_dir, ADCOMPILE_DEBUG_CACHE="1")
    env["ADCOMPILE_CACHE"] = "1" if cached else "0"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(paths=[str(HERE)])],
        capture_output=True,
        text=True,
        cwd=HERE.parent,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the benchmark process failed:\n{out.stderr}")
    elapsed, gradient = json.loads(out.stdout.strip().splitlines()[-1])
    return elapsed, gradient, out.stderr


def disk_cache(runs: int = 7) -> Row:
    with tempfile.TemporaryDirectory(prefix="adcompile-bench-") as root:
        cache_dir = os.path.join(root, "cache")
        _, reference, err = first_call(cache_dir, cached=True)  # fills the cache
        if "disk-cache stored" not in err:
            raise AssertionError(f"the first process stored no entry:\n{err}")
        cold, warm = [], []
        for _ in range(runs):
            elapsed, gradient, _ = first_call(cache_dir, cached=False)
            cold.append(elapsed)
            elapsed, cached_gradient, err = first_call(cache_dir, cached=True)
            if "disk-cache hit" not in err:
                raise AssertionError(f"a warm process missed the cache:\n{err}")
            if not np.allclose(cached_gradient, gradient) or gradient != reference:
                raise AssertionError("the cached gradient differs from the cold one")
            warm.append(elapsed)
    row = Row(
        "disk cache: first grad(f)+call in a new process, warm vs ADCOMPILE_CACHE=0",
        Timing(warm),
        Timing(cold),
        target=f"median ratio <= {TARGET_RATIO} (10x faster)",
    )
    row.ok = row.ratio_median <= TARGET_RATIO
    return row


BENCHMARKS = [disk_cache]

if __name__ == "__main__":
    print(format_table([disk_cache()]))
