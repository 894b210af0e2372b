def f(x):
    return x**2 + 3 * x
