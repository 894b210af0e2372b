"""What a statement does to the values it touches: whether an expression
makes a value no other name can refer to (``creates_new_value``), whether
it may leave a reference anywhere but in its result (``keeps_nothing``),
which names a statement run as written changes in place (``mutated_names``),
and whether a helper writes only constants into a parameter
(``writes_constants_only``)."""

from __future__ import annotations

import functools
import inspect
import types

import libcst as cst
import numpy as np

from adcompile._src.normal.purity import PURE, call_may_keep, purity
from adcompile._src.normal.vocabulary import (
    CONTAINER_CHANGES,
    IN_PLACE_METHODS,
    NEW_ARRAY_FUNCTIONS,
    SAFE_BUILTINS,
    VIEW_FREE_SHAPES,
    gives_out,
    is_numpy_callable,
    rule_of,
    writes_into_an_argument,
)
from adcompile._src.read.calls import python_callable
from adcompile._src.read.source import FunctionSource
from adcompile._src.read.static_code import (
    bound_names,
    chain_base,
    is_numeric_literal,
    resolve_callee,
)
from adcompile._src.read.written_returns import arguments_to, item_writes, read_once
from adcompile._src.syntax.tree import walk


def creates_new_value(node: cst.BaseExpression, source: FunctionSource) -> bool:
    """A value no other name can refer to: a literal, a new list, an
    arithmetic result, a new array (np.zeros(...), x.copy()), or ``a and
    b``, ``a if c else b`` of such values (the result is one of them)."""
    if is_numeric_literal(node):
        return True
    new = (
        cst.BinaryOperation,
        cst.UnaryOperation,
        cst.Comparison,  # a new array of booleans (or a bool)
        cst.List,
        cst.ListComp,
        cst.Dict,
    )
    if isinstance(node, new):
        return True
    if isinstance(node, cst.BooleanOperation):  # one of its operands
        return creates_new_value(node.left, source) and creates_new_value(
            node.right, source
        )
    if isinstance(node, cst.IfExp):
        return creates_new_value(node.body, source) and creates_new_value(
            node.orelse, source
        )
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "copy":
        return True
    callee = resolve_callee(source, func, {}, strict=False)
    if callee is not None and python_callable(callee):  # a user function
        return purity(callee) == PURE
    if isinstance(callee, np.ufunc):  # without out=: a new array (or scalar)
        return not any(a.keyword is not None for a in node.args)
    if any(callee is f for f in _NEW_NUMBERS):  # len(v), float(s), ...
        return True
    if getattr(callee, "__module__", None) == "math":
        return True  # (a float, or an int)
    prim = rule_of(callee) if is_numpy_callable(callee) else None
    if prim is not None and prim.shape in VIEW_FREE_SHAPES:  # (np.sum, np.clip)
        return not _may_return_given(node, callee)
    return callee is not None and id(callee) in NEW_ARRAY_FUNCTIONS


