"""Helpers on code that carries no derivative: renaming, literals, callees."""

from __future__ import annotations

from typing import Any

import libcst as cst

from adcompile._src.errors import UnresolvedName
from adcompile._src.read.source import FunctionSource


class _RenameLocals(cst.CSTTransformer):
    """Rename local names to their single-assignment names, nothing else."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        new = self.env.get(original.value)
        return updated.with_changes(value=new) if new else updated

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


def rename_locals(node: Any, env: dict[str, str]) -> Any:
    """``node`` with each local name replaced by its current SSA name."""
    if not any(old != new for old, new in env.items()):
        return node
    return node.visit(_RenameLocals(env))


def dotted_name(node: cst.BaseExpression) -> str:
    """``np.linalg.norm`` for that expression; "" for anything but a name or
    attributes of one."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def chain_base(node: cst.BaseExpression) -> tuple[cst.BaseExpression, int]:
    """The expression a chain of subscripts and attributes starts from (``a``
    of ``a.w[1]`` and of ``getattr(a, "w")``, the node itself for any other),
    and the number of links."""
    links = 0
    while True:
        if isinstance(node, (cst.Subscript, cst.Attribute)):
            node, links = node.value, links + 1
        elif is_getattr_call(node):
            assert isinstance(node, cst.Call)
            node, links = node.args[0].value, links + 1
        else:
            return node, links


def is_getattr_call(node: cst.CSTNode) -> bool:
    """``getattr(a, w)`` (the builtin's name as written, two arguments)."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "getattr"
        and len(node.args) == 2
        and all(a.keyword is None and not a.star for a in node.args)
    )


def named_attribute(
    node: cst.CSTNode,
) -> tuple[cst.BaseExpression, str] | None:
    """The object and the attribute's name of ``a.w``, or of ``getattr(a,
    "w")`` (a constant name), which Python reads alike; None otherwise."""
    if isinstance(node, cst.Attribute):
        return node.value, node.attr.value
    if not is_getattr_call(node):
        return None
    assert isinstance(node, cst.Call)
    name = node.args[1].value
    if not isinstance(name, cst.SimpleString):
        return None
    text = name.evaluated_value
    if not isinstance(text, str) or not text.isidentifier():
        return None
    return node.args[0].value, text


def bound_names(target: cst.CSTNode | None) -> list[str]:
    """The names a binding target binds (``a``, ``a, (b, *c)``, ``as a``; not
    the object ``a[0]`` or ``a.w`` writes into)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.AsName):
        return bound_names(target.name)
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in bound_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    return []


def int_literal(node: cst.BaseExpression) -> int | None:
    """The value of ``3`` or ``-3``; None for other code."""
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = int_literal(node.expression)
        return None if inner is None else -inner
    return None


def is_numeric_literal(node: cst.CSTNode) -> bool:
    """An int or float literal, possibly negated: a value known to be scalar."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(
        node.operator, (cst.Minus, cst.Plus)
    ):
        return is_numeric_literal(node.expression)
    return False


def resolve_callee(
    source: FunctionSource,
    func: cst.BaseExpression,
    env: dict[str, str],
    strict: bool = True,
) -> Any | None:
    """The object a call's function expression denotes, or None if local.

    ``np.linalg.norm`` is looked up through the function's closure, globals
    and builtins, then attribute by attribute. A name bound in the function
    itself cannot be known before it runs: None. With ``strict``, a name that
    resolves to nothing raises UnresolvedName at the call.
    """
    chain: list[str] = []
    node = func
    while isinstance(node, cst.Attribute):
        chain.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name) or node.value in env:
        return None
    try:
        obj = source.resolve(node.value)
        for attribute in reversed(chain):
            obj = getattr(obj, attribute)
    except (UnresolvedName, AttributeError) as exc:
        if not strict:
            return None
        raise UnresolvedName(
            f"'{source.code(func)}' does not name anything adcompile can find",
            "check the spelling, and define it before asking for the gradient",
            source.location(func),
        ) from exc
    return obj


WRITES = (cst.AssignTarget, cst.AugAssign, cst.For, cst.Del)


def written_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """What ``node`` assigns or deletes: the targets of an assignment, an
    augmented one, a ``for`` loop or a ``del``, unpacked
    (``y[0], y[1] = ...``, ``for y[0] in ...``, ``del ws[0]``)."""
    if not isinstance(node, WRITES):
        return []
    found: list[cst.BaseExpression] = []
    todo: list[cst.BaseExpression] = [node.target]
    while todo:
        target = todo.pop()
        if isinstance(target, (cst.Tuple, cst.List)):
            todo.extend(e.value for e in target.elements)
        elif isinstance(target, cst.StarredElement):
            todo.append(target.value)
        else:
            found.append(target)
    return found
