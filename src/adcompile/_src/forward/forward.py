"""Forward mode: from a normal-form program to its tangent program.

Invariant of the output: the tangent program is the program itself, one
statement per normal-form statement, each followed, when its target depends
on the inputs being differentiated (it is *active*), by one line giving the
target's tangent (``dy`` for ``y``): the sum, over the operands that carry a
tangent, of the rule's forward template. Branches stay branches and loops
stay loops: tangents travel along with the values they belong to, so nothing
is saved. An active name assigned a value that carries no derivative gets a
zero tangent, so every active name has a tangent wherever it has a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from adcompile._src.errors import NoDerivativeRule, no_rule_hint
from adcompile._src.normal import ir
from adcompile._src.normal.primal import (
    assign,
    control_line,
    helper_call,
    node,
    primal_expression,
    template_mapping,
    written_parameters,
)
from adcompile._src.rules.registry import BROADCAST, LINEAR, Primitive
from adcompile._src.syntax.lines import Block, Line, to_statements
from adcompile._src.syntax.naming import NameAllocator
from adcompile._src.syntax.templates import (
    parse_spelling,
    substitute,
    sum_of,
    used_names,
)


@dataclass
class Tangent:
    """The parts of an emitted ``jvp`` function."""

    program: ir.Program
    lines: list[Line]
    result_name: str
    result_tangent: cst.BaseExpression
    tangent_params: list[str]  # the tangent parameter of each wrt parameter
    bindings: dict[str, str]
    call_bindings: dict[str, tuple[str, tuple, str]] = field(default_factory=dict)
    result_location: object = None  # of the last return


def active_variables(program: ir.Program) -> set[str]:
    """Variables that depend on the wrt parameters through differentiable
    operations (a fixpoint: loops carry activity to earlier statements)."""
    active = set(program.wrt)
    statements = list(ir.walk(program.body))
    while True:
        before = len(active)
        for statement in statements:
            if isinstance(statement, ir.Apply):
                if any(o.name in active for o in _carrying(statement)):
                    active.add(statement.target)
            elif isinstance(statement, ir.Pack):
                if any(
                    isinstance(i, ir.Var) and i.name in active for i in statement.items
                ):
                    active.add(statement.target)
        if len(active) == before:
            return active


def _carrying(apply: ir.Apply) -> list[ir.Var]:
    """Operands whose tangent can reach the result: all of a user function's
    arguments, a primitive's arguments except those its rule says carry none."""
    prim = apply.prim
    if prim is None or apply.call:
        return [o for o in apply.operands() if isinstance(o, ir.Var)]
    if prim.nondiff:
        return []
    return [
        o
        for p, o in apply.bound.items()
        if isinstance(o, ir.Var) and not (p in prim.jvps and prim.jvps[p] is None)
    ]


def prune_tangents(lines: list[Line], tangents: set[str], keep: set[str]) -> list[Line]:
    """Drop tangent assignments no line reads (tangents of values that flow
    only into non-differentiable uses), until none is left."""
    while True:
        read = set(keep)
        for line in lines:
            read |= _reads(line)
        pruned = _without_unread(lines, tangents - read)
        if pruned == lines:
            return lines
        lines = pruned


def _reads(line: Line) -> set[str]:
    if line.block is not None:
        names = used_names(line.block.header)
        for inner in [*line.block.body, *line.block.orelse]:
            names |= _reads(inner)
        return names
    if line.code is None:
        return set()
    if isinstance(line.code, cst.Assign):
        return used_names(line.code.value)
    return used_names(line.code)


def _without_unread(lines: list[Line], unread: set[str]) -> list[Line]:
    kept: list[Line] = []
    for line in lines:
        if line.block is not None:
            block = line.block
            body = _without_unread(block.body, unread)
            orelse = _without_unread(block.orelse, unread)
            if body != block.body or orelse != block.orelse:
                line = Line(
                    block=Block(block.kind, block.header, body, orelse, block.target)
                )
            kept.append(line)
        elif line.target not in unread:
            kept.append(line)
    return kept


