"""A small multilayer perceptron trained with plain stochastic gradient descent.

The parameters live in a dict, which adcompile differentiates as one argument:
the gradient is a dict with the same keys. The data set (two interleaved
spirals) is generated in the script. Run ``python examples/mlp_sgd.py``; it
prints the loss every 100 steps and the final training accuracy. Print the
gradient code with ``adcompile show examples/mlp_sgd.py:loss``.
"""

import numpy as np

import adcompile


def loss(params, X, y):
    """Mean logistic loss of a 2-16-16-1 tanh network on labels in {0, 1}."""
    h1 = np.tanh(X @ params["W1"] + params["b1"])
    h2 = np.tanh(h1 @ params["W2"] + params["b2"])
    logits = h2 @ params["w3"] + params["b3"]
    # log(1 + exp(-t)) for t = +/- logit, written to stay finite for large |t|
    t = (2.0 * y - 1.0) * logits
    return np.mean(np.logaddexp(0.0, -t))


def predict(params, X):
    h1 = np.tanh(X @ params["W1"] + params["b1"])
    h2 = np.tanh(h1 @ params["W2"] + params["b2"])
    return h2 @ params["w3"] + params["b3"] > 0.0


def spirals(n=200, noise=0.1, seed=0):
    """Two interleaved spirals, ``n`` points each, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    r = np.linspace(0.2, 1.0, n)
    angle = 3.0 * np.pi * r
    points, labels = [], []
    for label, phase in [(0.0, 0.0), (1.0, np.pi)]:
        xy = np.stack([r * np.cos(angle + phase), r * np.sin(angle + phase)], axis=1)
        points.append(xy + noise * rng.normal(size=xy.shape))
        labels.append(np.full(n, label))
    return np.concatenate(points), np.concatenate(labels)


def init(seed=1, hidden=16):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(size=(2, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(size=(hidden, hidden)) / np.sqrt(hidden),
        "b2": np.zeros(hidden),
        "w3": rng.normal(size=hidden) / np.sqrt(hidden),
        "b3": 0.0,
    }


def train(steps=2000, batch=32, lr=0.3, seed=2):
    X, y = spirals()
    params = init()
    dloss = adcompile.grad(loss)  # with respect to params: a dict of gradients
    rng = np.random.default_rng(seed)
    losses = [loss(params, X, y)]
    print(f"step    0  loss {losses[0]:.4f}")
    for step in range(1, steps + 1):
        rows = rng.choice(len(X), size=batch, replace=False)
        grads = dloss(params, X[rows], y[rows])
        params = {name: params[name] - lr * grads[name] for name in params}
        if step % 250 == 0:
            losses.append(loss(params, X, y))
            print(f"step {step:4d}  loss {losses[-1]:.4f}")
    accuracy = np.mean(predict(params, X) == (y > 0.5))
    print(f"training accuracy {accuracy:.2f}")
    return losses, accuracy


if __name__ == "__main__":
    train()
