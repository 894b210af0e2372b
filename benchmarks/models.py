"""The functions the benchmarks differentiate, and their hand-written gradients.

adcompile reads source with ``inspect``, so the functions it differentiates
live here, in a real module. Each ``*_grad_by_hand`` is what a careful numpy
user writes for the same gradient; the benchmarks check that adcompile's
gradient matches it before timing either.
"""

import numpy as np

# --- logistic regression: mean binary cross-entropy, gradient wrt w ---------


def logistic_loss(w, X, y):
    z = X @ w
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_grad_by_hand(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (p - y) / X.shape[0]


def logistic_data(n=10000, d=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) * 0.1
    y = (rng.random(n) < 0.5).astype(float)
    return w, X, y


# --- 2-layer MLP, softmax cross-entropy, gradient wrt (W1, b1, W2, b2) -------


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * (z - lse), axis=1))


def mlp_grad_by_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    dz = (e / np.sum(e, axis=1, keepdims=True) - Y) / X.shape[0]
    dh = dz @ W2.T
    da = dh * (1 - h * h)
    return X.T @ da, np.sum(da, axis=0), h.T @ dz, np.sum(dz, axis=0)


def mlp_data(batch=256, sizes=(784, 256, 10), seed=0):
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = sizes
    W1 = rng.normal(size=(n_in, n_hidden)) / np.sqrt(n_in)
    b1 = np.zeros(n_hidden)
    W2 = rng.normal(size=(n_hidden, n_out)) / np.sqrt(n_hidden)
    b2 = np.zeros(n_out)
    X = rng.normal(size=(batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, size=batch)]
    return W1, b1, W2, b2, X, Y


# --- per-call overhead -------------------------------------------------------


def tiny(x):
    return x**2 + 3 * x


# --- transformation time: a ~20-line numpy function ---------------------------


def twenty_lines(w, b, X, y, alpha):
    z = X @ w + b
    a = np.tanh(z)
    s = np.sin(a) * np.cos(z)
    e = np.exp(-0.5 * z * z)
    r = a * s + e / (1.0 + e)
    q = np.sqrt(1.0 + r * r)
    t = np.log(q) - 0.25 * a
    u = np.maximum(t, 0.0) + np.minimum(t, 0.0) * 0.1
    v = u - np.mean(u)
    m = np.max(v)
    k = v - m
    lse = np.log(np.sum(np.exp(k))) + m
    d = y - v
    sq = d * d
    reg = alpha * np.sum(w * w) + alpha * b * b
    c = np.abs(w).sum()
    out = np.mean(sq) + lse / 10.0
    out = out + reg + 0.01 * c
    return out


def twenty_lines_data(n=50, d=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=d), 0.3, rng.normal(size=(n, d)), rng.normal(size=n), 0.01


def quadratic_plus_tanh(x, A):
    """The Hessian-vector product benchmark's function."""
    return 0.5 * x @ A @ x + np.sum(np.tanh(x))
