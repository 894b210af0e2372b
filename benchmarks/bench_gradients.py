"""adcompile's gradient vs the hand-written numpy gradient, side by side.

Run ``python benchmarks/bench_gradients.py``. Both gradients are checked to
agree (``np.allclose``) before either is timed. Target: ratio <= 1.15.
"""

from __future__ import annotations

import numpy as np
from timing import Row, compare, format_table, page_faults_per_call, setup

setup()

import models  # noqa: E402

import adcompile  # noqa: E402

TARGET = 1.15


class WrongGradient(AssertionError):
    pass


def check_same(name: str, got, expected) -> None:
    got_t = got if isinstance(got, tuple) else (got,)
    exp_t = expected if isinstance(expected, tuple) else (expected,)
    if len(got_t) != len(exp_t):
        raise WrongGradient(f"{name}: {len(got_t)} gradients, expected {len(exp_t)}")
    for i, (g, e) in enumerate(zip(got_t, exp_t, strict=True)):
        if np.shape(g) != np.shape(e) or not np.allclose(g, e, rtol=1e-7, atol=1e-10):
            err = (
                np.max(np.abs(np.asarray(g) - e))
                if np.shape(g) == np.shape(e)
                else None
            )
            raise WrongGradient(
                f"{name}: gradient {i} differs from the hand-written one "
                f"(shapes {np.shape(g)} vs {np.shape(e)}, max abs error {err})"
            )


def side_by_side(name, loss, by_hand, args, wrt, repeat) -> Row:
    compiled = adcompile.grad(loss, wrt=wrt)
    expected = by_hand(*args)
    check_same(name, compiled(*args), expected)  # the general code
    check_same(name, compiled(*args), expected)  # the variant for these shapes
    namespace = {"compiled": compiled, "by_hand": by_hand, "args": args}
    timings = compare(
        {
            "adcompile": ("compiled(*args)", namespace),
            "by_hand": ("by_hand(*args)", namespace),
        },
        repeat=repeat,
        sample_seconds=0.02,
    )
    row = Row(
        name,
        timings["adcompile"],
        timings["by_hand"],
        target=f"ratio <= {TARGET:.2f}",
    )
    row.ok = row.ratio <= TARGET
    faults = [page_faults_per_call(g, args) for g in (compiled, by_hand)]
    if None not in faults:
        row.note = (
            f"minor page faults per call: adcompile {faults[0]:.0f}, "
            f"by hand {faults[1]:.0f}"
        )
    return row


def logistic(repeat: int = 41) -> Row:
    return side_by_side(
        "logistic grad / numpy by hand (n=10000, d=100)",
        models.logistic_loss,
        models.logistic_grad_by_hand,
        models.logistic_data(),
        0,
        repeat,
    )


def mlp(repeat: int = 41) -> Row:
    return side_by_side(
        "MLP grad / numpy by hand (256, 784-256-10, tanh)",
        models.mlp_loss,
        models.mlp_grad_by_hand,
        models.mlp_data(),
        ("W1", "b1", "W2", "b2"),
        repeat,
    )


BENCHMARKS = [logistic, mlp]

if __name__ == "__main__":
    print(format_table([bench() for bench in BENCHMARKS]))
