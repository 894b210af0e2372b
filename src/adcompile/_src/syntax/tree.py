"""Fast walks over libcst trees, for the passes that only read a tree or
replace a few of its names.

libcst's visitors rebuild every node they pass, even to read; on the small
expressions the compiler handles thousands of times per transformation
that is most of its time. ``walk`` yields the nodes of a tree without
rebuilding any (``stack_lists`` reads with it which lists the function
uses only as stacks). ``NameSites`` records, once per template, where its
replaceable names stand, so that filling it in rebuilds only the nodes on
the way to them.

Invariant: they see the nodes libcst's visitors see, less whitespace,
punctuation, operators and literals (no name stands in those). A node's
children are the ``CSTNode`` values of its dataclass fields and the nodes in
its sequence fields, in field order, which is source order but for a few
fields (a ``def``'s decorators come after its name). ``NameSites.fill``
gives the tree a libcst transformer replacing the same names gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst

# Nodes that never hold a name: whitespace, punctuation and operators.
_LEAVES = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
)

_FIELDS: dict[type, tuple[str, ...]] = {}
_INNER: dict[type, bool] = {}


def _inner(kind: type) -> bool:
    """Whether values of this type are nodes that may hold names (neither
    leaves nor other values). Decided by the class's bases, not isinstance:
    the node classes are ABCs, whose checks are slow the first time."""
    inner = _INNER.get(kind)
    if inner is None:
        bases = kind.__mro__
        inner = cst.CSTNode in bases and not any(base in _LEAVES for base in bases)
        _INNER[kind] = inner
    return inner


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind))
        _FIELDS[kind] = names
    return names


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes that may hold names, in field order."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if _inner(type(item)):
                    yield item
        elif _inner(kind):
            yield value


def rebuild(
    node: cst.CSTNode, leave: Callable[[cst.CSTNode], cst.CSTNode]
) -> cst.CSTNode:
    """``node`` rebuilt bottom-up: ``leave`` gets each node (with its new
    children) and returns it or its replacement. Nodes with nothing changed
    below them are kept as they are, not copied, and leaves are not passed."""
    changes: dict[str, Any] = {}
    for name in _fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if (kind is tuple or kind is list) and value:
            items = [
                rebuild(item, leave) if _inner(type(item)) else item for item in value
            ]
            if any(new is not old for new, old in zip(items, value, strict=True)):
                changes[name] = tuple(items)
        elif _inner(kind):
            new = rebuild(value, leave)
            if new is not value:
                changes[name] = new
    return leave(node.with_changes(**changes) if changes else node)


def walk(
    node: cst.CSTNode, prune: Callable[[cst.CSTNode], bool] | None = None
) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it that may hold a name, parents first;
    below no node for which ``prune`` is true (the node itself is yielded)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if prune is None or current is node or not prune(current):
            stack.extend(reversed(list(children(current))))


# A site plan: the name that stands at a node, or the child plans below it
# as (field, position in a sequence field or None, plan).
Plan = str | tuple[tuple[str, Any, "Plan"], ...]


def _plan(node: cst.CSTNode) -> Plan | None:
    if isinstance(node, cst.Name):
        return node.value
    steps: list[tuple[str, Any, Plan]] = []
    for field in _fields(type(node)):
        if (isinstance(node, cst.Attribute) and field == "attr") or (
            isinstance(node, cst.Arg) and field == "keyword"
        ):
            continue  # attribute names and keywords are never replaced
        value = getattr(node, field)
        kind = type(value)
        if kind is tuple or kind is list:
            for position, item in enumerate(value):
                if _inner(type(item)):
                    plan = _plan(item)
                    if plan is not None:
                        steps.append((field, position, plan))
        elif _inner(kind):
            plan = _plan(value)
            if plan is not None:
                steps.append((field, None, plan))
    return tuple(steps) or None


def _fill(
    node: cst.CSTNode,
    plan: Plan,
    mapping: dict[str, cst.BaseExpression],
    wrap: Any,
    bare: bool = False,
) -> cst.CSTNode:
    if isinstance(plan, str):
        replacement = mapping.get(plan)
        if replacement is None:
            return node
        return replacement if bare else wrap(replacement)
    changes: dict[str, Any] = {}
    for field, position, below in plan:
        bare_here = isinstance(node, cst.Arg) and field == "value"
        if position is None:
            old = getattr(node, field)
            new = _fill(old, below, mapping, wrap, bare_here)
            if new is not old:
                changes[field] = new
        else:
            items = changes.get(field)
            if items is None:
                items = list(getattr(node, field))
            old = items[position]
            new = _fill(old, below, mapping, wrap)
            if new is not old:
                items[position] = new
                changes[field] = items
    if not changes:
        return node
    return node.with_changes(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    )


class NameSites:
    """Where the replaceable names of one template stand."""

    def __init__(self, template: cst.CSTNode) -> None:
        self.template = template  # kept alive: its id keys the cache
        self.plan = _plan(template)

    def fill(self, mapping: dict[str, cst.BaseExpression], wrap: Any) -> cst.CSTNode:
        """The template with each mapped name replaced by ``wrap(expression)``
        (by the bare expression where it is a call's argument)."""
        if self.plan is None:
            return self.template
        return _fill(self.template, self.plan, mapping, wrap)


_SITES: dict[int, NameSites] = {}


def name_sites(template: cst.CSTNode) -> NameSites:
    """The (remembered) name sites of a template."""
    sites = _SITES.get(id(template))
    if sites is None or sites.template is not template:
        sites = NameSites(template)
        if len(_SITES) < 4096:
            _SITES[id(template)] = sites
    return sites


_STACK_METHODS = ("append", "pop")


def stack_lists(definition: cst.FunctionDef) -> set[str]:
    """The local names used only as stacks: every binding is ``name = []``
    and every other use is ``name.append(value)`` or ``name.pop()`` in the
    function's own body (not in a nested function). No other name can see
    such a list, nor a container hold it: only the items it gives back."""
    bound: set[str] = set()
    allowed: set[int] = set()  # the Name nodes of bindings and method calls
    ignored: set[int] = set()  # attribute and keyword names, and nested uses
    names: list[cst.Name] = []
    for node in walk(definition.body):
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            nested = [n for n in walk(node) if isinstance(n, cst.Name)]
            names += nested  # (seen again below: a use, wherever it stands)
        elif isinstance(node, cst.Name):
            names.append(node)
        elif isinstance(node, cst.Attribute):
            ignored.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            ignored.add(id(node.keyword))
        elif (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and isinstance(node.value, cst.List)
            and not node.value.elements
        ):
            bound.add(node.targets[0].target.value)
            allowed.add(id(node.targets[0].target))
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Name)
            and node.func.attr.value in _STACK_METHODS
            and len(node.args) == (node.func.attr.value == "append")
            and all(a.keyword is None and not a.star for a in node.args)
        ):
            allowed.add(id(node.func.value))
    nested_ids = {
        id(n)
        for node in walk(definition.body)
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))
        for n in walk(node)
    }
    others = {
        name.value
        for name in names
        if id(name) in nested_ids
        or (id(name) not in allowed and id(name) not in ignored)
    }
    params = {p.name.value for p in walk(definition.params) if isinstance(p, cst.Param)}
    return bound - others - params
