"""Which user names are certainly bound before each statement.

Some checks lowering emits run as the code runs and read other names'
values (``shared_update(y, (row,), ...)`` asks whether ``row`` sees ``y``'s
memory). A name bound on one path only (``if c: row = y[0]``) would raise
``UnboundLocalError`` in such a check on the other path, where the user's
code never reads it: checks may read only the names this analysis gives.

Invariant: a name in a statement's set is bound on every path that reaches
the statement (a forward "definitely assigned" dataflow). Branches meet by
intersection, a loop's body may run no times (after the loop, and at the top
of its body, only what was bound before it counts), and a path that ends in
``return``, ``raise``, ``break`` or ``continue`` does not reach the next
statement. Anything not understood binds nothing, which can only make a
check impossible (and the update refused), never read an unbound name.

Expects the structured body lowering sees (see ``liveness.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

Bound = frozenset[str]
# No path reaches here (after a return): the identity of the meet.
_UNREACHED: Bound | None = None


def bound_before(
    statements: Sequence[cst.BaseStatement], params: Iterable[str]
) -> dict[int, Bound]:
    """``id(statement) -> names certainly bound before it``, for every small
    and compound statement of ``statements``, at any depth."""
    before: dict[int, Bound] = {}
    _block(statements, frozenset(params), before)
    return before


def _meet(one: Bound | None, other: Bound | None) -> Bound | None:
    if one is None:
        return other
    if other is None:
        return one
    return one & other


def _block(
    statements: Sequence[cst.CSTNode], bound: Bound | None, before: dict[int, Bound]
) -> Bound | None:
    for statement in statements:
        bound = _statement(statement, bound, before)
    return bound


def _statement(
    node: cst.CSTNode, bound: Bound | None, before: dict[int, Bound]
) -> Bound | None:
    """Names bound after ``node`` (None: no path gets past it)."""
    if bound is None:  # code after an exit: checks there never run
        bound = frozenset()
        reached = False
    else:
        reached = True
    before[id(node)] = bound
    if isinstance(node, cst.SimpleStatementLine):
        after = _block(node.body, bound, before)
    elif isinstance(node, cst.If):
        body = _block(node.body.body, bound, before)
        orelse: Bound | None = bound
        if isinstance(node.orelse, cst.If):
            orelse = _statement(node.orelse, bound, before)
        elif isinstance(node.orelse, cst.Else):
            orelse = _block(node.orelse.body.body, bound, before)
        after = _meet(body, orelse)
    elif isinstance(node, (cst.For, cst.While)):
        top = bound | _names(node.target) if isinstance(node, cst.For) else bound
        _block(node.body.body, top, before)  # every trip starts as the first
        after = bound
    elif isinstance(node, (cst.Return, cst.Raise, cst.Break, cst.Continue)):
        after = _UNREACHED
    elif isinstance(node, cst.Assign):
        after = bound.union(*(_names(t.target) for t in node.targets))
    elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        after = bound | _names(node.target)
    elif isinstance(node, cst.FunctionDef):
        after = bound | {node.name.value}
    else:
        after = bound
    return after if reached else _UNREACHED


def _names(target: cst.CSTNode) -> set[str]:
    """Names an assignment target binds (``y[i] = v`` binds none)."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _names(e.value)}
    return set()
