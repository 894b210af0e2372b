"""A helper that writes into what its container parameter holds, through a
name it unpacked or read from it: ``u, (v, s) = nest`` then ``u[:] = e``.

In Python the write changes the caller's array that the container holds.
The helper's reading (``purity.py``) took a write through ``u`` for a write
into any argument, so every such call was refused; where the container's
items were seen by no other name, they now come back to the caller
(``write_back.py``) with their derivative. Where another name the caller
reads later holds one of the items (``u = tt[0]`` before the call), or two
items of the container are one array, the call is refused: Python would
show the write through both (those marked "pass_or_refused": never a
silent wrong). A helper read as writing into its parameter must be read so
by every pass that looks for writes into it (``item_writes``,
``writes_constants_only``): one that missed the write through ``u`` would
run the call on the caller's tuple and lose the write's derivative.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_source

HEADER = """
import numpy as np


def unpacks_and_writes(c, nest):
    u1, (u2, s3) = nest
    u1[:] = np.tanh(u2 * c)
    s3 *= c
    return np.sum(u1) * c + s3


def reads_and_writes(c, pair):
    first = pair[0]
    first[1] = np.sin(pair[1][0]) * c
    return np.sum(first) * c


def reads_a_field_and_writes(c, p):
    w = p["w"]
    w *= np.cos(c)
    return np.sum(w)
"""

PROGRAMS = {
    # the caller's tuple parameter, read again after the call
    "tuple_parameter_unpacked_by_the_helper": (
        """
        def f(a, tt):
            s = unpacks_and_writes(a, tt)
            return s + np.sum(tt[1][0] * tt[0])
        """,
        ["a", "tt"],
        "pass",
    ),
    "helper_called_in_a_condition": (
        """
        def f(a, tt):
            s = 0.0
            if unpacks_and_writes(a, tt) < 5.0:
                s = a * a
            return s + np.sum(tt[1][0] * tt[0])
        """,
        ["a", "tt"],
        "pass",
    ),
    "helper_called_in_a_loop": (
        """
        def f(a, tt):
            s = 0.0
            for k in range(3):
                s = s + unpacks_and_writes(a * (k + 1), tt)
            return s + np.sum(tt[0])
        """,
        ["a", "tt"],
        "pass",
    ),
    # a list the function built, its items new arrays
    "local_list_of_new_arrays": (
        """
        def f(x, b):
            L = [np.sin(x), np.cos(x) * b]
            s = reads_and_writes(b, L)
            return s + np.sum(L[0] * L[1])
        """,
        ["x", "b"],
        "pass",
    ),
    "dict_parameter_field_read_by_the_helper": (
        """
        def f(a, p):
            s = reads_a_field_and_writes(a, p)
            return s + np.sum(p["w"] * p["b"])
        """,
        ["a", "p"],
        "pass",
    ),
    # another name holds an item: Python shows the write through it
    "an_item_held_by_another_name_read_later": (
        """
        def f(a, tt):
            u = tt[0]
            s = unpacks_and_writes(a, tt)
            return s + np.sum(tt[1][0] * u)
        """,
        ["a", "tt"],
        "pass_or_refused",
    ),
    "an_item_of_a_local_list_held_by_its_own_name": (
        """
        def f(x, b):
            y = np.sin(x)
            L = [y, np.cos(x) * b]
            s = reads_and_writes(b, L)
            return s + np.sum(y * L[1])
        """,
        ["x", "b"],
        "pass_or_refused",
    ),
    # the list holds the caller's array, which the helper writes into
    "a_local_list_holding_a_parameter": (
        """
        def f(x, b):
            L = [x, np.cos(x) * b]
            s = reads_and_writes(b, L)
            return s + np.sum(L[0] * L[1]) + np.sum(x)
        """,
        ["x", "b"],
        "pass_or_refused",
    ),
    # one array twice in the list: a write into one item changes the other
    "one_array_twice_in_a_local_list": (
        """
        def f(x, b):
            y = np.sin(x)
            L = [y, y]
            s = reads_and_writes(b, L)
            return s + np.sum(L[1])
        """,
        ["x", "b"],
        "pass_or_refused",
    ),
    "one_array_repeated_in_a_local_list": (
        """
        def f(x, b):
            L = [np.sin(x) * b] * 2
            s = reads_and_writes(b, L)
            return s + np.sum(L[1])
        """,
        ["x", "b"],
        "pass_or_refused",
    ),
    "a_list_holding_the_tuple": (
        """
        def f(a, tt):
            keep = [tt, a]
            s = unpacks_and_writes(a, tt)
            return s + np.sum(keep[0][0]) * keep[1]
        """,
        ["a", "tt"],
        "pass_or_refused",
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_write_through_a_part_comes_back_in_every_mode(name: str) -> None:
    body, params, expected = PROGRAMS[name]
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, params, seed=11, program_id=name)
    assert result.klass in expected.split("_or_"), (source, result)


def _unpacks_and_writes(c, nest):
    u1, (u2, s3) = nest
    u1[:] = np.tanh(u2 * c)
    return np.sum(u1) * c


def _reads_the_tuple_again(a, tt):
    s = _unpacks_and_writes(a, tt)
    return s + np.sum(tt[1][0] * tt[0])


def test_the_callers_arrays_are_left_as_f_leaves_them():
    def given():
        return (np.array([0.3, -0.5, 0.2]), (np.array([0.1, 0.4, 0.9]), 0.7))

    expected = given()
    _reads_the_tuple_again(0.4, expected)
    tt = given()
    adcompile.grad(_reads_the_tuple_again, wrt=(0, 1))(0.4, tt)
    np.testing.assert_allclose(tt[0], expected[0])
    np.testing.assert_allclose(tt[1][0], expected[1][0])


def test_one_array_held_twice_by_the_tuple_is_refused():
    x = np.array([0.3, -0.5, 0.2])
    tt = (x, (x, 0.7))
    with pytest.raises(adcompile.AdcompileError, match="shares its memory"):
        adcompile.grad(_reads_the_tuple_again, wrt=(0, 1))(0.4, tt)
