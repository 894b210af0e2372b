"""Functions defined inside the differentiated function: closure conversion.

``def helper(z): return z * k`` (or ``helper = lambda z: z * k``) is
closure-converted before anything else is lowered: every variable of the
enclosing function that the helper reads becomes an extra parameter
(``def helper(z, k)``), and every call passes the value the variable has at
the call (``helper(x, k)``), which is what a closure would read.

Invariant of the output: no nested function reads a variable of the
enclosing function other than through its parameters. That takes every
name local to the enclosing function (a parameter, or assigned anywhere in
its body, before or after the ``def``: a closure binds late), and, when a
helper calls another helper, the names the other one reads too (they are
passed along, with the other helper itself). The emitted code gives each
value of a variable its own name, so a closure would read a stale one.

The conversion runs once, on the whole body, so a call lowered several
times (a comprehension's body, a loop's body while its state settles) is
converted once. A helper that reads variables of the enclosing function and
is used in any other way than by calls (passed along, stored, returned) is
refused, and so is one defined twice or calling itself: its closure could
not be followed.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal.control_facts import assigned_names
from adcompile._src.normal.purity import nested_purity
from adcompile._src.normal.vocabulary import MUTATING_METHODS
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import bound_names, chain_base
from adcompile._src.syntax.templates import used_names
from adcompile._src.syntax.tree import walk


def convert_closures(
    statements: list[cst.BaseStatement], params: set[str], source: FunctionSource
) -> list[cst.BaseStatement]:
    """``statements`` (a function body) with its nested functions converted."""
    helpers = _helpers(statements, source)
    if not helpers:
        return statements
    local = params | assigned_names(list(statements), nested=False)
    direct = {name: _reads(node) & local - {name} for name, node in helpers.items()}
    for name, node in helpers.items():
        if name in _reads(node) - _own_names(node):
            raise UnsupportedSyntax(
                f"the nested function {name} calls itself",
                "define a recursive function at module level",
                source.location(node),
            )
    free = {name: sorted(_closure(name, direct, helpers, source)) for name in helpers}
    # one that reads no variable of the function may go anywhere a module's
    # function may: called, passed along or stored, it computes the same
    _check_uses(statements, {n: h for n, h in helpers.items() if free[n]}, source)
    converter = _Convert(free, source)
    return [statement.visit(converter) for statement in statements]  # type: ignore


def _helpers(
    statements: list[cst.BaseStatement], source: FunctionSource
) -> dict[str, cst.FunctionDef | cst.Lambda]:
    """The nested functions: ``def`` statements and ``name = lambda ...``
    anywhere in the body, but not inside other nested functions."""
    found: dict[str, cst.FunctionDef | cst.Lambda] = {}

    def add(name: str, node: cst.FunctionDef | cst.Lambda) -> None:
        if name in found and source.code(found[name]) != source.code(node):
            # (the same code twice is one function: ``exits.py`` copies a
            # one-line rest, a definition too, onto each path)
            raise UnsupportedSyntax(
                f"the nested function {name} is defined more than once",
                "give each nested function its own name",
                source.location(node),
            )
        found[name] = node

    def function(node: cst.CSTNode) -> bool:
        return isinstance(node, (cst.FunctionDef, cst.Lambda))

    for statement in statements:
        for node in walk(statement, function):
            if isinstance(node, cst.FunctionDef):
                add(node.name.value, node)
            elif (
                isinstance(node, cst.Assign)
                and isinstance(node.value, cst.Lambda)
                and len(node.targets) == 1
                and isinstance(node.targets[0].target, cst.Name)
            ):
                add(node.targets[0].target.value, node.value)
    return found


def _parameters(node: cst.FunctionDef | cst.Lambda) -> list[str]:
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    return [p.name.value for p in every]


def _own_names(node: cst.FunctionDef | cst.Lambda) -> set[str]:
    """A nested function's parameters and the names its body assigns."""
    own = set(_parameters(node))
    if isinstance(node, cst.FunctionDef):
        own |= assigned_names([node.body])
    return own


def _reads(node: cst.FunctionDef | cst.Lambda) -> set[str]:
    """The names a nested function's body reads (``x.shape`` reads x)."""
    return used_names(node.body)


