"""Lowering in-place updates: ``y[i] = v``, ``y[a:b] += v``, ``y *= 2``.

Invariant: an in-place update becomes a new value (``y_1 = with_item(y, i,
v)``, ``y_1 = y * 2``), which the backward sweep reverses without saving
anything, and later reads of ``y`` see ``y_1``. This is only right when no
other name that is read later can see the array being written, so updates
are allowed on arrays the function created and has not handed to code that
may keep them (``fresh``), and on parameters, as long as no name read after
the update sees their memory (``sharing.py``), or where every name that may
see it is one a check as the code runs can read (``shared_update`` then
refuses the update if one of them does share its memory). A parameter
written in place gets its final value copied back into the caller's array at
the end of the forward sweep, so the caller sees exactly what the function
itself would have left there.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.lower import index_expression
from adcompile._src.read.static_code import rename_locals
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import SETITEM


class InPlaceLowering:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _setitem(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        base = target.value
        if not isinstance(base, cst.Name) or base.value not in self.env:
            raise UnsupportedSyntax(
                "assignment into part of something that is not a local array",
                "assign into a local array (y = x.copy(); y[...] = ...)",
                self.source.location(target),
            )
        name = base.value
        if not (self._is_varied(value) or self._is_varied(base)):
            statement = cst.Assign([cst.AssignTarget(target)], value)
            self._effect(statement)  # nothing to differentiate: run as written
            return
        current = self.env[name]
        why = self._not_writable(current, name)
        others = None
        if why is not None and current in self.fresh:
            others = self._checkable_observers(current, name)
        if why is not None and others is None:
            raise UnsupportedSyntax(
                f"assignment into '{name}', an array that may share memory with "
                f"another name (a view, an alias or a value kept elsewhere){why}",
                f"write into a copy: '{name} = {name}.copy()' first",
                self.source.location(target),
            )
        for element in target.slice:
            if self._is_varied(element):
                raise NoDerivativeRule(
                    "an index that depends on a differentiated value",
                    "indices carry no gradient: compute them from data that "
                    "does not depend on the wrt parameters",
                    self.source.location(element),
                )
        index = rename_locals(index_expression(target.slice, self.np_name), self.env)
        if others is not None:  # whether the others see it, as the code runs
            self._guard_update(current, others, index)
        array = self._lower(base)
        item = self._lower(value)
        self.updating_in_place = True
        try:
            self._apply(
                registry.lookup(SETITEM),
                [array, item],
                {},
                name,
                node=target,
                index=index,
            )
        finally:
            self.updating_in_place = False
        self._written(current, self.env[name])

    def _written(self, before: str, after: str) -> None:
        """``after`` is the array ``before`` became by an in-place update."""
        root = self._parameter_root(before)
        self.fresh.add(after)
        self._same_object(before, after)
        if root is not None:
            self.buffer_root[after] = root
            self._follow_write(root, before, after)

    def _follow_write(self, root: str, before: str, after: str) -> None:
        """The parameter ``root``'s object, ``before``, became ``after`` by an
        in-place update: which object the caller's ends up as is followed as
        the code runs (the tracker is kept only where the parameter is also
        given a new value, or updated through another name)."""
        self.written_params[root] = after
        if self.env.get(root) != after:  # through another name (an alias)
            self.followed_params.add(root)
        tracker = self.write_trackers.get(root)
        if tracker is None:
            tracker = self.names.fresh(f"written_{root}")
            self.write_trackers[root] = tracker
        follow = cst.parse_expression(
            f"{after} if {before} is {tracker} else {tracker}"
        )
        self.body.append(ir.Assign(tracker, ir.Static(follow), self.origin))

    def _check_written_params(self) -> None:
        """Which value the caller's array (or list) gets at the end: its last
        value, for a parameter only ever updated in place; for one also
        given a new value, the last array on its caller's lineage, which
        depends on the path the function takes and is followed as it runs
        (``written_x = x_2 if x_1 is written_x else written_x`` after each
        update); so is one updated through another name (``alias = x``),
        and a list appended to or popped from."""
        both = set(self.written_params) & (self.rebound_params | self.followed_params)
        for param in self.written_params:
            if param in both:
                tracker = self.write_trackers[param]
                start = ir.Assign(tracker, ir.Static(cst.Name(param)), self.origin)
                self.body.insert(0, start)  # the caller's array, privately copied
                self.written_params[param] = tracker
            else:  # always the caller's array: its last value
                self.written_params[param] = self.env[param]
        unused = {t for p, t in self.write_trackers.items() if p not in both}
        if unused:
            self.body = _without_assignments(self.body, unused)


def _without_assignments(
    statements: list[ir.Statement], names: set[str]
) -> list[ir.Statement]:
    """``statements`` without the static assignments of ``names``."""
    kept: list[ir.Statement] = []
    for statement in statements:
        if isinstance(statement, ir.Assign) and statement.target in names:
            continue
        if isinstance(statement, ir.Branch):
            statement.body = _without_assignments(statement.body, names)
            statement.orelse = _without_assignments(statement.orelse, names)
        elif isinstance(statement, ir.Loop):
            statement.body = _without_assignments(statement.body, names)
        kept.append(statement)
    return kept
