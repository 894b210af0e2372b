"""Which values a user function makes new, read from its source.

A value is new when no part of it is an argument of the function or
shares memory with one: arithmetic, numpy functions that make new arrays,
literals, containers of such values, local names only ever given such
values (``_new_names``, a fixpoint over their assignments). ``purity.py``
reads a function's effects on top of this, with the writes into its
parameters that put only new values there (``_writes_new_into_param``,
``_grows_param``), counted for a parameter that holds its argument's
object or a new value wherever it is read (``_param_object``).

Invariant: ``_new`` is true only when no path through the function can make
the value hold, or be a view of, an argument (or a value a user function it
calls may return of its arguments, as ``_user_returns_new`` tells).
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.normal.control_facts import assigned_names, names_bound
from adcompile._src.normal.parts import binding_counts, container_path
from adcompile._src.normal.views import viewed_name
from adcompile._src.normal.vocabulary import (
    NEW_ARRAY_FUNCTIONS,
    NEW_VALUE_BUILTINS,
    NEW_VALUE_METHODS,
    NONDIFF_ATTRIBUTES,
    VIEW_FREE_SHAPES,
    is_numpy_callable,
    rule_of,
)
from adcompile._src.read.calls import python_callable
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import (
    bound_names,
    chain_base,
    int_literal,
    resolve_callee,
)

# list methods that change a list without keeping anything else
_LIST_CHANGES = frozenset({"append", "extend", "insert", "pop", "clear", "reverse"})


# augmented assignments that put new values into their target (``+=`` on a
# list and ``|=`` on a set or dict put the other operand's items there)
_ARITHMETIC = (
    cst.SubtractAssign,
    cst.MultiplyAssign,
    cst.DivideAssign,
    cst.FloorDivideAssign,
    cst.ModuloAssign,
    cst.PowerAssign,
    cst.MatrixMultiplyAssign,
)


class NewValues:
    """Mixed into purity's reading of one function body."""

    source: FunctionSource
    body: cst.BaseSuite
    params: set[str]
    new_names: set[str]
    # each local name (parameters too) -> the values its bindings give it
    # (None: a loop target), as ``_new_names`` collects them
    bindings: dict[str, list[cst.BaseExpression | None]]
    rebound: set[str] | None  # (computed on first use)
    parts: dict[str, str] | None  # (_part_of_param)
    assigned: dict[int, cst.BaseExpression] | None

    def _nodes(self) -> list[cst.CSTNode]:
        raise NotImplementedError

    def _local_definitions(self) -> dict[str, cst.FunctionDef | cst.Lambda]:
        raise NotImplementedError

    def _user_returns_new(self, callee: object) -> bool:
        raise NotImplementedError

    def _nested_returns_new(self, definition: cst.FunctionDef) -> bool:
        raise NotImplementedError

    def _new_names(self) -> set[str]:
        """Local names only ever given new values (a fixpoint over their
        assignments; loop targets, parameters and names written otherwise
        are not)."""
        values: dict[str, list[cst.BaseExpression | None]] = {}

        class Collect(cst.CSTVisitor):
            def visit_AugAssign(self, node: cst.AugAssign) -> None:
                if isinstance(node.target, cst.Name):  # y += v may join
                    value = node.value  # what v holds; y *= n repeats what y
                    if isinstance(node.operator, _ARITHMETIC):  # holds
                        value = cst.Float("0.0")  # keeps y's object, or a number
                    values.setdefault(node.target.value, []).append(value)

            def visit_Call(self, node: cst.Call) -> None:
                func = node.func  # items.append(v): items holds v now
                if (
                    isinstance(func, cst.Attribute)
                    and isinstance(func.value, cst.Name)
                    and func.attr.value in ("append", "extend", "insert")
                ):
                    for arg in node.args:
                        values.setdefault(func.value.value, []).append(arg.value)

            def visit_For(self, node: cst.For) -> None:
                for name in assigned_names([node.target]):
                    values.setdefault(name, []).append(None)

            def visit_Assign(self, node: cst.Assign) -> None:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        values.setdefault(target.target.value, []).append(node.value)
                    elif isinstance(target.target, cst.Subscript):  # y[i] = v
                        base = target.target.value  # y holds v (a list would)
                        if isinstance(base, cst.Name):
                            values.setdefault(base.value, []).append(node.value)
                    else:  # a, b = value: each a part of a new value or not
                        for name in assigned_names([target]):
                            values.setdefault(name, []).append(node.value)

        self.body.visit(Collect())
        self.bindings = values
        inner_params = {  # of functions defined in the body: their arguments
            p.name.value
            for node in self._nodes()
            if isinstance(node, cst.Parameters)
            for p in (*node.posonly_params, *node.params, *node.kwonly_params)
            + (node.star_arg, node.star_kwarg)
            if isinstance(p, cst.Param)
        }
        candidates = {n for n in values if n not in self.params | inner_params}
        self.new_names = candidates
        while True:
            new = {
                n
                for n in candidates
                if all(v is not None and self._new(v) for v in values[n])
            }
            if new == self.new_names:
                return new
            self.new_names = new

    def _new(self, node: cst.BaseExpression) -> bool:
        """No part of this value is an argument or shares memory with one."""
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)):
            return True
        if isinstance(node, cst.Name):
            return node.value in self.new_names or node.value in (
                "None",
                "True",
                "False",
            )
        if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation)):
            operands = (
                [node.left, node.right]
                if isinstance(node, cst.BinaryOperation)
                else [node.expression]
            )
            return not any(  # list + list joins what they hold
                isinstance(o, (cst.List, cst.Tuple, cst.ListComp)) for o in operands
            )
        if isinstance(node, (cst.Comparison, cst.BooleanOperation)):
            return isinstance(node, cst.Comparison)
        if isinstance(node, (cst.Tuple, cst.List)):
            return all(
                not isinstance(e, cst.StarredElement) and self._new(e.value)
                for e in node.elements
            )
        if isinstance(node, cst.Dict):  # (out = {} then out["w"] = v)
            return all(
                isinstance(e, cst.DictElement) and self._new(e.value)
                for e in node.elements
            )
        if isinstance(node, cst.IfExp):
            return self._new(node.body) and self._new(node.orelse)
        if isinstance(node, cst.ListComp):  # a new list of new values
            return self._new(node.elt)
        if isinstance(node, cst.DictComp):
            return self._new(node.value)
        if isinstance(node, cst.Attribute):
            return node.attr.value in NONDIFF_ATTRIBUTES
        if isinstance(node, cst.Subscript):
            return self._own(node.value) and self._new(node.value)
        if isinstance(node, cst.Call):
            return self._call_new(node)
        return False

    def _call_new(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Name) and func.value in self._local_definitions():
            definition = self._local_definitions()[func.value]
            if isinstance(definition, cst.Lambda):
                return self._new(definition.body)
            return self._nested_returns_new(definition)
        callee = resolve_callee(self.source, func, {}, strict=False)
        if isinstance(func, cst.Attribute) and callee is None:
            return func.attr.value in NEW_VALUE_METHODS  # x.copy(), x.sum()
        if callee is None:
            return False
        if python_callable(callee):
            return self._user_returns_new(callee)
        if callee in NEW_VALUE_BUILTINS:
            return True
        if getattr(callee, "__module__", None) == "math":
            return True
        if id(callee) in NEW_ARRAY_FUNCTIONS:
            return True
        prim = rule_of(callee)
        return prim is not None and prim.shape in VIEW_FREE_SHAPES

    def _own(self, node: cst.BaseExpression) -> bool:
        """A local value the function made itself (writing into it changes
        nothing the caller sees)."""
        return isinstance(node, cst.Name) and node.value in self.new_names

    def _array_made(self, node: cst.BaseExpression) -> bool:
        """A new array (or number) made right there: a float, a numpy
        function that makes a new array, arithmetic with one of those
        (``+`` and ``*`` of anything else may join or repeat tuples)."""
        if isinstance(node, cst.Float):
            return True
        if isinstance(node, cst.UnaryOperation):
            return self._array_made(node.expression)
        if isinstance(node, cst.BinaryOperation):
            sides = (self._array_made(node.left), self._array_made(node.right))
            joins = isinstance(node.operator, (cst.Add, cst.Multiply))
            return (
                any(sides)
                or not joins
                and not any(
                    isinstance(side, (cst.Tuple, cst.List))
                    for side in (node.left, node.right)
                )
            )
        if not isinstance(node, cst.Call):
            return False
        callee = resolve_callee(self.source, node.func, {}, strict=False)
        prim = rule_of(callee) if is_numpy_callable(callee) else None
        return prim is not None and prim.shape in VIEW_FREE_SHAPES

    def _param_object(self, name: str) -> bool:
        """Whether parameter ``name`` holds its argument's object or a new
        value wherever the body reads it: every binding of the name gives it
        a new value (none makes it another argument, or a view of one)."""
        if self.rebound is None:
            other = (cst.AnnAssign, cst.NamedExpr, cst.AsName, cst.For)
            self.rebound = names_bound(
                [n for n in self._nodes() if isinstance(n, other)]
            )
        values = self.bindings.get(name, [])
        return name not in self.rebound and all(
            v is not None and self._new(v) for v in values
        )

    def _writes_new_into_param(self, node: cst.CSTNode) -> bool:
        """``z[i] = v``, ``z.a = v`` or ``z op= v`` with ``z`` a parameter
        holding its argument's object (``_param_object``) and ``v`` new: a
        write ``written`` names, which keeps no reference to anything. So is
        ``z[i] op= v`` whatever ``v`` is: it stores the item's own new value
        (an array's values, a number), or changes the item in place, which
        a caller that sees the write refuses for a list, tuple or dict
        (``array_given``, ``item_writes``)."""
        if self.assigned is None:
            self.assigned = {
                id(target): node.value
                for node in self._nodes()
                if isinstance(node, cst.Assign)
                for target in node.targets
            }
        if isinstance(node, cst.AugAssign):
            target, value = node.target, node.value
        elif isinstance(node, cst.AssignTarget) and id(node) in self.assigned:
            target, value = node.target, self.assigned[id(node)]
        else:
            return False
        item = isinstance(node, cst.AugAssign) and not isinstance(target, cst.Name)
        item = (
            item
            or isinstance(node, cst.AugAssign)
            and isinstance(node.operator, _ARITHMETIC)
        )  # (z *= v, z -= v: new values; a list's z += v holds v's items)
        target, _ = chain_base(target)
        return (
            isinstance(target, cst.Name)
            and (
                target.value in self.params
                and self._param_object(target.value)
                or self._part_of_param(target.value) is not None
            )
            and (item or self._new(value))
        )

    def _part_of_param(self, name: str) -> str | None:
        """The parameter whose argument holds the object of the local
        ``name`` wherever the body reads it, or None: ``name`` is bound once
        (an augmented assignment aside, which changes an array in place or
        rebinds a number), by ``name = z[k]`` with constant keys, by a view
        ``name = z[1:]`` (``_sliced``) or by unpacking ``z`` (``u, (v, s) =
        z``), where ``z`` is a parameter
        holding its argument's object (``_param_object``). A write through
        ``name`` is one into that argument."""
        if self.parts is None:
            self.parts = self._parts_of_params()
        return self.parts.get(name)

    def _parts_of_params(self) -> dict[str, str]:
        counts = binding_counts(self._nodes())
        given = {  # (each name bound to a parameter's part by constant keys,
            name: path[0]  # or to a view of it by constant slices)
            for node in self._nodes()
            if isinstance(node, cst.Assign)
            and (path := container_path(node.value) or _sliced(node.value)) is not None
            for target in node.targets
            for name in bound_names(target.target)
        }
        return {
            name: param
            for name, param in given.items()
            if counts[name] == 1
            and name not in self.params
            and param in self.params
            and self._param_object(param)
        }

    def _grows_param(self, call: cst.Call) -> bool:
        """``z.append(np.tanh(v))``, ``z.pop()``: a list method on a
        parameter holding its argument's object that puts into it only
        arrays made right there (no name of the function holds them)."""
        func = call.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _LIST_CHANGES
            and isinstance(func.value, cst.Name)
            and func.value.value in self.params
            and self._param_object(func.value.value)
            and all(
                not a.star
                and (isinstance(a.value, cst.Integer) or self._array_made(a.value))
                for a in call.args
            )
        )


def _sliced(value: cst.BaseExpression) -> tuple[str] | None:
    """``(z,)`` for ``z[1:]``, ``z[0:2, 1]``: a name indexed by constant
    slices (and integers), a view of an array ``z`` that a write through
    writes into ``z`` (of a list, a new list holding its items)."""
    base = viewed_name(value)  # (a slice in it; keys alone: ``container_path``)
    if base is None:
        return None
    assert isinstance(value, cst.Subscript)
    for element in value.slice:
        part = element.slice
        bounds = (
            [part.lower, part.upper, part.step]
            if isinstance(part, cst.Slice)
            else [part.value]
        )
        if any(b is not None and int_literal(b) is None for b in bounds):
            return None
    return (base,)
