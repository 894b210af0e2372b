"""Arguments of numpy functions written out as lists: ``np.dot([a, 1.0,
2.0], x)``.

numpy makes an array of a list or tuple it is given for an array; the
derivative rules compute with that array (``g * a``), which a Python list
is not. Invariant: a list or tuple written out (or a name known to hold
one) for a numpy function's differentiable parameter is lowered as
``np.array(...)`` of it, the value
numpy computes with, unless the parameter takes a sequence of arrays
(``np.concatenate([u, v])``, ``np.linalg.multi_dot([A, B])``,
``np.select(conditions, choices)``).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
import numpy as np

from adcompile._src.read.source import FunctionSource
from adcompile._src.rules.registry import Primitive

# parameters that take a sequence of arrays, not one array
_SEQUENCES = frozenset(
    {"arrays", "tup", "operands", "choicelist", "condlist", "items", "iterable"}
    | {"xs", "ys", "constant_values", "subscripts", "optimize"}
)


def lists_as_arrays(
    node: cst.Call,
    prim: Primitive,
    np_name: str,
    source: FunctionSource,
    is_list: Callable[[str], bool],
) -> cst.Call:
    """``node`` with each list or tuple written out (or a name ``is_list``
    knows holds one) for a differentiable array parameter of ``prim`` given
    as ``np.array(...)`` of it."""
    if prim.key in (np.array, np.asarray):
        return node
    names = [p.name for p in prim.params if not p.variadic]
    args = []
    changed = False
    for position, arg in enumerate(node.args):
        name = arg.keyword.value if arg.keyword is not None else None
        if name is None and position < len(names) and not arg.star:
            name = names[position]
        if (
            (
                isinstance(arg.value, (cst.List, cst.Tuple))
                or isinstance(arg.value, cst.Name)
                and is_list(arg.value.value)
            )
            and name is not None
            and name not in _SEQUENCES
            and prim.vjps.get(name) is not None
        ):
            array = cst.Attribute(cst.Name(np_name), cst.Name("array"))
            made = cst.Call(array, [cst.Arg(arg.value)])
            source.moved(made, arg.value)
            arg = arg.with_changes(value=made)
            changed = True
        args.append(arg)
    if not changed:
        return node
    made_call = node.with_changes(args=args)
    source.moved(made_call, node)
    return made_call
