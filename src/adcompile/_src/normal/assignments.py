"""Lowering of unpacking and augmented assignments.

``a, b = b, a + b`` reads every right-hand value before any name changes
(snapshots where a loop variable is overwritten); ``a, b = f(x)`` indexes
the result. ``x += v`` becomes ``x = x + v``, allowed on arrays no other
name read later can see (numpy updates arrays in place), and on numbers:
where another name may see x, ``shared_update`` checks as the code runs
that x is a number, which ``+=`` does not change, or that none of the names
read later that may see x does. ``y[i] += v`` becomes an item assignment.
"""

from __future__ import annotations

import operator

import libcst as cst

from adcompile._src.errors import AdcompileError, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.control_facts import free_name
from adcompile._src.normal.lower import index_expression, load_names
from adcompile._src.normal.parts import container_path, field_read
from adcompile._src.normal.values import (
    creates_new_value,
    keeps_nothing,
    may_hold_operands,
)
from adcompile._src.normal.vocabulary import BINARY
from adcompile._src.read.static_code import rename_locals
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import COPY
from adcompile._src.rules.registry import SCALAR
from adcompile._src.syntax.templates import string_literal
from adcompile._src.syntax.tree import walk

AUGMENTED = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide,
    cst.PowerAssign: cst.Power,
    cst.MatrixMultiplyAssign: cst.MatrixMultiply,
    cst.ModuloAssign: cst.Modulo,
    cst.FloorDivideAssign: cst.FloorDivide,
}


