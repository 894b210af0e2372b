"""Shape specialization: a normal-form program, for arguments of known shapes.

The symbolic shape classes of lowering know that ``x * 2`` has x's shape, but
not that ``y + dt * pendulum(y)`` has y's: that takes the shapes themselves.
``specialize`` is given what is known of one call's arguments (their shapes,
see ``shape_values.of_argument``) and works out the shape of every variable
that follows from them: through arithmetic, numpy calls, indexing with known
ints and slices, lists passed to ``np.array``, static code (``np.zeros((n,
m))``, ``x.shape[0]``), loops, and calls into other user functions (through
``callee``). It returns a copy of the program whose shape classes are those
shapes; the reverse pass then leaves out ``unbroadcast`` wherever an operand
has its result's shape, and stops saving values read only for their shape.

Invariant: a variable is given a shape only if every value it can hold, on
every path and every loop trip, has that shape when the arguments have the
stated shapes. The analysis is flow-insensitive: a variable's value is the
join over all of its assignments, iterated from "no value yet" to a fixed
point. What it cannot follow (globals, attributes, containers code may
mutate, unknown calls) is ``TOP``, and keeps its symbolic class.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src.normal import ir
from adcompile._src.normal.values import calls_in
from adcompile._src.rules.patterns import FILL_DIAGONAL, SETITEM
from adcompile._src.rules.registry import BROADCAST, REDUCE, SAME, SCALAR
from adcompile._src.shapes import shape_values as sv
from adcompile._src.shapes.shape_values import SCALAR_VALUE, TOP, UNKNOWN_INT, Value
from adcompile._src.shapes.static_shapes import (
    NOTHING,
    Resolve,
    StaticShapes,
    array_like,
    length,
    target_names,
)

# (apply, argument values, keyword values) -> (result value, callee key)
CalleeShapes = Callable[
    [ir.Apply, list[Value], dict[str, Value]], tuple[Value, tuple | None]
]

MAX_SWEEPS = 20
# functions that read a list without changing it or keeping it
_CONTAINER_READERS = frozenset(
    {id(np.array), id(np.asarray), id(np.stack), id(np.concatenate)}
    | {id(operator.getitem), id(len)}
)


def shape_class(value: Value | None) -> object:
    """The reverse pass's shape class for a known shape; None otherwise."""
    shape = sv.shape_of(value)
    if shape is None:
        return None
    return SCALAR if shape == () else ("shape", shape)


