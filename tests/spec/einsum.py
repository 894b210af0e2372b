"""Rows of np.einsum: explicit and implicit outputs, repeated (diagonal)
subscripts, ellipses with broadcasting, one to three operands, and the
sublist form. Autograd is the oracle where it handles the subscripts.
"""

from __future__ import annotations

import math  # noqa: F401
import operator  # noqa: F401

import numpy  # noqa: F401
import numpy as np

from tests.spec.table import row, shape_id

RNG = np.random.default_rng(20240615)


def data(shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, shape)


def einsum_one(spec, a):
    y = np.einsum(spec, a)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def einsum_two(spec, a, b):
    y = np.einsum(spec, a, b)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def einsum_three(spec, a, b, c):
    y = np.einsum(spec, a, b, c, optimize=True)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def einsum_sublists(a, b):
    y = np.einsum(a, [0, 1], b, [1, 2], [0, 2])
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def einsum_sublists_implicit(a, b):
    y = np.einsum(a, [Ellipsis, 1, 0], b, [0, 2])
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


def einsum_same_operand(a):
    y = np.einsum("ij,kj->ik", a, a)
    return np.sum(y * y * np.cos(np.arange(np.size(y))).reshape(np.shape(y)))


ONE = [
    ("ij->ji", (2, 3), True),
    ("ij", (2, 3), True),
    ("ji", (2, 3), True),
    ("ii->i", (3, 3), False),
    ("ii", (3, 3), False),
    ("iji->j", (3, 2, 3), False),
    ("ijk->", (2, 3, 4), True),
    ("i->", (4,), True),
    ("...ij->...ji", (2, 3, 4), True),
    ("i...->...", (2, 3, 4), True),
    ("aB", (2, 3), True),
]
for _spec, _shape, _ag in ONE:
    row(
        f"einsum_one-{_spec}-{shape_id(_shape)}",
        einsum_one,
        _spec,
        data(_shape),
        wrt=1,
        ag=_ag,
        second_order=_spec in ("ii->i", "ij"),
    )
TWO = [
    ("ij,jk->ik", (2, 3), (3, 4), True),
    ("ij,jk", (2, 3), (3, 4), True),
    ("i,i", (3,), (3,), True),
    ("i,j->ij", (2,), (3,), True),
    ("ijk,k->ij", (2, 3, 4), (4,), True),
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 2), True),
    ("...ij,...jk->...ik", (2, 3, 4), (4, 2), True),
    ("...ij,...jk->...ik", (1, 3, 4), (2, 4, 2), False),
    ("ij,j->i", (3, 1), (4,), False),
    ("ii,i->i", (3, 3), (3,), False),
    (",i->i", (), (3,), False),
    ("i j , j k -> i k", (2, 3), (3, 2), False),
]
for _spec, _sa, _sb, _ag in TWO:
    row(
        f"einsum_two-{_spec}-{shape_id(_sa)}x{shape_id(_sb)}",
        einsum_two,
        _spec,
        data(_sa),
        data(_sb),
        wrt=(1, 2),
        ag=_ag,
        second_order=_spec in ("ij,jk->ik", "ii,i->i", "...ij,...jk->...ik"),
    )
# Contractions large enough for the adjoint's BLAS path (see
# adcompile._src.runtime.products._contract): batched products, with
# broadcasting, a repeated subscript and a complex operand.
LARGE = [
    ("kij,nkj->nki", (5, 4, 4), (60, 5, 4)),
    ("nki,kij->nkj", (60, 5, 4), (5, 4, 4)),
    ("...ij,...jk->...ik", (1, 16, 12), (3, 12, 10)),
    ("iij,jk->ik", (20, 20, 15), (15, 20)),
    ("bij,bjk", (8, 9, 10), (8, 10, 7)),
]
for _spec, _sa, _sb in LARGE:
    row(
        f"einsum_two_large-{_spec}-{shape_id(_sa)}x{shape_id(_sb)}",
        einsum_two,
        _spec,
        data(_sa),
        data(_sb),
        wrt=(1, 2),
        ag=False,
    )
row(
    "einsum_three-ij,jk,k->i",
    einsum_three,
    "ij,jk,k->i",
    data((2, 3)),
    data((3, 4)),
    data((4,)),
    wrt=(1, 2, 3),
    second_order=True,
)
row(
    "einsum_three-i,i,i",
    einsum_three,
    "i,i,i",
    data((3,)),
    data((3,)),
    data((3,)),
    wrt=(1, 2, 3),
)
row("einsum_sublists", einsum_sublists, data((2, 3)), data((3, 4)), wrt=(0, 1))
row(
    "einsum_sublists_implicit",
    einsum_sublists_implicit,
    data((2, 3, 4)),
    data((4, 2)),
    wrt=(0, 1),
    ag=False,
)
row("einsum_same_operand", einsum_same_operand, data((2, 3)), second_order=True)