class ForwardMode:
    """Builds the ``Tangent`` of one program."""

    def __init__(self, program: ir.Program, bindings: dict[str, str]) -> None:
        self.program = program
        self.bindings = bindings
        self.binding_nodes = {k: cst.Name(v) for k, v in bindings.items()}
        self.names = NameAllocator(program.taken_names | {f"jvp_{program.name}"})
        self.active = active_variables(program)
        self.tangents: dict[str, str] = {}
        self.call_bindings: dict[str, tuple[str, tuple, str]] = {}
        self.jvp_call_name: str | None = None

    def run(self) -> Tangent:
        program = self.program
        tangent_params = [self._tangent_name(p) for p in program.wrt]
        lines: list[Line] = []
        for param in program.param_names:  # re-bound in the body, not a wrt
            if param in self.active and param not in program.wrt:
                lines.append(self._zero(param))
        opening, finals = written_parameters(
            program, self.names.fresh, self.binding_nodes
        )
        lines += opening
        lines += self._lines(program.body) + finals
        result = program.result
        if isinstance(result, ir.Var):
            result_name = result.name
        else:
            result_name = self.names.fresh("value")
            lines.append(Line(assign(result_name, result.node), target=result_name))
        if isinstance(result, ir.Var) and result.name in self.active:
            tangent = cst.Name(self.tangents[result.name])
            result_tangent = self._call("as_tangent", [tangent, cst.Name(result_name)])
        else:
            result_tangent = self._call("zero_tangent", [cst.Name(result_name)])
        keep = used_names(result_tangent)
        lines = prune_tangents(lines, set(self.tangents.values()), keep)
        return Tangent(
            program,
            lines,
            result_name,
            result_tangent,
            tangent_params,
            self.bindings,
            self.call_bindings,
        )

    # ---- statements ----------------------------------------------------------

    def _lines(self, statements: list[ir.Statement]) -> list[Line]:
        lines: list[Line] = []
        for statement in statements:
            lines.extend(self._statement(statement))
        return lines

    def _statement(self, statement: ir.Statement) -> list[Line]:
        if isinstance(statement, ir.Apply):
            return self._apply(statement)
        if isinstance(statement, ir.Assign):
            target = parse_spelling(statement.target)
            code = cst.Assign([cst.AssignTarget(target)], statement.value.node)
            lines = [Line(code, target=statement.target)]
            for name in statement.target.split(", "):  # a, b = <static value>
                if name in self.active:  # no tangent here, one on other paths
                    lines.append(self._zero(name))
            return lines
        if isinstance(statement, ir.Pack):
            return self._pack(statement)
        control = control_line(statement, self._lines)
        if control is not None:
            return [control]
        assert isinstance(statement, ir.Effect)
        lines = [Line(statement.node)]
        for name in statement.mutates:  # changed in place by code that carries
            if name in self.active:  # no derivative: its tangent is zero again
                lines.append(self._zero(name))
        return lines

    def _apply(self, apply: ir.Apply) -> list[Line]:
        target = apply.target
        carried = self._carried(apply)
        if apply.call and carried:
            return [self._jvp_call(apply, carried)]
        if apply.in_place and (
            apply.target not in self.active or apply.args[0].name in self.tangents
        ):
            return self._in_place(apply)
        primal = Line(
            assign(target, primal_expression(apply, self.binding_nodes)),
            target=target,
        )
        if target not in self.active:
            return [primal]
        if not carried:
            return [primal, self._zero(target)]
        prim = apply.prim
        if prim is None:
            raise NoDerivativeRule(
                f"no derivative rule for {apply.callee}",
                no_rule_hint(apply.callee),
                apply.origin.node_location,
            )
        if prim.jointly_linear:
            return [primal, self._jointly_linear(apply)]
        terms = [self._term(apply, prim, param, var) for param, var in carried]
        present = [t for t in terms if t is not None]
        if not present:
            return [primal, self._zero(target)]
        tangent = present[0]
        for term in present[1:]:
            tangent = sum_of(tangent, term)
        if prim.shape == BROADCAST and any(
            self.program.shapes.get(var.name) != apply.shape or apply.shape is None
            for _, var in carried
        ):
            tangent = self._call("broadcast_tangent", [tangent, cst.Name(target)])
        name = self._tangent_name(target)
        line = Line(assign(name, tangent), target=name)
        return [primal, line]

    def _in_place(self, apply: ir.Apply) -> list[Line]:
        """``items.append(value)``, ``items.pop()`` or ``items.pop(0)`` on a
        list no name reads again (``Apply.in_place``), done in place on the
        list and on its tangent list, rather than by copying both."""
        items = apply.args[0]
        assert isinstance(items, ir.Var)
        pairs = [
            (items.name, node(apply.args[1]) if apply.in_place == "append" else None)
        ]
        if apply.target in self.active and items.name in self.tangents:
            value = apply.args[1] if apply.in_place == "append" else None
            tangent = self._tangent_or_zero(value) if value is not None else None
            pairs.append((self.tangents[items.name], tangent))
        lines = []
        for name, value in pairs:
            method = "append" if apply.in_place == "append" else "pop"
            args = [cst.Arg(value)] if value is not None else []
            if apply.in_place == "pop0":
                args = [cst.Arg(cst.Integer("0"))]
            call = cst.Call(cst.Attribute(cst.Name(name), cst.Name(method)), args)
            lines.append(Line(cst.Expr(call)))
        lines.append(
            Line(assign(apply.target, cst.Name(items.name)), target=apply.target)
        )
        if len(pairs) == 2:
            tangent_name = self._tangent_name(apply.target)
            lines.append(
                Line(assign(tangent_name, cst.Name(pairs[1][0])), target=tangent_name)
            )
        return lines

    def _carried(self, apply: ir.Apply) -> list[tuple[str, ir.Var]]:
        """(parameter, operand) pairs whose operand carries a tangent."""
        if apply.prim is not None and not apply.call:
            pairs = list(apply.bound.items())
        else:
            pairs = [*enumerate(apply.args), *apply.kwargs.items()]  # type: ignore[list-item]
        carrying = {id(o) for o in _carrying(apply)}
        return [
            (param, operand)
            for param, operand in pairs
            if isinstance(operand, ir.Var)
            and operand.name in self.active
            and id(operand) in carrying
        ]

    def _term(
        self, apply: ir.Apply, prim: Primitive, param: str, var: ir.Var
    ) -> cst.BaseExpression | None:
        if param in prim.jvps and prim.jvps[param] is None:
            return None  # a parameter that carries no tangent (an index, axis)
        if param in prim.vjps and prim.vjps[param] is None and param not in prim.jvps:
            return None
        if var.name not in self.tangents:  # read before any value is given
            return None  # (Python's UnboundLocalError, where it runs at all)
        template = prim.forward_template(param)
        tangent = cst.Name(self.tangents[var.name])
        if template is None:
            raise NoDerivativeRule(
                f"{prim.spelling} has no forward-mode rule with respect to its "
                f"argument '{param}'",
                "use reverse mode (grad, vjp) for this function, or register a "
                "forward rule with adcompile.custom.defjvp",
                apply.origin.node_location,
            )
        if isinstance(template, cst.Name) and template.value == LINEAR:
            return primal_expression(apply, self.binding_nodes, {param: tangent})
        mapping = template_mapping(apply, self.binding_nodes, t=tangent)
        return substitute(template, mapping)

    def _jointly_linear(self, apply: ir.Apply) -> Line:
        """The tangent of a function linear in its arguments together
        (``[*items, value]``, ``xs + ys``): the call on their tangents."""
        prim = apply.prim
        assert prim is not None
        tangents = {
            param: self._tangent_or_zero(operand)
            for param, operand in apply.bound.items()
            if prim.jvps.get(param) == LINEAR
        }
        tangent = primal_expression(apply, self.binding_nodes, tangents)
        name = self._tangent_name(apply.target)
        return Line(assign(name, tangent), target=name)

    def _pack(self, pack: ir.Pack) -> list[Line]:
        value = pack.literal([node(i) for i in pack.items])
        lines = [Line(assign(pack.target, value), target=pack.target)]
        if pack.target in self.active:
            packed = pack.literal([self._tangent_or_zero(i) for i in pack.items])
            name = self._tangent_name(pack.target)
            lines.append(Line(assign(name, packed), target=name))
        return lines

    def _jvp_call(self, apply: ir.Apply, carried: list[tuple[str, ir.Var]]) -> Line:
        """``y, dy = jvp_call(g, (a, b), (da, None))``: the callee's own
        tangent program, compiled when first called."""
        if self.jvp_call_name is None:
            self.jvp_call_name = self.names.fresh("jvp_call")
            self.call_bindings[self.jvp_call_name] = ("", ("jvp",), "")
        assert apply.callee_node is not None
        args = cst.Tuple([cst.Element(node(a)) for a in apply.args])
        tangents = cst.Tuple(
            [cst.Element(self._tangent_or_none(a)) for a in apply.args]
        )
        call_args = [cst.Arg(apply.callee_node), cst.Arg(args), cst.Arg(tangents)]
        if apply.kwargs:
            keywords = cst.Dict(
                [
                    cst.DictElement(cst.SimpleString(repr(k)), node(v))
                    for k, v in apply.kwargs.items()
                ]
            )
            keyword_tangents = cst.Dict(
                [
                    cst.DictElement(cst.SimpleString(repr(k)), self._tangent_or_none(v))
                    for k, v in apply.kwargs.items()
                ]
            )
            call_args += [cst.Arg(keywords), cst.Arg(keyword_tangents)]
        if apply.written:  # of the variant returning what it writes into
            written = cst.parse_expression(repr(apply.written))
            call_args.append(cst.Arg(written, keyword=cst.Name("written")))
        call = cst.Call(cst.Name(self.jvp_call_name), call_args)
        targets = f"{apply.target}, {self._tangent_name(apply.target)}"
        code = cst.Assign([cst.AssignTarget(cst.parse_expression(targets))], call)
        return Line(code, target=apply.target)

    # ---- names and small pieces ---------------------------------------------

    def _tangent_name(self, name: str) -> str:
        tangent = self.tangents.get(name)
        if tangent is None:
            tangent = self.names.fresh(f"d{name}")
            self.tangents[name] = tangent
        return tangent

    def _zero(self, name: str) -> Line:
        zero = self._call("zero_tangent", [cst.Name(name)])
        tangent = self._tangent_name(name)
        return Line(assign(tangent, zero), target=tangent)

    def _tangent_or_zero(self, operand: ir.Operand) -> cst.BaseExpression:
        if isinstance(operand, ir.Var) and operand.name in self.active:
            return cst.Name(self._tangent_name(operand.name))
        return self._call("zero_tangent", [node(operand)])

    def _tangent_or_none(self, operand: ir.Operand) -> cst.BaseExpression:
        if isinstance(operand, ir.Var) and operand.name in self.active:
            return cst.Name(self._tangent_name(operand.name))
        return cst.Name("None")

    def _call(self, spelling: str, args: list[cst.BaseExpression]) -> cst.Call:
        return helper_call(spelling, args, self.binding_nodes)


