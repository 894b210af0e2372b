"""Where a call stands in its statement, and what Python reads around it.

A call that writes into an array its caller reads again (``write_back.py``)
changes that array's values in the middle of the statement. What the rest
of the statement sees depends on when Python reads those values, which is
not when it reads the name: a name evaluates to the object, and the values
are read by whatever consumes the object.

- ``np.sin(y) + h(y)``: ``np.sin`` consumes ``y`` before ``h`` runs; its
  result is a new array, which holds y's old values.
- ``y - 0.3 * h(y)``: the subtraction consumes ``y`` after ``h`` ran (its
  right operand is evaluated first), so it subtracts from the values h
  left in y; the lowering reads the name again there
  (``call_arguments._in_order``).
- ``g(y, h(y))`` (a function called by its own name), ``[y, h(y)]``: the
  object is handed over when the call is made or the container built,
  after ``h`` ran; the lowering reads the name again there.
- ``y[0] * h(y)``, ``np.add(y, h(y))``, ``y.dot(h(y))``: the consumer may
  hold a view of y, or y itself, or read y when it runs: not followed.

- ``fill(y, np.tanh(y if c else z))``, ``np.tanh(y.w) + h(y)``: a
  conditional expression's branch, an attribute (``getattr(y, "w")`` too)
  or an item hand the object on to what consumes it; that is what reads
  the values.

Invariant: ``read_before`` is False only where every read of the name in
the statement before the call (or of a branch, attribute or item of it
holding no call) is consumed by arithmetic, a comparison or a
numpy function that makes a new array before the call runs, or is the left
operand of an operator whose right operand holds the call, or an argument
(an item) ahead of the one holding the call in a call of a plainly named
function (a list or tuple written out); reads after the call see the new
values (the lowering reads them after the name is rebound).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import libcst as cst

from adcompile._src.read.static_code import bound_names, named_attribute
from adcompile._src.syntax.tree import walk

SIMPLE = (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Expr, cst.Return)
# where Python may run a call more than once, or not at all, or later
SKIPPED = (cst.IfExp, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp)


def evaluated(statement: cst.CSTNode | None) -> cst.CSTNode | None:
    """What Python evaluates of ``statement`` when it reaches it, once: a
    simple statement, an ``if``'s (or ``elif``'s) test, a ``for``'s
    iterable; None for others (a ``while`` test runs at every trip)."""
    if isinstance(statement, SIMPLE):
        return statement
    if isinstance(statement, cst.If):
        return statement.test
    if isinstance(statement, cst.For):
        return statement.iter
    return None


def runs_once_in_order(statement: cst.CSTNode | None, call: cst.CSTNode) -> bool:
    """Whether ``call`` stands in what ``statement`` evaluates once
    (``evaluated``), where it runs at most once, in the order of the source:
    not right of ``and``/``or``, in a comprehension or a lambda. A call in
    a conditional expression's branch runs when the branch is taken, which
    the lowering makes a branch (``_if_expression``)."""
    part = evaluated(statement)
    if part is None:
        return False
    found = False
    for node in walk(part):
        if node is call:
            found = True
        elif isinstance(node, (*SKIPPED, cst.GeneratorExp, cst.BooleanOperation)):
            if any(n is call for n in walk(node)):
                if isinstance(node, cst.IfExp):
                    continue
                if not isinstance(node, cst.BooleanOperation):
                    return False
                if any(n is call for n in walk(node.right)):
                    return False
    return found


def read_before(
    statement: cst.CSTNode,
    call: cst.CSTNode,
    name: str,
    makes_new: Callable[[cst.Call], bool] | None = None,
) -> bool:
    """Whether Python may read the values of ``name`` in ``statement``
    before ``call`` has run (or where the order is not the source's: a
    conditional expression, an augmented assignment's target), other than
    as the module docstring allows. ``makes_new``: whether a call consumes
    what it is given into a new value (None: any read before the call
    counts, for a list, whose operators the lowering reads otherwise).
    Names the statement assigns are assigned after the call."""
    value = _value(statement)
    if isinstance(statement, cst.AugAssign) and any(
        isinstance(n, cst.Name) and n.value == name for n in walk(statement.target)
    ):
        return True
    if value is None:
        return False
    parents = _parents(value)
    other = _other_branches(value, call)
    before = True
    for node in walk(value):
        if node is call:
            before = False
        elif id(node) in other:
            continue
        elif isinstance(node, cst.Name) and node.value == name and before:
            if makes_new is None:
                return True
            if not _consumed_in_time(node, call, parents, makes_new):
                return True
        elif (
            isinstance(node, SKIPPED)
            and not isinstance(node, cst.IfExp)  # (its reads: as any)
            and any(isinstance(n, cst.Name) and n.value == name for n in walk(node))
        ):
            return True
    return False


def _consumed_in_time(
    name: cst.Name,
    call: cst.CSTNode,
    parents: dict[int, cst.CSTNode],
    makes_new: Callable[[cst.Call], bool],
) -> bool:
    """Whether what consumes ``name`` (read before ``call``) reads its
    values into a new value before the call runs, or is an operator whose
    right operand holds the call (and ``name`` its left)."""
    value: cst.CSTNode = name  # (a branch's value, an attribute or an
    parent = parents.get(id(name))  # item of it: what consumes that)
    while True:
        if (read := _getattr_of(parent, value, parents)) is not None:
            parent = read  # (getattr(y, "w"), as y.w)
        elif not _passes_on(parent, value):
            break
        assert parent is not None
        if any(n is call for n in walk(parent)):
            return False  # (``y[h(y)]`` reads y's values after the call)
        value, parent = parent, parents.get(id(parent))
    given = isinstance(parent, cst.Arg) and parent.value is value
    held = isinstance(parent, cst.Element) and parent.value is value
    if given or held or isinstance(parent, cst.ComparisonTarget):
        parent = parents.get(id(parent))
    if parent is None:
        return False
    if any(n is call for n in walk(parent)):
        if isinstance(parent, cst.BinaryOperation):
            return parent.left is name
        return value is name and _taken_when_made(parent, name, call)
    if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.Comparison)):
        return True
    return given and isinstance(parent, cst.Call) and makes_new(parent)


def _taken_when_made(parent: cst.CSTNode, name: cst.Name, call: cst.CSTNode) -> bool:
    """Whether ``name`` is an argument of a call of a function named
    plainly (``g(y, h(y))``; not a method, whose object may be a value's)
    or an item of a list or tuple written out (``[y, h(y)]``), ahead of the
    one that holds ``call``: the object is handed over when the call is
    made, or the container built, after ``call`` ran (the lowering reads
    the name there, ``call_arguments._in_order``)."""
    if isinstance(parent, cst.Call) and isinstance(parent.func, cst.Name):
        parts = [a.value for a in parent.args if not a.star]
        if len(parts) != len(parent.args):
            return False
    elif isinstance(parent, (cst.List, cst.Tuple)):
        if not all(isinstance(e, cst.Element) for e in parent.elements):
            return False
        parts = [e.value for e in parent.elements]
    else:
        return False
    ahead = next((i for i, p in enumerate(parts) if p is name), None)
    holding = next(
        (i for i, p in enumerate(parts) if any(n is call for n in walk(p))), None
    )
    return ahead is not None and holding is not None and ahead < holding


def _other_branches(value: cst.CSTNode, call: cst.CSTNode) -> set[int]:
    """The nodes (by id) of the branches of conditional expressions in
    ``value`` that hold ``call`` in their other branch: Python evaluates
    them on the paths where the call is not made."""
    other: set[int] = set()
    for node in walk(value):
        if isinstance(node, cst.IfExp):
            for branch, rest in ((node.body, node.orelse), (node.orelse, node.body)):
                if any(n is call for n in walk(branch)):
                    other.update(id(n) for n in walk(rest))
    return other


def _value(statement: cst.CSTNode) -> cst.CSTNode | None:
    """The expression ``statement`` evaluates (its targets are assigned
    after it)."""
    part = evaluated(statement)
    return getattr(statement, "value", None) if part is statement else part


def _passes_on(parent: cst.CSTNode | None, value: cst.CSTNode) -> bool:
    """Whether ``parent`` hands ``value`` (or an attribute or item of it)
    to what consumes it: a conditional expression's branch (``y if c else
    z``), ``y.w``, ``y[i]``."""
    if isinstance(parent, cst.IfExp):
        return value is not parent.test
    return isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is value


def _getattr_of(
    parent: cst.CSTNode | None, value: cst.CSTNode, parents: dict[int, cst.CSTNode]
) -> cst.CSTNode | None:
    """The call ``getattr(value, "w")`` (a constant name) where ``parent``
    is its first argument, ``value``: it hands on ``value.w``."""
    if not isinstance(parent, cst.Arg) or parent.value is not value:
        return None
    read = parents.get(id(parent))
    found = named_attribute(read) if read is not None else None
    return read if found is not None and found[0] is value else None


def _parents(node: cst.CSTNode) -> dict[int, cst.CSTNode]:
    """Each node under ``node`` (by id) -> the node holding it."""
    found: dict[int, cst.CSTNode] = {}
    todo = [node]
    while todo:
        parent = todo.pop()
        for child in parent.children:
            found[id(child)] = parent
            todo.append(child)
    return found


def read_besides(
    statement: cst.CSTNode,
    call: cst.Call,
    makes_new: Callable[[cst.Call], bool] | None = None,
) -> frozenset[str]:
    """The names ``statement`` reads outside ``call`` (more often than
    ``call`` does), but for reads before the call that ``makes_new`` and
    arithmetic consume into new values before it runs (as in
    ``read_before``): the values of those names are read by then."""
    part = evaluated(statement) or statement
    counts = Counter(n.value for n in walk(part) if isinstance(n, cst.Name))
    counts.subtract(n.value for n in walk(call) if isinstance(n, cst.Name))
    if isinstance(statement, cst.Assign):  # (a name assigned is not read)
        counts.subtract(n for t in statement.targets for n in bound_names(t.target))
    value = _value(statement)
    if makes_new is not None and value is not None:
        parents = _parents(value)
        for node in walk(value):
            if node is call:
                break
            if (
                isinstance(node, cst.Name)
                and _consumed_in_time(node, call, parents, makes_new)
                and not any(n is call for n in walk(parents[id(node)]))
            ):  # (not a left operand read when the call has run)
                counts[node.value] -= 1
    return frozenset(name for name, count in counts.items() if count > 0)
