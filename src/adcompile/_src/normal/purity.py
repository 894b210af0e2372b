"""What a user function does with the arrays it is given, read from its source.

A function given an array might keep it, change it in place or return
it, and then a later write into the array would change what another name
sees. Most compute new values; ``purity(f)`` reads ``f`` to tell:

- ``keeps``: ``f`` may keep a reference to an argument after it returns, or
  change one in place (conservatively true whenever ``f``'s body does
  something this reading does not follow: an attribute or item written on
  something it did not make, a method that may change its object, a call of
  code it cannot read, a class, a nested function that is used other than
  by calling it there: a nested function only called in ``f`` is read as
  part of ``f``'s body);
- ``returns_new``: no part of ``f``'s result is an argument or shares memory
  with one (arithmetic, numpy functions that make new arrays, literals,
  containers of such values, local names only ever given such values);
- ``result_new``: the same of ``f``'s result alone, whatever else ``f``
  does;
- ``writes``: ``f`` may change an argument in place (a kind of keeping: a
  write into a module's own object, a global list, is none), and
  ``written``: the parameters whose objects it may change (None: any; a
  call of a user function whose ``written`` is known writes into what it
  gives those parameters only; a local name bound once to a part of a
  parameter, ``u, v = z`` or ``u = z[0]``, or to a view of it by constant
  slices, ``u = z[1:]``, writes into z: ``parts``);
- ``holds``: ``f`` may keep a reference to an argument other than by
  writing new values into the objects of the parameters in ``written``
  (``z[0] = 2 * c``, ``z += v``, ``z[i] += v``, ``z.append(np.tanh(v))``,
  a call of a function that only does that):
  a caller that gives those parameters private copies hands ``f`` nothing
  it keeps. A parameter counts only while every binding of its name in
  the body gives it a new value: ``z = y`` makes a write through ``z`` one
  into any argument (``written`` None);
- ``parts_apart``: ``f`` returns tuples written out (``return y, (u, s)``)
  whose items are each computed in the return (a call or arithmetic that
  makes a new value): no two parts of a result share memory, so a name
  unpacked from it sees none of the others (``return y, y`` is not apart).

Invariant: ``keeps``, ``holds`` and ``writes`` are false, ``written``
leaves a parameter out, and ``returns_new`` is true only when that holds on every
path through ``f`` and the user functions it calls (recursion is
followed to a fixpoint: a function in progress is taken to be pure, which is
right as long as none of the others keeps or aliases anything). Anything
unreadable is impure: ``UNKNOWN``.
"""

from __future__ import annotations

import dataclasses
import threading
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from adcompile._src.errors import AdcompileError
from adcompile._src.normal.control_facts import (
    containers_made_here,
    names_bound,
)
from adcompile._src.normal.local_functions import LocalFunctions
from adcompile._src.normal.new_values import NewValues
from adcompile._src.normal.vocabulary import (
    MUTATING_METHODS,
    NEW_VALUE_METHODS,
    RUNS_LATER,
    SAFE_BUILTINS,
    VIEW_METHODS,
    gives_out,
    is_numpy_callable,
    rule_of,
    writes_into_an_argument,
    written_argument,
)
from adcompile._src.read.calls import python_callable
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import (
    WRITES,
    bound_names,
    chain_base,
    resolve_callee,
    written_targets,
)
from adcompile._src.read.written_returns import arguments_to, read_function
from adcompile._src.syntax.tree import walk


@dataclass(frozen=True)
class Purity:
    keeps: bool
    returns_new: bool
    writes: bool = True  # may change an argument in place (a kind of keeps)
    written: frozenset[str] | None = None  # the parameters it may (None: any)
    result_new: bool = False  # returns_new, whatever else the function does
    holds: bool = True  # keeps, not counting new values written into `written`
    # every return is a tuple written out whose items (and theirs) are values
    # computed there: no two parts of the result share memory
    parts_apart: bool = field(default=False, compare=False)
    # the objects of its module it writes into (global arrays, lists, dicts)
    module_written: frozenset[str] = field(default=frozenset(), compare=False)
    # local names holding a part of a parameter's argument (``u, v = z``), a
    # write through which is one into it: (name, parameter) pairs
    parts: frozenset[tuple[str, str]] = field(default=frozenset(), compare=False)

    @property
    def copies_suffice(self) -> bool:
        """Given private copies of the parameters in ``written``, the
        function keeps nothing of its arguments (``holds`` false)."""
        return not self.holds and self.written is not None


