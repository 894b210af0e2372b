"""What reverse mode produces: a ``Derivative``, the forward and backward
sweeps of one program with what assembling a gradient function needs; and
``useful_variables``, the values the output depends on differentiably (the
only ones whose adjoints the backward sweep computes)."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.reverse.stacks import Saved
from adcompile._src.syntax.lines import Line


@dataclass
class Derivative:
    """The parts every gradient variant (grad, value_and_grad, vjp) assembles."""

    program: ir.Program
    forward: list[Line]
    backward: list[Line]
    result_name: str
    seed_name: str
    scalar_result: bool  # the output is known to be a scalar before running
    gradients: list[cst.BaseExpression]
    bindings: dict[str, str]
    result_origin: ir.Origin
    result_location: object = None  # of the last return, for NonScalarOutput
    saved: Saved | None = None  # values saved for the backward sweep, if any
    value_name: str = "value"  # holds the output while the sweep restores it
    aux_name: str = "aux_value"  # likewise for the auxiliary data
    # names of user functions' vjps in emitted code -> (callee as code, wrt,
    # shapes of the arguments in a variant or ""); ("", (), "") names the
    # run-time dispatcher ``calls.vjp_call``
    call_bindings: dict[str, tuple[str, tuple, str]] = field(default_factory=dict)
    # the adjoints themselves (0.0 where none), for pullbacks only emitted code
    # calls: no checks, no conversion to the parameters' types
    raw_gradients: list[cst.BaseExpression] = field(default_factory=list)


def useful_variables(program: ir.Program) -> set[str]:
    """Variables the output depends on through differentiable operations.

    Loops make this a fixpoint: a value used in a later trip is useful too.
    """
    useful: set[str] = set()
    if isinstance(program.result, ir.Var):
        useful.add(program.result.name)
    statements = list(ir.walk(program.body))
    while True:
        before = len(useful)
        for statement in reversed(statements):
            if isinstance(statement, ir.Apply) and statement.target in useful:
                for operand in statement.operands():
                    if isinstance(operand, ir.Var):
                        useful.add(operand.name)
            elif isinstance(statement, ir.Pack) and statement.target in useful:
                for item in statement.items:
                    if isinstance(item, ir.Var):
                        useful.add(item.name)
        if len(useful) == before:
            return useful
