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

from adcompile._src.errors import NoDerivativeRule, no_rule_hint
from adcompile._src.normal import ir
from adcompile._src.normal.primal import assign as _assign
from adcompile._src.normal.primal import (
    helper_call,
    template_mapping,
    written_parameters,
)
from adcompile._src.reverse.checkpointed import CheckpointedLoops
from adcompile._src.reverse.derivative import Derivative, useful_variables
from adcompile._src.reverse.forward_sweep import ForwardSweep
from adcompile._src.reverse.lean import (
    ShapeOnly,
    literal_shapes,
    merge_repeated,
    merge_resets,
    shape_expressions,
)
from adcompile._src.reverse.owned import add_indices_in_place
from adcompile._src.reverse.reuse import reuse_dying_arrays
from adcompile._src.reverse.reverse_calls import UserCalls
from adcompile._src.reverse.scalar_adjoints import ScalarAdjoints
from adcompile._src.reverse.stacks import resolve
from adcompile._src.rules.registry import BROADCAST, SCALAR, Primitive
from adcompile._src.syntax.lines import Block, Line, names_of
from adcompile._src.syntax.naming import NameAllocator
from adcompile._src.syntax.templates import parenthesize, substitute, sum_of, used_names


@dataclass
class _Region:
    """A branch or loop body being reversed."""

    local: set[str]  # values computed in this body (not loop-carried names)
    seen: set[str] = field(default_factory=set)  # adjoints given a value so far


