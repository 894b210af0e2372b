"""What both commands read from the command line: a user's file loaded as a
module, its top-level functions, and ``--wrt`` lists."""

from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys
from types import FunctionType, ModuleType


class CliError(Exception):
    """A problem with the command line's input: reported in one line, exit 2."""


def parse_wrt(text: str) -> int | str | tuple[int | str, ...]:
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isidentifier() or part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected parameter names or positions separated by commas: {text!r}"
        )
    names = tuple(int(part) if part.isdigit() else part for part in parts)
    return names[0] if len(names) == 1 else names


def load_module(path: str) -> ModuleType:
    """Import the file at ``path`` under a fresh module name (a module of
    a package: by its dotted name, see ``_load_in_package``).

    The file's directory goes first on ``sys.path`` while it loads, so its
    imports of sibling modules work, and the module stays in ``sys.modules``
    so ``inspect.getsource`` finds its functions. Whatever the module prints
    while it loads goes to stderr, keeping stdout for the generated code.
    """
    if not os.path.exists(path):
        raise CliError(f"no such file: {path}")
    if not os.path.isfile(path):
        raise CliError(f"not a file: {path}")
    shown, path = path, os.path.abspath(path)
    if os.path.isfile(os.path.join(os.path.dirname(path), "__init__.py")):
        return _load_in_package(shown, path)
    name = _fresh_module_name(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, os.path.dirname(path))
    try:
        with contextlib.redirect_stdout(sys.stderr):
            loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise CliError(f"cannot import {shown}: {_describe(exc)}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(os.path.dirname(path))
    return module


def _load_in_package(shown: str, path: str) -> ModuleType:
    """A module inside a package, imported by its dotted name (so that its
    relative imports work), with the package's parent first on sys.path."""
    parts = [os.path.splitext(os.path.basename(path))[0]]
    directory = os.path.dirname(path)
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parts.insert(0, os.path.basename(directory))
        directory = os.path.dirname(directory)
    if not all(part.isidentifier() for part in parts):
        raise CliError(f"cannot import {shown}: {'.'.join(parts)} is not a module name")
    name = ".".join(parts)
    sys.path.insert(0, directory)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            module = importlib.import_module(name)
    except (Exception, SystemExit) as exc:
        raise CliError(f"cannot import {shown}: {_describe(exc)}") from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(directory)
    if os.path.abspath(getattr(module, "__file__", "") or "") != path:
        raise CliError(
            f"cannot import {shown}: {name} is imported from {module.__file__}"
        )
    return module


def _fresh_module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    base = "_adcompile_show_" + re.sub(r"\W", "_", stem)
    name, n = base, 1
    while name in sys.modules:
        n += 1
        name = f"{base}_{n}"
    return name


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        return f"SyntaxError: {exc.msg} ({where})"
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def top_level_functions(module: ModuleType) -> list[FunctionType]:
    """The functions defined at the top level of ``module``, in source order."""
    funcs = [
        obj
        for attr, obj in vars(module).items()
        if inspect.isfunction(obj)
        and obj.__module__ == module.__name__
        and obj.__qualname__ == attr  # not lambdas, aliases or nested functions
    ]
    return sorted(funcs, key=lambda f: f.__code__.co_firstlineno)


def members(module: ModuleType) -> list[tuple[str, FunctionType, bool]]:
    """The functions of ``module`` as ``show`` and ``build`` address them:
    ``(name, function, is_method)`` for each top-level function (``f``) and
    each method of a top-level class (``Class.method``, ``self`` first;
    static methods count as functions; special methods but ``__call__`` are
    left out), in source order."""
    found: list[tuple[str, FunctionType, bool]] = [
        (f.__name__, f, False) for f in top_level_functions(module)
    ]
    for attr, cls in vars(module).items():
        if not (
            inspect.isclass(cls)
            and cls.__module__ == module.__name__
            and cls.__qualname__ == attr
        ):
            continue
        for name, member in vars(cls).items():
            if name.startswith("__") and name != "__call__":
                continue
            method = not isinstance(member, staticmethod)
            function = getattr(member, "__func__", member)
            if isinstance(member, classmethod) or not inspect.isfunction(function):
                continue
            found.append((f"{attr}.{name}", function, method))
    return sorted(found, key=lambda item: _first_line(item[1]))


def _first_line(function: FunctionType) -> int:
    return function.__code__.co_firstlineno


def default_wrt(module: ModuleType, name: str) -> int:
    """What ``name`` (``f`` or ``Class.method``) is differentiated with
    respect to by default: a method's first parameter after ``self``, a
    function's (or static method's) first."""
    owner, _, attribute = name.rpartition(".")
    cls = getattr(module, owner, None) if owner else None
    if not isinstance(cls, type):
        return 0
    try:
        member = inspect.getattr_static(cls, attribute)
    except AttributeError:
        return 0
    return 0 if isinstance(member, staticmethod) else 1
