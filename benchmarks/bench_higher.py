"""Second derivatives: a Hessian-vector product against one gradient.

Run ``python benchmarks/bench_higher.py``. For a 100-dimensional
quadratic-plus-tanh function, ``adcompile.hvp`` (the tangent program of
the gradient code: forward over reverse) must cost at most 4x one gradient
call. Also reported: the emitted hvp function alone, autograd's
``hessian_vector_product``, and a full 10-dimensional Hessian by
``adcompile.hessian`` (ten tangent passes through the gradient).
"""

from __future__ import annotations

from timing import Row, compare, format_table, setup

setup()

import models  # noqa: E402
import numpy as np  # noqa: E402

import adcompile  # noqa: E402
from adcompile._src.compilation import compiler  # noqa: E402

TARGET = 4.0


def hvp_versus_gradient(repeat: int = 15) -> list[Row]:
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(0)
    n = 100
    M = rng.normal(size=(n, n))
    A = (M + M.T) / n
    x, v = rng.normal(size=n), rng.normal(size=n)
    f = models.quadratic_plus_tanh
    gradient = adcompile.grad(f)
    product = adcompile.hvp(f, (x, A), (v, None))
    expected = A @ v - 2 * np.tanh(x) * (1 - np.tanh(x) ** 2) * v
    np.testing.assert_allclose(product, expected, rtol=1e-10)
    emitted = compiler.compiled(gradient, 0, "jvp")
    tangent_name = emitted.tangent_names[0]
    hvp_function = emitted.function

    def reference(x, A):
        return 0.5 * x @ A @ x + anp.sum(anp.tanh(x))

    theirs = autograd.hessian_vector_product(reference)
    np.testing.assert_allclose(theirs(x, A, v), expected, rtol=1e-10)
    namespace = {
        "adcompile": adcompile,
        "f": f,
        "x": x,
        "A": A,
        "v": v,
        "gradient": gradient,
        "hvp_function": hvp_function,
        "theirs": theirs,
        "kw": {tangent_name: v},
    }
    timings = compare(
        {
            "hvp": ("adcompile.hvp(f, (x, A), (v, None))", namespace),
            "emitted": ("hvp_function(x, A, **kw)", namespace),
            "grad": ("gradient(x, A)", namespace),
            "autograd": ("theirs(x, A, v)", namespace),
        },
        repeat=repeat,
    )
    row = Row(
        "hvp (n=100, quadratic + tanh) / one gradient",
        timings["hvp"],
        timings["grad"],
        target=f"ratio <= {TARGET:.0f}",
    )
    row.ok = row.ratio <= TARGET
    return [
        row,
        Row(
            "  emitted hvp function alone / one gradient",
            timings["emitted"],
            timings["grad"],
        ),
        Row(
            "  adcompile.hvp / autograd hessian_vector_product",
            timings["hvp"],
            timings["autograd"],
        ),
    ]


def hessian_ten(repeat: int = 10) -> list[Row]:
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(1)
    x = rng.normal(size=10)
    A = np.eye(10)
    f = models.quadratic_plus_tanh
    hess = adcompile.hessian(f)

    def reference(x, A):
        return 0.5 * x @ A @ x + anp.sum(anp.tanh(x))

    theirs = autograd.hessian(reference)
    np.testing.assert_allclose(hess(x, A), theirs(x, A), rtol=1e-10)
    namespace = {"hess": hess, "theirs": theirs, "x": x, "A": A}
    timings = compare(
        {"ours": ("hess(x, A)", namespace), "theirs": ("theirs(x, A)", namespace)},
        repeat=repeat,
    )
    return [
        Row("hessian (n=10) / autograd.hessian", timings["ours"], timings["theirs"])
    ]


BENCHMARKS = [hvp_versus_gradient, hessian_ten]


if __name__ == "__main__":
    rows = []
    for bench in BENCHMARKS:
        rows.extend(bench())
    print(format_table(rows))