UNKNOWN = Purity(keeps=True, returns_new=False)
PURE = Purity(False, True, False, frozenset(), result_new=True, holds=False)

_lock = threading.RLock()
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # -> Purity
_in_progress: set[types.FunctionType] = set()


def purity(callee: Any) -> Purity:
    """What ``callee`` (a user function) does with its arguments."""
    if type(callee) is not types.FunctionType or not python_callable(callee):
        return UNKNOWN
    with _lock:
        known = _cache.get(callee)
        if known is not None:
            return known
        if callee in _in_progress:
            return PURE  # recursion: the other paths decide
        _in_progress.add(callee)
        try:
            try:
                source = read_function(callee)
            except (AdcompileError, OSError, SyntaxError, TypeError):
                return UNKNOWN
            result = _Reading(source).purity()
        finally:
            _in_progress.discard(callee)
        if not _in_progress:  # not resting on a caller's assumption
            _cache[callee] = result
        return result


def nested_purity(definition: cst.FunctionDef, source: FunctionSource) -> Purity:
    """What a function defined inside ``source``'s function does with its
    arguments (closure-converted: it reads the enclosing function's values
    through its parameters only)."""
    return _Reading(dataclasses.replace(source, definition=definition)).purity()


class _Reading(LocalFunctions, NewValues):
    """One function's body, read for what it does with its arguments."""

    def __init__(self, source: FunctionSource) -> None:
        self.source = source
        definition = source.definition
        params = definition.params
        self.params = {
            p.name.value
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        }
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.params.add(star.name.value)
        self.body = definition.body
        self.nodes: list[cst.CSTNode] | None = None
        self.local_definitions: dict[str, cst.FunctionDef | cst.Lambda] | None = None
        self.bound: set[str] | None = None  # (_not_given)
        self.made: set[str] | None = None  # (_object_not_given)
        self.rebound: set[str] | None = None  # (_param_object)
        self.parts: dict[str, str] | None = None  # (_part_of_param)
        self.new_names = self._new_names()
        # an assignment's target -> the value it is given (_writes_new_into_param)
        self.assigned: dict[int, cst.BaseExpression] | None = None

    def purity(self) -> Purity:
        keeps = self._may_change(keeping=True)
        new = all(ret.value is None or self._new(ret.value) for ret in self._returns())
        writes = keeps and self._may_change(keeping=False)
        written = self._written_params() if writes else frozenset()
        holds = keeps and (written is None or self._may_change(True, holds=True))
        apart = new and all(
            ret.value is not None and self._apart(ret.value) for ret in self._returns()
        )
        module = self._module_written()
        parts = frozenset(self._parts_of_params().items())
        return Purity(
            keeps, not keeps and new, writes, written, new, holds, apart, module, parts
        )

    def _module_written(self) -> frozenset[str]:
        """The objects of its module the body writes into (``BUF[:] = x``,
        ``LOG.append(x)``): names it neither binds nor is given."""
        found: set[str] = set()
        for node in self._nodes():
            targets = [t for t in written_targets(node) if not isinstance(t, cst.Name)]
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                if node.func.attr.value in MUTATING_METHODS:
                    targets.append(node.func.value)
            for target in targets:
                base, _ = chain_base(target)
                if isinstance(base, cst.Name) and self._global(base):
                    found.add(base.value)
        return frozenset(found)

    def _global(self, name: cst.Name) -> bool:
        bindings = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For)
        bindings += (cst.CompFor, cst.NamedExpr, cst.AsName)
        local = {  # (what a binding binds: not the object of ``BUF[:] = x``)
            name
            for node in self._nodes()
            if isinstance(node, bindings)
            for name in bound_names(getattr(node, "target", None) or node.name)
        }
        return name.value not in self.params and name.value not in local

    def _apart(self, node: cst.BaseExpression) -> bool:
        """A tuple written out whose items, and theirs, are each a value made
        right there (the whole is new, as ``_new`` tells): a number, an
        array (``_array_made``), a call of a user function whose results are
        apart."""
        if isinstance(node, cst.Tuple):
            return all(
                not isinstance(e, cst.StarredElement) and self._apart(e.value)
                for e in node.elements
            )
        if isinstance(node, cst.IfExp):
            return self._apart(node.body) and self._apart(node.orelse)
        if isinstance(node, cst.Call):
            callee = resolve_callee(self.source, node.func, {}, strict=False)
            if python_callable(callee):
                return purity(callee).parts_apart
        return isinstance(node, cst.Integer) or self._array_made(node)

    def _user_returns_new(self, callee: object) -> bool:
        return _made_new(purity(callee))

    def _nested_returns_new(self, definition: cst.FunctionDef) -> bool:
        return _made_new(nested_purity(definition, self.source))

    # ---- what the body does ----------------------------------------------

    def _nodes(self) -> list[cst.CSTNode]:
        if self.nodes is None:
            self.nodes = list(walk(self.body))
        return self.nodes

    def _returns(self) -> list[cst.Return]:
        """The function's own returns (not those of functions defined in it)."""
        nested = (cst.FunctionDef, cst.Lambda)
        return [
            n
            for n in walk(self.body, lambda n: isinstance(n, nested))
            if isinstance(n, cst.Return)
        ]

    def _written_params(self) -> frozenset[str] | None:
        """The parameters whose objects the function may change in place
        (None: any of them, where a write reaches a local name that may hold
        one, or code that runs later)."""
        found: set[str] = set()
        local = self._local_functions()
        for node in self._nodes():
            if id(node) in local:
                continue
            if isinstance(node, RUNS_LATER):
                return None
            given: list[cst.BaseExpression] = []
            if isinstance(node, WRITES):
                given = [  # (the objects written into)
                    chain_base(target)[0]
                    for target in written_targets(node)
                    if isinstance(node, cst.AugAssign)
                    or not isinstance(target, cst.Name)
                ]
            elif isinstance(node, cst.Call) and call_may_keep(
                node, self.source, self._object_not_given, keeping=False
            ):
                func = node.func  # (a method writes its object; other calls
                given = [a.value for a in node.args]  # what they are given,
                first = written_argument(node, self.source)  # numpy's writers
                given = given if first is None else [first]  # their first)
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value in MUTATING_METHODS
                ):
                    given = [func.value]
                elif (  # a user function: what it writes into, where known
                    picked := self._given_to_writes(node)
                ) is not None:
                    given = picked
            names = [n for g in given for n in walk(g) if isinstance(n, cst.Name)]
            for name in names:
                if name.value in self.params and self._param_object(name.value):
                    found.add(name.value)
                elif name.value in self.params:
                    return None  # (z = y: a write through z may reach y)
                elif (part := self._part_of_param(name.value)) is not None:
                    found.add(part)  # (u, v = z: a write into z's item)
                elif not self._not_given(name):
                    return None  # a local name that may hold one, or unknown
        return frozenset(found)

    def _given_to_writes(self, call: cst.Call) -> list[cst.BaseExpression] | None:
        """The arguments a call of a user function gives the parameters it
        writes into (None: not a user function, or not known)."""
        callee = resolve_callee(self.source, call.func, {}, strict=False)
        if type(callee) is not types.FunctionType or not python_callable(callee):
            return None
        written = purity(callee).written
        return None if written is None else arguments_to(call, callee, written)

    def _only_writes(self, call: cst.Call) -> bool:
        """A call of a user function that keeps nothing of what it is given
        but new values written into the parameters it names (``holds``
        false): what it writes into, ``_written_params`` follows."""
        callee = resolve_callee(self.source, call.func, {}, strict=False)
        if not python_callable(callee):
            return False
        return purity(callee).copies_suffice

    def _may_change(self, keeping: bool, holds: bool = False) -> bool:
        """Whether the function may change an argument in place (a write into
        something it did not make, a mutating method of one, a call that may
        write into what it is given, or code that runs later: a class, a
        function defined here and used otherwise than by calling it), or,
        with ``keeping``, also keep a reference to one; with ``holds``, not
        counting new values written into parameters (``_writes_new_into_param``,
        ``_only_writes``)."""
        unknown = RUNS_LATER + (
            (cst.Yield, cst.Await, cst.With, cst.Try) if keeping else ()
        )
        local = self._local_functions()
        own = self._object_not_given  # (a write into a container made here,
        # or a module's own object, a global list, changes no argument, and
        # what a container made here holds leaves the call only through what
        # else the body does with the container: a return, a store or a call)
        for node in self._nodes():
            if id(node) in local:  # read as part of this body
                continue
            if isinstance(node, unknown):
                return True
            if holds and (
                self._writes_new_into_param(node)
                or isinstance(node, cst.Call)
                and (self._only_writes(node) or self._grows_param(node))
            ):
                continue
            for target in written_targets(node):
                if isinstance(target, (cst.Attribute, cst.Subscript)) and not own(
                    target.value
                ):
                    return True
                if (
                    isinstance(node, cst.AugAssign)
                    and isinstance(target, cst.Name)
                    and not own(target)
                ):  # z += v on an argument array changes it in place
                    return True
            if isinstance(node, cst.Call) and call_may_keep(
                node, self.source, own, keeping
            ):
                return True
        return False

    def _object_not_given(self, node: cst.BaseExpression) -> bool:
        """``_not_given``, or a name only ever given a container made here
        (changing the container itself, items = [] then items.append(z),
        changes no argument)."""
        if self.made is None:
            self.made = containers_made_here(self._nodes())
        return (
            isinstance(node, cst.Name)
            and node.value in self.made - self.params  # (a parameter's name
            or (self._not_given(node))  # holds its argument until rebound)
        )

    def _not_given(self, node: cst.BaseExpression) -> bool:
        """Not (part of) what the function is given: a value it made, or a
        module's own object (a global list), but no parameter and no local
        name that may hold one."""
        node, _ = chain_base(node)
        if not isinstance(node, cst.Name) or self._own(node):
            return isinstance(node, cst.Name)
        if self.bound is None:  # names the body binds (to anything)
            self.bound = names_bound(self._nodes())
        return node.value not in self.params and node.value not in self.bound


