"""Where adcompile's gradient of one benchmark row spends its time
(``bench_adbench.py --profile=NAME``, a diagnostic).

Two views of the same steady-state gradient calls (the variant for the
row's shapes): cProfile's functions by own time (runtime helpers, numpy
functions), and each line of the emitted code (``<adcompile ...>`` frames)
with its time, inclusive of what it calls, measured by a line tracer (which
adds about a microsecond per line executed: cheap lines look dearer).
"""

from __future__ import annotations

import cProfile
import linecache
import pstats
import sys
import time
import warnings
from collections import defaultdict


def _calls_for(function, args, seconds: float) -> int:
    start = time.perf_counter()
    function(*args)
    one = time.perf_counter() - start
    return max(1, int(seconds / max(one, 1e-9)))


def function_profile(function, args, calls: int, top: int = 15) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        function(*args)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # own times
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]
    print(f"functions by own time ({calls} calls; cProfile):")
    for (filename, line, name), (_, ncalls, own, _cumulative, _) in rows:
        where = filename.rsplit("/", 1)[-1] if filename != "~" else ""
        label = f"{where}:{line}({name})" if where else name
        print(
            f"  {100 * own / total:5.1f}%  {own / calls * 1e3:8.3f} ms/call  "
            f"{ncalls // calls:>6} calls/call  {label[:90]}"
        )


class LineTimer:
    """Inclusive time per line of emitted code, by sys.settrace."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, int], float] = defaultdict(float)
        self.hits: dict[tuple[str, int], int] = defaultdict(int)
        self._last: dict[int, tuple[tuple[str, int], float]] = {}

    def trace(self, frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith("<adcompile"):
            self._last[id(frame)] = ((frame.f_code.co_filename, 0), time.perf_counter())
            return self.local
        return None

    def local(self, frame, event, arg):
        now = time.perf_counter()
        key, since = self._last.get(id(frame), (None, now))
        if key is not None and key[1]:
            self.times[key] += now - since
        if event == "line":
            here = (frame.f_code.co_filename, frame.f_lineno)
            self.hits[here] += 1
            self._last[id(frame)] = (here, time.perf_counter())
        elif event == "return":
            self._last.pop(id(frame), None)
        return self.local


def line_profile(function, args, calls: int, top: int = 15) -> None:
    timer = LineTimer()
    sys.settrace(timer.trace)
    try:
        for _ in range(calls):
            function(*args)
    finally:
        sys.settrace(None)
    total = sum(
        t for (f, line), t in timer.times.items() if "wrt" in f
    )  # every emitted frame's lines; nested frames are counted in their callers too
    rows = sorted(timer.times.items(), key=lambda item: -item[1])[:top]
    print(f"\nemitted lines by time, inclusive of their calls ({calls} calls; traced):")
    for (filename, line), seconds in rows:
        text = linecache.getline(filename, line).strip()
        short = filename.split(" of ", 1)[-1].split(" wrt ")[0].rsplit(".", 1)[-1]
        print(
            f"  {100 * seconds / max(total, 1e-12):5.1f}%  "
            f"{seconds / calls * 1e3:8.3f} ms/call  "
            f"{timer.hits[(filename, line)] // calls:>6}x  {short}:{line}  {text[:100]}"
        )


def report(case, gradient, seconds: float = 2.0) -> None:
    print(f"{case.name}: adcompile's gradient wrt {case.wrt}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gradient(*case.args)  # the general code
        gradient(*case.args)  # the variant for these shapes
        calls = _calls_for(gradient, case.args, seconds)
        function_profile(gradient, case.args, calls)
        line_profile(gradient, case.args, max(1, calls // 3))
