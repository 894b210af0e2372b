"""Lowering of a list's own mutating methods, on lists the function made,
of joins and repetitions of lists, and of dicts written out (``{"w": w}``,
``dict(w=w)``: an ``ir.Pack`` of kind dict, which holds its values).

``items.append(value)`` becomes ``items = items + [value]``,
``items.extend(more)`` ``items = items + list(more)``, ``items.insert(i,
value)`` ``items = items[:i] + [value] + items[i:]``, and ``value =
items.pop(i)`` becomes ``value = items[i]`` then ``items = items[:i] +
items[i:][1:]`` (``items[:-1]`` for ``pop()``): new lists in
single-assignment form, whose derivatives are those of joins and indexing.
A list parameter is rebuilt the same way, and counts as written in place:
the gradient function leaves the caller's list as the function does
(``write_back``). Lists another name may share are refused, since the
rewrite would not change them; so is any other method that changes a list
of differentiated values (``remove``, ``reverse``...), which would be run
as written and lose the gradient.

``xs + ys`` and ``xs * n`` where an operand is known to be a list or tuple
(``_known_sequence``) become the ``JOIN`` and ``REPEAT`` primitives.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal import ir
from adcompile._src.normal.control_facts import free_name
from adcompile._src.normal.vocabulary import CONTAINER_CHANGES
from adcompile._src.read.static_code import (
    int_literal,
    rename_locals,
    resolve_callee,
)
from adcompile._src.rules import registry
from adcompile._src.rules.patterns import APPEND
from adcompile._src.rules.sequences import JOIN, REPEAT, REPEAT_LEFT


class ListLowering:
    """The part of ``Normalizer`` that lowers list methods, joins and
    repetitions."""

    def _list_method(self, call: cst.Call, target: str | None = None) -> None:
        """``items.append/extend/insert/pop(...)`` (``list_method`` says which)
        as a statement, or ``target = items.pop(...)``."""
        assert isinstance(call.func, cst.Attribute)
        owner = call.func.value
        assert isinstance(owner, cst.Name)
        name, method = owner.value, call.func.attr.value
        args = [a.value for a in call.args]
        if not any(self._is_varied(node) for node in (owner, *args)):
            if method == "pop" and target is not None:
                items = self.env[name]  # (the pop keeps nothing: the item is
                listed = items in self.fresh and self._parameter_root(items) is None
                own = self._own_items(items)  # the own list's own part, unless
                self._lower_into(call, target)  # it holds the caller's objects)
                if listed:
                    self.fresh.add(items)
                if own:
                    self._part_of(self.env[target], {items}, sliced=True)
            elif self.env[name] in self.fresh:  # still the function's own list:
                self._checkpoint_in_place(call, {name})
                statement = rename_locals(cst.Expr(call), self.env)
                changed = (self.env[name],)  # in place: saved where needed
                if method != "pop":  # the list holds what it is given now
                    given = [ir.Static(rename_locals(a, self.env)) for a in args]
                    self._share(given, holder=self.env[name])
                self.body.append(ir.Effect(statement, self.origin, changed))
                self.has_control_flow = True
            else:
                self._effect(cst.Expr(call))  # nothing differentiable: as written
            return  # later calls with varied values may still rebuild it
        what = {"append": "append to", "pop": "pop from"}.get(method, method)
        self._check_not_iterated(name, call, what)
        why = self._not_writable(self.env[name], name, items_kept=True)
        if why is not None:
            raise UnsupportedSyntax(
                f"{what} '{name}', a list that may be shared with the caller "
                f"or another name{why}",
                f"build a new list in the function ('{name} = []') and "
                + ("pop from that" if method == "pop" else f"{method} to that"),
                self.source.location(call),
            )
        if method == "append":
            items, item = self._lower(owner), self._lower(args[0])
            with self._rebuilding(name):
                self._apply(registry.lookup(APPEND), [items, item], {}, name, call)
            self._mark_in_place(name, "append")
        elif method == "extend":
            more = args[0]
            if not self._known_list(more):  # any iterable: its items, in a list
                more = cst.Call(self._builtin("list", call), [cst.Arg(more)])
            self._rebuild(name, [owner, more], call)
        elif method == "insert":
            position, value = self._static_position(args[0], call), args[1]
            before, after = _parts(owner, position, skip=0)
            self._rebuild(name, [*before, cst.List([cst.Element(value)]), after], call)
        else:
            self._pop(name, target, args, call)
        self.sequences.add(self.env[name])
        self.fresh.add(self.env[name])

    def _own_items(self, items: str) -> bool:
        """Whether the list ``items`` and what it holds are the function's
        own: fresh, and none of it the caller's object (``list(ws)`` is a
        new list of the caller's arrays: an item popped from it is one)."""
        held = {items} | self._held_by(items)
        return all(v in self.fresh and self._parameter_root(v) is None for v in held)

    def _pop(self, name: str, target: str | None, args: list, call: cst.Call) -> None:
        """``target = items.pop(i)``: ``target = items[i]``, then the list
        without that item (``items[:-1]`` for ``pop()``, ``items[1:]`` for
        ``pop(0)``); a statement ``items.pop(i)`` drops the item."""
        owner = cst.Name(name)
        if (
            args
            and int_literal(args[0]) is None
            and self.env[name] not in self.sequences
        ):
            raise UnsupportedSyntax(  # perhaps a dict's pop(key)
                f"pop from '{name}' at a computed position, where adcompile "
                f"cannot tell '{name}' is a list",
                f"make it a list first ({name} = list({name})), or pop from a list "
                "the function builds",
                self.source.location(call),
            )
        position = self._static_position(args[0], call) if args else None
        if position is None:
            position = cst.UnaryOperation(cst.Minus(), cst.Integer("1"))
        if target is not None:
            items = self.env[name]
            item = cst.Subscript(owner, [cst.SubscriptElement(cst.Index(position))])
            self._lower_into(item, target)
            self.fresh.add(items)  # the new name sees the item, not the list
        before, after = _parts(owner, position, skip=1)
        self._rebuild(name, [*before, after] if after is not None else before, call)
        if int_literal(position) in (0, -1):
            self._mark_in_place(name, "pop0" if int_literal(position) == 0 else "pop")

    def _mark_in_place(self, name: str, method: str) -> None:
        """The statement just lowered made ``name``'s new list from its old
        one, which no name reads again (``_not_writable`` said so, and the
        list is not a parameter's): forward mode may change the old list in
        place (O(1) for a stack), reverse mode keeps both values."""
        made = {self.env[name]}  # (the new list, or the value copied into it)
        for statement in reversed(self.body):
            if not isinstance(statement, ir.Apply) or statement.target not in made:
                return
            operand = statement.args[0] if statement.args else None
            if statement.prim is not None and statement.prim.key in (
                APPEND,
                operator.getitem,
            ):
                if (
                    isinstance(operand, ir.Var)
                    and self._parameter_root(operand.name) is None
                ):
                    statement.in_place = method
                return
            if not isinstance(operand, ir.Var):
                return
            made.add(operand.name)

    def _dict(self, node: cst.Dict, target_name: str | None) -> ir.Var:
        """``{k: v, ...}`` with keys that carry no derivative: a new dict that
        holds its values (``{**d}`` is refused)."""
        keys: list[cst.BaseExpression] = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                raise self._unsupported(element, "unpacking into a dict")
            if self._is_varied(element.key):
                raise self._unsupported(
                    element.key, "a dict key that carries a derivative"
                )
            keys.append(rename_locals(element.key, self.env))
        values = [self._lower(e.value) for e in node.elements]  # type: ignore[union-attr]
        target = self._target(target_name, "dict", values)
        self._share(values, holder=target)  # the dict keeps its values
        self.body.append(ir.Pack(target, values, self.origin, "dict", keys=tuple(keys)))
        self.item_holders.add(target)
        self.varied.add(target)
        self.fresh.add(target)
        self._set_shape(target, ("value", target))
        return ir.Var(target)

    def _rebuild(self, name: str, parts: list, call: cst.Call) -> None:
        """``name`` becomes the join of ``parts`` (code that makes lists),
        in place: the same list, as far as the caller can tell."""
        with self._rebuilding(name):
            if len(parts) == 1:
                self._lower_into(parts[0], name)
                return
            operands = [self._lower(part) for part in parts]
            joined = operands[0]
            join = registry.lookup(JOIN)
            for position, operand in enumerate(operands[1:], start=2):
                into = name if position == len(operands) else None
                joined = self._apply(join, [joined, operand], {}, into, call)

    def _static_position(self, position: cst.BaseExpression, call: cst.Call):
        """A list position: an int literal as it is, other code evaluated
        once, into a variable (it is read twice)."""
        if self._is_varied(position):
            raise UnsupportedSyntax(
                "a list position that depends on a differentiated value",
                "positions carry no gradient: compute them from data that does "
                "not depend on the wrt parameters",
                self.source.location(position),
            )
        if int_literal(position) is not None:
            return position
        name = free_name("position", self.names.taken | set(self.env))
        self._assign_static(position, name)
        return cst.Name(name)

    def _known_list(self, node: cst.BaseExpression) -> bool:
        """Code known to make a list (not a tuple): ``+=`` and ``extend``
        take any iterable, which a join takes only when it is a list."""
        if isinstance(node, (cst.List, cst.ListComp)):
            return True
        if isinstance(node, cst.Call):
            callee = resolve_callee(self.source, node.func, self.env, strict=False)
            return callee is list or callee is sorted
        return False

    def _builtin(self, name: str, at: cst.CSTNode) -> cst.Name:
        """The name of a builtin, which the function must not shadow."""
        callee = resolve_callee(self.source, cst.Name(name), self.env, strict=False)
        if callee is not __builtins__[name]:  # type: ignore[index]
            raise UnsupportedSyntax(
                f"a list update that needs the builtin '{name}', which this "
                "function's name shadows",
                f"rename the variable or global '{name}'",
                self.source.location(at),
            )
        return cst.Name(name)

    def _extend_statement(self, node: cst.AugAssign) -> cst.AugAssign:
        """``items += more`` on a list: Python extends it by the items of a
        tuple or generator (``list(more)`` here, as a join takes lists
        only), and adds numpy's way where ``more`` is an array, as the join
        ``items + more`` does; other iterables fail in the join (TypeError)
        rather than join wrongly."""
        target = node.target
        if not (
            isinstance(node.operator, cst.AddAssign)
            and isinstance(target, cst.Name)
            and self.env.get(target.value) in self.sequences
            and (self._is_varied(target) or self._is_varied(node.value))
        ):
            return node
        self._check_not_iterated(target.value, node, "extend")
        if not isinstance(node.value, (cst.Tuple, cst.GeneratorExp)):
            return node
        more = cst.Call(self._builtin("list", node), [cst.Arg(node.value)])
        return node.with_changes(value=more)

    def _check_list_change(self, call: cst.Call) -> None:
        """A method that changes a list or dict of differentiated values in
        place, run as written, would leave the gradient behind: refused."""
        func = call.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in CONTAINER_CHANGES
            and isinstance(func.value, cst.Name)
            and func.value.value in self.env
            and self._is_varied(func.value)
        ):
            return
        raise UnsupportedSyntax(
            f".{func.attr.value}() changes '{func.value.value}' in place, and "
            "its items carry a derivative",
            "build a new list instead (a comprehension, or slices joined with "
            "+); append, extend, insert and pop on the function's own lists "
            "are supported",
            self.source.location(call),
        )

    def _known_sequence(self, node: cst.BaseExpression) -> bool:
        """Code known to make a list or tuple: a literal, a comprehension, a
        variable that holds one (``sequences``), a slice, join or repetition
        of one, ``list(...)``, ``tuple(...)`` or ``sorted(...)``. A guess may
        be wrong (a name holding a list on one path, an array on another):
        the rules of joins and repetitions check types when they run."""
        if isinstance(node, (cst.List, cst.Tuple, cst.ListComp)):
            return True
        if isinstance(node, cst.Name):
            return self.env.get(node.value) in self.sequences
        if isinstance(node, cst.BinaryOperation):
            if not isinstance(node.operator, (cst.Add, cst.Multiply)):
                return False
            return self._known_sequence(node.left) or self._known_sequence(node.right)
        if isinstance(node, cst.Subscript):
            return (
                len(node.slice) == 1
                and isinstance(node.slice[0].slice, cst.Slice)
                and self._known_sequence(node.value)
            )
        if isinstance(node, cst.Call):
            callee = resolve_callee(self.source, node.func, self.env, strict=False)
            return any(callee is f for f in (list, tuple, sorted))
        return False

    def _sequence_operation(
        self, node: cst.BinaryOperation, target_name: str | None
    ) -> ir.Operand | None:
        """``xs + ys`` (a join) and ``xs * n`` or ``n * xs`` (a repetition)
        where an operand is known to be a list or tuple; None otherwise."""
        left, right = node.left, node.right
        if isinstance(node.operator, cst.Add) and (
            self._known_sequence(left) or self._known_sequence(right)
        ):
            operands = [self._lower(left), self._lower(right)]
            return self._apply(registry.lookup(JOIN), operands, {}, target_name, node)
        if not isinstance(node.operator, cst.Multiply):
            return None
        for items, count, key in ((left, right, REPEAT), (right, left, REPEAT_LEFT)):
            if not self._known_sequence(items):
                continue
            if self._is_varied(count):  # not an int: numpy multiplies
                return None
            operands = [self._lower(items), self._lower(count)]
            return self._apply(registry.lookup(key), operands, {}, target_name, node)
        return None

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
            self._updated(before, self.env[name])
            return
        self.list_roots[self.env[name]] = root
        self._updated(before, self.env[name])
        self._follow_write(root, before, self.env[name])


