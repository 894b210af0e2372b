"""Loops over values that carry a derivative, as loops over indices.

``for row in X`` is lowered as ``for i in range(len(X)): row = X[i]`` (and
likewise ``enumerate`` with or without a start, ``zip``, ``reversed``,
``enumerate(zip(...))``, and a dict's ``.items()`` and ``.values()``, by its
keys), so that each item's adjoint flows back into its sequence's. The
invariant: the loop ``_iteration`` returns runs over values that carry no
derivative, and its prologue reads each item from its sequence.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.control_facts import (
    assign_line,
    assigned_names,
    breaks_loop,
    free_name,
    is_range,
    item_line,
    iterated_names,
    names_in,
)
from adcompile._src.normal.parts import written_in_place
from adcompile._src.read.static_code import (
    is_numeric_literal,
    rename_locals,
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import COPY
from adcompile._src.syntax.templates import parenthesize, render


class IterationLowering:
    """Mixed into the Normalizer, with ControlFlowLowering (``_for``)."""

    def _dict_iteration(
        self, node: cst.For, iterable: cst.BaseExpression
    ) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, list] | None:
        """``for k, v in d.items()`` and ``for v in d.values()`` on a dict
        whose values carry a derivative: a loop over its keys (which carry
        none), each value read by key, so that its adjoint flows back into
        d's entry. None for other loops."""
        if not (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Attribute)
            and iterable.func.attr.value in ("items", "values")
            and not iterable.args
        ):
            return None
        mapping = iterable.func.value
        keys = rename_locals(  # (its keys: no derivative, when differentiated again)
            cst.parse_expression(f"list({render(mapping)}.keys())"), self.env
        )
        if iterable.func.attr.value == "values":
            key: cst.BaseExpression = cst.Name(
                free_name("key", self.names.taken | set(self.env))
            )
            value = node.target
        else:
            target = node.target
            if (
                not isinstance(target, (cst.Tuple, cst.List))
                or len(target.elements) != 2
            ):
                raise self._unsupported(target, "this loop target")
            key, value = (e.value for e in target.elements)
            if not isinstance(key, cst.Name):
                raise self._unsupported(key, "this loop target")
        assert isinstance(key, cst.Name)
        return key, keys, [item_line(value, mapping, key)]

    def _enumerated_zip(
        self, node: cst.For, function: object, sources: list[cst.BaseExpression]
    ) -> tuple[cst.BaseExpression, list[cst.BaseExpression], list] | None:
        """The counter, the item targets and the zipped sequences of
        ``for i, (a, b) in enumerate(zip(xs, ys))``; None for other loops."""
        if function is not enumerate or len(sources) != 1:
            return None
        (inner,) = sources
        target = node.target
        if not (
            isinstance(inner, cst.Call)
            and all(a.keyword is None and not a.star for a in inner.args)
            and resolve_callee(self.source, inner.func, self.env, strict=False) is zip
            and isinstance(target, cst.Tuple)
            and len(target.elements) == 2
            and isinstance(target.elements[1].value, cst.Tuple)
        ):
            return None
        zipped = [a.value for a in inner.args]
        items = [e.value for e in target.elements[1].value.elements]
        if len(items) != len(zipped) or any(isinstance(z, cst.Call) for z in zipped):
            return None
        return target.elements[0].value, items, zipped

    def _target_stored(self, node: cst.For) -> cst.For | None:
        """``for x[0] in xs: body`` (a target that stores into an item or
        attribute, which each trip writes into) as ``for item in xs: x[0] =
        item; body``, an assignment lowered as any other (in a tuple target,
        each such part: ``for i, item in enumerate(xs)``); None for a loop
        over names."""
        if not _stores_into_parts(node.target):
            return None
        stores: list[cst.BaseSmallStatement] = []

        def named(target: cst.BaseExpression) -> cst.BaseExpression:
            if isinstance(target, (cst.Tuple, cst.List)):
                elements = [
                    e.with_changes(value=named(e.value)) for e in target.elements
                ]
                return target.with_changes(elements=elements)
            if not isinstance(target, (cst.Subscript, cst.Attribute)):
                return target
            item = cst.Name(self.names.fresh("item"))
            store = cst.Assign([cst.AssignTarget(target)], item)
            self.source.moved(store, target)
            stores.append(store)
            return item

        renamed = named(node.target)
        self.source.moved(renamed, node.target)
        line = cst.SimpleStatementLine(stores)
        self.source.moved(line, node.target)
        body = node.body.with_changes(body=[line, *node.body.body])
        rebuilt = node.with_changes(target=renamed, body=body)
        self.source.moved(rebuilt, node)
        return rebuilt

    def _iteration(
        self, node: cst.For
    ) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, list]:
        """Loops over values that carry a derivative become loops over indices.

        ``for row in X`` is lowered as ``for i in range(len(X)): row = X[i]``
        (likewise ``enumerate``, ``zip`` and ``reversed``), so each row's
        adjoint flows back into X's. A call in the iterable that changes a
        value in place is lowered first (``_writing_calls_lowered``).
        """
        iterable = self._writing_calls_lowered(node.iter, named=True)
        if not self._is_varied(iterable) and not self._written_as_iterated(node):
            return node.target, rename_locals(iterable, self.env), []
        index = free_name("i", self.names.taken)
        rebound = names_in(iterable) & assigned_names(list(node.body.body))
        if rebound:
            # the body rebinds what the loop runs over: Python iterates over
            # the objects the names had when the loop started
            renames = {name: self._snapshot(name) for name in sorted(rebound)}
            iterable = rename_locals(iterable, renames)
        by_key = self._dict_iteration(node, iterable)
        if by_key is not None:
            return by_key
        call = iterable if isinstance(iterable, cst.Call) else None
        function = (
            resolve_callee(self.source, call.func, self.env, strict=False)
            if call is not None
            else None
        )
        sources = [a.value for a in call.args] if call is not None else []
        strict = None
        if function is zip and call is not None:
            strict = self._zip_strict(node, call)
            sources = [a.value for a in call.args if a.keyword is None]
        zipped = self._enumerated_zip(node, function, sources)
        if zipped is not None:  # for i, (a, b) in enumerate(zip(xs, ys))
            counter, items, sequences = zipped
            sequences = [self._evaluated_once(s) for s in sequences]
            length, lines = self._zipped(items, sequences, index)
            return self._index_loop(
                index, length, [assign_line(counter, cst.Name(index))] + lines
            )
        sources = [self._evaluated_once(s) for s in sources]
        if call is None and not _reads_an_object(iterable):
            iterable = self._evaluated_once(iterable)
        start: cst.BaseExpression | None = None  # enumerate(xs, start)
        if function is enumerate and call is not None and len(call.args) == 2:
            second = call.args[1]
            if second.keyword is None or second.keyword.value == "start":
                start, sources = second.value, sources[:1]
        nested = [s for s in sources if isinstance(s, cst.Call)]
        keywords = [a for a in call.args if a.keyword is not None] if call else []
        if function is zip:
            keywords = []  # strict=: _zip_strict
        if function in (enumerate, zip, reversed) and (
            nested
            or (keywords and start is None)
            or (function is enumerate and len(sources) != 1)
            or (start is not None and self._is_varied(start))
        ):
            raise UnsupportedSyntax(
                f"a loop over {function.__name__}(...) with keywords or a nested "
                "call, on values the gradient depends on",
                "loop over indices: for i in range(len(xs)): x = xs[i]",
                self.source.location(iterable),
            )
        if function is enumerate and len(sources) == 1:
            (sequence,) = sources
            if not isinstance(node.target, cst.Tuple) or len(node.target.elements) != 2:
                raise self._unsupported(node.target, "this loop target")
            counter, item = (e.value for e in node.target.elements)
            length = f"len({self.source.code(sequence)})"
            count: cst.BaseExpression = cst.Name(index)
            if start is not None:
                count = cst.BinaryOperation(count, cst.Add(), parenthesize(start))
            prologue = [assign_line(counter, count), item_line(item, sequence, index)]
        elif function is zip and sources:
            if not isinstance(node.target, cst.Tuple) or len(
                node.target.elements
            ) != len(sources):
                raise self._unsupported(node.target, "this loop target")
            items = [e.value for e in node.target.elements]
            length, prologue = self._zipped(items, sources, index, strict)
        elif function is reversed and len(sources) == 1:
            (sequence,) = sources
            code = self.source.code(sequence)
            length = f"len({code})"
            reverse_index = cst.parse_expression(f"len({code}) - 1 - {index}")
            prologue = [item_line(node.target, sequence, reverse_index)]
        else:
            length = f"len({self.source.code(iterable)})"
            prologue = [item_line(node.target, iterable, index)]
        return self._index_loop(index, length, prologue)

    def _written_as_iterated(self, node: cst.For) -> bool:
        """Whether the body of a loop over objects (``for e in x``, ``zip(x,
        y)``) may write into one of them in place (through its name, or one
        holding the same value): Python reads each item when its trip
        starts, so an item the body changed before is read changed.
        Such a loop reads its items by index on each trip, as one over
        values carrying a derivative does, not from a list made first."""
        iterated = {self.env.get(n) for n in iterated_names(node.iter)} - {None}
        if not iterated:
            return False
        body = list(node.body.body)
        written = set().union(*(written_in_place(s) for s in body))
        written |= self._written_by_calls(body)
        return bool({self.env.get(n) for n in written} & iterated)

    def _evaluated_once(self, source: cst.BaseExpression) -> cst.BaseExpression:
        """A sequence the loop runs over that the iterable computes (``x *
        2.0`` of ``zip(x, x * 2.0)``), computed once before the loop, as
        Python does, into a variable of its own: read on each trip, the
        expression would see what the body writes into ``x``. Names, their
        items and attributes (and calls, which are refused or lowered
        first) are read on each trip: Python runs over their objects, and
        sees such writes too."""
        if (
            _reads_an_object(source)
            or isinstance(source, cst.Call)
            or is_numeric_literal(source)
        ):
            return source
        name = self.names.fresh("sequence")
        self._assign([cst.Name(name)], source)
        return cst.Name(name)

    def _snapshot(self, name: str) -> str:
        """A new name for the value ``name`` holds now, in a variable of its
        own that no statement of the loop writes (the loop rebinds ``name``);
        the value itself is shared, not copied."""
        alias = free_name(f"{name}_at_start", self.names.taken | set(self.env))
        operand = self._lower(cst.Name(name))
        target = self._new_ssa(alias)
        if isinstance(operand, ir.Var):
            self._apply(registry.lookup(COPY), [operand], {}, None, target=target)
        else:
            self.body.append(ir.Assign(target, operand, self.origin))
            self.varied.discard(target)
            self._set_shape(target, ("value", target))
        # the loop reads its items from the alias on every trip: it sees
        # the object's memory, and is read later until the loop ends
        if isinstance(operand, ir.Var):
            self._same_object(operand.name, target)
        else:
            self._share([operand], holder=target)
        self.loop_snapshots.append(alias)
        self.fresh.discard(target)
        return alias

    def _saved_iterable(self, iterable: cst.BaseExpression) -> cst.BaseExpression:
        """A loop's iterable evaluated once, before the loop, into a variable
        of its own (a range, or a new list of the items), which the loop and
        the backward sweep both read. Invariant: a loop reads its iterable
        again (the backward sweep runs it reversed) only where it is a range
        whose names no statement of the loop assigns and no statement of the
        function changes in place (``L.pop()`` after the loop changes the
        ``len(L)`` a range reads)."""
        name = self.names.fresh("iterable")
        value = cst.parse_expression(f"list({render(iterable)})")
        if is_range(iterable):
            value = iterable
        else:  # a new list of the items (or of the values they see)
            self._share([ir.Static(value)], holder=name, item=True)
        self.body.append(ir.Assign(name, ir.Static(value), self.origin))
        return cst.Name(name)

    def _zipped(
        self,
        items: list[cst.BaseExpression],
        sequences: list,
        index: str,
        strict: bool | None = None,
    ) -> tuple[str, list[cst.BaseStatement]]:
        """The trip count and the item lines of a loop over ``zip(sequences)``;
        with ``strict``, a count that raises zip's own ValueError where the
        lengths differ (before the loop: ``_zip_strict`` saw it cannot break)."""
        lengths = ", ".join(f"len({self.source.code(s)})" for s in sequences)
        lines = [
            item_line(item, sequence, index)
            for item, sequence in zip(items, sequences, strict=True)
        ]
        if strict:
            ranges = ", ".join(f"range(len({self.source.code(s)}))" for s in sequences)
            return f"len(list(zip({ranges}, strict=True)))", lines
        return f"min({lengths})", lines

    def _zip_strict(self, node: cst.For, call: cst.Call) -> bool | None:
        """The value of ``strict=`` in ``for ... in zip(..., strict=...)``: a
        constant, in a loop that runs to its end (or the lengths would be
        checked where Python stops early without checking); refused else."""
        keywords = [a for a in call.args if a.keyword is not None]
        if not keywords:
            return None
        value = keywords[0].value
        constant = isinstance(value, cst.Name) and value.value in ("True", "False")
        if len(keywords) > 1 or keywords[0].keyword.value != "strict" or not constant:
            raise UnsupportedSyntax(
                "a loop over zip(...) with keywords other than strict=True or "
                "strict=False, on values the gradient depends on",
                "loop over indices: for i in range(len(xs)): x = xs[i]",
                self.source.location(call),
            )
        if value.value == "True" and breaks_loop(list(node.body.body)):
            raise UnsupportedSyntax(
                "zip(..., strict=True) in a loop that may stop early (a break or "
                "a return): adcompile checks the lengths before the loop, Python "
                "only if it runs to the end",
                "check the lengths yourself where the loop ends, or drop "
                "strict=True",
                self.source.location(call),
            )
        return value.value == "True"

    def _index_loop(
        self, index: str, length: str, prologue: list
    ) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, list]:
        """``for index in range(length):`` with ``prologue`` first in its body."""
        range_call = rename_locals(cst.parse_expression(f"range({length})"), self.env)
        return cst.Name(index), range_call, prologue


def _stores_into_parts(target: cst.BaseExpression) -> bool:
    """A loop target that stores into an item or attribute (``for x[0] in
    ...``, ``for i, self.w in ...``): each trip writes into that object."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_stores_into_parts(e.value) for e in target.elements)
    if isinstance(target, cst.StarredElement):
        return _stores_into_parts(target.value)
    return isinstance(target, (cst.Subscript, cst.Attribute))


def _reads_an_object(node: cst.BaseExpression) -> bool:
    """``xs``, ``xs[1:]``, ``p["w"]``, ``q.w``: an object (or a view) the
    loop runs over as it is, not a value computed from one."""
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return isinstance(node, cst.Name)
