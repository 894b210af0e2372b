"""The text of a module ``adcompile build`` writes: ``generate(target)``.

For each function built, the functions of the target's mode, named after
the function (``Class.method`` becomes ``Class_method``):

- reverse: ``grad_NAME``, ``value_and_grad_NAME`` and ``vjp_NAME`` (for
  outputs that are not scalars: ``(value, pullback)``);
- forward: ``jvp_NAME(*args, *, d<wrt>...)``, returning ``(value, tangent)``;
- hvp: ``hvp_NAME(*args, *, <tangents>)``, the tangent program of the
  gradient: ``(gradient, Hessian-vector product)``.

Then the derivative code of the user functions they call (``callees``),
the runtime helpers, and the dispatchers' tables. A function built by
default (no explicit list) is differentiated with respect to its first
parameter (a method's first after ``self``); it is skipped, with the
reason, when that parameter defaults to or is annotated as an integer, or
when the result does not depend on it through differentiable operations.
An integer parameter is refused when asked for explicitly too: a gradient
with respect to an integer is never written.

Invariant: the text returned compiles, and every name it reads is defined
in it, imported (numpy, math, the user's modules by their import names),
or a builtin.
"""

from __future__ import annotations

import inspect
import keyword
import sys
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Any

from adcompile._src.api.nested import DIFFERENTIABLE
from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    Options,
    compiled,
    derivative_of,
    emitted_text,
    resolve_wrt,
)
from adcompile._src.emit.emit import emit
from adcompile._src.errors import AdcompileError, IntegerInput
from adcompile._src.read.source import unwrap_function
from adcompile._src.reverse.derivative import useful_variables
from adcompile._src.runtime import HELPERS
from adcompile._src.tools import variants
from adcompile._src.tools.aot_runtime import Resolver, module_body, renamed
from adcompile._src.tools.callees import Linker
from adcompile._src.tools.loading import CliError, members

MODES = {
    "reverse": ("grad", "value_and_grad", "vjp"),
    "forward": ("jvp",),
    "hvp": ("hvp",),
}


class Refused(AdcompileError):
    """A function adcompile can differentiate, but not into a separate module."""


@dataclass
class Piece:
    """The functions (one per kind) built for one user function."""

    name: str  # as asked: ``loss`` or ``Model.loss``
    function: FunctionType
    wrt: list[str]
    bindings: dict[str, str]
    texts: list[str]
    kinds: tuple[str, ...]
    calls: list[dict[str, tuple[str, tuple, str]]]  # each text's call bindings
    shapes: tuple = ()  # a variant's: ((parameter, abstract value), ...)
    checks: list[str] = field(default_factory=list)  # a variant's shape check
    # hvp: ``function`` is the gradient code of this user function, whose
    # names these call bindings bind
    derived_from: tuple[FunctionType, dict[str, tuple[str, tuple, str]]] | None = None

    @property
    def word(self) -> str:
        return self.name.replace(".", "_")


@dataclass
class Generated:
    """A generated module: its text, the functions built and those skipped."""

    text: str
    built: list[str]
    skipped: list[tuple[str, str]]  # (function name, reason)
    pieces: list[Piece]


Request = tuple[str, Any, "str | None"]  # name, wrt, --args


def requests_of(module: ModuleType) -> list[Request]:
    """What is built by default: every function, wrt its first parameter,
    and every method, wrt its first after ``self``."""
    return [(name, 1 if method else 0, None) for name, _, method in members(module)]


def pieces_of(
    module: ModuleType,
    source_name: str,
    requests: list[Request],
    mode: str,
    explicit: bool,
    linker: Linker,
) -> tuple[list[Piece], list[tuple[str, str]]]:
    """The pieces built, and (name, reason) of each function skipped; an
    explicit request that cannot be built is an error."""
    pieces: list[Piece] = []
    skipped: list[tuple[str, str]] = []
    for name, wrt, args in requests:
        saved = linker.checkpoint()
        try:
            function = function_named(module, name, source_name)
            piece = _piece(name, function, wrt, mode, explicit, args)
            if piece.derived_from is not None:
                linker.derived(piece.function, *piece.derived_from)
            piece.texts = [
                linker.link(text, piece.function, calls)
                for text, calls in zip(piece.texts, piece.calls, strict=True)
            ]
            linker.finish()
        except AdcompileError as err:
            linker.restore(saved)
            if explicit:
                raise CliError(f"{name}: {_one_line(err)}") from None
            skipped.append((name, err.reason))
            continue
        pieces.append(piece)
    return pieces, skipped


