"""Helpers that write into what they are given, called or written in
forms adcompile did not read as writes, found by programs written the way
other people write numpy code. Each gave a silently wrong gradient (the
write was run as written, hidden from the derivative); each is now refused
with its location (``tests/compose/check.py`` runs every mode).

- called through a name known only as the code runs (``g = h; g(x)``, a
  loop over functions, a method, a classmethod, a callable object,
  ``functools.partial``): ``unwritten`` compares the object after the call
  with a copy made before (``normal/call_arguments.py``);
- writing into an object of the helper's module (a global array or dict):
  refused at the call where f reads that object (``Purity.module_written``);
- writing through targets other than a plain ``y[i] = v`` (``y[0], y[1] =
  ...``, ``for y[0] in ...``, ``del ws[0]``, ``y.__setitem__``): purity reads
  them as writes (``purity.written_targets``).
"""

from __future__ import annotations

import textwrap

import pytest

from tests.compose.check import check_source

PROGRAMS = {
    # into an object of the helper's module, read back by f: a zero gradient
    "a_global_array_filled": (
        ["x"],
        """
        BUF = np.zeros(3)

        def fill(x):
            BUF[:] = x

        def f(x):
            fill(x)
            return BUF[0]
        """,
    ),
    "a_global_dict_written": (
        ["x"],
        """
        CACHE = {}

        def put(x):
            CACHE["y"] = x

        def f(x):
            put(x * 2.0)
            return CACHE["y"][0]
        """,
    ),
    "a_variable_holding_the_function": (
        ["x"],
        """
        def h(y):
            y *= y

        def f(x):
            g = h
            g(x)
            return x[0]
        """,
    ),
    "a_loop_over_functions": (
        ["x"],
        """
        def h(y):
            y *= y

        def f(x):
            for g in [h]:
                g(x)
            return x[0]
        """,
    ),
    "a_variable_holding_the_function_local_array": (
        ["x"],
        """
        def h(y):
            y *= y

        def f(x):
            y = x * 1.0
            g = h
            g(y)
            return y[0]
        """,
    ),
    "a_method_of_a_module_object": (
        ["x"],
        """
        class Opt:
            def step(self, w):
                w *= w

        opt = Opt()

        def f(x):
            opt.step(x)
            return x[0]
        """,
    ),
    "a_functools_partial": (
        ["x"],
        """
        import functools

        def h(y, c):
            y *= c

        g = functools.partial(h, c=2.0)

        def f(x):
            g(x)
            return x[0] * x[0]
        """,
    ),
    "a_classmethod": (
        ["x"],
        """
        class C:
            @classmethod
            def h(cls, y):
                y *= y

        def f(x):
            C.h(x)
            return x[0]
        """,
    ),
    "a_callable_object": (
        ["x"],
        """
        class C:
            def __call__(self, y):
                y *= y

        h = C()

        def f(x):
            h(x)
            return x[0]
        """,
    ),
    "a_tuple_of_items_assigned": (
        ["x"],
        """
        def h(y):
            y[0], y[1] = y[1], y[0]
            return 0.0

        def f(x):
            h(x)
            return x[0]
        """,
    ),
    "a_tuple_of_items_assigned_local_array": (
        ["x"],
        """
        def h(y):
            y[0], y[1] = y[1], y[0]

        def f(x):
            y = x * 1.0
            h(y)
            return y[0]
        """,
    ),
    "a_dunder_setitem": (
        ["x"],
        """
        def h(y):
            y.__setitem__(0, 2.0 * y[1])

        def f(x):
            h(x)
            return x[0]
        """,
    ),
    "an_item_as_a_loop_target": (
        ["x"],
        """
        def h(y):
            for y[0] in [y[1]]:
                pass

        def f(x):
            h(x)
            return x[0]
        """,
    ),
    "a_tuple_of_items_assigned_from_a_parameter": (
        ["x", "a"],
        """
        import numpy as np

        def h(y, a):
            y[0], y[1] = y[1] * a, y[0]

        def f(x, a):
            y = x.copy()
            h(y, a)
            return np.sum(y)
        """,
    ),
    "a_list_item_deleted": (
        ["ws"],
        """
        import numpy as np

        def h(ws):
            del ws[0]

        def f(ws):
            h(ws)
            return np.sum(ws[0])
        """,
    ),
    "dict_items_swapped": (
        ["p"],
        """
        def h(p):
            p["w"], p["b"] = p["b"], p["w"]

        def f(p):
            h(p)
            return p["b"][0]
        """,
    ),
    "a_dict_item_deleted": (
        ["p"],
        """
        def h(p):
            del p["b"]

        def f(p):
            h(p)
            return p["w"][0] * len(p)
        """,
    ),
    "read_again_in_the_statement": (
        ["x"],
        """
        import numpy as np
        def h(y):
            y *= y
            return np.sum(y)
        def f(x):
            g = h
            y = x * 1.0
            y = g(y) + y
            return np.sum(y)
        """,
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_write_adcompile_cannot_carry_back_is_refused(name: str) -> None:
    params, body = PROGRAMS[name]
    source = "import numpy as np\n" + textwrap.dedent(body)
    result = check_source(source, params, seed=3, program_id=name)
    assert result.klass == "refused", (source, result)
