def f(x, w):
    h = x.dot(w).T
    return h.sum() + x.reshape(-1).mean() * x.shape[0]


WRT = (0, 1)
