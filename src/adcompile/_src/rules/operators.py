"""Rules of Python's operators (``+ - * / ** @``, unary minus, indexing)
and of attribute reads (``p.W``, the builtin ``getattr``).

Operators are keyed by the functions of the ``operator`` module; their
spelling is an expression template over the parameter names.
"""

from __future__ import annotations

import operator

from adcompile._src.rules.registry import (
    BROADCAST,
    LINEAR,
    OTHER,
    SAME,
    Primitive,
    defrule,
    parse_signature,
    register,
)


def _operator(
    key,
    name: str,
    spelling: str,
    signature: str,
    shape: str,
    jvps: dict[str, str | None],
    **vjps: str | None,
) -> None:
    register(
        Primitive(
            key=key,
            name=name,
            spelling=spelling,
            params=parse_signature(signature),
            vjps=dict(vjps),
            jvps=jvps,
            shape=shape,
            infix=True,
        )
    )


_operator(
    operator.add, "plus", "a + b", "a, b", BROADCAST, {"a": "t", "b": "t"}, a="g", b="g"
)
_operator(
    operator.sub,
    "minus",
    "a - b",
    "a, b",
    BROADCAST,
    {"a": "t", "b": "-t"},
    a="g",
    b="-g",
)
_operator(
    operator.mul,
    "times",
    "a * b",
    "a, b",
    BROADCAST,
    {"a": "t * b", "b": "a * t"},
    a="g * b",
    b="g * a",
)
_operator(
    operator.truediv,
    "over",
    "a / b",
    "a, b",
    BROADCAST,
    {"a": "t / b", "b": "-t * ans / b"},
    a="g / b",
    b="-g * ans / b",
)
_operator(
    operator.pow,
    "pow",
    "a ** b",
    "a, b",
    BROADCAST,
    {"a": "t * b * a ** (b - 1)", "b": "t * ans * log_or_zero(a)"},
    a="g * b * a ** (b - 1)",
    b="g * ans * log_or_zero(a)",
)
_operator(
    operator.matmul,
    "matmul",
    "a @ b",
    "a, b",
    OTHER,
    {"a": "t @ b", "b": "a @ t"},
    a="matmul_left(g, a, b)",
    b="matmul_right(g, a, b)",
)
_operator(operator.neg, "neg", "-a", "a", SAME, {"a": LINEAR}, a="-g")
_operator(operator.pos, "pos", "+a", "a", SAME, {"a": LINEAR}, a="g")
_operator(
    operator.mod,
    "mod",
    "a % b",
    "a, b",
    BROADCAST,
    {"a": "t", "b": "-t * (a // b)"},
    a="g",
    b="-g * (a // b)",
)
_operator(
    operator.getitem,
    "part",
    "a[index]",
    "a, index",
    OTHER,
    {"a": LINEAR, "index": None},
    a="unindex(g, a, index)",
    index=None,
)
# ``p.W`` of a named tuple, dataclass or object that carries a derivative
# (emitted as written: normal/primal.py spells it back as an attribute)
defrule(
    "getattr",
    "a, attr",
    name="field",
    jvp={"a": "attribute_tangent(t, a, attr)", "attr": None},
    a="unattribute(g, a, attr)",
    attr=None,
)

for _key, _name, _spelling in [
    (operator.floordiv, "floordiv", "a // b"),
    (operator.lt, "lt", "a < b"),
    (operator.le, "le", "a <= b"),
    (operator.gt, "gt", "a > b"),
    (operator.ge, "ge", "a >= b"),
    (operator.eq, "eq", "a == b"),
    (operator.ne, "ne", "a != b"),
    (operator.and_, "and", "a & b"),
    (operator.or_, "or", "a | b"),
    (operator.xor, "xor", "a ^ b"),
]:
    register(
        Primitive(
            key=_key,
            name=_name,
            spelling=_spelling,
            params=parse_signature("a, b"),
            nondiff=True,
            infix=True,
        )
    )
for _key, _name, _spelling in [
    (operator.not_, "not", "not a"),
    (operator.invert, "invert", "~a"),
]:
    register(
        Primitive(
            key=_key,
            name=_name,
            spelling=_spelling,
            params=parse_signature("a"),
            nondiff=True,
            infix=True,
        )
    )
