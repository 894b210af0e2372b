"""What shape specialization knows of a value: the abstract values and their
arithmetic.

An abstract value is a plain, hashable tuple (so it can be written into a
cache entry with ``repr`` and read back with ``ast.literal_eval``):

- ``("array", shape)``: a numpy array or a number of that shape (``()`` for
  Python floats and numpy scalars);
- ``("int", value)``: a Python or numpy integer, its value when known
  (``None`` otherwise); usable as an index;
- ``("seq", items)``: a tuple or list of known length, an abstract value per
  item;
- ``("rows", item)``: a list of unknown length whose items are all ``item``;
- ``TOP``: anything.

``None`` stands for "no value yet" (the bottom of the lattice) while a fixed
point is being computed. Every function here is monotone, and gives ``TOP``
for anything it does not model: a value it describes always has that shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

Value = tuple[Any, ...]

TOP: Value = ("top",)
SCALAR_VALUE: Value = ("array", ())
UNKNOWN_INT: Value = ("int", None)


def array(shape: Sequence[int]) -> Value:
    return ("array", tuple(int(n) for n in shape))


def shape_of(value: Value | None) -> tuple[int, ...] | None:
    """The shape of a number or array value; None for anything else."""
    if value is None:
        return None
    if value[0] == "array":
        return value[1]
    if value[0] == "int":
        return ()
    return None


def int_value(value: Value | None) -> int | None:
    return value[1] if value is not None and value[0] == "int" else None


def join(a: Value | None, b: Value | None) -> Value | None:
    """The least value describing both ``a`` and ``b``."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    if a[0] == b[0] == "int":
        return UNKNOWN_INT
    if shape_of(a) == shape_of(b) == ():
        return SCALAR_VALUE
    if a[0] == b[0] == "seq" and len(a[1]) == len(b[1]):
        items = tuple(join(x, y) for x, y in zip(a[1], b[1], strict=True))
        return ("seq", items)
    return TOP


def of_argument(obj: Any) -> Value:
    """The abstract value of an argument a gradient function is called with.

    Only exact ``np.ndarray`` instances are arrays: subclasses (``np.matrix``,
    masked arrays) may give operators other meanings.
    """
    kind = type(obj)
    if kind is np.ndarray:
        return array(obj.shape)
    if kind is float or kind is complex or isinstance(obj, np.inexact):
        return SCALAR_VALUE
    if kind is int or isinstance(obj, np.integer):
        return UNKNOWN_INT
    return TOP


def broadcast(values: Sequence[Value | None]) -> Value | None:
    """The value of an elementwise operation on ``values`` (numpy rules)."""
    if any(v is None for v in values):
        return None
    shapes = [shape_of(v) for v in values]
    if any(s is None for s in shapes):
        return TOP
    try:
        return array(np.broadcast_shapes(*shapes))  # type: ignore[arg-type]
    except ValueError:  # numpy will raise when the code runs
        return TOP


