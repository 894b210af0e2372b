"""Who may see a value's memory: the queries an in-place update asks of
the graph ``sharing.py`` keeps.

From a value, the walk follows ``holders`` (a container holding it, a view
or an item read from it, a name given the same object) to every variable
that may see its memory, and on to the caller where one of them is a
parameter's object. An item read from a list, tuple or dict the function
built may be any value that container holds (the same object): the walk
goes on from each (``_held_by``). Each variable found that is read later
(``live``) is an observer: an update in place of the value is right only
where there is none, or where a check as the code runs can tell that none
sees the part written (``_checkable_observers``).
"""

from __future__ import annotations

from collections.abc import Iterator


class Observers:
    """Mixed into the Normalizer with ``SharingAnalysis``, whose state the
    queries read."""

    def _held_by(self, container: str) -> set[str]:
        """The values a list, tuple or dict may hold (an item read from it is
        one of them: the same object): those put into it, and, through a
        container it holds or was made from (``base + [x]``, a helper's
        ``L[:2]``), what that one holds, and that one itself."""
        found: set[str] = set()
        seen = {container}
        todo = [container]
        while todo:
            whole = todo.pop()
            held = {
                value
                for value, holders in self.holders.items()
                if whole in holders and (value, whole) in self.plain_edges
            }
            made_from = {
                other
                for other in self.holders.get(whole, ())
                if (whole, other) in self.part_edges
            }
            for value in sorted((held | made_from) - seen):
                seen.add(value)
                found.add(value)
                if (
                    value in made_from
                    or value in self.item_holders
                    or value in self.unknown_kinds
                ):
                    todo.append(value)
        return found

    def _not_writable(
        self, ssa: str, name: str, items_kept: bool = False
    ) -> str | None:
        """Why the value of ``name`` (``ssa``) cannot be updated in place by
        a new value, or None when it can: it must be fresh (no code that may
        keep it has seen it), and no other name read after this statement
        may see its memory (the same object, a view, a container holding
        it, or the caller's object, followed through the holders).
        ``items_kept``: the update leaves the object's items as they are (a
        list's append or pop), so its items read before see no change, and a
        list used only as a stack (``stack_lists``) has no other observer."""
        if ssa not in self.fresh:
            return self._why_shared(ssa) or ""
        if items_kept and name in self.stacks:
            return None  # only the items it gave back see it: they are kept
        observer = self._observer(ssa, name, items_kept)
        if observer is None:
            return None
        who, edge = observer
        if edge is None:
            return f" ({who} is the same object, and is read later)"
        since = self.held_since[edge]
        return f" ({who} sees its memory, since `{since}`, and is read later)"

    def _observer(
        self, ssa: str, name: str, items_kept: bool = False
    ) -> tuple[str, tuple[str, str] | None] | None:
        """The first name (or the caller) that may see ``ssa``'s memory and
        is read later, with the holder edge that made it see it."""
        for who, edge, _ in self._observers(ssa, name, items_kept):
            if who:  # (not an array ssa's object was before)
                return who, edge
        return None

    def _checkable_observers(
        self, ssa: str, name: str, items_kept: bool = False
    ) -> tuple[list[tuple[str, str]], list[str]] | None:
        """The variables holding every value read later that may see
        ``ssa``'s memory, each with who reads it, for a check as the code
        runs (``shared_update``), and the arrays ``ssa``'s object was before
        updates made it a new one as the code runs, which what was read
        before sees instead; None if one of them cannot be read there (a
        name not bound on every path to this statement) or is the same
        object (which sees the update for certain)."""
        if ssa not in self.fresh:  # code that may keep it has seen it
            return None
        found: list[tuple[str, str]] = []
        before: list[str] = []
        for who, edge, variable in self._observers(ssa, name, items_kept):
            if variable is None or edge is None:  # (the same object: it sees)
                return None
            if not who:
                before.append(variable)
            elif all(variable != v for v, _ in found):
                found.append((variable, who))
        return found, before

    def _observers(
        self, ssa: str, name: str, items_kept: bool = False
    ) -> Iterator[tuple[str, tuple[str, str] | None, str | None]]:
        """Each name (or the caller) that may see ``ssa``'s memory and is
        read later: who, the holder edge that made it see it, and the
        variable a check as the code runs can read its value from (None if
        there is none)."""
        own_root = self._parameter_root(ssa)
        here = self._defined_here() if self.copied_edges else set()
        # (a variable, the edge that led away from ssa's own object, if any,
        # and where the way crossed a copy standing for an object: the
        # variable before it, whose memory tells instead, or "" if none does)
        # (and the value the way came from, unless through a part or one
        # object: a part made from it leads to no other whole, ``_made_from``)
        Step = tuple[str, tuple[str, str] | None, str | None, str | None]
        start: Step = (ssa, None, None, None)
        todo = [start]
        seen = {(ssa, None, None)}
        lineage = {ssa}  # ssa and the arrays its object was before
        while todo:
            value, edge, near, came = todo.pop(0)
            for other, bound in self.env.items():
                if bound != value or (edge is None and other == name):
                    continue
                if edge is None and self._kept_for(other, own_root):
                    continue  # (the caller's object, kept: follows the write)
                if bound in self.storing_back:  # (the container the item
                    continue  # goes back into: ``_item_update``)
                readable = bound if near is None else near or None
                if other in self.loop_snapshots:  # bound as its loop starts
                    yield "the loop running over it", edge, readable
                elif self._read_later(other):
                    if near is None and other not in self.bound:
                        readable = None
                    yield self._shown(other), edge, readable
            root = self._parameter_root(value)
            if edge is not None and root is not None and root != own_root:
                # (its own lineage is written back); the parameter's own
                # variable holds the caller's object (or its private copy)
                readable = root if value == root and near is None else near or None
                yield "the caller", edge, readable
            for holder in sorted(self.holders.get(value, ())):
                pair = (value, holder)
                kind = self.edge_kinds.get(pair, "")
                if items_kept and edge is None and kind == "item":
                    continue  # an item of the list, not the list
                if self._made_from(came, pair):
                    continue  # a part of another whole than came's
                further = near
                if near is None and pair in self.copied_edges:
                    if value in lineage and (  # (a construct's own variable,
                        self.stand_in_of.get(value) == holder  # written on each
                        or self.pinned_from.get(value) == holder  # trip, stands
                        and kind == "same"  # in for the object it was given
                        and holder in here  # as the construct starts)
                    ):
                        if holder not in here:
                            further = ""
                        else:  # what saw it before sees this array: checked too
                            lineage.add(holder)
                            yield "", pair, holder
                    elif self.stand_in_of.get(holder) == value and value in here:
                        further = value  # a stand-in for it: value's memory tells
                    else:
                        further = ""
                if kind == "same":  # one object: the way still comes from came
                    through = came
                else:  # a whole of a part, or what sees value
                    through = None if self._is_part(pair) else value
                if (holder, further, through) in seen or holder == ssa:
                    continue
                seen.add((holder, further, through))
                same = edge is None and kind == "same"
                todo.append((holder, None if same else edge or pair, further, through))
                if self._is_part(pair) and (
                    holder in self.item_holders or holder in self.unknown_kinds
                ):
                    for held in self._held_by(holder) - {value, ssa}:  # (the item
                        if (held, further, None) not in seen:  # read may be it)
                            seen.add((held, further, None))
                            todo.append((held, edge or pair, further, None))

    def _kept_for(self, name: str, root: str | None) -> bool:
        """Whether ``name`` is the name a variant keeps the object its caller
        passed for the parameter ``root`` under (``z_given``), which follows
        each write into that object (``inplace._follow_kept``)."""
        return root is not None and self.source.kept_as_given.get(name) == root

    def _shown(self, name: str) -> str:
        """How a message names the variable ``name``: the user's name, or,
        for the name a variant keeps its caller's object under, that."""
        param = self.source.kept_as_given.get(name)
        if param is None:
            return f"'{name}'"
        return f"'{param}' as the caller gave it"

    def _items_seen_elsewhere(self, current: str) -> bool:
        """Whether a name read later may see an object the container
        ``current`` holds, other than through the names that hold the
        container itself (which a callee's write into it comes back to) and,
        for a parameter's container, the caller (its arrays get the final
        values): an item read from it, a container holding it or one of its
        items, or the caller through another parameter whose object it
        holds. Such a name would see the callee's write in Python, not in
        the derivative, which works on copies (``write_back.py``)."""
        own = {f"'{n}'" for n, bound in self.env.items() if bound == current}
        root = self._parameter_root(current)  # (a parameter's: written back)
        within = {current}  # (the container, and what it holds, at any depth)
        grown = True
        while grown:
            more = {v for v, holders in self.holders.items() if holders & within}
            grown = not more <= within
            within |= more
        for value in sorted(within):
            if self._parameter_root(value) not in (None, root):
                return True  # (another parameter's object: the caller's)
            for who, _, _ in self._observers(value, ""):
                if who == "the caller" and root is not None:
                    continue
                if who and who not in own:
                    return True
        return False

    def _defined_here(self) -> set[str]:
        """Variables given a value on every path to the statement being
        lowered, and never given another (a construct's own variables are):
        the parameters' own, and those given one earlier in the block being
        lowered or in the blocks around it, before the construct that holds
        this statement."""
        return (set(self.param_names) | self._given_on_path()) - self.pinned_all

    def _given_on_path(self) -> set[str]:
        """The variables statements on the path to the one being lowered
        (in its block, or in those around it) have given a value."""
        found: set[str] = set()
        for body in (*self.outer_bodies, self.body):
            for statement in body:
                target = getattr(statement, "target", None)
                if isinstance(target, str):
                    found.update(t for t in target.split(", ") if t)
        return found

    def _read_later(self, name: str) -> bool:
        if name in self.loop_snapshots:  # read by the loop at each trip
            return True
        return self.live is None or name in self.live

    def _why_shared(self, ssa: str) -> str:
        """`` (shared by `...`)`` naming the statement that shared ``ssa``."""
        code = self.shared_at.get(ssa)
        return f" (since `{code}`)" if code else ""
