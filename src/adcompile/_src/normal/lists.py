"""Lowering of a list's own mutating methods, on lists the function made.

``items.append(value)`` becomes ``items = items + [value]`` and ``value =
items.pop()`` becomes ``value = items[-1]`` then ``items = items[:-1]``: new
lists in single-assignment form, whose derivatives are those of
concatenation and indexing. A list parameter is rebuilt the same way, and
counts as written in place: the gradient function leaves the caller's list
as the function does (``write_back``). Lists another name may share are
refused, since the rewrite would not change them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.read.static_code import rename_locals
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import APPEND


class ListLowering:
    """The part of ``Normalizer`` that lowers ``append`` and ``pop``."""

    def _append(self, call: cst.Call) -> None:
        """``items.append(value)`` on a list the function made: the list
        becomes ``items + [value]``, whose adjoint splits in two."""
        assert isinstance(call.func, cst.Attribute)
        owner = call.func.value
        assert isinstance(owner, cst.Name)
        name = owner.value
        value = call.args[0].value
        if not (self._is_varied(value) or self._is_varied(owner)):
            if self.env[name] in self.fresh:  # still the function's own list:
                statement = rename_locals(cst.Expr(call), self.env)
                changed = (self.env[name],)  # in place: saved where needed
                self.body.append(ir.Effect(statement, self.origin, changed))
                self.has_control_flow = True
                return  # later appends of varied values may still rebuild it
            self._effect(cst.Expr(call))  # nothing differentiable: run as written
            return
        self._check_not_iterated(name, call, "append to")
        why = self._not_writable(self.env[name], name, items_kept=True)
        if why is not None:
            raise UnsupportedSyntax(
                f"append to '{name}', a list that may be shared with the caller "
                f"or another name{why}",
                f"build a new list in the function ('{name} = []') and append to "
                "that",
                self.source.location(call),
            )
        items = self._lower(owner)
        item = self._lower(value)
        with self._rebuilding(name):
            self._apply(registry.lookup(APPEND), [items, item], {}, name, node=call)
        self.fresh.add(self.env[name])

    def _pop(self, target: str, call: cst.Call) -> None:
        """``value = items.pop()`` on a list the function made: the value is
        ``items[-1]``, and the list becomes ``items[:-1]``."""
        assert isinstance(call.func, cst.Attribute)
        owner = call.func.value
        assert isinstance(owner, cst.Name)
        name = owner.value
        if not self._is_varied(owner):
            self._lower_into(call, target)  # nothing differentiable: as written
            return
        self._check_not_iterated(name, call, "pop from")
        why = self._not_writable(self.env[name], name, items_kept=True)
        if why is not None:
            raise UnsupportedSyntax(
                f"pop from '{name}', a list that may be shared with the caller "
                f"or another name{why}",
                f"build a new list in the function ('{name} = []') and pop from "
                "that",
                self.source.location(call),
            )
        items = self.env[name]
        self._lower_into(cst.parse_expression(f"{name}[-1]"), target)
        self.fresh.add(items)  # the new name sees the last item, not the list
        with self._rebuilding(name):
            self._lower_into(cst.parse_expression(f"{name}[:-1]"), name)
        self.fresh.add(self.env[name])

    def _check_not_iterated(self, name: str, call: cst.Call, what: str) -> None:
        """A loop over a list sees the items added or removed while it runs
        (Python reads the list at each trip); the lowered loop counts its
        trips when it starts: refused."""
        if any(name in names for names in self.iterated):
            raise UnsupportedSyntax(
                f"{what} '{name}' inside a loop over '{name}': the loop would see "
                "the list change as it runs",
                f"loop over a copy (for ... in list({name}):) or collect the new "
                "items in another list",
                self.source.location(call),
            )

    @contextlib.contextmanager
    def _rebuilding(self, name: str) -> Iterator[None]:
        """``name`` gets a new list in place of its list; if that list is a
        parameter's (or was rebuilt from one), the parameter is written in
        place, and ends up holding the last list."""
        before = self.env[name]
        root = self._parameter_root(before)
        self.updating_in_place = True  # the same list, not a new value
        try:
            yield
        finally:
            self.updating_in_place = False
        if root is None:
            self._same_object(before, self.env[name])
            return
        self.list_roots[self.env[name]] = root
        self._same_object(before, self.env[name])
        self._follow_write(root, before, self.env[name])


def is_pop(node: cst.BaseExpression, env: dict[str, str]) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "pop"
        and isinstance(node.func.value, cst.Name)
        and node.func.value.value in env
        and not node.args
    )


def is_append(node: cst.BaseExpression, env: dict[str, str]) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "append"
        and isinstance(node.func.value, cst.Name)
        and node.func.value.value in env
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
    )
