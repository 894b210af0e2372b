import numpy as np


def f(W1, W2, x, y):
    h = np.maximum(x @ W1, 0.0)
    z = h @ W2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(logp * y, axis=1))


WRT = ("W1", "W2")
KIND = "value_and_grad"
