"""The forward computation of one normal-form statement, as code.

Both sweeps of reverse mode and the tangent program of forward mode run the
user's computation statement by statement; ``primal_expression`` spells one
``Apply`` the way the user's code computes it (``np.sin(x)``, ``a @ b``,
``y[i]``), optionally with some parameters replaced by other code, which is
how the forward rule of a linear function (``LINEAR``) is spelled.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.rules.registry import parse_template
from adcompile._src.syntax.lines import Block, Line
from adcompile._src.syntax.templates import (
    hug_powers,
    parenthesize,
    parse_spelling,
    substitute,
)

EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""),
    whitespace_after=cst.SimpleWhitespace(""),
)


def node(operand: ir.Operand) -> cst.BaseExpression:
    """The code of an operand: its name, or its static expression."""
    return cst.Name(operand.name) if isinstance(operand, ir.Var) else operand.node


def assign(target: str, value: cst.BaseExpression) -> cst.Assign:
    """``target = value``."""
    return cst.Assign([cst.AssignTarget(cst.Name(target))], value)


def helper_call(
    spelling: str,
    args: list[cst.BaseExpression],
    binding_nodes: dict[str, cst.BaseExpression],
) -> cst.Call:
    """A call of a runtime helper (or ``np.``...) under the names emitted code
    gives them: ``unbroadcast(g, x)``."""
    func = substitute(parse_spelling(spelling), binding_nodes)
    return cst.Call(func=func, args=[cst.Arg(a) for a in args])


def template_mapping(
    apply: ir.Apply,
    binding_nodes: dict[str, cst.BaseExpression],
    **placeholders: cst.BaseExpression,
) -> dict[str, cst.BaseExpression]:
    """What a rule template's names stand for at ``apply``: the bound
    operands (defaults for parameters left out), ``ans`` (the result), the
    given placeholders (``g`` or ``t``) and the names of numpy and helpers."""
    assert apply.prim is not None
    mapping: dict[str, cst.BaseExpression] = dict(binding_nodes)
    for param in apply.prim.params:
        bound = apply.bound.get(param.name)
        if bound is not None:
            mapping[param.name] = node(bound)
        elif param.default is not None:
            mapping[param.name] = parse_spelling(param.default)
    mapping["ans"] = cst.Name(apply.target)
    mapping.update(placeholders)
    return mapping


def control_line(
    statement: ir.Statement, lines_of: Callable[[list[ir.Statement]], list[Line]]
) -> Line | None:
    """A branch, loop or jump of the program as the same construct in
    emitted code, its bodies made by ``lines_of``; None for other statements."""
    if isinstance(statement, ir.Branch):
        body, orelse = lines_of(statement.body), lines_of(statement.orelse)
        return Line(block=Block("if", cst.Name(statement.cond), body, orelse))
    if isinstance(statement, ir.Loop):
        body = lines_of(statement.body)
        if statement.kind == "while":
            assert statement.test is not None
            return Line(block=Block("while", statement.test, body))
        assert statement.iterable is not None
        return Line(
            block=Block("for", statement.iterable, body, target=statement.target)
        )
    if isinstance(statement, ir.Jump):
        return Line(cst.Break() if statement.kind == "break" else cst.Continue())
    return None


def primal_expression(
    apply: ir.Apply,
    binding_nodes: dict[str, cst.BaseExpression],
    replace: dict[str, cst.BaseExpression] | None = None,
) -> cst.BaseExpression:
    """``apply``'s call as code; ``replace`` maps parameters to other code."""
    replace = replace or {}
    prim = apply.prim
    args = list(apply.args)
    kwargs = dict(apply.kwargs)
    arg_nodes = [node(a) for a in args]
    kwarg_nodes = {k: node(v) for k, v in kwargs.items()}
    if prim is not None:
        for position, param in enumerate(prim.params[: len(args)]):
            if param.name in replace:
                arg_nodes[position] = replace[param.name]
        for keyword in kwarg_nodes:
            if keyword in replace:
                kwarg_nodes[keyword] = replace[keyword]
    if prim is None or prim.user_spelling:
        func = parse_spelling(apply.callee)
    elif prim.key is operator.getitem and apply.index is not None:
        value = replace.get("a", node(apply.args[0]))
        return cst.Subscript(value=value, slice=_subscript_elements(apply.index))
    elif prim.key is getattr and _field_name(apply) is not None:
        value = replace.get("a", node(apply.args[0]))
        attr = cst.Name(_field_name(apply))  # type: ignore[arg-type]
        return cst.Attribute(value=parenthesize(value), attr=attr)
    elif prim.infix:
        template = parse_template(prim.spelling, prim.param_names)
        mapping = dict(binding_nodes)
        mapping.update({p: node(o) for p, o in apply.bound.items()})
        mapping.update(replace)
        return hug_powers(substitute(template, mapping, fold=False))
    else:
        func = substitute(parse_spelling(prim.spelling), binding_nodes)
    call_args = [cst.Arg(a) for a in arg_nodes]
    call_args += [
        cst.Arg(v, keyword=cst.Name(k), equal=EQUAL) for k, v in kwarg_nodes.items()
    ]
    if apply.written:  # g's variant returning what it writes into, as plain
        assert apply.callee_node is not None  # code: written_into(g, ("a",), ...)
        written = cst.parse_expression(repr(apply.written))
        head = [cst.Arg(apply.callee_node), cst.Arg(written)]
        func = substitute(parse_spelling("written_into"), binding_nodes)
        call_args = head + call_args
    return cst.Call(func=func, args=call_args)


