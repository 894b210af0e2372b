"""Reverse mode: from a normal-form program to forward and backward sweeps.

Invariant of the output: the forward sweep is the program itself, one
statement per normal-form statement; the backward sweep visits the
statements in reverse and, for each one whose result the output depends on,
emits one assignment per differentiable operand: the operand's adjoint
(``bx`` for ``x``) receives the rule's local gradient times the adjoint of
the result. The first contribution assigns, later ones add. A statement
whose result does not reach the output, or whose operands carry no
derivative, emits nothing. Broadcasting is undone only where shapes may
differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from . import ir
from .errors import NoDerivativeRule
from .lower import is_simple
from .naming import NameAllocator
from .rules.registry import BROADCAST, SCALAR, Primitive, parse_template
from .templates import hug_powers, render, substitute, used_names


@dataclass
class Line:
    """One emitted statement, with the comment that introduces it, if any.

    ``target`` is the name the statement assigns ("" for statements run for
    their effect, which are always kept).
    """

    code: cst.BaseSmallStatement
    comment: str = ""
    target: str = ""
    # the same statement with shape-only operands (the second argument of
    # unbroadcast) replaced by an earlier variable of the same shape: used
    # when the operand itself is not otherwise computed
    lean: cst.BaseSmallStatement | None = None


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
    helpers_used: set[str] = field(default_factory=set)


def useful_variables(program: ir.Program) -> set[str]:
    """Variables the output depends on through differentiable operations."""
    useful: set[str] = set()
    if isinstance(program.result, ir.Var):
        useful.add(program.result.name)
    for statement in reversed(program.body):
        if isinstance(statement, ir.Apply) and statement.target in useful:
            for operand in statement.operands():
                if isinstance(operand, ir.Var):
                    useful.add(operand.name)
        elif isinstance(statement, ir.Pack) and statement.target in useful:
            for item in statement.items:
                if isinstance(item, ir.Var):
                    useful.add(item.name)
    return useful


class ReverseMode:
    """Builds the ``Derivative`` of one program."""

    def __init__(self, program: ir.Program, bindings: dict[str, str]) -> None:
        self.program = program
        self.bindings = bindings
        self.names = NameAllocator(program.taken_names)
        self.adjoints: dict[str, str] = {}
        self.useful = useful_variables(program)
        self.backward: list[Line] = []
        self.pending_comment = ""
        self.last_comment = ""
        self.binding_nodes = {k: cst.Name(v) for k, v in bindings.items()}
        self.shape_witness = _shape_witnesses(program)
        self.lean_names: dict[str, str] = {}

    def run(self) -> Derivative:
        program = self.program
        forward = [line for s in program.body for line in self._forward(s)]
        result = program.result
        if isinstance(result, ir.Var):
            result_name = result.name
        else:
            result_name = self.names.fresh("value")
            forward.append(Line(_assign(result_name, result.node), target=result_name))
        seed_name = self._adjoint_name(result_name)
        for statement in reversed(program.body):
            self.pending_comment = f"grad of: {statement.origin.code}"
            if isinstance(statement, ir.Apply):
                self._apply(statement)
            elif isinstance(statement, ir.Pack):
                self._pack(statement)
        gradients = [self._gradient(name) for name in program.wrt]
        return Derivative(
            program=program,
            forward=forward,
            backward=self.backward,
            result_name=result_name,
            seed_name=seed_name,
            scalar_result=program.shapes.get(result_name) == SCALAR,
            gradients=gradients,
            bindings=self.bindings,
            result_origin=program.result_origin,
        )

    # ---- forward sweep -------------------------------------------------------

    def _forward(self, statement: ir.Statement) -> list[Line]:
        if isinstance(statement, ir.Apply):
            value = self._primal(statement)
            return [Line(_assign(statement.target, value), target=statement.target)]
        if isinstance(statement, ir.Assign):
            target = cst.parse_expression(statement.target)
            assign = cst.Assign([cst.AssignTarget(target)], statement.value.node)
            return [Line(assign, target=statement.target)]
        if isinstance(statement, ir.Pack):
            items = [cst.Element(_node(i)) for i in statement.items]
            value = cst.List(items) if statement.kind == "list" else cst.Tuple(items)
            return [Line(_assign(statement.target, value), target=statement.target)]
        return [Line(statement.node)]

    def _primal(self, apply: ir.Apply) -> cst.BaseExpression:
        prim = apply.prim
        if prim is None:
            func = cst.parse_expression(apply.callee)
        elif prim.infix and apply.index is not None:
            return cst.Subscript(
                value=_node(apply.args[0]),
                slice=_subscript_elements(apply.index),
            )
        elif prim.infix:
            template = parse_template(prim.spelling, prim.param_names)
            mapping = {p: _node(o) for p, o in apply.bound.items()}
            return hug_powers(substitute(template, mapping, fold=False))
        else:
            func = substitute(cst.parse_expression(prim.spelling), self.binding_nodes)
        args = [cst.Arg(_node(a)) for a in apply.args]
        args += [
            cst.Arg(_node(v), keyword=cst.Name(k), equal=_EQUAL)
            for k, v in apply.kwargs.items()
        ]
        return cst.Call(func=func, args=args)

    # ---- backward sweep ------------------------------------------------------

    def _apply(self, apply: ir.Apply) -> None:
        adjoint = self.adjoints.get(apply.target)
        if adjoint is None:
            return
        prim = apply.prim
        operands = [
            (param, operand)
            for param, operand in (
                apply.bound.items()
                if prim is not None
                else enumerate(apply.operands())  # type: ignore[arg-type]
            )
            if isinstance(operand, ir.Var) and operand.name in self.useful
        ]
        if not operands:
            return
        if prim is None:
            raise NoDerivativeRule(
                f"no derivative rule for {apply.callee}",
                f"adcompile does not differentiate through {apply.callee} yet: "
                "write its computation inline with numpy operations, or compute "
                "it outside the function and pass the result in",
                apply.origin.node_location,
            )
        simple = is_simple(apply)
        for param, operand in operands:
            assert isinstance(param, str) and isinstance(operand, ir.Var)
            self._contribute(apply, prim, param, operand, adjoint, simple)

    def _contribute(
        self,
        apply: ir.Apply,
        prim: Primitive,
        param: str,
        operand: ir.Var,
        adjoint: str,
        simple: bool,
    ) -> None:
        if param in prim.vjps and prim.vjps[param] is None:
            return  # a parameter that carries no gradient (a condition, an index)
        template = prim.template(param, simple)
        if template is None:
            raise NoDerivativeRule(
                f"{prim.spelling} has no derivative with respect to its argument "
                f"'{param}'",
                f"pass a value that does not depend on the differentiated "
                f"parameters as '{param}'",
                apply.origin.node_location,
            )
        mapping: dict[str, cst.BaseExpression] = dict(self.binding_nodes)
        for p in prim.params:
            bound = apply.bound.get(p.name)
            if bound is not None:
                mapping[p.name] = _node(bound)
            elif p.default is not None:
                mapping[p.name] = cst.parse_expression(p.default)
        mapping["g"] = cst.Name(adjoint)
        mapping["ans"] = cst.Name(apply.target)
        local = substitute(template, mapping)
        if prim.shape == BROADCAST:
            local = self._unbroadcast(local, operand, apply.target)
        self._accumulate(operand.name, local)

    def _unbroadcast(
        self, local: cst.BaseExpression, operand: ir.Var, target: str
    ) -> cst.BaseExpression:
        shapes = self.program.shapes
        operand_shape = shapes.get(operand.name)
        if operand_shape is not None and operand_shape == shapes.get(target):
            return local
        if operand_shape == SCALAR:
            return self._call("np.sum", [local])
        witness = self.shape_witness.get(operand_shape, operand.name)
        if witness != operand.name:
            self.lean_names[operand.name] = witness
        return self._call("unbroadcast", [local, cst.Name(operand.name)])

    def _call(self, spelling: str, args: list[cst.BaseExpression]) -> cst.Call:
        func = substitute(cst.parse_expression(spelling), self.binding_nodes)
        return cst.Call(func=func, args=[cst.Arg(a) for a in args])

    def _pack(self, pack: ir.Pack) -> None:
        adjoint = self.adjoints.get(pack.target)
        if adjoint is None:
            return
        for position, item in enumerate(pack.items):
            if isinstance(item, ir.Var) and item.name in self.useful:
                element = cst.Subscript(
                    value=cst.Name(adjoint),
                    slice=[cst.SubscriptElement(cst.Index(cst.Integer(str(position))))],
                )
                self._accumulate(item.name, element)

    def _accumulate(self, name: str, local: cst.BaseExpression) -> None:
        existing = self.adjoints.get(name)
        if existing is None:
            target = self._adjoint_name(name)
            value = local
        else:
            target = existing
            value = cst.BinaryOperation(cst.Name(existing), cst.Add(), local)
        comment = self.pending_comment
        if comment == self.last_comment:
            comment = ""  # the same user statement as the line before
        else:
            self.last_comment = comment
        lean = None
        if self.lean_names:
            lean = _assign(target, _lean(value, self.lean_names))
            self.lean_names = {}
        self.backward.append(Line(_assign(target, value), comment, lean=lean))

    def _adjoint_name(self, name: str) -> str:
        adjoint = self.adjoints.get(name)
        if adjoint is None:
            adjoint = self.names.fresh(f"b{name}")
            self.adjoints[name] = adjoint
        return adjoint

    def _gradient(self, param: str) -> cst.BaseExpression:
        adjoint = self.adjoints.get(param)
        label = cst.SimpleString(f'"{param}"')
        if adjoint is None:
            return self._call("zero_gradient", [cst.Name(param), label])
        return self._call("as_gradient", [cst.Name(adjoint), cst.Name(param), label])


class _Lean(cst.CSTTransformer):
    """Replace the shape argument of unbroadcast calls by its witness."""

    def __init__(self, witnesses: dict[str, str]) -> None:
        self.witnesses = witnesses

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        args = list(updated.args)
        if len(args) == 2 and isinstance(args[1].value, cst.Name):
            witness = self.witnesses.get(args[1].value.value)
            if witness is not None:
                args[1] = args[1].with_changes(value=cst.Name(witness))
                return updated.with_changes(args=args)
        return updated


def _lean(value: cst.BaseExpression, witnesses: dict[str, str]) -> cst.BaseExpression:
    result = value.visit(_Lean(witnesses))
    assert isinstance(result, cst.BaseExpression)
    return result


def _shape_witnesses(program: ir.Program) -> dict[object, str]:
    """For each shape class, the first variable known to have that shape."""
    witnesses: dict[object, str] = {}
    order = [*program.param_names]
    order += [s.target for s in program.body if isinstance(s, (ir.Apply, ir.Pack))]
    for name in order:
        shape = program.shapes.get(name)
        if shape is not None and shape != SCALAR:
            witnesses.setdefault(shape, name)
    return witnesses


def lean_sweeps(
    forward: list[Line], backward: list[Line], needed: set[str]
) -> tuple[list[Line], list[Line]]:
    """Forward lines needed by the backward sweep, computing no value only
    for its shape: where a backward line reads an operand just to unbroadcast
    to its shape and nothing else needs it, the lean form is used."""
    lean_needed = set(needed)
    for line in backward:
        lean_needed |= used_names(line.lean or line.code)
    kept = live_forward(forward, lean_needed)
    available = set(needed) | {n for line in kept for n in line.target.split(", ")}
    chosen = []
    for line in backward:
        if line.lean is not None:
            replaced = used_names(line.code) - used_names(line.lean)
            if not replaced <= available:
                line = Line(line.lean, line.comment, line.target)
        chosen.append(line)
    return kept, chosen


def live_forward(forward: list[Line], needed: set[str]) -> list[Line]:
    """The forward lines needed to compute ``needed`` (and every effect)."""
    needed = set(needed)
    kept: list[Line] = []
    for line in reversed(forward):
        if line.target and not (set(line.target.split(", ")) & needed):
            continue
        needed |= used_names(line.code)
        kept.append(line)
    return kept[::-1]


def differentiate(program: ir.Program, bindings: dict[str, str]) -> Derivative:
    """Reverse-mode derivative of a normal-form program."""
    return ReverseMode(program, bindings).run()


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""),
    whitespace_after=cst.SimpleWhitespace(""),
)


def _node(operand: ir.Operand) -> cst.BaseExpression:
    return cst.Name(operand.name) if isinstance(operand, ir.Var) else operand.node


def _assign(target: str, value: cst.BaseExpression) -> cst.Assign:
    return cst.Assign([cst.AssignTarget(cst.Name(target))], value)


def _subscript_elements(index: cst.BaseExpression) -> list[cst.SubscriptElement]:
    """The elements of ``a[...]`` from the index expression normalize built."""
    if (
        isinstance(index, cst.Subscript)
        and isinstance(index.value, cst.Attribute)
        and index.value.attr.value == "s_"
    ):
        return list(index.slice)
    if isinstance(index, cst.Tuple) and index.lpar:
        return [
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


__all__ = ["Derivative", "Line", "differentiate", "render", "useful_variables"]
