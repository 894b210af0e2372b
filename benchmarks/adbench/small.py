"""Small workloads against hand-written gradients: an unbatched RNN (``h`` a
vector, the loss summed at every step), logistic regression, a small MLP."""

from __future__ import annotations

import numpy as np

# --- unbatched RNN ------------------------------------------------------------


def rnn_loss(wx, wh, b, xs):
    h = np.zeros(wh.shape[0])
    loss = 0.0
    for x in xs:
        h = np.tanh(wx @ x + wh @ h + b)
        loss = loss + np.sum(h * h)
    return loss


def rnn_grad_by_hand(wx, wh, b, xs):
    h = np.zeros(wh.shape[0])
    hs = [h]
    for x in xs:
        h = np.tanh(wx @ x + wh @ h + b)
        hs.append(h)
    dwx = np.zeros_like(wx)
    dwh = np.zeros_like(wh)
    db = np.zeros_like(b)
    dh = np.zeros_like(h)
    for t in range(len(xs) - 1, -1, -1):
        h = hs[t + 1]
        dz = (dh + 2.0 * h) * (1.0 - h * h)
        dwx += np.outer(dz, xs[t])
        dwh += np.outer(dz, hs[t])
        db += dz
        dh = wh.T @ dz
    return dwx, dwh, db


def rnn_inputs(steps, hidden, inp=8, seed=0):
    rng = np.random.default_rng(seed)
    wx = 0.3 * rng.standard_normal((hidden, inp))
    wh = 0.3 * rng.standard_normal((hidden, hidden))
    b = 0.1 * rng.standard_normal(hidden)
    xs = rng.standard_normal((steps, inp))
    return wx, wh, b, xs


# --- logistic regression ------------------------------------------------------


def logistic_loss(w, x, y):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_grad_by_hand(w, x, y):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return x.T @ (p - y) / y.shape[0]


def logistic_inputs(n, d, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    w = 0.1 * rng.standard_normal(d)
    y = (rng.random(n) < 0.5).astype(np.float64)
    return w, x, y


# --- MLP ----------------------------------------------------------------------


def mlp_loss(w1, b1, w2, b2, x, onehot):
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(onehot * logp) / x.shape[0]


def mlp_grad_by_hand(w1, b1, w2, b2, x, onehot):
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    dz = (e / np.sum(e, axis=1, keepdims=True) - onehot) / x.shape[0]
    dh = (dz @ w2.T) * (1.0 - h * h)
    return x.T @ dh, np.sum(dh, axis=0), h.T @ dz, np.sum(dz, axis=0)


def mlp_inputs(batch, inp, hidden, out, seed=0):
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((inp, hidden)) / np.sqrt(inp)
    b1 = np.zeros(hidden)
    w2 = rng.standard_normal((hidden, out)) / np.sqrt(hidden)
    b2 = np.zeros(out)
    x = rng.standard_normal((batch, inp))
    onehot = np.eye(out)[rng.integers(0, out, batch)]
    return w1, b1, w2, b2, x, onehot
