"""Building expressions from templates: substitution and small simplifications.

``substitute`` replaces the placeholder names of a parsed template (never
attribute names or keywords) with operand expressions, parenthesizing any
operand that is not atomic so precedence is kept. ``simplify`` folds the
arithmetic that substitution leaves behind (``2 - 1``, ``x ** 1``, ``g * 1``,
``x - 0``, ``x / 1``) so emitted local gradients read as a person would write
them.
"""

from __future__ import annotations

import functools

import libcst as cst

from adcompile._src.syntax.tree import children, name_sites, rebuild

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


# expressions that bind less tightly than ``+``: a term of a sum needs
# parentheses around them (``a + (b if c else d)``)
_LOOSER_THAN_SUM = (cst.IfExp, cst.Lambda, cst.BooleanOperation, cst.Comparison)


def summand(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` as a term of a sum built as a tree: wrapped in parentheses
    where it binds less tightly than ``+`` (the tree prints as written)."""
    loose = isinstance(node, _LOOSER_THAN_SUM) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)
    )
    return parenthesize(node) if loose else node


def sum_of(left: cst.BaseExpression, right: cst.BaseExpression) -> cst.BinaryOperation:
    """``left + right``, each term parenthesized where it needs it."""
    return cst.BinaryOperation(summand(left), cst.Add(), summand(right))


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
    result = name_sites(template).fill(mapping, parenthesize)
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


def _simplified(node: cst.CSTNode) -> cst.CSTNode:
    """One node of ``simplify``, its children simplified already."""
    if isinstance(node, cst.BinaryOperation):
        return _simplified_binary(node)
    if isinstance(node, cst.UnaryOperation):
        inner = node.expression
        if (
            isinstance(node.operator, cst.Minus)
            and isinstance(inner, cst.UnaryOperation)
            and isinstance(inner.operator, cst.Minus)
        ):
            return inner.expression
    return node


def _simplified_binary(updated: cst.BinaryOperation) -> cst.BaseExpression:
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
        if isinstance(op, cst.Power) and left == 1:
            return _with_parens(_literal(1.0, like_float), keep)
    if isinstance(op, (cst.Power, cst.Multiply, cst.Divide)) and right == 1:
        return _kept(updated.left, keep)
    if isinstance(op, (cst.Add, cst.Subtract)) and right == 0:
        return _kept(updated.left, keep)
    if isinstance(op, cst.Multiply) and left == 1:
        return _kept(updated.right, keep)
    return _hug_power(updated)


def _kept(node: cst.BaseExpression, keep: dict) -> cst.BaseExpression:
    """The operand left of an operation dropped (``a * 1``, ``a - 0``), with
    the operation's parentheses where it needs them: ``c * (a + b - 0)``
    is ``c * (a + b)``."""
    if keep["lpar"] and not isinstance(node, ATOMIC) and not _is_number(node):
        if not getattr(node, "lpar", None):
            return node.with_changes(**keep)
    return node


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


def _unhugged(node: cst.CSTNode) -> bool:
    """A power ``_hug_power`` would write otherwise."""
    return (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Power)
        and not node.operator.deep_equals(_HUGGED_POWER)
        and _hug_power(node) is not node
    )


_HUGGED_POWER = cst.Power(
    whitespace_before=cst.SimpleWhitespace(""),
    whitespace_after=cst.SimpleWhitespace(""),
)


def hug_powers(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` with simple powers written as black writes them (``x**2``)."""
    result = rebuild(node, lambda n: _hug_power(n) if _unhugged(n) else n)
    assert isinstance(result, cst.BaseExpression)
    return result


def simplify(node: cst.BaseExpression) -> cst.BaseExpression:
    """Fold literal arithmetic, drop multiplications, divisions and powers by
    one and additions of zero."""
    result = rebuild(node, _simplified)
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

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            if node.attr.value not in skip_attributes:
                visit(node.value)
        elif isinstance(node, cst.Arg):
            visit(node.value)  # not its keyword
        elif isinstance(node, cst.Call):
            if not (skip_called and isinstance(node.func, cst.Name)):
                visit(node.func)
            for arg in node.args:
                visit(arg)
        else:
            for child in children(node):
                visit(child)

    visit(node)
    return names


def string_literal(text: str) -> str:
    """``text`` as a Python string literal, quoted as black writes it
    (double quotes, unless the text holds one)."""
    literal = repr(text)
    if '"' in text or literal.startswith('"'):
        return literal
    return '"' + literal[1:-1].replace("\\'", "'") + '"'
