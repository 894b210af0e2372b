"""The key of a disk-cache entry: everything an emitted gradient depends on.

``key(f, wrt_key, kind, options)`` is a sha256 over:

- f's source lines, file, first line and qualified name;
- a fingerprint of each name f's code (and nested code) looks up
  (``co_names``, free variables) and of each dotted chain in its source
  (``np.linalg.norm``), as resolved now through its closure, globals and
  builtins: a module's name; ``module.qualname`` of functions, classes,
  builtins and ufuncs, plus, for Python functions, a hash of their source and
  (one level down) of the names they use; only the type of a data value
  (values are read live at call time); and the rule registered for it, if any;
- the rule table, wrt, kind, options;
- the Python, numpy and adcompile versions and the size and mtime of each of
  adcompile's source files.

A change to any of them gives another key: a miss.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import json
import operator
import os
import re
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np

from adcompile import _version
from adcompile._src.read.source import closure_values, definition_lines, nested_codes
from adcompile._src.read.written_returns import written_returned
from adcompile._src.rules import registry

FORMAT = 1
_CHAIN = re.compile(r"\b([A-Za-z_]\w*)\)*((?:\s*\.\s*[A-Za-z_]\w*)+)")
_WORD = re.compile(r"\w+")
_MISSING = object()
_MAX_DEPTH = 1  # describe the names a helper function uses, not theirs


def key(function: types.FunctionType, wrt_key: Any, kind: str, options: Any) -> str:
    """64 hex digits; raises whatever reading ``function`` raises."""
    code = function.__code__
    text = _source_text(function)
    parts = {
        "format": FORMAT,
        "versions": [sys.version, np.__version__, _version.__version__],
        "adcompile_source": _package_digest(),
        "rules": _rules_digest(),
        "source": text,
        "where": [code.co_filename, code.co_firstlineno, function.__qualname__],
        "returns_written": list(written_returned(function)),
        "names": _names(function, text, 0),
        "wrt": [list(wrt_key[0]), bool(wrt_key[1])],
        "kind": kind,
        "options": repr(options),
    }
    blob = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _package_digest() -> str:
    """A hash of adcompile's source files (path, size, mtime): an edit is a miss."""
    root = str(Path(__file__).resolve().parents[2])  # the adcompile package
    rows = []
    folders = [root]
    while folders:  # scandir: one stat a file, none for the listing
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name != "__pycache__":
                    folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    rows.append(
                        f"{folder[len(root):]}/{entry.name} {info.st_size} "
                        f"{info.st_mtime_ns}"
                    )
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


_rules_memo: tuple[tuple[Any, ...], str] = ((), "")


def _rules_digest() -> str:
    """A hash of the rules registered at run time (``adcompile.custom``);
    the built-in rules are covered by the package's source digest, and which
    rule a name's object has by ``_describe`` (computed again only when the
    table changed)."""
    global _rules_memo
    prims = tuple(registry.registered())
    known, digest = _rules_memo
    if len(known) == len(prims) and all(map(operator.is_, known, prims)):
        return digest
    rows = [
        repr((_qualified(p.key), p.name, p.spelling, p.params, p.vjps, p.simple))
        + repr((p.jvps, p.simple_when, p.shape, p.nondiff, p.infix))
        + repr(p.user_spelling)
        for p in prims
        if p.custom
    ]
    _rules_memo = (prims, hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return _rules_memo[1]


def _source_text(function: types.FunctionType) -> str:
    """The lines of ``function``'s definition, dead code and comments after
    it included (see ``source.definition_lines``)."""
    lines, _ = definition_lines(function)
    return "".join(lines)


def _names(
    function: types.FunctionType, text: str | None, depth: int
) -> list[tuple[str, str]]:
    """(name or attribute chain, fingerprint) for what ``function`` looks up.

    Names: ``co_names`` and free variables of its code and nested code.
    Chains (``np.linalg.norm``): dotted names in its source ``text``.
    """
    closure = closure_values(function)

    def lookup(name: str) -> Any:
        for scope in (closure, function.__globals__, vars(builtins)):
            if name in scope:
                return scope[name]
        return _MISSING

    found: dict[str, str] = {}
    for code in nested_codes(function.__code__):
        for name in (*code.co_names, *code.co_freevars):
            obj = lookup(name)
            found[name] = "unresolved" if obj is _MISSING else _describe(obj, depth)
    for match in _CHAIN.finditer(text or ""):
        chain = [match[1], *_WORD.findall(match[2])]
        obj = lookup(chain[0])
        for i in range(1, len(chain) if obj is not _MISSING else 0):
            try:
                obj = inspect.getattr_static(obj, chain[i])
            except AttributeError:
                found[".".join(chain[: i + 1])] = "missing"
                break
            found[".".join(chain[: i + 1])] = _describe(obj, depth)
    return sorted(found.items())


def _qualified(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "?")
    return f"{module}.{name}"


def _describe(obj: Any, depth: int) -> str:
    """The fingerprint of one object a name resolves to."""
    prim = registry.lookup(obj)
    rule = f" rule {prim.spelling}" if prim is not None else ""
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__}{rule}"
    if isinstance(obj, type):
        return f"class {_qualified(obj)}{rule}"
    if isinstance(obj, types.FunctionType):
        try:
            text: str | None = _source_text(obj)
            body = text
        except (OSError, TypeError, ValueError):
            code = obj.__code__
            text, body = None, repr((code.co_code, code.co_names, code.co_consts))
        hasher = hashlib.sha256(body.encode("utf-8", "surrogatepass"))
        if depth < _MAX_DEPTH:
            hasher.update(repr(_names(obj, text, depth + 1)).encode())
        return f"function {_qualified(obj)} {hasher.hexdigest()}{rule}"
    if callable(obj) and hasattr(obj, "__name__"):  # builtins, ufuncs, dispatchers
        return f"{type(obj).__qualname__} {_qualified(obj)}{rule}"
    return f"value of type {_qualified(type(obj))}{rule}"
