"""Per-call overhead on a tiny scalar function, f(x) = x**2 + 3*x.

Run ``python benchmarks/bench_overhead.py``. Compares one call of
``adcompile.grad(f)`` with one call of ``autograd.grad(f)`` (target:
adcompile at least 5x faster), and reports the raw per-call time of
adcompile's ``GradientFunction`` and of the emitted function it wraps
(``adcompile.grad(f).compiled.function``).
"""

from __future__ import annotations

from timing import Row, compare, format_table, setup

setup()

import models  # noqa: E402

import adcompile  # noqa: E402

SPEEDUP = 5.0


def overhead(repeat: int = 15) -> list[Row]:
    import autograd

    f = models.tiny
    x = 1.5
    ours = adcompile.grad(f)
    theirs = autograd.grad(f)
    emitted = ours.compiled.function
    expected = 2 * x + 3
    for name, g in (("adcompile", ours), ("autograd", theirs), ("emitted", emitted)):
        if abs(g(x) - expected) > 1e-12:
            raise AssertionError(
                f"{name} gradient of tiny at {x}: {g(x)} != {expected}"
            )
    namespace = {"ours": ours, "theirs": theirs, "emitted": emitted, "f": f, "x": x}
    timings = compare(
        {
            "adcompile": ("ours(x)", namespace),
            "autograd": ("theirs(x)", namespace),
            "emitted": ("emitted(x)", namespace),
            "f": ("f(x)", namespace),
        },
        repeat=repeat,
        sample_seconds=0.02,
    )
    vs_autograd = Row(
        "tiny f: grad call / autograd.grad call",
        timings["adcompile"],
        timings["autograd"],
        target=f"ratio <= {1 / SPEEDUP:.2f} ({SPEEDUP:.0f}x faster)",
    )
    vs_autograd.ok = vs_autograd.ratio <= 1 / SPEEDUP
    return [
        vs_autograd,
        Row("tiny f: adcompile.grad(f)(x), per call", timings["adcompile"]),
        Row("tiny f: grad(f).compiled.function(x), per call", timings["emitted"]),
        Row("tiny f: f(x) itself, per call", timings["f"]),
    ]


BENCHMARKS = [overhead]

if __name__ == "__main__":
    print(format_table(overhead()))
