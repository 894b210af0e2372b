"""Writes through a view: ``v = y[1:]`` then ``v[0] = e`` or ``v *= 2``.

Lowering turns an in-place update into a new value (``inplace.py``); the
name it updates gets the new value, but any other name that sees the
object would not. A view is the common case: in Python, a write into ``v``
is a write into ``y``'s memory, and ``y`` (read later) sees it. Refusing
it (``sharing.py``) is right, but users write it often, and the semantics
can be followed exactly when ``v`` is a view of ``y`` by a basic index:

    v = y[1:]                      v = y[1:]
    v[0] = e             ->        v = copy_of_view(v, y)   (a new array)
                                   v[0] = e                 (into the copy)
                                   y[1:] = v                (into y)
                                   v = y[1:]                (the view again)

Each of the last three is lowered as the user's own statement would be,
under the same checks: a name other than ``v`` and ``y`` that sees either
object is still found by the write into ``y`` (and refused, or checked as
the code runs). A view of a view composes: the write into ``v`` is itself
a write through a view.

Invariant: the rewrite applies only where, as the code runs, ``v`` is the
view ``y[index]`` made by the assignment recorded (``_record_view``): the
write is in the same block, with no branch or loop between them, and ``v``
and ``y`` and every name the index reads still hold the values they held
then (straight-line code gives every new value a new variable), and the
index has a slice (or ``...``) in it, so that on an array it makes a view,
never a number. ``copy_of_view`` checks as the code runs
that ``v`` sees ``y``'s memory (``y`` may be a list, whose slice is a new
list, or the index may copy): refused if not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.rules import registry
from adcompile._src.runtime import HELPERS
from adcompile._src.syntax.templates import string_literal, used_names


@dataclass(frozen=True)
class View:
    """``name = base[index]`` as lowered: the value each held then."""

    base: str
    base_value: str
    index: Sequence[cst.SubscriptElement]
    reads: tuple[tuple[str, str | None], ...]  # index names -> their values
    block: list  # the statements being lowered when it was made
    position: int  # how many there were


class ViewWrites:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _record_view(
        self, name: str, value: cst.BaseExpression, others: Sequence[object] = ()
    ) -> None:
        """After ``name = value`` was lowered: if ``value`` is a basic view of
        a local name (``y[1:]``, ``y[0, :]``, ``y[..., 0]``), remember it."""
        base = viewed_name(value)
        if others or base is None or base not in self.env or base == name:
            return
        assert isinstance(value, cst.Subscript)
        reads = sorted(
            n for element in value.slice for n in used_names(element) if n != "None"
        )
        current = self.env.get(name)
        if current is None or any(self._is_varied(cst.Name(n)) for n in reads):
            return
        self.views[current] = View(
            base,
            self.env[base],
            list(value.slice),
            tuple((n, self.env.get(n)) for n in reads),
            self.body,
            len(self.body),
        )

    def _write_through_view(
        self, name: str, at: cst.CSTNode, write: Callable[[], None]
    ) -> bool:
        """Lower an in-place write into ``name`` (``write`` lowers it) as a
        write into the array it views, if it is a recorded view that another
        name read later may see (see the module's docstring); False if not
        (nothing done)."""
        current = self.env.get(name)
        view = self.views.get(current) if current is not None else None
        if view is None or self.env.get(view.base) != view.base_value:
            return False
        if any(self.env.get(n) != value for n, value in view.reads):
            return False
        if view.block is not self.body or any(
            isinstance(s, (ir.Branch, ir.Loop)) for s in self.body[view.position :]
        ):  # (a branch or loop may give y a new value in the same variable)
            return False
        if self._not_writable(current, name) is None:
            return False  # no other name read later sees it: written as is
        copy = registry.lookup(HELPERS["copy_of_view"])
        code = cst.SimpleString(string_literal(self.origin.code))
        base = self._lower(cst.Name(view.base))
        self._apply(copy, [ir.Var(current), base, ir.Static(code)], {}, name, node=at)
        write()
        if self.env.get(view.base) != view.base_value:  # (v += h(y)[0], h
            raise UnsupportedSyntax(  # writing into y: v's copy is stale)
                f"`{self.origin.code}` writes into '{name}', a view of "
                f"'{view.base}', with a value whose call writes into "
                f"'{view.base}' too: the view would be read before that write",
                f"compute the value first (t = ...; {name} += t), or write "
                f"into '{view.base}' directly",
                self.source.location(at),
            )
        target = cst.Subscript(cst.Name(view.base), view.index)
        write_back = cst.Assign([cst.AssignTarget(target)], cst.Name(name))
        again = cst.Assign([cst.AssignTarget(cst.Name(name))], target)
        for statement in (write_back, again):
            self.source.moved(statement, at)
            self.source.moved(statement.targets[0].target, at)
            self.source.moved(statement.value, at)
            self._assign([statement.targets[0].target], statement.value)
        return True


def viewed_name(value: cst.BaseExpression) -> str | None:
    """``y`` of ``y[index]`` where the index has a slice or ``...`` in it
    (on an array: a view, never a number); None for any other value."""
    if not isinstance(value, cst.Subscript) or not isinstance(value.value, cst.Name):
        return None
    if not any(
        isinstance(e.slice, cst.Slice)
        or (isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Ellipsis))
        for e in value.slice
    ):
        return None
    return value.value.value
