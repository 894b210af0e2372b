"""Realistic numpy programs, as people write them, checked end to end.

Each program below is an ordinary piece of numerical code (losses, layers,
simulations, solvers). Its gradient is checked at inputs away from kinks and
branch boundaries:

- against central finite differences (``check_grad``, or ``check_tree`` for
  dict/list parameters, JAX-pytree style);
- against autograd, where autograd can run the program (no in-place writes,
  no ``math.erf`` or ``scipy``);
- each gradient function is called twice (general code, then the variant
  for the arguments' shapes), and no argument may be mutated.

Programs whose gradient would be lost (an object or closure made from
differentiated values, numpy functions other than ``np.fill_diagonal`` that
write into their arguments, scipy functions without a rule) must be refused
with a located error.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import adcompile
from tests.corpus import Case, params
from tests.gradcheck import (
    assert_not_mutated,
    autograd_clone,
    check_against_autograd,
    check_grad,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:Output seems independent of input:UserWarning"
)

RNG = np.random.default_rng(20240611)


def _normal(*shape, scale=1.0):
    return RNG.standard_normal(shape) * scale


# ---- losses and layers ------------------------------------------------------


def softmax_cross_entropy(logits, labels):
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    n = logits.shape[0]
    return -np.mean(log_probs[np.arange(n), labels])


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def layer_norm(x, gamma, beta):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    out = gamma * xhat + beta
    return np.sum(out * np.cos(out))


def batch_norm(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return np.sum(np.tanh(y) ** 2)


def mlp_relu_l2(W1, b1, W2, b2, X, y, lam=1e-3):
    h = np.maximum(X @ W1 + b1, 0.0)
    out = h @ W2 + b2
    data = np.mean((out - y) ** 2)
    return data + lam * (np.sum(W1**2) + np.sum(W2**2))


def attention(Q, K, V):
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=-1, keepdims=True)
    out = w @ V
    return np.sum(out**2)


def causal_multihead_attention(x, Wqkv, n_heads=2):
    T, D = x.shape
    hd = D // n_heads
    qkv = x @ Wqkv
    q, k, v = qkv[:, :D], qkv[:, D : 2 * D], qkv[:, 2 * D :]
    q = q.reshape(T, n_heads, hd).transpose((1, 0, 2))
    k = k.reshape(T, n_heads, hd).transpose((1, 0, 2))
    v = v.reshape(T, n_heads, hd).transpose((1, 0, 2))
    scores = q @ k.transpose((0, 2, 1)) / math.sqrt(hd)
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    scores = np.where(mask[None, :, :], -1e9, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p = p / p.sum(axis=-1, keepdims=True)
    out = (p @ v).transpose((1, 0, 2)).reshape(T, D)
    return np.sum(np.sin(out))


def gmm_nll(means, log_sigmas, logits, X):
    d = X.shape[1]
    diff = X[:, None, :] - means[None, :, :]
    sq = np.sum(diff**2, axis=-1)
    var = np.exp(2 * log_sigmas)
    log_comp = -0.5 * sq / var - d * log_sigmas - 0.5 * d * np.log(2 * np.pi)
    log_w = logits - np.log(np.sum(np.exp(logits)))
    a = log_comp + log_w
    m = a.max(axis=1, keepdims=True)
    ll = m[:, 0] + np.log(np.exp(a - m).sum(axis=1))
    return -np.sum(ll)


def gp_nll_cholesky(log_params, X, y):
    ell = np.exp(log_params[0])
    sf2 = np.exp(2 * log_params[1])
    sn2 = np.exp(2 * log_params[2])
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf2 * np.exp(-0.5 * sq / ell**2) + sn2 * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    n = len(y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2 * np.pi)


def gp_nll_slogdet(log_params, X, y):
    ell, sf, sn = np.exp(log_params)
    d2 = np.sum(X**2, 1)[:, None] + np.sum(X**2, 1)[None, :] - 2 * X @ X.T
    K = sf**2 * np.exp(-0.5 * d2 / ell**2) + sn**2 * np.eye(X.shape[0])
    sign, logdet = np.linalg.slogdet(K)
    alpha = np.linalg.solve(K, y)
    return 0.5 * (y @ alpha) + 0.5 * logdet


def weighted_logistic_regression(w, b, X, y, sample_weight, lam=1e-2):
    z = X @ w + b
    loss = np.logaddexp(0.0, -y * z)
    return np.sum(sample_weight * loss) / np.sum(sample_weight) + 0.5 * lam * w @ w


def huber_loss(w, X, y, delta=1.0):
    r = X @ w - y
    a = np.abs(r)
    return np.mean(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta)))


def _norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes_call(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * _norm_cdf(d1) - K * math.exp(-r * T) * _norm_cdf(d2)


def black_scholes_book(S, K, T, r, sigma, positions):
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    calls = S * scipy.special.ndtr(d1) - K * np.exp(-r * T) * scipy.special.ndtr(d2)
    return np.sum(positions * calls)


def poisson_regression(w, X, counts):
    rate = np.exp(X @ w)
    ll = scipy.special.xlogy(counts, rate) - rate - scipy.special.gammaln(counts + 1)
    return -np.mean(ll)


def scipy_log_softmax_loss(W, X, labels):
    logp = scipy.special.log_softmax(X @ W, axis=1)
    return -np.sum(logp[np.arange(len(labels)), labels])


# ---- simulations and iterations ---------------------------------------------


def heat_equation(u0, alpha, steps=20):
    u = u0.copy()
    for _ in range(steps):
        lap = u[2:] - 2 * u[1:-1] + u[:-2]
        u[1:-1] += alpha * lap
        u[0] = 0.0
        u[-1] = u[-2]
    return np.sum(u**2)


def spring_mass(k, x0, v0, dt=0.01, steps=500):
    x, v = x0, v0
    energy = 0.0
    for _ in range(steps):
        a = -k * x - 0.1 * v
        v = v + dt * a
        x = x + dt * v
        energy += dt * x * x
        if x < -0.5:
            break
    return energy + x


def newton_cube_root(a):
    x = a
    while abs(x**3 - a) > 1e-10:
        x = x - (x**3 - a) / (3 * x**2)
    return x


def newton_vector_sqrt(a):
    x = np.ones_like(a)
    it = 0
    while np.max(np.abs(x * x - a)) > 1e-12 and it < 50:
        x = 0.5 * (x + a / x)
        it += 1
    return np.sum(x * a)


def horner(coeffs, x):
    acc = np.zeros_like(x)
    for c in coeffs:
        acc = acc * x + c
    return np.sum(acc)


def running_mean(x):
    out = []
    total = 0.0
    for i, v in enumerate(x):
        total = total + v
        out.append(total / (i + 1))
    return np.sum(np.array(out) ** 2) + np.sum(np.cumsum(x) * x)


def conv1d_loss(kernel, signal, target):
    out = np.convolve(signal, kernel, mode="valid")
    return np.mean((out - target) ** 2)


def einsum_contractions(A, x, y, B):
    s = np.einsum("i,ij,j->", x, A, y)
    batch = np.einsum("bij,bjk->bik", B, B)
    t = np.einsum("bii->b", batch)
    return s + np.sum(t**2) + np.einsum("ij,ij", A, A)


def soft_kmeans(centers, X, beta):
    d2 = ((X[:, np.newaxis, :] - centers[np.newaxis, :, :]) ** 2).sum(axis=2)
    logits = -beta * d2
    logits -= logits.max(axis=1, keepdims=True)
    r = np.exp(logits)
    r /= r.sum(axis=1, keepdims=True)
    return np.sum(r * d2)


def _pendulum(state, theta):
    x, v = state[0], state[1]
    return np.array([v, -theta[0] * np.sin(x) - theta[1] * v])


def rk4_pendulum(theta, state0, dt=0.05, steps=40):
    s = state0
    for _ in range(steps):
        k1 = _pendulum(s, theta)
        k2 = _pendulum(s + 0.5 * dt * k1, theta)
        k3 = _pendulum(s + 0.5 * dt * k2, theta)
        k4 = _pendulum(s + dt * k3, theta)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return s[0] ** 2 + 0.5 * s[1]


def rnn_loss(Wh, Wx, X, h0):
    h = h0
    hs = []
    for x_t in X:
        h = np.tanh(Wh @ h + Wx @ x_t)
        hs.append(h)
    H = np.stack(hs)
    return np.sum(H[-1] ** 2) + 0.1 * np.sum(H)


def sinkhorn(C, a, b, eps=0.5, iters=30):
    K = np.exp(-C / eps)
    u = np.ones_like(a)
    for _ in range(iters):
        v = b / (K.T @ u)
        u = a / (K @ v)
    P = u[:, None] * K * v[None, :]
    return np.sum(P * C)


# ---- containers, classes, closures -----------------------------------------


def mlp_dict_params(params, X, y, lam):
    h = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    out = h @ params["W2"] + params["b2"]
    l2 = 0.0
    for name, p in params.items():
        if name.startswith("W"):
            l2 += np.sum(p**2)
    return np.mean((out - y) ** 2) + lam * l2


def dict_values_penalty(params, scale):
    total = 0.0
    for p in params.values():
        total = total + np.sum(np.tanh(p * scale) ** 2)
    return total


def dict_keys_weighted(params, scale):
    total = 0.0
    for name in params.keys():
        weight = 2.0 if name.startswith("W") else 0.5
        total = total + weight * np.sum(params[name] ** 3) * scale
    return total


def dict_items_comprehension(params, scale):
    norms = [np.sum(p * p) * len(name) for name, p in params.items()]
    return sum(n * scale for n in norms) + sum(np.sum(p) for p in params.values())


def deep_mlp_list_params(layers, X, y):
    h = X
    for W, b in layers[:-1]:
        h = np.tanh(h @ W + b)
    W, b = layers[-1]
    out = h @ W + b
    return 0.5 * np.mean((out - y) ** 2)


class Regressor:
    def __init__(self, alpha, projection):
        self.alpha = alpha
        self.projection = projection

    def __eq__(self, other):  # for the harness's not-mutated check
        return (
            type(other) is Regressor
            and self.alpha == other.alpha
            and np.array_equal(self.projection, other.projection)
        )

    def features(self, X):
        return np.tanh(X @ self.projection)

    def loss(self, w, X, y):
        r = self.features(X) @ w - y
        return np.mean(r**2) + self.alpha * np.sum(w**2)


REGRESSOR = Regressor(0.1, _normal(3, 4, scale=0.5))


def regressor_loss(w, model, X, y):
    return model.loss(w, X, y)


class Affine:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def __call__(self, x):
        return x @ self.w + self.b


def affine_object_loss(w, b, X):
    layer = Affine(w, b)
    return np.sum(np.tanh(layer(X)) ** 2)


def make_ridge_loss(X, y, lam):
    def loss(w):
        r = X @ w - y
        return r @ r + lam * w @ w

    return loss


ridge_closure = make_ridge_loss(_normal(6, 3), _normal(6), 0.3)


def _polar(p):
    return p[0] * np.cos(p[1]), p[0] * np.sin(p[1])


def tuple_unpacking(p, q):
    x, y = _polar(p)
    (a, b), c = (q[0], q[1]), q[2]
    x, y = y, x
    return x * a + y * b + c * x * y


def augmented_assignment(x, y):
    z = x.copy()
    z *= 2.0
    z += y
    z -= np.mean(z)
    z /= np.std(z)
    z **= 2
    total = 0.0
    for v in z:
        total += v
    return total * np.sum(x * y)


# ---- indexing, masks, shapes ------------------------------------------------


def masked_mse(pred, target):
    mask = ~np.isnan(target)
    err = pred[mask] - target[mask]
    return np.mean(err**2)


def relu_in_place(x, w):
    h = x @ w
    h[h < 0] = 0.0
    return np.sum(h**2)


def embedding_lookup(E, tokens, target):
    vecs = E[tokens]
    return np.sum((vecs.sum(axis=0) - target) ** 2)


def scatter_add_repeated(v, idx):
    out = np.zeros(4)
    out[idx] += v
    return np.sum(out * np.arange(1.0, 5.0)) + np.sum(out**2)


def ppo_clip(ratio_logits, adv, eps=0.2):
    ratio = np.exp(ratio_logits)
    clipped = np.clip(ratio, 1 - eps, 1 + eps)
    return -np.mean(np.minimum(ratio * adv, clipped * adv))


def reductions(x):
    a = x.max(axis=1, keepdims=True)
    b = x.min(axis=0)
    c = x.std(axis=1, ddof=1)
    d = np.prod(x[:, :2], axis=1)
    e = np.linalg.norm(x, axis=0)
    return np.sum(a * x) + b @ e + np.sum(c) + np.sum(d)


def rbf_kernel_sum(X, Y, gamma):
    d2 = np.sum((X[:, None] - Y[None]) ** 2, axis=-1)
    return np.sum(np.exp(-gamma * d2))


def normal_equations(w, X, y):
    A = X.T @ X
    bvec = X.T @ y
    return 0.5 * w @ A @ w - bvec @ w


def ridge_closed_form(lam, X, y, X_val, y_val):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return np.mean((X_val @ w - y_val) ** 2)


def rank_one_update(u, v, M):
    P = M + np.outer(u, v)
    return np.trace(P @ P.T) + np.linalg.det(P)


def stacked_features(x):
    feats = []
    for p in range(1, 4):
        feats.append(x**p)
    F = np.stack(feats, axis=1)
    G = np.concatenate([x, np.sin(x), F.ravel()])
    return np.sum(F @ np.array([1.0, -0.5, 0.25])) + np.sum(G**2)


def vae_kl(mu, logvar, eps):
    z = mu + np.exp(0.5 * logvar) * eps
    recon = np.sum(z**2)
    kl = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar))
    return recon + kl


def contrastive_cosine(A, B):
    An = A / np.linalg.norm(A, axis=1, keepdims=True)
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    sim = An @ Bn.T
    return -np.sum(np.diag(sim)) + np.log(np.sum(np.exp(sim)))


def triplet_loss(anchor, positive, negative, margin=1.0):
    dp = np.sum((anchor - positive) ** 2, axis=1)
    dn = np.sum((anchor - negative) ** 2, axis=1)
    return np.mean(np.maximum(dp - dn + margin, 0.0))


def total_variation(u, f, lam):
    dx = np.diff(u, axis=1)
    dy = np.diff(u, axis=0)
    tv = np.sum(np.sqrt(dx[:-1, :] ** 2 + dy[:, :-1] ** 2 + 1e-6))
    return 0.5 * np.sum((u - f) ** 2) + lam * tv


def trimmed_mean(x, k=2):
    s = np.sort(x)
    return np.mean(s[k:-k] ** 2)


def reversed_slices(x):
    return np.sum(x[..., ::-1] * x) + np.sum(x[:, -1] ** 3) + np.sum(x[1::2, ::2])


def polyval_fit(coeffs, x, y):
    return np.sum((np.polyval(coeffs, x) - y) ** 2)


def builtin_max_and_sum(x):
    terms = [math.exp(-0.5 * (v - 1.0) ** 2) for v in x]
    return max(terms) + sum(t * t for t in terms) + min(x[0], x[1])


def make_leaky_relu(slope):
    def act(z):
        return np.where(z > 0, z, slope * z)

    return act


def leaky_relu_net(W, slope, X):
    act = make_leaky_relu(slope)
    return np.sum(act(X @ W) ** 2)


def sgd_discounted(w, X, y):
    total = 0.0
    for i, (x_i, y_i) in enumerate(zip(X, y, strict=True)):
        total += (0.9**i) * (x_i @ w - y_i) ** 2
    return total


def center_in_place(x):
    x -= np.mean(x)
    return np.sum(x**3)


def spectral_loss(A):
    S = A + A.T
    vals, vecs = np.linalg.eigh(S)
    s = np.linalg.svd(A, compute_uv=False)
    return vals[-1] + np.sum(vecs[:, -1] ** 4) + np.sum(s)


def gp_nll_fill_diagonal(log_noise, x, y):
    K = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2)
    np.fill_diagonal(K, K.diagonal() + np.exp(log_noise))
    alpha = np.linalg.solve(K, y)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ alpha + 0.5 * logdet


def bag_of_words(E, tokens, weights):
    counts = np.zeros(E.shape[0])
    np.add.at(counts, tokens, weights)
    doc = counts @ E
    return np.sum(np.tanh(doc) ** 2)


def gp_nll_triangular(log_params, X, y):
    ell, sf, sn = np.exp(log_params)
    sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf**2 * np.exp(-0.5 * sq / ell**2) + sn**2 * np.eye(len(y))
    L = np.linalg.cholesky(K)
    z = scipy.linalg.solve_triangular(L, y, lower=True)
    return 0.5 * z @ z + np.sum(np.log(np.diag(L)))


def _clipped_step(x, lr):
    g = 2 * x + np.sin(x)
    norm = np.linalg.norm(g)
    if norm > 1.0:
        return x - lr * g / norm
    return x - lr * g


def gradient_descent_unrolled(x0, lr):
    x = x0
    for _ in range(10):
        x = _clipped_step(x, lr)
    return np.sum(x**2)


def tree_reduce(x, depth):
    if depth == 0:
        return np.sum(np.sin(x))
    half = len(x) // 2
    return tree_reduce(x[:half], depth - 1) + tree_reduce(x[half:], depth - 1) * x[0]


def swap_rows(M, perm):
    A = M.copy()
    A[[0, 1]] = A[[1, 0]]
    A[perm[0]] *= 2.0
    return np.sum(A * np.arange(6.0).reshape(3, 2))


def heat_through_view(u0, alpha):
    u = u0.copy()
    interior = u[1:-1]
    for _ in range(5):
        interior += alpha * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u**2)


def running_max(x):
    return np.sum(np.maximum.accumulate(x) * x)


# ---- cases ------------------------------------------------------------------


def _away_from_zero(a, eps=0.1):
    return np.where(np.abs(a) < eps, np.sign(a + 1e-12) * eps, a)


_X8 = _normal(8, 3)
_mlp_W1 = _normal(3, 5, scale=0.7)
_mlp_b1 = _normal(5, scale=0.1)
_gp_X = _normal(6, 2)
_gp_y = np.sin(_gp_X[:, 0]) + 0.1 * _normal(6)
_masked_target = _normal(7)
_masked_target[[1, 4]] = np.nan
_relu_x = _normal(5, 3)
_relu_w = _normal(3, 4)
_bs = (100.0, 95.0, 0.75, 0.03, 0.25)

CASES = [
    Case(
        softmax_cross_entropy,
        (_normal(6, 4), np.array([0, 3, 1, 2, 2, 0])),
    ),
    Case(log_sum_exp, (_normal(7),)),
    Case(log_sum_exp, (np.array([1.0, 3.0, 3.0, 0.0, -2.0]),), label="tied-max"),
    Case(layer_norm, (_normal(4, 5), _normal(5), _normal(5)), wrt=(0, 1, 2)),
    Case(batch_norm, (_normal(6, 3), _normal(3), _normal(3)), wrt=(0, 1, 2)),
    Case(
        mlp_relu_l2,
        (_mlp_W1, _mlp_b1, _normal(5, 2), _normal(2), _X8, _normal(8, 2)),
        wrt=(0, 1, 2, 3),
    ),
    Case(attention, (_normal(4, 3), _normal(5, 3), _normal(5, 2)), wrt=(0, 1, 2)),
    Case(
        causal_multihead_attention,
        (_normal(5, 4), _normal(4, 12, scale=0.5)),
        wrt=(0, 1),
    ),
    Case(
        gmm_nll,
        (_normal(3, 2), _normal(3, scale=0.3), _normal(3), _normal(10, 2)),
        wrt=(0, 1, 2),
    ),
    Case(gp_nll_cholesky, (np.array([0.1, 0.2, -1.0]), _gp_X, _gp_y)),
    Case(gp_nll_slogdet, (np.array([0.1, 0.2, -1.0]), _gp_X, _gp_y)),
    Case(
        weighted_logistic_regression,
        (_normal(3), 0.2, _X8, np.sign(_normal(8)), np.abs(_normal(8)) + 0.1),
        wrt=(0, 1),
    ),
    Case(huber_loss, (_normal(3), _X8, 2 * _normal(8)), autograd=True),
    Case(black_scholes_call, _bs, wrt=(0, 2, 3, 4), autograd=False),
    Case(
        black_scholes_book,
        (
            np.array([90.0, 100.0, 110.0]),
            100.0,
            0.5,
            0.02,
            np.array([0.2, 0.3, 0.25]),
            np.array([1.0, -2.0, 0.5]),
        ),
        wrt=(0, 2, 4),
        autograd=False,
    ),
    Case(
        poisson_regression,
        (_normal(3, scale=0.3), _X8, np.array([0, 1, 3, 2, 0, 5, 1, 1])),
        autograd=False,
    ),
    Case(
        scipy_log_softmax_loss,
        (_normal(3, 4), _X8, np.array([0, 1, 2, 3, 0, 1, 2, 3])),
        autograd=False,
    ),
    Case(
        heat_equation, (np.sin(np.linspace(0, 3, 12)), 0.2), wrt=(0, 1), autograd=False
    ),
    Case(spring_mass, (4.0, 1.0, 0.3), wrt=(0, 1, 2)),
    Case(newton_cube_root, (5.0,)),
    Case(newton_vector_sqrt, (np.array([2.0, 3.0, 0.5, 10.0]),)),
    Case(horner, (np.array([0.5, -1.0, 2.0, 0.3]), _normal(5)), wrt=(0, 1)),
    Case(running_mean, (_normal(6),)),
    # autograd has no VJP for np.convolve
    Case(
        conv1d_loss, (_normal(3), _normal(10), _normal(8)), wrt=(0, 1), autograd=False
    ),
    # autograd cannot differentiate einsum("bii->b")
    Case(
        einsum_contractions,
        (_normal(3, 4), _normal(3), _normal(4), _normal(2, 3, 3)),
        wrt=(0, 1, 2, 3),
        autograd=False,
    ),
    Case(soft_kmeans, (_normal(3, 2), _normal(10, 2), 2.0), wrt=(0, 2)),
    Case(rk4_pendulum, (np.array([9.8, 0.3]), np.array([0.8, 0.0])), wrt=(0, 1)),
    Case(
        rnn_loss,
        (_normal(4, 4, scale=0.4), _normal(4, 3, scale=0.4), _normal(5, 3), _normal(4)),
        wrt=(0, 1, 3),
    ),
    Case(
        sinkhorn,
        (np.abs(_normal(4, 3)), np.full(4, 0.25), np.full(3, 1 / 3)),
        wrt=(0, 1, 2),
    ),
    Case(regressor_loss, (_normal(4), REGRESSOR, _X8, _normal(8)), autograd=False),
    Case(ridge_closure, (_normal(3),)),
    Case(
        tuple_unpacking,
        (np.array([1.5, 0.4]), _normal(3)),
        wrt=(0, 1),
    ),
    Case(augmented_assignment, (_normal(6), _normal(6)), wrt=(0, 1), autograd=False),
    Case(masked_mse, (_normal(7), _masked_target)),
    Case(
        relu_in_place,
        (_relu_x, _relu_w),
        wrt=(0, 1),
        autograd=False,
    ),
    Case(embedding_lookup, (_normal(5, 3), np.array([0, 2, 2, 4, 0, 2]), _normal(3))),
    Case(
        scatter_add_repeated,
        (np.array([0.5, -1.0, 2.0, 0.7]), np.array([1, 3, 1, 0])),
        autograd=False,
    ),
    Case(
        ppo_clip,
        (np.array([-0.5, -0.1, 0.05, 0.3, 0.6]), np.array([1.0, -2.0, 0.5, 1.5, -0.7])),
    ),
    Case(reductions, (_normal(4, 3),)),
    Case(rbf_kernel_sum, (_normal(4, 2), _normal(3, 2), 0.7), wrt=(0, 1, 2)),
    Case(normal_equations, (_normal(3), _X8, _normal(8)), wrt=(0, 1, 2)),
    Case(ridge_closed_form, (0.5, _X8, _normal(8), _normal(5, 3), _normal(5))),
    Case(rank_one_update, (_normal(3), _normal(3), _normal(3, 3)), wrt=(0, 1, 2)),
    Case(stacked_features, (_normal(4),)),
    Case(vae_kl, (_normal(4), _normal(4, scale=0.3), _normal(4)), wrt=(0, 1)),
    # autograd's norm(axis=1, keepdims=True) VJP gives a wrong shape
    Case(
        contrastive_cosine, (_normal(4, 3), _normal(4, 3)), wrt=(0, 1), autograd=False
    ),
    Case(triplet_loss, (_normal(6, 3), _normal(6, 3), _normal(6, 3)), wrt=(0, 1, 2)),
    Case(total_variation, (_normal(5, 6), _normal(5, 6), 0.3), wrt=(0, 2)),
    Case(trimmed_mean, (_normal(9),)),
    Case(reversed_slices, (_normal(4, 5),)),
    Case(
        polyval_fit,
        (np.array([0.3, -1.0, 0.5]), _normal(6), _normal(6)),
        autograd=False,
    ),
    Case(
        builtin_max_and_sum,
        (np.array([0.2, 1.3, 2.1, -0.4]),),
        autograd=False,
    ),
    Case(sgd_discounted, (_normal(3), _X8, _normal(8))),
    Case(center_in_place, (_normal(5),), autograd=False),
    Case(spectral_loss, (_normal(3, 3),)),
    Case(gradient_descent_unrolled, (np.array([0.8, -0.3]), 0.1), wrt=(0, 1)),
    Case(tree_reduce, (_normal(8), 2)),
    Case(swap_rows, (_normal(3, 2), np.array([2, 0, 1])), autograd=False),
    Case(
        gp_nll_fill_diagonal,
        (-1.0, np.array([0.0, 0.4, 1.1, 2.0]), np.array([0.3, -0.8, 0.5, 1.2])),
        wrt=(0, 1),
        autograd=False,
    ),
]


_tree_params = {"W1": _normal(3, 2), "b": _normal(2), "W2": _normal(2)}

TREE_CASES = [
    Case(dict_values_penalty, (_tree_params, 0.7)),
    Case(dict_keys_weighted, (_tree_params, 0.7)),
    Case(dict_items_comprehension, (_tree_params, 0.7)),
    Case(
        mlp_dict_params,
        (
            {"W1": _mlp_W1, "b1": _mlp_b1, "W2": _normal(5, 2), "b2": _normal(2)},
            _X8,
            _normal(8, 2),
            1e-2,
        ),
    ),
    Case(
        deep_mlp_list_params,
        (
            [
                (_normal(3, 4, scale=0.6), _normal(4, scale=0.1)),
                (_normal(4, 4, scale=0.6), _normal(4, scale=0.1)),
                (_normal(4, 1, scale=0.6), _normal(1, scale=0.1)),
            ],
            _X8,
            _normal(8, 1),
        ),
    ),
]


@pytest.mark.parametrize("case", params(CASES, "fd"))
def test_finite_differences(case: Case):
    check_grad(case.f, copy.deepcopy(case.args), case.wrt)


@pytest.mark.parametrize("case", params([c for c in CASES if c.autograd], "autograd"))
def test_autograd(case: Case):
    f_ag = autograd_clone(case.f)
    check_against_autograd(case.f, f_ag, copy.deepcopy(case.args), case.wrt)


# ---- dict / list parameters -------------------------------------------------


def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for key in sorted(tree) for leaf in _leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def _map(tree, fn, leaves=None):
    """Replace each leaf of ``tree`` by fn(leaf, next(leaves))."""
    if leaves is None:
        leaves = iter(_leaves(tree))
    if isinstance(tree, dict):
        return {key: _map(tree[key], fn, leaves) for key in sorted(tree)}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map(item, fn, leaves) for item in tree)
    return fn(tree, next(leaves))


def check_tree(f, args, autograd_too=True):
    """Gradient with respect to a container parameter (position 0)."""
    original = copy.deepcopy(list(args))
    gradient = adcompile.grad(f)
    grads = []
    for _ in ("general", "variant"):
        call_args = copy.deepcopy(original)
        got = gradient(*call_args)
        assert_not_mutated(original, call_args)
        assert type(got) is type(original[0])
        leaves = _leaves(got)
        for g, x in zip(leaves, _leaves(original[0]), strict=True):
            assert isinstance(g, np.ndarray) and g.shape == x.shape
        if grads:
            for a, b in zip(grads, leaves, strict=True):
                np.testing.assert_allclose(b, a, rtol=1e-12)
        grads = grads or leaves
    rng = np.random.default_rng(0)
    x = original[0]
    step = 1e-6
    for _ in range(3):
        vs = [rng.standard_normal(np.shape(leaf)) for leaf in _leaves(x)]
        plus = _map(x, lambda leaf, v: leaf + step * v, iter(vs))
        minus = _map(x, lambda leaf, v: leaf - step * v, iter(vs))
        numeric = (f(plus, *original[1:]) - f(minus, *original[1:])) / (2 * step)
        analytic = sum(float(np.sum(g * v)) for g, v in zip(grads, vs, strict=True))
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (
            analytic,
            numeric,
        )
    value, again = adcompile.value_and_grad(f)(*copy.deepcopy(original))
    np.testing.assert_allclose(value, f(*copy.deepcopy(original)), rtol=1e-12)
    for a, b in zip(grads, _leaves(again), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    if autograd_too:
        import autograd

        expected = autograd.grad(autograd_clone(f))(*copy.deepcopy(original))
        for a, b in zip(grads, _leaves(expected), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("case", params(TREE_CASES, "fd"))
def test_container_parameters(case: Case):
    check_tree(case.f, case.args, case.autograd)


# ---- methods ----------------------------------------------------------------


def test_bound_method():
    """grad of a bound method, with respect to its first parameter w."""
    w, X, y = _normal(4), _X8, _normal(8)
    check_grad(REGRESSOR.loss, (w, X, y), wrt="w")


def test_float32_layer_norm():
    """float32 arrays: float32 gradients, right to float32 precision."""
    x, gamma, beta = (
        a.astype(np.float32) for a in (_normal(4, 5), _normal(5), _normal(5))
    )
    check_grad(layer_norm, (x, gamma, beta), wrt=(0, 1, 2), rtol=1e-4, atol=1e-4)


# ---- forward mode and second derivatives on the same programs --------------


def test_hessian_of_log_sum_exp():
    import autograd

    x = _normal(5)
    got = adcompile.hessian(log_sum_exp)(x)
    want = autograd.hessian(autograd_clone(log_sum_exp))(x)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)


def test_jvp_matches_grad():
    """jvp of programs of this file against <grad, tangent>."""
    rng = np.random.default_rng(3)
    for f, args in (
        (gmm_nll, (_normal(3, 2), _normal(3, scale=0.3), _normal(3), _normal(10, 2))),
        (rk4_pendulum, (np.array([9.8, 0.3]), np.array([0.8, 0.0]))),
        (heat_equation, (np.sin(np.linspace(0, 3, 12)), 0.2)),
    ):
        tangent = rng.standard_normal(np.shape(args[0]))
        before = copy.deepcopy(args)
        tangents = (tangent,) + (None,) * (len(args) - 1)
        value, derivative = adcompile.jvp(f, args, tangents)
        assert_not_mutated(before, args)
        np.testing.assert_allclose(value, f(*copy.deepcopy(args)), rtol=1e-12)
        g = adcompile.grad(f)(*copy.deepcopy(args))
        np.testing.assert_allclose(derivative, np.sum(g * tangent), rtol=1e-9)


# ---- reasonable refusals: clear errors, not wrong gradients -----------------


@pytest.mark.parametrize(
    "f, args, error, words",
    [
        # writing through a view of a local array (documented: in-place
        # updates go to the array itself, `u[1:-1] += ...`)
        (
            heat_through_view,
            (np.sin(np.linspace(0, 3, 8)), 0.2),
            adcompile.UnsupportedSyntax,
            "'u', read later, may share memory with it",
        ),
        # a ufunc method with no rule
        (
            running_max,
            (np.array([0.3, 1.0, 0.5, 2.0]),),
            adcompile.NoDerivativeRule,
            "np.maximum.accumulate",
        ),
    ],
    ids=["heat_through_view", "running_max"],
)
def test_reasonable_refusals(f, args, error, words):
    with pytest.raises(error) as info:
        adcompile.grad(f)(*args)
    message = str(info.value)
    assert words in message and "line" in message, message


# ---- refused, where the gradient would otherwise be lost --------------------


@pytest.mark.parametrize(
    "f, args, wrt, error, words",
    [
        # an object or a closure made from differentiated values, then called
        (
            affine_object_loss,
            (_normal(3, 2), _normal(2), _X8),
            (0, 1),
            adcompile.UnsupportedSyntax,
            "a call of layer",
        ),
        (
            leaky_relu_net,
            (_normal(3, 2), 0.1, _X8),
            (0, 1),
            adcompile.UnsupportedSyntax,
            "a call of act",
        ),
        # numpy functions that write into an array they are given
        (
            bag_of_words,
            (_normal(5, 3), np.array([0, 2, 2, 4, 1]), np.abs(_normal(5))),
            (0, 2),
            adcompile.UnsupportedSyntax,
            "np.add.at(...) writes into an array in place",
        ),
        # scipy's Python functions need rules, like numpy's
        (
            gp_nll_triangular,
            (np.array([0.1, 0.2, -1.0]), _gp_X, _gp_y),
            0,
            adcompile.NoDerivativeRule,
            "no derivative rule for scipy.linalg.solve_triangular",
        ),
    ],
    ids=["object", "closure", "add_at", "solve_triangular"],
)
def test_refused_where_the_gradient_would_be_lost(f, args, wrt, error, words):
    with pytest.raises(error) as info:
        adcompile.grad(f, wrt=wrt)(*copy.deepcopy(args))
    message = str(info.value)
    assert words in message and "line" in message, message