class ReverseMode(ForwardSweep, UserCalls, CheckpointedLoops, ScalarAdjoints):
    """Builds the ``Derivative`` of one program."""

    def __init__(
        self,
        program: ir.Program,
        bindings: dict[str, str],
        recompute_calls: bool = False,
    ) -> None:
        self.program = program
        self.bindings = bindings
        self.recompute_calls = recompute_calls
        kinds = ("grad", "value_and_grad", "vjp", "pullback", "apply")
        self.names = NameAllocator(
            program.taken_names | {f"{kind}_{program.name}" for kind in kinds}
        )
        self.adjoints: dict[str, str] = {}
        self.primal_of: dict[str, str] = {}  # adjoint -> the value it is of
        self.useful = useful_variables(program)
        self.backward: list[Line] = []
        self.pending_comment = ""
        self.last_comment = ""
        self.binding_nodes = {k: cst.Name(v) for k, v in bindings.items()}
        self.np_name = bindings["np"]
        self.shape_only = (
            None
            if program.has_control_flow
            else ShapeOnly(shape_expressions(program, bindings), bindings)
        )
        self.accumulating = 0  # depth of branches and loops being reversed
        self.assigned: set[str] = set()  # adjoints given a value already
        self.touched: set[str] = set()  # adjoints a branch or loop adds to
        self.owned: set[str] = set()  # adjoints holding an array nothing else sees
        self.regions: list[_Region] = []
        self.reads_shapes = False  # the line being built reads an operand's shape
        self.pullbacks: dict[str, str] = {}  # call result -> its pullback
        # name -> callee, wrt, shapes of its arguments (see specialize.py)
        self.call_bindings: dict[str, tuple[str, tuple, str]] = {}
        self.call_bindings_by_spec: dict[tuple[str, tuple, str], str] = {}
        self.dynamic_binding: str | None = None
        self.checkpoint_names = {}
        self.broadcasts = {}  # adjoint -> broadcast scalar (scalar_adjoints.py)

    def run(self) -> Derivative:
        program = self.program
        forward = self._forward_lines(program.body)
        callers, finals = written_parameters(
            program, self.names.fresh, self.binding_nodes
        )
        forward += finals
        forward = callers + forward
        result = program.result
        if isinstance(result, ir.Var):
            result_name = result.name
        else:
            result_name = self.names.fresh("value")
            forward.append(Line(_assign(result_name, result.node), target=result_name))
        seed_name = self._adjoint_name(result_name)
        self.assigned.add(seed_name)
        self._backward_lines(program.body)
        gradients = [self._gradient(name) for name in program.wrt]
        self._drop_broadcasts({n for g in gradients for n in used_names(g)})
        raw_gradients: list[cst.BaseExpression] = [
            cst.Name(self.adjoints[name]) if name in self.adjoints else cst.Float("0.0")
            for name in program.wrt
        ]
        if program.known_shapes and not program.has_control_flow:
            read_at_end = {n for g in gradients for n in used_names(g)}
            self.backward = reuse_dying_arrays(
                self.backward,
                self._known_shape,
                read_at_end | {seed_name},
                self.bindings,
                set(self.adjoints.values()) - {seed_name},
            )
        saved = None
        if program.has_control_flow:
            saved = resolve(
                forward,
                self.backward,
                set(program.param_names),
                self.names.fresh,
                self.bindings.get("private_copy", "private_copy"),
            )
            saved.backward = merge_resets(saved.backward)
            excluded = {seed_name, *program.param_names, *names_of(saved.forward)}
            saved.backward = add_indices_in_place(
                saved.backward, self.bindings, excluded
            )
            self._checkpoint_saved(saved, set(program.param_names))
        return Derivative(
            program=program,
            forward=forward,
            backward=self.backward,
            result_name=result_name,
            seed_name=seed_name,
            scalar_result=program.shapes.get(result_name) == SCALAR
            and not program.check_seed,
            gradients=gradients,
            bindings=self.bindings,
            result_origin=program.result_origin,
            saved=saved,
            value_name=self.names.fresh("value"),
            aux_name=self.names.fresh("aux_value"),
            call_bindings=self.call_bindings,
            raw_gradients=raw_gradients,
        )

    def _backward_lines(self, statements: list[ir.Statement]) -> None:
        for statement in reversed(statements):
            self.pending_comment = f"grad of: {statement.origin.code}"
            if isinstance(statement, ir.Apply):
                self._apply(statement)
            elif isinstance(statement, ir.Pack):
                self._pack(statement)
            elif isinstance(statement, (ir.Branch, ir.Loop)):
                self._compound(statement)
            if isinstance(statement, ir.Effect):
                for target in reversed(statement.mutates):  # changed in place
                    self.backward.append(Line(target=target, marker="pop"))
            if getattr(statement, "overwrites", False):
                self._restore(statement.target)
                if (
                    isinstance(statement, ir.Apply)
                    and self._call_wrt(statement)
                    and not self.recompute_calls
                ):
                    # the forward sweep saved the pullback with the result
                    self._restore(self._pullback_name(statement.target))

    def _restore(self, targets: str) -> None:
        """After the adjoint of an overwriting statement: its target's adjoint
        starts again from zero, and its earlier value comes back."""
        for target in targets.split(", "):
            if target in self.program.pinned_names and target in self.useful:
                adjoint: str | None = self._adjoint_name(target)
                self.touched.add(adjoint)
            else:  # a value of one trip: its adjoint was only assigned, or
                adjoint = self.adjoints.get(target)  # added up (then reset it)
                adjoint = adjoint if adjoint in self.touched else None
            if adjoint is not None:  # zero (shapes may change from trip to trip)
                self.backward.append(Line(_assign(adjoint, cst.Float("0.0"))))
            self.backward.append(Line(target=target, marker="pop"))

    def _region(self, statements: list[ir.Statement]) -> list[Line]:
        """The backward lines of a branch or loop body, adding adjoints up."""
        outer, self.backward = self.backward, []
        self.accumulating += 1
        local = {
            s.target
            for s in statements
            if isinstance(s, (ir.Apply, ir.Pack))
            and s.target not in self.program.pinned_names
        }
        self.regions.append(_Region(local))
        saved_comment = self.last_comment
        self.last_comment = self.pending_comment  # the block's own comment
        try:
            self._backward_lines(statements)
            return self.backward
        finally:
            self.backward = outer
            self.accumulating -= 1
            self.regions.pop()
            self.last_comment = saved_comment

    def _compound(self, statement: ir.Branch | ir.Loop) -> None:
        outermost = self.accumulating == 0
        if outermost:
            self.touched = set()
        comment = self.pending_comment
        if isinstance(statement, ir.Branch):
            body = self._region(statement.body)
            orelse = self._region(statement.orelse)
            if not body and not orelse:
                return
            test: cst.BaseExpression = cst.Name(statement.cond)
            if not body:  # only the else branch has work: test the opposite
                test, body, orelse = cst.UnaryOperation(cst.Not(), test), orelse, []
            block = Block("if", test, body, orelse)
        else:
            body = self._region(statement.body)
            if not body:
                return
            block = (
                self._checkpointed_loop(statement, body)
                if self._checkpointed(statement)
                else self._reversed_loop(statement, body)
            )
        if outermost:  # adjoints start at zero, shaped like their values
            variable_of = {a: v for v, a in self.adjoints.items()}
            for adjoint in sorted(self.touched - self.assigned):
                variable = variable_of[adjoint]
                zero: cst.BaseExpression = cst.Float("0.0")
                if variable in self.program.carried_names:  # holds its last value
                    zero = self._call("zero_adjoint", [cst.Name(variable)])
                self.backward.append(Line(_assign(adjoint, zero), shape_only=True))
            self.assigned |= self.touched
        self.backward.append(Line(comment=comment, block=block))
        self.last_comment = ""

    def _reversed_loop(self, loop: ir.Loop, body: list[Line]) -> Block:
        """``for`` runs its iterable backwards; ``while`` runs its trip count."""
        if loop.kind == "while":
            assert loop.trips is not None
            counter = cst.parse_expression(f"range({loop.trips})")
            target = cst.Name(self.names.fresh("trip"))
            return Block("for", counter, body, target=target)
        assert loop.iterable is not None and loop.target is not None
        iterable = loop.iterable
        if loop.trips is not None:
            iterable = cst.Subscript(
                value=parenthesize(iterable),
                slice=[
                    cst.SubscriptElement(
                        cst.Slice(lower=None, upper=cst.Name(loop.trips))
                    )
                ],
            )
        backwards = cst.Call(cst.Name("reversed"), [cst.Arg(iterable)])
        return Block("for", backwards, body, target=loop.target)

    # ---- backward sweep ------------------------------------------------------

    def _adjoint_of_result(self, target: str) -> str | None:
        """The adjoint a statement propagates; in a loop, a useful value whose
        adjoint first appears later in the reversed body still has one (a
        later trip gives it a value), so it is made here, starting at zero."""
        adjoint = self.adjoints.get(target)
        if adjoint is None and self.accumulating and target in self.useful:
            adjoint = self._adjoint_name(target)
            self.touched.add(adjoint)
        return adjoint

    def _apply(self, apply: ir.Apply) -> None:
        adjoint = self._adjoint_of_result(apply.target)
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
        if apply.call:
            self._pullback(apply, adjoint)
            return
        if prim is None:
            raise NoDerivativeRule(
                f"no derivative rule for {apply.callee}",
                no_rule_hint(apply.callee),
                apply.origin.node_location,
            )
        simple = ir.is_simple(apply)
        contributions: list[tuple[str, cst.BaseExpression, bool]] = []
        for param, operand in operands:
            assert isinstance(param, str) and isinstance(operand, ir.Var)
            local = self._contribute(apply, prim, param, operand, adjoint, simple)
            if local is not None:
                contributions.append((operand.name, local, self.reads_shapes))
        for name, local, reads_shapes, count in merge_repeated(contributions):
            if count > 1:  # ``x * x``: the same term for both operands
                factor = cst.Float(f"{count}.0")
                local = cst.BinaryOperation(factor, cst.Multiply(), parenthesize(local))
            self.reads_shapes = reads_shapes
            self._accumulate(name, local)
            self.reads_shapes = False

    def _emit(self, statement: cst.BaseSmallStatement) -> None:
        """A backward line that assigns no adjoint (it carries the comment)."""
        self.backward.append(Line(statement, self._new_comment()))

    def _new_comment(self) -> str:
        """The ``grad of:`` comment for the next line, unless the line
        before already carries it (the same user statement)."""
        comment = self.pending_comment
        if comment == self.last_comment:
            return ""
        self.last_comment = comment
        return comment

    def _contribute(
        self,
        apply: ir.Apply,
        prim: Primitive,
        param: str,
        operand: ir.Var,
        adjoint: str,
        simple: bool,
    ) -> cst.BaseExpression | None:
        """The contribution of ``operand`` (bound to ``param``) to its
        adjoint; ``reads_shapes`` tells whether it reads shapes."""
        if param in prim.vjps and prim.vjps[param] is None:
            return None  # a parameter that carries no gradient (a condition, an index)
        template = prim.template(param, simple)
        if template is None:
            custom = f"@adcompile.custom.defvjp({prim.spelling})"
            hint = (
                f"define its reverse rule with {custom}"
                if prim.user_spelling
                else f"pass a value that does not depend on the differentiated "
                f"parameters as '{param}'"
            )
            raise NoDerivativeRule(
                f"{prim.spelling} has no derivative with respect to its argument "
                f"'{param}'",
                hint,
                apply.origin.node_location,
            )
        mapping = template_mapping(apply, self.binding_nodes, g=cst.Name(adjoint))
        local = substitute(template, mapping)
        if self.program.has_control_flow:  # no ShapeOnly: known shapes only
            scalar = adjoint if self._known_shape(apply.target) == () else None
            local = literal_shapes(local, self.program.shapes, self.np_name, scalar)
        local = self._scalar_local(local, adjoint, apply.shape)
        text = prim.simple.get(param) if simple else None
        text = text or prim.vjps.get(param) or ""
        self.reads_shapes = "shape(" in text or "size(" in text
        if prim.shape == BROADCAST:
            local = self._unbroadcast(local, operand, apply.shape)
        return local

    def _unbroadcast(
        self, local: cst.BaseExpression, operand: ir.Var, result_shape: object
    ) -> cst.BaseExpression:
        operand_shape = self.program.shapes.get(operand.name)
        if operand_shape is not None and operand_shape == result_shape:
            return local
        if operand_shape == SCALAR:
            return self._call("total", [local])
        self.reads_shapes = True
        return self._call("unbroadcast", [local, cst.Name(operand.name)])

    def _call(self, spelling: str, args: list[cst.BaseExpression]) -> cst.Call:
        return helper_call(spelling, args, self.binding_nodes)

    def _pack(self, pack: ir.Pack) -> None:
        adjoint = self._adjoint_of_result(pack.target)
        if adjoint is None:
            return
        for position, item in enumerate(pack.items):
            if isinstance(item, ir.Var) and item.name in self.useful:
                # (a path, or a reader of only some items of a container this
                # one is an item of, or a zero seed, may leave it at 0.0)
                index = pack.position(position)
                element = self._call("part", [cst.Name(adjoint), index])
                self._accumulate(item.name, element)

    def _accumulate(self, name: str, local: cst.BaseExpression) -> None:
        existing = self.adjoints.get(name)
        if self.accumulating:  # in a branch or loop
            target = self._adjoint_name(name)
            region = self.regions[-1]
            first = target not in region.seen and name in region.local
            for enclosing in self.regions:
                enclosing.seen.add(target)
            if first:  # a value of this trip, used first here: assign
                value = local
            else:  # adjoints that add up across paths or trips start at zero
                self.touched.add(target)
                value = sum_of(cst.Name(target), local)
        elif existing is None:
            target = self._adjoint_name(name)
            self.assigned.add(target)
            value = local
            if self._is_call_of(local, "unindex"):  # a new array, no other name's
                self.owned.add(target)
        else:
            target = existing
            value = sum_of(cst.Name(existing), local)
            if target in self.owned and self._is_call_of(local, "unindex"):
                # straight-line code: every contribution to this adjoint comes
                # before any line reads it, and it holds a new array that no
                # other name sees, so the scatter can write into it
                assert isinstance(local, cst.Call)
                args = [cst.Name(existing), *(a.value for a in local.args)]
                value = self._call("unindex_add", args)
            self.owned.add(target)  # ``a + b`` and unindex_add: a new array
        comment = self._new_comment()
        lean = None
        if self.shape_only is not None and self.reads_shapes:  # shapes, not values
            lean_value = self.shape_only.rewrite(value)
            if lean_value is not value:
                lean = _assign(target, lean_value)
        self.backward.append(Line(_assign(target, value), comment, lean=lean))
        if value is local:  # its first value: maybe a scalar broadcast
            self._note_broadcast(target, name, self.backward[-1])

    def _is_call_of(self, node: cst.BaseExpression, helper: str) -> bool:
        """Whether ``node`` calls the runtime helper ``helper`` (straight-line
        programs only: loops and branches read adjoints between additions)."""
        return (
            not self.program.has_control_flow
            and isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == self.bindings.get(helper)
        )

    def _known_shape(self, name: str) -> tuple[int, ...] | None:
        """The shape of a value, or of the value an adjoint is of, where a
        variant knows it (specialize.py)."""
        primal = self.primal_of.get(name, name)
        known = self.program.shapes.get(primal)
        if known == SCALAR:
            return ()
        if isinstance(known, tuple) and known[0] == "shape":
            return known[1]
        return None

    def _adjoint_name(self, name: str) -> str:
        adjoint = self.adjoints.get(name)
        if adjoint is None:
            adjoint = self.names.fresh(f"b{name}")
            self.adjoints[name] = adjoint
            self.primal_of[adjoint] = name
        return adjoint

    def _gradient(self, param: str) -> cst.BaseExpression:
        adjoint = self.adjoints.get(param)
        label = cst.SimpleString(f'"{param}"')
        if adjoint is None:
            return self._call("zero_gradient", [cst.Name(param), label])
        return self._call("as_gradient", [cst.Name(adjoint), cst.Name(param), label])


def differentiate(
    program: ir.Program, bindings: dict[str, str], recompute_calls: bool = False
) -> Derivative:
    """Reverse-mode derivative of a normal-form program; with
    ``recompute_calls``, calls into user functions run plain in the forward
    sweep and their vjps are applied in the backward sweep (``apply_g``)."""
    return ReverseMode(program, bindings, recompute_calls).run()


__all__ = ["ReverseMode", "differentiate"]
