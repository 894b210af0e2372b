"""Delta and vega of an American put, by differentiating a binomial tree.

``american_put`` prices the option on a Cox-Ross-Rubinstein tree with plain
Python loops over the nodes and an ``if`` at each node that decides whether
to exercise early. ``american_put_vectorized`` does the same with one numpy
array per time step and ``np.maximum`` for the early-exercise decision. The
gradient with respect to the spot price ``S0`` is the option's delta, the one
with respect to ``sigma`` its vega; the script compares both with central
finite differences. Run ``python examples/american_option.py``.

A tree price is piecewise smooth in ``S0``: it has a kink wherever a node's
price crosses the strike or the exercise boundary, and there the gradient is
the derivative of the branch the code took (one of the one-sided
derivatives). The parameters below keep away from kinks; at ``S0 == K`` (a
node of the tree lies exactly on the strike), finite differences would
disagree with either side.
"""

import numpy as np

import adcompile


def american_put(S0, sigma, K, r, T, n):
    """Price of an American put on an n-step binomial tree (loops and ifs)."""
    dt = T / n
    u = np.exp(sigma * np.sqrt(dt))
    d = 1.0 / u
    p = (np.exp(r * dt) - d) / (u - d)  # risk-neutral probability of "up"
    disc = np.exp(-r * dt)
    # payoffs at expiry, j = number of up moves
    values = []
    for j in range(n + 1):
        payoff = K - S0 * u**j * d ** (n - j)
        if payoff < 0.0:
            payoff = 0.0
        values.append(payoff)
    # step back through the tree; at each node, exercise if that pays more
    for i in range(n - 1, -1, -1):
        previous = values
        values = []
        for j in range(i + 1):
            hold = disc * (p * previous[j + 1] + (1.0 - p) * previous[j])
            exercise = K - S0 * u**j * d ** (i - j)
            if exercise > hold:
                node = exercise
            else:
                node = hold
            values.append(node)
    return values[0]


def american_put_vectorized(S0, sigma, K, r, T, n):
    """The same price, one array per time step, early exercise by np.maximum."""
    dt = T / n
    u = np.exp(sigma * np.sqrt(dt))
    d = 1.0 / u
    p = (np.exp(r * dt) - d) / (u - d)
    disc = np.exp(-r * dt)
    j = np.arange(n + 1)
    values = np.maximum(K - S0 * u**j * d ** (n - j), 0.0)
    for i in range(n - 1, -1, -1):
        j = np.arange(i + 1)
        hold = disc * (p * values[1:] + (1.0 - p) * values[:-1])
        values = np.maximum(hold, K - S0 * u**j * d ** (i - j))
    return values[0]


def central_difference(f, args, index, eps):
    up = list(args)
    down = list(args)
    up[index] += eps
    down[index] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


def main():
    # S0, sigma, K, r, T, n: the put of Longstaff and Schwartz's first table row
    args = (36.0, 0.2, 40.0, 0.06, 1.0, 100)
    for pricer in (american_put, american_put_vectorized):
        price, (delta, vega) = adcompile.value_and_grad(pricer, wrt=("S0", "sigma"))(
            *args
        )
        fd_delta = central_difference(pricer, args, 0, 1e-4)
        fd_vega = central_difference(pricer, args, 1, 1e-6)
        print(f"{pricer.__name__}: price {price:.6f}")
        print(f"  delta {delta:.6f}  finite differences {fd_delta:.6f}")
        print(f"  vega  {vega:.6f}  finite differences {fd_vega:.6f}")
    return price, delta, vega


if __name__ == "__main__":
    main()