def _one_line(err: AdcompileError) -> str:
    where = err.location
    place = f" ({where.filename}:{where.line}:{where.col + 1})" if where else ""
    hint = f"; {err.hint}" if err.hint else ""
    return f"{err.reason}{place}{hint}"


def _piece(
    name: str,
    function: FunctionType,
    wrt: Any,
    mode: str,
    explicit: bool,
    args: str | None = None,
) -> Piece:
    wrt_names, _ = resolve_wrt(function, wrt)
    _refuse_integers(function, wrt_names)
    kinds = MODES[mode]
    word = name.replace(".", "_")
    texts: list[str] = []
    calls = []
    shapes: tuple = ()
    if args is not None:
        if mode != "reverse":
            raise CliError(
                f"{name}: --args builds a variant of the gradient: "
                f"only in reverse mode, not mode {mode}"
            )
        shapes = variants.shapes_for(function, name, args)
    if mode == "reverse":
        # the variant in-process code compiles: its shapes sorted by name
        options = Options(shapes=tuple(sorted(shapes))) if shapes else DEFAULT_OPTIONS
        _, _, derivative = derivative_of(function, wrt, options)
        if not explicit:
            useful = useful_variables(derivative.program)
            if not useful & set(wrt_names):
                raise Refused(
                    f"its result does not depend on {', '.join(wrt_names)} through "
                    "operations with a derivative"
                )
        check = f"_check_shapes_{word}"
        for kind in kinds:
            text = renamed(emit(derivative, kind), kind, word)
            texts.append(variants.with_check(text, check, shapes) if shapes else text)
            calls.append(derivative.call_bindings)
        bindings = derivative.bindings
        if shapes:
            checks = [variants.check_function(check, name, shapes)]
            piece = Piece(
                name, function, list(wrt_names), bindings, texts, kinds, calls
            )
            piece.shapes, piece.checks = shapes, checks
            return piece
    elif mode == "forward":
        text, tangent = emitted_text(function, wrt, "jvp", DEFAULT_OPTIONS)
        texts.append(renamed(text, "jvp", word))
        calls.append(tangent.call_bindings)
        bindings = tangent.bindings
    else:  # the tangent program of the gradient code adcompile.hvp runs
        gradient = compiled(function, wrt, "grad", DIFFERENTIABLE)
        emitted = gradient.function
        assert isinstance(emitted, FunctionType)  # a plain function's gradient
        text, tangent = emitted_text(emitted, wrt, "jvp", DEFAULT_OPTIONS)
        texts.append(renamed(text, "hvp", word))
        calls.append(tangent.call_bindings)
        piece = Piece(
            name, emitted, list(wrt_names), tangent.bindings, texts, kinds, calls
        )
        piece.derived_from = (function, gradient.entry.calls)
        return piece
    return Piece(name, function, list(wrt_names), bindings, texts, kinds, calls)


def _refuse_integers(function: FunctionType, names: tuple[str, ...]) -> None:
    """Never a gradient with respect to a parameter that holds an integer."""
    parameters = inspect.signature(function).parameters
    for name in names:
        parameter = parameters[name]
        default, annotation = parameter.default, parameter.annotation
        if isinstance(default, (bool, int)) and not isinstance(default, float):
            raise IntegerInput(
                f"its parameter {name} defaults to an integer ({default!r}): "
                "integers have no derivative",
                "choose a float parameter with --wrt",
            )
        if annotation in (int, bool, "int", "bool"):
            raise IntegerInput(
                f"its parameter {name} is annotated as an integer: integers have "
                "no derivative",
                "choose a float parameter with --wrt",
            )


