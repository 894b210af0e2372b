"""The public API: grad, value_and_grad, vjp, source, wrt, caching."""

import threading

import numpy as np
import pytest

import adcompile
from adcompile._src.compilation import compiler
from tests import programs as p
from tests.gradcheck import check_grad


def test_grad_of_scalar_function_is_a_python_float():
    g = adcompile.grad(p.square_plus)(2.0)
    assert type(g) is float
    assert g == pytest.approx(2 * 2.0 + 3)


def test_grad_keeps_float32_dtype_and_shape():
    x = np.linspace(0.1, 1.0, 6, dtype=np.float32).reshape(2, 3)
    g = adcompile.grad(p.sum_square_plus)(x)
    assert g.dtype == np.float32 and g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * x + 3, rtol=1e-6)


def test_numpy_scalar_input_gives_numpy_scalar():
    g = adcompile.grad(p.square_plus)(np.float64(1.5))
    assert isinstance(g, np.float64)


def test_wrt_by_name_index_and_tuple():
    x, y = np.array([0.1, 0.2]), np.array([1.0, 3.0])
    by_name = adcompile.grad(p.two_args, wrt="y")(x, y)
    by_index = adcompile.grad(p.two_args, wrt=1)(x, y)
    np.testing.assert_allclose(by_name, np.sin(x))
    np.testing.assert_allclose(by_index, np.sin(x))
    gx, gy = adcompile.grad(p.two_args, wrt=("x", 1))(x, y)
    np.testing.assert_allclose(gx, np.cos(x) * y)
    np.testing.assert_allclose(gy, np.sin(x))
    (only,) = adcompile.grad(p.two_args, wrt=(0,))(x, y)
    np.testing.assert_allclose(only, np.cos(x) * y)


