"""Reading a function's source and resolving the names it uses.

``read_function(f)`` returns a ``FunctionSource``: the parsed ``def`` (libcst),
the file and line offset needed to point back into the user's file, and a
resolver that maps each free name of the body to the object it denotes
(closure cell, module global or builtin) at the time of the call.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from adcompile._src.errors import Location, SourceUnavailable, UnresolvedName
from adcompile._src.syntax.tree import walk

_MISSING = object()


@dataclass
class FunctionSource:
    """A user function, parsed, with what is needed to report locations."""

    function: types.FunctionType
    module: cst.Module
    definition: cst.FunctionDef
    filename: str
    first_line: int  # line number in the file of the module's line 1
    indent: int  # columns removed by dedenting
    lines: list[str]
    _positions: dict[cst.CSTNode, CodeRange] | None = field(repr=False, default=None)
    _code: dict[cst.CSTNode, str] = field(repr=False, default_factory=dict)
    # nodes a pass rebuilt -> the nodes they were made from (see ``moved``)
    _made_from: dict[cst.CSTNode, cst.CSTNode] = field(repr=False, default_factory=dict)
    # in a variant returning the objects its caller passed (written_returns):
    # the names it keeps them under -> their parameters
    kept_as_given: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        """Where each node stands, computed on first use (errors only)."""
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        return self._positions

    def moved(self, new: cst.CSTNode, old: cst.CSTNode) -> None:
        """``new`` is ``old`` rebuilt by a pass (libcst rebuilds every node it
        visits): it stands where ``old`` stands. Passes that rebuild the
        user's statements before they are lowered report it, so that errors
        about those statements still point at the user's line."""
        if new is not old:
            self._made_from[new] = old

    def original(self, node: cst.CSTNode) -> cst.CSTNode:
        """The user's node that ``node`` was rebuilt from (itself if none)."""
        while node in self._made_from:
            node = self._made_from[node]
        return node

    def within(self, node: cst.CSTNode, around: cst.CSTNode) -> cst.CSTNode:
        """``node``, or the node it was rebuilt from, that stands in
        ``around`` (a statement of the same tree, or of the user's): where
        a call is looked up in the statement holding it. ``node``'s
        original if none does."""
        inside = {id(n) for n in walk(around)}
        while id(node) not in inside and node in self._made_from:
            node = self._made_from[node]
        return node

    def location(self, node: cst.CSTNode | None) -> Location | None:
        if node is None:
            return None
        code_range = self.positions.get(self.original(node))
        if code_range is None:
            return None
        line = code_range.start.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        width = (
            code_range.end.column - code_range.start.column
            if code_range.end.line == line
            else len(text.rstrip()) - code_range.start.column
        )
        return Location(
            filename=self.filename,
            line=self.first_line + line - 1,
            col=code_range.start.column + self.indent,
            source_line=" " * self.indent + text,
            width=width,
        )

    def last_return_location(self) -> Location | None:
        """Where the function's last ``return`` stands, found with the ``ast``
        module (cheap: no position pass over the whole tree)."""
        import ast

        try:
            tree = ast.parse("\n".join(self.lines))
        except SyntaxError:
            return None
        returns = [
            node
            for top in tree.body
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(top)
            if isinstance(node, ast.Return)
        ]
        if not returns:
            return None
        last = max(returns, key=lambda node: (node.lineno, node.col_offset))
        text = self.lines[last.lineno - 1]
        end = last.end_col_offset if last.end_lineno == last.lineno else len(text)
        return Location(
            filename=self.filename,
            line=self.first_line + last.lineno - 1,
            col=last.col_offset + self.indent,
            source_line=" " * self.indent + text,
            width=(end or len(text)) - last.col_offset,
        )

    def code(self, node: cst.CSTNode) -> str:
        """The source text of a node, on one line (remembered: the loops'
        bodies are lowered several times)."""
        known = self._code.get(node)
        if known is None:
            text = self.module.code_for_node(node).strip()
            known = " ".join(part.strip() for part in text.splitlines())
            self._code[node] = known
        return known

    def resolve(self, name: str) -> Any:
        """The object a free name denotes now: closure, global or builtin."""
        value = closure_values(self.function).get(name, _MISSING)
        if value is _MISSING:
            value = self.function.__globals__.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(builtins, name, _MISSING)
        if value is _MISSING:
            raise UnresolvedName(
                f"name '{name}' is not defined where {self.function.__name__} "
                "is defined",
                "define it (as a global, a closure variable or a parameter) before "
                "asking for the gradient",
            )
        return value


def closure_values(function: types.FunctionType) -> dict[str, Any]:
    """The current values of a function's closure cells, by name."""
    cells = function.__closure__ or ()
    values = {}
    for name, cell in zip(function.__code__.co_freevars, cells, strict=True):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell: the variable is not yet assigned
            continue
    return values


def unwrap_function(f: Any) -> types.FunctionType:
    """The plain Python function behind ``f``, or a SourceUnavailable error."""
    target = f
    if isinstance(target, types.MethodType):
        target = target.__func__
    if isinstance(target, types.FunctionType):
        return target  # (a wrapper made with functools.wraps is its own code)
    target = inspect.unwrap(target) if callable(target) else target
    if isinstance(target, types.FunctionType):
        return target
    kind = type(f).__name__
    name = getattr(f, "__qualname__", getattr(f, "__name__", repr(f)))
    raise SourceUnavailable(
        f"cannot differentiate {name}: it is a {kind}, not a Python function "
        "with source code",
        "adcompile reads a function's Python source; builtins and C functions "
        "have none. Wrap the call in a Python function, or register a derivative "
        "rule for it (see the user guide on custom rules)",
    )


