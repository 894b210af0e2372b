"""Statistical models written with ``scipy.stats.norm``, as people write
them: likelihoods, probit and censored regression, a mixture, option
prices, quantiles, an acquisition function; in loops and branches, with
``norm``, ``st.norm`` and ``scipy.stats.norm``. autograd cannot run them
(its norm is ``autograd.scipy.stats.norm``). Empty without scipy."""

import numpy as np

from . import Case

try:
    import scipy.stats
    import scipy.stats as st
    from scipy.stats import norm
except ImportError:  # scipy is optional
    norm = None

RNG = np.random.default_rng(23)
X = RNG.standard_normal((8, 3))
Y = RNG.standard_normal(8) * 1.5 + 0.3
LABELS = (X @ np.array([0.8, -0.5, 0.3]) + 0.3 * RNG.standard_normal(8) > 0) * 1.0


def gaussian_nll(mu, log_sigma, y):
    sigma = np.exp(log_sigma)
    return -np.sum(norm.logpdf(y, mu, sigma))


def regression_nll_keywords(w, log_sigma, X, y):
    return -np.mean(st.norm.logpdf(y, loc=X @ w, scale=np.exp(log_sigma)))


def probit_regression(w, X, y):
    p = norm.cdf(X @ w)
    return -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def probit_regression_stable(w, X, y):
    """log Phi(z) and log(1 - Phi(z)) without forming Phi: finite far in the
    tails, where 1 - Phi(z) is 0 in floating point."""
    z = X @ w
    return -np.sum(y * norm.logcdf(z) + (1.0 - y) * norm.logsf(z))


def tobit_nll(w, log_sigma, X, y, limit):
    """Censored regression: an observation at the limit counts by the
    probability of falling below it."""
    sigma = np.exp(log_sigma)
    mu = X @ w
    total = 0.0
    for i in range(len(y)):
        if y[i] <= limit:
            total = total - norm.logcdf(limit, mu[i], sigma)
        else:
            total = total - norm.logpdf(y[i], mu[i], sigma)
    return total


def mixture_nll(means, log_scales, logit_weight, y):
    w = 1.0 / (1.0 + np.exp(-logit_weight))
    a = np.log(w) + norm.logpdf(y, means[0], np.exp(log_scales[0]))
    b = np.log(1.0 - w) + norm.logpdf(y, means[1], np.exp(log_scales[1]))
    return -np.sum(np.logaddexp(a, b))


def black_scholes_calls(S, K, T, r, sigma):
    d1 = (np.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    calls = S * scipy.stats.norm.cdf(d1) - K * np.exp(-r * T) * scipy.stats.norm.cdf(d2)
    return np.sum(calls)


def quantile_matching(mu, log_s, levels, targets):
    q = norm.ppf(levels, mu, np.exp(log_s))
    return np.sum((q - targets) ** 2)


def expected_improvement(mu, sigma, best):
    """Bayesian optimisation's acquisition function, summed over candidates."""
    z = (best - mu) / sigma
    return np.sum((best - mu) * norm.cdf(z) + sigma * norm.pdf(z))


def survival_in_steps(rates, threshold):
    """A loop that multiplies survival probabilities and stops early."""
    alive = 1.0
    for t in range(len(rates)):
        alive = alive * norm.sf(threshold, loc=rates[t], scale=1.0 + 0.1 * t)
        if alive < 1e-3:
            break
    return -np.log(alive)


CASES = []
if norm is not None:
    CASES = [
        Case(gaussian_nll, (0.2, -0.1, Y), wrt=(0, 1), autograd=False),
        Case(
            regression_nll_keywords,
            (np.array([0.5, -0.2, 0.1]), 0.3, X, Y),
            wrt=(0, 1),
            autograd=False,
        ),
        Case(
            probit_regression, (np.array([0.4, -0.3, 0.2]), X, LABELS), autograd=False
        ),
        Case(
            probit_regression_stable,
            (np.array([0.4, -0.3, 0.2]), X, LABELS),
            autograd=False,
        ),
        # observations 10 to 44 standard deviations on the wrong side: a naive
        # log(norm.cdf(z)) is -inf there
        Case(
            probit_regression_stable,
            (np.array([12.0, -9.0, 6.0]), X, 1.0 - LABELS),
            autograd=False,
            label="far_tail",
        ),
        Case(
            tobit_nll,
            (np.array([0.5, -0.2, 0.1]), 0.2, X, np.maximum(Y, 0.0), 0.0),
            wrt=(0, 1),
            autograd=False,
        ),
        Case(
            mixture_nll,
            (np.array([-1.0, 1.5]), np.array([-0.2, 0.3]), 0.4, Y),
            wrt=(0, 1, 2),
            autograd=False,
        ),
        Case(
            black_scholes_calls,
            (
                np.array([90.0, 100.0, 110.0]),
                100.0,
                0.5,
                0.02,
                np.array([0.2, 0.3, 0.25]),
            ),
            wrt=(0, 2, 4),
            autograd=False,
        ),
        Case(
            quantile_matching,
            (
                0.1,
                0.2,
                np.array([0.1, 0.5, 0.75, 0.95]),
                np.array([-1.0, 0.0, 1.0, 2.5]),
            ),
            wrt=(0, 1),
            autograd=False,
        ),
        Case(
            expected_improvement,
            (np.array([0.3, -0.2, 1.1]), np.array([0.5, 1.0, 0.8]), 0.6),
            wrt=(0, 1, 2),
            autograd=False,
        ),
        Case(
            survival_in_steps,
            (np.array([0.3, -0.4, 0.8, 0.1]), 0.5),
            wrt=(0, 1),
            autograd=False,
        ),
    ]