class ShapeAnalysis(StaticShapes):
    """The fixed point of the shapes of one program's variables."""

    def __init__(
        self,
        program: ir.Program,
        arguments: dict[str, Value],
        np_name: str,
        resolve: Resolve,
        callee: CalleeShapes | None,
    ) -> None:
        super().__init__(np_name, resolve)
        self.program = program
        self.callee = callee
        for statement in ir.walk(program.body):
            for name in _bound_names(statement):
                self.values[name] = None
        for name in program.param_names:
            self.values[name] = arguments.get(name, TOP)
        self.unknown = _names_bound_elsewhere(program.body)
        self.escaped = _escaped_containers(program.body)
        self.results: dict[int, Value | None] = {}  # per Apply: its own result
        self.call_keys: dict[int, tuple | None] = {}

    def may_change_shapes(self) -> bool:
        """Whether the program runs code that could change an array's shape
        in place where the analysis cannot see it: ``resize`` or ``setattr``;
        a function other than numpy's and the builtins (through an argument,
        a container or a global it could reach any array); a user function
        found only at run time; or a user's own rule."""
        for statement in ir.walk(self.program.body):
            if isinstance(statement, ir.Apply) and (
                statement.call == "dynamic"
                or (statement.prim is not None and statement.prim.custom)
            ):
                return True
            for node in _static_nodes(statement):
                if "resize" in target_names(node):  # attributes too
                    return True
                if any(self._unread(call) for call in calls_in(node)):
                    return True
        return False

    def _unread(self, call: cst.Call) -> bool:
        """Whether ``call`` runs code the analysis cannot vouch for."""
        function = self.callee_object(call.func)
        if function is setattr or function is delattr:
            return True
        if function is not None:
            return False
        if isinstance(call.func, cst.Attribute):  # a method of a known value:
            receiver = self.static(call.func.value)  # an array's, a number's,
            return receiver is None or receiver == TOP  # or a list's
        return True

    def run(self) -> bool:
        """Iterate to the fixed point; False if it was not reached."""
        for _ in range(MAX_SWEEPS):
            changed = False
            for statement in ir.walk(self.program.body):
                for name, value in self._transfer(statement):
                    if name in self.unknown:
                        value = TOP
                    elif name in self.escaped and value and value[0] in ("seq", "rows"):
                        value = TOP
                    old = self.values.get(name)
                    new = sv.join(old, value)
                    if new != old:
                        self.values[name] = new
                        changed = True
            if not changed:
                return True
        return False

    # ---- statements ----------------------------------------------------

    def _transfer(self, statement: ir.Statement) -> list[tuple[str, Value | None]]:
        if isinstance(statement, ir.Apply):
            value = self._apply(statement)
            self.results[id(statement)] = value
            return _to_targets(statement.target, value)
        if isinstance(statement, ir.Assign):
            return _to_targets(statement.target, self.static(statement.value.node))
        if isinstance(statement, ir.Pack):
            items = tuple(self._operand(o) for o in statement.items)
            value = None if None in items else ("seq", items)
            return _to_targets(statement.target, value)
        if isinstance(statement, ir.Loop):
            found: list[tuple[str, Value | None]] = []
            if statement.trips:
                found.append((statement.trips, UNKNOWN_INT))
            if isinstance(statement.target, cst.Name) and statement.iterable:
                element = self._element(statement.iterable)
                found.append((statement.target.value, element))
            elif statement.target is not None:
                found += [(n, TOP) for n in target_names(statement.target)]
            return found
        return []

    def _element(self, iterable: cst.BaseExpression) -> Value | None:
        """The value of each item a ``for`` loop takes from ``iterable``."""
        if (
            isinstance(iterable, cst.Call)
            and self.callee_object(iterable.func) is range
        ):
            return UNKNOWN_INT
        value = self.static(iterable)
        if value is None:
            return None
        if value[0] == "seq":
            element: Value | None = None
            for item in value[1]:
                if item is None:
                    return None
                element = sv.join(element, item)
            return element or TOP
        if value[0] == "rows":
            return value[1]
        shape = sv.shape_of(value)
        return sv.array(shape[1:]) if shape else TOP

    def _operand(self, operand: ir.Operand) -> Value | None:
        if isinstance(operand, ir.Var):
            return self.values.get(operand.name, TOP)
        return self.static(operand.node)

    # ---- differentiated operations --------------------------------------

    def _apply(self, apply: ir.Apply) -> Value | None:
        if apply.call:
            return self._user_call(apply)
        prim = apply.prim
        if prim is None:
            return TOP
        bound = {p: self._operand(o) for p, o in apply.bound.items() if p != "index"}
        if None in bound.values():
            return None
        key = prim.key
        if key is operator.getitem:
            parts = self.index_parts(apply.index)
            return None if parts is NOTHING else sv.indexed(bound["a"], parts)
        if prim.shape == SCALAR:
            return SCALAR_VALUE
        if any(p.default is None and p.name not in bound for p in prim.params):
            return TOP  # np.where(c) and the like: another function entirely
        if prim.shape == BROADCAST:
            if (key is max or key is min) and "b" not in bound:
                return TOP  # max(xs): the largest item, not an elementwise max
            return sv.broadcast([v for p, v in bound.items() if p in prim.vjps])
        if prim.shape == SAME:
            if key is SETITEM or key is FILL_DIAGONAL:  # a new value of a
                return array_like(bound.get("a"))
            return sv.broadcast([v for p, v in bound.items() if p != "dtype"])
        if prim.shape == REDUCE:
            axis = self.literal(apply.bound.get("axis"), None)
            keepdims = self.literal(apply.bound.get("keepdims"), False)
            if self.literal(apply.bound.get("returned"), False) is not False:
                return TOP
            return sv.reduced(bound.get("x"), axis, keepdims)
        return self._other(apply, key, bound)

    def _other(self, apply: ir.Apply, key: Any, bound: dict[str, Value]) -> Value:
        if key is operator.matmul or key is np.matmul:
            return sv.matmul(bound["a"], bound["b"])
        if key is np.dot:
            return sv.dot(bound["a"], bound["b"])
        if key is np.transpose and self.literal(apply.bound.get("axes"), None) is None:
            return sv.transposed(bound["x"]) or TOP
        if key is np.array or key is np.asarray:
            if set(bound) <= {"x", "dtype"}:
                return sv.as_array(bound["x"]) or TOP
        if key is np.stack or key is np.concatenate:
            axis = self.literal(apply.bound.get("axis"), 0)
            if type(axis) is int:
                return sv.stacked(bound["arrays"], axis, key is np.stack) or TOP
        if key is np.reshape and set(bound) == {"x", "shape"}:
            return sv.reshaped(bound["x"], bound["shape"]) or TOP
        if key is len:
            return length(bound.get("args"))
        return TOP

    def _user_call(self, apply: ir.Apply) -> Value | None:
        if apply.call != "static" or self.callee is None:
            return TOP
        args = [self._operand(a) for a in apply.args]
        kwargs = {k: self._operand(v) for k, v in apply.kwargs.items()}
        if None in args or None in kwargs.values():
            return None
        result, key = self.callee(apply, args, kwargs)  # type: ignore[arg-type]
        self.call_keys[id(apply)] = key
        return result


class ChangesShapes(Exception):
    """Code the program calls may change an array's shape in place: no
    variant (raised through the analysis of callers)."""