def test_decorator_forms():
    @adcompile.grad
    def bare(x):
        return np.sum(x * x)

    @adcompile.grad(wrt="b")
    def with_wrt(a, b):
        return np.sum(a * b)

    np.testing.assert_allclose(bare(np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_allclose(with_wrt(np.ones(2) * 3, np.ones(2)), [3.0, 3.0])


def test_decorated_function_may_use_helpers_defined_later():
    @adcompile.grad
    def uses_later(x):
        return np.sum(later_scale * x)  # noqa: F821

    globals()["later_scale"] = 4.0
    try:
        np.testing.assert_allclose(uses_later(np.ones(2)), [4.0, 4.0])
    finally:
        del globals()["later_scale"]


def test_keyword_and_default_arguments():
    df = adcompile.grad(p.with_defaults)
    x = np.ones(3)
    np.testing.assert_allclose(df(x), [2.0] * 3)
    np.testing.assert_allclose(df(x, 5.0), [5.0] * 3)
    np.testing.assert_allclose(df(x, scale=7.0, offset=0.0), [7.0] * 3)
    np.testing.assert_allclose(df(x=x, scale=3.0), [3.0] * 3)


def test_value_and_grad():
    value, g = adcompile.value_and_grad(p.square_plus)(2.0)
    assert value == pytest.approx(10.0) and g == pytest.approx(7.0)
    value, (gx, gy) = adcompile.value_and_grad(p.two_args, wrt=(0, 1))(
        np.ones(2), np.ones(2)
    )
    assert value == pytest.approx(2 * np.sin(1.0))


def test_vjp_of_vector_output():
    x = np.array([0.1, 0.5, 1.0])
    out, pullback = adcompile.vjp(p.vector_output, x)
    np.testing.assert_allclose(out, np.sin(x) * 2.0)
    ct = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(pullback(ct), 2.0 * np.cos(x) * ct)
    with pytest.raises(adcompile.NonScalarOutput, match="cotangent"):
        pullback(np.ones(2))


def test_unused_parameter_has_zero_gradient():
    gx, gy = adcompile.grad(p.unused_param, wrt=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gy, np.zeros(3))
    assert gy.dtype == np.float64


def test_source_and_attribute():
    text = adcompile.source(p.square_plus)
    assert text.startswith("def grad_square_plus(x):")
    assert "# grad of: return x**2 + 3 * x" in text
    df = adcompile.grad(p.square_plus)
    assert "def grad_square_plus" in df.source
    assert "vjp_vector_output" in adcompile.source(p.vector_output, kind="vjp")


def test_aliases_globals_and_closures_resolve():
    x = np.array([0.3, 0.7])
    check_grad(p.uses_aliases, (x,))
    np.testing.assert_allclose(adcompile.grad(p.uses_global)(x), [2.0, 2.0])
    scaled = p.make_closure(3.0)
    np.testing.assert_allclose(adcompile.grad(scaled)(x), 3.0 * (1 - np.tanh(x) ** 2))


def test_globals_are_read_live():
    x = np.ones(2)
    df = adcompile.grad(p.uses_global)
    df(x)
    old = p.SCALE
    p.SCALE = 5.0
    try:
        np.testing.assert_allclose(df(x), [5.0, 5.0])
    finally:
        p.SCALE = old


@pytest.mark.parametrize(
    "function, args",
    [
        (p.tuple_unpack, (np.array([0.2, 0.4]),)),
        (p.calls_math, (0.7,)),
        (p.methods, (np.arange(6.0).reshape(2, 3) / 7, np.array([0.5, -1.0, 2.0]))),
        (p.indexing, (np.arange(12.0).reshape(3, 4) / 5,)),
        (p.sigmoid_loss, (np.array([0.1, -0.2]), np.eye(2), np.array([1.0, 0.0]))),
        (p.nondiff_parts, (np.array([0.3, 1.7, 0.9]),)),
        (p.comparison_mask, (np.array([0.3, 1.7, 0.9]),)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_programs_match_finite_differences(function, args):
    check_grad(function, args)


def test_multiple_wrt_on_method_program():
    x = np.arange(6.0).reshape(2, 3) / 7
    w = np.array([0.5, -1.0, 2.0])
    check_grad(p.methods, (x, w), wrt=(0, 1))


def test_arguments_are_not_mutated():
    x = np.array([1.0, 2.0, 3.0])
    keep = x.copy()
    adcompile.grad(p.tuple_unpack)(x)
    adcompile.vjp(p.vector_output, x)[1](np.ones(3))
    np.testing.assert_array_equal(x, keep)


def test_returned_gradient_is_a_fresh_writable_array():
    x = np.ones(3)
    g = adcompile.grad(lambda_free_sum)(x)
    g[0] = 100.0  # writable, and owned: the next call is unaffected
    np.testing.assert_array_equal(adcompile.grad(lambda_free_sum)(x), np.ones(3))


def lambda_free_sum(x):
    return np.sum(x)


def test_transformation_is_cached():
    compiled = compiler.compiled(p.square_plus, 0, "grad")
    assert compiler.compiled(p.square_plus, 0, "grad") is compiled
    assert compiler.compiled(p.square_plus, "x", "grad") is compiled
    df = adcompile.grad(p.square_plus)
    df(1.0)
    assert df.compiled is compiled


def test_cache_is_thread_safe():
    def f(x):
        return np.sum(np.cos(x) * x)

    results = []

    def worker():
        results.append(compiler.compiled(f, 0, "grad"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in results}) == 1


def test_traceback_shows_generated_lines():
    import linecache
    import traceback

    df = adcompile.grad(p.two_args)
    with pytest.raises(ValueError) as info:
        df(np.ones(3), np.ones(2))  # shapes that do not broadcast
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<adcompile grad of")]
    assert generated, [f.filename for f in frames]
    assert generated[0].line  # linecache knows the emitted source
    assert linecache.getline(generated[0].filename, generated[0].lineno).strip()


def test_wrt_a_dict_gives_a_dict_of_gradients():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.normal(size=(3, 4)),
        "b1": rng.normal(size=4),
        "W2": rng.normal(size=(4, 2)),
    }
    x = rng.normal(size=(5, 3))
    grads = adcompile.grad(p.dict_params)(params, x)

    def reference(params, x):
        h = anp.tanh(x @ params["W1"] + params["b1"])
        return anp.sum((h @ params["W2"]) ** 2) + 0.1 * anp.sum(params["W1"] ** 2)

    expected = autograd.grad(reference)(params, x)
    assert set(grads) == set(params)
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-10)


def test_wrt_a_list_and_nested_containers():
    rng = np.random.default_rng(1)
    ws = [rng.normal(size=(3, 3)) for _ in range(3)]
    x = rng.normal(size=(4, 3))
    grads = adcompile.grad(p.list_of_layers)(ws, x)
    assert isinstance(grads, list) and len(grads) == 3
    step = 1e-6
    direction = [rng.normal(size=(3, 3)) for _ in range(3)]
    plus = [w + step * d for w, d in zip(ws, direction, strict=True)]
    minus = [w - step * d for w, d in zip(ws, direction, strict=True)]
    numeric = (p.list_of_layers(plus, x) - p.list_of_layers(minus, x)) / (2 * step)
    analytic = sum(np.sum(g * d) for g, d in zip(grads, direction, strict=True))
    assert analytic == pytest.approx(numeric, rel=1e-6)
    params = {"layers": [{"w": np.ones(2)}, {"w": np.full(2, 2.0)}], "scale": 3.0}
    grads = adcompile.grad(p.nested_params)(params, np.array([0.0, 1.0]))
    np.testing.assert_allclose(grads["layers"][0]["w"], [0.0, 1.0])
    np.testing.assert_allclose(grads["layers"][1]["w"], [3.0, 3.0])
    assert grads["scale"] == pytest.approx(4.0) and type(grads["scale"]) is float


@pytest.mark.parametrize(
    "function, args, wrt",
    [
        (p.nested_helper, (np.array([0.3, -0.2]), 0.7), (0, 1)),
        (p.nested_lambda, (np.array([0.3, -0.2]), 0.7), (0, 1)),
        (p.nested_helper_in_loop, (np.array([0.3, -0.2]),), 0),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_nested_functions_and_lambdas(function, args, wrt):
    check_grad(function, args, wrt=wrt)


def test_nested_closure_used_as_a_value_is_refused():
    with pytest.raises(adcompile.UnsupportedSyntax, match="used as a value"):
        adcompile.grad(p.nested_closure_escapes)(np.ones(2), 3.0)


def test_nested_function_of_its_arguments_only_may_be_passed_along():
    check_grad(p.nested_escapes, (np.array([0.3, -0.2]),))


def test_bound_methods_and_callable_objects():
    model = p.Model(2.0)
    w, x = np.array([0.1, 0.2]), np.array([[1.0, 0.5], [0.0, 2.0]])
    expected = 2.0 * x.T @ (1 - np.tanh(x @ w) ** 2)
    np.testing.assert_allclose(adcompile.grad(model.loss)(w, x), expected)
    np.testing.assert_allclose(adcompile.grad(model.loss, wrt="w")(w, x), expected)
    np.testing.assert_allclose(adcompile.grad(model)(w), 4.0 * w)
    model.scale = 3.0  # attributes are read when the gradient runs
    np.testing.assert_allclose(adcompile.grad(model)(w), 6.0 * w)


def test_importing_adcompile_does_not_import_optional_libraries():
    import subprocess
    import sys

    code = "import sys, adcompile; print(sorted(m for m in ('scipy', 'black') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def one_line(x): return np.sum(x * x)  # fmt: skip


def test_a_function_on_one_line():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(adcompile.grad(one_line)(x), 2 * x)
    assert adcompile.jvp(one_line, (x,), (np.ones(2),))[1] == pytest.approx(-2.0)


def _layer(x, act):
    return np.sum(act(x) * x)


def _reduce_with(x, reduce):
    return np.sum(reduce(x * x))


def _square(z):
    return z * z


@pytest.mark.parametrize(
    "f, fn",
    [
        (_layer, np.tanh),
        (_layer, np.exp),
        (_layer, _square),
        (_reduce_with, np.cumsum),
        (_reduce_with, np.linalg.norm),
    ],
    ids=["tanh", "exp", "user", "cumsum", "norm"],
)
def test_a_function_passed_as_an_argument_is_differentiated_by_its_rule(f, fn):
    """numpy functions passed in (an activation, a reduction) are called at
    run time through a one-line function adcompile can read."""
    x = np.array([0.3, -0.5, 0.8])
    check_grad(f, (x, fn), wrt=0)
    value, tangent = adcompile.jvp(f, (x, fn), (np.ones(3), None))
    assert value == pytest.approx(f(x, fn))
    assert tangent == pytest.approx(np.sum(adcompile.grad(f)(x, fn)))


def test_a_function_passed_in_without_a_rule_is_refused():
    with pytest.raises(adcompile.NoDerivativeRule, match="no derivative rule for i0"):
        adcompile.grad(_layer)(np.array([0.3, 0.5]), np.i0)


def _inner(v):
    return v * v


def _outer(x):
    return np.sum(_inner(x))


def test_asking_again_after_a_callee_is_redefined_calls_the_new_one(monkeypatch):
    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(adcompile.grad(_outer)(x), 2 * x)
    monkeypatch.setitem(globals(), "_inner", lambda v: v**3)
    np.testing.assert_allclose(adcompile.grad(_outer)(x), 3 * x**2)
    monkeypatch.undo()
    np.testing.assert_allclose(adcompile.grad(_outer)(x), 2 * x)


def test_functions_with_the_same_code_and_other_globals_are_told_apart(project):
    """Functions passed in whose code is equal (code objects compare by
    value) but whose globals differ get their own derivatives."""
    text = "import numpy as np\n\nSCALE = {}\n\n\ndef act(z):\n    return z * SCALE\n"
    (project / "scaled_by_two.py").write_text(text.format(2.0))
    (project / "scaled_by_five.py").write_text(text.format(5.0))
    import scaled_by_five
    import scaled_by_two

    assert scaled_by_two.act.__code__ == scaled_by_five.act.__code__
    x = np.array([0.3, -0.5, 0.8])
    for module, scale in ((scaled_by_two, 2.0), (scaled_by_five, 5.0)):
        gradient = adcompile.grad(_layer)(x, module.act)
        np.testing.assert_allclose(gradient, 2 * scale * x, rtol=1e-12)


def writes_its_first_parameter(x, y):
    x *= 2.0
    return np.sum(x * y)


def test_the_same_array_for_a_parameter_written_in_place_and_another_is_refused():
    """f(a, a) with x written in place: f's y sees the write, a derivative
    working on a private copy of x would not; refused where the function
    is defined, in every mode that runs the written parameter's copy."""
    a = np.array([1.0, 2.0])
    with pytest.raises(adcompile.UnsupportedSyntax, match="shares its memory") as error:
        adcompile.grad(writes_its_first_parameter)(a, a)
    assert "def writes_its_first_parameter" in str(error.value)
    with pytest.raises(adcompile.UnsupportedSyntax, match="shares its memory"):
        adcompile.jvp(writes_its_first_parameter, (a, a[:]), (np.ones(2), None))
    b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(adcompile.grad(writes_its_first_parameter)(b, c), 2 * c)
    np.testing.assert_array_equal(b, [2.0, 4.0])  # as the function leaves it
