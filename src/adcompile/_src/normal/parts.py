"""Writes into an item of a container: ``u, (v, s) = tt`` then ``v[0] = e``.

In Python ``v`` is the array ``tt[1][0]``: a write into it changes what
``tt`` holds, for the rest of the function and for the caller whose tuple
it is. Lowering turns the write into a new value for ``v`` (``inplace.py``),
which ``tt`` would not hold; refusing it (``sharing.py``) is right, but the
container can follow. Each name given an item of another by a constant key
(``v = w[1]``, ``u, (v, s) = tt``, which unpacks through ``tt[1][0]``) is
recorded with the container it came from and the path of keys
(``part_paths``); a write into ``v`` that only that container's names (and
the caller, through it) may see then rebuilds the container around the new
value, as ``with_item`` on each level:

    v[0] = e          ->      v_1 = with_item(v, 0, e)
                              tt_part = tt[1]
                              tt_part_1 = with_item(tt_part, 0, v_1)
                              tt_1 = with_item(tt, 1, tt_part_1)

and every name that held the container holds the new one, which later
reads, and the caller's copy at the end (``write_back``), see.

Invariant: a path is recorded only where, as the code runs, the item's
name holds the container's item at that path from its one assignment on:
the item's name is bound once in the function (an augmented assignment,
which changes an array in place, does not count) and the container's name
at most once (never, for a parameter); every in-place write into either is
lowered here or by the item writes themselves, so the relation holds on
every path, in loops too (a loop writing the item gives the container's
names one variable, ``_wholes_of``). An augmented assignment of the item's
name rebinds a number without changing the container: the new item goes in
as ``written_back(the item the container holds, new)``, which keeps the
number it held.
"""

from __future__ import annotations

import dataclasses
import operator
from collections import Counter
from collections.abc import Iterable

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.vocabulary import (
    ATTRIBUTES,
    MUTATING_METHODS,
    NONDIFF_ATTRIBUTES,
)
from adcompile._src.read.static_code import bound_names, chain_base, named_attribute
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import SETITEM
from adcompile._src.runtime import HELPERS
from adcompile._src.syntax.templates import string_literal
from adcompile._src.syntax.tree import walk


@dataclasses.dataclass(frozen=True)
class Field:
    """A step of a path that reads a field of an object (``p.W``,
    ``getattr(p, "W")``), where a string alone reads a dict's entry."""

    name: str


Path = tuple[int | str | Field, ...]