def tangent_program(program: ir.Program, bindings: dict[str, str]) -> Tangent:
    """Forward-mode tangent program of a normal-form program."""
    return ForwardMode(program, bindings).run()


def emit_jvp(tangent: Tangent, has_aux: bool = False) -> str:
    """``def jvp_f(<f's parameters>, *, dx, ...)`` returning ``(value,
    tangent)``, or ``(value, tangent, aux)`` with has_aux."""
    program = tangent.program
    body = to_statements(tangent.lines)
    parts = [
        cst.Element(cst.Name(tangent.result_name)),
        cst.Element(tangent.result_tangent),
    ]
    if has_aux and program.aux is not None:
        parts.append(cst.Element(program.aux.node))
    returned = cst.Return(cst.Tuple(parts, lpar=[], rpar=[]))
    body.append(cst.SimpleStatementLine([returned]))
    params = program.params
    star = params.star_arg
    if not isinstance(star, (cst.Param, cst.ParamStar)):
        star = cst.ParamStar()
    kwonly = [
        *params.kwonly_params,
        *(cst.Param(cst.Name(t)) for t in tangent.tangent_params),
    ]
    function = cst.FunctionDef(
        name=cst.Name(f"jvp_{program.name}"),
        params=params.with_changes(star_arg=star, kwonly_params=kwonly),
        body=cst.IndentedBlock(body),
    )
    return cst.Module([function]).code


__all__ = ["Tangent", "active_variables", "emit_jvp", "tangent_program"]
