"""Rules of functions that build an array from values: ``np.full(shape,
v)``, ``np.full_like(a, v)``, ``np.linspace(start, stop, num)``.

Their values may carry a derivative (``np.full(3, a)``, ``np.linspace(0.0,
t, 5)``); the shape, the number of points and ``a`` of ``full_like`` are
read for their sizes only (an integer array made of them, ``dtype=int`` or
the dtype of an integer ``a``, truncates the values: no derivative,
``cast_adjoint``). Each is linear in its values: ``full`` spreads
its value over every entry (the adjoint sums back to the value's shape);
``linspace`` puts ``start + (stop - start) * w`` at each point, ``w`` the
point's place between the ends (``linspace_weights``).
"""

from __future__ import annotations

from adcompile._src.rules.registry import defnondiff, defrule

defrule(
    "np.full",
    "shape, fill_value, dtype=None",
    jvp={
        "shape": None,
        "fill_value": "cast_adjoint(np.full(shape, t, dtype=np.float64), "
        "fill_value, ans.dtype)",
        "dtype": None,
    },
    shape=None,
    fill_value="cast_adjoint(unbroadcast(g, fill_value), fill_value, ans.dtype)",
    dtype=None,
)
defrule(
    "np.full_like",
    "a, fill_value, dtype=None",
    jvp={
        "a": None,
        "fill_value": "cast_adjoint(np.full(np.shape(a), t, dtype=np.float64), "
        "fill_value, ans.dtype)",
        "dtype": None,
    },
    a=None,
    fill_value="cast_adjoint(unbroadcast(g, fill_value), fill_value, ans.dtype)",
    dtype=None,
)
defrule(
    "np.linspace",
    "start, stop, num=50, endpoint=True",
    jvp={
        "start": "t * (1.0 - linspace_weights(num, endpoint, start, stop))",
        "stop": "t * linspace_weights(num, endpoint, start, stop)",
        "num": None,
        "endpoint": None,
    },
    start="unbroadcast(np.sum(g * (1.0 - linspace_weights(num, endpoint, start, "
    "stop)), axis=0), start)",
    stop="unbroadcast(np.sum(g * linspace_weights(num, endpoint, start, stop), "
    "axis=0), stop)",
    num=None,
    endpoint=None,
)
defnondiff("linspace_weights", "num, endpoint, start, stop")
