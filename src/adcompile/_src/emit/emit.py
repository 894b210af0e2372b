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

from adcompile._src.reverse.derivative import Derivative
from adcompile._src.reverse.lean import lean_sweeps
from adcompile._src.reverse.stacks import Saved
from adcompile._src.syntax.lines import Line, to_statements
from adcompile._src.syntax.templates import used_names

KINDS = ("grad", "value_and_grad", "vjp", "pullback", "apply")


def emit(derivative: Derivative, kind: str) -> str:
    """The source text of one variant of the gradient function."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    program = derivative.program
    bindings = derivative.bindings
    gradients = derivative.gradients
    internal = kind == "pullback"  # a vjp that only emitted code calls
    if internal:
        gradients = derivative.raw_gradients
        kind = "vjp"
    if kind == "apply":  # apply_f(*params, <seed>): emitted code calls it
        gradients = derivative.raw_gradients
    grads: cst.BaseExpression = (
        cst.Tuple([cst.Element(g) for g in gradients])
        if program.wrt_is_tuple
        else gradients[0]
    )
    result = cst.Name(derivative.result_name)
    seed = cst.Name(derivative.seed_name)
    forward, backward_lines = derivative.forward, derivative.backward
    saved = derivative.saved
    if saved is not None:
        forward = saved.prologue + saved.forward
        backward_lines = saved.backward
    elif kind == "grad" and derivative.scalar_result:
        needed = set(program.param_names)
        if program.aux is not None:
            needed |= used_names(program.aux.node)
        for gradient in gradients:
            needed |= used_names(gradient)
        forward, backward_lines = lean_sweeps(forward, backward_lines, needed)
    if saved is not None and kind in ("vjp", "pullback"):
        # the pullback reads loop variables as they were after the forward
        # sweep: they must exist even when a loop ran no trip
        params = set(program.param_names) | set(saved.restored) | set(saved.stacks)
        forward = [
            Line(cst.Assign([cst.AssignTarget(cst.Name(n))], cst.Name("None")))
            for n in dict.fromkeys([*loop_targets(saved.backward), *saved.rerun])
            if n not in params
        ] + forward
    body = to_statements(forward)
    backward = to_statements(backward_lines)
    restored = saved.restored if saved is not None else []
    aux: cst.BaseExpression | None = None
    if program.aux is not None:
        aux = program.aux.node
        if used_names(aux) & set(restored):  # the backward sweep restores it
            captured = cst.Name(derivative.aux_name)
            body.append(_simple(cst.Assign([cst.AssignTarget(captured)], aux)))
            aux = captured
    params = program.params
    if kind == "apply":
        body.extend(backward)
        raw = cst.Tuple([cst.Element(g) for g in gradients], lpar=[], rpar=[])
        body.append(_simple(cst.Return(raw)))
        params = params.with_changes(
            star_arg=(
                params.star_arg
                if isinstance(params.star_arg, cst.Param)
                else cst.ParamStar()
            ),
            kwonly_params=[*params.kwonly_params, cst.Param(seed)],
        )
    elif kind == "vjp":
        body.append(_pullback(derivative, backward, grads, saved, internal))
        parts = [cst.Element(result), cst.Element(cst.Name("pullback"))]
        if aux is not None:
            parts.append(cst.Element(aux))
        returned = cst.Tuple(parts, lpar=[], rpar=[])
        body.append(_with_blank_line(_simple(cst.Return(returned))))
    else:
        if kind == "value_and_grad" and derivative.result_name in restored:
            value = cst.Name(derivative.value_name)  # restored by the backward sweep
            body.append(_simple(cst.Assign([cst.AssignTarget(value)], result)))
            result = value
        seed_value: cst.BaseExpression = cst.Call(
            cst.Name(bindings["seed_gradient"]),
            [cst.Arg(cst.Name(derivative.result_name))],
        )
        if derivative.scalar_result:
            seed_value = cst.Float("1.0")
        seed_line = _simple(cst.Assign([cst.AssignTarget(seed)], seed_value))
        body.append(_with_blank_line(seed_line))
        body.extend(backward)
        returned_value: cst.BaseExpression = grads
        if kind == "value_and_grad":
            value: cst.BaseExpression = result
            if aux is not None:
                value = cst.Tuple([cst.Element(result), cst.Element(aux)])
            returned_value = cst.Tuple(
                [cst.Element(value), cst.Element(grads)], lpar=[], rpar=[]
            )
        elif aux is not None:
            returned_value = cst.Tuple(
                [cst.Element(grads), cst.Element(aux)], lpar=[], rpar=[]
            )
        elif isinstance(grads, cst.Tuple):
            returned_value = grads.with_changes(lpar=[], rpar=[])
        body.append(_simple(cst.Return(returned_value)))
    function = cst.FunctionDef(
        name=cst.Name(f"{'pullback' if internal else kind}_{program.name}"),
        params=params,
        body=cst.IndentedBlock(body),
    )
    return cst.Module([function]).code


def _pullback(
    derivative: Derivative,
    backward: list[cst.BaseStatement],
    grads: cst.BaseExpression,
    saved: Saved | None,
    internal: bool = False,
) -> cst.FunctionDef:
    """``def pullback(cotangent)``: the backward sweep as a closure.

    Values the backward sweep restores, and the stacks it pops, come in as
    parameter defaults (bound when the forward sweep ends) and the stacks are
    copied, so the pullback can be called any number of times.
    """
    seed = cst.Name(derivative.seed_name)
    check = cst.Call(
        cst.Name(derivative.bindings["check_cotangent"]),
        [cst.Arg(seed), cst.Arg(cst.Name(derivative.result_name))],
    )
    params = [cst.Param(seed)]
    copies: list[cst.BaseStatement] = []
    if saved is not None:
        targets = [*loop_targets(saved.backward), *saved.rerun]
        for name in dict.fromkeys([*saved.restored, *saved.stacks, *targets]):
            params.append(cst.Param(cst.Name(name), default=cst.Name(name)))
        for stack in saved.stacks:
            copy = cst.Call(cst.Name("list"), [cst.Arg(cst.Name(stack))])
            copies.append(
                _simple(cst.Assign([cst.AssignTarget(cst.Name(stack))], copy))
            )
    checked = [] if internal else [_simple(cst.Assign([cst.AssignTarget(seed)], check))]
    pullback_body = [
        *checked,
        *copies,
        *backward,
        _simple(cst.Return(grads)),
    ]
    pullback = cst.FunctionDef(
        name=cst.Name("pullback"),
        params=cst.Parameters(params),
        body=cst.IndentedBlock(pullback_body),
    )
    return pullback.with_changes(leading_lines=[cst.EmptyLine(indent=False)])


def loop_targets(lines: list[Line]) -> list[str]:
    """Names the backward sweep's loops bind (their headers' targets)."""
    names: list[str] = []
    for line in lines:
        block = line.block
        if block is None:
            continue
        if block.kind == "for" and isinstance(block.target, cst.Name):
            names.append(block.target.value)
        names += [
            n for n in loop_targets([*block.body, *block.orelse]) if n not in names
        ]
    return list(dict.fromkeys(names))


def _simple(statement: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([statement])


def _with_blank_line(statement: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    blank = cst.EmptyLine(indent=False)
    return statement.with_changes(leading_lines=[blank, *statement.leading_lines])


def format_source(text: str) -> str:
    """The text formatted by black (unchanged if black cannot parse it)."""
    import black  # imported here: only shown or saved source needs it

    try:
        return black.format_str(text, mode=black.Mode())
    except black.InvalidInput:
        return text