def _may_return_given(call: cst.Call, callee: object) -> bool:
    """Whether a numpy function that makes a new value may return an array
    it is given instead: given ``out`` (``np.sum(x, 0, None, buf)``) or
    ``copy`` (``np.nan_to_num(x, copy=False)``), by keyword or position."""
    if any(a.keyword is not None and a.keyword.value in _GIVEN for a in call.args):
        return True
    try:
        params = list(inspect.signature(callee).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True  # (no signature: any argument may be out)
    positional = sum(1 for a in call.args if a.keyword is None)
    stars = any(a.star for a in call.args)
    return stars or any(params.index(p) < positional for p in _GIVEN if p in params)


_GIVEN = ("out", "copy")  # (parameters through which numpy returns its input)


def new_container(node: cst.BaseExpression, source: FunctionSource) -> str | None:
    """``"list"`` for ``list(v)``, ``"dict"`` for ``dict(v)``: a new list or
    dict, no other name's object, which holds the objects ``v`` holds (or
    views of an array's rows); None for any other code."""
    if not isinstance(node, cst.Call) or len(node.args) != 1 or node.args[0].star:
        return None
    if node.args[0].keyword is not None:
        return None
    callee = resolve_callee(source, node.func, {}, strict=False)
    return {id(list): "list", id(dict): "dict"}.get(id(callee))


# builtins whose result is a new number, string or bool: no name sees it
_NEW_NUMBERS = (len, int, float, bool, str, repr, abs, round, isinstance, hash, id)


def stores_new_value(node: cst.CSTNode, source: FunctionSource) -> bool:
    """``y[i] = v``, ``y.a = v`` or ``y[i] op= v`` with ``v`` a new value
    that holds none of the values it was made from (``y[2] += np.tanh(y)``
    makes no name see another)."""
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
    elif isinstance(node, cst.AugAssign):
        target = node.target
    else:
        return False
    return isinstance(target, (cst.Subscript, cst.Attribute)) and new_number_or_array(
        node.value, source
    )


def new_number_or_array(node: cst.BaseExpression, source: FunctionSource) -> bool:
    """A new array or number made right there, holding nothing (``+`` or
    ``*`` with it as an operand cannot join or repeat lists): a float,
    arithmetic that cannot join or repeat lists (``0.3 * v``, ``a - b``),
    a numpy function that makes a new array, an item of one."""
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.UnaryOperation):
        return True  # (-v, +v: a new array or number, or numpy's error)
    if isinstance(node, cst.BinaryOperation):
        if not isinstance(node.operator, (cst.Add, cst.Multiply)):
            return True
        return new_number_or_array(node.left, source) or new_number_or_array(
            node.right, source
        )
    if isinstance(node, cst.Subscript):
        return new_number_or_array(node.value, source)
    if not isinstance(node, cst.Call):
        return False
    callee = resolve_callee(source, node.func, {}, strict=False)
    if isinstance(callee, np.ufunc):  # without out=: a new array (or scalar)
        return not any(a.keyword is not None for a in node.args)
    prim = rule_of(callee) if is_numpy_callable(callee) else None
    return prim is not None and prim.shape in VIEW_FREE_SHAPES


def may_hold_operands(node: cst.BaseExpression) -> bool:
    """A new value (``creates_new_value``) that may still hold the values it
    was made from: a list or dict of them, or ``+``/``*`` that join or repeat
    lists (on arrays, a new array that holds nothing: then a name that sees
    it is checked against in-place updates, where it never shares memory)."""
    if isinstance(node, (cst.List, cst.ListComp, cst.Dict)):
        return True
    if isinstance(node, cst.BooleanOperation):
        return may_hold_operands(node.left) or may_hold_operands(node.right)
    if isinstance(node, cst.IfExp):
        return may_hold_operands(node.body) or may_hold_operands(node.orelse)
    return isinstance(node, cst.BinaryOperation) and isinstance(
        node.operator, (cst.Add, cst.Multiply)
    )


def keeps_nothing(node: cst.BaseExpression, source: FunctionSource) -> bool:
    """Running ``node`` leaves no reference to a value anywhere but in its
    result: no call in it may keep an argument or change one in place."""
    return not any(call_may_keep(call, source) for call in calls_in(node))


def mutated_names(
    node: cst.CSTNode, source: FunctionSource, nested: bool = True
) -> set[str]:
    """The local names a statement run as written changes in place: the
    array of ``y[i] = v`` (or ``y.attr = v``), the object of an in-place
    method (``y.fill(0)``), the array a numpy function writes into
    (``np.copyto(y, v)``, ``out=y``), what a user function is given for
    the parameters it writes into (all it is given, where not known).
    Without ``nested``, of a call ``node`` itself, not of calls in its
    arguments."""
    names: set[str] = set()

    def base(target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.List, cst.Tuple, cst.Set)):
            for element in target.elements:  # (a list written out holds them)
                base(element.value)
            return
        if isinstance(target, cst.Dict):
            for element in target.elements:
                base(element.value)
            return
        target, _ = chain_base(target)
        if isinstance(target, cst.IfExp):  # (the object is one of them)
            base(target.body)
            base(target.orelse)
        elif isinstance(target, cst.BooleanOperation):
            base(target.left)
            base(target.right)
        elif (  # getattr(P, "W"): P's field
            isinstance(target, cst.Call)
            and isinstance(target.func, cst.Name)
            and target.func.value == "getattr"
            and target.args
        ):
            base(target.args[0].value)
        elif isinstance(target, cst.Name):
            names.add(target.value)

    if isinstance(node, (cst.Assign, cst.AugAssign)):
        targets = (
            [t.target for t in node.targets]
            if isinstance(node, cst.Assign)
            else [node.target]
        )
        for target in targets:
            if isinstance(target, (cst.Subscript, cst.Attribute)):
                base(target)
    calls = calls_in(node) if nested or not isinstance(node, cst.Call) else [node]
    for call in calls:
        func = call.func
        if isinstance(func, cst.Attribute) and (
            func.attr.value in IN_PLACE_METHODS or func.attr.value in CONTAINER_CHANGES
        ):
            base(func.value)
        positional = [a for a in call.args if a.keyword is None]
        callee = resolve_callee(source, func, {}, strict=False)
        if positional and writes_into_an_argument(callee):
            base(positional[0].value)
        if isinstance(callee, functools.partial) and python_callable(callee.func):
            callee = callee.func  # (its arguments placed otherwise: all of them)
            if purity(callee).writes:
                for value in [a.value for a in call.args]:
                    base(value)
        elif callee is not None and python_callable(callee) and purity(callee).writes:
            written = purity(callee).written  # a user function that writes
            given = None if written is None else arguments_to(call, callee, written)
            for value in [a.value for a in call.args] if given is None else given:
                base(value)  # into what it is given (saved where read later)
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "out":
                base(arg.value)
    return names