def arithmetic(operator: str, left: Value | None, right: Value | None) -> Value | None:
    """``left <op> right`` for the operators + - * / // % ** @ and others."""
    if left is None or right is None:
        return None
    if operator == "@":
        return matmul(left, right)
    a, b = int_value(left), int_value(right)
    if left[0] == right[0] == "int":
        if operator == "/" or operator == "**":
            return SCALAR_VALUE
        if a is None or b is None or max(abs(a), abs(b)) > 2**31:
            return UNKNOWN_INT
        if operator == "+":
            return ("int", a + b)
        if operator == "-":
            return ("int", a - b)
        if operator == "*":
            return ("int", a * b)
        if operator in ("//", "%") and b != 0:
            return ("int", a // b if operator == "//" else a % b)
        return UNKNOWN_INT
    return broadcast([left, right])


def matmul(left: Value, right: Value) -> Value:
    a, b = shape_of(left), shape_of(right)
    if a is None or b is None or not a or not b:
        return TOP
    if len(a) == 1 and len(b) == 1:
        return SCALAR_VALUE if a == b else TOP
    if len(a) == 1:
        return array(b[:-2] + b[-1:]) if a[0] == b[-2] else TOP
    if len(b) == 1:
        return array(a[:-1]) if a[-1] == b[0] else TOP
    if a[-1] != b[-2]:
        return TOP
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return TOP
    return array(batch + (a[-2], b[-1]))


def dot(left: Value, right: Value) -> Value:
    """``np.dot`` for operands of at most two dimensions."""
    a, b = shape_of(left), shape_of(right)
    if a is None or b is None or len(a) > 2 or len(b) > 2:
        return TOP
    if not a or not b:
        return broadcast([left, right])
    return matmul(left, right)


def stacked(items: Value | None, axis: int, new_axis: bool) -> Value | None:
    """``np.stack`` (new_axis) or ``np.concatenate`` of a sequence value."""
    if items is None:
        return None
    if items[0] != "seq" or not items[1]:
        return TOP
    if any(i is None for i in items[1]):
        return None
    shapes = [shape_of(i) for i in items[1]]
    if any(s is None for s in shapes):
        return TOP
    first = shapes[0]
    if new_axis:
        if any(s != first for s in shapes) or not -len(first) - 1 <= axis <= len(first):
            return TOP
        axis %= len(first) + 1
        return array(first[:axis] + (len(shapes),) + first[axis:])
    if not first or not -len(first) <= axis < len(first):
        return TOP
    axis %= len(first)
    rest = [s[:axis] + s[axis + 1 :] for s in shapes]  # type: ignore[index]
    if any(len(s) != len(first) for s in shapes) or any(r != rest[0] for r in rest):  # type: ignore[arg-type]
        return TOP
    total = sum(s[axis] for s in shapes)  # type: ignore[index]
    return array(first[:axis] + (total,) + first[axis + 1 :])


def as_array(value: Value | None) -> Value | None:
    """``np.array(value)``: a sequence of equal shapes gains a leading axis."""
    if value is None:
        return None
    if shape_of(value) is not None:
        return array(shape_of(value))  # type: ignore[arg-type]
    if value[0] == "seq":
        items = value[1]
        if any(i is None for i in items):
            return None
        shapes = {shape_of(i) for i in items}
        if len(shapes) == 1 and None not in shapes:
            return array((len(items), *shapes.pop()))  # type: ignore[misc]
    return TOP


def reduced(value: Value | None, axis: Any, keepdims: Any) -> Value | None:
    """A reduction over ``axis`` (None, an int or a tuple of ints)."""
    if value is None:
        return None
    shape = shape_of(value)
    if shape is None or not isinstance(keepdims, bool):
        return TOP
    if axis is None:
        axes = set(range(len(shape)))
    else:
        wanted = axis if isinstance(axis, tuple) else (axis,)
        if not all(type(a) is int and -len(shape) <= a < len(shape) for a in wanted):
            return TOP
        axes = {a % len(shape) for a in wanted}
        if len(axes) != len(wanted):
            return TOP
    if keepdims:
        return array(1 if i in axes else n for i, n in enumerate(shape))
    return array(n for i, n in enumerate(shape) if i not in axes)


def reshaped(value: Value | None, shape: Value | None) -> Value | None:
    if value is None or shape is None:
        return None
    size = shape_of(value)
    wanted = shape_tuple(shape)
    if size is None or wanted is None or wanted.count(-1) > 1:
        return TOP
    total = math.prod(size)
    known = math.prod(n for n in wanted if n != -1)
    if -1 in wanted:
        if known == 0 or total % known:
            return TOP
        wanted = tuple(total // known if n == -1 else n for n in wanted)
    return array(wanted) if math.prod(wanted) == total else TOP


def shape_tuple(value: Value | None) -> tuple[int, ...] | None:
    """A shape given as an int or a sequence of ints, when all are known."""
    if value is None:
        return None
    if value[0] == "int":
        return None if value[1] is None else (value[1],)
    if value[0] == "seq":
        numbers = [int_value(item) for item in value[1]]
        if all(n is not None for n in numbers):
            return tuple(numbers)  # type: ignore[arg-type]
    return None


def transposed(value: Value | None) -> Value | None:
    shape = shape_of(value)
    if value is None:
        return None
    return TOP if shape is None else array(shape[::-1])


def indexed(value: Value | None, parts: list[Any] | None) -> Value | None:
    """``value[parts]``; each part is an int value (``("int", ...)``), a
    ``slice`` of known ints or None, or None for anything else."""
    if value is None:
        return None
    if parts is None:
        return TOP
    if value[0] in ("seq", "rows"):
        if len(parts) != 1 or not isinstance(parts[0], tuple):
            return TOP
        if value[0] == "rows":
            return value[1]
        position = int_value(parts[0])
        items = value[1]
        if position is None or not -len(items) <= position < len(items):
            return TOP
        return items[position]
    shape = shape_of(value)
    if shape is None or len(parts) > len(shape):
        return TOP
    result: list[int] = []
    for part, length in zip(parts, shape, strict=False):
        if isinstance(part, slice):
            result.append(len(range(length)[part]))
        elif not (isinstance(part, tuple) and part[0] == "int"):
            return TOP
    return array((*result, *shape[len(parts) :]))
