"""Generated programs where a second name may see an array that is then
written in place: every way of making a name see an array, crossed with every
in-place update, each inside a branch, a loop or neither, in either order.

``program(number)`` is program ``number`` of ``count()`` (the full cross
product, in a fixed order); ``check(number)`` runs it against adcompile's
``value_and_grad`` and ``jvp`` and returns one status per mode: ``pass``,
``refused`` (an AdcompileError that points at a line of the program), or a
failure: ``unlocated``, ``crash``, ``wrong`` (derivative unlike finite
differences), ``deviation`` (a value, or what is left in the argument,
unlike what the function itself gives).

Python's semantics decide what is right: if ``a`` is ``x``'s object, a view
of it, or a container holding it, the write is seen through ``a``; the
derivative must then refuse (or follow it), never return what ``a`` would be
without the write.
"""

from __future__ import annotations

import atexit
import importlib.util
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import adcompile

HELPERS = """
def h_same(z):
    return z


def h_view(z):
    return z[1:]


def h_list(z):
    return [z]


def h_new(z):
    return z * 1.0
"""

# how `a` comes to see x (or not), and how the function reads `a` at the end
ALIASES = [
    ("a = x", "np.sum(a * w)"),
    ("a = x[:2]", "np.sum(a * w)"),
    ("a = x[1:]", "np.sum(a * w)"),
    ("a = x[::-1]", "np.sum(a * w)"),
    ("a = x[...]", "np.sum(a * w)"),
    ("a = x[0]", "a * w"),
    ("a = x[0:1]", "np.sum(a * w)"),
    ("a = x[np.array([0, 1])]", "np.sum(a * w)"),
    ("a = x.reshape(3, 1)", "np.sum(a * w)"),
    ("a = x.T", "np.sum(a * w)"),
    ("a = x.copy()", "np.sum(a * w)"),
    ("a = x + 0.0", "np.sum(a * w)"),
    ("a = np.asarray(x)", "np.sum(a * w)"),
    ("a = np.ravel(x)", "np.sum(a * w)"),
    ("a = np.reshape(x, (3,))", "np.sum(a * w)"),
    ("a = np.squeeze(x)", "np.sum(a * w)"),
    ("a = np.transpose(x)", "np.sum(a * w)"),
    ("a = [x]", "np.sum(a[0] * w)"),
    ("a = [x, y]", "np.sum(a[0] * w)"),
    ("a = (x, 1.0)", "np.sum(a[0] * w)"),
    ("a = {'k': x}", "np.sum(a['k'] * w)"),
    ("a = dict(k=x)", "np.sum(a['k'] * w)"),
    ("a = {k: v for k, v in [('k', x)]}", "np.sum(a['k'] * w)"),
    ("a = [v for v in [x]]", "np.sum(a[0] * w)"),
    ("a = [v * 1.0 for v in [x]]", "np.sum(a[0] * w)"),
    ("a = [x] + [y]", "np.sum(a[0] * w)"),
    ("a = [x] * 2", "np.sum(a[1] * w)"),
    ("a = list([x])", "np.sum(a[0] * w)"),
    ("a = tuple([x])", "np.sum(a[0] * w)"),
    ("a = [x, y][-1:]", "np.sum(a[0] * w)"),
    ("a, b = x, y", "np.sum(a * w)"),
    ("b, a = (y, x)", "np.sum(a * w)"),
    ("a, b = (x, y) if w > 0.0 else (y, x)", "np.sum(a * w)"),
    ("a = x if w > 0.0 else y", "np.sum(a * w)"),
    ("a = (x * 1.0) if w > 0.0 else (y + 0.0)", "np.sum(a * w)"),
    ("a = x[0] if w > 0.0 else y[0]", "a * w"),
    ("a = y\nt = np.tanh(x if w > 0.0 else y)", "np.sum(a * w + t)"),
    ("a = np.tanh(x if w > 0.0 else y)", "np.sum(a * w)"),
    ("a = []\na.append(x)", "np.sum(a[0] * w)"),
    ("a = [y]\na.extend([x])", "np.sum(a[1] * w)"),
    ("a = []\na.insert(0, x)", "np.sum(a[0] * w)"),
    ("a = [y]\na[0] = x", "np.sum(a[0] * w)"),
    ("a = {}\na['k'] = x", "np.sum(a['k'] * w)"),
    ("a = [x]\na = a[:]", "np.sum(a[0] * w)"),
    ("a = y\na = x", "np.sum(a * w)"),
    ("for a in [x]:\n    pass", "np.sum(a * w)"),
    ("for a in (y, x):\n    pass", "np.sum(a * w)"),
    ("for i, a in enumerate([x]):\n    pass", "np.sum(a * w)"),
    ("a = h_same(x)", "np.sum(a * w)"),
    ("a = h_view(x)", "np.sum(a * w)"),
    ("a = h_list(x)", "np.sum(a[0] * w)"),
    ("a = h_new(x)", "np.sum(a * w)"),
    ("a = lambda: x", "np.sum(a() * w)"),
    ("def a():\n    return x", "np.sum(a() * w)"),
]
# x carries no derivative, carries one, or is the caller's array
INITS = {
    "static": "x = np.zeros(3) + 0.5",
    "varied": "x = np.sin(w * np.arange(1.0, 4.0))",
    "param": "",
}
UPDATES = [
    "x[0] = w * 2.0",
    "x[1:] = x[:2] * w",
    "x[:] = np.cos(w)",
    "x[0] += w",
    "x += w",
    "x *= w",
]
WRAPS = ["", "if w > 0.0:", "for _ in range(2):"]
ORDERS = ["alias_first", "update_first", "alias_wrapped"]
CASES = list(itertools.product(range(len(ALIASES)), INITS, UPDATES, WRAPS, ORDERS))
X0 = np.array([0.3, -0.7, 1.1])
W0 = 0.8
FAILURES = ("unlocated", "crash", "wrong", "deviation")


