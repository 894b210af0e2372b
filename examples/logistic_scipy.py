"""Logistic regression fitted with scipy.optimize.minimize and an adcompile gradient.

``minimize`` needs the objective and, for quasi-Newton methods such as
L-BFGS-B, its gradient: ``jac=adcompile.grad(loss)`` is that gradient, with
the same signature as ``loss``, so ``args=`` passes the data to both. The
script compares the fit with one that uses finite differences instead and
prints the number of function evaluations of each. Run
``python examples/logistic_scipy.py`` (needs scipy:
``pip install scipy``, or ``pip install -e '.[examples]'``).
"""

import numpy as np

import adcompile


def loss(w, X, y, l2=1e-2):
    """Mean negative log-likelihood of labels in {0, 1}, plus an L2 penalty."""
    z = X @ w
    # log(1 + exp(z)) - y z, written with logaddexp to stay finite for large |z|
    nll = np.mean(np.logaddexp(0.0, z) - y * z)
    return nll + l2 * np.sum(w**2)


def make_data(n=500, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ true_w))).astype(float)
    return X, y


def main():
    try:
        from scipy.optimize import minimize
    except ImportError:
        print("this example needs scipy: pip install scipy")
        return None
    X, y = make_data()
    w0 = np.zeros(X.shape[1])
    exact = minimize(loss, w0, args=(X, y), jac=adcompile.grad(loss), method="L-BFGS-B")
    numeric = minimize(loss, w0, args=(X, y), method="L-BFGS-B")
    for label, result in [
        ("adcompile.grad:    ", exact),
        ("finite differences:", numeric),
    ]:
        print(f"with {label} loss {result.fun:.6f} in {result.nfev} evaluations")
    print(f"converged: {exact.success}")
    print("weights:", np.array2string(exact.x, precision=3))
    return exact


if __name__ == "__main__":
    main()
