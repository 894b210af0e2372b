"""Logistic regression trained with a gradient adcompile generates.

Run ``python examples/logistic.py`` to train for 100 steps, or
``adcompile show examples/logistic.py:loss`` to print the gradient code.
"""

import numpy as np

import adcompile


def loss(w, X, y):
    """Mean negative log-likelihood of labels ``y`` in {0, 1}."""
    z = X @ w
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def make_data(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ true_w))).astype(float)
    return X, y


if __name__ == "__main__":
    X, y = make_data()
    w = np.zeros(X.shape[1])
    dloss = adcompile.grad(loss)  # gradient with respect to w
    print(f"loss at start: {loss(w, X, y):.4f}")
    for _ in range(100):
        w = w - 0.5 * dloss(w, X, y)
    print(f"loss after 100 steps: {loss(w, X, y):.4f}")
