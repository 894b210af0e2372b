"""Gaussian mixture model objective (ADBench "GMM"), in plain NumPy.

The negative log-likelihood of ``n`` points ``x`` (n, d) under a mixture of
``k`` Gaussians with weights ``alphas`` (k,), means ``means`` (k, d) and
inverse covariance factors ``icf`` (k, d + d(d-1)/2): ``icf[:, :d]`` are the
logs of the diagonal of each factor, ``icf[:, d:]`` its strictly lower
triangle, column by column; plus a Wishart prior (gamma, m). Written twice:
vectorized over points (as ADBench's PyTorch version) and as a Python loop
over points. ``gmm_grad_by_hand`` is the hand-written gradient of the
vectorized form (ADBench/GradBench have a manual one too).
"""

from __future__ import annotations

import math

import numpy as np


def tril_index(d):
    """Index into a row of ``icf`` of each entry of the factor L (d, d), and
    the mask of its strictly lower triangle (0 elsewhere)."""
    upper_r, upper_c = np.triu_indices(d, 1)  # row-major upper = column-major lower
    idx = np.zeros((d, d), dtype=np.intp)
    idx[upper_c, upper_r] = d + np.arange(upper_r.size)
    return idx, (idx > 0).astype(np.float64)


def multigammaln(a, p):
    """log of the multivariate gamma function (a constant of the prior)."""
    out = 0.25 * p * (p - 1) * math.log(math.pi)
    for j in range(1, p + 1):
        out = out + math.lgamma(a + (1 - j) / 2)
    return out


def logsumexp(v):
    mx = np.max(v)
    return np.log(np.sum(np.exp(v - mx))) + mx


def logsumexp_rows(a):
    mx = np.max(a, axis=1)
    return np.log(np.sum(np.exp(a - mx[:, None]), axis=1)) + mx


def log_wishart_prior(p, gamma, m, sum_qs, qdiags, icf):
    n = p + m + 1
    k = icf.shape[0]
    frobenius = np.sum(qdiags**2, axis=1) + np.sum(icf[:, p:] ** 2, axis=1)
    out = np.sum(0.5 * gamma * gamma * frobenius - m * sum_qs)
    c = n * p * math.log(gamma / math.sqrt(2))
    return out - k * (c - multigammaln(0.5 * n, p))


def gmm_objective(alphas, means, icf, x, gamma, m):
    n, d = x.shape
    qdiags = np.exp(icf[:, :d])
    sum_qs = np.sum(icf[:, :d], axis=1)
    idx, mask = tril_index(d)
    ls = icf[:, idx] * mask
    xcentered = x[:, None, :] - means[None, :, :]
    lxcentered = qdiags * xcentered + np.einsum("kij,nkj->nki", ls, xcentered)
    sqsum = np.sum(lxcentered**2, axis=2)
    inner = alphas + sum_qs - 0.5 * sqsum
    slse = np.sum(logsumexp_rows(inner))
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    prior = log_wishart_prior(d, gamma, m, sum_qs, qdiags, icf)
    return constant + slse - n * logsumexp(alphas) + prior


def gmm_objective_loop(alphas, means, icf, x, gamma, m):
    n, d = x.shape
    qdiags = np.exp(icf[:, :d])
    sum_qs = np.sum(icf[:, :d], axis=1)
    idx, mask = tril_index(d)
    ls = icf[:, idx] * mask
    slse = 0.0
    for i in range(n):
        xcentered = x[i] - means
        lxcentered = qdiags * xcentered + np.einsum("kij,kj->ki", ls, xcentered)
        inner = alphas + sum_qs - 0.5 * np.sum(lxcentered**2, axis=1)
        slse = slse + logsumexp(inner)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    prior = log_wishart_prior(d, gamma, m, sum_qs, qdiags, icf)
    return constant + slse - n * logsumexp(alphas) + prior


def inputs(d, k, n, seed=0):
    """ADBench-like data: (alphas, means, icf, x, gamma, m)."""
    rng = np.random.default_rng(seed)
    alphas = rng.standard_normal(k)
    means = rng.random((k, d))
    icf = 0.5 * rng.standard_normal((k, d + d * (d - 1) // 2))
    x = rng.standard_normal((n, d))
    return alphas, means, icf, x, 1.0, 0


def gmm_grad_by_hand(alphas, means, icf, x, gamma, m):
    """Gradient of ``gmm_objective`` wrt (alphas, means, icf), by hand."""
    n, d = x.shape
    q = icf[:, :d]
    qdiags = np.exp(q)
    idx, mask = tril_index(d)
    ls = icf[:, idx] * mask
    xc = x[:, None, :] - means[None, :, :]  # (n, k, d)
    z = qdiags * xc + np.einsum("kij,nkj->nki", ls, xc)
    inner = alphas + np.sum(q, axis=1) - 0.5 * np.sum(z * z, axis=2)
    p = np.exp(inner - np.max(inner, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)  # d objective / d inner
    soft_alphas = np.exp(alphas - np.max(alphas))
    soft_alphas /= np.sum(soft_alphas)
    p_k = np.sum(p, axis=0)
    dalphas = p_k - n * soft_alphas
    dz = -p[:, :, None] * z  # (n, k, d)
    dqdiags = np.einsum("nki,nki->ki", dz, xc) + gamma * gamma * qdiags
    dls = np.einsum("nki,nkj->kij", dz, xc) * mask
    dxc = qdiags * dz + np.einsum("kij,nki->nkj", ls, dz)
    dicf = np.empty_like(icf)
    dicf[:, :d] = dqdiags * qdiags + (p_k - m)[:, None]
    dicf[:, idx[mask > 0]] = dls[:, mask > 0]
    dicf[:, d:] += gamma * gamma * icf[:, d:]
    dmeans = -np.sum(dxc, axis=0)
    return dalphas, dmeans, dicf
