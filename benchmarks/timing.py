"""Timing helpers shared by the benchmark scripts.

Timings are taken with ``timeit`` (garbage collection off during a sample),
and candidates that are compared with each other are measured interleaved:
every round times each candidate once, so drift in machine load hits all of
them alike. Each candidate's ``number`` (calls per sample) is calibrated so
that one sample takes about ``sample_seconds``; the reported per-call times
are the min and the median over the samples.
"""

from __future__ import annotations

import atexit
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import timeit
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


def setup() -> None:
    """Call before importing adcompile: find it, and give it a private disk cache.

    adcompile is imported from this checkout's ``src/`` (ahead of any
    installed copy, so the benchmarks measure the code next to them). Its
    disk cache of emitted code is pointed at a temporary
    directory (removed at exit; inherited by subprocesses), so the benchmarks
    neither read entries left by earlier runs nor leave entries in the
    user's cache. A directory already set in ``ADCOMPILE_CACHE_DIR`` is kept.
    """
    src = str(HERE.parent / "src")
    if (HERE.parent / "src" / "adcompile").is_dir() and src not in sys.path:
        sys.path.insert(0, src)
    if "ADCOMPILE_CACHE_DIR" not in os.environ:
        directory = tempfile.mkdtemp(prefix="adcompile-bench-cache-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["ADCOMPILE_CACHE_DIR"] = directory


@dataclass
class Timing:
    """Per-call seconds over several samples."""

    samples: list[float]

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def calibrate(timer: timeit.Timer, sample_seconds: float) -> int:
    """Calls per sample so that one sample takes about ``sample_seconds``."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= sample_seconds / 5 or number >= 10**7:
            break
        number *= 10
    return max(1, int(number * sample_seconds / max(elapsed, 1e-9)))


def compare(
    candidates: dict[str, tuple[str, dict]],
    repeat: int = 15,
    sample_seconds: float = 0.05,
) -> dict[str, Timing]:
    """Time ``{name: (statement, globals)}`` interleaved; per-call timings.

    Statements are strings run by ``timeit`` in the given globals, so the
    timed loop calls the function directly, with no wrapper of ours around it.
    """
    timers = {
        name: timeit.Timer(stmt, globals=namespace)
        for name, (stmt, namespace) in candidates.items()
    }
    for timer in timers.values():  # warm up: caches, first-call paths, BLAS
        timer.timeit(3)
    numbers = {name: calibrate(t, sample_seconds) for name, t in timers.items()}
    samples: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(repeat):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    return {name: Timing(s) for name, s in samples.items()}


class OtherLoad:
    """CPU time other processes used while we ran, in cores (Linux only).

    Busy time of all CPUs from /proc/stat minus this process's own CPU time
    (children included), divided by the wall time. None where /proc/stat is
    unavailable.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat") as stat:
                fields = [int(x) for x in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        busy = (sum(fields) - fields[3] - fields[4]) / ticks  # minus idle, iowait
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return busy, own, time.perf_counter()

    def cores(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None:
            return None
        busy, own, wall = (b - a for a, b in zip(self._start, end, strict=True))
        return max(busy - own, 0.0) / wall if wall > 0 else None


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e9:.0f} ns"


def blas_summary() -> str:
    """One line about the BLAS numpy uses (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        found = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if found:
            i = found[0]
            return (
                f"{i.get('internal_api')} {i.get('version')} "
                f"core={i.get('architecture')} threads={i.get('num_threads')} "
                "(threadpoolctl)"
            )
    try:
        import numpy as np

        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        config = " ".join(str(blas.get("openblas configuration", "")).split())
        return f"{blas.get('name')} {blas.get('version')}: {config} (numpy build)"
    except Exception:  # the summary is informative only
        return "unknown (threadpoolctl not installed, numpy build info unavailable)"


def header() -> str:
    import numpy as np

    import adcompile

    env = {
        k: os.environ[k]
        for k in (
            "OPENBLAS_CORETYPE",
            "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
        )
        if k in os.environ
    }
    env_text = " ".join(f"{k}={v}" for k, v in env.items()) or "(none set)"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return "\n".join(
        [
            f"python {platform.python_version()} ({platform.machine()}), "
            f"numpy {np.__version__}, {os.cpu_count()} cpu(s)",
            f"adcompile {adcompile.__version__} from {Path(adcompile.__file__).parent}",
            f"BLAS: {blas_summary()}",
            f"BLAS env: {env_text}",
            f"load average (1 min) before the run: {load:.2f} "
            "(other processes on these cores skew the timings)",
        ]
    )


@dataclass
class Row:
    """One line of the results table.

    ``value`` is adcompile's time; ``reference`` the time it is compared
    with (hand-written numpy, autograd), if any. ``ok`` is None for rows
    reported without a target.
    """

    name: str
    value: Timing
    reference: Timing | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.reference is None else self.value.min / self.reference.min

    @property
    def ratio_median(self) -> float | None:
        if self.reference is None:
            return None
        return self.value.median / self.reference.median


def format_table(rows: list[Row]) -> str:
    titles = (
        "measurement",
        "adcompile",
        "(median)",
        "reference",
        "(median)",
        "ratio",
        "(median)",
        "target",
        "result",
    )
    lines = []
    for row in rows:
        ref = row.reference
        lines.append(
            (
                row.name,
                format_seconds(row.value.min),
                format_seconds(row.value.median),
                "" if ref is None else format_seconds(ref.min),
                "" if ref is None else format_seconds(ref.median),
                "" if row.ratio is None else f"{row.ratio:.3g}",
                "" if row.ratio_median is None else f"{row.ratio_median:.3g}",
                row.target,
                {True: "PASS", False: "MISS", None: "-"}[row.ok],
            )
        )
    widths = [
        max(len(str(x)) for x in column) for column in zip(titles, *lines, strict=False)
    ]

    def render(cells):
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=False)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    notes = [f"  {row.name}: {row.note}" for row in rows if row.note]
    notes = ["", "notes:", *notes] if notes else []
    return "\n".join([render(titles), rule, *(render(c) for c in lines), *notes])


def page_faults_per_call(function, args: tuple, calls: int = 50) -> float | None:
    """Minor page faults per call of ``function(*args)`` (None off Unix).

    Memory freshly taken from the operating system faults on first touch;
    when a function's temporaries make the allocator give memory back at
    every return and take it again at the next call, this shows it.
    """
    try:
        import resource
    except ImportError:
        return None
    function(*args)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        function(*args)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    return (after - before) / calls


def peak_bytes(function, args: tuple, warm: bool = True) -> int:
    """Peak bytes allocated during one call, above what was live before it.
    ``warm``: call it twice first, so that first-call work (compilation,
    caches) is not counted, nor the second call's (the variant for these
    shapes)."""
    if warm:
        function(*args)
        function(*args)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        function(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
