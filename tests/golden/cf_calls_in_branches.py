def helper(a, b):
    return a * b


def f(a, b):
    o = helper(a, b)
    for _ in range(2):
        if a > b:
            o = helper(o, b)
        else:
            o = helper(b, o)
    return o


WRT = ("a", "b")
