def f(b):
    s = 2.0
    if b > 0.0:
        s = s * b
    return s
