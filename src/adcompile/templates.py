"""Building expressions from templates: substitution and small simplifications.

``substitute`` replaces the placeholder names of a parsed template (never
attribute names or keywords) with operand expressions, parenthesizing any
operand that is not atomic so precedence is kept. ``simplify`` folds the
arithmetic that substitution leaves behind (``2 - 1``, ``x ** 1``, ``g * 1``)
so emitted local gradients read as a person would write them.
"""

from __future__ import annotations

import functools

import libcst as cst

ATOMIC = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.Ellipsis,
)


def parenthesize(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` wrapped in parentheses unless it is atomic or already wrapped."""
    if isinstance(node, ATOMIC) or getattr(node, "lpar", None):
        return node
    if isinstance(node, (cst.Integer, cst.Float)):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


class _Substitute(cst.CSTTransformer):
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
            value = self.mapping[original.value.value]  # no parentheses needed
        return updated.with_changes(keyword=original.keyword, value=value)


def substitute(
    template: cst.BaseExpression,
    mapping: dict[str, cst.BaseExpression],
    fold: bool = True,
) -> cst.BaseExpression:
    """The template with every mapped name replaced by its expression.

    With ``fold``, literal arithmetic is folded (for local gradients); the
    forward sweep keeps the user's arithmetic exactly (``x * 1.0`` is a new
    array, ``x`` is not).
    """
    if all(_unchanged(name, mapping) for name in _names_of(template)):
        if not (fold and _has_power(template)):
            return template  # nothing to replace (``np`` bound to ``np``...)
    result = template.visit(_Substitute(mapping))
    assert isinstance(result, cst.BaseExpression)
    if fold and any(
        _is_number(mapping[name]) for name in _names_of(template) if name in mapping
    ):
        return simplify(result)  # only literals leave arithmetic to fold
    return hug_powers(result) if fold and _has_power(template) else result


def _unchanged(name: str, mapping: dict[str, cst.BaseExpression]) -> bool:
    replacement = mapping.get(name)
    return replacement is None or (
        isinstance(replacement, cst.Name)
        and replacement.value == name
        and not replacement.lpar
    )


_NAMES: dict[int, tuple[cst.BaseExpression, frozenset[str]]] = {}


def _names_of(template: cst.BaseExpression) -> frozenset[str]:
    """The names a template reads (remembered per template object, like
    ``_has_power``)."""
    entry = _NAMES.get(id(template))
    if entry is None or entry[0] is not template:
        entry = (template, frozenset(used_names(template)))
        if len(_NAMES) < 4096:
            _NAMES[id(template)] = entry
    return entry[1]


_POWERS: dict[int, tuple[cst.BaseExpression, bool]] = {}


def _has_power(template: cst.BaseExpression) -> bool:
    """Whether a template contains ``**`` (remembered per template object;
    the entry keeps its template alive, so an id is never reused)."""
    entry = _POWERS.get(id(template))
    if entry is None or entry[0] is not template:
        entry = (template, "**" in render(template))
        if len(_POWERS) < 4096:
            _POWERS[id(template)] = entry
    return entry[1]


@functools.lru_cache(maxsize=1024)
def parse_spelling(code: str) -> cst.BaseExpression:
    """A parsed expression, shared by every use of the same code."""
    return cst.parse_expression(code)


def _is_number(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    return isinstance(node, cst.UnaryOperation) and _is_number(node.expression)


def _number(node: cst.BaseExpression) -> float | None:
    if isinstance(node, (cst.Integer, cst.Float)) and not node.lpar:
        return float(node.evaluated_value)
    return None


def _literal(value: float, like_float: bool) -> cst.BaseExpression:
    if not like_float and value == int(value):
        text = str(int(value))
    else:
        text = repr(float(value))
    if value < 0:
        return cst.UnaryOperation(
            cst.Minus(),
            cst.Integer(text[1:]) if not like_float else cst.Float(text[1:]),
        )
    return cst.Integer(text) if not like_float else cst.Float(text)


class _Simplify(cst.CSTTransformer):
    def leave_BinaryOperation(
        self, original: cst.BinaryOperation, updated: cst.BinaryOperation
    ) -> cst.BaseExpression:
        left, right = _number(updated.left), _number(updated.right)
        op = updated.operator
        keep = {"lpar": updated.lpar, "rpar": updated.rpar}
        if left is not None and right is not None:
            like_float = isinstance(updated.left, cst.Float) or isinstance(
                updated.right, cst.Float
            )
            if isinstance(op, cst.Add):
                return _with_parens(_literal(left + right, like_float), keep)
            if isinstance(op, cst.Subtract):
                return _with_parens(_literal(left - right, like_float), keep)
            if isinstance(op, cst.Multiply):
                return _with_parens(_literal(left * right, like_float), keep)
        if isinstance(op, (cst.Power, cst.Multiply)) and right == 1:
            return updated.left
        if isinstance(op, cst.Multiply) and left == 1:
            return updated.right
        return _hug_power(updated)

    def leave_UnaryOperation(
        self, original: cst.UnaryOperation, updated: cst.UnaryOperation
    ) -> cst.BaseExpression:
        inner = updated.expression
        if (
            isinstance(updated.operator, cst.Minus)
            and isinstance(inner, cst.UnaryOperation)
            and isinstance(inner.operator, cst.Minus)
        ):
            return inner.expression
        return updated


def _with_parens(node: cst.BaseExpression, keep: dict) -> cst.BaseExpression:
    if keep["lpar"] and isinstance(node, cst.UnaryOperation):
        return node.with_changes(**keep)
    return node


def _is_simple_power_operand(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Name, cst.Integer, cst.Float)):
        return not node.lpar
    if isinstance(node, cst.Attribute):
        return not node.lpar and _is_simple_power_operand(node.value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return not node.lpar and _is_simple_power_operand(node.expression)
    return False


def _hug_power(node: cst.BinaryOperation) -> cst.BinaryOperation:
    """``x**2`` without spaces where black writes it so (simple operands)."""
    if isinstance(node.operator, cst.Power) and all(
        _is_simple_power_operand(side) for side in (node.left, node.right)
    ):
        return node.with_changes(operator=_HUGGED_POWER)
    return node


_HUGGED_POWER = cst.Power(
    whitespace_before=cst.SimpleWhitespace(""),
    whitespace_after=cst.SimpleWhitespace(""),
)


class _HugPowers(cst.CSTTransformer):
    def leave_BinaryOperation(
        self, original: cst.BinaryOperation, updated: cst.BinaryOperation
    ) -> cst.BinaryOperation:
        return _hug_power(updated)


def hug_powers(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` with simple powers written as black writes them (``x**2``)."""
    result = node.visit(_HugPowers())
    assert isinstance(result, cst.BaseExpression)
    return result


def simplify(node: cst.BaseExpression) -> cst.BaseExpression:
    """Fold literal arithmetic and drop multiplications and powers by one."""
    result = node.visit(_Simplify())
    assert isinstance(result, cst.BaseExpression)
    return result


def render(node: cst.CSTNode) -> str:
    """Source text of a node."""
    return cst.Module([]).code_for_node(node)


def used_names(
    node: cst.CSTNode,
    skip_attributes: frozenset[str] = frozenset(),
    skip_called: bool = False,
) -> set[str]:
    """Every name an expression or statement reads (not attribute names).

    ``skip_attributes``: the object of ``x.attr`` for these attributes is not
    counted (``x.shape`` reads no value of x); ``skip_called``: a plain name
    in the function position of a call is not counted.
    """
    names: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            if attribute.attr.value not in skip_attributes:
                attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

        def visit_Call(self, call: cst.Call) -> bool:
            if not (skip_called and isinstance(call.func, cst.Name)):
                call.func.visit(self)
            for arg in call.args:
                arg.visit(self)
            return False

    node.visit(Finder())
    return names
