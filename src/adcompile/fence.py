"""Early, precise refusals of syntax the compiler does not differentiate.

``check(source)`` walks the function once, before any transformation, and
raises ``UnsupportedSyntax`` at the first construct outside the supported
language, with its location and what to write instead. Passing the fence
means every later pass only meets constructs it handles.
"""

from __future__ import annotations

import libcst as cst

from .deletes import check_deletes
from .errors import UnsupportedSyntax
from .source import FunctionSource

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


class _Fence(cst.CSTVisitor):
    def __init__(self, source: FunctionSource) -> None:
        self.source = source
        self.body_statements = list(source.definition.body.body)
        self.deletes = False  # the function has a ``del`` of its own
        self.depth = 0  # how many nested functions the visit is inside

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef) and (node.decorators or node.asynchronous):
            raise UnsupportedSyntax(
                f"the nested function {node.name.value} is decorated or async",
                "define it without decorators, as a plain def",
                self.source.location(node),
            )
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            self.depth += 1
        if isinstance(node, cst.Del):
            if self.depth:
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
        if isinstance(node, cst.Arg) and node.star:
            raise UnsupportedSyntax(
                f"star-argument forwarding ({node.star}...) cannot be differentiated",
                "pass the arguments one by one",
                self.source.location(node),
            )
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.FunctionDef, cst.Lambda)):
            self.depth -= 1


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
        statement.visit(fence)
    if fence.deletes:
        check_deletes(body_statements, source.location)
