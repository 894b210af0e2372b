import numpy as np


def f(w, X):
    loss = 0.0
    for row in X:
        z = row @ w
        if z > 0:
            loss = loss + np.log(1.0 + np.exp(-z))
        else:
            loss = loss + np.log(1.0 + np.exp(z)) - z
    return loss
