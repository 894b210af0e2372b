"""Rules of functions that move entries around without changing them:
reshapes, transposes, flips, rolls, rotations, tiling, repeats and padding.

All of them are linear in their array, so most forward rules are ``LINEAR``.
The reverse rules call helpers of ``adcompile._src.runtime.shapes``, which pass a
plain zero adjoint through (numpy functions of ``g`` would choke on the
``0.0`` that loops start from); those helpers are registered at the end,
with their forward rules, so that derivative code is differentiable again.
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, defnondiff, defrule

defrule(
    "np.transpose",
    "x, axes=None",
    simple_when=("axes",),
    simple={"x": "np.transpose(g)"},
    jvp={"x": LINEAR, "axes": None},
    x="transpose_back(g, axes, x)",
)
defrule("np.matrix_transpose", "x", jvp={"x": LINEAR}, x="unswap(g, -1, -2)")
defrule(
    "np.reshape",
    "x, shape",
    jvp={"x": LINEAR, "shape": None},
    x="reshape_like(g, x)",
)
defrule("np.ravel", "x", jvp={"x": LINEAR}, x="reshape_like(g, x)")
defrule(
    "np.squeeze",
    "x, axis=None",
    jvp={"x": LINEAR, "axis": None},
    x="reshape_like(g, x)",
)
defrule(
    "np.expand_dims",
    "x, axis",
    jvp={"x": LINEAR, "axis": None},
    x="reshape_like(g, x)",
)
for _path in ("np.atleast_1d", "np.atleast_2d", "np.atleast_3d"):
    defrule(_path, "x", jvp={"x": LINEAR}, x="reshape_like(g, x)")
defrule("np.copy", "x", jvp={"x": LINEAR}, x="g")
for _path in ("np.array", "np.asarray"):  # (an integer dtype: no derivative)
    defrule(
        _path,
        "x, dtype=None",
        jvp={
            "x": "cast_adjoint(np.asarray(t, dtype=np.float64), x, ans.dtype)",
            "dtype": None,
        },
        x="cast_adjoint(g, x, ans.dtype)",
    )
defrule(
    "np.broadcast_to",
    "x, shape",
    jvp={"x": LINEAR, "shape": None},
    x="unbroadcast_like(g, x)",
)

# ---- axes --------------------------------------------------------------------

defrule(
    "np.swapaxes",
    "x, axis1, axis2",
    jvp={"x": LINEAR, "axis1": None, "axis2": None},
    x="unswap(g, axis1, axis2)",
)
defrule(
    "np.moveaxis",
    "x, source, destination",
    jvp={"x": LINEAR, "source": None, "destination": None},
    x="move_back(g, source, destination)",
)
defrule(
    "np.rollaxis",
    "x, axis, start=0",
    jvp={"x": LINEAR, "axis": None, "start": None},
    x="unroll_axis(g, x, axis, start)",
)
defrule(
    "np.flip",
    "x, axis=None",
    jvp={"x": LINEAR, "axis": None},
    x="unflip(g, axis)",
)
defrule("np.fliplr", "x", jvp={"x": LINEAR}, x="unflip(g, 1)")
defrule("np.flipud", "x", jvp={"x": LINEAR}, x="unflip(g, 0)")
defrule(
    "np.roll",
    "x, shift, axis=None",
    jvp={"x": LINEAR, "shift": None, "axis": None},
    x="unroll(g, shift, axis)",
)
# axes defaults to (0, 1); None here stands for it (a signature's defaults
# hold no commas), and only the helper reads it
defrule(
    "np.rot90",
    "x, k=1, axes=None",
    jvp={"x": LINEAR, "k": None, "axes": None},
    x="unrotate(g, k, axes)",
)

# ---- copies and padding ------------------------------------------------------

defrule(
    "np.tile",
    "x, reps",
    jvp={"x": LINEAR, "reps": None},
    x="untile(g, x, reps)",
)
defrule(
    "np.repeat",
    "x, repeats, axis=None",
    jvp={"x": LINEAR, "repeats": None, "axis": None},
    x="unrepeat(g, x, repeats, axis)",
)
# linear in x and in constant_values together, not apart: x's tangent is
# padded with zeros, constant_values' tangent fills the padding
defrule(
    "np.pad",
    "x, pad_width, mode='constant', constant_values=0",
    jvp={
        "x": "pad_tangent(t, pad_width, mode)",
        "pad_width": None,
        "mode": None,
        "constant_values": "padding_tangent(t, x, pad_width)",
    },
    x="unpad(g, x, pad_width, mode)",
    pad_width=None,
    mode=None,
    constant_values="padding_total(g, x, pad_width, constant_values)",
)

# ---- the helpers of these rules ----------------------------------------------
# Each is linear in its first argument (an adjoint or a tangent); the other
# arguments only say where entries go.

defrule("unbroadcast_like", "g, x", jvp={"g": LINEAR, "x": None})
defrule(
    "unswap",
    "g, axis1, axis2",
    jvp={"g": LINEAR, "axis1": None, "axis2": None},
)
defrule(
    "move_back",
    "g, source, destination",
    jvp={"g": LINEAR, "source": None, "destination": None},
)
defrule(
    "unroll_axis",
    "g, x, axis, start=0",
    jvp={"g": LINEAR, "x": None, "axis": None, "start": None},
)
defrule("unflip", "g, axis=None", jvp={"g": LINEAR, "axis": None})
defrule(
    "unroll",
    "g, shift, axis=None",
    jvp={"g": LINEAR, "shift": None, "axis": None},
)
defrule(
    "unrotate",
    "g, k=1, axes=None",
    jvp={"g": LINEAR, "k": None, "axes": None},
)
defrule("untile", "g, x, reps", jvp={"g": LINEAR, "x": None, "reps": None})
defrule(
    "unrepeat",
    "g, x, repeats, axis=None",
    jvp={"g": LINEAR, "x": None, "repeats": None, "axis": None},
)
defrule(
    "unpad",
    "g, x, pad_width, mode='constant'",
    jvp={"g": LINEAR, "x": None, "pad_width": None, "mode": None},
)
defrule(
    "pad_tangent",
    "dx, pad_width, mode='constant'",
    jvp={"dx": LINEAR, "pad_width": None, "mode": None},
)
defrule(
    "padding_tangent",
    "dc, x, pad_width",
    jvp={"dc": LINEAR, "x": None, "pad_width": None},
)
defrule(
    "padding_total",
    "g, x, pad_width, constant_values",
    jvp={"g": LINEAR, "x": None, "pad_width": None, "constant_values": None},
)
defnondiff("pad_mode", "mode")
