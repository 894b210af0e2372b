"""The fast tree walks (``adcompile.tree``) against libcst's own visitors.

``walk`` must see the names, calls and statements a libcst visitor sees;
``NameSites.fill`` must build the tree the replacing transformer the
compiler used before built; ``rebuild`` must keep unchanged nodes as they are.
The programs are the rule table's templates, the golden programs and the
control-flow corpus.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

from adcompile._src.rules import registry
from adcompile._src.syntax import templates, tree
from adcompile._src.syntax.templates import parenthesize, render
from tests import corpus

GOLDEN = Path(__file__).parent / "golden"


def _programs() -> list[cst.Module]:
    texts = [path.read_text() for path in sorted(GOLDEN.glob("*.py"))]
    texts += [inspect.getsource(case.f) for case in corpus.all_cases()]
    return [cst.parse_module(text) for text in dict.fromkeys(texts)]


def _templates() -> list[cst.BaseExpression]:
    found = {}
    for prim in registry.registered():
        for text in [*prim.vjps.values(), *prim.simple.values(), *prim.jvps.values()]:
            if text is not None and text != registry.LINEAR:
                found[text] = registry.parse_template(text, prim.param_names)
    return list(found.values())


class _Seen(cst.CSTVisitor):
    """What libcst's visitor meets, in order."""

    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Name, cst.Call, cst.BaseStatement, cst.Arg)):
            self.nodes.append(node)
        return True


class _Substitute(cst.CSTTransformer):
    """The replacing transformer ``NameSites.fill`` stands in for."""

    def __init__(self, mapping: dict[str, cst.BaseExpression]) -> None:
        self.mapping = mapping

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        replacement = self.mapping.get(original.value)
        return parenthesize(replacement) if replacement is not None else updated

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        value = updated.value
        if (
            isinstance(original.value, cst.Name)
            and original.value.value in self.mapping
        ):
            value = self.mapping[original.value.value]
        return updated.with_changes(keyword=original.keyword, value=value)


def test_walk_meets_what_a_libcst_visitor_meets():
    for module in _programs():
        seen = _Seen()
        module.visit(seen)
        kinds = (cst.Name, cst.Call, cst.BaseStatement, cst.Arg)
        walked = [node for node in tree.walk(module) if isinstance(node, kinds)]
        assert sorted(id(n) for n in walked) == sorted(id(n) for n in seen.nodes)
        statements = [n for n in walked if isinstance(n, cst.BaseStatement)]
        assert statements == [n for n in seen.nodes if isinstance(n, cst.BaseStatement)]


def test_children_leave_out_only_nodes_without_names():
    for module in _programs():
        for node in tree.walk(module):
            kept = {id(c) for c in tree.children(node)}
            for child in node.children:
                if id(child) not in kept:
                    assert templates.used_names(child) == set(), render(child)


REPLACEMENTS = [
    cst.Name("g"),
    cst.parse_expression("a + b"),
    cst.parse_expression("-x"),
    cst.parse_expression("f(y, k=2)[0]"),
    cst.Integer("2"),
    cst.parse_expression("np.shape(z)"),
]


@pytest.mark.parametrize("which", range(len(REPLACEMENTS)))
def test_fill_builds_what_the_replacing_transformer_built(which):
    replacement = REPLACEMENTS[which]
    count = 0
    for template in _templates():
        names = sorted(templates.used_names(template))
        for name in names:  # each name alone, then all of them at once
            for mapping in ({name: replacement}, dict.fromkeys(names, replacement)):
                got = tree.name_sites(template).fill(mapping, parenthesize)
                want = template.visit(_Substitute(mapping))
                assert got.deep_equals(want), render(template)
                assert render(got) == render(want)
                count += 1
    assert count > 500


def test_fill_keeps_what_it_does_not_replace():
    template = templates.parse_spelling("np.sum(x * y, axis=axis) + x.T")
    sites = tree.name_sites(template)
    assert sites.fill({}, parenthesize) is template
    filled = sites.fill({"x": cst.parse_expression("a + b")}, parenthesize)
    assert render(filled) == "np.sum((a + b) * y, axis=axis) + (a + b).T"
    assert filled.left.args[1] is template.left.args[1]  # the keyword argument
    called = sites.fill({"axis": cst.parse_expression("a + b")}, parenthesize)
    assert render(called) == "np.sum(x * y, axis=a + b) + x.T"  # bare argument


def test_rebuild_copies_only_the_nodes_on_the_way_to_a_change():
    expression = cst.parse_expression("f(a * 1, b) + g(c)")
    same = tree.rebuild(expression, lambda node: node)
    assert same is expression

    def one_is_dropped(node: cst.CSTNode) -> cst.CSTNode:
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.right, cst.Integer
        ):
            return node.left
        return node

    changed = tree.rebuild(expression, one_is_dropped)
    assert render(changed) == "f(a, b) + g(c)"
    assert changed.right is expression.right  # g(c): nothing changed below it
    assert changed.left.args[1] is expression.left.args[1]


def test_stack_lists_are_lists_used_only_by_append_and_pop():
    """A list bound only to ``[]`` and used only by ``append(v)`` and
    ``pop()`` in the function's own body is one no other name sees; any
    other use (read as a value, iterated, a keyword argument's name aside,
    a use in a nested function, an argument to ``pop``, a parameter) makes
    it an ordinary list."""
    source = """
def f(a, param):
    stack = []
    aliased = []
    closed = []
    popped_at = []
    rebound = []
    iterated = []
    stack.append(a); x = stack.pop()
    aliased.append(a); y = aliased
    closed.append(a); g = lambda: closed.pop()
    popped_at.append(a); popped_at.pop(0)
    rebound.append(a); rebound = [a]
    iterated.append(a)
    for v in iterated:
        pass
    param.append(1)
    obj.stack = 3
    h(stack=3)
    if x:
        stack = []
    return x
"""
    definition = cst.parse_module(source).body[0]
    assert tree.stack_lists(definition) == {"stack"}
