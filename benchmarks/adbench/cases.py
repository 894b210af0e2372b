"""The benchmark rows: each objective, its inputs, the arguments it is
differentiated with respect to, its hand-written gradient, its target.

``case.call`` is the quantity every tool computes: the gradient wrt
``case.wrt`` (a tuple of arrays), or for k-means the Newton direction
gradient / (Hessian times ones). ``make_adcompile(case)`` and
``make_autograd(case)`` return functions of ``*case.args`` computing it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from . import ba, det, gmm, kmeans, llsq, lstm, ode, small


@dataclass
class Case:
    name: str
    module: ModuleType
    objective: str  # a function of ``module``
    args: tuple
    wrt: tuple[int, ...]
    hand: Callable | None = None
    kind: str = "grad"  # or "dir": gradient / (Hessian times ones), k-means
    target: str = ""
    time_hand: bool = True  # False: the hand gradient is the reference only

    @property
    def f(self) -> Callable:
        return getattr(self.module, self.objective)


def _hand_tuple(hand):
    def wrapped(*args):
        out = hand(*args)
        return out if isinstance(out, tuple) else (out,)

    wrapped.__name__ = hand.__name__
    return wrapped


def cases(quick: bool = False, tiny: bool = False) -> list[Case]:
    """Every row. ``quick``: small sizes (the whole run < 1 min); ``tiny``:
    the smoke test's sizes (correctness only)."""
    size = "tiny" if tiny else "quick" if quick else "full"

    def pick(full, quick_, tiny_):
        return {"full": full, "quick": quick_, "tiny": tiny_}[size]

    rows: list[Case] = []
    gmm_hand = _hand_tuple(gmm.gmm_grad_by_hand)
    gmm_sizes = pick(
        [(2, 5, 1000), (10, 25, 1000), (20, 50, 1000), (64, 200, 1000)],
        [(2, 5, 1000), (10, 25, 1000)],
        [(3, 4, 7)],
    )
    for d, k, n in gmm_sizes:
        rows.append(
            Case(
                f"GMM vectorized d={d} K={k} n={n}",
                gmm,
                "gmm_objective",
                gmm.inputs(d, k, n),
                (0, 1, 2),
                gmm_hand,
                target="<= 2.0x",
            )
        )
    for n in pick([100, 1000], [100], [5]):
        d, k = pick((10, 25), (10, 25), (3, 4))
        rows.append(
            Case(
                f"GMM loop over points d={d} K={k} n={n}",
                gmm,
                "gmm_objective_loop",
                gmm.inputs(d, k, n),
                (0, 1, 2),
                gmm_hand,
                target="<= 4x",
                time_hand=False,  # the vectorized one: a reference, not a time
            )
        )
    lstm_sizes = pick([(2, 32), (2, 1024), (4, 1024)], [(2, 32)], [(2, 4)])
    for objective, label in (
        ("lstm_objective", ""),
        ("lstm_objective_renamed", ", renamed"),
    ):
        for l_, c in lstm_sizes:
            b = pick(14, 14, 3)
            rows.append(
                Case(
                    f"LSTM l={l_} c={c} b={b}{label}",
                    lstm,
                    objective,
                    lstm.inputs(l_, c, b),
                    (0, 1),
                    _hand_tuple(lstm.lstm_grad_by_hand),
                    target="<= 4x",
                )
            )
    n, m, p = pick((49, 7776, 31843), (21, 2000, 8000), (3, 5, 8))
    rows.append(
        Case(
            f"BA vectorized n={n} m={m} p={p}" + (" (ba1)" if p == 31843 else ""),
            ba,
            "ba_objective",
            ba.inputs(n, m, p),
            (0, 1, 2),
            _hand_tuple(ba.ba_grad_by_hand),
            target="<= 2.0x",
        )
    )
    n, m, p = pick((49, 1000, 1000), (49, 100, 100), (3, 5, 8))
    rows.append(
        Case(
            f"BA loop n={n} m={m} p={p}",
            ba,
            "ba_objective_loop",
            ba.inputs(n, m, p),
            (0, 1, 2),
            target="<= 4x",
        )
    )
    for ell in pick([5, 7], [5], [4]):
        rows.append(
            Case(
                f"det by minors ell={ell}",
                det,
                "det_by_minor",
                det.inputs(ell),
                (0,),
                _hand_tuple(det.det_grad_by_hand),
                target="<= 6x",
            )
        )
    n, s = pick((1000, 100), (1000, 10), (6, 3))
    rows.append(
        Case(
            f"ODE RK4 n={n} s={s}",
            ode,
            "ode_objective",
            ode.inputs(n, s),
            (0,),
            _hand_tuple(ode.ode_grad_by_hand),
            target="<= 6x",
        )
    )
    for k, n, d in pick([(10, 1000, 8), (100, 10000, 8)], [(10, 300, 8)], [(3, 12, 2)]):
        points_centroids = kmeans.inputs(k, n, d)
        rows.append(
            Case(
                f"k-means dir vectorized k={k} n={n} d={d}",
                kmeans,
                "kmeans_cost",
                points_centroids,
                (1,),
                _hand_tuple(kmeans.kmeans_dir_by_hand),
                kind="dir",
            )
        )
        rows.append(
            Case(
                f"k-means dir loop k={k} n={n} d={d}",
                kmeans,
                "kmeans_cost_loop",
                points_centroids,
                (1,),
                _hand_tuple(kmeans.kmeans_dir_loop_by_hand),
                kind="dir",
                target="<= 4x",
            )
        )
    n, m = pick((16392, 128), (512, 128), (9, 4))
    rows.append(
        Case(
            f"llsq loop n={n} m={m}",
            llsq,
            "llsq_objective",
            llsq.inputs(n, m),
            (0,),
            _hand_tuple(llsq.llsq_grad_by_hand),
            target="<= 4x",
        )
    )
    steps, hidden = pick((50, 16), (50, 16), (4, 3))
    rows.append(
        Case(
            f"RNN unbatched T={steps} hidden={hidden}, loss every step",
            small,
            "rnn_loss",
            small.rnn_inputs(steps, hidden, pick(8, 8, 2)),
            (0, 1, 2),
            _hand_tuple(small.rnn_grad_by_hand),
            target="<= 1.3x hand",
        )
    )
    n, d = pick((1000, 20), (1000, 20), (7, 3))
    rows.append(
        Case(
            f"logistic regression {n}x{d}",
            small,
            "logistic_loss",
            small.logistic_inputs(n, d),
            (0,),
            _hand_tuple(small.logistic_grad_by_hand),
            target="<= 1.5x hand",
        )
    )
    shape = pick((32, 64, 32, 10), (32, 64, 32, 10), (3, 4, 3, 2))
    rows.append(
        Case(
            "MLP {}x{}->{}->{}".format(*shape),
            small,
            "mlp_loss",
            small.mlp_inputs(*shape),
            (0, 1, 2, 3),
            _hand_tuple(small.mlp_grad_by_hand),
            target="<= 1.5x hand",
        )
    )
    return rows