def visible_names(function: types.FunctionType) -> dict[str, Any]:
    """What each name ``function`` can see denotes now: its closure's
    variables over its module's globals over the builtins."""
    return {**vars(builtins), **function.__globals__, **closure_values(function)}


def resolve_dotted(scope: dict[str, Any], dotted: str) -> Any:
    """The object ``a.b.c`` names in ``scope``; KeyError or AttributeError
    when there is none."""
    head, *rest = dotted.split(".")
    obj = scope[head]
    for attribute in rest:
        obj = getattr(obj, attribute)
    return obj


def read_function(f: Any) -> FunctionSource:
    """Parse the source of ``f``; raise SourceUnavailable when there is none."""
    function = unwrap_function(f)
    code = function.__code__
    filename = code.co_filename
    quick = _quick_lines(function)
    if quick is not None:
        try:
            return _parsed(function, *quick)
        except (SourceUnavailable, cst.ParserSyntaxError):
            pass  # inspect knows better where the definition ends
    try:
        raw_lines, first_line = inspect.getsourcelines(function.__code__)
    except (OSError, TypeError) as exc:
        raise SourceUnavailable(
            f"cannot read the source of {function.__qualname__} "
            f"(defined in {filename!r})",
            "adcompile needs the function's source file: functions typed into a "
            "plain interactive interpreter or made with exec() have none. Define "
            "the function in a .py file (or a notebook cell, or IPython) and "
            "import it",
        ) from exc
    return _parsed(function, raw_lines, first_line)


def definition_lines(function: types.FunctionType) -> tuple[list[str], int]:
    """The lines of ``function``'s definition and the number of the first.

    Like ``inspect.getsourcelines`` without its tokenizer (which costs several
    milliseconds the first time in a process): from the first line
    (decorators included) to the last line any instruction of the code comes
    from, then on while lines are blank, comments, or indented deeper than the
    first line (dead code). Raises OSError when there are no source lines.
    """
    code = function.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, function.__globals__)
    first = code.co_firstlineno
    if not 0 < first <= len(lines):
        raise OSError(f"no source lines for {function.__qualname__}")
    last = first
    for inner in nested_codes(code):
        if hasattr(inner, "co_positions"):  # Python 3.11+: end lines too
            ends = [end for _, end, _, _ in inner.co_positions()]
        else:
            ends = [line for _, _, line in inner.co_lines()]
        last = max([last, *(end for end in ends if end is not None)])
    indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
    while last < len(lines):
        following = lines[last]
        stripped = following.lstrip()
        deeper = len(following) - len(stripped) > indent
        if stripped and not stripped.startswith("#") and not deeper:
            break
        last += 1
    return lines[first - 1 : last], first


def nested_codes(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code of every function and class defined in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from nested_codes(const)


def _quick_lines(function: types.FunctionType) -> tuple[list[str], int] | None:
    """``definition_lines`` without trailing blank and comment lines; None
    for lambdas (several may share a line) and code without source lines."""
    if function.__name__ == "<lambda>":
        return None
    try:
        lines, first = definition_lines(function)
    except OSError:
        return None
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines = lines[:-1]
    return (lines, first) if lines else None


def _parsed(
    function: types.FunctionType, raw_lines: list[str], first_line: int
) -> FunctionSource:
    """The parsed definition of ``function`` from its source lines."""
    filename = function.__code__.co_filename
    raw = "".join(raw_lines)
    text = textwrap.dedent(raw)
    indent = _removed_indent(raw, text)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise SourceUnavailable(
            f"cannot parse the source of {function.__qualname__}: {exc.message}",
            "adcompile differentiates functions defined with def; the source "
            "found for this one does not parse on its own",
            Location(filename, first_line + exc.raw_line - 1, exc.raw_column),
        ) from exc
    definition = _find_definition(module, function)
    if definition is None and function.__name__ == "<lambda>":
        definition = _lambda_definition(module, function)
    if definition is None:
        raise SourceUnavailable(
            f"cannot differentiate {function.__qualname__}: it is a lambda or is "
            "not defined by a def statement adcompile can find",
            "define the function with def",
            Location(filename, first_line, indent, raw_lines[0] if raw_lines else ""),
        )
    return FunctionSource(
        function=function,
        module=module,
        definition=definition,
        filename=filename,
        first_line=first_line,
        indent=indent,
        lines=text.splitlines(),
    )


def _removed_indent(raw: str, dedented: str) -> int:
    for raw_line, line in zip(raw.splitlines(), dedented.splitlines(), strict=False):
        if line.strip():
            return len(raw_line) - len(line)
    return 0


def _lambda_definition(
    module: cst.Module, function: types.FunctionType
) -> cst.FunctionDef | None:
    """``def <lambda>(params): return body`` for the one lambda on the source
    lines whose parameters are the function's (None if not exactly one)."""
    code = function.__code__
    wanted = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found: list[cst.Lambda] = []

    class Finder(cst.CSTVisitor):
        def visit_Lambda(self, node: cst.Lambda) -> None:
            params = node.params
            names = [p.name.value for p in (*params.params, *params.kwonly_params)]
            if names == wanted:
                found.append(node)

    module.visit(Finder())
    if len(found) != 1:
        return None
    (node,) = found
    body = cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(node.body)])])
    return cst.FunctionDef(name=cst.Name("lambda_"), params=node.params, body=body)


def _find_definition(
    module: cst.Module, function: types.FunctionType
) -> cst.FunctionDef | None:
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            if statement.name.value == function.__code__.co_name:
                return statement
    return None
