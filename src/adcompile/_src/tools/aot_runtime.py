"""Emitted gradient code made to stand alone, for ahead-of-time modules.

A module written by ``adcompile build`` must run where adcompile is not
installed and outside the user's module. ``Resolver`` rewrites the global
names an emitted function reads (the user's data and functions through an
import of the user's module; numpy and math; the helpers), and the module
carries the source of the helpers its gradient functions call:
``runtime_code(names)`` returns that source: the helpers named, every
runtime function or class they use (transitively: ``repeat_to`` brings
``_normalize_axes``), and a local ``AdcompileError`` with the subclasses they
raise. The copies are the helpers' own source (``inspect.getsource``) with
type annotations removed, since their names (``Any``) are not imported.

``free_names(module)`` is the scope analysis both rely on: the ``Name``
nodes of a module that read a global or builtin name.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import keyword
import math
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType

import libcst as cst
import numpy as np
from libcst.metadata import BuiltinScope, GlobalScope, MetadataWrapper, ScopeProvider

from adcompile._src import errors, runtime
from adcompile._src.emit.emit import format_source
from adcompile._version import __version__

ERROR_BASE = '''\
class AdcompileError(Exception):
    """Base class of the errors these gradient functions raise.

    A stand-in for ``adcompile.AdcompileError``, so that this module needs
    only numpy: ``reason`` says what is wrong, ``hint`` what to do instead.
    A refusal that names the statement it is about (``statement``) shows
    where that statement is written in the sources this module was built
    from (its docstring's ``source`` and ``also``); another shows where the
    function whose gradient was running is defined.
    """

    def __init__(self, reason, hint="", location=None):
        self.reason = reason
        self.hint = hint
        self.location = location
        super().__init__(reason)

    def __str__(self):
        place = self.location or _source_place(getattr(self, "statement", ""))
        place = place or _definition_place(self.__traceback__)
        parts = [self.reason, place, f"  {self.hint}" if self.hint else ""]
        return "\\n".join(part for part in parts if part)


def _definition_place(traceback):
    """Where the user function is defined whose derivative this module's
    outermost function in ``traceback`` is (its docstring lists them)."""
    import re

    built = {}
    header = globals().get("__doc__") or ""
    for names, function in re.findall(r"^- (.*?): (\\S+) with", header, re.M):
        built.update((name, function.rsplit(".", 1)[-1]) for name in names.split(", "))
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_globals is globals() and frame.f_code.co_name in built:
            return _source_place(f"def {built[frame.f_code.co_name]}(")
        traceback = traceback.tb_next
    return ""


def _source_place(statement):
    """Where the first line of ``statement`` is written in this module's
    sources, as a traceback shows a place ("" when it is not found)."""
    import os
    import re

    first = str(statement).strip().split("\\n")[0]
    header = globals().get("__doc__") or ""
    fields = dict(re.findall(r"^(\\w+): (.*)$", header, re.MULTILINE))
    names = [fields.get("source", "")]
    names += [item.split("=")[0] for item in fields.get("also", "").split()]
    directory = os.path.dirname(os.path.abspath(globals().get("__file__", ".")))
    for name in names if first else ():
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as stream:
                lines = stream.read().splitlines()
        except OSError:
            continue
        try:  # as the user would name it, if below the current directory
            shown = os.path.relpath(path)
        except ValueError:  # (on another drive)
            shown = ".."
        path = path if shown.startswith("..") else shown
        for number, text in enumerate(lines, start=1):
            col = text.find(first)
            if col >= 0:
                caret = " " * (col - (len(text) - len(text.lstrip())))
                return (
                    f'  File "{path}", line {number}, col {col + 1}\\n'
                    f"    {text.strip()}\\n    {caret}{'^' * len(first)}"
                )
    return ""
'''


# the lines around the helpers' copies in ``module_body``'s text, formatted
# already (see ``formatted``)
HELPERS_BEGIN = "# <adcompile: the helpers, formatted>"
HELPERS_END = "# </adcompile: the helpers, formatted>"


@dataclass(frozen=True)
class RuntimeCode:
    """What a generated module needs to define the helpers it calls."""

    imports: tuple[str, ...]  # modules the copied code uses, besides numpy
    source: str  # class and function definitions, two blank lines apart


def free_names(module: cst.Module) -> tuple[cst.Module, list[cst.Name]]:
    """The ``Name`` nodes of ``module`` that read a global or builtin name.

    Returns the module the nodes belong to (metadata resolution works on a
    copy) with the nodes, in no particular order.
    """
    wrapper = MetadataWrapper(module)
    scopes = wrapper.resolve(ScopeProvider)
    found: list[cst.Name] = []
    for scope in {s for s in scopes.values() if s is not None}:
        for access in scope.accesses:
            if not isinstance(access.node, cst.Name):
                continue  # a string annotation, or an import alias
            if all(
                isinstance(r.scope, (GlobalScope, BuiltinScope))
                for r in access.referents
            ):
                found.append(access.node)
    return wrapper.module, found


class _DropAnnotations(cst.CSTTransformer):
    """Remove parameter, return and variable annotations."""

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(annotation=None)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        return updated.with_changes(returns=None)

    def leave_AnnAssign(
        self, original: cst.AnnAssign, updated: cst.AnnAssign
    ) -> cst.BaseSmallStatement:
        if updated.value is None:
            return cst.Pass()
        return cst.Assign([cst.AssignTarget(updated.target)], updated.value)


def drop_annotations(module: cst.Module) -> cst.Module:
    """``module`` without type annotations."""
    return module.visit(_DropAnnotations())


class Resolver:
    """Rewrites the global names emitted code reads, for a separate module.

    ``resolve(text)`` returns the code of one emitted function with every
    name it reads from the user's module (``SCALE``) read through the module
    imported as ``alias`` (``_model.SCALE``), and numpy and math, whatever
    the user's names for them, under the names the function uses for them;
    names in ``defined`` (functions of the generated module) stay.
    Builtins stay as they are. After it ran, ``used`` holds the canonical
    names (``np``, ``math``, helpers) the code needs, ``aliases`` the emitted
    names that differ from them (``np_`` -> ``np``), and ``reads`` the names
    read from the user's module.
    """

    def __init__(
        self,
        function: FunctionType,
        bindings: dict[str, str],
        alias: str,
        defined: frozenset[str] = frozenset(),
    ) -> None:
        self.globals = function.__globals__
        self.defined = defined  # functions of the generated module itself
        self.bindings = bindings
        self.canonical = {emitted: name for name, emitted in bindings.items()}
        self.alias = alias
        self.used: set[str] = set()  # canonical names: np, math, helpers
        self.aliases: dict[str, str] = {}  # emitted name -> canonical name
        self.reads: set[str] = set()  # names read from the user's module

    def resolve(self, text: str) -> str:
        tree, nodes = free_names(cst.parse_module(text))
        replacements: dict[cst.Name, cst.BaseExpression] = {}
        for node in nodes:
            replacement = self._name(node.value)
            if replacement is not None:
                replacements[node] = replacement
        return tree.visit(_Replace(replacements)).code

    def _name(self, name: str) -> cst.BaseExpression | None:
        if name in self.defined:
            return None
        canonical = self.canonical.get(name)
        if canonical is None and name in self.globals:
            value = self.globals[name]
            canonical = "np" if value is np else "math" if value is math else None
            if canonical is None:
                self.reads.add(name)
                return cst.Attribute(cst.Name(self.alias), cst.Name(name))
            name = self.bindings.get(canonical, canonical)
        if canonical is None:
            if hasattr(builtins, name):
                return None
            self.reads.add(name)  # not defined yet: looked up when called
            return cst.Attribute(cst.Name(self.alias), cst.Name(name))
        self.used.add(canonical)
        if name != canonical:
            self.aliases[name] = canonical
        return cst.Name(name)


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.Name, cst.BaseExpression]) -> None:
        self.replacements = replacements

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.replacements.get(original, updated)


def renamed(text: str, kind: str, name: str) -> str:
    """The emitted function ``text`` named ``KIND_NAME``, without annotations."""
    tree = cst.parse_module(text)
    definition = tree.body[0]
    assert isinstance(definition, cst.FunctionDef)
    definition = definition.with_changes(name=cst.Name(f"{kind}_{name}"))
    return drop_annotations(tree.with_changes(body=[definition])).code


def import_name(source: Path) -> str | None:
    """The dotted name under which ``source`` imports, counting packages."""
    parts = [source.stem]
    directory = source.resolve().parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return ".".join(parts)
    return None


def module_body(
    functions: list[str],
    used: set[str],
    aliases: dict[str, str],
    user_imports: list[str],
    tail: Iterable[str] = (),
    error_base: bool = False,
) -> str:
    """Imports, the gradient functions, then copies of the helpers they use.

    ``used`` and ``aliases`` are those of the ``Resolver`` that resolved the
    functions; ``user_imports`` import the user's modules they read;
    ``tail`` comes last (statements that need every function defined);
    ``error_base``: the module raises its ``AdcompileError`` itself.
    """
    helpers = sorted(name for name in used if name in runtime.HELPERS)
    code = runtime_code(helpers)
    source = code.source
    if error_base and "class AdcompileError(" not in source:
        source = "\n\n\n".join(s for s in (_formatted(ERROR_BASE), source) if s)
    stdlib = {*code.imports, *(["import math"] if "math" in used else [])}
    lines = [*sorted(stdlib), "", "import numpy as np", ""]
    if user_imports:
        lines += [*user_imports, ""]
    # numpy and math under the names the functions use: defaults need them now
    early = {name: c for name, c in aliases.items() if c in ("np", "math")}
    lines += [f"{name} = {canonical}" for name, canonical in sorted(early.items())]
    for function in functions:
        lines += ["", "", function.strip("\n")]
    if source:
        lines += ["", "", f"# Runtime helpers, copied from adcompile {__version__}"]
        lines += ["# so that this module needs only numpy.", "", ""]
        lines += [HELPERS_BEGIN, source, HELPERS_END]
    late = sorted(set(aliases.items()) - set(early.items()))
    if late:
        lines += ["", "", "# Helpers under the names the gradient functions use."]
        lines += [f"{name} = {canonical}" for name, canonical in late]
    for statement in tail:
        lines += ["", "", statement.strip("\n")]
    return "\n".join(lines)


def runtime_code(names: Iterable[str]) -> RuntimeCode:
    """The source of the runtime helpers ``names`` and all they depend on."""
    namespace = runtime.NAMESPACE
    definitions: dict[str, str] = {}
    raised: set[type[errors.AdcompileError]] = set()
    modules: set[str] = set()
    pending = sorted(set(names))
    while pending:
        name = pending.pop()
        if name in definitions:
            continue
        obj = namespace[name]
        if isinstance(obj, type) and issubclass(obj, errors.AdcompileError):
            raised.add(obj)
            continue
        if isinstance(obj, types.ModuleType):
            if obj.__name__ != "numpy":
                modules.add(_import_line(name, obj))
            continue
        definitions[name], reads = _definition(name)
        pending += [n for n in reads if n in namespace and n not in definitions]

    # what the helpers share first: their definitions may use it
    modules_order = [runtime.support.__name__, *(m.__name__ for m in runtime.MODULES)]

    def position(name: str) -> tuple[int, int]:
        obj = namespace[name]
        constant = _constant_definition(name)
        if constant is not None:
            return -1, constant[1]  # constants first: defaults may read them
        return modules_order.index(obj.__module__), inspect.getsourcelines(obj)[1]

    blocks = _error_classes(raised)
    blocks += [definitions[name] for name in sorted(definitions, key=position)]
    return RuntimeCode(tuple(sorted(modules)), "\n\n\n".join(blocks))


@functools.cache
def _definition(name: str) -> tuple[str, tuple[str, ...]]:
    """The source of the runtime constant, function or class ``name`` as
    copied (annotations dropped), and the global names it reads (the same
    for every module built in a process: found once)."""
    constant = _constant_definition(name)
    if constant is not None:  # a module constant: a tuple of modes, a dtype
        source = cst.parse_module(constant[0])
    else:
        obj = runtime.NAMESPACE[name]
        if not (
            inspect.isfunction(obj) or inspect.isclass(obj)
        ) or not obj.__module__.startswith(runtime.__name__ + "."):
            raise TypeError(
                f"adcompile cannot copy runtime.{name} into a generated module: "
                "only functions, classes, modules and errors are supported"
            )
        source = drop_annotations(cst.parse_module(inspect.getsource(obj)))
    reads = tuple(dict.fromkeys(node.value for node in free_names(source)[1]))
    return _formatted(source.code), reads


@functools.cache
def _formatted(text: str) -> str:
    """A top-level definition as black writes it (without the blank lines
    around it)."""
    return format_source(text).strip("\n")


def formatted(text: str) -> str:
    """A generated module's text as black writes it. The helpers' copies
    (between ``HELPERS_BEGIN`` and ``HELPERS_END``, which are dropped) are
    formatted one definition at a time as they are copied, once a process:
    black gives a module's top-level definitions two blank lines apart
    whatever surrounds them, so the whole comes out as black would write it,
    in a fraction of the time."""
    head, found, rest = text.partition(f"\n{HELPERS_BEGIN}\n")
    if not found:
        return format_source(text)
    helpers, _, tail = rest.partition(f"\n{HELPERS_END}\n")
    parts = [format_source(head), "\n\n", helpers.strip("\n"), "\n"]
    if tail.strip():
        parts += ["\n\n", format_source(tail)]
    return "".join(parts)


def _constant_definition(name: str) -> tuple[str, int] | None:
    """The one-line statement of a runtime module that defines the constant
    ``name`` (``_FLOAT64 = np.dtype(np.float64)``), and its line; None when
    ``name`` is not such a constant."""
    obj = runtime.NAMESPACE[name]
    defined_here = (inspect.isfunction(obj) or inspect.isclass(obj)) and str(
        getattr(obj, "__module__", "")
    ).startswith(runtime.__name__ + ".")
    if defined_here or isinstance(obj, types.ModuleType):
        return None
    for index, module in enumerate(runtime.MODULES):
        if vars(module).get(name) is not obj:
            continue
        lines = inspect.getsource(module).splitlines()
        for number, line in enumerate(lines, start=1):
            if line.startswith(f"{name} = "):
                return line, index * 100_000 + number
    return None


def _import_line(name: str, module: types.ModuleType) -> str:
    if name == module.__name__:
        return f"import {name}"
    return f"import {module.__name__} as {name}"


def _error_classes(raised: set[type[errors.AdcompileError]]) -> list[str]:
    """A local AdcompileError and the subclasses raised, with their docstrings."""
    if not raised:
        return []
    blocks = [_formatted(ERROR_BASE)]
    for cls in sorted(raised, key=lambda c: inspect.getsourcelines(c)[1]):
        if cls is errors.AdcompileError:
            continue
        doc = inspect.getdoc(cls) or f"A {cls.__name__} error."
        if "\n" in doc or '"""' in doc:
            doc = doc.split("\n", 1)[0].replace('"""', "'''")
        block = f'class {cls.__name__}(AdcompileError):\n    """{doc}"""'
        blocks.append(_formatted(block))
    return blocks
