"""Facts about loops and branches read from their syntax (what a loop
assigns, whether it breaks, what a comprehension binds), and the marks
that record overwrites and first writes on the normal form."""

from __future__ import annotations

import functools
from typing import Any

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.sharing import load_names
from adcompile._src.normal.views import viewed_name
from adcompile._src.read.static_code import rename_locals
from adcompile._src.syntax.tree import walk


def free_name(base: str, taken: set[str]) -> str:
    name, counter = base, 0
    while name in taken:
        counter += 1
        name = f"{base}_{counter}"
    return name


def merge_states(a: tuple, b: tuple) -> tuple[frozenset, frozenset, frozenset]:
    """State after two paths join: varied on either, fresh on both, a value
    held by a variable on either."""
    return frozenset(a[0] | b[0]), frozenset(a[1] & b[1]), frozenset(a[2] | b[2])


def else_statements(node: cst.If) -> list[cst.BaseStatement]:
    orelse = node.orelse
    if orelse is None:
        return []
    if isinstance(orelse, cst.If):
        return [orelse]
    return list(orelse.body.body)


def assigned_names(statements: list[cst.CSTNode], nested: bool = True) -> set[str]:
    """User names assigned anywhere in ``statements`` (loop targets too);
    with ``nested=False``, not those of nested functions' own bodies (the
    nested function's name is assigned, its locals are its own)."""
    names: set[str] = set()
    for statement in statements:
        names |= _assigned_in(statement, nested)
    for statement in statements:  # a write through a view writes its base
        names |= _view_bases(statement, frozenset(names))
    return names


@functools.lru_cache(maxsize=8192)
def _view_bases(statement: cst.CSTNode, written: frozenset[str]) -> frozenset[str]:
    """The ``y`` of each ``v = y[...]`` in ``statement`` whose ``v`` is in
    ``written`` (views.py lowers a write into ``v`` as one into ``y``)."""
    bases: set[str] = set()
    for node in walk(statement):
        if (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and node.targets[0].target.value in written
            and (base := viewed_name(node.value)) is not None
        ):
            bases.add(base)
    return frozenset(bases)


@functools.lru_cache(maxsize=8192)
def _assigned_in(statement: cst.CSTNode, nested: bool) -> frozenset[str]:
    """``assigned_names`` of one statement (nodes are immutable, and hash
    by identity: a loop's body, read again on every pass, is walked once)."""
    names: set[str] = set()

    def add_target(target: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                add_target(element.value)

    def function(node: cst.CSTNode) -> bool:
        return isinstance(node, (cst.FunctionDef, cst.Lambda))

    # items.append(v) and the other list methods lists.py lowers give items a
    # new list (np.append(x, v), np.insert(x, i, v) take more arguments)
    arity = {"append": (1,), "extend": (1,), "insert": (2,), "pop": (0, 1)}
    for node in walk(statement, None if nested else function):
        if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.AssignTarget)):
            add_target(_written_name(node.target))
        elif isinstance(node, cst.For):
            add_target(node.target)
        elif isinstance(node, cst.FunctionDef):
            names.add(node.name.value)
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and len(node.args) in arity.get(
                func.attr.value, ()
            ):
                add_target(func.value)
            elif _called_name(func) == "fill_diagonal":  # a new array, too
                add_target(_argument(node, 0, "a"))
    return frozenset(names)


def _called_name(func: cst.BaseExpression) -> str:
    """``f`` for ``f(...)`` and ``m.f(...)``."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _argument(call: cst.Call, position: int, keyword: str) -> cst.CSTNode | None:
    """The argument given for a parameter, by position or keyword."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[position].value if len(positional) > position else None


def mark_first_write(statements: list[ir.Statement], name: str) -> None:
    """Flag the first statement of a branch that writes ``name`` as giving
    it its first value (on each path through nested branches; a write in a
    loop is never a first value)."""
    for statement in statements:
        if isinstance(statement, (ir.Apply, ir.Assign, ir.Pack)):
            if name in statement.target.split(", "):
                statement.initializes = True  # (of name, for a, b = ...)
                statement.first_of = getattr(statement, "first_of", set()) | {name}
                return
        elif isinstance(statement, ir.Branch):  # the first write on each path
            mark_first_write(statement.body, name)
            mark_first_write(statement.orelse, name)
            return
        elif isinstance(statement, ir.Loop):
            return  # written (or not) on some trips: keep it saved


def _written_name(target: cst.CSTNode) -> cst.CSTNode:
    """The name an assignment rebinds: ``y`` for ``y[i] = ...`` too."""
    while isinstance(target, cst.Subscript):
        target = target.value
    return target


def target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in target_names(e.value)}
    return set()


def iterated_names(iterable: cst.BaseExpression) -> set[str]:
    """The names whose objects a ``for`` loop runs over as it goes (``xs``
    of ``for x in xs``, of ``enumerate(xs)``, ``zip(xs, ys)``,
    ``reversed(xs)``), not those of an iterable made when it starts
    (``range(len(xs))``, ``list(xs)``, ``xs[:]``)."""
    if isinstance(iterable, cst.Name):
        return {iterable.value}
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name):
        if iterable.func.value in ("enumerate", "zip", "reversed"):
            return set().union(*(iterated_names(a.value) for a in iterable.args))
    return set()


