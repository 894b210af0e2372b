"""Which values an in-place update may change behind another name's back.

Lowering turns an in-place update into a new value (see ``inplace.py``),
which is right only when no other name that is read later sees the object
being updated. The mixin here keeps what is needed to tell:

- ``fresh``: values no code that may keep a reference has seen (a call of
  code that is not followed, a statement run as written);
- ``holders``: for each value, the variables that may see its memory, each
  recorded with the statement that made it see it: a container holding it,
  a view or an item read from it, the result of a call that may return it,
  a construct's variable given the same object (``edge_kinds`` tells the
  same object and an item read from it apart from other ways of seeing);
- ``live`` (``liveness.py``): the user names read after the statement
  being lowered.

An item, a view or a slice of fresh values (or what a call that keeps
nothing may return of them) is fresh too, and sees them in turn: an update
of either is checked against the names that see the other. Such a part's
edge to its whole (``part_edges``) is not followed from a value the part
was made from (``part_sources``): ``z = h(x, y)`` is a part of x or of y,
never of both, so x and y do not see each other through z. A value the
part comes to hold later (``z.append(x)`` on a list item of y) leaves its
sources, and y sees it through z.

Every statement that may make a name see an object records it, whether or
not its values carry a derivative (a statement run as written too): a list,
tuple or dict written out or built by a comprehension, a list method, a loop
target and the list a loop runs over, unpacking, an item stored into a
container. A variable given a new object by a value made from its old one
(``h = h[:]``, ``h = [h[0], y]``) keeps the old one as an unnamed node
until the statement ends (``_retire``), so the new value still sees what
the old one saw.

Invariant: ``_not_writable`` is None only if the value is fresh and every
name reachable through ``holders`` (and every name bound to the value
itself, but the one being written) is dead after the statement, and no
holder is a parameter's object other than the one whose updates are
written back to the caller. Where it is not None, ``_checkable_observers``
gives the variables of every such name (the parameter's variable for the
caller), each bound on every path to the statement, or None: then no check
as the code runs can decide, and the update is refused (or, for ``x op=
v``, allowed only on a number).

A conditional expression's own variable (``u if c else y`` inside a
statement, which no branch can read) holds one branch's value, never both:
what saw it is related to each, not they to each other (``choices``).

A check compares memory as the code runs, which matches Python's objects
only until an update lowered to a new value: the new value is a stand-in
for the object (``stand_in_of``), and what saw the object before sees the
stand-in's predecessor. Edges through a stand-in are ``copied``; an
observer reached through one is checked against the predecessor (``before``
arrays of the updated value's own lineage, or the predecessor of a value it
saw), which must be given its value earlier in the same block, and else not
checked at all (refused).
"""

from __future__ import annotations

import operator
from typing import Any

import libcst as cst

from adcompile._src.normal import ir
from adcompile._src.normal.observers import Observers
from adcompile._src.normal.parts import field_read
from adcompile._src.normal.views import View
from adcompile._src.normal.vocabulary import NONDIFF_ATTRIBUTES
from adcompile._src.read.static_code import int_literal, is_numeric_literal
from adcompile._src.rules.registry import SCALAR
from adcompile._src.syntax.templates import used_names
from adcompile._src.syntax.tree import stack_lists


