"""The derivative code of the user functions a built gradient calls.

In process, derivative code calls a callee's derivative through a lazy
object compiled on first use (``read.calls``). A module written by
``adcompile build`` cannot compile anything, so ``Linker`` emits, next to
the gradient functions, the derivative code of every user function they
call, recursively (recursion and mutual recursion end because a callee gets
its module-level name before its own callees are looked at):

- a call whose callee is known when the code is read (``simulate(...)``,
  ``Model.step(...)``, a method of a module-level object) calls the
  callee's pullback (reverse mode) directly, under a module-level name;
- a call of a function the caller defines itself (a closure, which emitted
  code lifts into a local function taking what it reads as parameters)
  calls that function's pullback, emitted under a module-level name, in
  reverse mode;
- a call known only at run time (a function passed in, ``self.layer(x)``)
  and every other call in forward mode go through a dispatcher written into the
  module, ``vjp_call`` or ``jvp_call``, which looks the callee up in a table
  of the derivatives built for it;
- in the tangent program of gradient code (Hessian-vector products, as
  ``adcompile.hvp`` runs them: forward mode over gradient code that applies
  each callee's vjp to a cotangent), a call of a callee's applied vjp goes
  through a third dispatcher, ``jvp_apply_call``, whose table holds the
  tangent programs of the callees' ``apply`` code; ``derived`` notes which
  emitted functions are derivative code, of which user function, with
  which call bindings.

A dispatcher's table holds, for each such call, the functions it can
reach as far as the source tells: the user functions the built code passes
as values (``apply(model, w)``), and the methods of that name of the
user's classes (``self.layer``). A call with no such function is refused
at build time (``UnknownCallee``, with the call's place in the user's
source); a callable outside the table met at run time raises the module's
own ``AdcompileError``.

Invariant: every name the linked texts read for a callee's derivative is a
function of the module (``code``) or a dispatcher whose table the module
defines (``tables``); nothing is compiled when the built module runs.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst as cst

from adcompile._src.compilation.compiler import (
    DEFAULT_OPTIONS,
    Options,
    callee_derivative,
    derivative_of,
    emitted_text,
    resolve_wrt,
)
from adcompile._src.compilation.specialized import parse_shapes, tolerate
from adcompile._src.emit.emit import emit
from adcompile._src.errors import AdcompileError
from adcompile._src.read.calls import (
    APPLY,
    bind_target,
    cotangent_parameter,
    python_callable,
)
from adcompile._src.read.source import visible_names
from adcompile._src.read.written_returns import resolve, returning_written
from adcompile._src.tools.aot_runtime import drop_annotations, free_names
from adcompile._src.tools.dispatch import (
    DISPATCH,
    Row,
    Site,
    applied_calls,
    call_location,
    definition,
    direct_calls,
    dispatcher_text,
    local_definition,
    local_names,
    methods,
    passed_functions,
    sites,
)

Bindings = dict[str, tuple[str, tuple, str]]


class UnknownCallee(AdcompileError):
    """A call whose callee a built module cannot know: it is passed in at
    run time and no function the module is built with can be it."""


@dataclass
class Code:
    """One function of the built module: its text and the user function
    whose module and bindings resolve the names it reads."""

    name: str
    text: str
    function: types.FunctionType
    bindings: dict[str, str]
    origin: types.FunctionType | None = None  # the user function it derives from


class Linker:
    """Collects the derivative code of callees, for one built module.

    ``link(text, function, bindings)`` returns the emitted ``text`` with the
    names it calls callees' derivatives by (``vjp_simulate``, ``vjp_call``)
    replaced by functions of the module; ``finish()`` builds what dispatched
    calls can reach; then ``code`` holds the callees' functions in the order
    they were met, ``dispatchers`` the dispatchers' texts, and ``tables``
    the (function, wrt, module-level name, tangent names) entries of each
    dispatcher's table, to be written once the module's import names are
    known.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.code: list[Code] = []
        self.dispatchers: dict[str, str] = {}  # kind -> dispatcher name
        self.tables: dict[str, list[Row]] = {}
        self._names: dict[tuple[Any, ...], str] = {}
        self._tangent_names: dict[str, tuple[str, ...]] = {}
        self._sites: list[Site] = []
        self._values: dict[int, types.FunctionType] = {}  # passed as values
        self._locals: dict[tuple[Any, str], types.FunctionType] = {}  # closures
        self._modules: dict[str, Any] = {}  # modules of the code linked
        # emitted derivative code -> (the user function, its call bindings)
        self._derived: dict[types.FunctionType, tuple[Any, Bindings]] = {}

    def derived(
        self, emitted: Any, origin: types.FunctionType, calls: Bindings
    ) -> None:
        """Note that ``emitted`` is derivative code of ``origin`` whose
        names ``calls`` binds to its callees' derivatives (its tangent
        program is linked next)."""
        self._derived[emitted] = (origin, calls)

    def checkpoint(self) -> tuple[Any, ...]:
        """What ``restore`` needs to forget what was linked since."""
        return (
            len(self.code),
            dict(self.dispatchers),
            {kind: list(rows) for kind, rows in self.tables.items()},
            dict(self._names),
            len(self._sites),
            dict(self._values),
        )

    def restore(self, saved: tuple[Any, ...]) -> None:
        code, dispatchers, tables, names, sites, values = saved
        del self.code[code:]
        del self._sites[sites:]
        self.dispatchers, self.tables = dispatchers, tables
        self._names, self._values = names, values

    def fresh(self, word: str) -> str:
        name = f"_{word}"
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name

    # -- linking ---------------------------------------------------------------

    def link(self, text: str, function: types.FunctionType, bindings: Bindings) -> str:
        """``text`` calling the module's derivative functions of its callees."""
        self._note(self._origin(function))
        self.taken.update(re.findall(r"[A-Za-z_]\w*", text))
        renames: dict[str, str] = {}
        for name, (callee, wrt, shapes) in bindings.items():
            if wrt[:1] == (APPLY,):
                raise UnknownCallee(
                    "second derivatives through calls into user functions",
                    "build grad, value_and_grad or jvp of this function, or use "
                    "adcompile.hvp in process",
                    definition(function),
                )
            if callee:
                target = resolve(visible_names(function), callee)
                renames[name] = self._static(function, callee, target, wrt, shapes)
                continue
            kind = "jvp" if wrt == ("jvp",) else "pullback"
            if kind == "pullback":
                text = self._local_callees(text, name, function)
                if name not in re.findall(r"[A-Za-z_]\w*", text):
                    continue  # (every call was of a local function)
            renames[name] = self._dispatcher(kind)
            if kind == "jvp" and function in self._derived:
                text = self._applied(text, name, function)
            for site in sites(text, name, kind, function):
                self._dispatch(site)
        if not renames:
            return text
        tree, nodes = free_names(cst.parse_module(text))
        replacements = {
            n: cst.Name(renames[n.value]) for n in nodes if n.value in renames
        }
        return tree.visit(_Replace(replacements)).code

    def _local_callees(self, text: str, name: str, function: types.FunctionType) -> str:
        """``text`` with its dispatched calls of functions it defines itself
        (the user's closures, lifted) made direct calls of their derivatives,
        emitted as the module's: a local function is a new object at every
        call, which no table can name."""
        made: dict[str, types.FunctionType | None] = {}
        targets: dict[tuple[str, tuple], str] = {}
        for site in sites(text, name, "pullback", function):
            if site.callee not in made:
                made[site.callee] = local_definition(
                    text, site.callee, function, self._locals
                )
            local = made[site.callee]
            if local is None:
                continue
            # its refusals point at the user function it is written in
            self._derived.setdefault(local, (self._origin(function), {}))
            targets[(site.callee, site.wrt)] = self._derivative(
                local, site.wrt, "pullback"
            )
        return direct_calls(text, name, targets) if targets else text

    def _applied(self, text: str, name: str, function: types.FunctionType) -> str:
        """``text``, the tangent program of derivative code, with its calls
        of applied vjps made calls of the apply dispatcher (see
        ``dispatch.applied_calls``), whose sites are dispatched."""
        applies = {
            emitted: (callee, wrt[1:])
            for emitted, (callee, wrt, _) in self._derived[function][1].items()
            if wrt[:1] == (APPLY,)
        }
        if not applies:
            return text
        dispatcher = self._dispatcher("apply")
        text = applied_calls(text, name, dispatcher, applies)
        for site in sites(text, dispatcher, "apply", function):
            self._dispatch(site)
        return text

    def finish(self) -> None:
        """Build what each dispatched call can reach; refuse a call that can
        reach nothing the module is built with."""
        done = 0
        while done < len(self._sites):
            site = self._sites[done]
            if not site.entries:
                self._candidates(site)
            done += 1
        for site in self._sites:
            if not site.entries:
                raise UnknownCallee(
                    f"{site.callee} is called on differentiated values, and it "
                    "is known only when the code runs: a module built ahead of "
                    "time cannot compile its derivative then",
                    "pass a function defined at the top level of the module by "
                    "name (apply(model, w)), call it directly, or use "
                    "adcompile.grad in process",
                    call_location(self._origin(site.function), site.callee),
                )

    # -- callees ---------------------------------------------------------------

    def _static(
        self,
        caller: types.FunctionType,
        callee: str,
        target: Any,
        wrt: tuple,
        shapes: str,
    ) -> str:
        function, shifted, bound = bind_target(target, wrt)
        name = self._derivative(function, shifted, "pullback", shapes)
        if not bound:
            return name
        owner = (
            callee.rsplit(".", 1)[0] if isinstance(target, types.MethodType) else callee
        )
        key = ("bound", caller.__globals__.get("__name__"), callee, shifted, shapes)
        wrapper = self._names.get(key)
        if wrapper is None:
            wrapper = self._names[key] = self.fresh(f"vjp_{_word(callee)}")
            text = (
                f"def {wrapper}(*args, **kwargs):\n"
                f"    return {name}({owner}, *args, **kwargs)\n"
            )
            self.code.append(Code(wrapper, text, caller, {}))
        return wrapper

    def _derivative(
        self, function: Any, wrt: tuple, kind: str, shapes: str = ""
    ) -> str:
        """The module-level name of ``function``'s derivative of ``kind``
        (pullback or jvp) wrt ``wrt``, emitting it when first asked."""
        if function not in self._derived:  # not derivative code adcompile emitted
            _check_readable(function)
        key = (function, resolve_wrt(function, wrt), kind, shapes)
        name = self._names.get(key)
        if name is not None:
            return name
        name = self._names[key] = self.fresh(
            f"{'vjp' if kind == 'pullback' else 'jvp'}_{_word(function.__qualname__)}"
        )
        self._note(self._origin(function))
        if kind == "jvp":
            text, tangent = emitted_text(function, wrt, "jvp", DEFAULT_OPTIONS)
            self._tangent_names[name] = tuple(tangent.tangent_params)  # type: ignore[union-attr]
            bindings, calls = tangent.bindings, tangent.call_bindings
        else:
            derivative = _pullback_derivative(function, wrt, shapes)
            text = emit(derivative, "pullback")
            bindings, calls = derivative.bindings, derivative.call_bindings
        text = _named(text, name)
        origin = self._origin(function)
        self.code.append(
            Code(name, self.link(text, function, calls), function, bindings, origin)
        )
        return name

    def _origin(self, function: types.FunctionType) -> types.FunctionType:
        """The user function ``function`` is, or is derivative code of."""
        derived = self._derived.get(function)
        return function if derived is None else derived[0]

    def _dispatcher(self, kind: str) -> str:
        name = self.dispatchers.get(kind)
        if name is None:
            name = self.dispatchers[kind] = self.fresh(DISPATCH[kind])
            self.tables[kind] = []
        return name

    def _dispatch(self, site: Site) -> None:
        """Add the derivative of a dispatched call's callee, when the
        expression names one now (every call of forward mode does)."""
        self._sites.append(site)
        root = site.callee.split(".", 1)[0]
        if not root.isidentifier() or root in local_names(site.function):
            return
        try:
            target = resolve(visible_names(site.function), site.callee)
        except (KeyError, AttributeError):
            return
        self._enter(site, target, site.wrt)

    def _enter(
        self, site: Site, target: Any, wrt: tuple, offset: int | None = None
    ) -> None:
        """Add ``target``'s derivative to the site's table; ``offset``: how
        many arguments the dispatcher binds before the call's (None: as many
        as ``target`` binds)."""
        function, shifted, bound = bind_target(target, wrt)
        if site.kind == "apply":
            row = self._apply_row(site, function, shifted, len(bound), offset)
        else:
            derived = function
            if site.written:  # the variant returning what it writes into
                derived = returning_written(function, site.written)
            name = self._derivative(derived, shifted, site.kind)
            value, key = name, (shifted,)
            if site.kind == "jvp":
                value = f"({name}, {self._tangent_names[name]!r})"
                key = (shifted, site.written)
            row = (function, key, value)
        if row not in site.entries:
            site.entries.append(row)
        if row not in self.tables[site.kind]:
            self.tables[site.kind].append(row)

    def _candidates(self, site: Site) -> None:
        """The functions a call known only at run time can reach: methods
        of that name (``self`` comes first), or functions passed as values."""
        _, _, attribute = site.callee.partition(".")
        if attribute and "." not in attribute:
            shifted = tuple(w + 1 if isinstance(w, int) else w for w in site.wrt)
            found = [(m, shifted) for m in methods(self._modules.values(), attribute)]
        elif not attribute:
            found = [(f, site.wrt) for f in list(self._values.values())]
        else:
            found = []
        for function, wrt in found:
            try:
                self._enter(site, function, wrt, 1 if attribute else 0)
            except AdcompileError:
                continue  # a function that does not fit this call

    def _apply_row(
        self,
        site: Site,
        function: Any,
        wrt: tuple,
        bound: int,
        offset: int | None,
    ) -> Row:
        """The row of an applied vjp's table: the tangent program of
        ``function``'s ``apply`` code wrt ``wrt`` (the callee's vjp applied
        to a cotangent, keyword-only last), along the site's tangents."""
        if function not in self._derived:
            _check_readable(function)
        applied = callee_derivative(function, wrt, "apply")
        emitted = applied.function
        assert isinstance(emitted, types.FunctionType)  # a plain function's
        self._derived.setdefault(emitted, (function, applied.entry.calls))
        seed = cotangent_parameter(emitted)
        offset = bound if offset is None else offset
        given = tuple(w + offset if isinstance(w, int) else w for w in site.given)
        along = given + ((seed,) if site.seeded else ())
        name = self._derivative(emitted, along, "jvp")
        value = f"({name}, {seed!r}, {self._tangent_names[name]!r})"
        return (function, (wrt, given, site.seeded), value)

    def _note(self, function: types.FunctionType) -> None:
        """Remember ``function``'s module and the user functions it passes."""
        module = function.__globals__.get("__name__")
        if module is not None:
            self._modules.setdefault(module, function.__globals__)
        for value in passed_functions(function):
            self._values.setdefault(id(value), value)

    # -- the tables ------------------------------------------------------------

    def table_text(self, kind: str, reference: Callable[[Any], str | None]) -> str:
        """The statement that fills a dispatcher's table; ``reference``
        spells a user function from the module (None: it cannot)."""
        table = f"{self.dispatchers[kind]}_table"
        rows = []
        for function, key, value in self.tables[kind]:
            spelled = reference(function)
            if spelled is None:
                continue
            rows.append(f"    ({', '.join([spelled, *map(repr, key)])}): {value},")
        return "\n".join([f"{table} = {{", *rows, "}"])

    def dispatcher_texts(self) -> list[str]:
        return [
            dispatcher_text(kind, name, f"{name}_table")
            for kind, name in self.dispatchers.items()
        ]


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.Name, cst.Name]) -> None:
        self.replacements = replacements

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.replacements.get(original, updated)


