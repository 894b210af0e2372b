"""Lowering in-place updates: ``y[i] = v``, ``y[a:b] += v``, ``y *= 2``,
``np.fill_diagonal(y, v)``.

Invariant: an in-place update becomes a new value (``y_1 = with_item(y, i,
v)``, ``y_1 = y * 2``, ``y_1 = with_diagonal(y, v)``), which the backward
sweep reverses without saving anything, and later reads of ``y`` see
``y_1``. This is only right when no
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
import numpy as np

from adcompile._src.errors import NoDerivativeRule, UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.lower import index_expression
from adcompile._src.normal.parts import container_path
from adcompile._src.read.static_code import resolve_callee
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import FILL_DIAGONAL, SETITEM
from adcompile._src.rules.registry import SCALAR
from adcompile._src.syntax.tree import walk


class InPlaceLowering:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _setitem(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        base = target.value
        if not isinstance(base, cst.Name) and self._part_named(target, value):
            return
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
        if self._write_through_view(name, target, lambda: self._setitem(target, value)):
            return  # (views.py)
        observers = self._check_writable(name, "assignment into", target)
        for element in target.slice:
            if self._is_varied(element):
                raise NoDerivativeRule(
                    "an index that depends on a differentiated value",
                    "indices carry no gradient: compute them from data that "
                    "does not depend on the wrt parameters",
                    self.source.location(element),
                )
        index = self._static(index_expression(target.slice, self.np_name)).node
        if observers:  # whether they see the part written, as the code runs
            self._guard_update(self.env[name], observers, index)
        self._write(SETITEM, base, value, target, index)

    def _part_named(self, target: cst.Subscript, value: cst.BaseExpression) -> bool:
        """``p.W[0] = v``, ``p["w"][1:] += v``: the part written into read by
        constant keys or fields from a local name, given a name of its own
        first (``part = p.W``; ``part[0] = v``), which a write into rebuilds
        ``p`` around (``parts.py``). Python evaluates ``v`` before the part
        (in ``+=``, after it: the value reads the part first): a value that
        calls anything is computed first. False (nothing done) for any
        other target."""
        found = container_path(target.value)
        if found is None or not found[1] or found[0] not in self.env:
            return False
        if any(isinstance(n, (cst.Call, cst.NamedExpr)) for n in walk(value)):
            computed = cst.Name(self.names.fresh("value"))
            self._assign([computed], value)
            value = computed
        last = found[1][-1]  # (p_W of p.W, p_w of p["w"], p_part of p[0])
        word = getattr(last, "name", last)
        word = word if isinstance(word, str) and word.isidentifier() else "part"
        part = cst.Name(self.names.fresh(f"{found[0]}_{word}"))
        self.parts_shown[part.value] = self.source.code(target.value)
        self._assign([part], target.value)
        written = target.with_changes(value=part)
        self.source.moved(written, target)
        self._setitem(written, value)
        return True

    def _fill_diagonal(self, call: cst.BaseExpression) -> bool:
        """``np.fill_diagonal(a, value)`` (numpy's wrap=False) on a local
        array, with values the gradient depends on: lowered as an item write
        of a's diagonal, ``a_1 = with_diagonal(a, value)``, under the same
        checks. False (nothing done) for any other call, and for one on
        values that carry no derivative, which runs as written."""
        if not isinstance(call, cst.Call) or any(a.star for a in call.args):
            return False
        callee = resolve_callee(self.source, call.func, self.env, strict=False)
        if callee is not np.fill_diagonal:
            return False
        names = ("a", "val", "wrap")
        given = {names[i]: a.value for i, a in enumerate(call.args) if not a.keyword}
        given.update({a.keyword.value: a.value for a in call.args if a.keyword})
        base, value = given.get("a"), given.get("val")
        if base is None or value is None or set(given) - set(names):
            return False  # numpy's own error, when it runs
        if not (self._is_varied(value) or self._is_varied(base)):
            return False
        wrap = given.get("wrap")
        if wrap is not None and not (
            isinstance(wrap, cst.Name) and wrap.value == "False"
        ):
            raise UnsupportedSyntax(
                "np.fill_diagonal with wrap other than False, on values the "
                "gradient depends on",
                "drop wrap=True and write the wrapped diagonals with an indexed "
                "assignment (A[rows, cols] = value)",
                self.source.location(wrap),
            )
        if not isinstance(base, cst.Name) or base.value not in self.env:
            raise UnsupportedSyntax(
                "np.fill_diagonal into something that is not a local array",
                "fill the diagonal of a local array (A = B.copy(); "
                "np.fill_diagonal(A, ...))",
                self.source.location(base),
            )
        observers = self._check_writable(base.value, "np.fill_diagonal into", call)
        if observers:
            self._guard_update(self.env[base.value], observers)
        self._write(FILL_DIAGONAL, base, value, call)
        return True

    def _check_writable(
        self, name: str, what: str, at: cst.CSTNode, rebinds: bool = False
    ) -> tuple[list[tuple[str, str]], list[str]] | None:
        """Refuse an in-place write into ``name`` that another name read
        later may see (``sharing.py``), unless a check as the code runs can
        tell: then the variables (and names) of those to check, else None.
        ``rebinds``: the write may rebind a number instead (``a op= v`` in a
        callee), which the container it is an item of keeps as it was."""
        current = self.env[name]
        why = self._not_writable(current, name)
        if why is None:
            return None
        rebuilt = self._rebuilds_whole(current, name)  # (parts.py: the
        if rebuilt is not None:  # container it is an item of follows)
            self.rebuilt_after[current] = (name, rebinds)
            return rebuilt if rebuilt[0] else None
        observers = self._checkable_observers(current, name)
        if observers is None:
            shown = self.parts_shown.get(name, name)  # (the user's p.W)
            raise UnsupportedSyntax(
                f"{what} '{shown}', an array that may share memory with another "
                f"name (a view, an alias or a value kept elsewhere){why}",
                f"write into a copy: '{shown} = {shown}.copy()' first",
                self.source.location(at),
            )
        return observers

    def _write(
        self,
        key: object,
        base: cst.Name,
        value: cst.BaseExpression,
        at: cst.CSTNode,
        index: cst.BaseExpression | None = None,
    ) -> None:
        """``base`` gets a new value: the primitive of ``key`` applied to its
        old value and ``value`` (and ``index``). Python evaluates ``value``
        first: what a call in it writes into ``base`` (``x[1] = h(x)``,
        ``write_back.py``) is in the old value."""
        item = self._lower(value)
        name, current = base.value, self.env[base.value]
        array = self._lower(base)
        self.updating_in_place = True
        try:
            self._apply(
                registry.lookup(key), [array, item], {}, name, node=at, index=index
            )
        finally:
            self.updating_in_place = False
        if (
            self.shapes.get(current) != SCALAR
            and self.shapes.get(getattr(item, "name", None)) != SCALAR
        ):  # a list or dict keeps the object itself, not its values; where
            # the function made the list, the derivative keeps a copy of the
            # values (with_item): the object may not be written in place later
            self._share([item], holder=self.env[name])  # (it holds the item)
            if current in self.sequences:
                self._share([item])
        self._written(current, self.env[name])

    def _written(self, before: str, after: str) -> None:
        """``after`` is the array ``before`` became by an in-place update."""
        if before in self.rebuilt_after:  # an item of a container (parts.py)
            self._rebuild_whole(before, after)
        root = self._parameter_root(before)
        if before in self.item_holders:  # (still a list, tuple or dict)
            self.item_holders.add(after)
        self.fresh.add(after)
        self._updated(before, after)
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
        self._follow_kept(root, before, after)
        tracker = self.write_trackers.get(root)
        if tracker is None:
            tracker = self.names.fresh(f"written_{root}")
            self.write_trackers[root] = tracker
        if before == after:  # one variable (a construct's): asked before
            was = self._asked_before(root, after, f"{before} is {tracker}")
            self.tracker_flags.setdefault(root, []).append(was)
            follow = cst.parse_expression(f"{after} if {was} else {tracker}")
        else:
            follow = cst.parse_expression(
                f"{after} if {before} is {tracker} else {tracker}"
            )
        self.body.append(ir.Assign(tracker, ir.Static(follow), self.origin))

    def _asked_before(self, root: str, after: str, question: str) -> str:
        """A new variable holding ``question`` (static code about identities),
        asked before the statement that last gave ``after`` its value: where
        a write leaves an object on the same variable (a construct's own),
        what it held before is gone after."""
        was = self.names.fresh(f"following_{root}")
        changes = [
            i
            for i, statement in enumerate(self.body)
            if after in str(getattr(statement, "target", "")).split(", ")
        ]
        position = changes[-1] if changes else len(self.body)
        ask = ir.Assign(was, ir.Static(cst.parse_expression(question)), self.origin)
        self.body.insert(position, ask)
        return was

    def _follow_kept(self, root: str, before: str, after: str) -> None:
        """In a variant returning the object its caller passed for ``root``
        (``read.written_returns``: kept as ``z_given`` where ``z`` may be
        given a new value), a write into ``root``'s object that may be the
        caller's (``z`` given a new value in a loop that may not run, then
        written into): the kept name follows it as the code runs, ``z_given
        = z_2 if <z_1 was z_given> else z_given``, a choice the derivative
        goes through. Invariant: the kept name holds the object the caller's
        array is in Python, as this function's values. Where the write is
        in a loop or branch that does not give the kept name one variable
        throughout (``_pin``: it does wherever ``root`` is written), refused
        at the write."""
        for kept, param in sorted(self.source.kept_as_given.items()):
            current = self.env.get(kept)
            if param != root or current is None or current == after:
                continue
            if kept in self.pinned and current not in self._given_on_path():
                continue  # (not kept yet: a construct's variable it will be)
            if self.outer_bodies and kept not in self.pinned:
                raise UnsupportedSyntax(
                    f"{self.source.function.__qualname__} writes into '{root}' "
                    f"in place after '{root}' may have been given a new value "
                    "(in a loop or branch): whether the caller's array changes "
                    "depends on the path taken",
                    f"copy it first ({root} = {root}.copy()) where the change "
                    "need not reach the caller, or write into it before giving "
                    "it new values",
                    self.source.location(self.origin.statement),
                )
            if before == after:
                flag = self._asked_before(root, after, f"{before} is {current}")
            else:
                flag = self.names.fresh(f"following_{root}")
                asked = cst.parse_expression(f"{before} is {current}")
                self.body.append(ir.Assign(flag, ir.Static(asked), self.origin))
            self._choose_kept(kept, flag, after)

    def _choose_kept(self, kept: str, flag: str, after: str) -> None:
        """``kept = after if flag else kept``, lowered as the user's
        conditional expression would be (the names ``flag`` and ``after``
        given to it under names no user code has)."""
        chosen, flag_name = self.names.fresh("written"), self.names.fresh("caller")
        self.env[chosen], self.env[flag_name] = after, flag
        try:
            choice = cst.IfExp(
                test=cst.Name(flag_name),
                body=cst.Name(chosen),
                orelse=cst.Name(kept),
            )
            self._if_expression(choice, kept)
        finally:
            del self.env[chosen], self.env[flag_name]

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
        for param, flags in self.tracker_flags.items():
            if param not in both:
                unused.update(flags)
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
