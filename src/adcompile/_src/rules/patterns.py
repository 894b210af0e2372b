"""Rules for patterns of several operations that have a simpler derivative.

The logistic sigmoid written out, ``1 / (1 + np.exp(-z))``, is recognized as
one primitive so its local gradient reads ``s * (1 - s)`` instead of the
chain of exp, addition and division it is made of; the binary cross-entropy
of such a sigmoid, ``y * np.log(p) + (1 - y) * np.log(1 - p)``, has the
adjoint ``g * (y - p)`` with respect to the sigmoid's argument; the
written-out log-softmax has scipy.special.log_softmax's rule. The forward
sweep still computes each exactly as the user wrote it.
"""

from __future__ import annotations

from adcompile._src.rules.registry import (
    BROADCAST,
    LINEAR,
    SAME,
    Primitive,
    parse_signature,
    register,
    when_imported,
)


class Logistic:
    """Marker key of the written-out logistic sigmoid pattern."""

    def __repr__(self) -> str:
        return "logistic sigmoid 1 / (1 + exp(-x))"


LOGISTIC = Logistic()

register(
    Primitive(
        key=LOGISTIC,
        name="sigmoid",
        spelling="1.0 / (1.0 + np.exp(-x))",
        params=parse_signature("x"),
        vjps={"x": "g * ans * (1.0 - ans)"},
        jvps={"x": "t * ans * (1.0 - ans)"},
        shape=SAME,
        infix=True,
    )
)


class SigmoidCrossEntropy:
    """Marker key of ``y * np.log(p) + (1 - y) * np.log(1 - p)`` where ``p``
    is the logistic sigmoid of ``z`` computed just before (the binary
    cross-entropy of a logistic model)."""

    def __repr__(self) -> str:
        return "binary cross-entropy of p = sigmoid(z)"


SIGMOID_CROSS_ENTROPY = SigmoidCrossEntropy()

# The forward sweep computes the expression from p in this order (the value
# the user's order gives: IEEE sums and products commute). Its
# derivative through p and the sigmoid together is taken with respect to z:
# (y/p - (1-y)/(1-p)) * p*(1-p) = y - p; p itself carries no adjoint here
# (its value is sigmoid(z), so z's term holds its share). Where p is exactly
# 0 or 1 the expression is not finite and y - p is the limit.
register(
    Primitive(
        key=SIGMOID_CROSS_ENTROPY,
        name="cross_entropy",
        spelling="y * np.log(p) + (1 - y) * np.log(1 - p)",
        params=parse_signature("y, p, z"),
        vjps={"z": "g * (y - p)", "y": "g * (np.log(p) - np.log(1 - p))", "p": None},
        jvps={"z": "t * (y - p)", "y": "t * (np.log(p) - np.log(1 - p))", "p": None},
        shape=BROADCAST,
        infix=True,
    )
)


class LogSoftmax:
    """Marker key of the written-out log-softmax
    ``z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))``."""

    def __repr__(self) -> str:
        return "log-softmax z - log(sum(exp(z)))"


LOG_SOFTMAX = LogSoftmax()

# As scipy.special.log_softmax's rule: the adjoint g - softmax * (g's total
# over axis) instead of the chain through log, sum and exp.
register(
    Primitive(
        key=LOG_SOFTMAX,
        name="log_softmax",
        spelling="z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))",
        params=parse_signature("z, axis=None"),
        vjps={"z": "g - np.exp(ans) * axis_total(g, axis)", "axis": None},
        jvps={"z": "t - axis_total(np.exp(ans) * t, axis)", "axis": None},
        shape=SAME,
        infix=True,
    )
)


class ShiftedLogSoftmax:
    """Marker key of the written-out log-softmax of ``z = x - np.max(x,
    axis=axis, keepdims=True)`` computed just before."""

    def __repr__(self) -> str:
        return "log-softmax of z = x - max(x)"


SHIFTED_LOG_SOFTMAX = ShiftedLogSoftmax()

# log_softmax(x - max(x)) is log_softmax(x) as a function of x (the shift is
# constant along the axis), so the adjoint goes to x directly and z, the
# shifted values, carries none here: the max's adjoint is not computed.
register(
    Primitive(
        key=SHIFTED_LOG_SOFTMAX,
        name="log_softmax",
        spelling="z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))",
        params=parse_signature("z, x, axis=None"),
        vjps={"x": "g - np.exp(ans) * axis_total(g, axis)", "z": None, "axis": None},
        jvps={"x": "t - axis_total(np.exp(ans) * t, axis)", "z": None, "axis": None},
        shape=SAME,
        infix=True,
    )
)


class Copy:
    """Marker key of a plain copy ``y = x`` between names of a loop or branch."""

    def __repr__(self) -> str:
        return "copy"


COPY = Copy()

register(
    Primitive(
        key=COPY,
        name="copy",
        spelling="x",
        params=parse_signature("x"),
        vjps={"x": "g"},
        jvps={"x": LINEAR},
        shape=SAME,
        infix=True,
    )
)


class Append:
    """Marker key of ``items.append(value)`` on a list the function built."""

    def __repr__(self) -> str:
        return "list append"


APPEND = Append()

register(
    Primitive(
        key=APPEND,
        name="appended",
        spelling="[*items, value]",
        params=parse_signature("items, value"),
        vjps={"items": "all_but_last(g, items)", "value": "last_item(g)"},
        jvps={"items": LINEAR, "value": LINEAR},
        infix=True,
        jointly_linear=True,
    )
)


class SetItem:
    """Marker key of ``y[index] = value``, lowered to a new array."""

    def __repr__(self) -> str:
        return "item assignment"


SETITEM = SetItem()

register(
    Primitive(
        key=SETITEM,
        name="assigned",
        spelling="with_item(a, index, value)",
        params=parse_signature("a, value, index"),
        vjps={
            "a": "without_item(g, index)",
            "value": "unbroadcast(item_adjoint(g, index), value)",
            "index": None,
        },
        jvps={"a": LINEAR, "value": LINEAR, "index": None},
        shape=SAME,
        infix=True,
        jointly_linear=True,  # (with_item(da, index, dv): a list's tangent
    )  # stays a list, which a join (xs + ys) concatenates)
)


class FillDiagonal:
    """Marker key of ``np.fill_diagonal(a, value)``, lowered to a new array."""

    def __repr__(self) -> str:
        return "np.fill_diagonal"


FILL_DIAGONAL = FillDiagonal()

register(
    Primitive(
        key=FILL_DIAGONAL,
        name="filled",
        spelling="with_diagonal(a, value)",
        params=parse_signature("a, value"),
        vjps={"a": "without_diagonal(g)", "value": "diagonal_adjoint(g, value)"},
        jvps={
            "a": "with_diagonal(t, 0.0)",
            "value": "with_diagonal(zero_tangent(a), t)",
        },
        shape=SAME,
        infix=True,
    )
)


def _register_scipy() -> None:
    """``scipy.special.expit`` is the logistic sigmoid too, when scipy is
    installed (it is not a dependency): local gradient ``s * (1 - s)``."""
    from scipy import special

    register(
        Primitive(
            key=special.expit,
            name="sigmoid",
            spelling="scipy.special.expit",
            params=parse_signature("x"),
            vjps={"x": "g * ans * (1.0 - ans)"},
            jvps={"x": "t * ans * (1.0 - ans)"},
            shape=SAME,
            user_spelling=True,
        )
    )


when_imported("scipy.special", _register_scipy)