def names_in(node: cst.CSTNode) -> set[str]:
    return load_names(node)


def breaks_loop(statements: list[cst.BaseStatement]) -> bool:
    """Whether a ``break`` of this loop (not of a nested one) is inside."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Break(self, node: cst.Break) -> None:
            nonlocal found
            found = True

        def visit_For(self, node: cst.For) -> bool:
            return False

        def visit_While(self, node: cst.While) -> bool:
            return False

    for statement in statements:
        statement.visit(Finder())
    return found


def is_range(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "range"
    )


def assign_line(
    target: cst.BaseExpression, value: cst.BaseExpression
) -> cst.BaseStatement:
    return cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], value)])


def item_line(
    target: cst.BaseExpression, sequence: cst.BaseExpression, index: object
) -> cst.BaseStatement:
    index_node = cst.Name(index) if isinstance(index, str) else index
    element = cst.Subscript(
        value=sequence, slice=[cst.SubscriptElement(cst.Index(index_node))]
    )
    return assign_line(target, element)


def mark_overwrites(
    statements: list[ir.Statement], pinned: set[str], context: str = "top"
) -> None:
    """Flag assignments that may overwrite a value the backward sweep needs:
    every assignment inside a loop, and assignments to a construct's
    variable inside a branch. Top-level assignments define, never overwrite."""
    for statement in statements:
        if isinstance(statement, (ir.Apply, ir.Assign, ir.Pack)):
            targets = set(statement.target.split(", "))
            first = getattr(statement, "initializes", False)  # its first value
            if first and len(targets) > 1:  # of each name it gives one to
                first = targets & pinned <= getattr(statement, "first_of", targets)
            if context == "loop" or (
                context == "branch" and targets & pinned and not first
            ):
                statement.overwrites = True
        elif isinstance(statement, ir.Branch):
            inner = "loop" if context == "loop" else "branch"
            mark_overwrites(statement.body, pinned, inner)
            mark_overwrites(statement.orelse, pinned, inner)
        elif isinstance(statement, ir.Loop):
            mark_overwrites(statement.body, pinned, "loop")


def contains_return(node: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Return) for n in walk(node))


class ReplaceName(cst.CSTTransformer):
    """Replace every ``Name(placeholder)`` with an expression."""

    def __init__(self, placeholder: str, replacement: cst.BaseExpression) -> None:
        self.placeholder = placeholder
        self.replacement = replacement

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.replacement if original.value == self.placeholder else updated


def renamed_locals(node: Any, renames: dict[str, str]) -> Any:
    return rename_locals(node, renames) if renames else node


def loop_variables(clauses: list[cst.CompFor], renames: dict[str, str]) -> set[str]:
    names: set[str] = set()
    for clause in clauses:
        names |= {renames.get(n, n) for n in target_names(clause.target)}
    return names


_NEW_CONTAINERS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


def containers_made_here(nodes: list[cst.CSTNode]) -> set[str]:
    """The names every binding among ``nodes`` gives a container written
    out or built there (``[]``, ``{}``, a comprehension, ``list(...)``):
    their objects are the function's own, whatever they come to hold."""
    made: set[str] = set()
    other: set[str] = set()
    for node in nodes:
        if isinstance(node, cst.Assign):
            value = node.value
            new = isinstance(value, _NEW_CONTAINERS) or (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Name)
                and value.func.value in ("list", "dict", "set")
            )
            for target in node.targets:
                names = target_names(target.target)
                if new and isinstance(target.target, cst.Name):
                    made |= names
                elif isinstance(target.target, (cst.Name, cst.Tuple, cst.List)):
                    other |= names
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
            other |= target_names(node.target)
        elif isinstance(node, (cst.NamedExpr, cst.AsName)):
            other |= target_names(getattr(node, "target", None) or node.name)
    return made - other


def names_bound(nodes: list[cst.CSTNode]) -> set[str]:
    """The names any of ``nodes`` binds (to anything)."""
    bindings = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For)
    bindings += (cst.CompFor, cst.NamedExpr, cst.AsName)
    return {
        name.value
        for binding in nodes
        if isinstance(binding, bindings)
        for part in (getattr(binding, "target", None), getattr(binding, "name", None))
        if part is not None
        for name in walk(part)
        if isinstance(name, cst.Name)
    }


def is_inside(node: cst.CSTNode, outer: cst.CSTNode) -> bool:
    return any(n is node for n in walk(outer))


def may_be_skipped(call: cst.CSTNode, test: cst.BaseExpression) -> bool:
    """Whether Python may skip ``call`` when it evaluates ``test``: it
    stands right of an ``and``/``or``, in a branch of a conditional
    expression, or in a comprehension or lambda."""
    for node in walk(test):
        if isinstance(node, cst.BooleanOperation) and is_inside(call, node.right):
            return True
        if isinstance(node, cst.IfExp) and (
            is_inside(call, node.body) or is_inside(call, node.orelse)
        ):
            return True
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.GeneratorExp)) and is_inside(
            call, node
        ):
            return True
    return False
