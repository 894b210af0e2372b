"""Rules of list and tuple operations: joins (``xs + ys``), repetitions
(``xs * n``, ``n * xs``), ``sorted`` and the ``list``/``tuple`` copies.

Lowering picks ``JOIN`` and ``REPEAT`` for ``+`` and ``*`` when an operand
is known to be a list or tuple; their adjoint helpers (runtime/sequences.py)
check types as they run, so an operand that turns out to be an array gets
the arithmetic adjoint. A join is linear in both lists together: its
tangent is the join of their tangents (``jointly_linear``), which also holds
where ``+`` added arrays. ``SEQUENCE_RESULTS`` are the primitives whose
result is a list or tuple whenever they join, repeat, sort or copy one.
"""

from __future__ import annotations

from adcompile._src.rules.patterns import APPEND
from adcompile._src.rules.registry import (
    LINEAR,
    Primitive,
    defrule,
    parse_signature,
    register,
)


class Join:
    """Marker key of ``xs + ys`` where an operand is a list or tuple."""

    def __repr__(self) -> str:
        return "list join"


class Repeat:
    """Marker key of ``items * count`` (``left``: ``count * items``) where
    ``items`` is a list or tuple."""

    def __init__(self, left: bool) -> None:
        self.left = left

    def __repr__(self) -> str:
        return "list repetition"


JOIN = Join()
REPEAT = Repeat(left=False)
REPEAT_LEFT = Repeat(left=True)

register(
    Primitive(
        key=JOIN,
        name="joined",
        spelling="xs + ys",
        params=parse_signature("xs, ys"),
        vjps={"xs": "leading_items(g, xs, ys)", "ys": "trailing_items(g, xs, ys)"},
        jvps={"xs": LINEAR, "ys": LINEAR},
        infix=True,
        jointly_linear=True,
    )
)
for _key, _spelling in ((REPEAT, "items * count"), (REPEAT_LEFT, "count * items")):
    register(
        Primitive(
            key=_key,
            name="repeated",
            spelling=_spelling,
            params=parse_signature("items, count"),
            vjps={"items": "unrepeated(g, items, count, ans)", "count": None},
            jvps={"items": LINEAR, "count": None},
            infix=True,
        )
    )

defrule(
    "sorted",
    "iterable, reverse=False",
    iterable="unsorted(g, iterable, reverse)",
    reverse=None,
    jvp={"iterable": "sorted_tangent(t, iterable, reverse)", "reverse": None},
)
for _copy in ("list", "tuple"):
    defrule(
        _copy,
        "iterable",
        name=f"{_copy}_copy",
        iterable="unlisted(g, iterable)",
        jvp={"iterable": LINEAR},
    )

# a new list of its operands' items (not of the operands themselves): a
# change of an operand list's own items (append, pop) leaves it as it is
ITEMS_ONLY = frozenset(id(key) for key in (JOIN, REPEAT, REPEAT_LEFT))
SEQUENCE_RESULTS = frozenset(
    id(key) for key in (JOIN, REPEAT, REPEAT_LEFT, APPEND, sorted, list, tuple)
)
