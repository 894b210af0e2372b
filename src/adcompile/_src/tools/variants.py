"""Shape-specialized gradients in built modules: ``build --args``.

``--args`` after a ``--func`` gives example arguments; the function is built
as the variant for their shapes (the code ``adcompile show --args`` shows,
and ``source_for`` returns), the shapes are recorded in the module's
docstring, and each function of the variant first checks that it is called
with arguments of those shapes. Called with others, it raises the module's
``AdcompileError`` naming the parameter, the shape it was built for and the
one it got: a variant is only right for its shapes, and running the general
code instead would hide that the module was built for other data (build
without ``--args`` for the general code).

Invariant: a variant's function runs its code only for arguments whose
abstract values (``shape_values.of_argument``) are those it was compiled
for.
"""

from __future__ import annotations

import inspect
from typing import Any

import libcst as cst

from adcompile._src.compilation.specialized import argument_shapes
from adcompile._src.tools.args import fitted

Shapes = tuple[tuple[str, Any], ...]

_CHECK = '''\
def {name}({params}):
    """The arguments have the shapes {function} was built for."""
    expected = {expected!r}
    found = ({found},)
    for parameter, want, got in zip({names!r}, expected, found):
        if want != got:
            raise AdcompileError(
                f"{function} was built for {{parameter}} of "
                f"{{_variant_described(want)}}, got {{_variant_described(got)}}",
                "build again with --args for these shapes, or without --args "
                "for the general code",
            )
'''

_DESCRIBED = '''\
def _variant_described(value):
    """An abstract value as words: "shape (3, 2)", "an integer"."""
    if value[0] == "array":
        return f"shape {value[1]}"
    if value[0] == "int":
        return "an integer"
    return "an object"


def _variant_shape_value(x):
    """What the variant's code was compiled for, of one argument."""
    if type(x) is np.ndarray:
        return ("array", x.shape)
    if type(x) is float or type(x) is complex or isinstance(x, np.inexact):
        return ("array", ())
    if type(x) is int or isinstance(x, np.integer):
        return ("int", None)
    return ("top",)
'''


def shapes_for(function: Any, name: str, text: str) -> Shapes:
    """The shapes of the example arguments ``text``, checked against
    ``function`` (see ``args.fitted``)."""
    bound = fitted(function, name, text)
    positional = []
    for parameter in inspect.signature(function).parameters:
        if parameter not in bound.arguments:
            break
        positional.append(bound.arguments[parameter])
    shapes = argument_shapes(function, tuple(positional))
    order = list(inspect.signature(function).parameters)
    return tuple(sorted(shapes, key=lambda item: order.index(item[0])))


def describe(shapes: Shapes) -> str:
    """``w (3,), b ()`` for the module's docstring."""
    return ", ".join(f"{name} {_words(value)}" for name, value in shapes)


def _words(value: Any) -> str:
    if value[0] == "array":
        return str(value[1])
    return "int" if value[0] == "int" else "object"


def check_function(name: str, function: str, shapes: Shapes) -> str:
    """The text of ``name``, which checks the arguments of ``function``'s
    variant against ``shapes``."""
    names = tuple(parameter for parameter, _ in shapes)
    return _CHECK.format(
        name=name,
        params=", ".join(names),
        function=function,
        expected=tuple(value for _, value in shapes),
        found=", ".join(f"_variant_shape_value({p})" for p in names),
        names=names,
    )


def helpers_text() -> str:
    """What the check functions call (numpy as ``np``, the module's
    ``AdcompileError``)."""
    return _DESCRIBED


def with_check(text: str, check: str, shapes: Shapes) -> str:
    """The emitted function ``text`` calling ``check`` first."""
    tree = cst.parse_module(text)
    definition = tree.body[0]
    assert isinstance(definition, cst.FunctionDef)
    arguments = ", ".join(parameter for parameter, _ in shapes)
    statement = cst.parse_statement(f"{check}({arguments})\n")
    body = definition.body
    assert isinstance(body, cst.IndentedBlock)
    body = body.with_changes(body=[statement, *body.body])
    return tree.with_changes(body=[definition.with_changes(body=body)]).code
