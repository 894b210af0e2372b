"""Assemble a ``Derivative`` into the source of a gradient function.

Three variants share one forward and one backward sweep:

- ``grad``: ``def grad_f(...)`` returns the gradient(s);
- ``value_and_grad``: returns ``(value, gradient(s))``;
- ``vjp``: returns ``(value, pullback)`` where ``pullback(cotangent)`` runs
  the backward sweep.

The emitted function keeps the user's signature (names, defaults, keyword-only
parameters). Each adjoint block is introduced by a ``# grad of: <line>``
comment. ``format_source`` runs black; ``emit`` output is already close to
black's style, so formatting is only needed where source is shown or saved.
"""

from __future__ import annotations

import libcst as cst

from .reverse import Derivative, Line, lean_sweeps
from .templates import used_names

KINDS = ("grad", "value_and_grad", "vjp")


def emit(derivative: Derivative, kind: str) -> str:
    """The source text of one variant of the gradient function."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    program = derivative.program
    bindings = derivative.bindings
    gradients = derivative.gradients
    single = not program.wrt_is_tuple
    grads: cst.BaseExpression = (
        gradients[0] if single else cst.Tuple([cst.Element(g) for g in gradients])
    )
    result = cst.Name(derivative.result_name)
    seed = cst.Name(derivative.seed_name)
    forward = derivative.forward
    seed_value: cst.BaseExpression = cst.Call(
        cst.Name(bindings["seed_gradient"]), [cst.Arg(result)]
    )
    if derivative.scalar_result:
        seed_value = cst.Float("1.0")
    backward_lines = derivative.backward
    if kind == "grad" and derivative.scalar_result:
        needed = set(program.param_names)
        for gradient in gradients:
            needed |= used_names(gradient)
        forward, backward_lines = lean_sweeps(forward, backward_lines, needed)
    body: list[cst.BaseStatement] = [_statement(line) for line in forward]
    backward = [_statement(line) for line in backward_lines]
    if kind == "vjp":
        check = cst.Call(
            cst.Name(bindings["check_cotangent"]),
            [cst.Arg(seed), cst.Arg(result)],
        )
        pullback_body = [
            _statement(Line(cst.Assign([cst.AssignTarget(seed)], check))),
            *backward,
            _statement(Line(cst.Return(grads))),
        ]
        pullback = cst.FunctionDef(
            name=cst.Name("pullback"),
            params=cst.Parameters([cst.Param(cst.Name(derivative.seed_name))]),
            body=cst.IndentedBlock(pullback_body),
        )
        blank = cst.EmptyLine(indent=False)
        body.append(pullback.with_changes(leading_lines=[blank]))
        body.append(
            _with_blank_line(
                _statement(
                    Line(
                        cst.Return(
                            cst.Tuple(
                                [
                                    cst.Element(result),
                                    cst.Element(cst.Name("pullback")),
                                ],
                                lpar=[],
                                rpar=[],
                            )
                        )
                    )
                )
            )
        )
    else:
        seed_line = _statement(Line(cst.Assign([cst.AssignTarget(seed)], seed_value)))
        body.append(_with_blank_line(seed_line))
        body.extend(backward)
        returned: cst.BaseExpression = grads
        if kind == "value_and_grad":
            returned = cst.Tuple(
                [cst.Element(result), cst.Element(grads)], lpar=[], rpar=[]
            )
        elif isinstance(grads, cst.Tuple):
            grads = grads.with_changes(lpar=[], rpar=[])
            returned = grads
        body.append(_statement(Line(cst.Return(returned))))
    function = cst.FunctionDef(
        name=cst.Name(f"{kind}_{program.name}"),
        params=program.params,
        body=cst.IndentedBlock(body),
    )
    return cst.Module([function]).code


def _with_blank_line(statement: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    blank = cst.EmptyLine(indent=False)
    return statement.with_changes(leading_lines=[blank, *statement.leading_lines])


def _statement(line: Line) -> cst.BaseStatement:
    if isinstance(line.code, cst.BaseCompoundStatement):
        return line.code
    leading = (
        [cst.EmptyLine(comment=cst.Comment(f"# {line.comment}"))]
        if line.comment
        else []
    )
    return cst.SimpleStatementLine([line.code], leading_lines=leading)


def format_source(text: str) -> str:
    """The text formatted by black (unchanged if black cannot parse it)."""
    import black  # imported here: only shown or saved source needs it

    try:
        return black.format_str(text, mode=black.Mode())
    except black.InvalidInput:
        return text
