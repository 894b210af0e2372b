"""Make early exits structured: ``break``, ``continue``, ``return`` and
``raise`` end their block.

Invariant of the output: in every block, a statement that may leave the
block early (``return``, ``raise``, or ``break``/``continue`` of the
enclosing loop) is the block's last statement. The forward meaning is
unchanged; the point is that the path taken through a loop body is then
fully described by the branch decisions, which the backward sweep replays.

The statements that follow an ``if`` one of whose branches may exit are
moved to the end of the path through it that falls through (and dropped
where every path exits). When several paths fall through, copying more
than one line to each would repeat it on each path (and double the code
with each nested exit): the exits inside the ``if`` then set a flag
instead (``broke = True``, ``continued = True``, ``returned_value = ...;
returned = True``), and the statements follow once, after ``if broke:
break`` and the like: no more than a one-line rest is ever copied. A
``raise`` is left where it is: it leaves the whole function, so what follows
an ``if`` that may raise runs only on the paths that fall through, as
written, and a flag is never needed.

Expects no ``return`` with a value inside a loop (``loop_exits`` rewrites
them first).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

EXITS = (cst.Return, cst.Break, cst.Continue, cst.Raise)


class FlagNames:
    """Names for the flags the exit rewrites add: each new, clashing with no
    name of the function and with no other flag."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken  # shared with the caller: every name given is added

    def new(self, base: str) -> str:
        name, counter = base, 0
        while name in self.taken:
            counter += 1
            name = f"{base}_{counter}"
        self.taken.add(name)
        return name


def assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    """The statement ``name = value``."""
    target = cst.AssignTarget(cst.Name(name))
    return cst.SimpleStatementLine([cst.Assign([target], value)])


def flag(name: str, value: bool) -> cst.SimpleStatementLine:
    """The statement ``name = True`` (or ``False``)."""
    return assign(name, cst.Name(str(value)))


def when(test: cst.BaseExpression, small: cst.BaseSmallStatement) -> cst.If:
    """The statement ``if test: small``."""
    return cst.If(test=test, body=cst.IndentedBlock([cst.SimpleStatementLine([small])]))


def ended_at(line: cst.SimpleStatementLine, position: int) -> cst.SimpleStatementLine:
    """``line`` without its small statements from ``position`` on."""
    *first, last = line.body[:position]
    last = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=[*first, last])


def lift_exits(
    block: Sequence[cst.BaseStatement], flags: FlagNames
) -> list[cst.BaseStatement]:
    """The statements of ``block`` with early exits moved to block ends."""
    result: list[cst.BaseStatement] = []
    for position, statement in enumerate(block):
        rest = list(block[position + 1 :])
        if _ends_with_exit(statement):
            result.append(statement)
            return result  # whatever follows is unreachable
        if isinstance(statement, cst.If) and _may_exit(statement):
            lifted = _lift_branches(statement, flags)
            ends = _open_ends([lifted])
            if not rest or ends == 0:
                result.append(lifted)
            elif ends == 1 or _one_line(rest) or _returns_nothing(lifted):
                result.append(_append_at_open_ends(lifted, lift_exits(rest, flags)))
            else:
                result.extend(_exit_through_flags(lifted, rest, flags))
            return result
        result.append(_lift_inside(statement, flags))
    return result


def _lift_inside(statement: cst.BaseStatement, flags: FlagNames) -> cst.BaseStatement:
    if isinstance(statement, (cst.For, cst.While)):
        body = lift_exits(list(statement.body.body), flags)
        return statement.with_changes(body=statement.body.with_changes(body=body))
    if isinstance(statement, cst.If):
        return _lift_branches(statement, flags)
    return statement


def _lift_branches(statement: cst.If, flags: FlagNames) -> cst.If:
    body = lift_exits(list(statement.body.body), flags)
    orelse = lift_exits(_else_statements(statement), flags)
    return _with_branches(statement, body, orelse)


def _with_branches(
    statement: cst.If, body: list[cst.BaseStatement], orelse: list[cst.BaseStatement]
) -> cst.If:
    new_else = cst.Else(body=cst.IndentedBlock(body=orelse)) if orelse else None
    return statement.with_changes(
        body=statement.body.with_changes(body=body), orelse=new_else
    )


def _open_ends(block: list[cst.BaseStatement]) -> int:
    """How many paths fall through the end of a lifted block."""
    if not block:
        return 1
    last = block[-1]
    if _ends_with_exit(last):
        return 0
    if isinstance(last, cst.If) and _may_exit(last):
        body = list(last.body.body)
        return _open_ends(body) + _open_ends(_else_statements(last))
    return 1


def _append_at_open_ends(statement: cst.If, rest: list[cst.BaseStatement]) -> cst.If:
    """A lifted ``if`` with ``rest`` at the end of each path falling through."""
    branches = [list(statement.body.body), _else_statements(statement)]
    body, orelse = (_append_to_block(b, rest) if _open_ends(b) else b for b in branches)
    return _with_branches(statement, body, orelse)