def _field_name(apply: ir.Apply) -> str | None:
    """``"W"`` for ``getattr(p, "W")``, the read of a field the normalizer
    made of ``p.W`` (or the user wrote); None for any other name."""
    if len(apply.args) != 2 or apply.kwargs:
        return None
    name = apply.args[1]
    if isinstance(name, ir.Static) and isinstance(name.node, cst.SimpleString):
        text = name.node.evaluated_value
        if isinstance(text, str) and text.isidentifier():
            return text
    return None


def _subscript_elements(index: cst.BaseExpression) -> list[cst.SubscriptElement]:
    """The elements of ``a[...]`` from the index expression normalize built."""
    if (
        isinstance(index, cst.Subscript)
        and isinstance(index.value, cst.Attribute)
        and index.value.attr.value == "s_"
    ):
        return list(index.slice)
    if isinstance(index, cst.Tuple) and index.lpar and index.elements:
        return [  # (a[()]: the empty tuple itself, below)
            cst.SubscriptElement(
                cst.Index(e.value),
                comma=(
                    cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    if position < len(index.elements) - 1
                    else cst.MaybeSentinel.DEFAULT
                ),
            )
            for position, e in enumerate(index.elements)
        ]
    return [cst.SubscriptElement(cst.Index(index))]


def written_parameters(
    program: ir.Program,
    fresh: Callable[[str], str],
    binding_nodes: dict[str, cst.BaseExpression],
) -> tuple[list[Line], list[Line]]:
    """The lines that open and close the sweep of a function writing into
    parameters in place: each is kept as ``caller_x`` and replaced by a
    private copy (saved values must not change; an argument sharing its
    memory is refused there), and the caller's array gets the final value
    at the end."""
    opening: list[Line] = []
    closing: list[Line] = []
    for param, final in program.written_params.items():
        caller = fresh(f"caller_{param}")
        opening.append(Line(assign(caller, cst.Name(param)), target=caller))
        others = [cst.Element(cst.Name(p)) for p in program.param_names if p != param]
        label = cst.SimpleString(f'"{param}"')
        copy = helper_call(
            "private_copy", [cst.Name(param), label, cst.Tuple(others)], binding_nodes
        )
        opening.append(Line(assign(param, copy), target=param))
        back = helper_call(
            "write_back", [cst.Name(caller), cst.Name(final)], binding_nodes
        )
        closing.append(Line(cst.Expr(back)))
    return opening, closing
