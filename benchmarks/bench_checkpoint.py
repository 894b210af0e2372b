"""Checkpointing: the gradient of a 100,000-step RK4 integration of a
damped pendulum, every step recorded against ``adcompile.checkpoint``.

Run ``python benchmarks/bench_checkpoint.py [--steps N] [--snapshots K]``.
The state is ``y = np.array([theta, omega])``; each step calls the user
function ``pendulum(y, t, params)`` four times; the loss is ``theta**2 +
omega**2`` at the end; the gradient is taken wrt ``(y0, params)``. The two
gradients are checked against each other first, then, in one run:

- peak memory of one gradient call (tracemalloc), each alone;
- time of one gradient call (min over ``--repeats`` calls, the two
  interleaved), and of the function itself.

Targets: checkpointed peak memory <= 10% of the recorded one, and time
<= 3x. Exit status 1 when a gradient disagrees (and, with ``--strict``,
when a target is missed).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc

from timing import setup

setup()

import numpy as np  # noqa: E402

import adcompile  # noqa: E402

DT = 1e-3
SNAPSHOTS: int | None = None  # set from --snapshots (None: adcompile's default)


def pendulum(y, t, params):
    theta = y[0]
    omega = y[1]
    return np.array([omega, -params[0] * np.sin(theta) - params[1] * omega])


def rk4_recorded(y0, params, steps):
    y = y0
    t = 0.0
    for _ in range(steps):
        k1 = pendulum(y, t, params)
        k2 = pendulum(y + DT / 2 * k1, t + DT / 2, params)
        k3 = pendulum(y + DT / 2 * k2, t + DT / 2, params)
        k4 = pendulum(y + DT * k3, t + DT, params)
        y = y + DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + DT
    return y[0] * y[0] + y[1] * y[1]


def rk4_checkpointed(y0, params, steps):
    y = y0
    t = 0.0
    for _ in adcompile.checkpoint(range(steps), snapshots=SNAPSHOTS):
        k1 = pendulum(y, t, params)
        k2 = pendulum(y + DT / 2 * k1, t + DT / 2, params)
        k3 = pendulum(y + DT / 2 * k2, t + DT / 2, params)
        k4 = pendulum(y + DT * k3, t + DT, params)
        y = y + DT / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + DT
    return y[0] * y[0] + y[1] * y[1]


def peak_bytes(function, *args) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seconds(function, *args) -> float:
    gc.collect()
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    global SNAPSHOTS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strict", action="store_true")
    options = parser.parse_args(argv)
    SNAPSHOTS = options.snapshots
    steps = options.steps
    y0, params = np.array([1.0, 0.0]), np.array([9.81, 0.5])
    wrt = ("y0", "params")
    recorded = adcompile.grad(rk4_recorded, wrt=wrt)
    checkpointed = adcompile.grad(rk4_checkpointed, wrt=wrt)

    expected = recorded(y0, params, steps)
    got = checkpointed(y0, params, steps)
    for g, e in zip(got, expected, strict=True):
        if not np.allclose(g, e, rtol=1e-9, atol=1e-12):
            print(f"FAILED: the gradients differ: {got} != {expected}")
            return 1

    memory = {
        "recorded": peak_bytes(recorded, y0, params, steps),
        "checkpointed": peak_bytes(checkpointed, y0, params, steps),
    }
    times: dict[str, list[float]] = {"function": [], "recorded": [], "checkpointed": []}
    for _ in range(options.repeats):  # interleaved: load drift hits all alike
        times["function"].append(seconds(rk4_recorded, y0, params, steps))
        times["recorded"].append(seconds(recorded, y0, params, steps))
        times["checkpointed"].append(seconds(checkpointed, y0, params, steps))
    best = {name: min(values) for name, values in times.items()}

    snapshots = SNAPSHOTS if SNAPSHOTS is not None else "default"
    print(
        f"RK4 damped pendulum, {steps:,} steps, gradient wrt (y0, params), "
        f"snapshots={snapshots} ({adcompile.__file__})"
    )
    print(f"{'':28}{'recorded':>14}{'checkpointed':>14}{'ratio':>9}{'target':>9}")
    memory_ratio = memory["checkpointed"] / memory["recorded"]
    time_ratio = best["checkpointed"] / best["recorded"]
    print(
        f"{'peak memory (tracemalloc)':28}"
        f"{memory['recorded'] / 2**20:>11.1f} MB"
        f"{memory['checkpointed'] / 2**20:>11.2f} MB"
        f"{memory_ratio:>9.3f}{'<= 0.10':>9}"
    )
    print(
        f"{'time of one gradient':28}"
        f"{best['recorded']:>12.3f} s{best['checkpointed']:>12.3f} s"
        f"{time_ratio:>9.2f}{'<= 3':>9}"
    )
    print(
        f"{'gradient / function':28}"
        f"{best['recorded'] / best['function']:>14.2f}"
        f"{best['checkpointed'] / best['function']:>14.2f}"
        f"   (the function alone: {best['function']:.3f} s)"
    )
    missed = memory_ratio > 0.10 or time_ratio > 3.0
    if missed:
        print("a target was missed")
    return 1 if (missed and options.strict) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