def _made_new(known: Purity) -> bool:
    """A call's result is a new value: the function keeps nothing and returns
    new values, or its only effect is new values written into the
    parameters ``written`` names (which its callers give private copies)."""
    return known.returns_new or known.result_new and known.copies_suffice


def call_may_keep(
    call: cst.Call,
    source: FunctionSource,
    own: Callable[[cst.BaseExpression], bool] = lambda node: False,
    keeping: bool = True,
) -> bool:
    """Whether ``call`` (in ``source``) may keep a reference to an argument or
    change one in place (without ``keeping``: change one in place). ``own``:
    the objects of mutating methods that are values the calling code made
    (changing them is no leak)."""
    func = call.func
    if gives_out(call):
        return True
    callee = resolve_callee(source, func, {}, strict=False)
    if callee is None and isinstance(func, cst.Attribute):  # a method
        method = func.attr.value
        if method in MUTATING_METHODS:
            return not own(func.value)
        return keeping and method not in NEW_VALUE_METHODS | VIEW_METHODS
    if callee is None:
        return True  # a parameter, or something known only at run time
    if python_callable(callee):
        known = purity(callee)
        return known.keeps if keeping else known.writes
    if (
        not keeping
        and isinstance(getattr(callee, "__self__", None), (list, dict, set))
        and isinstance(func, cst.Attribute)
        and own(func.value)
    ):  # a method of a module's own container: changes only that
        return False
    if writes_into_an_argument(callee):  # into its first argument only
        first = written_argument(call, source)
        return first is None or not own(first)
    module = (getattr(callee, "__module__", None) or "").split(".")[0]
    if rule_of(callee) is not None:  # numerical code: it keeps no reference to what it
        return False  # is given and writes into none of it (out=: above)
    if not keeping and module == "scipy":
        return False
    return not (
        callee in SAFE_BUILTINS or is_numpy_callable(callee) or module == "math"
    )
