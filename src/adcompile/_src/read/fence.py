"""Early, precise refusals of syntax the compiler does not differentiate.

``check(source)`` walks the function once, before any transformation, and
raises ``UnsupportedSyntax`` at the first construct outside the supported
language, with its location and what to write instead. Passing the fence
means every later pass only meets constructs it handles.
"""

from __future__ import annotations

import builtins

import libcst as cst

from adcompile._src.errors import UnsupportedSyntax
from adcompile._src.read.deletes import check_deletes
from adcompile._src.read.source import FunctionSource, visible_names
from adcompile._src.syntax.templates import used_names
from adcompile._src.syntax.tree import children

REFUSED: dict[type[cst.CSTNode], tuple[str, str]] = {
    cst.Try: ("a `try` statement", "remove the try/except from the function"),
    cst.TryStar: ("a `try` statement", "remove the try/except from the function"),
    cst.With: ("a `with` statement", "move the with block out of the function"),
    cst.Match: ("a `match` statement", "rewrite it with np.where"),
    cst.Global: (
        "a `global` declaration",
        "pass the value as a parameter and return what you compute",
    ),
    cst.Nonlocal: (
        "a `nonlocal` declaration",
        "pass the value as a parameter and return what you compute",
    ),
    cst.Yield: ("`yield`", "generators have no gradient; return a value instead"),
    cst.Await: ("`await`", "differentiate a plain (not async) function"),
    cst.ClassDef: ("a class definition", "define the class at module level"),
    cst.Import: ("an import inside the function", "import at module level"),
    cst.ImportFrom: ("an import inside the function", "import at module level"),
    cst.NamedExpr: ("an assignment expression (:=)", "assign in its own statement"),
}


# builtins that run code or read the local variables by name
_DYNAMIC_CODE = frozenset({"eval", "exec", "locals", "vars"})


class _Fence:
    """The checks of one function's body, node by node."""

    def __init__(self, source: FunctionSource) -> None:
        self.source = source
        self.deletes = False  # the function has a ``del`` of its own
        self._scope: dict[str, object] | None = None
        code = source.function.__code__
        self.local = set(code.co_varnames) | set(code.co_cellvars)  # its variables

    def _check_defaults(self, node: cst.FunctionDef | cst.Lambda) -> None:
        """A nested function's default values may not read the function's
        own variables: Python evaluates them once, where the function is
        defined, and the gradient would not flow through them."""
        local = self.local
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is None:
                continue
            names = used_names(param.default)  # the function's, or a comprehension's
            read = sorted((names & local) | {n for n in names if n not in self.scope()})
            if read:
                raise UnsupportedSyntax(
                    f"the default value of parameter '{param.name.value}' of a "
                    f"nested function reads the variable '{read[0]}'",
                    f"read '{read[0]}' in the nested function's body instead (a "
                    "closure), or pass it as an argument",
                    self.source.location(param),
                )

    def scope(self) -> dict[str, object]:
        """What the function's free names denote (read when first needed)."""
        if self._scope is None:
            self._scope = visible_names(self.source.function)
        return self._scope

    def check(self, node: cst.CSTNode, depth: int = 0) -> None:
        """Check ``node`` and the nodes below it; ``depth`` counts the nested
        functions around it."""
        self._check_one(node, depth)
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            depth += 1
        for child in children(node):
            self.check(child, depth)

    def _check_one(self, node: cst.CSTNode, depth: int) -> None:
        if isinstance(node, cst.FunctionDef) and (node.decorators or node.asynchronous):
            raise UnsupportedSyntax(
                f"the nested function {node.name.value} is decorated or async",
                "define it without decorators, as a plain def",
                self.source.location(node),
            )
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            self._check_defaults(node)
        if isinstance(node, cst.Del):
            if depth:
                raise UnsupportedSyntax(
                    "a `del` statement inside a nested function cannot be "
                    "differentiated",
                    "remove it; adcompile frees values itself",
                    self.source.location(node),
                )
            self.deletes = True
        refusal = REFUSED.get(type(node))
        if refusal is not None:
            construct, hint = refusal
            raise UnsupportedSyntax(
                f"{construct} in {self.source.function.__qualname__} cannot be "
                "differentiated",
                hint,
                self.source.location(node),
            )
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value in _DYNAMIC_CODE
            and self.scope().get(node.func.value) is getattr(builtins, node.func.value)
        ):
            raise UnsupportedSyntax(
                f"{node.func.value}() runs code or reads variables adcompile cannot "
                "see, so no gradient could follow them",
                "write the computation out in the function",
                self.source.location(node),
            )
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "super"
            and not node.args
        ):
            raise UnsupportedSyntax(
                "super() without arguments: the differentiated copy of a method "
                "has no class cell to find the class by",
                "name the class and the instance: super(ClassName, self)",
                self.source.location(node),
            )
        if isinstance(node, cst.Arg) and node.star:
            raise UnsupportedSyntax(
                f"star-argument forwarding ({node.star}...) cannot be differentiated",
                "pass the arguments one by one",
                self.source.location(node),
            )


def check(source: FunctionSource) -> None:
    """Raise UnsupportedSyntax at the first construct outside the language."""
    definition = source.definition
    if definition.asynchronous is not None:
        raise UnsupportedSyntax(
            f"{source.function.__qualname__} is an async function",
            "differentiate a plain (not async) function",
            source.location(definition),
        )
    params = definition.params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            raise UnsupportedSyntax(
                f"parameter '{star.name.value}' collects extra arguments "
                "(*args / **kwargs), which adcompile cannot differentiate",
                "name each parameter of the function",
                source.location(star),
            )
    body = definition.body
    if not isinstance(body, cst.IndentedBlock):
        body_statements: list[cst.CSTNode] = [body]
    else:
        body_statements = list(body.body)
    fence = _Fence(source)
    for statement in body_statements:
        fence.check(statement)
    if fence.deletes:
        check_deletes(body_statements, source.location)
