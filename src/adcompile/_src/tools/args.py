"""``--args``: example arguments, checked against the function they are for.

``--args "np.ones(3), y=2.0"`` is read as the arguments of a call (Python
expressions, numpy as ``np``; keywords allowed). They must fit the
function's signature, and the function must run on them: otherwise the
command ends with one line naming the mismatch (exit 2) rather than showing
code for arguments the function cannot take.
"""

from __future__ import annotations

import inspect
from typing import Any

from adcompile._src.tools.loading import CliError


def example_arguments(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The positional and keyword values of ``--args``."""
    import numpy as np

    def collect(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return args, kwargs

    namespace = {"np": np, "numpy": np, "__collect__": collect}
    try:
        return eval(f"__collect__({text})", namespace)  # noqa: S307
    except Exception as err:  # the user's expression: say what went wrong
        raise CliError(f"--args {text!r}: {type(err).__name__}: {err}") from None


def fitted(function: Any, name: str, text: str) -> inspect.BoundArguments:
    """``--args`` bound to ``function``'s parameters; the function is run on
    them once, so that shapes that do not fit are reported now."""
    args, kwargs = example_arguments(text)
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except TypeError as err:
        raise CliError(
            f"--args do not fit {name}{_signature(function)}: {err}"
        ) from None
    try:
        function(*bound.args, **bound.kwargs)
    except Exception as err:  # the user's function on the user's values
        message = str(err).splitlines()[0] if str(err) else ""
        raise CliError(
            f"--args do not fit {name}: it raises {type(err).__name__} on them"
            + (f": {message}" if message else "")
        ) from None
    return bound


def variant_source(function: Any, wrt: Any, text: str, name: str) -> str:
    """The gradient source ``source_for`` shows for the arguments ``text``."""
    from adcompile._src.api.api import grad

    bound = fitted(function, name, text)
    gradient = grad(function, wrt=wrt)
    if bound.kwargs:  # keywords: their shapes count as positions
        parameters = list(inspect.signature(function).parameters)
        given = dict(bound.arguments)
        positional = []
        for parameter in parameters:
            if parameter not in given:
                break
            positional.append(given[parameter])
        return gradient.source_for(*positional)
    return gradient.source_for(*bound.args)


def _signature(function: Any) -> str:
    try:
        return str(inspect.signature(function))
    except (TypeError, ValueError):
        return "(...)"