def _append_to_block(
    block: list[cst.BaseStatement], rest: list[cst.BaseStatement]
) -> list[cst.BaseStatement]:
    if block and isinstance(block[-1], cst.If) and _may_exit(block[-1]):
        return [*block[:-1], _append_at_open_ends(block[-1], rest)]
    return [*block, *rest]


def _exit_through_flags(
    lifted: cst.If, rest: list[cst.BaseStatement], flags: FlagNames
) -> list[cst.BaseStatement]:
    """``lifted`` with its exits setting flags, then the exits on the flags,
    then ``rest`` once."""
    kinds = _exit_kinds(lifted)
    words = {cst.Break: "broke", cst.Continue: "continued", cst.Return: "returned"}
    names = {kind: flags.new(words[kind]) for kind in kinds}
    value = flags.new("returned_value") if cst.Return in kinds else ""
    inits = [flag(names[kind], False) for kind in kinds]
    (flagged,) = _set_flags(lifted, names, value)
    exits = {
        cst.Break: cst.Break,
        cst.Continue: cst.Continue,
        cst.Return: lambda: cst.Return(cst.Name(value)),
    }
    dispatch = [when(cst.Name(names[kind]), exits[kind]()) for kind in kinds]
    return [*inits, flagged, *lift_exits([*dispatch, *rest], flags)]


def _exit_kinds(statement: cst.BaseStatement) -> list[type]:
    """The kinds of exit of a lifted statement (not those of nested loops)."""
    found: list[type] = []
    if isinstance(statement, cst.SimpleStatementLine) and _ends_with_exit(statement):
        found.append(type(statement.body[_exit_position(statement)]))
    elif isinstance(statement, cst.If):
        for inner in [*statement.body.body, *_else_statements(statement)]:
            found.extend(k for k in _exit_kinds(inner) if k not in found)
    return [k for k in (cst.Break, cst.Continue, cst.Return) if k in found]


def _set_flags(
    statement: cst.BaseStatement, names: dict[type, str], value: str
) -> list[cst.BaseStatement]:
    """``statement`` with each exit (of the kinds named) replaced by setting
    its flag (and, for a return, the value it returns)."""
    if isinstance(statement, cst.SimpleStatementLine) and _ends_with_exit(statement):
        position = _exit_position(statement)
        exit_ = statement.body[position]
        if isinstance(exit_, cst.Raise):  # leaves the function: no flag
            return [statement]
        lines = [ended_at(statement, position)] if position else []
        if isinstance(exit_, cst.Return):
            lines.append(assign(value, exit_.value))
        return [*lines, flag(names[type(exit_)], True)]
    if isinstance(statement, cst.If):
        body = [
            s for inner in statement.body.body for s in _set_flags(inner, names, value)
        ]
        orelse = [
            s
            for inner in _else_statements(statement)
            for s in _set_flags(inner, names, value)
        ]
        return [_with_branches(statement, body, orelse)]
    return [statement]


def _one_line(block: list[cst.BaseStatement]) -> bool:
    """A rest short enough to copy to each path (it adds one line a path)."""
    return len(block) == 1 and isinstance(block[0], cst.SimpleStatementLine)


def _exit_position(line: cst.SimpleStatementLine) -> int:
    """Where the first exit of a line stands (what follows it never runs)."""
    return next(i for i, small in enumerate(line.body) if isinstance(small, EXITS))


def _returns_nothing(statement: cst.BaseStatement) -> bool:
    """Whether a bare ``return`` is among the exits of a lifted statement
    (it is refused when lowered: no flag is made for it)."""
    if isinstance(statement, cst.SimpleStatementLine) and _ends_with_exit(statement):
        exit_ = statement.body[_exit_position(statement)]
        return isinstance(exit_, cst.Return) and exit_.value is None
    if isinstance(statement, cst.If):
        branches = [*statement.body.body, *_else_statements(statement)]
        return any(_returns_nothing(s) for s in branches)
    return False


def _else_statements(statement: cst.If) -> list[cst.BaseStatement]:
    orelse = statement.orelse
    if orelse is None:
        return []
    if isinstance(orelse, cst.If):  # elif: an if inside the else
        return [orelse]
    return list(orelse.body.body)


def _ends_with_exit(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        return any(isinstance(small, EXITS) for small in statement.body)
    return False


def _may_exit(statement: cst.BaseStatement) -> bool:
    """Whether ``statement`` may leave the enclosing block early and go on
    elsewhere in the function (a ``raise`` leaves the function: the code
    after an ``if`` that may raise runs just where it stands)."""
    if _ends_with_exit(statement):
        line = statement
        assert isinstance(line, cst.SimpleStatementLine)
        return not isinstance(line.body[_exit_position(line)], cst.Raise)
    if isinstance(statement, cst.If):
        branches = [*statement.body.body, *_else_statements(statement)]
        return any(_may_exit(s) for s in branches)
    return False
