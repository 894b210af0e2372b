"""Index adjoints added up in place, in loops and branches.

In a backward sweep with control flow, ``b = b + unindex(g, x, index)``
adds ``g`` scattered into a new array of zeros to ``b``: one array of
zeros per index read per trip. Where ``b`` is an adjoint no other name can
see, ``b = unindex_add(b, g, x, index)`` writes ``g`` into ``b`` instead.

Invariant: ``b`` is rewritten only when every statement of the sweep that
mentions ``b`` is one of

- ``b = e``, e not reading b and giving a new object or a float: ``0.0``,
  ``zero_adjoint(v)``, ``unindex(...)`` or an arithmetic operation;
- ``b = b + e`` (a new object), e not reading b;
- ``b = unindex_add(b, ...)``, its other arguments not reading b;

and ``b`` is neither the seed nor a name the forward sweep or the
parameters define. Every value ``b`` holds is then one these statements
made, which no other name holds: writing into it changes no other value.
The gradients read ``b`` after the sweep, when nothing writes into it.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from adcompile._src.read.static_code import dotted_name
from adcompile._src.syntax.lines import Line
from adcompile._src.syntax.templates import used_names


def add_indices_in_place(
    lines: list[Line], bindings: dict[str, str], excluded: set[str]
) -> list[Line]:
    """The sweep ``lines`` with ``b = b + unindex(...)`` written as
    ``b = unindex_add(b, ...)`` for every adjoint ``b`` that qualifies
    (module docstring); ``excluded`` names never do."""
    unindex = bindings.get("unindex")
    unindex_add = bindings.get("unindex_add")
    if unindex is None or unindex_add is None:
        return lines
    fresh_calls = {unindex, bindings.get("zero_adjoint", "zero_adjoint")}
    verdict: dict[str, bool] = {}
    _judge(lines, verdict, fresh_calls, unindex_add)
    owned = {name for name, ok in verdict.items() if ok} - excluded
    if not owned:
        return lines
    return _rewrite(lines, owned, unindex, unindex_add)


def _target(code: cst.BaseSmallStatement | None) -> str | None:
    if (
        isinstance(code, cst.Assign)
        and len(code.targets) == 1
        and isinstance(code.targets[0].target, cst.Name)
    ):
        return code.targets[0].target.value
    return None


def _call_name(node: cst.BaseExpression) -> str | None:
    return dotted_name(node.func) if isinstance(node, cst.Call) else None


def _keeps_owned(
    name: str, value: cst.BaseExpression, fresh_calls: set[str], unindex_add: str
) -> bool:
    """Whether ``name = value`` leaves ``name`` holding an object no other
    name holds, reading ``name`` only as the object added to."""
    if isinstance(value, (cst.Float, cst.Integer)):
        return True
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left = value.left
        if isinstance(left, cst.Name) and left.value == name:
            return name not in used_names(value.right)
    if _call_name(value) == unindex_add:
        assert isinstance(value, cst.Call)
        first, *rest = value.args
        return (
            isinstance(first.value, cst.Name)
            and first.value.value == name
            and not any(name in used_names(a.value) for a in rest)
        )
    if name in used_names(value):
        return False
    return isinstance(value, cst.BinaryOperation) or _call_name(value) in fresh_calls


def _judge(
    lines: list[Line], verdict: dict[str, bool], fresh_calls: set[str], add: str
) -> None:
    for line in lines:
        if line.block is not None:
            block = line.block
            for name in used_names(block.header):
                verdict[name] = False
            if block.target is not None:
                for name in used_names(block.target):
                    verdict[name] = False
            _judge(block.body, verdict, fresh_calls, add)
            _judge(block.orelse, verdict, fresh_calls, add)
            continue
        for code in (line.code, line.lean):
            if code is None:
                continue
            target = _target(code)
            read = used_names(code)
            if target is not None:
                assert isinstance(code, cst.Assign)
                ok = _keeps_owned(target, code.value, fresh_calls, add)
                verdict[target] = verdict.get(target, True) and ok
                read = used_names(code.value) - {target}
            for name in read:
                verdict[name] = False


def _rewrite(
    lines: list[Line], owned: set[str], unindex: str, unindex_add: str
) -> list[Line]:
    result = []
    for line in lines:
        if line.block is not None:
            block = line.block
            body = _rewrite(block.body, owned, unindex, unindex_add)
            orelse = _rewrite(block.orelse, owned, unindex, unindex_add)
            block = dataclasses.replace(block, body=body, orelse=orelse)
            result.append(dataclasses.replace(line, block=block))
            continue
        code = line.code
        target = _target(code)
        if target in owned and line.lean is None:
            assert isinstance(code, cst.Assign)
            value = code.value
            if (
                isinstance(value, cst.BinaryOperation)
                and isinstance(value.operator, cst.Add)
                and _call_name(value.right) == unindex
            ):
                assert isinstance(value.right, cst.Call)
                call = value.right.with_changes(
                    func=cst.parse_expression(unindex_add),
                    args=[cst.Arg(cst.Name(target)), *value.right.args],
                )
                line = dataclasses.replace(line, code=code.with_changes(value=call))
        result.append(line)
    return result


__all__ = ["add_indices_in_place"]