def _closure(
    name: str,
    direct: dict[str, set[str]],
    helpers: dict[str, cst.FunctionDef | cst.Lambda],
    source: FunctionSource,
    calling: tuple[str, ...] = (),
) -> set[str]:
    """The enclosing variables ``name`` reads, directly or through the
    helpers it calls (which it is passed as well)."""
    if name in calling:
        raise UnsupportedSyntax(
            f"the nested functions {' and '.join(calling)} call each other",
            "define recursive functions at module level",
            source.location(helpers[name]),
        )
    own = _own_names(helpers[name])
    names = direct[name] - own
    for other in sorted(names & set(helpers)):
        inherited = _closure(other, direct, helpers, source, (*calling, name))
        if inherited & own:
            raise UnsupportedSyntax(
                f"the nested function {name} calls {other}, which reads "
                f"{', '.join(sorted(inherited & own))} of the enclosing function, "
                f"while {name} has a variable of that name",
                "rename the variable of the calling function",
                source.location(helpers[name]),
            )
        names |= inherited
    return names


def _check_uses(
    statements: list[cst.BaseStatement],
    helpers: dict[str, cst.FunctionDef | cst.Lambda],
    source: FunctionSource,
) -> None:
    """Refuse a nested function used other than by calling it (or assigned
    other than by its definition)."""
    definitions = {id(node) for node in helpers.values()}

    def refuse(name: str, node: cst.CSTNode) -> None:
        raise UnsupportedSyntax(
            f"the nested function {name} is used as a value",
            "call it directly; to pass a function along, define it at module level",
            source.location(node),
        )

    class Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            node.body.visit(self)  # not its name, nor its parameters' names
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            node.body.visit(self)
            return False

        def visit_Assign(self, node: cst.Assign) -> bool:
            if id(node.value) in definitions:  # name = lambda ...: a definition
                node.value.visit(self)
                return False
            return True

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)  # not the attribute's name
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)  # not a keyword's name
            return False

        def visit_Call(self, node: cst.Call) -> bool:
            if isinstance(node.func, cst.Name):  # a call of it: what they are for
                for arg in node.args:
                    arg.visit(self)
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            if node.value in helpers:
                refuse(node.value, node)

    for statement in statements:
        statement.visit(Finder())


