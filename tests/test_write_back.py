"""A helper that writes into what it is given, read again by its caller.

In Python the caller sees the helper's write; the gradient must see it too,
with its derivative. Each program runs through every mode (grad,
value_and_grad, vjp, jvp, hvp) against finite differences, with the
arguments left as ``f`` leaves them (``tests/compose/check.py``). Before
writes came back to the caller (``normal/write_back.py``), those marked
"pass" were refused, and the buffers given to a helper that fills them
(``fill(buf, x)``) came back with a silently wrong (zero) gradient.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import adcompile
from tests.compose.check import check_source

HEADER = "import numpy as np\n\n\n"

PROGRAMS = {
    # a buffer made here, carrying no derivative until the helper fills it
    "buffer_filled_by_a_helper": (
        """
        def fill(out, x, k):
            out[k] = np.sin(x[k]) * x[0]

        def f(x, b):
            buf = np.zeros(3)
            fill(buf, x * b, 1)
            return np.sum(buf ** 2) + b
        """,
        "pass",
    ),
    "buffer_filled_in_a_loop": (
        """
        def fill(out, x, k):
            out[k] = np.sin(x[k]) * x[0]

        def f(x, b):
            buf = np.zeros(3)
            for k in range(3):
                fill(buf, x * b, k)
            return np.sum(buf ** 2)
        """,
        "pass",
    ),
    # the helper's result and its write, both read after
    "local_array_written_then_read": (
        """
        def h(a, b):
            a[0] = a[0] * b
            return np.sum(a)

        def f(x, b):
            y = x * 1.0
            s = h(y, b)
            return s + np.sum(y * y)
        """,
        "pass",
    ),
    # the caller's own array: f leaves it as h left it
    "parameter_written_by_a_helper": (
        """
        def h(a, b):
            a[1:] = a[1:] * np.cos(b)
            return np.sum(a)

        def f(x, b):
            s = h(x, b)
            return s * np.sum(x)
        """,
        "pass",
    ),
    # ``a *= v`` changes an array in place and rebinds a number in h only
    "augmented_array": (
        """
        def h(a, b):
            a *= np.cos(b)
            return np.sum(a)

        def f(x, b):
            y = x + 0.0
            s = h(y, b)
            return s * np.sum(y)
        """,
        "pass",
    ),
    "augmented_number": (
        """
        def h(a, b):
            a -= np.sum(b)
            return a * 2.0

        def f(x, b):
            s = h(b, x)
            return s * np.sum(x) + b
        """,
        "pass",
    ),
    "augmented_number_in_a_loop": (
        """
        def h(c, z):
            if np.sum(z) > 0.5:
                c -= 0.3 * np.tanh(c)
            return np.tanh(c) * z

        def f(x, b):
            s = 0.0
            for i in range(3):
                s = s + np.sum(h(b, x))
                x[i] += 0.3 * b
            return s * b
        """,
        "pass",
    ),
    # the name is rebound to the result after the call, as Python does
    "rebound_to_the_result": (
        """
        def h(a, b):
            a *= np.cos(b)
            return np.sum(a)

        def f(x, b):
            x = h(x, b) * x
            return np.sum(x)
        """,
        "pass",
    ),
    # read again in the same statement, after the call
    "read_after_the_call_in_its_statement": (
        """
        def h(a, b):
            a[0] = np.tanh(a[1] * b)
            return a[2] * b

        def f(x, b):
            y = x * 2.0
            return h(y, b) + np.sum(y ** 2)
        """,
        "pass",
    ),
    # read before the call in its statement: its old value
    "read_before_the_call_in_its_statement": (
        """
        def h(a, b):
            a[0] = np.tanh(a[1] * b)
            return a[2] * b

        def f(x, b):
            y = x * 2.0
            return y[0] * b + h(y, b) + np.sum(y)
        """,
        "pass_or_refused",
    ),
    # a helper in a branch, another in the loop, early return
    "helpers_in_branches_and_loops": (
        """
        def scale(v, c):
            if c > 0.0:
                v *= np.tanh(c)
                return np.sum(v)
            v[0] = 0.5 * c
            return 0.0

        def step(v, w):
            v[:] = v * np.cos(w)

        def f(x, b):
            y = x + b
            total = 0.0
            k = 0
            while k < 3:
                if k % 2 == 0:
                    total = total + scale(y, b)
                else:
                    step(y, b * x)
                k += 1
            return total + np.sum(y * x)
        """,
        "pass",
    ),
    # another argument reads the buffer: its value is computed before the call
    "buffer_read_by_another_argument_in_a_loop": (
        """
        def fill(out, z, k):
            out[k] = np.sin(z[k]) * z[0]
            out[(k + 1) % 3] += 0.5 * np.tanh(z[1])

        def f(x, b):
            buf = np.ones(3)
            for k in range(3):
                fill(buf, np.tanh(buf * x) + b, k)
            return np.sum(buf * x)
        """,
        "pass",
    ),
    # ... but not when it is (a view of) the buffer itself
    "buffer_given_twice_through_a_view": (
        """
        def fill(out, z, k):
            out[k] = np.sin(z[0]) * 2.0
            return np.sum(z)

        def f(x, b):
            buf = x * b
            s = fill(buf, buf[0:2], 1)
            return s + np.sum(buf)
        """,
        "refused",
    ),
    # a helper that calls a helper that writes: the write comes back twice
    "written_through_two_helpers": (
        """
        def inner(a, b):
            a[0] = a[0] * b + a[1]
            return np.sum(a) * b

        def outer(a, b):
            s = inner(a, b)
            a[2] = s * b
            return s

        def f(x, b):
            y = np.sin(x)
            s = outer(y, b)
            return s + np.sum(y * y)
        """,
        "pass",
    ),
    # a recursive helper writing into what it is given
    "recursive_helper": (
        """
        def rec(a, n, b):
            if n == 0:
                return 0.0
            a[n - 1] = a[n - 1] * b + 0.1
            s = rec(a, n - 1, b)
            return a[n - 1] + s

        def f(x, b):
            y = x * 1.0
            s = rec(y, 3, b)
            return s * np.sum(y)
        """,
        "pass",
    ),
    # a keyword argument, and two arrays written by one call
    "two_written_one_by_keyword": (
        """
        def h(a, c, b):
            a[0] = b * c[1]
            c[1] = np.sin(a[2])
            return a[1] * c[0]

        def f(x, b):
            u = x * 1.0
            v = np.cos(x)
            s = h(u, b=b, c=v)
            return s + np.sum(u * v)
        """,
        "pass",
    ),
    # a list the helper appends to, read again
    "list_appended_by_a_helper": (
        """
        def push(items, v):
            items.append(np.tanh(v))
            return len(items)

        def f(x, b):
            items = [x * b]
            push(items, x)
            push(items, b * x)
            return np.sum(items[0] * items[1] + items[2])
        """,
        "pass",
    ),
    # the same array given twice: the helper's write is seen through both
    # parameters in Python; the private copies would not see it
    "same_array_given_twice": (
        """
        def h(a, c, b):
            a[0] = b * 2.0
            return np.sum(c)

        def f(x, b):
            y = x * 1.0
            s = h(y, y, b)
            return s + np.sum(y)
        """,
        "refused",
    ),
    # the helper writes into its parameter through another name: it was
    # passed the buffer as it was, and the gradient came back zero
    "helper_writes_through_an_alias": (
        """
        def h(out, z):
            o = out
            o[0] = z[0] * 2.0

        def f(x, b):
            buf = np.zeros(2)
            h(buf, x * b)
            return np.sum(buf ** 2)
        """,
        "refused",
    ),
    # a helper whose only write is into a literal array, in the argument of
    # a call made as a statement: forward mode took y for written (zero)
    "writer_nested_in_a_call_statement": (
        """
        def h(A, z):
            A[:] += 0.3
            return z

        def f(x, b):
            y = x * b
            def use(v):
                pass
            use(h(np.array([0.6, 0.4]), y)[1])
            return y[1]
        """,
        "pass",
    ),
    # a buffer updated from its own values (nothing varied) and then with
    # varied values: the first update makes no name see it
    "buffer_updated_as_written_then_with_a_derivative": (
        """
        def f(x, b):
            y = np.ones(3) * 0.5
            y[2] += 0.3 * np.tanh(y)[2]
            y[1:] = 0.5 * y[1:] + b
            return np.sum(y * x)
        """,
        "pass",
    ),
    # a view of a buffer scaled in place, nothing varied: run as written,
    # the buffer changes too (and the backward sweep reads its old values)
    "view_of_a_buffer_scaled_as_written": (
        """
        def f(x, b):
            y = np.zeros(3) + 1.0
            D = np.outer(y, x)
            v = y[0:2]
            v *= 0.5
            return np.sum(D) * b + np.sum(y * x)
        """,
        "pass",
    ),
    # a view of y, read later, sees the write: refused, not followed
    "a_view_read_later": (
        """
        def h(a, b):
            a[0] = b * 2.0
            return np.sum(a)

        def f(x, b):
            y = x * 1.0
            v = y[0:2]
            s = h(y, b)
            return s + np.sum(v)
        """,
        "refused",
    ),
    # the same array written by two calls of one statement: the second is
    # given what the first left (the first read it into a new value)
    "two_writing_calls_in_one_statement": (
        """
        def h(z):
            z[0] += 0.5 * z[1]
            return np.sum(z * z)

        def f(x, b):
            s = h(x) + b * h(x) + np.sum(x * x)
            return s + np.sum(x)
        """,
        "pass",
    ),
    "two_writing_calls_each_returning_a_list": (
        """
        def h(z):
            z[0] += 0.5 * z[1]
            return [z[0] * 1.0, z * 2.0]

        def f(x, b):
            s = h(x)[0] * b + np.sum(h(x)[1])
            return s + np.sum(x)
        """,
        "pass",
    ),
    # a writer's new result given to it again: the result is a new array no
    # name has seen, its write comes back where it is read later
    "writing_call_given_a_writing_calls_result": (
        """
        def h(z):
            z[0] += 0.5 * z[1]
            return z * 2.0

        def f(x, b):
            s = np.sum(h(b * h(x)))
            y = h(x)
            return s + np.sum(h(y)) + np.sum(x) + np.sum(y)
        """,
        "pass",
    ),
    # the writer returns what it is given: the first result is the array
    # the second call writes into (Python's value changes after it is read)
    "two_writing_calls_returning_what_they_are_given": (
        """
        def h(z):
            z[0] += 0.5 * z[1]
            return z

        def f(x, b):
            s = np.sum(h(x) * b + h(x))
            return s + np.sum(x)
        """,
        "refused",
    ),
    # the helper rebinds its parameter inside a loop after writing into it
    # (a solver iterating from the array it was given): the caller's object
    # is the one given, holding the write made before the loop
    "parameter_rebound_in_a_loop_after_the_write": (
        """
        def h(z, c):
            z[1] = 0.2 * c * z[0]
            k = 0
            while k < 3:
                z = z - 0.3 * np.tanh(z)
                k += 1
            return np.sum(z)

        def f(x, b):
            x[:] = np.tanh(h(x, b) * x)
            return b * np.sum(x * x)
        """,
        "pass",
    ),
    "parameter_rebound_in_a_branch_after_the_write": (
        """
        def h(z, c):
            z[0] = z[1] * c
            if c > 0.1:
                z = np.sin(z) * c
            else:
                z = z * 2.0
            return z

        def f(x, b):
            y = np.cos(x)
            s = np.sum(h(y, b))
            return s + np.sum(y * x)
        """,
        "pass",
    ),
    # a write after the rebinding may reach the caller's object or not (the
    # branch decides): refused, never a silent wrong
    "parameter_written_after_a_rebinding_in_a_branch": (
        """
        def h(z, c):
            if c > 0.1:
                z = np.sin(z) * c
            z[1] = 0.2 * c * z[0]
            return np.sum(z)

        def f(x, b):
            y = np.cos(x)
            s = h(y, b)
            return s + np.sum(y * x)
        """,
        "pass",  # (the kept array follows the write: inplace._follow_kept)
    ),
    "parameter_written_in_the_loop_that_rebinds_it": (
        """
        def h(z, c):
            for k in range(2):
                z[1] = 0.2 * c * z[0]
                z = z - 0.3 * np.tanh(z)
            return np.sum(z)

        def f(x, b):
            y = np.cos(x)
            s = h(y, b)
            return s + np.sum(y * x)
        """,
        "pass",  # (the kept array follows the write: inplace._follow_kept)
    ),
    # a writer given a parameter through a conditional expression, in a
    # statement whose value carries no derivative (a comparison): it ran
    # as written, and the write's derivative was lost (a silent wrong)
    "writer_given_a_conditional_expression_in_a_comparison": (
        """
        def h(a, c):
            a[:] += a[2] * c
            return c

        def f(x, b):
            k = h(x if b > 0.0 else x, 0.5) > 0.0
            return x[1] * b
        """,
        "pass_or_refused",
    ),
    "writer_given_a_view_of_one_of_two_arrays": (
        """
        def h(a, c):
            a[:] += a[1] * c
            return c

        def f(x, b):
            y = np.cos(x)
            k = h((y if b > 0.0 else x)[1:], 0.5) > 0.0
            return y[1] * b + x[2]
        """,
        "pass_or_refused",
    ),
    # another argument reads an item of the array written: a number is a
    # copy made before the call; a row would see the write (refused as the
    # code runs, arguments_apart)
    "an_entry_of_the_written_array_given_with_it": (
        """
        def h(c, A):
            A[0, :] = A[1] * c
            return np.sum(A) * c

        def f(x, b):
            A = np.outer(x, np.ones(2)) * b
            s = 0.0
            for k in range(2):
                s = s + h(A[k, 0], A)
            return s + np.sum(A * A)
        """,
        "pass",
    ),
    "a_row_of_the_written_array_given_with_it": (
        """
        def h(A, c):
            A[0] = A[1] * np.sum(c)
            return np.sum(A)

        def f(x, b):
            A = np.outer(x, np.ones(2)) * b
            s = h(A, A[1])
            return s + np.sum(A * A)
        """,
        "refused",
    ),
    # (differentiated with respect to x alone, grad_first: y and the
    # buffer carry no derivative, and code on them runs as written)
    "list_of_a_new_value_run_as_written_then_the_array_updated": (
        """
        def f(x, b):
            y = np.ones(3) * b
            acc = [np.log(1.0 + np.cos(y) ** 2), np.tanh(x)]
            y -= 0.3 * b
            return np.sum(acc[0]) + np.sum(acc[1] * y)
        """,
        "pass",
    ),
    "buffer_filled_as_written_then_written_with_a_derivative": (
        """
        def fill(out, z, k):
            out[k] = np.sin(z[k]) * 2.0

        def f(x, b):
            buf = np.ones(3) * b
            fill(buf, np.ones(3) * b, 1)
            buf[2] = x[0] * b
            return np.sum(buf * x)
        """,
        "pass",
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_write_comes_back_in_every_mode(name: str) -> None:
    body, expected = PROGRAMS[name]
    source = HEADER + textwrap.dedent(body)
    result = check_source(source, ["x", "b"], seed=7, program_id=name)
    allowed = expected.split("_or_")
    assert result.klass in allowed, (source, result)


def _fill(out, x):
    out[0] = np.sin(x[0]) * x[1]
    out[1] = x[0] * x[1]


def _filled(x):
    buf = np.zeros(2)
    _fill(buf, x)
    return np.sum(buf**2)


def test_a_filled_buffer_has_the_gradient_of_its_values():
    """The case that came back silently zero: the buffer carries no
    derivative until the helper fills it."""
    x = np.array([0.3, 0.8])
    s, c = np.sin(x[0]), np.cos(x[0])
    expected = [
        2 * s * x[1] * c * x[1] + 2 * x[0] * x[1] * x[1],
        2 * s * x[1] * s + 2 * x[0] * x[1] * x[0],
    ]
    np.testing.assert_allclose(adcompile.grad(_filled)(x), expected, rtol=1e-12)


def _h(a, b):
    a[0] = a[0] * b
    return np.sum(a)


def _writes_into_its_parameter(x, b):
    s = _h(x, b)
    return s + np.sum(x * x)


def test_the_callers_array_is_left_as_f_leaves_it():
    x = np.array([1.0, 2.0, 3.0])
    value, grads = adcompile.value_and_grad(_writes_into_its_parameter, wrt=(0, 1))(
        x, 0.5
    )
    np.testing.assert_allclose(x, [0.5, 2.0, 3.0])
    assert value == pytest.approx(0.5 + 2 + 3 + 0.25 + 4 + 9)
    np.testing.assert_allclose(grads[0], [1.0, 5.0, 7.0])
    assert grads[1] == pytest.approx(2.0)


def test_emitted_code_shows_the_write_coming_back():
    text = adcompile.source(_writes_into_its_parameter, wrt=(0, 1))
    assert "h_and_x, pullback_h_and_x = vjp_h(private_copy_x, b)" in text
    assert "x_1 = h_and_x[1]" in text
    assert "s = h_and_x[0]" in text
    assert "write_back(caller_x, x_1)" in text  # (f's caller sees h's write)


def _writes_after_rebinding(z, c):
    w = z  # (the caller's array, under another name)
    if c > 0.1:
        z = np.sin(z) * c
    w[1] = 0.2 * c * z[0]
    return np.sum(z)


def _reads_the_array_after(x, b):
    y = np.cos(x)
    s = _writes_after_rebinding(y, b)
    return s + np.sum(y * x)


def test_a_refusal_about_the_kept_array_names_the_users_names():
    """The refusal of a write through an alias of the caller's array, where
    ``z`` may still be that array (it is read later), names ``z`` and shows
    the user's line, never the name adcompile keeps the caller's object
    under (``z_given``, which follows the write: ``inplace._follow_kept``)."""
    with pytest.raises(adcompile.UnsupportedSyntax) as info:
        adcompile.grad(_reads_the_array_after, wrt=(0, 1))(np.ones(3) * 0.3, 0.5)
    assert "'z' is the same object" in info.value.reason, info.value.reason
    assert "z_given" not in str(info.value), str(info.value)
    assert "w[1] = 0.2 * c * z[0]" in str(info.value), str(info.value)
