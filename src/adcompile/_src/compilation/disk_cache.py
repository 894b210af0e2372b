"""A cache of emitted gradient code on disk: a new process skips the transformation.

``compiler.compiled`` asks ``load(key)`` before transforming a function and
``store(key, entry)`` after; an entry holds what is needed to compile the
gradient without the pipeline: the emitted text, the function's name, the
names chosen for numpy, math and the runtime helpers, where the result is
(for errors), and the compiled code of the text (``marshal`` data, with the
sha256 of the text it was compiled from; the key covers the Python version),
so that a hit does not compile the text again. Code that does not load is
compiled again from the text.

Environment variables:

- ``ADCOMPILE_CACHE=0`` (or ``false``, ``no``, ``off``): no disk cache.
- ``ADCOMPILE_CACHE_DIR=PATH``: where entries live. Default: the user cache
  directory, ``$XDG_CACHE_HOME/adcompile`` or ``~/.cache/adcompile`` (Linux
  and other Unix), ``~/Library/Caches/adcompile`` (macOS),
  ``%LOCALAPPDATA%\\adcompile\\Cache`` (Windows).
- ``ADCOMPILE_DEBUG_CACHE=1``: print ``adcompile: disk-cache hit|miss|...``
  lines to stderr.

The key (``cache_key.key``) covers the function's source and what its names
resolve to, the rule table, wrt, kind, options and the versions of Python,
numpy and adcompile: a change to any of them is a miss.

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

import base64
import hashlib
import json
import os
import stat
import sys
import tempfile
import threading
import types
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from adcompile._src import runtime
from adcompile._src.compilation import cache_key
from adcompile._src.errors import Location

FORMAT = 1  # of entry files
_CANONICAL = frozenset({"np", "math", *runtime.HELPERS})
_LOCATION_FIELDS = frozenset(f.name for f in fields(Location))


class AdcompileCacheWarning(UserWarning):
    """A disk-cache entry or directory was not trusted, so it is not used."""


@dataclass(frozen=True)
class Entry:
    """What ``compiler._compile`` needs to build a gradient without the pipeline."""

    text: str
    name: str
    bindings: dict[str, str]
    location: Location | None
    # vjps of user functions the code calls: name -> (callee, wrt, shapes of
    # the arguments or ""); see calls.py and specialize.py
    calls: dict[str, tuple[str, tuple, str]] = field(default_factory=dict)
    # the compiled code of the module ``compiler._compile`` builds from the
    # text (marshal data), and the sha256 of that module's source: a new
    # process skips compiling it (the key covers the Python version)
    code: bytes | None = None
    code_of: str = ""


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


def key_for(function: types.FunctionType, wrt_key: Any, kind: str, options: Any):
    """The entry's key (64 hex digits), or None when the cache is off or unsure."""
    if not enabled():
        return None
    try:
        return cache_key.key(function, wrt_key, kind, options)
    except Exception as error:  # no source, odd objects: the pipeline will tell
        _debug(f"no key for {function!r}: {error!r}")
        return None


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
        "calls": {
            k: [callee, list(wrt), shapes]
            for k, (callee, wrt, shapes) in entry.calls.items()
        },
        "location": None if entry.location is None else asdict(entry.location),
    }
    if entry.code is not None:
        payload["code"] = base64.b64encode(entry.code).decode("ascii")
        payload["code_of"] = entry.code_of
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
    keys = ("text", "name", "bindings", "location")
    text, name, bindings, where = (payload.get(k) for k in keys)
    ok = isinstance(text, str) and isinstance(name, str) and name.isidentifier()
    ok = ok and isinstance(bindings, dict) and set(bindings) <= _CANONICAL
    ok = ok and all(isinstance(v, str) and v.isidentifier() for v in bindings.values())
    if where is not None:  # the fields of Location, each a str or an int
        ok = ok and isinstance(where, dict) and set(where) <= _LOCATION_FIELDS
        ok = ok and all(type(v) in (str, int) for v in where.values())
    calls = payload.get("calls", {})
    ok = (
        ok and isinstance(calls, dict) and all(_is_call(k, v) for k, v in calls.items())
    )
    if not ok:
        return None
    try:
        location = None if where is None else Location(**where)
    except TypeError:  # a required field is missing
        return None
    code, code_of = payload.get("code"), payload.get("code_of")
    try:  # optional: without it, the text is compiled again
        compiled = base64.b64decode(code, validate=True) if code else None
    except (TypeError, ValueError):
        compiled = None
    return Entry(
        text,
        name,
        bindings,
        location,
        {k: (callee, tuple(wrt), shapes) for k, (callee, wrt, shapes) in calls.items()},
        compiled if isinstance(code_of, str) else None,
        code_of if isinstance(code_of, str) else "",
    )


def _is_call(name: Any, spec: Any) -> bool:
    """A well-formed calls entry: identifier -> [dotted name or "", [wrt...],
    shapes]; the shapes are read with ``ast.literal_eval`` only."""
    if not (isinstance(name, str) and name.isidentifier()):
        return False
    if not (isinstance(spec, list) and len(spec) == 3):
        return False
    callee, wrt, shapes = spec
    dotted = callee == "" or all(p.isidentifier() for p in str(callee).split("."))
    return (
        isinstance(callee, str)
        and dotted
        and isinstance(wrt, list)
        and all(type(w) in (int, str) for w in wrt)
        and isinstance(shapes, str)
    )


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
