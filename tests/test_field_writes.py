"""Writes into the arrays an object's fields hold: ``P.b[0] = v``,
``W = P.W; W[1] *= v``, ``getattr(P, "W")[0] += v``, ``h(P.b)`` where ``h``
writes into its parameter, ``model.b[1:] += v`` inside a helper given the
object, and ``p["w"][1:] += v`` on a dict.

In Python each changes the array the caller's object holds. Lowering turns
the write into a new array and the object into a new one holding it,
``with_field(P, "b", b_1)`` (``normal/parts.py``, ``runtime/structs.py``),
and the caller's object gets the final arrays at the end (``write_back``).
Each was refused before ("assignment into part of something that is not a
local array", "h1(...) wrote into a ndarray it was given"; long run, seed
901). Each program runs in every mode against finite differences, with the
arguments left as ``f`` leaves them (``tests/compose/check.py``).
"""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_source

HEADER = """import dataclasses
from typing import NamedTuple

import numpy as np


@dataclasses.dataclass
class Lin:
    W: np.ndarray
    b: np.ndarray


class Pair(NamedTuple):
    w: np.ndarray
    c: float


def bump(z, c):
    z[0] += 0.5 * c * z[1]
    return np.sum(z)


def fill(out, v):
    out[:] = np.tanh(v)


def shift(model, c):
    model.b[1:] += c * model.W[0, 1:]
    return np.sum(model.b)


"""

PROGRAMS = {
    "items_of_fields_written_directly": (
        ["x", "P"],
        """
        def f(x, P):
            P.b[0] = x[0] * P.b[1]
            P.W[1, 1:] *= x[1:]
            return np.sum(P.b * x) + np.sum(P.W @ x)
        """,
    ),
    "a_field_named_then_written": (
        ["x", "P"],
        """
        def f(x, P):
            b = P.b
            b[1:] = np.tanh(b[1:] * x[:2])
            return np.sum(P.b ** 2) + np.sum(b * x)
        """,
    ),
    "a_field_read_by_getattr_then_updated": (
        ["x", "P"],
        """
        def f(x, P):
            W = getattr(P, "W")
            W[1, 1:] *= x[1:]
            getattr(P, "W")[0, 0] += x[0] * P.b[2]
            return np.sum(P.W @ x) * np.sum(P.b)
        """,
    ),
    "fields_given_to_helpers_that_write_into_them": (
        ["x", "P"],
        """
        def f(x, P):
            s = bump(P.b, x[0]) + bump(getattr(P, "W")[1], x[1]) * x[0]
            fill(P.b, x * P.b)
            return s + np.sum(P.W @ x) * np.sum(P.b)
        """,
    ),
    "a_field_given_to_a_writer_in_a_loop_and_a_branch": (
        ["x", "P"],
        """
        def f(x, P):
            t = 0.0
            i = 0
            while i < 3:
                if x[i] > -5.0:
                    t = t + bump(P.b, x[i])
                i += 1
            for k in range(2):
                t = t * 0.5 + bump(P.W[1], t)
            return t * np.sum(P.W[0] * P.b)
        """,
    ),
    "items_of_a_field_written_in_a_loop": (
        ["x", "P"],
        """
        def f(x, P):
            for i in range(3):
                P.b[i] = np.sin(P.b[i] * x[i])
                getattr(P, "W")[0, i] += x[i] * P.b[i]
            return np.sum(P.W @ x) * np.sum(P.b)
        """,
    ),
    "a_named_tuples_field_written": (
        ["x", "q"],
        """
        def f(x, q):
            q.w[0] = q.w[1] * x[0]
            return np.sum(q.w * x) * q.c
        """,
    ),
    "a_helper_writes_into_the_field_of_the_object_it_is_given": (
        ["x", "P"],
        """
        def f(x, P):
            s = shift(P, x[0])
            return s * np.sum(P.b * x)
        """,
    ),
    "a_dict_entry_written_through_a_nested_target": (
        ["x", "p"],
        """
        def f(x, p):
            p["w"][1:] += np.tanh(x[:2] * p["w"][0])
            return np.sum(p["w"] * x) * p["b"]
        """,
    ),
    # a helper whose if-test calls a writer given its object's field (long
    # run, seed 901: refused)
    "a_field_given_to_a_writer_in_a_helpers_condition": (
        ["x", "P"],
        """
        def step(z, model, depth):
            if np.sum(bump(model.b, depth)) > -50.0:
                z = z * 0.5
            return z * 1.0

        def f(x, P):
            for i, e in enumerate(x):
                u = step(x, P, e)[1]
            return P.b[1] * u
        """,
    ),
    # a row of a field at an index computed as the code runs: the write
    # into the view is not followed back to the object (refused, located)
    "a_row_of_a_field_at_a_computed_index_given_to_a_writer": (
        ["x", "P"],
        """
        def f(x, P):
            t = 0.0
            for k in range(2):
                t = t * 0.5 + bump(P.W[k], t)
            return t * np.sum(P.W[0] * P.b)
        """,
    ),
    # the field read by getattr before the writer runs, into a new value:
    # the write came back as for P.W (it was refused as the code ran)
    "a_field_read_by_getattr_before_a_writer_in_the_statement": (
        ["x", "P"],
        """
        def f(x, P):
            s = np.sum(np.tanh(getattr(P, "W") @ x)) + bump(P.b, x[0])
            return s + np.sum(P.b * P.b) + np.sum(getattr(P, "W") * x)
        """,
    ),
    # ... and its object handed on by getattr, read after the call
    "a_field_read_by_getattr_as_an_operand_left_of_a_writer": (
        ["x", "P"],
        """
        def f(x, P):
            s = np.sum(getattr(P, "b") * x) * bump(P.b, x[1])
            return s + np.sum(P.b * x)
        """,
    ),
}
REFUSED = {"a_row_of_a_field_at_a_computed_index_given_to_a_writer"}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_write_into_a_field_is_right_in_every_mode_or_refused(name: str) -> None:
    params, body = PROGRAMS[name]
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, params, seed=5, program_id=name)
    assert result.klass == ("refused" if name in REFUSED else "pass"), result
    refused = [m for m in result.modes.values() if m.status == "refused"]
    assert all("File " in m.detail for m in refused), result


