"""Lowering functions defined inside the differentiated function.

``def helper(z): return z * k`` (or ``helper = lambda z: z * k``) is
closure-converted: every variable of the enclosing function that the helper
reads becomes an extra parameter (``def helper(z, k)``), and every call
passes the value the variable has at the call (``helper(x, k)``), which is
what a closure would read. Invariant: that is every name local to the
enclosing function (a parameter, or assigned anywhere in its body, before
or after the ``def``: a closure binds late), so no nested function reads
an enclosing variable other than through its parameters; the emitted code
renames those variables (one name per value), and a closure would read a
stale one. The helper is then an ordinary function called
with values that may carry a derivative, differentiated on its own like any
other callee. A helper used in any other way than by direct calls (passed
along, stored, returned) is refused: its closure could not be followed.
"""

from __future__ import annotations

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.normal.control_facts import assigned_names
from adcompile._src.normal.lower import load_names
from adcompile._src.syntax.templates import used_names


class ClosureLowering:
    """Mixed into the Normalizer, which owns the state these methods use."""

    def _nested_def(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        own = _bound_names(node)
        enclosing = self._enclosing_locals()
        free = sorted(
            n
            for n in load_names(node.body) - own
            if (n in self.env or n in enclosing) and n != name
        )
        if name in load_names(node.body) and name not in own:
            raise UnsupportedSyntax(
                f"the nested function {name} calls itself",
                "define a recursive function at module level",
                self.source.location(node),
            )
        extra = [cst.Param(cst.Name(n)) for n in free]
        params = node.params.with_changes(params=[*node.params.params, *extra])
        if node.params.star_arg is not cst.MaybeSentinel.DEFAULT or (
            node.params.kwonly_params or node.params.star_kwarg
        ):
            raise UnsupportedSyntax(
                f"the nested function {name} has *args, **kwargs or keyword-only "
                "parameters",
                "give it plain parameters",
                self.source.location(node),
            )
        converted = node.with_changes(params=params, leading_lines=[])
        target = self._new_ssa(name)
        self.varied.discard(target)
        self.closures[target] = free
        self._effect(converted.with_changes(name=cst.Name(target)), share=False)

    def _enclosing_locals(self) -> set[str]:
        """The names local to the function being normalized: its parameters
        and every name its body assigns (not inside nested functions)."""
        if self.enclosing_locals is None:
            self.enclosing_locals = self.param_names | assigned_names(
                [self.definition.body], nested=False
            )
        return self.enclosing_locals

    def _lambda_def(self, name: str, node: cst.Lambda) -> None:
        """``name = lambda ...: body`` as ``def name(...): return body``."""
        definition = cst.FunctionDef(
            name=cst.Name(name),
            params=node.params,
            body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(node.body)])]),
        )
        self._nested_def(definition)

    def _closure_arguments(self, func: cst.BaseExpression) -> list[cst.Arg]:
        """The extra arguments a call to a closure-converted helper passes."""
        if not isinstance(func, cst.Name):
            return []
        free = self.closures.get(self.env.get(func.value, ""))
        if free is None:
            return []
        return [cst.Arg(cst.Name(n)) for n in free]

    def _check_closure_use(self, node: cst.CSTNode) -> None:
        """Refuse a nested function used other than by calling it."""
        for name in _load_names_outside_calls(node):
            if self.env.get(name, "") in self.closures:
                raise UnsupportedSyntax(
                    f"the nested function {name} is used as a value",
                    "call it directly; to pass a function along, define it at "
                    "module level",
                    self.source.location(node),
                )


def _bound_names(node: cst.FunctionDef) -> set[str]:
    """Parameters and names assigned inside a nested function."""
    names = {p.name.value for p in node.params.params}

    class Finder(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            if isinstance(target.target, cst.Name):
                names.add(target.target.value)

        def visit_For(self, loop: cst.For) -> None:
            if isinstance(loop.target, cst.Name):
                names.add(loop.target.value)

    node.body.visit(Finder())
    return names


def _load_names_outside_calls(node: cst.CSTNode) -> set[str]:
    """Names read other than as the function of a call."""
    return used_names(node, skip_called=True)