class SharingAnalysis(Observers):
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _start_sharing(self) -> None:
        self.shared_at: dict[str, str] = {}  # value -> the statement sharing it
        self.holders: dict[str, set[str]] = {}  # value -> variables seeing it
        self.held_since: dict[tuple[str, str], str] = {}  # -> the statement
        self.edge_kinds: dict[tuple[str, str], str] = {}  # "same", "item"
        self.copied_edges: set[tuple[str, str]] = set()  # through a stand-in
        self.part_edges: set[tuple[str, str]] = set()  # (part, whole): _part_of
        self.plain_edges: set[tuple[str, str]] = set()  # added any other way
        self.part_sources: dict[str, set[str]] = {}  # a part -> made from (only)
        self.stand_in_of: dict[str, str] = {}  # an update's value -> the one before
        self.retired: dict[str, str] = {}  # variable -> its old object (_retire)
        self.stacks = stack_lists(self.definition)  # names no other name sees
        self.unwritten_checks: list[tuple[str, str]] = []  # (lower_calls.py)
        self.views: dict[str, View] = {}  # a view's value -> how made (views.py)
        self.choices: dict[str, set[str]] = {}  # a if c else b's variable -> a, b
        self.apart: set[str] = set()  # results whose parts share no memory

    def _bind_alias(self, name: str, operand: ir.Operand) -> None:
        """``name = operand`` where the operand is a variable another name
        holds: both names see one object now (``_observers`` finds the
        other name through ``env``)."""
        if isinstance(operand, ir.Var):
            if name in self.pinned:  # the construct's variable: copy into it
                if self.pinned[name] != operand.name:
                    self._copy(name, operand)
                return
            self.env[name] = operand.name
            return
        target = self._new_ssa(name)
        node = operand.node
        if (
            isinstance(node, cst.Name)
            and node.value in self.fresh
            and node.value in self.item_holders
        ):
            self.body.append(ir.Assign(target, operand, self.origin))
            self.varied.discard(target)  # a variable of its own: the same
            self._same_object(node.value, target)  # object (a comprehension's
            self.fresh.add(target)  # list or dict, built for this name)
            for kind in (self.sequences, self.item_holders):
                if node.value in kind:
                    kind.add(target)
            self._set_shape(target, ("value", target))
            return
        self._share([operand], holder=target)
        self.body.append(ir.Assign(target, operand, self.origin))
        self.varied.discard(target)
        self.fresh.discard(target)
        for root in self._roots([operand]):
            self.view_roots.setdefault(target, set()).add(root)
        self._set_shape(
            target, SCALAR if is_numeric_literal(operand.node) else ("value", target)
        )

    def _roots(self, operands: list[ir.Operand]) -> set[str]:
        """The variables whose memory these operands may share."""
        roots: set[str] = set()
        for operand in operands:
            if isinstance(operand, ir.Var):
                roots |= self.view_roots.get(operand.name, {operand.name})
            else:
                roots |= self._static_roots(operand.node)
        return roots

    def _static_roots(self, node: cst.BaseExpression) -> set[str]:
        """The variables whose memory code run as written may share: those
        of a literal's items, of either branch, of the operands of ``+`` and
        ``*`` (which join and repeat lists), of what an item or attribute is
        read from (not of its index), and none for other arithmetic, nor for
        a call that makes a new value (``np.log(1.0 + y ** 2)``, a function
        that keeps and returns nothing it is given); every name it reads
        otherwise."""
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return set().union(
                set(), *(self._static_roots(e.value) for e in node.elements)
            )
        if isinstance(node, cst.IfExp):
            return self._static_roots(node.body) | self._static_roots(node.orelse)
        if isinstance(node, cst.BinaryOperation):  # (a list joined or repeated
            if not isinstance(node.operator, (cst.Add, cst.Multiply)):  # holds
                return set()  # its items; other operators make new values)
            if self._arithmetic(node):
                return set()
            return self._static_roots(node.left) | self._static_roots(node.right)
        if isinstance(node, (cst.UnaryOperation, cst.Comparison)):
            return set()
        if isinstance(node, cst.Subscript):  # (not the index)
            return self._static_roots(node.value)
        field = field_read(node)  # (p.W, getattr(p, "W"): p's)
        if field is not None:
            return self._static_roots(field[0])
        if (
            isinstance(node, cst.Call)
            and not (
                isinstance(node.func, cst.Attribute) and node.func.attr.value == "copy"
            )
            and self._makes_new_value(node)  # (call_arguments.py)
        ):
            return set()
        roots: set[str] = set()
        for name in load_names(node):
            roots |= self.view_roots.get(name, {name})
        return roots

    def _arithmetic(self, node: cst.BinaryOperation) -> bool:
        """``+`` or ``*`` that cannot join or repeat lists, which makes a new
        value: one operand is a number or array made right there (``0.3 *
        v``), or, for ``+``, a number's variable (``loss += v``: a list
        joins only a list)."""
        operands = (node.left, node.right)
        if any(self._new_number_or_array(o) for o in operands):  # (call_arguments)
            return True
        return isinstance(node.operator, cst.Add) and any(
            isinstance(o, cst.Name) and self.shapes.get(o.value) == SCALAR
            for o in operands
        )

    def _share(
        self, operands: list[ir.Operand], holder: str | None = None, item: bool = False
    ) -> None:
        """Another name may now see these operands' memory: updating them in
        place would change that name's value too. ``holder``: the variable
        that sees it (a container, a view, the result of a call that may
        return an argument; ``item``: an item read from it, which shares the
        memory of an array, but is not a list it is read from); updates stay
        allowed while no name that is read later sees the memory
        (``_observer``). Without a holder (code that may keep a reference
        anywhere), they are not fresh any more."""
        roots = self._roots(operands)
        if holder is None:
            self._shared(roots)
            return
        if holder in roots and holder in self.retired:  # read before this very
            roots = roots - {holder} | {self.retired[holder]}  # statement gave
        for root in sorted(roots - {holder}):  # it a new object: the old one
            self._add_edge(root, holder, "item" if item else "")

    def _part_of(self, part: str, wholes: set[str], sliced: bool = False) -> None:
        """``part`` (an item, a view or a slice of ``wholes``, or a value a
        call may have returned from them) is the function's own, as they
        are: fresh, and seen by them in turn (a list sliced, or a new list
        or tuple of their items, ``list(M)``: its items only, not the new
        list, which may then be popped from or grown), so an update of it
        in place is checked against every name that sees them."""
        self.fresh.add(part)
        for whole in sorted(wholes - {part}):
            self._add_edge(part, whole, "item" if sliced else "", part=True)
        self.part_sources[part] = set(wholes - {part})

    def _add_edge(
        self,
        value: str,
        holder: str,
        kind: str = "",
        since: str | None = None,
        copied: bool = False,
        part: bool = False,
    ) -> None:
        """``holder`` sees ``value``'s memory; ``kind``: ``"same"`` (one
        object), ``"item"`` (an item read from it) or ``""`` (any other way,
        and the kind of an edge recorded two different ways). ``copied``:
        as the code runs, one of the two (or a variable between them) is a
        copy standing for the object (an in-place update's new value), so
        their memory tells nothing (``copied_edges``). ``part``: ``value``
        is a part of ``holder`` (``_part_of``), an edge ``_is_part`` tells."""
        holders = self.holders.setdefault(value, set())
        pair = (value, holder)
        (self.part_edges if part else self.plain_edges).add(pair)
        if not part and value in self.part_sources.get(holder, ()):
            self.part_sources[holder].discard(value)  # (held now, not only made
            # from: a whole the holder is part of sees it)
        if copied:
            self.copied_edges.add(pair)
        if holder in holders:
            if self.edge_kinds.get(pair, "") != kind:
                self.edge_kinds.pop(pair, None)
            return
        holders.add(holder)
        self.held_since[pair] = since if since is not None else self.origin.code
        if kind:
            self.edge_kinds[pair] = kind
        else:
            self.edge_kinds.pop(pair, None)

    def _forget(self, value: str) -> None:
        """``value``, a variable, is given a new object (or leaves the
        graph): no variable sees it, and it sees nothing."""
        self.holders.pop(value, None)
        for holders in self.holders.values():
            holders.discard(value)
        for pair in [p for p in self.edge_kinds if value in p]:
            del self.edge_kinds[pair]
        for edges in (self.copied_edges, self.part_edges, self.plain_edges):
            edges -= {p for p in edges if value in p}
        self.part_sources.pop(value, None)
        for sources in self.part_sources.values():
            sources.discard(value)

    def _retire(self, variable: str) -> None:
        """``variable`` is given a new object: its old one stays in the graph
        as an unnamed node until the statement ends (``_drop_unnamed``), so a
        value made from it (``h = h[:]``, ``h = [h[0], y]``) still sees what
        it saw."""
        old = f"{variable}@old"  # (never emitted; the same on each pass of a loop)
        self.retired[variable] = old
        renamed = {variable: old}
        self.holders = {
            renamed.get(value, value): {renamed.get(h, h) for h in holders}
            for value, holders in self.holders.items()
        }
        for table in (self.edge_kinds, self.held_since):  # (copied: a loop's
            for pair in [p for p in table if variable in p]:  # state, restored,
                moved = (renamed.get(pair[0], pair[0]), renamed.get(pair[1], pair[1]))
                table[moved] = table[pair]  # holds the edges it had)
        self.copied_edges, self.part_edges, self.plain_edges = (
            {(renamed.get(a, a), renamed.get(b, b)) for a, b in edges}
            for edges in (self.copied_edges, self.part_edges, self.plain_edges)
        )
        for roots in [*self.view_roots.values(), *self.part_sources.values()]:
            if variable in roots:
                roots.discard(variable)
                roots.add(old)
        if variable in self.part_sources:
            self.part_sources[old] = self.part_sources.pop(variable)

    def _same_object(self, one: str, other: str, copied: bool = False) -> None:
        """Two variables hold one object (a copy of a name, an in-place
        update's result): each sees what the other sees, and is seen by it.
        ``copied``: one object in Python, two as the code runs (an in-place
        update made a new value)."""
        if one != other:
            self._add_edge(one, other, "same", copied=copied)
            self._add_edge(other, one, "same", copied=copied)

    def _updated(self, before: str, after: str) -> None:
        """An in-place update lowered to a new value: ``after`` is, in
        Python, the object ``before`` was, but as the code runs a new array
        (or list) standing for it. What saw the object before sees the
        stand-in's predecessor, not its memory (the edges are ``copied``),
        also where both are one variable (a loop's or branch's own)."""
        if before != after:
            self.stand_in_of[after] = before
            self._same_object(before, after, copied=True)
            return
        for value, holders in self.holders.items():
            for holder in holders:
                if after in (value, holder):
                    self.copied_edges.add((value, holder))

    def _drop_unnamed(self) -> None:
        """After a statement: the variables no name holds any more (the
        statement's temporaries, a name's older values) leave the graph,
        each replaced by edges from what it saw to what saw it, so what
        sees what through them is kept. (A loop lowered again, or the
        other path of a branch, reuses those names for other values.)"""
        self.retired = {}
        named = set(self.env.values())
        nodes = set(self.holders) | {h for hs in self.holders.values() for h in hs}
        kept = set()  # (only where an update made a stand-in)
        if self.stand_in_of:
            kept = set(self.stand_in_of.values()) & self._defined_here()
        for node in sorted(nodes - named - kept):  # (a stand-in's predecessor,
            # defined here, tells what sees the object as the code runs)
            if self._parameter_root(node) is not None and node not in self.choices:
                continue  # the caller's object: seen by the caller (a choice's
            # variable only holds one of its branches, which stay)
            seen_by = self.holders.get(node, set()) - {node}
            self._items_are_held(node)
            chosen = self.choices.pop(node, set())  # (one of them, not both)
            for value, holders in list(self.holders.items()):
                if node in holders and value != node:
                    for holder in sorted(seen_by - {value}):
                        if not {value, holder} <= chosen:
                            self._compose((value, node), (node, holder))
            self._forget(node)

    def _items_are_held(self, node: str) -> None:
        """``node``, a list, tuple or dict leaving the graph: an item read
        from it may be any value it held, and each such value sees the item
        (what the walk from the item found through ``_held_by`` while the
        container stood)."""
        if node not in self.item_holders and node not in self.unknown_kinds:
            return
        known = {  # (items read by constant keys: which item each is, is known)
            self.env.get(name) for name, (_, path) in self.part_paths.items() if path
        }
        parts = [
            part
            for part, holders in self.holders.items()
            if node in holders
            and (part, node) in self.part_edges
            and part != node
            and part not in known
        ]
        for part in parts:
            for held in self._held_by(node) - {part}:
                self._add_edge(part, held, "item")

    def _is_part(self, pair: tuple[str, str]) -> bool:
        """Whether the edge was only ever added by ``_part_of``: the whole
        sees the part's memory, not what merely sees the part."""
        return pair in self.part_edges and pair not in self.plain_edges

    def _made_from(self, came: str | None, pair: tuple[str, str]) -> bool:
        """Whether ``pair`` (a part, its whole) leads nowhere from ``came``:
        the part was made from ``came`` (another whole it may be a part of
        instead), and only sees it for that (``part_sources``)."""
        return (
            came is not None
            and self._is_part(pair)
            and came in self.part_sources.get(pair[0], ())
        )

    def _compose(self, first: tuple[str, str], second: tuple[str, str]) -> None:
        """``first[0]`` is seen by ``second[1]`` through the variable between
        (through a part, only if ``first[0]`` is that part's memory: the
        same object, or a part of it in turn)."""
        kinds = (self.edge_kinds.get(first, ""), self.edge_kinds.get(second, ""))
        if self._made_from(first[0], second):
            return  # (x and y in z = h(x, y): neither sees the other)
        part = self._is_part(second) and (self._is_part(first) or kinds[0] == "same")
        if kinds == ("same", "same"):
            kind = "same"
        elif kinds[0] == "item" or kinds == ("same", "item"):
            kind = "item"  # what an item (of one object) sees
        else:
            kind = ""
        since = self.held_since.get(second) or self.held_since.get(first, "")
        copied = first in self.copied_edges or second in self.copied_edges
        self._add_edge(first[0], second[1], kind, since, copied, part)

    def _shared(self, names: set[str]) -> None:
        """These values are no longer fresh; remember the user's statement
        that shared each, for the refusals that need them fresh."""
        for name in names & self.fresh:
            self.shared_at.setdefault(name, self.origin.code)
        self.fresh -= names

    def _part_apart(
        self, prim: Any, args: list, index: cst.BaseExpression | None
    ) -> bool:
        """``t[i]`` with ``i`` a number, of a result whose parts share no
        memory with each other (``apart``: a user function's, whose
        ``parts_apart`` purity says so)."""
        if prim is None or prim.key is not operator.getitem or not args:
            return False
        if not isinstance(args[0], ir.Var) or args[0].name not in self.apart:
            return False
        if isinstance(index, cst.Subscript) and len(index.slice) == 1:
            element = index.slice[0].slice
            index = element.value if isinstance(element, cst.Index) else None
        return index is not None and int_literal(index) is not None

    def _parameter_root(self, value: str) -> str | None:
        """The parameter whose object ``value`` is (or was rebuilt from, by
        updates the caller gets back), if any: the caller sees it."""
        root = self.buffer_root.get(value) or self.list_roots.get(value)
        if root is None and value in self.param_names:
            root = value
        return root

    def _unfresh_names(self, node: cst.CSTNode) -> None:
        """Any reference to a name may create an alias: it is no longer fresh
        (but not in ``h(g(x))`` whose calls keep nothing, its value dropped,
        or only write into what they are given, ``fill(buf, x)``,
        nor in ``y[i] op= v`` storing a new value that holds nothing; and
        ``y[i] = v`` makes y hold v, not another name see y)."""
        if isinstance(node, cst.Expr) and self._calls_alias_nothing(node):
            return  # (conditions.py)
        if self._stores_new_value(node):
            return  # (conditions.py)
        for name in load_names(node) - {_written_into(node)}:
            ssa = self.env.get(name)
            if ssa is not None:
                self._shared({ssa})


def load_names(node: cst.CSTNode) -> set[str]:
    """Names read for their values (``x.shape`` does not read x's values)."""
    return used_names(node, skip_attributes=NONDIFF_ATTRIBUTES)


def _written_into(node: cst.CSTNode) -> str | None:
    """``y`` of ``y[i] = v`` where neither ``i`` nor ``v`` reads ``y``."""
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0].target
    if not isinstance(target, cst.Subscript) or not isinstance(target.value, cst.Name):
        return None
    name = target.value.value
    reads = load_names(node.value) | {n for e in target.slice for n in load_names(e)}
    return None if name in reads else name
