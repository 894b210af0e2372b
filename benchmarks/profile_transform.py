"""Where the transformation time goes, stage by stage (a diagnostic).

Run ``python benchmarks/profile_transform.py [N]``. Transforms
``models.twenty_lines`` N times (default 20) with adcompile's caches cleared,
timing each pipeline stage by wrapping the functions the compiler calls
(read_function, fence.check, normalize, differentiate, emit, executable,
...). Stages are nested (``all_names`` runs inside ``normalize`` as well),
so the rows need not add up to the total. Only this process is patched;
nothing in src/ changes. Stages missing from the current compiler are
skipped. The disk cache is off (ADCOMPILE_CACHE=0) unless ``--disk-cache``
is given; then each run starts from an empty private cache directory and
the key, load and store are timed too. Pass ``--cprofile`` to print
cProfile's top functions as well.
"""

from __future__ import annotations

import cProfile
import importlib
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict

from timing import setup

setup()
os.environ["ADCOMPILE_CACHE"] = "0"  # time the pipeline, not disk-cache hits

import models  # noqa: E402

import adcompile  # noqa: E402
from adcompile._src.compilation import compiler  # noqa: E402

STAGES = [
    ("adcompile._src.compilation.compiler", "resolve_wrt"),
    ("adcompile._src.compilation.compiler", "read_function"),
    ("adcompile._src.read.fence", "check"),
    ("adcompile._src.normal.normalize", "all_names"),
    ("adcompile._src.compilation.compiler", "choose_bindings"),
    ("adcompile._src.compilation.compiler", "normalize"),
    ("adcompile._src.compilation.compiler", "differentiate"),
    ("adcompile._src.reverse.reverse", "substitute"),
    ("adcompile._src.syntax.templates", "simplify"),
    ("adcompile._src.compilation.compiler", "emit"),
    ("adcompile._src.emit.emit", "format_source"),
    ("adcompile._src.compilation.compiler", "executable"),
]
# With the disk cache on (pass --disk-cache), its key, load and store too.
DISK_STAGES = [
    ("adcompile._src.compilation.disk_cache", "key_for"),
    ("adcompile._src.compilation.disk_cache", "load"),
    ("adcompile._src.compilation.disk_cache", "store"),
]

totals: dict[str, float] = defaultdict(float)


def wrap(module_name: str, attr: str) -> bool:
    module = importlib.import_module(module_name)
    original = getattr(module, attr, None)
    if original is None:
        return False
    label = f"{module_name.split('.')[-1]}.{attr}"

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start

    setattr(module, attr, timed)
    return True


def empty_disk_cache() -> None:
    directory = os.environ["ADCOMPILE_CACHE_DIR"]
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                os.unlink(path)


def main(n: int = 20, with_cprofile: bool = False, with_disk_cache=False) -> None:
    if with_disk_cache:
        os.environ["ADCOMPILE_CACHE"] = "1"
    f, args = models.twenty_lines, models.twenty_lines_data()
    adcompile.grad(f)(*args)  # one-time work outside the measurement
    per_run: dict[str, list[float]] = defaultdict(list)
    # Time the whole pipeline unpatched first.
    for _ in range(n):
        compiler.clear_caches()
        empty_disk_cache()
        start = time.perf_counter()
        adcompile.grad(f)(*args)
        per_run["TOTAL (unpatched)"].append(time.perf_counter() - start)
    stages = STAGES + (DISK_STAGES if with_disk_cache else [])
    wrapped = [f"{m.split('.')[-1]}.{a}" for m, a in stages if wrap(m, a)]
    for _ in range(n):
        compiler.clear_caches()
        empty_disk_cache()
        totals.clear()
        start = time.perf_counter()
        adcompile.grad(f)(*args)
        per_run["TOTAL (patched)"].append(time.perf_counter() - start)
        for label in wrapped:
            per_run[label].append(totals.get(label, 0.0))
    print(f"transformation of models.twenty_lines, median of {n} runs:")
    for label, samples in per_run.items():
        print(f"  {label:<28} {statistics.median(samples) * 1e3:8.2f} ms")
    if with_cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            compiler.clear_caches()
            adcompile.grad(f)(*args)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(
        numbers[0] if numbers else 20,
        "--cprofile" in sys.argv,
        "--disk-cache" in sys.argv,
    )
