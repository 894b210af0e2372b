"""A cache of emitted gradient code on disk: a new process skips the transformation.

``compiler.compiled`` asks ``load(key)`` before transforming a function and
``store(key, entry)`` after; an entry holds what is needed to compile the
gradient without the pipeline: the emitted text, the function's name, the
names chosen for numpy, math and the runtime helpers, and where the result is
(for errors).

Environment variables:

- ``ADCOMPILE_CACHE=0`` (or ``false``, ``no``, ``off``): no disk cache.
- ``ADCOMPILE_CACHE_DIR=PATH``: where entries live. Default: the user cache
  directory, ``$XDG_CACHE_HOME/adcompile`` or ``~/.cache/adcompile`` (Linux
  and other Unix), ``~/Library/Caches/adcompile`` (macOS),
  ``%LOCALAPPDATA%\\adcompile\\Cache`` (Windows).
- ``ADCOMPILE_DEBUG_CACHE=1``: print ``adcompile: disk-cache hit|miss|...``
  lines to stderr.

The key is a sha256 over: the function's source, file, first line and
qualified name; a fingerprint of every name its code (and nested code) looks
up, and of every attribute chain on them (``np.linalg.norm``): module name,
``module.qualname`` of functions, classes and builtins (plus a hash of a
Python function's source and, one level down, of the names it uses), only
the type of data values (they are read live at call time); the rule table;
wrt, kind and options; the Python, numpy and adcompile versions and a hash of
adcompile's own source files. A change to any of them is a miss.

Safety: entries are code that gets executed. The directory is created 0700,
and one that is not owned by the current user or is group/world-writable is
not used (one ``AdcompileCacheWarning``). Entry files are written 0600,
atomically (a temporary file in the same directory, then ``os.replace``, so
concurrent writers are fine). An entry is ignored, and regenerated, when it
is not a regular file owned by the current user, is group/world-writable,
does not parse, or does not match the sha256 of its payload that it records
(all but the parse failure also warn). The hash catches corruption and
careless edits; the ownership and mode checks are what keep other users out.
Any OSError (read-only or full disk) means no cache, never an error.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import inspect
import json
import linecache
import operator
import os
import re
import stat
import sys
import tempfile
import threading
import types
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import runtime
from .errors import Location
from .rules import registry
from .source import closure_values

FORMAT = 1
_CANONICAL = frozenset({"np", "math", *runtime.HELPERS})
_CHAIN = re.compile(r"\b([A-Za-z_]\w*)\)*((?:\s*\.\s*[A-Za-z_]\w*)+)")
_MISSING = object()
_MAX_DEPTH = 1  # describe the names a helper function uses, not theirs


class AdcompileCacheWarning(UserWarning):
    """A disk-cache entry or directory was not trusted, so it is not used."""


@dataclass(frozen=True)
class Entry:
    """What ``compiler._compile`` needs to build a gradient without the pipeline."""

    text: str
    name: str
    bindings: dict[str, str]
    location: Location | None


def enabled() -> bool:
    flag = os.environ.get("ADCOMPILE_CACHE", "1").strip().lower()
    return flag not in {"0", "false", "no", "off"}


def cache_dir() -> Path:
    """``$ADCOMPILE_CACHE_DIR``, else the platform's user cache directory."""
    explicit = os.environ.get("ADCOMPILE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~/AppData/Local")
        return Path(base, "adcompile", "Cache")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "adcompile"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "adcompile"


def clear() -> int:
    """Remove every entry (and left-over temporary file); the number removed."""
    directory = cache_dir()
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        stem = name[: -len(".json")]
        if name.endswith(".json") and (name.startswith(".tmp-") or _is_key(stem)):
            try:
                os.unlink(directory / name)
                removed += 1
            except OSError:
                pass
    return removed


# ---- the key ---------------------------------------------------------------------


