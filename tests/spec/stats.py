"""Rows of the scipy.stats.norm rules, present only when scipy is installed.

The methods are spelled as users write them: ``norm.pdf`` (``from
scipy.stats import norm``), ``st.norm.logpdf`` (``import scipy.stats as
st``) and ``scipy.stats.norm.cdf``, with loc and scale positional, by
keyword or left out. Each is differentiated in its argument, loc and scale
together, in reverse and forward mode and to second order, against finite
differences (autograd's versions are in its own ``autograd.scipy.stats``).
Scales are drawn in [0.5, 2] and ppf's probabilities in [0.1, 0.9].
"""

from __future__ import annotations

import numpy as np

from tests.spec.table import data, row, shape_id

try:
    import scipy.stats
    import scipy.stats as st
    from scipy.stats import norm
except ImportError:  # scipy is optional; its rules exist only with it
    norm = None


def norm_pdf(x, mu, s):
    return np.sum(norm.pdf(x, mu, s) * x)


def norm_logpdf(x, mu, s):
    return np.sum(st.norm.logpdf(x, mu, s))


def norm_cdf(x, mu, s):
    return np.sum(scipy.stats.norm.cdf(x, mu, s) * x)


def norm_logcdf(x, mu, s):
    return np.sum(norm.logcdf(x, loc=mu, scale=s))


def norm_sf(x, mu, s):
    return np.sum(st.norm.sf(x, mu, scale=s) ** 2)


def norm_logsf(x, mu, s):
    return np.sum(norm.logsf(x, mu, s) * x)


def norm_ppf(q, mu, s):
    return np.sum(norm.ppf(q, mu, s) ** 2)


def norm_standard(x):
    """Every method with loc and scale left out (the simple templates)."""
    total = norm.pdf(x) + norm.logpdf(x) + norm.cdf(x) + norm.logcdf(x)
    return np.sum(total * x + norm.sf(x) + norm.logsf(x) * x)


def norm_ppf_standard(q):
    return np.sum(norm.ppf(q) ** 3)


def norm_scale_only(x, s):
    """loc left out, scale by keyword: the templates with loc = 0."""
    return np.sum(norm.logpdf(x, scale=s) + norm.cdf(x, scale=s) * x)


if norm is not None:
    _PARAMETERS = [
        ((3,), "float", "float"),
        ((2, 3), (3,), "float"),
        ("float", (3,), (3,)),
    ]
    for _f in [norm_pdf, norm_logpdf, norm_cdf, norm_logcdf, norm_sf, norm_logsf]:
        for _sx, _sm, _ss in _PARAMETERS:
            row(
                f"{_f.__name__}-{shape_id(_sx)}x{shape_id(_sm)}x{shape_id(_ss)}",
                _f,
                data(_sx),
                data(_sm, -0.5, 0.5),
                data(_ss, 0.5, 2.0),
                wrt=(0, 1, 2),
                ag=False,
                second_order=_sx == (3,),
            )
    for _sx, _sm, _ss in _PARAMETERS:
        row(
            f"norm_ppf-{shape_id(_sx)}x{shape_id(_sm)}x{shape_id(_ss)}",
            norm_ppf,
            data(_sx, 0.1, 0.9),
            data(_sm, -0.5, 0.5),
            data(_ss, 0.5, 2.0),
            wrt=(0, 1, 2),
            ag=False,
            second_order=_sx == (3,),
        )
    for _shape in ["float", (3,)]:
        row(
            f"norm_standard-{shape_id(_shape)}",
            norm_standard,
            data(_shape),
            ag=False,
            second_order=True,
        )
        row(
            f"norm_ppf_standard-{shape_id(_shape)}",
            norm_ppf_standard,
            data(_shape, 0.1, 0.9),
            ag=False,
            second_order=True,
        )
    row(
        "norm_scale_only-(3,)x(3,)",
        norm_scale_only,
        data((3,)),
        data((3,), 0.5, 2.0),
        wrt=(0, 1),
        ag=False,
        second_order=True,
    )