class ContainerParts:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _record_part(
        self, name: str, value: cst.BaseExpression, position: int | None = None
    ) -> None:
        """After ``name = value`` was lowered (``position``: of ``name`` in
        the names ``value`` is unpacked to): remember ``name`` as an item of
        a container (see the module's docstring), or forget it (``x = x``
        leaves it what it was)."""
        if isinstance(value, cst.Name) and value.value == name and position is None:
            return
        self.part_paths.pop(name, None)
        found = container_path(value)
        if found is None or not self._bound_once(name):
            return
        container, keys = found
        if container not in self.env or container == name:
            return
        root, path = self.part_paths.get(container, (container, ()))
        path = (*path, *keys, *(() if position is None else (position,)))
        if root in self.param_names:
            allowed = self._binding_counts().get(root, 0) == 0
        else:
            allowed = self._bound_once(root)
        if allowed and root in self.env:
            self.part_paths[name] = (root, path)

    def _rebuilds_whole(
        self, current: str, name: str
    ) -> tuple[list[tuple[str, str]], list[str]] | None:
        """Whether an in-place write into ``name`` (holding ``current``) may
        rebuild the container it is an item of: every name read later that
        may see its memory holds that container, or is the caller through
        it (a parameter's container goes back to the caller), or is one a
        check as the code runs can read (another item of the container,
        which may be the same array): those checks, or None where the
        container cannot follow. If it can, ``_rebuild_whole`` runs after
        the write (``rebuilt_after`` says it will)."""
        found = self.part_paths.get(name)
        if found is None or not found[1] or self.env.get(name) != current:
            return None
        if current not in self.fresh:  # (code that may keep it has seen it)
            return None
        root, own = found
        whole = self.env.get(root)
        if whole is None:
            return None
        for other, bound in self.env.items():  # (inside a construct, each
            if bound == whole and self.pinned and other not in self.pinned:
                return None  # name given the new container is its own)
        rebuilt = {f"'{n}'" for n, bound in self.env.items() if bound == whole}
        items = {  # other items of the container (not one holding this one,
            f"'{n}'"  # nor one it holds): apart, as the code runs
            for n, (other, path) in self.part_paths.items()
            if other == root and n != name and path and not _nested(path, own)
        }
        checks: list[tuple[str, str]] = []
        for who, edge, variable in self._observers(current, name):
            if who in rebuilt or who in items and variable != current:
                continue  # (items_apart checks they are)
            if who == "the caller" and edge is not None:
                root = self._parameter_root(edge[1])
                if root is not None and root == self._parameter_root(whole):
                    continue  # (through the container, written back)
            if not who or variable is None:
                return None
            if all(variable != v for v, _ in checks):
                checks.append((variable, who))
        return checks, []

    def _rebuild_whole(self, before: str, after: str) -> None:
        """``after`` is the item ``before`` became: the container it is an
        item of becomes a new one holding it, under every name that held
        the old one (where the write rebinds a number, ``v += e``, the
        container keeps the number it held: ``written_back``)."""
        name, rebinds = self.rebuilt_after.pop(before)
        root, path = self.part_paths[name]
        whole = self.env[root]
        keys = cst.Tuple([cst.Element(_constant(k)) for k in path])
        self._check_as_it_runs("items_apart", whole, keys)
        item, field = registry.lookup(operator.getitem), registry.lookup(getattr)
        levels: list[ir.Operand] = [ir.Var(whole)]
        for key in path if rebinds else path[:-1]:  # (an item written: the
            index = _constant(key)  # container holds the array it became)
            if isinstance(key, Field):
                read = self._apply(field, [levels[-1], ir.Static(index)], {}, None)
            else:
                read = self._apply(item, [levels[-1]], {}, None, index=index)
            levels.append(read)
        value: ir.Operand = ir.Var(after)
        if rebinds:
            kept = registry.lookup(HELPERS["written_back"])
            value = self._apply(kept, [levels.pop(), value], {}, None)
        write = registry.lookup(SETITEM)
        replace = registry.lookup(HELPERS["with_field"])
        self.updating_in_place = True
        try:
            steps = list(enumerate(zip(levels, path, strict=True)))
            for depth, (level, key) in reversed(steps):
                index = _constant(key)
                named = root if depth == 0 else None  # (the whole: root's name)
                if isinstance(key, Field):  # (a new object: with_field)
                    static = ir.Static(index)
                    value = self._apply(replace, [level, static, value], {}, named)
                else:
                    value = self._apply(write, [level, value], {}, named, index=index)
        finally:
            self.updating_in_place = False
        for other, bound in list(self.env.items()):
            if bound == whole:  # (a construct's variable: copied into it)
                self._bind_alias(other, value)
        self._written(whole, self.env[root])

    def _check_as_it_runs(
        self, helper: str, value: str, where: cst.BaseExpression
    ) -> None:
        """``helper(value, where, "<the statement>")``, a check of an item
        write run before it (``items_apart``, ``copied_item_update``)."""
        code = cst.SimpleString(string_literal(self.origin.code))
        args = [cst.Arg(cst.Name(value)), cst.Arg(where), cst.Arg(code)]
        check = cst.Expr(cst.Call(cst.Name(helper), args))
        self.body.append(ir.Effect(check, self.origin))

    def _wholes_of(self, names: set[str], nodes: list[cst.CSTNode]) -> set[str]:
        """The containers whose items among ``names`` a construct (``nodes``)
        writes in place: they are given new values in it too. Items recorded
        before it, and items it reads itself (``v = tt[1][0]``, ``u, v =
        pair``), and those a write names a part of (``p.W[0] = v``:
        ``InPlaceLowering._part_named``). (A name only given new values
        there changes no container.)"""
        in_place = {n for node in nodes for n in written_in_place(node)}
        written = names & (in_place | self._written_by_calls(nodes))
        found = {self.part_paths[n][0] for n in written if n in self.part_paths}
        found |= {n for node in nodes for n in _parts_written(node)} & set(self.env)
        written |= found
        while True:
            more = {
                container
                for node in nodes
                for container, targets in _reads_into(node)
                if targets & written
            } - written
            if not more:
                return found | (written - set(names))
            written |= more
            found |= more

    def _bound_once(self, name: str) -> bool:
        return self._binding_counts().get(name, 0) <= 1

    def _binding_counts(self) -> Counter[str]:
        if self.binding_counts is None:
            self.binding_counts = binding_counts(walk(self.definition.body))
        return self.binding_counts


def binding_counts(nodes: Iterable[cst.CSTNode]) -> Counter[str]:
    """How many statements among ``nodes`` bind each name (an augmented
    assignment does not: for an array it changes it in place; nor does
    ``x = x``, which leaves x what it was)."""
    counts: Counter[str] = Counter()
    for node in nodes:
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets if not _itself(t, node.value)]
        elif isinstance(node, (cst.AnnAssign, cst.For)):
            targets = [node.target]
        elif isinstance(node, (cst.CompFor, cst.NamedExpr, cst.WithItem)):
            targets = [getattr(node, "target", None) or node.asname]
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            targets = [node.name]
        elif isinstance(node, (cst.Global, cst.Nonlocal, cst.Del)):
            targets = [node]
        for target in targets:
            counts.update(_bound_names(target))
    return counts


