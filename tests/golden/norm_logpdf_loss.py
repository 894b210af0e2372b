import numpy as np
from scipy.stats import norm


def f(mu, log_sigma, y):
    sigma = np.exp(log_sigma)
    return -np.sum(norm.logpdf(y, mu, sigma))


WRT = ("mu", "log_sigma")