def written_anywhere(
    statements: list[cst.BaseStatement], source: FunctionSource
) -> frozenset[str]:
    """The local names any statement of the function (in any loop, branch
    or nested function, and any call in any expression: a return's, a
    condition's) may change in place, as ``mutated_names`` reads them, or
    by ``x op= v`` (but for names only ever given numbers written out), and
    the names that may share memory with one whose memory changes: what a
    written name was given, holds or views, and what was given, holds or
    views a written name (``_names_seen``; two names one value reads share
    nothing through it); a list changed by its own methods changes no
    item's memory. A helper given one of them now may read it after the
    write."""
    names: set[str] = set()  # whose memory may change
    grown_lists: set[str] = set()  # lists or dicts changed by their methods
    links: list[tuple[set[str], set[str]]] = []  # (names bound, names seen)
    numbers = _numbers_only(statements)
    for statement in statements:
        for node in walk(statement):
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.Call)):
                changed = mutated_names(node, source, nested=False)
                if isinstance(node, cst.AugAssign) and isinstance(
                    node.target, cst.Name
                ):  # (x *= 0.5 changes an array in place; a number it rebinds)
                    changed |= {node.target.value} - numbers
                by_methods = {
                    call.func.value.value
                    for call in ([node] if isinstance(node, cst.Call) else [])
                    if isinstance(call.func, cst.Attribute)
                    and call.func.attr.value in CONTAINER_CHANGES
                    and isinstance(call.func.value, cst.Name)
                }
                names |= changed - by_methods
                grown_lists |= changed & by_methods
            if isinstance(node, (cst.Assign, cst.For, cst.CompFor)):
                value = (
                    node.iter
                    if isinstance(node, (cst.For, cst.CompFor))
                    else node.value
                )
                targets = [
                    getattr(t, "target", t) for t in getattr(node, "targets", [node])
                ]
                bound = {
                    n.value for t in targets for n in walk(t) if isinstance(n, cst.Name)
                }
                links.append((bound, _names_seen(value, source)))
    seeing: set[str] = set()  # names that see one whose memory changes
    grown = True
    while grown:  # a write into a name is a write into what it sees; a name
        grown = False  # given what sees a change sees it (two names one value
        for bound, seen in links:  # sees share no memory through it)
            if bound & names and not seen <= names:
                names |= seen
                grown = True
            if seen & (names | seeing) and not bound <= names | seeing:
                seeing |= bound
                grown = True
    return frozenset(names | seeing | grown_lists)


def _numbers_only(statements: list[cst.BaseStatement]) -> set[str]:
    """The names every assignment of which gives a number written out
    (``k = 0``), other than augmented ones: ``k += 1`` rebinds them."""
    given: dict[str, bool] = {}
    for statement in statements:
        for node in walk(statement):
            if isinstance(node, (cst.For, cst.CompFor)):
                for name in bound_names(node.target):
                    given[name] = False
            elif isinstance(node, cst.Assign):
                number = is_numeric_literal(node.value)
                for target in node.targets:
                    for name in bound_names(target.target):
                        given[name] = given.get(name, True) and number
    return {name for name, number in given.items() if number}