def specialize(
    program: ir.Program,
    arguments: dict[str, Value],
    np_name: str,
    resolve: Resolve,
    callee: CalleeShapes | None = None,
) -> tuple[ir.Program, ShapeAnalysis] | None:
    """A copy of ``program`` with the shapes that follow from ``arguments``
    (parameter name -> value); None when the analysis did not settle.
    Raises ChangesShapes for a program (or a callee) that may change an
    array's shape in place where the analysis cannot see it."""
    analysis = ShapeAnalysis(program, arguments, np_name, resolve, callee)
    if not analysis.run():
        return None
    if analysis.may_change_shapes():
        raise ChangesShapes
    shapes = dict(program.shapes)
    for name, value in analysis.values.items():
        known = shape_class(value)
        if known is not None:
            shapes[name] = known
    result = program.result.name if isinstance(program.result, ir.Var) else None
    check_seed = program.check_seed or program.shapes.get(result) != SCALAR
    body = _copy(program.body, analysis)
    specialized = dataclasses.replace(
        program, body=body, shapes=shapes, check_seed=check_seed, known_shapes=True
    )
    return specialized, analysis


def result_value(program: ir.Program, analysis: ShapeAnalysis) -> Value:
    result = program.result
    value = analysis._operand(result)
    return TOP if value is None else value


def _copy(statements: list[ir.Statement], analysis: ShapeAnalysis) -> list:
    copied: list[ir.Statement] = []
    for statement in statements:
        if isinstance(statement, ir.Apply):
            known = shape_class(analysis.results.get(id(statement)))
            key = analysis.call_keys.get(id(statement))
            statement = dataclasses.replace(
                statement,
                shape=statement.shape if known is None else known,
                call_shapes=repr(key) if key else "",
            )
        elif isinstance(statement, (ir.Branch, ir.Loop)):
            changes: dict[str, Any] = {"body": _copy(statement.body, analysis)}
            if isinstance(statement, ir.Branch):
                changes["orelse"] = _copy(statement.orelse, analysis)
            statement = dataclasses.replace(statement, **changes)
        copied.append(statement)
    return copied


def _to_targets(target: str, value: Value | None) -> list[tuple[str, Value | None]]:
    if target.isidentifier():
        return [(target, value)]
    return [(name.strip(), TOP) for name in target.split(",") if name.strip()]


def _bound_names(statement: ir.Statement) -> list[str]:
    if isinstance(statement, (ir.Apply, ir.Assign, ir.Pack)):
        return [n.strip() for n in statement.target.split(",") if n.strip()]
    if isinstance(statement, ir.Loop):
        names = target_names(statement.target) if statement.target else []
        return names + ([statement.trips] if statement.trips else [])
    return []


def _static_nodes(statement: ir.Statement) -> list[cst.CSTNode]:
    if isinstance(statement, ir.Assign):
        return [statement.value.node]
    if isinstance(statement, ir.Effect):
        return [statement.node]
    if isinstance(statement, (ir.Apply, ir.Pack)):
        operands = (
            statement.operands() if isinstance(statement, ir.Apply) else statement.items
        )
        nodes = [o.node for o in operands if isinstance(o, ir.Static)]
        if isinstance(statement, ir.Apply) and statement.index is not None:
            nodes.append(statement.index)
        return nodes
    if isinstance(statement, ir.Loop):
        return [n for n in (statement.iterable, statement.test) if n is not None]
    return []


def _names_bound_elsewhere(statements: list[ir.Statement]) -> set[str]:
    """Names bound by code the analysis does not follow: ``:=`` in static
    code, imports, nested ``def``s and classes."""
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.update(target_names(node.target))

        def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
            bound = node.asname.name if node.asname else node.name
            found.update(target_names(bound)[:1])

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.add(node.name.value)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            found.add(node.name.value)

    for statement in ir.walk(statements):
        for node in _static_nodes(statement):
            node.visit(Collect())
    return found


def _escaped_containers(statements: list[ir.Statement]) -> set[str]:
    """Names whose list value code may change where the analysis cannot see:
    named in static code (other than as a loop's iterable) or effects, or
    passed to a function that is not known to only read it."""
    found: set[str] = set()
    for statement in ir.walk(statements):
        nodes = _static_nodes(statement)
        if isinstance(statement, ir.Loop) and isinstance(statement.iterable, cst.Name):
            nodes = [n for n in nodes if n is not statement.iterable]
        if isinstance(statement, ir.Apply):
            reader = (
                not statement.call
                and statement.prim is not None
                and id(statement.prim.key) in _CONTAINER_READERS
            )
            for operand in statement.operands():
                if isinstance(operand, ir.Var) and not reader:
                    found.add(operand.name)
                elif (
                    isinstance(operand, ir.Static)
                    and reader
                    and isinstance(operand.node, cst.Name)
                ):
                    nodes = [n for n in nodes if n is not operand.node]
        for node in nodes:
            found.update(target_names(node))
    return found
