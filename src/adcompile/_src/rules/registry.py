"""The rule registry: one small declarative entry per primitive.

A ``Primitive`` says how a function is called (its parameters, in order, with
their defaults), how its forward call is spelled in emitted code, and, for each
differentiable parameter, a reverse-mode template: a Python expression in the
names ``g`` (the adjoint of the result), ``ans`` (the result) and the
parameters, and a forward-mode template in ``t`` (the tangent of that
parameter), ``ans`` and the parameters; the tangent of the result is the sum
of the forward templates of the parameters that carry a tangent. The forward
template ``LINEAR`` says the function is linear in that parameter: its
tangent is the function applied to ``t`` in the parameter's place.
Templates are parsed once, lazily, with libcst and checked: every name they
use is a placeholder, ``np``, ``math`` or a runtime helper.

Rules are keyed by the object they differentiate (``numpy.sin``), never by
spelling (a method of one object, ``scipy.stats.norm.pdf``, by the bound
method: each attribute access makes a new one, equal to the key); the
registry is filled at import time of ``adcompile._src.rules`` and is safe to
read from several threads (it is only written under a lock).
"""

from __future__ import annotations

import functools
import math
import operator
import sys
import threading
import types
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
import numpy as np

from adcompile._src import runtime

TEMPLATE_GLOBALS = frozenset({"np", "math"}) | frozenset(runtime.HELPERS)
RESERVED_PLACEHOLDERS = frozenset({"g", "ans", "t"})
CONSTANTS = frozenset({"True", "False", "None"})
LINEAR = "LINEAR"  # forward template: the function applied to the tangent

# How a primitive's result shape relates to its differentiable inputs; used to
# leave out ``unbroadcast`` where shapes are known to agree.
SAME = "same"  # elementwise on one input: shape of the input
BROADCAST = "broadcast"  # elementwise on several: broadcast of the inputs
SCALAR = "scalar"  # always a scalar
REDUCE = "reduce"  # a reduction: a scalar when it reduces over every axis
OTHER = "other"  # anything else


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None = None  # source of the default; None when required
    variadic: bool = False  # *args


@dataclass(frozen=True)
class Primitive:
    """One differentiable (or explicitly non-differentiable) operation."""

    key: Any
    name: str  # short word used to name temporaries: "sin", "matmul"
    spelling: str  # how emitted code calls it: "np.sin", or "a + b" for operators
    params: tuple[Param, ...]
    vjps: dict[str, str | None] = field(default_factory=dict)
    jvps: dict[str, str | None] = field(default_factory=dict)
    simple: dict[str, str] = field(default_factory=dict)
    simple_when: tuple[str, ...] = ()
    shape: str = OTHER
    nondiff: bool = False
    infix: bool = False  # spelling is a template over the parameter names
    # the forward sweep calls the function as the user spelled it (for
    # functions of optional libraries, which emitted code has no name for)
    user_spelling: bool = False
    custom: bool = False  # registered by the user (adcompile.custom)
    # linear in all its differentiable arguments together (a list's join):
    # its tangent is the call with every argument's tangent in its place
    jointly_linear: bool = False
    # parameters whose rules hold at the default value only (logsumexp's
    # return_sign): any other value given is refused where it is written
    defaults_only: tuple[str, ...] = ()

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def template(self, param: str, simple: bool) -> cst.BaseExpression | None:
        """The parsed reverse template for one parameter (None: no adjoint)."""
        text = self.simple.get(param) if simple else None
        if text is None:
            text = self.vjps.get(param)
        return None if text is None else parse_template(text, self.param_names)

    def forward_template(self, param: str) -> cst.BaseExpression | None:
        """The parsed forward template for one parameter (None: no tangent
        rule); ``LINEAR`` comes back as the name ``LINEAR``."""
        text = self.jvps.get(param)
        if text is None:
            return None
        if text == LINEAR:
            return cst.Name(LINEAR)
        return parse_template(text, self.param_names)


class TemplateError(ValueError):
    """A rule template uses a name that is neither placeholder nor helper."""


@functools.cache
def parse_template(text: str, params: tuple[str, ...]) -> cst.BaseExpression:
    expression = cst.parse_expression(text)
    allowed = RESERVED_PLACEHOLDERS | set(params) | TEMPLATE_GLOBALS | CONSTANTS
    for name in _free_names(expression):
        if name not in allowed:
            raise TemplateError(f"template {text!r} uses unknown name {name!r}")
    return expression