def key_for(function: types.FunctionType, wrt_key: Any, kind: str, options: Any):
    """The entry's key (64 hex digits), or None when the cache is off or unsure."""
    if not enabled():
        return None
    try:
        import adcompile

        code = function.__code__
        text = _source_text(function)
        parts = {
            "format": FORMAT,
            "versions": [sys.version, np.__version__, adcompile.__version__],
            "adcompile_source": _package_digest(),
            "rules": _rules_digest(),
            "source": text,
            "where": [code.co_filename, code.co_firstlineno, function.__qualname__],
            "names": _names(function, text, 0),
            "wrt": [list(wrt_key[0]), bool(wrt_key[1])],
            "kind": kind,
            "options": repr(options),
        }
        blob = json.dumps(parts, sort_keys=True, default=repr)
    except Exception as error:  # no source, odd objects: the pipeline will tell
        _debug(f"no key for {function!r}: {error!r}")
        return None
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


@functools.cache
def _package_digest() -> str:
    """A hash of adcompile's own source: a changed compiler is a miss."""
    root = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                digest.update(os.path.relpath(path, root).encode() + b"\0")
                digest.update(handle.read() + b"\0")
    return digest.hexdigest()


_rules_memo: tuple[tuple[Any, ...], str] = ((), "")


def _rules_digest() -> str:
    """A hash of the rule table (computed again only when it changed)."""
    global _rules_memo
    prims = tuple(registry.registered())
    known, digest = _rules_memo
    if len(known) == len(prims) and all(map(operator.is_, known, prims)):
        return digest
    rows = []
    for p in prims:
        params = [(q.name, q.default, q.variadic) for q in p.params]
        row = (_qualified(p.key), p.name, p.spelling, params, p.simple_when)
        row += (sorted(p.vjps.items()), sorted(p.simple.items()))
        rows.append(repr((*row, p.shape, p.nondiff, p.infix)))
    _rules_memo = (prims, hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return _rules_memo[1]


def _source_text(function: types.FunctionType) -> str:
    """The lines of ``function``'s definition, as the transformation reads them.

    Like ``inspect.getsource`` without its tokenizer (which costs ~10 ms the
    first time in a process): from the first line (decorators included) to the
    last line any instruction of the code comes from, then on while lines are
    blank, comments, or indented deeper than the first line (dead code).
    """
    code = function.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, function.__globals__)
    first = code.co_firstlineno
    if not 0 < first <= len(lines):
        raise OSError(f"no source lines for {function.__qualname__}")
    last = first
    for inner in _codes(code):
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
    return "".join(lines[first - 1 : last])


