"""Dicts the function writes out: ``{"w": ...}``, ``dict(w=...)`` and dict
comprehensions over values that carry a derivative (an SGD step over a dict
of parameters, a model's layers kept by name)."""

import numpy as np

from . import Case

W = np.array([0.4, -1.1, 0.7])
B = np.array([0.2, 0.5, -0.3])


def params_written_out(w, b):
    p = {"w": w * 2.0, "b": np.sin(b), "scale": 3.0}
    return np.sum(p["w"] * p["b"]) * p["scale"]


def params_by_keyword(w, b):
    p = dict(w=np.tanh(w), b=b * b)
    return np.sum(p["w"] + p["b"] * p["w"])


def sgd_steps_over_a_dict(w, b):
    """Gradient-descent steps on a dict of parameters, a comprehension each."""
    p = {"w": w, "b": b}
    for _ in range(3):
        g = {k: 2.0 * v + 0.1 * np.sin(v) for k, v in p.items()}
        p = {k: p[k] - 0.1 * g[k] for k in p.keys()}
    return np.sum(p["w"] ** 2) + np.sum(p["w"] * p["b"])


def layers_by_name(w, b):
    layers = {}
    for name, scale in [("first", 1.0), ("second", 0.5)]:
        layers[name] = np.tanh(scale * w + b)
    return np.sum(layers["first"] * layers["second"])


def dict_chosen_in_a_branch(w, b):
    p = {"w": w, "b": b}
    if np.sum(w) > -0.5:
        p = {"w": w * 2.0, "b": b}
    out = 0.0
    for v in p.values():
        out = out + np.sum(v * v)
    return out


def comprehension_with_a_condition(w, b):
    p = {"w": w, "b": b, "c": w * b}
    kept = {k: np.exp(v) for k, v in p.items() if k != "b"}
    return sum(np.sum(v) for v in kept.values())


CASES = [
    Case(params_written_out, (W, B), wrt=(0, 1)),
    Case(params_by_keyword, (W, B), wrt=(0, 1)),
    Case(sgd_steps_over_a_dict, (W, B), wrt=(0, 1), autograd=False),
    Case(layers_by_name, (W, B), wrt=(0, 1)),
    Case(dict_chosen_in_a_branch, (W, B), wrt=(0, 1)),
    Case(comprehension_with_a_condition, (W, B), wrt=(0, 1)),
]


def _features(z):
    return {"w": np.sin(z), "b": np.cos(z) * z}


def one_entry_of_a_helpers_dict(w):
    """Only "b" of the helper's dict is read: the adjoint its pullback gets
    has no "w" entry, which is zero."""
    return np.sum(_features(w)["b"])


CASES.append(Case(one_entry_of_a_helpers_dict, (W,)))
