"""Copies of the runtime helpers, for ahead-of-time gradient modules.

A module written by ``adcompile build`` must run where adcompile is not
installed, so it carries the source of the helpers its gradient functions
call. ``runtime_code(names)`` returns that source: the helpers named, every
runtime function or class they use (transitively: ``repeat_to`` brings
``_normalize_axes``), and a local ``AdcompileError`` with the subclasses they
raise. The copies are the helpers' own source (``inspect.getsource``) with
type annotations removed, since their names (``Any``) are not imported.

``free_names(module)`` is the scope analysis both this module and ``build``
use: the ``Name`` nodes of a module that read a global or builtin name.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope, MetadataWrapper, ScopeProvider

from . import errors, runtime

ERROR_BASE = '''\
class AdcompileError(Exception):
    """Base class of the errors these gradient functions raise.

    A stand-in for ``adcompile.AdcompileError``, so that this module needs
    only numpy: ``reason`` says what is wrong, ``hint`` what to do instead.
    """

    def __init__(self, reason, hint="", location=None):
        self.reason = reason
        self.hint = hint
        self.location = location
        super().__init__(f"{reason}\\n  {hint}" if hint else reason)
'''


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


def runtime_code(names: Iterable[str]) -> RuntimeCode:
    """The source of the runtime helpers ``names`` and all they depend on."""
    namespace = vars(runtime)
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
        if (
            not (inspect.isfunction(obj) or inspect.isclass(obj))
            or obj.__module__ != runtime.__name__
        ):
            raise TypeError(
                f"adcompile cannot copy runtime.{name} into a generated module: "
                "only functions, classes, modules and errors are supported"
            )
        source = drop_annotations(cst.parse_module(inspect.getsource(obj)))
        definitions[name] = source.code.strip("\n")
        for node in free_names(source)[1]:
            if node.value in namespace and node.value not in definitions:
                pending.append(node.value)

    def position(name: str) -> int:
        return inspect.getsourcelines(namespace[name])[1]

    blocks = _error_classes(raised)
    blocks += [definitions[name] for name in sorted(definitions, key=position)]
    return RuntimeCode(tuple(sorted(modules)), "\n\n\n".join(blocks))


def _import_line(name: str, module: types.ModuleType) -> str:
    if name == module.__name__:
        return f"import {name}"
    return f"import {module.__name__} as {name}"


def _error_classes(raised: set[type[errors.AdcompileError]]) -> list[str]:
    """A local AdcompileError and the subclasses raised, with their docstrings."""
    if not raised:
        return []
    blocks = [ERROR_BASE.strip("\n")]
    for cls in sorted(raised, key=lambda c: inspect.getsourcelines(c)[1]):
        if cls is errors.AdcompileError:
            continue
        doc = inspect.getdoc(cls) or f"A {cls.__name__} error."
        if "\n" in doc or '"""' in doc:
            doc = doc.split("\n", 1)[0].replace('"""', "'''")
        blocks.append(f'class {cls.__name__}(AdcompileError):\n    """{doc}"""')
    return blocks
