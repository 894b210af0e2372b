"""Rows of the scipy.special rules, present only when scipy is installed.

autograd's versions of these functions are reached through its own
``autograd.scipy.special`` module, which the rows do not name, so they are
checked against finite differences (and forward mode and second order)
only. Inputs are inside each function's domain.
"""

from __future__ import annotations

import numpy as np

from tests.spec.table import data, row, shape_id

try:
    from scipy import special
except ImportError:  # scipy is optional; its rules exist only with it
    special = None


def special_logit(x):
    return np.sum(special.logit(x) * x)


def special_log_expit(x):
    return np.sum(special.log_expit(x) * x)


def special_softplus(x):
    return np.sum(special.softplus(x) * x)


def special_erf(x):
    return np.sum(special.erf(x) * x)


def special_erfc(x):
    return np.sum(special.erfc(x) * x)


def special_erfcx(x):
    return np.sum(special.erfcx(x) * x)


def special_erfinv(x):
    return np.sum(special.erfinv(x) * x)


def special_erfcinv(x):
    return np.sum(special.erfcinv(x) * x)


def special_ndtr(x):
    return np.sum(special.ndtr(x) * x)


def special_log_ndtr(x):
    return np.sum(special.log_ndtr(x) * x)


def special_ndtri(x):
    return np.sum(special.ndtri(x) * x)


def special_gammaln(x):
    return np.sum(special.gammaln(x) * x)


def special_gamma(x):
    return np.sum(special.gamma(x) * x)


def special_digamma(x):
    return np.sum(special.digamma(x) * x)


def special_psi(x):
    return np.sum(special.psi(x * x))


def special_entr(x):
    return np.sum(special.entr(x) * x)


def special_polygamma(x):
    return np.sum(special.polygamma(1, x) * x)


def special_betaln(a, b):
    return np.sum(special.betaln(a, b) * a)


def special_xlogy(x, y):
    return np.sum(special.xlogy(x, y) * y)


def special_xlog1py(x, y):
    return np.sum(special.xlog1py(x, y) * y)


def logsumexp_all(a):
    return special.logsumexp(a) * 2.0


def logsumexp_axis(a):
    return np.sum(special.logsumexp(a, axis=-1) ** 2)


def logsumexp_keepdims(a):
    return np.sum(special.logsumexp(a, axis=0, keepdims=True) * a)


def logsumexp_weighted(a, b):
    return np.sum(special.logsumexp(a, axis=1, b=b) ** 2)


def softmax_all(x):
    return np.sum(special.softmax(x) * np.sin(x))


def softmax_axis(x):
    return np.sum(special.softmax(x, axis=-1) * np.sin(x))


def log_softmax_axis(x):
    return np.sum(special.log_softmax(x, axis=0) * np.sin(x))


def log_softmax_all(x):
    return np.sum(special.log_softmax(x) ** 2)


# function -> the interval its inputs are drawn from
UNARY = {
    special_logit: (0.2, 0.8),
    special_log_expit: (-1.5, 1.5),
    special_softplus: (-1.5, 1.5),
    special_erf: (-1.5, 1.5),
    special_erfc: (-1.5, 1.5),
    special_erfcx: (-1.5, 1.5),
    special_erfinv: (-0.8, 0.8),
    special_erfcinv: (0.2, 1.8),
    special_ndtr: (-1.5, 1.5),
    special_log_ndtr: (-1.5, 1.5),
    special_ndtri: (0.1, 0.9),
    special_gammaln: (0.5, 3.0),
    special_gamma: (0.5, 3.0),
    special_digamma: (0.5, 3.0),
    special_psi: (0.8, 2.0),
    special_entr: (0.2, 2.0),
    special_polygamma: (0.5, 3.0),
}

if special is not None:
    for _f, (_low, _high) in UNARY.items():
        if not hasattr(special, _f.__name__.removeprefix("special_")):
            continue  # not in this version of scipy
        for _shape in ["float", (3,), (2, 3)]:
            row(
                f"{_f.__name__}-{shape_id(_shape)}",
                _f,
                data(_shape, _low, _high),
                ag=False,
                second_order=_shape == (3,),  # every elementwise rule
            )
    for _f, _low, _high in [
        (special_betaln, 0.5, 3.0),
        (special_xlogy, 0.3, 2.0),
        (special_xlog1py, 0.3, 2.0),
    ]:
        for _sa, _sb in [((3,), (3,)), ((2, 3), (3,)), ("float", (3,))]:
            row(
                f"{_f.__name__}-{shape_id(_sa)}x{shape_id(_sb)}",
                _f,
                data(_sa, _low, _high),
                data(_sb, _low, _high),
                wrt=(0, 1),
                ag=False,
                second_order=_sa == (3,),
            )
    for _f, _shapes in [
        (logsumexp_all, ["float", (3,), (2, 3)]),
        (logsumexp_axis, [(3,), (2, 3)]),
        (logsumexp_keepdims, [(3,), (2, 3)]),
        (softmax_all, [(3,), (2, 3)]),
        (softmax_axis, [(3,), (2, 3)]),
        (log_softmax_axis, [(3,), (2, 3)]),
        (log_softmax_all, [(3,), (2, 3)]),
    ]:
        for _shape in _shapes:
            row(
                f"{_f.__name__}-{shape_id(_shape)}",
                _f,
                data(_shape),
                ag=False,
                second_order=True,
            )
    for _sa, _sb in [((2, 3), (2, 3)), ((2, 3), (3,))]:
        row(
            f"logsumexp_weighted-{shape_id(_sa)}x{shape_id(_sb)}",
            logsumexp_weighted,
            data(_sa),
            data(_sb, 0.5, 2.0),
            wrt=(0, 1),
            ag=False,
            second_order=True,
        )