class _Plain:  # a plain class: its fields are what __init__ set
    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = W
        self.b = b


def _writes_fields(x, P):
    P.b[1:] = np.tanh(P.b[1:] * x[:2])
    P.W[0] *= x[2]
    return np.sum(P.W @ x) + np.sum(P.b**2)


def _plain(b: np.ndarray | None = None) -> _Plain:
    W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
    return _Plain(W, np.array([0.3, -0.7, 0.9]) if b is None else b)


def test_a_plain_objects_fields_written_give_its_gradient_and_its_arrays() -> None:
    x = np.array([0.4, -0.2, 0.7])
    P, expected = _plain(), _plain()
    value, (gx, gP) = adcompile.value_and_grad(_writes_fields, wrt=(0, 1))(x, P)
    assert value == _writes_fields(x, expected)
    np.testing.assert_allclose(P.b, expected.b)  # as f left them
    np.testing.assert_allclose(P.W, expected.W)
    assert isinstance(gP, _Plain)
    h = 1e-6
    for field in ("W", "b"):
        shape = np.shape(getattr(_plain(), field))
        for index in np.ndindex(shape):
            up, down = _plain(), _plain()
            getattr(up, field)[index] += h
            getattr(down, field)[index] -= h
            slope = (_writes_fields(x, up) - _writes_fields(x, down)) / (2 * h)
            assert getattr(gP, field)[index] == pytest.approx(slope, abs=1e-6)
    for i in range(3):
        step = np.eye(3)[i] * h
        slope = _writes_fields(x + step, _plain()) - _writes_fields(x - step, _plain())
        assert gx[i] == pytest.approx(slope / (2 * h), abs=1e-6)


@dataclasses.dataclass
class _Two:
    u: np.ndarray
    v: np.ndarray


def _writes_one_field(x, t):
    t.u[0] = x[0] * 2.0
    return np.sum(t.u * x) + np.sum(t.v * x)


