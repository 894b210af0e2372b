"""The extension API ``adcompile.custom`` (its docstring shows how to use it).

A rule is an ordinary Python function whose body is one ``return`` of an
expression (one per parameter, a tuple for several; ``None`` where there is
none); its source is read and the expression inlined into derivative code,
exactly like a built-in rule, after checking that it reads only its
parameters, ``np`` and ``math``. ``defvjp``/``defjvp`` replace a function's
reverse or forward rule in the registry, ``nondiff`` declares its result
constant, and ``custom_vjp`` marks a function whose body is never
differentiated.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

import libcst as cst
import numpy as np

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.rules import registry
from adcompile._src.syntax.templates import used_names

__all__ = ["custom_vjp", "defjvp", "defvjp", "nondiff"]

F = TypeVar("F", bound=Callable[..., Any])  # a user's function
R = TypeVar("R", bound=Callable[..., Any])  # a rule


def _expressions(rule: Callable[..., Any], count: int) -> list[str | None]:
    """The expression(s) a rule returns, as source text, one per parameter."""
    try:
        text = textwrap.dedent(inspect.getsource(rule))
    except (OSError, TypeError) as error:
        raise UnsupportedSyntax(
            f"the rule {getattr(rule, '__qualname__', rule)!r} has no readable "
            "source",
            "define rules with def in a file",
        ) from error
    module = cst.parse_module(text)
    function = next((s for s in module.body if isinstance(s, cst.FunctionDef)), None)
    body = function.body.body if function is not None else ()
    statements = [s for s in body if not _is_docstring(s)]
    if (
        len(statements) != 1
        or not isinstance(statements[0], cst.SimpleStatementLine)
        or not isinstance(statements[0].body[0], cst.Return)
        or statements[0].body[0].value is None
    ):
        raise UnsupportedSyntax(
            f"the rule {rule.__qualname__} is not one return statement",
            "write the rule's body as a single `return <expression>`",
        )
    value = statements[0].body[0].value
    assert value is not None
    if count == 1:
        parts: list[cst.BaseExpression] = [value]
    elif isinstance(value, cst.Tuple) and len(value.elements) == count:
        parts = [e.value for e in value.elements]
    else:
        raise UnsupportedSyntax(
            f"the rule {rule.__qualname__} must return {count} expressions, "
            "one per parameter of the function",
            "return a tuple with one entry per parameter (None for none)",
        )
    return [
        (
            None
            if isinstance(p, cst.Name) and p.value == "None"
            else cst.Module([]).code_for_node(p)
        )
        for p in parts
    ]


def _is_docstring(statement: cst.BaseStatement | cst.BaseSmallStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def _check_names(rule: Callable[..., Any], placeholder: str, params: list[str]) -> None:
    expected = [placeholder, "ans", *params]
    got = list(inspect.signature(rule).parameters)
    if got != expected:
        raise UnsupportedSyntax(
            f"the rule {rule.__qualname__}({', '.join(got)}) must take "
            f"({', '.join(expected)})",
            f"name the rule's parameters {placeholder}, ans, then the function's",
        )
    scope = rule.__globals__
    for module_name, module in (("np", np), ("math", math)):
        if module_name in scope and scope[module_name] is not module:
            raise UnsupportedSyntax(
                f"the rule {rule.__qualname__} reads '{module_name}', which is "
                f"not the {module.__name__} module here",
                "rules read numpy as np and the math module as math",
            )


def _params(f: Callable[..., Any]) -> list[str]:
    parameters = inspect.signature(f).parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        raise UnsupportedSyntax(
            f"a rule for {f.__qualname__}, which takes *args or **kwargs",
            "give the function named parameters",
        )
    return [p.name for p in parameters]


def _existing(f: Callable[..., Any]) -> registry.Primitive:
    prim = registry.lookup(f)
    if prim is not None and prim.key is f:
        return prim
    signature = ", ".join(
        name if p.default is p.empty else f"{name}={p.default!r}"
        for name, p in inspect.signature(f).parameters.items()
    )
    return registry.Primitive(
        key=f,
        name=getattr(f, "__name__", "f").strip("_") or "f",
        spelling=getattr(f, "__name__", "f"),
        params=registry.parse_signature(signature),
        user_spelling=True,
        custom=True,
    )


def _rule(placeholder: str, field: str) -> Callable[..., Any]:
    def define(f: Callable[..., Any]) -> Callable[[Callable[..., Any]], Any]:
        params = _params(f)

        def register(rule: Callable[..., Any]) -> Callable[..., Any]:
            _check_names(rule, placeholder, params)
            texts = _expressions(rule, len(params))
            allowed = {placeholder, "ans", "np", "math", *params}
            for text in texts:
                unknown = used_names(cst.parse_expression(text or "None")) - allowed
                unknown -= {"None", "True", "False"}
                if unknown:
                    raise UnsupportedSyntax(
                        f"the rule {rule.__qualname__} reads "
                        f"{', '.join(sorted(unknown))}",
                        "rule expressions may use their parameters, np and math",
                    )
            prim = _existing(f)
            rules = dict(getattr(prim, field))
            for param, text in zip(params, texts, strict=True):
                if text is None:  # no derivative: differentiating through it
                    rules.pop(param, None)  # with respect to param is refused
                else:
                    rules[param] = text
            changes = {field: rules, "nondiff": False}
            try:
                registry.register(_replace(prim, **changes), parse=True)
            except registry.TemplateError as error:
                raise UnsupportedSyntax(
                    f"the rule {rule.__qualname__}: {error}",
                    "rename the function's parameters g, t or ans (rules use "
                    "those names for the adjoint, the tangent and the result)",
                ) from None
            return rule

        return register

    return define


def _replace(prim: registry.Primitive, **changes: Any) -> registry.Primitive:
    return dataclasses.replace(prim, **changes)


_define_vjp = _rule("g", "vjps")
_define_jvp = _rule("t", "jvps")


def defvjp(f: Callable[..., Any]) -> Callable[[R], R]:
    """``@defvjp(f)`` on ``def rule(g, ans, *f's parameters)``: f's reverse
    rule, one expression per parameter (returns the rule itself)."""
    define: Callable[[R], R] = _define_vjp(f)
    return define


def defjvp(f: Callable[..., Any]) -> Callable[[R], R]:
    """``@defjvp(f)`` on ``def rule(t, ans, *f's parameters)``: f's forward
    rule, one expression per parameter (t: that parameter's tangent)."""
    define: Callable[[R], R] = _define_jvp(f)
    return define


def nondiff(f: F) -> F:
    """Declare that ``f``'s result carries no derivative (returns ``f``)."""
    _params(f)
    registry.register(_replace(_existing(f), nondiff=True, vjps={}, jvps={}))
    return f


def custom_vjp(f: F) -> F:
    """Mark ``f`` so that its body is never differentiated: derivative code
    calls it as it is and uses the rules given by ``@f.defvjp`` and
    ``@f.defjvp``. Returns ``f`` itself."""
    _params(f)
    registry.register(_replace(_existing(f), vjps={}, jvps={}, nondiff=False))
    f.defvjp = defvjp(f)  # type: ignore[attr-defined]
    f.defjvp = defjvp(f)  # type: ignore[attr-defined]
    return f