def _names_seen(node: cst.CSTNode, source: FunctionSource) -> set[str]:
    """The names whose objects ``node``'s value may be, hold or view (not
    those only read by arithmetic or by a call that makes a new value)."""
    if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation, cst.Comparison)):
        return set()
    if isinstance(node, cst.Call) and creates_new_value(node, source):
        return set()
    if isinstance(node, cst.Name):
        return {node.value}
    seen: set[str] = set()
    for child in node.children:  # (items, arguments, subscripts, attributes)
        seen |= _names_seen(child, source)
    return seen


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call in ``node``, nested ones included."""
    return [call for call in walk(node) if isinstance(call, cst.Call)]


def writes_only_new_arguments(call: cst.Call, source: FunctionSource) -> bool:
    """A call of a user function that keeps nothing of what it is given and
    writes only into the objects given to the parameters it writes into
    (not into objects they hold: ``item_writes``), each given a new value
    (``creates_new_value``): no object another name sees changes."""
    callee = resolve_callee(source, call.func, {}, strict=False)
    if type(callee) is not types.FunctionType or not python_callable(callee):
        return False
    known = purity(callee)
    if not known.copies_suffice or known.module_written:
        return False
    assert known.written is not None
    try:
        own = read_once(callee)
    except Exception:  # (no source: not known)
        return False
    definition = own.definition
    if item_writers(definition, known.written, own):
        return False
    given = arguments_to(call, callee, known.written)
    return given is not None and all(creates_new_value(a, source) for a in given)


def item_writers(
    definition: cst.FunctionDef, params: set[str] | frozenset[str], own: FunctionSource
) -> bool:
    """Whether ``definition`` may change in place an object one of
    ``params`` holds (``item_writes``; a numpy function called without
    ``out=`` writes into nothing it is given)."""

    parts = purity(own.function).parts
    return bool(
        item_writes(
            definition, params, lambda call: _numpy_reads_only(call, own), parts
        )
    )


def _numpy_reads_only(call: cst.Call, source: FunctionSource) -> bool:
    """Whether ``call`` is of a numpy function that writes into nothing it
    is given (no ``out=``, not ``np.copyto``)."""
    callee = resolve_callee(source, call.func, {}, strict=False)
    return (
        is_numpy_callable(callee)
        and not gives_out(call)
        and not writes_into_an_argument(callee)
    )


def writes_constants_only(callee: object, param: str) -> bool:
    """Whether every write ``callee`` makes into its parameter ``param``
    writes a constant (``seen.append(1)``, ``count[0] += 1.0``): a value
    that carries no derivative, whatever the call is given. False where
    ``param`` is handed to other code, or is not known to be written so."""
    if type(callee) is not types.FunctionType:
        return False
    written = purity(callee).written  # (None: a write through another name)
    if written is None or param not in written:
        return False
    try:
        source = read_once(callee)
    except Exception:  # (no source: the call's own path explains)
        return False
    definition = source.definition
    names = {param} | {name for name, of in purity(callee).parts if of == param}
    allowed = names | {"None", "True", "False"}

    def reads_only(call: cst.Call) -> bool:  # len(seen), np.sum(count)
        read = resolve_callee(source, call.func, {}, strict=False)
        return read in SAFE_BUILTINS or _numpy_reads_only(call, source)

    def constant(value: cst.CSTNode) -> bool:
        return all(n.value in allowed for n in walk(value) if isinstance(n, cst.Name))

    for node in walk(definition.body):
        if isinstance(node, cst.Assign) and any(
            _base(t.target) in names and not isinstance(t.target, cst.Name)
            for t in node.targets
        ):
            if not constant(node.value):
                return False
        elif isinstance(node, cst.AugAssign) and _base(node.target) in names:
            if not constant(node.value):
                return False
        elif isinstance(node, cst.Call):
            method = node.func
            if isinstance(method, cst.Attribute) and _base(method.value) in names:
                if not all(constant(a.value) for a in node.args):
                    return False
            elif any(_base(a.value) in names for a in node.args):
                if not reads_only(node):  # (handed to code that may write)
                    return False
    return True


def _base(node: cst.BaseExpression) -> str:
    """The name ``a`` of ``a``, ``a[i]``, ``a.w[i]`` (empty for others)."""
    base, _ = chain_base(node)
    return base.value if isinstance(base, cst.Name) else ""