def test_one_array_held_by_two_fields_is_refused() -> None:
    shared = np.array([0.3, -0.7, 0.9])
    t = _Two(shared, shared)
    with pytest.raises(adcompile.UnsupportedSyntax, match="another item"):
        adcompile.grad(_writes_one_field, wrt=(0, 1))(np.ones(3), t)
    np.testing.assert_allclose(shared, [0.3, -0.7, 0.9])  # left as it was


def test_a_field_also_given_as_another_argument_is_refused() -> None:
    t = _Two(np.array([0.3, -0.7, 0.9]), np.ones(3))
    with pytest.raises(adcompile.UnsupportedSyntax, match="another argument"):
        adcompile.grad(_writes_one_field, wrt=(0, 1))(t.u, t)


def _rebinds_then_writes_an_item(z, c):
    if c > 0.1:
        z = np.sin(z) * c
    L = [z, 1.0]
    L[0][1] = c  # (z may be the caller's array or not: it sees the write)
    return np.sum(z)


def _writes_a_shared_item(x, b):
    y = np.cos(x)
    s = _rebinds_then_writes_an_item(y, b)
    return s + np.sum(y * x)


def test_a_refused_write_into_an_item_names_the_item_as_written() -> None:
    """The part written is given a name of its own (``L_part``), which the
    user never wrote: the message names ``L[0]``."""
    with pytest.raises(adcompile.UnsupportedSyntax) as e:
        adcompile.grad(_writes_a_shared_item, wrt=(0, 1))(np.ones(3) * 0.3, 0.5)
    assert "assignment into 'L[0]'" in e.value.reason, e.value.reason
    assert "L_part" not in str(e.value), str(e.value)


class _WithProperty:
    def __init__(self, b: np.ndarray) -> None:
        self._b = b

    @property
    def b(self) -> np.ndarray:
        return self._b


def _writes_a_property(x, t):
    t.b[0] = x[0] * 2.0
    return np.sum(t.b * x)


def test_a_write_through_a_property_is_refused_with_the_users_line() -> None:
    t = _WithProperty(np.array([0.3, -0.7, 0.9]))
    with pytest.raises(adcompile.NoDerivativeRule, match="not one of the fields") as e:
        adcompile.grad(_writes_a_property, wrt=(0, 1))(np.ones(3), t)
    assert "t.b[0] = x[0] * 2.0" in str(e.value)
    assert "test_field_writes.py" in str(e.value)


FIELD_MODEL = """import dataclasses

import numpy as np


@dataclasses.dataclass
class Lin:
    W: np.ndarray
    b: np.ndarray


def shift(model, c):
    model.b[1:] += c * model.W[0, 1:]
    return np.sum(model.b)


def loss(P, x):
    P.W[1, 1:] *= x[1:]
    return shift(P, x[0]) * np.sum(P.W @ x)
"""


def test_a_built_module_writes_into_fields_as_f_does(project) -> None:
    """``adcompile build`` copies with_field and the checks: the module
    needs only numpy, gives adcompile's gradient, and leaves the caller's
    object as ``loss`` does."""
    import importlib

    from adcompile._src.tools import cli

    (project / "fields.py").write_text(FIELD_MODEL)
    assert cli.main(["build", "fields.py"]) == 0
    importlib.invalidate_caches()
    fields = importlib.import_module("fields")
    built = importlib.import_module("fields_grad")
    assert "import adcompile" not in (project / "fields_grad.py").read_text()

    def model():
        return fields.Lin(np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]), np.ones(3))

    x = np.array([0.4, -0.2, 0.7])
    P, Q, R = model(), model(), model()
    gradient = built.grad_loss(P, x)
    expected = adcompile.grad(fields.loss)(Q, x)
    fields.loss(R, x)
    assert isinstance(gradient, fields.Lin)
    np.testing.assert_allclose(gradient.W, expected.W)
    np.testing.assert_allclose(gradient.b, expected.b)
    for left in (P, Q):
        np.testing.assert_allclose(left.W, R.W)
        np.testing.assert_allclose(left.b, R.b)
