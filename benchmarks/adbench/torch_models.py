"""The same objectives written with PyTorch (the optional ``bench`` extra).

``build(case)`` returns a function of no arguments that computes what
``case`` asks for (the gradient wrt ``case.wrt``, or the k-means direction)
with ``torch.autograd``, on float64 tensors made once from ``case.args``;
it returns tensors (``to_numpy`` converts them for the check).
"""

from __future__ import annotations

import math

import torch

from . import gmm as np_gmm


def _gmm_prior(d, gamma, m, sum_qs, qdiags, icf):
    n = d + m + 1
    k = icf.shape[0]
    frobenius = torch.sum(qdiags**2, 1) + torch.sum(icf[:, d:] ** 2, 1)
    out = torch.sum(0.5 * gamma * gamma * frobenius - m * sum_qs)
    c = n * d * math.log(gamma / math.sqrt(2))
    return out - k * (c - np_gmm.multigammaln(0.5 * n, d))


def _gmm_parts(icf, d):
    idx, mask = np_gmm.tril_index(d)
    ls = icf[:, torch.as_tensor(idx)] * torch.as_tensor(mask)
    return torch.exp(icf[:, :d]), torch.sum(icf[:, :d], 1), ls


def gmm_objective(alphas, means, icf, x, gamma, m):
    n, d = x.shape
    qdiags, sum_qs, ls = _gmm_parts(icf, d)
    xc = x[:, None, :] - means[None]
    lxc = qdiags * xc + torch.einsum("kij,nkj->nki", ls, xc)
    inner = alphas + sum_qs - 0.5 * torch.sum(lxc**2, 2)
    slse = torch.sum(torch.logsumexp(inner, 1))
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    prior = _gmm_prior(d, gamma, m, sum_qs, qdiags, icf)
    return constant + slse - n * torch.logsumexp(alphas, 0) + prior


def gmm_objective_loop(alphas, means, icf, x, gamma, m):
    n, d = x.shape
    qdiags, sum_qs, ls = _gmm_parts(icf, d)
    slse = 0.0
    for i in range(n):
        xc = x[i] - means
        lxc = qdiags * xc + torch.einsum("kij,kj->ki", ls, xc)
        slse = slse + torch.logsumexp(alphas + sum_qs - 0.5 * torch.sum(lxc**2, 1), 0)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    prior = _gmm_prior(d, gamma, m, sum_qs, qdiags, icf)
    return constant + slse - n * torch.logsumexp(alphas, 0) + prior


def lstm_objective(main_params, extra_params, state, sequence):
    b = state.shape[1]
    hidden = [state[i] for i in range(0, state.shape[0], 2)]
    cell = [state[i] for i in range(1, state.shape[0], 2)]
    total = 0.0
    for t in range(sequence.shape[0] - 1):
        x = sequence[t] * extra_params[0]
        for i in range(len(hidden)):
            gates = (
                torch.cat((x, hidden[i], x, hidden[i])) * main_params[2 * i]
                + main_params[2 * i + 1]
            )
            forget = torch.sigmoid(gates[:b])
            ingate = torch.sigmoid(gates[b : 2 * b])
            outgate = torch.sigmoid(gates[2 * b : 3 * b])
            change = torch.tanh(gates[3 * b :])
            cell[i] = cell[i] * forget + ingate * change
            hidden[i] = outgate * torch.tanh(cell[i])
            x = hidden[i]
        ypred = x * extra_params[1] + extra_params[2]
        ynorm = ypred - torch.log(torch.sum(torch.exp(ypred)) + 2)
        total = total + torch.sum(sequence[t + 1] * ynorm)
    return -total / ((sequence.shape[0] - 1) * b)


lstm_objective_renamed = lstm_objective  # the same model (a NumPy-side rename)


def _rotate(rot, x):
    theta = torch.sqrt(torch.sum(rot**2, 1))[:, None]
    w = rot / theta
    tmp = torch.sum(w * x, 1)[:, None] * (1.0 - torch.cos(theta))
    return x * torch.cos(theta) + torch.linalg.cross(w, x) * torch.sin(theta) + w * tmp