def _free_names(expression: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    expression.visit(Collector())
    return names


_lock = threading.Lock()
_registry: dict[Any, Primitive] = {}
# called after a rule is registered once the table is in use (user rules):
# caches of programs made with the old rule must be dropped
listeners: list[Any] = []


def lookup(obj: Any) -> Primitive | None:
    """The primitive registered for ``obj``, or None."""
    try:
        prim = _registry.get(obj)
    except TypeError:  # unhashable objects are never primitives
        return None
    if prim is None and _pending and _load_pending():
        prim = _registry.get(obj)
    return prim if prim is not None and _is_key(prim.key, obj) else None


def _is_key(key: Any, obj: Any) -> bool:
    """``obj`` is ``key``, or the same method of the same object (a bound
    method is made anew on each attribute access)."""
    if key is obj:
        return True
    return (
        isinstance(key, types.MethodType)
        and isinstance(obj, types.MethodType)
        and key.__self__ is obj.__self__
        and key.__func__ is obj.__func__
    )


# Rules of optional libraries (scipy), registered once the user's code has
# imported the library: adcompile never imports it itself, and a function of
# it can only reach the differentiator after its module was imported.
_pending: list[tuple[str, Any]] = []
_pending_lock = threading.RLock()
_loading = threading.local()


def when_imported(module: str, registrar: Any) -> None:
    """Call ``registrar()`` (which registers rules) once ``module`` is imported."""
    with _pending_lock:
        _pending.append((module, registrar))
    _load_pending()


def _load_pending() -> bool:
    """Register the pending rules whose library is imported; True if any."""
    loaded = False
    with _pending_lock:
        for entry in list(_pending):
            module, registrar = entry
            if module in sys.modules:
                _pending.remove(entry)
                _loading.active = True  # the table grows; no cache is stale
                try:
                    registrar()
                finally:
                    _loading.active = False
                loaded = True
    return loaded


def register(prim: Primitive, parse: bool = False) -> Primitive:
    """Add ``prim`` to the table. Templates are parsed on first use (importing
    the table stays fast; a test parses every one), or now with ``parse``."""
    reserved = (
        {"ans"} | ({"g"} if prim.vjps else set()) | ({"t"} if prim.jvps else set())
    )
    if reserved & set(prim.param_names):
        raise TemplateError(f"{prim.spelling}: a parameter named like a placeholder")
    for param, text in [*prim.vjps.items(), *prim.simple.items(), *prim.jvps.items()]:
        if param not in prim.param_names:
            raise TemplateError(f"{prim.spelling}: rule for unknown parameter {param}")
        if parse and text is not None and text != LINEAR:
            parse_template(text, prim.param_names)
    with _lock:
        _registry[prim.key] = prim
    if not getattr(_loading, "active", False):
        for listener in listeners:
            listener()
    return prim


def registered() -> list[Primitive]:
    _load_pending()
    with _lock:
        return list(_registry.values())


def parse_signature(signature: str) -> tuple[Param, ...]:
    """Parse ``"x, axis=None, *arrays"`` into Params."""
    params = []
    for part in filter(None, (p.strip() for p in signature.split(","))):
        if part.startswith("*"):
            params.append(Param(part[1:], variadic=True))
        elif "=" in part:
            name, default = part.split("=", 1)
            params.append(Param(name.strip(), default.strip()))
        else:
            params.append(Param(part))
    return tuple(params)


_NAMESPACES = {"np": np, "math": math, "operator": operator}


def resolve_path(path: str) -> Any:
    """``"np.linalg.norm"`` -> the object numpy.linalg.norm."""
    head, *rest = path.split(".")
    if head in _NAMESPACES:
        obj: Any = _NAMESPACES[head]
    elif head in runtime.HELPERS:
        obj = runtime.HELPERS[head]
    else:
        obj = __builtins__[head]  # type: ignore[index]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def defrule(
    path: str,
    signature: str,
    *,
    name: str | None = None,
    shape: str = OTHER,
    simple_when: tuple[str, ...] = (),
    simple: dict[str, str] | None = None,
    jvp: dict[str, str | None] | None = None,
    jointly_linear: bool = False,
    defaults_only: tuple[str, ...] = (),
    **vjps: str | None,
) -> Primitive:
    """Register the reverse rule (keyword per parameter) and the forward rule
    (``jvp``, per parameter; ``jointly_linear``: the call on all the
    ``LINEAR`` parameters' tangents at once) of the function at ``path``
    (e.g. "np.sin"); ``defaults_only``: parameters the rules hold for at
    their defaults only (a call given another value is refused, located)."""
    return register(
        Primitive(
            key=resolve_path(path),
            name=name or path.rsplit(".", 1)[-1],
            spelling=path,
            params=parse_signature(signature),
            vjps=dict(vjps),
            jvps=dict(jvp or {}),
            simple=dict(simple or {}),
            simple_when=simple_when,
            shape=shape,
            jointly_linear=jointly_linear,
            defaults_only=defaults_only,
        )
    )


def defnondiff(path: str, signature: str = "*args") -> Primitive:
    """Register a function whose output carries no gradient (shape, argmax...)."""
    return register(
        Primitive(
            key=resolve_path(path),
            name=path.rsplit(".", 1)[-1],
            spelling=path,
            params=parse_signature(signature),
            nondiff=True,
        )
    )
