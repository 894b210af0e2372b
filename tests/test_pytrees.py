"""Parameters that are objects with fields: named tuples, dataclasses and
plain objects, as JAX treats registered pytrees.

``p.W`` reads a field; the gradient with respect to ``p`` is an object of
p's class (made without ``__init__``) holding the gradient of each field,
None for fields that hold no float. Every check compares with central
finite differences along a random direction over all the float fields, and
the MLP with autograd (on the same parameters in a dict).
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import re
from typing import Any, NamedTuple

import numpy as np
import pytest

import adcompile

HERE = re.compile(r'File ".*test_pytrees\.py", line \d+, col \d+')


# ---- the parameter types ------------------------------------------------------


class Affine(NamedTuple):
    W: np.ndarray
    b: np.ndarray


AffinePair = collections.namedtuple("AffinePair", ["W", "b"])


@dataclasses.dataclass
class AffineData:
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass(frozen=True)
class AffineFrozen:
    W: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        raise AssertionError("gradients are made without __init__")


class AffineObject:
    def __init__(self, W, b):
        self.W = W
        self.b = b


class AffineSlots:
    __slots__ = ("W", "b")

    def __init__(self, W, b):
        self.W = W
        self.b = b


@dataclasses.dataclass
class Configured:
    """Float fields with settings beside them."""

    W: np.ndarray
    scale: float
    steps: int = 2
    name: str = "model"
    extra: Any = None
    settings: dict = dataclasses.field(default_factory=lambda: {"act": "tanh"})
    index: np.ndarray = dataclasses.field(default_factory=lambda: np.arange(2))


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class MLP:
    layers: list
    head: np.ndarray
    depth: int = 2

    def loss(self, x):
        h = x
        for layer in self.layers:
            h = np.tanh(h @ layer.W + layer.b)
        return np.sum((h @ self.head) ** 2)


@dataclasses.dataclass
class WithProperty:
    W: np.ndarray

    @property
    def doubled(self):
        return 2.0 * self.W


class WithClassAttribute:
    scale = 3.0

    def __init__(self, W):
        self.W = W


@dataclasses.dataclass
class Transposed:
    T: np.ndarray


@dataclasses.dataclass
class Sized:
    size: float


# ---- the functions --------------------------------------------------------------


def affine_loss(p, x):
    return np.sum((x @ p.W + p.b) ** 2)


def affine_out(p, x):
    return np.tanh(x @ p.W + p.b)


def _affine(p, h):
    return np.tanh(h @ p.W + p.b)


def through_helper(p, x):
    return np.sum(_affine(p, x) ** 2)


def configured_loss(p, x):
    h = x * p.W
    for _ in range(p.steps):
        h = np.sin(h) * p.scale
    return np.sum(h**2)


def mlp_loss(model, x):
    h = x
    for layer in model.layers:
        h = _affine(layer, h)
    return np.sum((h @ model.head) ** 2) / model.depth


def mlp_indexed(model, x):
    h = x
    for i in range(len(model.layers)):
        W, b = model.layers[i]  # a named tuple unpacks as a tuple
        h = np.tanh(h @ W + model.layers[i].b + 0.0 * b)
    return np.sum(h @ model.head)


def dict_of_models(models, x):
    total = 0.0
    for key in models.keys():
        total = total + np.sum(affine_out(models[key], x))
    return total


def field_twice(p, x):
    a = p.W
    return np.sum(a * x) + np.sum(p.W**2) * p.b[0]


def by_getattr(p, x):
    return np.sum(getattr(p, "W") @ x)  # noqa: B009 - what is tested


def reads_a_property(p, x):
    return np.sum(p.doubled * x)


def reads_a_class_attribute(p, x):
    return np.sum(p.W * x) * p.scale


def reads_imag(x):
    return np.sum(x.imag)


def transposed(p):
    return np.sum(p.T)


def sized(p):
    return p.size * 2.0


def writes_a_field(p, x):
    p.W = p.W * 2.0
    return np.sum(p.W * x)


def adds_to_a_field(p, x):
    p.b += 1.0
    return np.sum(p.W * x)


def writes_into_a_field(p, x):
    p.W[0] = 1.0
    return np.sum(p.W * x)


@dataclasses.dataclass
class Predictor:
    W: np.ndarray
    b: float

    def predict(self, x):
        return x @ self.W + self.b

    def loss(self, x):
        return np.sum(Predictor.predict(self, x) ** 2)

    def loss_by_method(self, x):
        return np.sum(self.predict(x) ** 2)


def calls_a_method(p, x):
    return np.sum(p.predict(x))


class Model:
    def __init__(self, w):
        self.w = w
        self.calls = 0

    def loss(self, x, y):
        return np.sum((x @ self.w - y) ** 2)

    def bump(self, x):
        self.w += x
        return np.sum(self.w)


# ---- trees, in the tests' own words ---------------------------------------------


def _fields(tree):
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return dict(zip(tree._fields, tree, strict=True))
    if hasattr(tree, "__dict__"):
        return dict(vars(tree))
    return {name: getattr(tree, name) for name in tree.__slots__}


def _rebuild(tree, fields):
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(**fields)
    out = copy.copy(tree)
    for name, value in fields.items():
        object.__setattr__(out, name, value)
    return out


def _is_float(x):
    return isinstance(x, (float, np.floating)) or (
        isinstance(x, np.ndarray) and x.dtype.kind == "f"
    )


def tree_map(fn, tree, *others):
    """``fn`` on the float leaves of ``tree`` (and the matching leaves of
    ``others``); everything else as in ``tree``."""
    if _is_float(tree):
        return fn(tree, *others)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v, *(o[k] for o in others)) for k, v in tree.items()}
    if isinstance(tree, list):
        return [tree_map(fn, *items) for items in zip(tree, *others, strict=True)]
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(tree_map(fn, *items) for items in zip(tree, *others, strict=True))
    if isinstance(tree, (int, str, type(None))) or (
        isinstance(tree, np.ndarray) and tree.dtype.kind != "f"
    ):
        return tree
    fields = _fields(tree)
    other_fields = [_fields(o) for o in others]
    return _rebuild(
        tree,
        {k: tree_map(fn, v, *(o[k] for o in other_fields)) for k, v in fields.items()},
    )


def tree_dot(a, b):
    total = []
    tree_map(lambda x, y: total.append(float(np.sum(x * y))), a, b)
    return sum(total)


def assert_same_structure(gradient, tree, path="p"):
    """The gradient has the tree's classes all the way down; float leaves
    have gradients of their shape and dtype, other leaves None."""
    if _is_float(tree):
        assert type(gradient) is type(tree), path
        assert np.shape(gradient) == np.shape(tree), path
        if isinstance(tree, np.ndarray):
            assert gradient.dtype == tree.dtype and gradient.flags.writeable, path
            assert not np.shares_memory(gradient, tree), path
        return
    if isinstance(tree, (int, str, type(None), np.ndarray)):
        assert gradient is None, f"{path}: {gradient!r} for {tree!r}"
        return
    assert type(gradient) is type(tree), f"{path}: {type(gradient)} for {type(tree)}"
    if isinstance(tree, dict):
        if all(isinstance(v, str) for v in tree.values()):  # settings
            assert gradient == dict.fromkeys(tree), path
            return
        for k in tree:
            assert_same_structure(gradient[k], tree[k], f"{path}[{k!r}]")
        return
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        for i, (g, t) in enumerate(zip(gradient, tree, strict=True)):
            assert_same_structure(g, t, f"{path}[{i}]")
        return
    fields = _fields(tree)
    assert _fields(gradient).keys() == fields.keys(), path
    for k, v in fields.items():
        assert_same_structure(_fields(gradient)[k], v, f"{path}.{k}")


def random_like(tree, rng):
    return tree_map(
        lambda x: (
            rng.standard_normal(x.shape)
            if isinstance(x, np.ndarray)
            else type(x)(rng.standard_normal())
        ),
        tree,
    )


def numeric_derivative(f, args, position, direction, step=1e-6):
    plus, minus = list(args), list(args)
    plus[position] = tree_map(lambda x, v: x + step * v, args[position], direction)
    minus[position] = tree_map(lambda x, v: x - step * v, args[position], direction)
    return (float(f(*plus)) - float(f(*minus))) / (2 * step)


def check_tree_grad(f, args, wrt=0, seed=0):
    """grad and value_and_grad of ``f`` wrt the tree at position ``wrt``:
    the same structure, <grad, v> equal to finite differences along random
    v, the arguments left as they were. Returns the gradient."""
    before = copy.deepcopy(args)
    gradient = adcompile.grad(f, wrt=wrt)(*args)
    again = adcompile.grad(f, wrt=wrt)(*args)  # the variant for these shapes
    assert_same_structure(gradient, args[wrt])
    tree_map(lambda a, b: np.testing.assert_allclose(a, b), gradient, again)
    value, same = adcompile.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(float(f(*args)), rel=1e-12)
    tree_map(lambda a, b: np.testing.assert_allclose(a, b), gradient, same)
    rng = np.random.default_rng(seed)
    for _ in range(2):
        v = random_like(args[wrt], rng)
        numeric = numeric_derivative(f, args, wrt, v)
        assert tree_dot(gradient, v) == pytest.approx(numeric, rel=1e-5, abs=1e-6)
    tree_map(lambda a, b: np.testing.assert_array_equal(a, b), args[wrt], before[wrt])
    return gradient


RNG = np.random.default_rng(7)
W, B, X = RNG.normal(size=(3, 2)), RNG.normal(size=2), RNG.normal(size=(4, 3))


def _mlp():
    rng = np.random.default_rng(3)
    layers = [
        Layer(rng.normal(size=(3, 4)), rng.normal(size=4)),
        Layer(rng.normal(size=(4, 4)), rng.normal(size=4)),
    ]
    return MLP(layers, rng.normal(size=4))


# ---- every kind of object --------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [Affine, AffinePair, AffineData, AffineObject, AffineSlots]
)
def test_grad_of_an_object_is_an_object_of_its_class(cls):
    p = cls(W, B)
    gradient = check_tree_grad(affine_loss, (p, X))
    residual = X @ W + B
    np.testing.assert_allclose(gradient.W, 2 * X.T @ residual)
    np.testing.assert_allclose(gradient.b, 2 * residual.sum(axis=0))


def test_frozen_dataclass_gradient_is_made_without_init():
    p = object.__new__(AffineFrozen)  # its __post_init__ refuses to run
    object.__setattr__(p, "W", W)
    object.__setattr__(p, "b", B)
    gradient = check_tree_grad(affine_loss, (p, X))
    assert isinstance(gradient, AffineFrozen)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gradient.W = W


def test_emitted_code_reads_fields_as_written():
    source = adcompile.source(affine_loss)
    assert "p_W = p.W" in source and "p_b = p.b" in source
    assert 'unattribute(bp_W, p, "W")' in source
    assert 'as_gradient(bp, p, "p")' in source


def test_fields_without_floats_get_none_and_are_no_error():
    p = Configured(np.array([0.3, -0.7]), 1.3, steps=3, extra=None)
    gradient = check_tree_grad(configured_loss, (p, np.array([1.0, 2.0])))
    assert gradient.steps is None and gradient.name is None
    assert gradient.extra is None and gradient.index is None
    assert gradient.settings == {"act": None}
    assert type(gradient.scale) is float


def test_an_unused_object_has_a_zero_gradient_of_its_class():
    gradient = adcompile.grad(affine_loss, wrt=1)(Affine(W, B), X)
    assert gradient.shape == X.shape
    zero = adcompile.grad(lambda_free_loss, wrt=0)(AffineData(W, B), X)
    assert isinstance(zero, AffineData)
    np.testing.assert_array_equal(zero.W, np.zeros_like(W))


def lambda_free_loss(p, x):
    return np.sum(x**2)


def test_getattr_reads_a_field_too():
    p = AffineData(W, B)
    gradient = check_tree_grad(by_getattr, (p, np.array([1.0, 2.0])))
    np.testing.assert_allclose(gradient.W, np.tile([1.0, 2.0], (3, 1)))


def test_a_field_read_twice_adds_up():
    check_tree_grad(field_twice, (AffineObject(np.array([0.5, 2.0]), B), B))


# ---- nesting: helpers, loops over layers, dicts of objects ----------------------


def test_passing_an_object_to_a_helper_that_reads_its_fields():
    gradient = check_tree_grad(through_helper, (AffineData(W, B), X))
    assert isinstance(gradient, AffineData)


def test_dataclass_of_a_list_of_named_tuple_layers():
    model = _mlp()
    gradient = check_tree_grad(mlp_loss, (model, X))
    assert isinstance(gradient.layers[0], Layer) and gradient.depth is None
    check_tree_grad(mlp_indexed, (model, X))


def test_mlp_against_autograd():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    model = _mlp()

    def reference(params, x):
        h = x
        for W, b in params["layers"]:
            h = anp.tanh(h @ W + b)
        return anp.sum((h @ params["head"]) ** 2) / 2

    params = {
        "layers": [(layer.W, layer.b) for layer in model.layers],
        "head": model.head,
    }
    expected = autograd.grad(reference)(params, X)
    gradient = adcompile.grad(mlp_loss)(model, X)
    for got, (dW, db) in zip(gradient.layers, expected["layers"], strict=True):
        np.testing.assert_allclose(got.W, dW, rtol=1e-10)
        np.testing.assert_allclose(got.b, db, rtol=1e-10)
    np.testing.assert_allclose(gradient.head, expected["head"], rtol=1e-10)


def test_a_dict_of_dataclasses():
    models = {"a": AffineData(W, B), "b": AffineData(-W, 2 * B)}
    gradient = check_tree_grad(dict_of_models, (models, X))
    assert set(gradient) == {"a", "b"}
    assert all(isinstance(g, AffineData) for g in gradient.values())


# ---- corpus: fields read under control flow, in comprehensions, nested -----------


@dataclasses.dataclass
class Encoder:
    inner: Affine
    gain: np.float32
    parent: Any = None


def branches_over_layers(model, x):
    total = 0.0
    for layer in model.layers:
        if np.sum(layer.W) > 0.0:
            total = total + np.sum(np.tanh(x @ layer.W[:3, :]))
        else:
            total = total - np.sum(layer.b**2)
    return total


def while_over_layers(model, x):
    i = 0
    h = x
    while i < len(model.layers):
        h = np.sin(h @ model.layers[i].W)
        i += 1
    return np.sum(h) * model.head[0]


def comprehension_over_layers(model, x):
    norms = [np.sum(layer.W**2) + np.sum(layer.b * x[:, 0]) for layer in model.layers]
    return sum(norms) + max(np.sum(layer.b) for layer in model.layers)


def nested_fields(enc, x):
    return np.sum(np.cos(x @ enc.inner.W + enc.inner.b)) * enc.gain


def field_saved_in_loop(p, x):
    h = x
    for _ in range(3):
        w = p.W * h
        h = np.sin(w)
    return np.sum(h) * p.b


@pytest.mark.parametrize(
    "f, make",
    [
        (branches_over_layers, lambda: (_mlp(), X)),
        (while_over_layers, lambda: (_mlp(), X)),
        (comprehension_over_layers, lambda: (_mlp(), X)),
        (
            nested_fields,
            lambda: (Encoder(Affine(W, B), np.float64(1.5)), X),
        ),
        (field_saved_in_loop, lambda: (AffineObject(np.array([0.4, 1.2]), 0.7), B)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_corpus(f, make):
    args = make()
    check_tree_grad(f, args)
    v = random_like(args[0], np.random.default_rng(9))
    _, tangent = adcompile.jvp(f, args, (v, None))
    assert tangent == pytest.approx(
        numeric_derivative(f, args, 0, v), rel=1e-5, abs=1e-6
    )


def test_float32_fields_keep_their_dtype_and_back_references_get_none():
    enc = Encoder(Affine(W.astype(np.float32), B.astype(np.float32)), np.float32(2.0))
    enc.parent = enc  # a reference back to the object itself
    gradient = adcompile.grad(nested_fields)(enc, X.astype(np.float32))
    assert gradient.inner.W.dtype == np.float32 and type(gradient.gain) is np.float32
    assert gradient.parent is None


# ---- methods: self holds the parameters -------------------------------------------


def test_bound_method_wrt_an_argument_and_wrt_self():
    model = _mlp()
    gx = adcompile.grad(model.loss)(X)
    assert gx.shape == X.shape
    v = np.random.default_rng(1).normal(size=X.shape)
    numeric = (model.loss(X + 1e-6 * v) - model.loss(X - 1e-6 * v)) / 2e-6
    assert float(np.sum(gx * v)) == pytest.approx(numeric, rel=1e-5)
    from_self = adcompile.grad(model.loss, wrt="self")(X)
    as_function = adcompile.grad(MLP.loss)(model, X)
    assert isinstance(from_self, MLP) and from_self.depth is None
    tree_map(lambda a, b: np.testing.assert_allclose(a, b), from_self, as_function)
    check_tree_grad(MLP.loss, (model, X))
    both = adcompile.grad(model.loss, wrt=("self", 0))(X)
    tree_map(lambda a, b: np.testing.assert_allclose(a, b), both[0], from_self)
    np.testing.assert_allclose(both[1], gx)


def test_plain_model_method_wrt_self():
    model = Model(np.array([0.5, -1.0]))
    x, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 0.0])
    gradient = adcompile.grad(model.loss, wrt="self")(x, y)
    assert isinstance(gradient, Model) and gradient.calls is None
    np.testing.assert_allclose(gradient.w, 2 * x.T @ (x @ model.w - y))


def test_a_method_called_through_its_class_reaches_the_fields():
    p = Predictor(np.array([1.0, -0.5]), 0.5)
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    gradient = adcompile.grad(p.loss, wrt="self")(x)
    residual = x @ p.W + p.b
    np.testing.assert_allclose(gradient.W, 2 * x.T @ residual)
    assert gradient.b == pytest.approx(2 * residual.sum())
    check_tree_grad(Predictor.loss, (p, x))
    _, tangent = adcompile.jvp(Predictor.loss, (p, x), (p, None))
    assert tangent == pytest.approx(tree_dot(gradient, p))


def test_a_method_called_on_a_differentiated_object_is_refused():
    p = Predictor(np.array([1.0, -0.5]), 0.5)
    for f, args in [(calls_a_method, (p, B)), (p.loss_by_method, (B,))]:
        text = _refusal(f, *args, wrt="self" if f is not calls_a_method else 0)
        assert ".predict() is called on a value the gradient depends on" in text
        assert "call it through the class, Class.predict(" in text
        assert HERE.search(text), text


# ---- forward mode and second derivatives ------------------------------------------


def test_vjp_of_an_object():
    p = AffineData(W, B)
    value, pullback = adcompile.vjp(affine_out, p, X)
    np.testing.assert_allclose(value, affine_out(p, X))
    cotangent = np.random.default_rng(2).normal(size=value.shape)
    gradient = pullback(cotangent)
    assert isinstance(gradient, AffineData)
    v = random_like(p, np.random.default_rng(4))

    def projected(p, x):
        return np.sum(affine_out(p, x) * cotangent)

    assert tree_dot(gradient, v) == pytest.approx(
        numeric_derivative(projected, (p, X), 0, v), rel=1e-6
    )


@pytest.mark.parametrize("cls", [Affine, AffineData, AffineObject])
def test_jvp_with_tangents_of_the_same_class(cls):
    p = cls(W, B)
    v = random_like(p, np.random.default_rng(5))
    value, tangent = adcompile.jvp(affine_loss, (p, X), (v, None))
    assert value == pytest.approx(affine_loss(p, X))
    assert tangent == pytest.approx(numeric_derivative(affine_loss, (p, X), 0, v))
    assert tangent == pytest.approx(tree_dot(adcompile.grad(affine_loss)(p, X), v))


def test_jvp_through_layers_and_settings():
    model = _mlp()
    v = random_like(model, np.random.default_rng(6))
    _, tangent = adcompile.jvp(mlp_loss, (model, X), (v, None))
    assert tangent == pytest.approx(numeric_derivative(mlp_loss, (model, X), 0, v))
    p = Configured(np.array([0.3, -0.7]), 1.3)
    t = dataclasses.replace(p, W=np.array([1.0, 0.5]), scale=-0.5, steps=None)
    _, tangent = adcompile.jvp(configured_loss, (p, np.ones(2)), (t, None))
    expected = numeric_derivative(configured_loss, (p, np.ones(2)), 0, t)
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_jvp_tangent_of_another_class_is_refused():
    with pytest.raises(adcompile.BadTangent, match="must be a AffineData"):
        adcompile.jvp(affine_loss, (AffineData(W, B), X), ({"W": W, "b": B}, None))


def _check_hvp(f, p, x, seed):
    """hvp of ``f`` in its object parameter ``p``: an object of p's class,
    equal to differences of the gradient along a random tangent."""
    v = random_like(p, np.random.default_rng(seed))
    product = adcompile.hvp(f, (p, x), (v, None))
    assert type(product) is type(p)
    gradient = adcompile.grad(f)
    step = 1e-6
    plus = gradient(tree_map(lambda a, b: a + step * b, p, v), x)
    minus = gradient(tree_map(lambda a, b: a - step * b, p, v), x)
    expected = tree_map(lambda a, b: (a - b) / (2 * step), plus, minus)
    tree_map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
        product,
        expected,
    )


def test_hvp_of_an_object():
    _check_hvp(mlp_loss, _mlp(), X, 8)


def _bias_of(p):
    return p.b


def _weight_of(p):
    return p.W


def reads_fields_through_two_helpers(p, x):
    return np.tanh(_bias_of(p)[0]) + np.sum(np.sin(x @ _weight_of(p)))


def ignores_its_object(p, x):
    return np.sum(x * x)


@pytest.mark.parametrize("cls", [Affine, AffineData, AffineObject])
@pytest.mark.parametrize("f", [reads_fields_through_two_helpers, ignores_its_object])
def test_hvp_of_an_object_whose_fields_meet_in_the_gradient(f, cls):
    # Each helper's pullback gives the adjoints of the fields it read; their
    # tangents add entry by entry, and a field nobody reads has zeros.
    _check_hvp(f, cls(W, B), X, 9)


# ---- refusals ---------------------------------------------------------------------


def _refusal(f, *args, kind=adcompile.AdcompileError, wrt=0):
    with pytest.raises(kind) as info:
        adcompile.grad(f, wrt=wrt)(*args)
    return str(info.value)


@pytest.mark.parametrize(
    "f, code",
    [
        (writes_a_field, "p.W = p.W * 2.0"),
        (adds_to_a_field, "p.b += 1.0"),
    ],
)
def test_writing_a_field_is_refused_where_it_is_written(f, code):
    text = _refusal(f, AffineData(W[:, 0].copy(), B), B[:1])
    assert "assignment to an attribute" in text and code in text
    assert HERE.search(text), text


def test_writing_into_a_field_is_followed_and_the_callers_object_changes():
    p = AffineData(np.ones(2), B.copy())
    gp, gx = adcompile.grad(writes_into_a_field, wrt=(0, 1))(p, B)
    np.testing.assert_allclose(p.W, [1.0, 1.0])  # as f leaves it
    np.testing.assert_allclose(gx, [1.0, 1.0])  # (p.W[0] was 1.0 before too)
    np.testing.assert_allclose(gp.W, [0.0, B[1]])  # (the write replaced W[0])


def test_writing_into_a_field_another_argument_sees_is_refused():
    text = _refusal(writes_into_a_field, AffineData(np.ones(2), B), B[:2], wrt=(0, 1))
    assert "another argument shares its memory" in text, text


def test_a_method_writing_to_self_is_refused_where_it_writes():
    model = Model(np.array([0.5, -1.0]))
    for wrt in (0, "self"):
        text = _refusal(model.bump, np.ones(2), wrt=wrt)
        assert "self.w += x" in text and HERE.search(text), text


def test_a_property_is_refused():
    text = _refusal(
        reads_a_property, WithProperty(np.ones(2)), B, kind=adcompile.NoDerivativeRule
    )
    assert ".doubled of a WithProperty is not one of the fields" in text
    assert "def reads_a_property" in text and HERE.search(text), text


def test_a_class_attribute_is_refused():
    text = _refusal(
        reads_a_class_attribute,
        WithClassAttribute(np.ones(2)),
        B,
        kind=adcompile.NoDerivativeRule,
    )
    assert ".scale of a WithClassAttribute" in text


def test_an_attribute_of_an_array_is_refused():
    text = _refusal(reads_imag, np.ones(2), kind=adcompile.NoDerivativeRule)
    assert "the attribute .imag of a ndarray" in text and "np.imag(x)" in text


@pytest.mark.parametrize(
    "f, p",
    [(transposed, Transposed(np.ones((2, 2)))), (sized, Sized(2.0))],
    ids=["T", "size"],
)
def test_a_field_named_like_an_array_attribute_is_refused(f, p):
    text = _refusal(f, p, kind=adcompile.UnsupportedSyntax)
    field = "T" if isinstance(p, Transposed) else "size"
    assert f"has a field named {field}" in text and f"rename the field {field}" in text
    with pytest.raises(adcompile.UnsupportedSyntax, match=f"field named {field}"):
        adcompile.jvp(f, (p,), (copy.copy(p),))


def test_an_integer_in_a_dict_parameter_is_still_refused():
    """Fields of objects may hold settings; a dict's items are all
    parameters, as before (keep settings in a separate argument)."""
    with pytest.raises(adcompile.IntegerInput, match=r"'p\['n'\]'"):
        adcompile.grad(dict_loss)({"W": np.ones(2), "n": 3}, np.ones(2))


def dict_loss(p, x):
    return np.sum(p["W"] * x)


def test_jacobians_and_grad_of_grad_of_an_object_are_refused_clearly():
    p = AffineData(W, B)
    for transform in (adcompile.hessian, adcompile.jacfwd):
        with pytest.raises(adcompile.UnsupportedSyntax, match="a AffineData: Jacob"):
            transform(affine_loss)(p, X)
    with pytest.raises(adcompile.NonScalarOutput, match="which is a AffineData"):
        adcompile.grad(adcompile.grad(affine_loss))(p, X)
    jacobian = adcompile.jacrev(affine_loss)(p, X)  # of a scalar: the gradient
    tree_map(np.testing.assert_allclose, jacobian, adcompile.grad(affine_loss)(p, X))


OBJECT_MODEL = """\
import dataclasses

import numpy as np


@dataclasses.dataclass
class Params:
    W: np.ndarray
    b: float
    steps: int = 2


def loss(p, x):
    return np.sum(np.tanh(x @ p.W) ** 2) * p.b
"""


def test_a_built_module_gives_objects_their_gradients(project):
    """``adcompile build`` copies the helpers of fields: the module needs
    only numpy, and gives the gradient adcompile gives."""
    import importlib

    from adcompile._src.tools import cli

    (project / "objects.py").write_text(OBJECT_MODEL)
    assert cli.main(["build", "objects.py"]) == 0
    importlib.invalidate_caches()
    objects = importlib.import_module("objects")
    built = importlib.import_module("objects_grad")
    assert "import adcompile" not in (project / "objects_grad.py").read_text()
    p = objects.Params(np.array([[0.5, -1.0], [2.0, 0.3]]), 0.7)
    x = np.array([[1.0, 2.0], [-0.5, 0.1]])
    gradient = built.grad_loss(p, x)
    assert isinstance(gradient, objects.Params) and gradient.steps is None
    tree_map(np.testing.assert_allclose, gradient, adcompile.grad(objects.loss)(p, x))