class AssignmentLowering:
    """The part of ``Normalizer`` that lowers unpacking and ``x op= v``."""

    def _unpack(self, target: cst.Tuple | cst.List, value: cst.BaseExpression):
        names = [e.value for e in target.elements]
        if any(isinstance(e, cst.StarredElement) for e in target.elements):
            raise self._unsupported(target, "starred unpacking")
        if all(isinstance(n, (cst.Name, cst.Tuple, cst.List)) for n in names) and any(
            isinstance(n, (cst.Tuple, cst.List)) for n in names
        ):
            # (a, b), c = value: the value once, then each part from it
            whole = free_name("unpacked", self.names.taken | set(self.env))
            self._assign([cst.Name(whole)], value)
            for position, part in enumerate(names):
                element = cst.SubscriptElement(cst.Index(cst.Integer(str(position))))
                self._assign([part], cst.Subscript(cst.Name(whole), [element]))
            self.env.pop(whole, None)  # (no name of the user's holds the value:
            for name, (root, _) in list(self.part_paths.items()):  # a write into
                if root == whole:  # a part rebuilds no container, parts.py)
                    del self.part_paths[name]
            return None
        if not all(isinstance(n, cst.Name) for n in names):
            raise self._unsupported(target, "nested unpacking")
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(
            names
        ):
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                raise self._unsupported(value, "starred elements")
            operands = []
            targets = {n.value for n in names}
            read = [load_names(e) for e in value.elements]
            for position, (name, element) in enumerate(
                zip(names, value.elements, strict=True)
            ):
                others = set().union(*(r for i, r in enumerate(read) if i != position))
                read_elsewhere = bool(targets & others)  # a, b = b, a + b
                if read_elsewhere or isinstance(element.value, cst.Name):
                    operands.append((name.value, self._lower(element.value)))
                else:  # safe to give the value its user name right away
                    self._lower_into(element.value, name.value)
            written = {self.pinned[n] for n, _ in operands if n in self.pinned}
            for position, (name, operand) in enumerate(operands):
                if isinstance(operand, ir.Var) and operand.name in written:
                    # a, b = b, a on a loop's variables: read b before a changes
                    snapshot = self.names.fresh(f"old_{operand.name}")
                    if operand.name in self.varied:
                        copy = registry.lookup(COPY)
                        self._apply(copy, [operand], {}, None, target=snapshot)
                    else:
                        static = ir.Static(cst.Name(operand.name))
                        self.body.append(ir.Assign(snapshot, static, self.origin))
                    operands[position] = (name, ir.Var(snapshot))
            for name, operand in operands:
                self._bind_alias(name, operand)
            return None
        if not self._is_varied(value):
            self._unpack_static(value, [n.value for n in names])
            return None
        whole = self._lower(value)
        for position, name in enumerate(names):
            element = cst.Integer(str(position))
            target = self._new_ssa(name.value)
            self._apply(
                registry.lookup(operator.getitem),
                [whole],
                {},
                name.value,
                node=value,
                index=element,
                target=target,
            )
            self._record_part(name.value, value, position)  # (parts.py)
        return None

    def _guard_update(
        self,
        current: str,
        checks: tuple[list[tuple[str, str]], list[str]] | None,
        index: cst.BaseExpression | None = None,
    ) -> None:
        """``shared_update(x, (a, b), "statement", "'a', 'b'")`` before an
        update in place of x that other names may see, run for its effect (a
        check as the code runs, kept even where the updated value is never
        read): ``a``, ``b`` hold the values of those read later (see
        ``_checkable_observers``, which gives the arrays x was before too);
        with ``checks`` None (code that may keep x has seen it, or not all
        of them can be read here), x must be a number. ``index``: an item
        write's, whose part of x alone is checked; without one, x shares no
        memory with the names read later once the check has passed, and
        leaves the graph of who sees what."""
        code = string_literal(self.origin.code)
        if checks is None:
            text = f"shared_update({current}, None, {code})"
        else:
            others, before = checks
            held = ", ".join(variable for variable, _ in others)
            names = ", ".join(who for _, who in others)
            text = (
                f"shared_update({current}, ({held},), {code}, {string_literal(names)}"
            )
            if index is not None or before:  # only x[index] is written
                where = "None" if index is None else cst.Module([]).code_for_node(index)
                text += f", {where}"
            if before:  # arrays x was, which names read before see
                text += f", ({', '.join(before)},)"
            text += ")"
        call = cst.parse_expression(text)
        self.body.append(ir.Effect(cst.Expr(call), self.origin))
        if checks is not None and index is None:
            # past the check, no name read later shares x's memory at all:
            # none of them will see its later updates either
            self._forget(current)

    def _share_static(
        self, value: cst.BaseExpression, static: ir.Static, targets: list[str]
    ) -> bool:
        """What names given ``value`` run as written (it carries no
        derivative) see: what it reads (an item of it, for a subscript), or
        nothing they are not given to hold (a new value; a new list or dict
        still holds its items). True for a new value."""
        new = creates_new_value(value, self.source)
        if new and not may_hold_operands(value):
            return True
        keeps = not new and not keeps_nothing(value, self.source)
        item = not new and (
            isinstance(value, cst.Subscript) or field_read(value) is not None
        )
        for target in targets:
            self._share([static], holder=None if keeps else target, item=item)
        return new

    def _part_or_shared(
        self,
        target: str,
        static: ir.Static,
        value: cst.BaseExpression,
        unpacked: bool = False,
    ) -> None:
        """``target``, given ``value`` as written (not a new value), is an
        item, a view or what a call that keeps nothing returned of the
        values ``value`` reads (``unpacked``: one of its items): fresh if
        they all are (``_part_of``) and none is a parameter's object, else
        not. (The caller's objects stay
        refused: a check as the code runs compares memory with what the
        parameter holds then, and a list the item was popped from no longer
        holds it; an item read by constant keys, ``u, v = pair``, is fresh:
        its container, which sees it, follows a write, ``parts.py``.)"""
        roots = self._roots([static]) - {target}
        if (
            roots
            and roots <= self.fresh
            and not self.updating_in_place
            and (
                all(self._parameter_root(r) is None for r in roots)
                or unpacked  # (an item read: the caller sees it, through
                or (container_path(value) or ("", ()))[1] != ()  # its
            )  # container: parts.py)
        ):
            self._part_of(target, roots, isinstance(value, cst.Subscript))
        else:
            self.fresh.discard(target)

    def _unpack_static(self, value: cst.BaseExpression, names: list[str]) -> None:
        """``a, b = value`` run as written, its value carrying no derivative.
        Each name sees the memory of what ``value`` reads (it may be one of
        those objects, or an item of one), or, for a new value (a call of a
        function that returns new values), is the function's own: fresh, and
        seen by the other names, since two items of one result may still
        share memory (``return y, y``)."""
        static = self._static(value)
        targets = [self._new_ssa(name) for name in names]
        new = self._share_static(value, static, targets)
        self.body.append(ir.Assign(", ".join(targets), static, self.origin))
        for position, target in enumerate(targets):
            self.varied.discard(target)
            self._set_shape(target, ("value", target))
            if new:
                self._part_of(target, set(targets))
            else:
                self._part_or_shared(target, static, value, unpacked=True)
            self._record_part(names[position], value, position)  # (parts.py)

    def _augmented(self, node: cst.AugAssign) -> None:
        target = node.target
        operator_type = AUGMENTED.get(type(node.operator))
        if operator_type is None:
            raise self._unsupported(node, "this augmented assignment")
        if isinstance(target, cst.Subscript):
            if self._item_held_by_reference(target):
                self._item_update(node, target)
                return
            self._check_copied_item(target)
            value = cst.BinaryOperation(target, operator_type(), node.value)
            self._setitem(target, value)  # y[i] += v: y[i] = y[i] + v
            return
        if not isinstance(target, cst.Name):
            self._check_target(target)
            raise self._unsupported(target, "augmented assignment to this target")
        name = target.value
        current = self.env.get(name)
        if current is None:
            raise self._unsupported(target, f"'{name}' used before assignment:")
        varied = self._is_varied(target) or self._is_varied(node.value)
        if varied and self._write_through_view(
            name, node, lambda: self._augmented(node)
        ):
            return  # (views.py)
        why = self._not_writable(current, name)
        if why is not None and self.shapes.get(current) == SCALAR:
            why = None  # a number: `x += v` is `x = x + v`
        rebuilt = None
        if why is not None and varied:
            rebuilt = self._rebuilds_whole(current, name)
        if rebuilt is not None:  # an item of a container, which follows
            self.rebuilt_after[current] = (name, True)  # (v += e: a number?)
            if rebuilt[0]:  # (parts.py)
                self._guard_update(current, rebuilt)
            why = None
        if why is not None and (self._is_varied(target) or self._is_varied(node.value)):
            # another name may see x: right if x is a number (which += does
            # not change), or if, as the code runs, none of the names read
            # later that may see x does; refused as the code runs if not
            checks = self._checkable_observers(current, name)
            self._guard_update(current, checks)
            if checks is None:  # a number as it runs: a new value
                value = self._lower(node.value)
                key = BINARY[operator_type]
                self._apply(
                    registry.lookup(key), [ir.Var(current), value], {}, name, node=node
                )
                return
            why = None  # an array no name read later sees: updated in place
        if why is not None and not varied and self._as_written(node, current, name):
            return  # (nothing varied: the names that see it see it change)
        if why is not None and not varied:  # (k += 1: right on a number,
            self._guard_update(current, None)  # which it rebinds; an array is
            why = None  # refused as the code runs)
        if why is not None:
            raise UnsupportedSyntax(
                f"augmented assignment to '{name}', which may share memory with "
                f"a parameter or another array{why}",
                "numpy updates arrays in place for +=, *=, ..., which would change "
                f"the other names' value too: write '{name} = {name} "
                f"{self.source.code(node.operator).strip()[:-1].strip()} ...'",
                self.source.location(node),
            )
        expression = cst.BinaryOperation(
            left=target, operator=operator_type(), right=node.value
        )
        self.updating_in_place = True
        try:
            self._lower_into(expression, name)
        finally:
            self.updating_in_place = False
        self._written(current, self.env[name])

    def _item_held_by_reference(self, target: cst.Subscript) -> bool:
        """``y[i] op= v`` where ``y`` may be a list, tuple or dict (one the
        function built, a user function's result, an item read from one,
        a loop or branch variable that started as one): the item is an
        object of its own, which numpy's ``op=`` changes in place when it is
        an array, and which other names may hold (``L = [x, w]``, ``L =
        list(ws)``, ``d["k"] = y``); not so for an array ``y``, whose item is
        its own memory (nor for a parameter, whose containers the caller
        gets back: ``write_back``). An index that calls nothing (it is read
        twice: ``_index_named`` computes it once)."""
        base = target.value
        if not isinstance(base, cst.Name) or base.value not in self.env:
            return False
        value = self.env[base.value]
        if value not in self.item_holders and value not in self.unknown_kinds:
            return False
        if any(
            isinstance(n, (cst.Call, cst.NamedExpr, cst.Lambda, cst.Yield, cst.Await))
            for e in target.slice
            for n in walk(e)
        ):
            raise UnsupportedSyntax(
                f"an update in place of an item of '{base.value}', which may be "
                "a list or dict, at an index that calls a function (read twice, "
                "it may differ)",
                f"name the index first (k = ...; {base.value}[k] op= v)",
                self.source.location(target),
            )
        return True

    def _check_copied_item(self, target: cst.Subscript) -> None:
        """``y[i] op= v`` on ``y = x.copy()``, which may be a list or dict
        copy holding x's arrays: checked as the code runs
        (``copied_item_update``)."""
        base = target.value
        if not isinstance(base, cst.Name):
            return
        if self.env.get(base.value) not in self.copies:
            return
        if not self._is_varied(target):
            return  # (run as written: the names that see it see it change)
        index = self._static(index_expression(target.slice, self.np_name)).node
        self._check_as_it_runs("copied_item_update", self.env[base.value], index)

    def _item_update(self, node: cst.AugAssign, target: cst.Subscript) -> None:
        """``y[i] op= v`` on a container: ``item = y[i]``, ``item op= v``
        (an update in place of that object, under every check of one:
        ``observers.py``, ``parts.py``), then ``y[i] = item``. ``y`` itself
        is no observer of the update, since the new item goes back into it;
        no other item of ``y`` may be the same array (``items_apart``, as
        the code runs)."""
        assert isinstance(target.value, cst.Name)
        container = self.env[target.value.value]
        target = self._index_named(target)
        item = cst.Name(self.names.fresh("item"))
        self._assign([item], target)
        index = self._static(index_expression(target.slice, self.np_name)).node
        self._check_as_it_runs(
            "items_apart", container, cst.Tuple([cst.Element(index)])
        )
        self.storing_back.add(container)
        update = node.with_changes(target=item)
        self.source.moved(update, node)
        try:
            try:
                self._augmented(update)
            finally:
                self.storing_back.discard(container)
            self._setitem(target, item)
        except AdcompileError as error:  # (at code written for the update)
            if error.location is None:
                error.location = self.source.location(node)
            raise

    def _index_named(self, target: cst.Subscript) -> cst.Subscript:
        """``y[k % 3]`` with each computed part of its index given a name
        of its own first (``index = k % 3``; ``y[index]``): the update reads
        the item and stores it back at the index Python computes once."""
        elements = []
        for element in target.slice:
            index = element.slice
            if isinstance(index, cst.Index) and not _plain_part(index.value):
                index = index.with_changes(value=self._named_part(index.value))
            elif isinstance(index, cst.Slice):
                index = index.with_changes(
                    **{
                        side: self._named_part(part)
                        for side in ("lower", "upper", "step")
                        if not _plain_part(part := getattr(index, side))
                    }
                )
            elements.append(element.with_changes(slice=index))
        named = target.with_changes(slice=elements)
        self.source.moved(named, target)
        return named

    def _named_part(self, part: cst.BaseExpression) -> cst.Name:
        name = cst.Name(self.names.fresh("index"))
        self._assign([name], part)
        return name

    def _as_written(self, node: cst.AugAssign, current: str, name: str) -> bool:
        """``v *= 0.5`` on values that carry no derivative, where other names
        may see v (``v = y[0:2]``, the caller through a parameter y): run as
        written, if no code that may keep v has seen it and every name read
        later that may see it can be read here and carries no derivative
        either. The statement changes them all (``Effect.mutates``): the
        backward sweep reads copies of their values from before it (and of
        what rules read of them, ``_state_now``: ``written_anywhere`` counts
        ``v *= 0.5``)."""
        observers = self._seen_as_written(current, name)
        if observers is None:
            return False
        mutates = tuple(sorted({current, *observers}))
        self.has_control_flow = True
        statement = rename_locals(node, self.env)
        self.body.append(ir.Effect(statement, self.origin, mutates))
        return True

    def _seen_as_written(self, current: str, name: str) -> list[str] | None:
        """The variables of the names read later that may see ``current``'s
        memory (the value of ``name``), where a change of it in place, run
        as written, is seen by each as in Python: no code that may keep it
        has seen it, and each can be read here and carries no derivative (a
        value made new as the derivative runs, ``y_1 = with_item(y, ...)``
        standing for ``y``, would not see it); None otherwise. The caller's
        object changes as in f, while the array the caller gets back at the
        end is the one seen (not one an update lowered to a new value made
        since: ``s = M[0]``, ``M[1] = v``, then ``s *= 0.5``)."""
        if current in self.shared_at:  # (code that may keep it has seen it)
            return None
        observers: list[str] = []
        for who, _, variable in self._observers(current, name):
            if variable is None and who != "the caller":
                return None  # (a name not bound on every path here)
            if who == "the caller" and variable is not None:
                root = self._parameter_root(variable)
                if self.written_params.get(root or "", variable) != variable:
                    return None  # (written back from a newer array)
            if variable is not None:
                if variable in self.varied:
                    return None
                observers.append(variable)
        return observers

    def _check_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                if isinstance(element, cst.StarredElement):
                    raise self._unsupported(element, "starred unpacking")
                self._check_target(element.value)
            return
        if isinstance(target, cst.Subscript):
            raise UnsupportedSyntax(
                "assignment into part of an array (x[...] = ...) cannot be "
                "differentiated yet",
                "build the array with np.where, np.concatenate or np.stack instead",
                self.source.location(target),
            )
        if isinstance(target, cst.Attribute):
            raise UnsupportedSyntax(
                f"assignment to an attribute ({self.source.code(target)} = ...) "
                "cannot be differentiated: derivative code never writes into "
                "the objects it is given",
                "assign the new value to a local variable and use (or return) "
                "that; update the object outside the function being "
                "differentiated",
                self.source.location(target),
            )


def _plain_part(part: cst.BaseExpression | None) -> bool:
    """A part of an index that is a name or a constant (``i``, ``"w"``,
    ``-1``), or absent (``1:``)."""
    return (
        part is None
        or isinstance(part, (cst.Name, cst.Integer, cst.SimpleString))
        or isinstance(part, cst.UnaryOperation)
        and isinstance(part.expression, cst.Integer)
    )