def ba_objective(cams, x, w, obs, feats):
    cams = cams[obs[:, 0]]
    xcam = _rotate(cams[:, 0:3], x[obs[:, 1]] - cams[:, 3:6])
    proj = xcam[:, 0:2] / xcam[:, 2:3]
    rsq = torch.sum(proj**2, 1)[:, None]
    distorted = proj * (1.0 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq)
    reproj = w[:, None] * (distorted * cams[:, 6:7] + cams[:, 7:9] - feats)
    return torch.sum(reproj**2) + torch.sum((1.0 - w**2) ** 2)


def ba_objective_loop(cams, x, w, obs, feats):
    total = 0.0
    for j in range(obs.shape[0]):
        cam = cams[obs[j, 0]]
        xcam = _rotate(cam[None, 0:3], (x[obs[j, 1]] - cam[3:6])[None])[0]
        proj = xcam[0:2] / xcam[2]
        rsq = torch.sum(proj**2)
        distorted = proj * (1.0 + cam[9] * rsq + cam[10] * rsq * rsq)
        reproj = w[j] * (distorted * cam[6] + cam[7:9] - feats[j])
        total = total + torch.sum(reproj**2) + (1.0 - w[j] ** 2) ** 2
    return total


def det_by_minor(a):
    n = a.shape[0]
    if n == 1:
        return a[0, 0]
    total = 0.0
    sign = 1.0
    for j in range(n):
        minor = torch.cat((a[1:, :j], a[1:, j + 1 :]), 1)
        total = total + sign * a[0, j] * det_by_minor(minor)
        sign = -sign
    return total


def ode_objective(x, s):
    h = 2.0 / s
    y = torch.zeros_like(x)

    def fun(y):
        return torch.cat((x[:1], x[1:] * y[:-1]))

    for _ in range(s):
        k1 = fun(y)
        k2 = fun(y + h / 2 * k1)
        k3 = fun(y + h / 2 * k2)
        k4 = fun(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y[-1]


def kmeans_cost(points, centroids):
    a_sqr = torch.sum(points**2, 1)[None, :]
    b_sqr = torch.sum(centroids**2, 1)[:, None]
    dists = a_sqr + b_sqr - 2 * (centroids @ points.T)
    return torch.sum(torch.min(dists, 0).values)


def kmeans_cost_loop(points, centroids):
    total = 0.0
    for i in range(points.shape[0]):
        total = total + torch.min(torch.sum((centroids - points[i]) ** 2, 1))
    return total


def llsq_objective(x, n):
    powers = torch.arange(x.shape[0], dtype=torch.float64)
    total = 0.0
    for i in range(n):
        ti = -1.0 + i * 2.0 / (n - 1)
        r = math.copysign(1.0, ti) * (ti != 0) - torch.sum(x * ti**powers)
        total = total + r * r
    return total / 2


def rnn_loss(wx, wh, b, xs):
    h = torch.zeros(wh.shape[0], dtype=torch.float64)
    loss = 0.0
    for x in xs:
        h = torch.tanh(wx @ x + wh @ h + b)
        loss = loss + torch.sum(h * h)
    return loss


def logistic_loss(w, x, y):
    p = torch.sigmoid(x @ w)
    return -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def mlp_loss(w1, b1, w2, b2, x, onehot):
    z = torch.tanh(x @ w1 + b1) @ w2 + b2
    return -torch.sum(onehot * torch.log_softmax(z, 1)) / x.shape[0]


def _tensor(value, grad: bool):
    if hasattr(value, "dtype") and value.dtype.kind in "iu":
        return torch.as_tensor(value)
    if hasattr(value, "shape"):
        return torch.tensor(value, dtype=torch.float64, requires_grad=grad)
    return value


def build(case):
    f = globals()[case.objective]
    args = [_tensor(a, i in case.wrt) for i, a in enumerate(case.args)]
    params = [args[i] for i in case.wrt]
    if case.kind == "dir":
        (centroids,) = params
        ones = torch.ones_like(centroids)

        def direction():
            (g,) = torch.autograd.grad(f(*args), centroids, create_graph=True)
            (hessian_ones,) = torch.autograd.grad(g, centroids, ones)
            return (g.detach() / hessian_ones,)

        return direction

    def gradient():
        return torch.autograd.grad(f(*args), params)

    return gradient


def to_numpy(result) -> tuple:
    return tuple(t.detach().numpy() for t in result)