def count() -> int:
    return len(CASES)


def _wrapped(header: str, code: str) -> str:
    if not header:
        return code
    return header + "\n" + "\n".join("    " + line for line in code.split("\n"))


def program(number: int) -> str:
    """The source of program ``number``: the helpers and ``f``."""
    alias_index, init, update, wrap, order = CASES[number]
    alias, read = ALIASES[alias_index]
    body = [INITS[init]] if INITS[init] else []
    body.append("y = np.cos(w * np.arange(3.0))")
    if order == "alias_wrapped":
        body += [_wrapped(wrap, alias), update]
    elif order == "alias_first":
        body += [alias, _wrapped(wrap, update)]
    else:
        body += [_wrapped(wrap, update), alias]
    body.append(f"return {read} + np.sum(x * x)")
    params = "w, x" if init == "param" else "w"
    lines = "\n".join(body).split("\n")
    return (
        "import numpy as np\n"
        + HELPERS
        + f"\n\ndef f({params}):\n"
        + "".join(f"    {line}\n" for line in lines)
    )


_DIRECTORY = Path(tempfile.mkdtemp(prefix="adcompile-aliases-"))
atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)


def _load(number: int) -> Any:
    path = _DIRECTORY / f"alias_program_{number}.py"
    path.write_text(program(number))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def _arguments(takes_x: bool, w: float) -> tuple[Any, ...]:
    return (w, X0.copy()) if takes_x else (w,)


def check(number: int) -> dict[str, str]:
    """mode -> status (and, for a failure, what went wrong after a colon)."""
    f = _load(number)
    takes_x = CASES[number][1] == "param"
    args = _arguments(takes_x, W0)
    value = f(*args)
    eps = 1e-6
    slope = (f(*_arguments(takes_x, W0 + eps)) - f(*_arguments(takes_x, W0 - eps))) / (
        2 * eps
    )
    statuses = {}
    for mode in ("grad", "jvp"):
        given = _arguments(takes_x, W0)
        try:
            if mode == "grad":
                got, derivative = adcompile.value_and_grad(f)(*given)
            else:
                tangents = (1.0, np.zeros(3)) if takes_x else (1.0,)
                got, derivative = adcompile.jvp(f, given, tangents)
        except adcompile.AdcompileError as error:
            located = f"alias_program_{number}.py" in str(error)
            statuses[mode] = "refused" if located else f"unlocated: {error}"
            continue
        except Exception as error:  # noqa: BLE001 (the failure being looked for)
            statuses[mode] = f"crash: {type(error).__name__}: {error}"
            continue
        if not np.allclose(got, value):
            statuses[mode] = f"deviation: value {got} where f gives {value}"
        elif takes_x and not np.allclose(given[1], args[1]):
            statuses[mode] = f"deviation: x left as {given[1]}, f leaves {args[1]}"
        elif not np.allclose(derivative, slope, rtol=1e-4, atol=1e-6):
            statuses[mode] = (
                f"wrong: {derivative} where finite differences give {slope}"
            )
        else:
            statuses[mode] = "pass"
    return statuses