def list_method(node: cst.BaseExpression, env: dict[str, str]) -> str | None:
    """``append``, ``extend``, ``insert`` or ``pop`` when ``node`` calls that
    method of a local name, with the arguments the method takes (positional
    ones, no star); None otherwise."""
    if not (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and isinstance(node.func.value, cst.Name)
        and node.func.value.value in env
        and all(a.keyword is None and not a.star for a in node.args)
    ):
        return None
    method = node.func.attr.value
    counts = {"append": (1,), "extend": (1,), "insert": (2,), "pop": (0, 1)}
    return method if len(node.args) in counts.get(method, ()) else None


def _int_node(value: int) -> cst.BaseExpression:
    integer = cst.Integer(str(abs(value)))
    return cst.UnaryOperation(cst.Minus(), integer) if value < 0 else integer


def _slice(owner: cst.Name, lower=None, upper=None) -> cst.Subscript:
    return cst.Subscript(owner, [cst.SubscriptElement(cst.Slice(lower, upper))])


def _parts(owner: cst.Name, position: cst.BaseExpression, skip: int):
    """The slices of ``owner`` before and after ``position``, leaving out
    ``skip`` items there (0 or 1): ``([before], after)``, with ``before``
    empty where it is always empty and ``after`` None where it is."""
    known = int_literal(position)
    if skip and known == -1:
        return [_slice(owner, upper=position)], None
    if known == 0:
        return [], _slice(owner, lower=cst.Integer("1")) if skip else owner
    before = [_slice(owner, upper=position)]
    if known is not None and known + skip != 0:  # items[k + 1:]
        return before, _slice(owner, lower=_int_node(known + skip))
    if not skip:
        return before, _slice(owner, lower=position)
    rest = _slice(owner, lower=position)  # items[i:][1:], right for any i
    return before, cst.Subscript(
        rest, [cst.SubscriptElement(cst.Slice(cst.Integer("1"), None))]
    )