def _pullback_derivative(function: types.FunctionType, wrt: tuple, shapes: str) -> Any:
    """The derivative a caller's variant calls: for arguments of ``shapes``
    where a variant can be made, else the general code (as in process)."""
    parsed = parse_shapes(shapes)
    if parsed is not None:
        try:
            return derivative_of(function, wrt, Options(shapes=parsed))[2]
        except Exception as error:
            tolerate(error)
    return derivative_of(function, wrt)[2]


def _check_readable(function: Any) -> None:
    """Refuse a callee whose derivative a built module cannot hold."""
    if not isinstance(function, types.FunctionType) or not python_callable(function):
        raise UnknownCallee(
            f"{getattr(function, '__qualname__', function)!r} is not a Python "
            "function adcompile can read",
            "give it a rule with adcompile.custom",
        )
    if function.__code__.co_freevars:
        raise UnknownCallee(
            f"it calls {function.__qualname__}, which reads variables of an "
            f"enclosing function ({', '.join(function.__code__.co_freevars)}) "
            "that a module built ahead of time cannot reach",
            "define the function at the top level of its module and pass "
            "those values as arguments",
            definition(function),
        )


def _named(text: str, name: str) -> str:
    tree = cst.parse_module(text)
    definition = tree.body[0]
    assert isinstance(definition, cst.FunctionDef)
    tree = tree.with_changes(body=[definition.with_changes(name=cst.Name(name))])
    return drop_annotations(tree).code


def _word(qualname: str) -> str:
    return qualname.replace(".", "_").strip("_") or "call"
