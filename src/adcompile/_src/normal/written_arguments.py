"""Which arguments of a call into a user function come back to the caller
as values (``write_back.py``): the plain names given to parameters the
callee writes into and never rebinds, that no other argument sees; and the
names items or fields given to such parameters are read from, which a loop
or branch holding the call gives one variable."""

from __future__ import annotations

import inspect
import types
from collections import Counter
from collections.abc import Callable

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.purity import Purity
from adcompile._src.read.calls import python_callable
from adcompile._src.read.static_code import chain_base
from adcompile._src.read.written_returns import captured, read_once, rebound
from adcompile._src.syntax.tree import walk

# where an argument stands in a call (a position or a keyword) -> the
# parameter it is given to, and the caller's name it is
Returned = dict[int | str, tuple[str, str]]


def param_at(callee: object, where: int | str) -> str | None:
    """The parameter of ``callee`` an argument at ``where`` (a position or
    a keyword) is given to, if known."""
    if isinstance(where, str):
        return where
    try:
        names = list(inspect.signature(callee).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return names[where] if where < len(names) else None


def given_to(node: cst.Call, callee: object, params: tuple[str, ...]) -> Returned:
    """Where a call gives each of ``params`` its argument (names unknown)."""
    found: Returned = {}
    for position, arg in enumerate(node.args):
        where = arg.keyword.value if arg.keyword is not None else position
        param = param_at(callee, where)
        if param in params:
            found[where] = (param, "")
    return found


def written_arguments(
    node: cst.Call,
    callee: object,
    known: Purity,
    made_new: Callable[[ir.Operand | None], bool] = lambda operand: False,
    lowered: dict[int | str, ir.Operand] | None = None,
) -> Returned:
    """The arguments of a call of ``callee`` that are plain names given to
    parameters it writes into and never rebinds, where private copies
    suffice (``Purity.copies_suffice``); none if one name is given twice
    or stands in another argument (it would see the write in Python) whose
    value is not a new array (``made_new`` of its ``lowered`` operand)."""
    if not (
        known.writes
        and known.copies_suffice
        and type(callee) is types.FunctionType
        and python_callable(callee)
        and all(not a.star for a in node.args)
    ):
        return {}
    assert known.written is not None
    try:
        params = inspect.signature(callee).parameters
        definition = read_once(callee).definition
    except Exception:  # (no source: the call's own path explains)
        return {}
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p, v in params.items() if v.kind in kinds]
    never = rebound(definition, known.written) - set(
        captured(definition, known.written)
    )
    found: Returned = {}
    for position, arg in enumerate(node.args):
        if arg.keyword is not None:
            where: int | str = arg.keyword.value
            param = arg.keyword.value
        elif position < len(positional):
            where, param = position, positional[position]
        else:
            return {}
        if param in known.written and param not in never:
            if isinstance(arg.value, cst.Name):  # (else a value made here:
                found[where] = (param, arg.value.value)  # no name sees it)
    positions = [
        (a.keyword.value if a.keyword is not None else i, a)
        for i, a in enumerate(node.args)
    ]

    def seen_elsewhere(where: int | str, name: str) -> bool:
        return any(
            other != where
            and any(isinstance(n, cst.Name) and n.value == name for n in walk(arg))
            and not _item_read(arg, name)  # (a copy, or refused as it runs)
            and not (  # (pinning a loop's names: no operands yet)
                made_new(None)
                if lowered is None
                else other in lowered and made_new(lowered[other])
            )
            for other, arg in positions
        ) or any(isinstance(n, cst.Name) and n.value == name for n in walk(node.func))

    names = Counter(name for _, name in found.values())
    return {
        w: found[w]
        for w in found
        if names[found[w][1]] == 1 and not seen_elsewhere(w, found[w][1])
    }


def item_bases(call: cst.Call, callee: object, known: Purity) -> set[str]:
    """The names items or fields given to parameters the callee writes
    into are read from (``p`` of ``h(p.W[0])``)."""
    if not (known.writes and known.written):
        return set()
    bases = set()
    for position, arg in enumerate(call.args):
        where: int | str = arg.keyword.value if arg.keyword else position
        base, links = chain_base(arg.value)
        if (
            links
            and isinstance(base, cst.Name)
            and param_at(callee, where) in (known.written)
        ):
            bases.add(base.value)
    return bases


def _item_read(arg: cst.Arg, name: str) -> bool:
    """``name[i]``, ``name[0][1:]``: an item or a view read before the call
    by indices that call nothing; the call's ``arguments_apart`` refuses it
    as the code runs where it shares memory with ``name`` (a view, which
    would see the write), and a copy (a number) sees nothing."""
    node: cst.BaseExpression = arg.value
    while isinstance(node, cst.Subscript):
        node = node.value
    if not isinstance(node, cst.Name) or node.value != name or node is arg.value:
        return False  # (an attribute on the way: a method, a property)
    reads = [n.value for n in walk(arg.value) if isinstance(n, cst.Name)]
    calls = [n for n in walk(arg.value) if isinstance(n, cst.Call)]
    return not calls and reads.count(name) == 1