def function_named(module: ModuleType, name: str, source: str) -> FunctionType:
    """The function ``name`` (``f`` or ``Class.method``) of the user's module."""
    obj: Any = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise Refused(f"{source} has no function {name!r}")
        obj = (
            inspect.getattr_static(obj, part)
            if isinstance(obj, type)
            else getattr(obj, part)
        )
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
    if not callable(obj) or isinstance(obj, type):
        raise Refused(f"{name!r} in {source} is not a function")
    function = unwrap_function(obj)
    if function.__globals__ is not vars(module):
        raise Refused(
            f"it is defined in module {function.__module__}, not in {source}: "
            "build that module instead"
        )
    if function.__code__.co_freevars:
        raise Refused(
            "it reads variables of an enclosing function "
            f"({', '.join(function.__code__.co_freevars)}), which a generated "
            f"module cannot reach: define it at the top level of {source}"
        )
    return function


# -- the module's text -----------------------------------------------------------


class Imports:
    """The user's modules the text reads, each under an alias."""

    def __init__(self, main: ModuleType, main_name: str | None, taken: set[str]):
        self.main, self.main_name, self.taken = main, main_name, taken
        self.aliases: dict[str, str] = {}  # import name -> alias
        self.read: set[str] = set()

    def name_of(self, function: FunctionType) -> str | None:
        namespace = function.__globals__
        if namespace is vars(self.main):
            return self.main_name
        name = str(namespace.get("__name__"))
        module = sys.modules.get(name)
        if module is None or getattr(module, "__file__", None) is None:
            return None
        if not all(
            p.isidentifier() and not keyword.iskeyword(p) for p in name.split(".")
        ):
            return None
        return name

    def alias(self, name: str | None) -> str:
        if name is None:
            return "_module"
        alias = self.aliases.get(name)
        if alias is None:
            alias = "_" + name.rsplit(".", 1)[-1]
            while alias in self.taken or alias.startswith("__"):
                alias += "_"
            self.taken.add(alias)
            self.aliases[name] = alias
        return alias

    def reference(self, function: FunctionType) -> str | None:
        name = self.name_of(function)
        if name is None or "<" in function.__qualname__:
            return None
        self.read.add(name)
        return f"{self.alias(name)}.{function.__qualname__}"

    def lines(self) -> list[str]:
        return [f"import {n} as {self.aliases[n]}" for n in sorted(self.read)]


def body_of(
    module: ModuleType,
    module_name: str | None,
    pieces: list[Piece],
    linker: Linker,
    taken: set[str],
) -> str:
    """Imports, functions, helpers and tables of the module."""
    imports = Imports(module, module_name, taken)
    defined = frozenset(
        {f"{kind}_{p.word}" for p in pieces for kind in p.kinds}
        | {f"_check_shapes_{p.word}" for p in pieces if p.checks}
        | {code.name for code in linker.code}
        | set(linker.dispatchers.values())
        | {f"{name}_table" for name in linker.dispatchers.values()}
    )
    used: set[str] = set()
    aliases: dict[str, str] = {}
    functions: list[str] = []
    sources = [(t, p.function, p.bindings) for p in pieces for t in p.texts]
    sources += [(c.text, c.function, c.bindings) for c in linker.code]
    for text, function, bindings in sources:
        name = imports.name_of(function)
        resolver = Resolver(function, bindings, imports.alias(name), defined)
        resolved = resolver.resolve(text)
        if resolver.reads:
            if name is None:
                names = ", ".join(sorted(resolver.reads))
                raise CliError(
                    f"the gradient code reads {names} from {function.__module__}, "
                    "which is not importable by name: rename the file to a "
                    "Python identifier"
                )
            imports.read.add(name)
        used |= resolver.used
        aliases.update(resolver.aliases)
        functions.append(resolved)
    functions += linker.dispatcher_texts()
    checks = [check for p in pieces for check in p.checks]
    functions += [*checks, variants.helpers_text()] if checks else []
    tables = [linker.table_text(k, imports.reference) for k in linker.dispatchers]
    raises = bool(linker.dispatchers or checks)
    return module_body(functions, used, aliases, imports.lines(), tables, raises)


def new_linker() -> tuple[Linker, set[str]]:
    """A linker, and the names the module's own must avoid."""
    taken = {*HELPERS, "np", "math"}
    return Linker(taken), taken