def _itself(target: cst.AssignTarget, value: cst.BaseExpression) -> bool:
    """``x = x``: the name given the value it holds."""
    return (
        isinstance(target.target, cst.Name)
        and isinstance(value, cst.Name)
        and target.target.value == value.value
    )


def _bound_names(target: cst.CSTNode | None) -> list[str]:
    """``bound_names``, and a global, nonlocal or del statement's names."""
    if isinstance(target, (cst.Global, cst.Nonlocal)):
        return [item.name.value for item in target.names]
    if isinstance(target, cst.Del):
        return [n.value for n in walk(target.target) if isinstance(n, cst.Name)]
    return bound_names(target)


def written_in_place(node: cst.CSTNode) -> set[str]:
    """The names ``node`` may change in place: written into by an item or
    attribute assignment (``v[0] = e``), an augmented assignment
    (``v -= e``), a method that changes its object (calls that write into
    what they are given: ``_written_by_calls``)."""
    found: set[str] = set()
    for inner in walk(node):
        if isinstance(inner, (cst.AssignTarget, cst.AugAssign)):
            base, links = chain_base(inner.target)
            if isinstance(base, cst.Name) and (
                links or isinstance(inner, cst.AugAssign)
            ):
                found.add(base.value)
        elif isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute):
            if inner.func.attr.value in MUTATING_METHODS:
                if isinstance(inner.func.value, cst.Name):
                    found.add(inner.func.value.value)
    return found


def _parts_written(node: cst.CSTNode) -> set[str]:
    """The names of the containers ``node`` writes a part of through a
    constant path (``p`` of ``p.W[0] = v`` and of ``p["w"][1:] += v``)."""
    found = set()
    for inner in walk(node):
        if isinstance(inner, (cst.AssignTarget, cst.AugAssign)):
            target = inner.target
            if isinstance(target, cst.Subscript):
                path = container_path(target.value)
                if path is not None and path[1]:
                    found.add(path[0])
    return found


def _reads_into(node: cst.CSTNode) -> list[tuple[str, set[str]]]:
    """Each container an assignment in ``node`` reads an item of (or
    itself) into names, with those names."""
    found = []
    for assign in walk(node):
        if isinstance(assign, cst.Assign):
            path = container_path(assign.value)
            if path is not None:
                targets = {n for t in assign.targets for n in _bound_names(t.target)}
                found.append((path[0], targets))
    return found


def container_path(value: cst.BaseExpression) -> tuple[str, Path] | None:
    """``(w, (k1, k2))`` of ``w[k1][k2]`` with constant keys (integers,
    strings) or fields (``w.W``, ``getattr(w, "W")``: ``Field("W")``), and
    ``(w, ())`` of ``w`` itself; None for any other value."""
    if isinstance(value, cst.Name):
        return value.value, ()
    field = field_read(value)
    if field is not None:
        inner = container_path(field[0])
        return None if inner is None else (inner[0], (*inner[1], Field(field[1])))
    if (
        not isinstance(value, cst.Subscript)
        or len(value.slice) != 1
        or not isinstance(value.slice[0].slice, cst.Index)
    ):
        return None
    inner = container_path(value.value)
    key = _constant_key(value.slice[0].slice.value)
    if inner is None or key is None:
        return None
    return inner[0], (*inner[1], key)


def field_read(
    value: cst.BaseExpression,
) -> tuple[cst.BaseExpression, str] | None:
    """The object and the field's name of ``w.W`` or ``getattr(w, "W")``
    (not of what the compiler reads as an array's: ``w.T``, ``w.shape``)."""
    found = named_attribute(value)
    if found is None or found[1] in ATTRIBUTES or found[1] in NONDIFF_ATTRIBUTES:
        return None
    return found


def _constant_key(node: cst.BaseExpression) -> int | str | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        if isinstance(node.expression, cst.Integer):
            return -int(node.expression.value, 0)
    if isinstance(node, cst.SimpleString) and node.prefix == "":
        return node.evaluated_value
    return None


def _nested(one: Path, other: Path) -> bool:
    """Whether one path leads into the other (one item holds the other)."""
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


def _constant(key: int | str | Field) -> cst.BaseExpression:
    """A key as the code spells it (a field by its name: a string on an
    object reads the field, ``items_apart``)."""
    if isinstance(key, Field):
        return cst.SimpleString(repr(key.name))
    if isinstance(key, str):
        return cst.SimpleString(repr(key))
    return cst.Integer(str(key)) if key >= 0 else cst.parse_expression(str(key))