# --- the tools --------------------------------------------------------------


def make_adcompile(case: Case) -> Callable:
    import adcompile

    if case.kind == "dir":
        grad = adcompile.grad(case.f, wrt=case.wrt[0])
        ones = np.ones_like(case.args[case.wrt[0]])
        tangents = tuple(ones if i == case.wrt[0] else None for i in range(2))

        def direction(*args):
            g, hessian_ones = adcompile.jvp(grad, args, tangents)
            return (g / hessian_ones,)

        return direction
    grad = adcompile.grad(case.f, wrt=case.wrt)
    return grad


_AUTOGRAD_MODULES: dict[str, ModuleType] = {}


def autograd_module(module: ModuleType) -> ModuleType:
    """The same source as ``module``, run again with ``np`` = autograd.numpy."""
    import autograd.numpy as anp

    if module.__name__ not in _AUTOGRAD_MODULES:
        name = module.__name__ + "_autograd"
        spec = importlib.util.spec_from_file_location(name, module.__file__)
        copy = importlib.util.module_from_spec(spec)
        sys.modules[name] = copy
        spec.loader.exec_module(copy)
        copy.np = anp
        _AUTOGRAD_MODULES[module.__name__] = copy
    return _AUTOGRAD_MODULES[module.__name__]


def make_autograd(case: Case) -> Callable:
    import autograd

    f = getattr(autograd_module(case.module), case.objective)
    wrt = case.wrt

    def packed(params, args):
        full = list(args)
        for i, p in zip(wrt, params, strict=True):
            full[i] = p
        return f(*full)

    grad = autograd.grad(packed)
    if case.kind == "dir":
        hvp = autograd.hessian_tensor_product(packed)
        ones = (np.ones_like(case.args[wrt[0]]),)

        def direction(*args):
            params = tuple(args[i] for i in wrt)
            return (grad(params, args)[0] / hvp(params, args, ones)[0],)

        return direction

    def gradient(*args):
        return tuple(grad(tuple(args[i] for i in wrt), args))

    return gradient


def as_tuple(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def compare(got, expected, rtol=1e-6, atol=1e-8) -> str | None:
    """None when ``got`` matches ``expected`` (tuples of arrays), else why not."""
    got, expected = as_tuple(got), as_tuple(expected)
    if len(got) != len(expected):
        return f"{len(got)} gradients, expected {len(expected)}"
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        g, e = np.asarray(g), np.asarray(e)
        if g.shape != e.shape:
            return f"gradient {i} has shape {g.shape}, expected {e.shape}"
        scale = max(float(np.max(np.abs(e), initial=0.0)), 1.0)
        if not np.allclose(g, e, rtol=rtol, atol=atol * scale):
            err = float(np.max(np.abs(g - e)))
            return f"gradient {i} differs by up to {err:.3g} (scale {scale:.3g})"
    return None


def finite_differences(case: Case, samples: int = 6, eps: float = 1e-6) -> tuple:
    """Central differences of the objective at a few entries of each wrt
    argument (the rest NaN): enough to catch a wrong gradient."""
    rng = np.random.default_rng(1)
    out = []
    for i in case.wrt:
        x = np.asarray(case.args[i], dtype=np.float64)
        g = np.full(x.shape, np.nan)
        flat = rng.choice(x.size, size=min(samples, x.size), replace=False)
        for j in flat:
            index = np.unravel_index(j, x.shape)
            values = []
            for sign in (1, -1):
                moved = x.copy()
                moved[index] += sign * eps
                args = list(case.args)
                args[i] = moved
                values.append(case.f(*args))
            g[index] = (values[0] - values[1]) / (2 * eps)
        out.append(g)
    return tuple(out)


def compare_sampled(got, sampled, rtol=1e-4) -> str | None:
    """Compare the entries finite differences sampled (the others are NaN)."""
    for i, (g, s) in enumerate(zip(as_tuple(got), sampled, strict=True)):
        mask = ~np.isnan(s)
        g = np.asarray(g)
        scale = max(float(np.max(np.abs(g))), 1e-12)
        if not np.allclose(g[mask], s[mask], rtol=rtol, atol=rtol * scale):
            err = float(np.max(np.abs(g[mask] - s[mask])))
            return f"gradient {i} differs from finite differences by {err:.3g}"
    return None