def _codes(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


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
    for code in _codes(function.__code__):
        for name in (*code.co_names, *code.co_freevars):
            obj = lookup(name)
            found[name] = "unresolved" if obj is _MISSING else _describe(obj, depth)
    for match in _CHAIN.finditer(text or ""):
        chain = [match[1], *re.findall(r"\w+", match[2])]
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


# ---- reading and writing entries ---------------------------------------------------


def load(key: str | None) -> Entry | None:
    """The trusted entry stored under ``key``, or None."""
    if key is None:
        return None
    directory = _usable_dir(create=False)
    if directory is None:
        return None
    path = directory / f"{key}.json"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        _debug(f"miss {path}")
        return None
    except OSError as error:  # ELOOP: a symlink, which adcompile never writes
        _distrust(path, f"it cannot be opened safely ({error.strerror})")
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            reason = _untrusted(info)
            if reason is None and not stat.S_ISREG(info.st_mode):
                reason = "it is not a regular file"
            if reason is not None:
                _distrust(path, reason)
                return None
            raw = handle.read()
    except OSError as error:
        _debug(f"unreadable {path}: {error}")
        return None
    try:
        document = json.loads(raw.decode("utf-8"))
        payload, recorded = document["payload"], document["sha256"]
        if document["format"] != FORMAT or not isinstance(payload, dict):
            raise ValueError("unknown format")
    except (ValueError, KeyError, TypeError) as error:  # truncated by a crash
        _debug(f"corrupt {path}: {error!r}")
        return None
    if recorded != _digest(payload):
        _distrust(path, "its content does not match its recorded sha256")
        return None
    entry = _entry(payload) if payload.get("key") == key else None
    if entry is None:
        _distrust(path, "its payload is not a valid entry for this key")
        return None
    _debug(f"hit {path}")
    return entry


def store(key: str | None, entry: Entry) -> None:
    """Write ``entry`` under ``key``, atomically; give up quietly on any OSError."""
    if key is None:
        return
    directory = _usable_dir(create=True)
    if directory is None:
        return
    payload = {
        "key": key,
        "text": entry.text,
        "name": entry.name,
        "bindings": dict(entry.bindings),
        "location": None if entry.location is None else asdict(entry.location),
    }
    document = {"format": FORMAT, "sha256": _digest(payload), "payload": payload}
    data = json.dumps(document, indent=1, sort_keys=True).encode("utf-8")
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
        with os.fdopen(fd, "wb") as handle:  # mkstemp makes it 0600
            handle.write(data)
        os.replace(temporary, directory / f"{key}.json")
        temporary = None
        _debug(f"stored {directory / f'{key}.json'}")
    except OSError as error:
        _debug(f"not stored: {error}")
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _digest(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(payload: dict[str, Any]) -> Entry | None:
    """The Entry a payload describes, or None when a field is malformed."""
    text, name, bindings = (
        payload.get("text"),
        payload.get("name"),
        payload.get("bindings"),
    )
    if not (isinstance(text, str) and isinstance(name, str) and name.isidentifier()):
        return None
    if not isinstance(bindings, dict) or not set(bindings) <= _CANONICAL:
        return None
    if not all(isinstance(v, str) and v.isidentifier() for v in bindings.values()):
        return None
    where = payload.get("location")
    if where is None:
        return Entry(text, name, bindings, None)
    fields = {
        "filename": str,
        "line": int,
        "col": int,
        "source_line": str,
        "width": int,
    }
    if not isinstance(where, dict) or set(where) != set(fields):
        return None
    if not all(isinstance(where[k], t) for k, t in fields.items()):
        return None
    return Entry(text, name, bindings, Location(**where))


def _usable_dir(create: bool) -> Path | None:
    """The cache directory if it is (or, with ``create``, can be made) trusted."""
    directory = cache_dir()
    try:
        if create:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.stat(directory)
    except OSError as error:
        _debug(f"no cache directory {directory}: {error}")
        return None
    reason = _untrusted(info)
    if reason is None and not stat.S_ISDIR(info.st_mode):
        reason = "it is not a directory"
    if reason is not None:
        _warn_once(
            f"dir {directory}",
            f"adcompile: not using the cache directory {directory}: {reason}. "
            "Make it private (chmod 700, owned by you), or set ADCOMPILE_CACHE_DIR "
            "or ADCOMPILE_CACHE=0",
        )
        return None
    return directory


def _untrusted(info: os.stat_result) -> str | None:
    """Why a file or directory with this stat is not trusted, or None."""
    if not hasattr(os, "geteuid"):  # Windows: the per-user profile's ACLs apply
        return None
    uid = os.geteuid()
    if info.st_uid != uid:
        return f"it is owned by uid {info.st_uid}, not by you (uid {uid})"
    if info.st_mode & 0o022:
        mode = oct(stat.S_IMODE(info.st_mode))
        return f"it is writable by group or others (mode {mode})"
    return None


def _distrust(path: Path, reason: str) -> None:
    warnings.warn(
        f"adcompile: ignoring the cache entry {path}: {reason}; regenerating it",
        AdcompileCacheWarning,
        stacklevel=4,
    )


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(tag: str, message: str) -> None:
    with _warned_lock:
        if tag in _warned:
            return
        _warned.add(tag)
    warnings.warn(message, AdcompileCacheWarning, stacklevel=4)


def _is_key(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _debug(message: str) -> None:
    if os.environ.get("ADCOMPILE_DEBUG_CACHE", "").strip() not in {"", "0"}:
        print(f"adcompile: disk-cache {message}", file=sys.stderr)