class _Convert(cst.CSTTransformer):
    """Add the free names to each nested function's parameters and to every
    call of it (inside other nested functions too, unless a name of theirs
    hides it)."""

    def __init__(self, free: dict[str, list[str]], source: FunctionSource) -> None:
        self.free = free
        self.source = source
        self.hidden: list[set[str]] = [set()]  # names a nested function rebinds

    def _enter(self, node: cst.FunctionDef | cst.Lambda) -> None:
        self.hidden.append(_own_names(node) & set(self.free))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._enter(node)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.hidden.pop()
        return self._with_params(original_node.name.value, updated_node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._enter(node)
        return True

    def leave_Lambda(
        self, original_node: cst.Lambda, updated_node: cst.Lambda
    ) -> cst.Lambda:
        self.hidden.pop()
        return updated_node

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.Assign:
        target = original_node.targets[0].target
        if isinstance(original_node.value, cst.Lambda) and isinstance(target, cst.Name):
            value = updated_node.value
            assert isinstance(value, cst.Lambda)
            return updated_node.with_changes(
                value=self._with_params(target.value, value)
            )
        return updated_node

    def _with_params(self, name: str, node: Any) -> Any:
        extra = [cst.Param(cst.Name(n)) for n in self.free.get(name, ())]
        if not extra:
            return node
        if node.params.star_arg is not cst.MaybeSentinel.DEFAULT or (
            node.params.kwonly_params or node.params.star_kwarg
        ):
            raise UnsupportedSyntax(
                f"the nested function {name} has *args, **kwargs or keyword-only "
                "parameters",
                "give it plain parameters",
                self.source.location(node),
            )
        params = [*node.params.params]
        if params:
            params[-1] = params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(params=node.params.with_changes(params=params + extra))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = original_node.func
        if not isinstance(func, cst.Name) or func.value not in self.free:
            return updated_node
        if any(func.value in hidden for hidden in self.hidden):
            return updated_node
        extra = [cst.Arg(cst.Name(n)) for n in self.free[func.value]]
        if not extra:
            return updated_node
        args = list(updated_node.args)
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(args=[*args, *extra])

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(result, cst.CSTNode):  # errors still find the user's line
            self.source.moved(result, original_node)
        return result


class ClosureLowering:
    """Mixed into the Normalizer: a converted nested function is defined in
    the forward sweep as written, under its single-assignment name."""

    def _nested_def(
        self, node: cst.FunctionDef, written: cst.CSTNode | None = None
    ) -> None:
        """``written``: the user's code the def stands for (a lambda)."""
        target = self._new_ssa(node.name.value)
        self.varied.discard(target)
        key = written if written is not None else node
        known = self.purity_of_def.get(key)  # (a loop lowers it again)
        if known is None:
            known = self.purity_of_def[key] = nested_purity(node, self.source)
        self.nested_purity[target] = known
        written = enclosing_writes(node)
        if written:  # (with the enclosing names it reads)
            self.nested_writes[target] = (written, _reads(node) - _own_names(node))
        converted = node.with_changes(name=cst.Name(target), leading_lines=[])
        self._effect(converted, share=False)

    def _lambda_def(self, name: str, node: cst.Lambda) -> None:
        """``name = lambda ...: body`` as ``def name(...): return body``."""
        definition = cst.FunctionDef(
            name=cst.Name(name),
            params=node.params,
            body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(node.body)])]),
        )
        self._nested_def(definition, written=node)

    def _writes_varied_enclosing(self, func: cst.BaseExpression) -> bool:
        """Whether ``func`` names a nested function that writes into a
        variable of this function (``state["h"] = ...``) holding, or read
        with, values that carry a derivative: a call of it, even given
        nothing that does, changes them (and is refused where lowered)."""
        if not isinstance(func, cst.Name) or func.value not in self.env:
            return False
        found = self.nested_writes.get(self.env[func.value])
        if found is None:
            return False
        written, reads = found
        return any(self._is_varied(cst.Name(n)) for n in written | reads)

    def _refuse_enclosing_writes(self, call: cst.Call) -> None:
        """Refuse a call of a nested function that writes into a variable of
        this function (``log.append(v)``, ``state["h"] = ...``) where the
        call's values (or the variables it writes) carry a derivative: the
        write is run as written, and its derivative would be lost (a
        silently zero gradient, or a wrong one)."""
        func = call.func
        if not isinstance(func, cst.Name) or func.value not in self.env:
            return
        found = self.nested_writes.get(self.env[func.value])
        if found is None:
            return
        written, reads = found
        varied = [a.value for a in call.args] + [
            cst.Name(n) for n in sorted(reads | written) if n in self.env
        ]
        if not any(self._is_varied(v) for v in varied):
            return
        raise UnsupportedSyntax(
            f"{func.value}(...) writes into '{sorted(written)[0]}', a variable of "
            "the function being differentiated, with values the gradient may "
            "depend on: the derivative cannot follow a nested function's writes",
            f"have {func.value} return the value and update "
            f"'{sorted(written)[0]}' where it is called",
            self.source.location(call),
        )


def enclosing_writes(node: cst.FunctionDef) -> set[str]:
    """The names of the enclosing function a nested function changes in
    place or rebinds: ``log.append(v)``, ``state[k] = v``, ``acc += v`` on a
    name it does not bind, ``nonlocal`` ones."""
    own = set(_parameters(node)) | _bound_here(node)
    found: set[str] = set()

    def base(target: cst.BaseExpression) -> None:
        target, _ = chain_base(target)
        if isinstance(target, cst.Name) and target.value not in own:
            found.add(target.value)

    for inner in walk(node.body):
        if isinstance(inner, cst.Nonlocal):
            found.update(item.name.value for item in inner.names)
        elif isinstance(inner, (cst.AssignTarget, cst.AugAssign)):
            if isinstance(inner.target, (cst.Subscript, cst.Attribute)):
                base(inner.target)
            elif isinstance(inner, cst.AugAssign):
                base(inner.target)
        elif isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute):
            if inner.func.attr.value in MUTATING_METHODS:
                base(inner.func.value)
    return found


def _bound_here(node: cst.FunctionDef) -> set[str]:
    """The names a function's body binds (not the objects ``a[i] = v``
    writes into)."""
    found: set[str] = set()
    for inner in walk(node.body):
        if isinstance(inner, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            found.update(bound_names(inner.target))
        elif isinstance(inner, (cst.For, cst.CompFor, cst.NamedExpr)):
            found.update(bound_names(inner.target))
        elif isinstance(inner, cst.AsName):
            found.update(bound_names(inner.name))
        elif isinstance(inner, (cst.FunctionDef, cst.ClassDef)):
            found.add(inner.name.value)
    return found
