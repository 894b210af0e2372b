"""Rules of more numpy functions: nanvar, nanstd, nancumsum, nancumprod;
quantile, percentile, nanquantile, nanpercentile, nanmedian (method
'linear'); interp (x, fp, left, right; not xp or period); polyval, vander,
polyder, polyadd, polysub; trapezoid; cov (no weights), corrcoef; gradient
(scalar spacings in reverse mode), ediff1d, resize, unwrap; matvec, vecmat;
and np.linalg's multi_dot, svdvals, cond (p None, 2, -2), tensorsolve
(axes None), tensorinv, matrix_transpose and diagonal.

A function numpy lacks, or one another family registers already, is left
alone (``_rule``). Helpers live in adcompile._src.runtime.more_numpy; their
forward rules, at the end, keep derivative code differentiable. A helper
additive in several tangent arguments (cov_tangent, cond_spread) is not
``LINEAR`` in each: its forward rule passes 0.0 for the others.
"""

from __future__ import annotations

from typing import Any

from adcompile._src.rules.registry import (
    LINEAR,
    defnondiff,
    defrule,
    lookup,
    resolve_path,
)

_NO = None  # a parameter that carries no tangent


def _rule(path: str, signature: str, **options: Any) -> None:
    """defrule, unless numpy lacks ``path`` or another rule has it already."""
    try:
        key = resolve_path(path)
    except AttributeError:
        return
    if lookup(key) is None:
        defrule(path, signature, **options)


# ---- nanvar, nanstd, nancumsum, nancumprod -------------------------------------------

_NAN_STAT = "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
_NV = "a, axis, ddof, keepdims, a"  # the last a: the nan entries to skip
_TWICE_STD = "np.where(ans == 0, np.inf, 2.0 * ans)"
_rule(
    "np.nanvar",
    _NAN_STAT,
    jvp={"a": f"nanvar_tangent(t, {_NV})"},
    a=f"nanvar_grad(g, {_NV})",
)
_rule(
    "np.nanstd",
    _NAN_STAT,
    jvp={"a": f"nanvar_tangent(t, {_NV}) / {_TWICE_STD}"},
    a=f"nanvar_grad(g / {_TWICE_STD}, {_NV})",
)
_ONES = "np.where(np.isnan(a), 1.0, a)"
_rule(
    "np.nancumsum",
    "a, axis=None, dtype=None, out=None",
    jvp={"a": "np.cumsum(nan_mask(t, a), axis)"},
    a="nan_mask(cumsum_grad(g, a, axis), a)",
)
_rule(
    "np.nancumprod",
    "a, axis=None, dtype=None, out=None",
    jvp={"a": f"cumprod_tangent(nan_mask(t, a), {_ONES}, axis)"},
    a=f"nan_mask(cumprod_grad(g, {_ONES}, axis), a)",
)

# ---- quantiles: linear interpolation between the nearest order statistics ------------

for _kind in ("quantile", "percentile", "nanquantile", "nanpercentile"):
    _Q = f"a, q, axis, keepdims, '{_kind}', (method, overwrite_input, weights)"
    _rule(
        f"np.{_kind}",
        "a, q, axis=None, out=None, overwrite_input=False, method='linear', "
        "keepdims=False, weights=None",
        defaults_only=("overwrite_input",),  # (True sorts a in place)
        jvp={
            "a": f"quantile_tangent(t, {_Q})",
            "q": f"spread_q(t, ans) * quantile_tangent(a, {_Q}, 1)",
        },
        a=f"quantile_adjoint(g, {_Q})",
        q=f"unspread_q(g * quantile_tangent(a, {_Q}, 1), q)",
    )
_MEDIAN = "a, 0.5, axis, keepdims, 'nanmedian', ('linear', overwrite_input, None)"
_rule(
    "np.nanmedian",
    "a, axis=None, out=None, overwrite_input=False, keepdims=False",
    defaults_only=("overwrite_input",),
    jvp={"a": f"quantile_tangent(t, {_MEDIAN})"},
    a=f"quantile_adjoint(g, {_MEDIAN})",
)

# ---- interp (not with respect to xp), polynomials ------------------------------------

_rule(
    "np.interp",
    "x, xp, fp, left=None, right=None, period=None",
    jvp={
        "x": "t * interp_slope(x, xp, fp, period)",
        "fp": "np.interp(x, xp, t, like_or_none(left), like_or_none(right), period)",
        "left": "interp_outside(t, x, xp, period, -1)",
        "right": "interp_outside(t, x, xp, period, 1)",
    },
    x="g * interp_slope(x, xp, fp, period)",
    fp="interp_fp_adjoint(g, x, xp, left, right, period)",
    left="np.sum(interp_outside(g, x, xp, period, -1))",
    right="np.sum(interp_outside(g, x, xp, period, 1))",
)
_rule(
    "np.polyval",
    "p, x",
    jvp={"p": LINEAR, "x": "t * np.polyval(poly_derivative(p), x)"},
    p="np.tensordot(g, power_table(x, np.size(p), False, 0), np.ndim(x))",
    x="g * np.polyval(poly_derivative(p), x)",
)
_rule(
    "np.vander",
    "x, N=None, increasing=False",
    jvp={"x": "np.expand_dims(t, -1) * power_table(x, N, increasing, 1)"},
    x="np.sum(g * power_table(x, N, increasing, 1), axis=-1)",
)
_rule(
    "np.polyder",
    "p, m=1",
    jvp={"p": LINEAR, "m": _NO},
    p="polyder_adjoint(g, p, m)",
    m=None,
)
for _name, _sign in (("polyadd", ""), ("polysub", "-")):
    _rule(
        f"np.{_name}",
        "a1, a2",
        jvp={
            "a1": f"np.{_name}(t, np.zeros_like(a2))",
            "a2": f"np.{_name}(np.zeros_like(a1), t)",
        },
        a1="np.reshape(g[np.size(g) - np.size(a1) :], np.shape(a1))",
        a2=f"{_sign}np.reshape(g[np.size(g) - np.size(a2) :], np.shape(a2))",
    )

# ---- trapezoid, cov, corrcoef --------------------------------------------------------

_rule(
    "np.trapezoid",
    "y, x=None, dx=1.0, axis=-1",
    jvp={
        "y": LINEAR,
        "x": LINEAR,
        "dx": "t * trapezoid_unit(y, x, dx, axis)",
        "axis": _NO,
    },
    y="trapezoid_y_adjoint(g, y, x, dx, axis)",
    x="trapezoid_x_adjoint(g, y, x, axis)",
    dx="unbroadcast(g * trapezoid_unit(y, x, dx, axis), dx)",
    axis=None,
)
_COV = "rowvar, bias, ddof, fweights, aweights"
_rule(
    "np.cov",
    "m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, "
    "dtype=None",
    jvp={
        "m": f"cov_tangent(t, 0.0, m, y, {_COV})",
        "y": f"cov_tangent(0.0, t, m, y, {_COV})",
    },
    m=f"cov_adjoint(g, m, y, {_COV}, 0)",
    y=f"cov_adjoint(g, m, y, {_COV}, 1)",
)


def _corrcoef(part: int, forward: bool) -> str:
    """corrcoef's rules from cov's: with C = cov(x, y), d = diag(C) and
    R = C / sqrt(d d.T), dR = dC / sqrt(d d.T) - R (q + q.T) / 2 with
    q = diag(dC) / d; the adjoint of C is G / sqrt(d d.T) - diag(rowsum((G +
    G.T) R) / 2d). Written with numpy's functions, it differentiates again."""
    c = "np.atleast_2d(np.cov(x, y, rowvar))"
    d = f"np.diagonal({c})"
    scale = f"np.sqrt(np.outer({d}, {d}))"
    r = "np.atleast_2d(ans)"
    options = "rowvar, False, None, None, None"
    if forward:
        tangents = "t, 0.0" if part == 0 else "0.0, t"
        dc = f"np.atleast_2d(cov_tangent({tangents}, x, y, {options}))"
        q = f"np.diagonal({dc}) / {d}"
        return (
            f"np.reshape({dc} / {scale} - 0.5 * {r} * (np.expand_dims({q}, -1) + "
            f"{q}), np.shape(ans))"
        )
    gr = "np.atleast_2d(g)"
    gc = (
        f"{gr} / {scale} - np.diag(np.sum(({gr} + np.transpose({gr})) * {r}, "
        f"axis=1) / (2.0 * {d}))"
    )
    return f"cov_adjoint({gc}, x, y, {options}, {part})"


_rule(
    "np.corrcoef",
    "x, y=None, rowvar=True, dtype=None",
    jvp={"x": _corrcoef(0, True), "y": _corrcoef(1, True)},
    x=_corrcoef(0, False),
    y=_corrcoef(1, False),
)

# ---- gradient, ediff1d, resize, unwrap -----------------------------------------------

# np.gradient(f, *varargs, ...): up to four spacings, scalars for reverse mode
_S = "s0, s1, s2, s3, axis, edge_order"
_rule(
    "np.gradient",
    "f, s0=None, s1=None, s2=None, s3=None, axis=None, edge_order=1",
    jvp={"f": LINEAR},
    f=f"gradient_adjoint(g, f, {_S})",
)
_ENDS = "like_or_none(to_end), like_or_none(to_begin)"
_rule(
    "np.ediff1d",
    "ary, to_end=None, to_begin=None",
    jvp={
        "ary": f"np.ediff1d(t, {_ENDS})",
        "to_end": "np.ediff1d(np.zeros_like(ary), t, like_or_none(to_begin))",
        "to_begin": "np.ediff1d(np.zeros_like(ary), like_or_none(to_end), t)",
    },
    ary="ediff1d_adjoint(g, ary, to_end, to_begin, 0)",
    to_end="ediff1d_adjoint(g, ary, to_end, to_begin, 1)",
    to_begin="ediff1d_adjoint(g, ary, to_end, to_begin, 2)",
)
_rule(
    "np.resize",
    "a, new_shape",
    jvp={"a": LINEAR, "new_shape": _NO},
    a="resize_adjoint(g, a)",
    new_shape=None,
)
# unwrap adds multiples of the period, constant almost everywhere
_rule(
    "np.unwrap",
    "p, discont=None, axis=-1, period=None",
    jvp={"p": "t", "discont": _NO, "axis": _NO, "period": _NO},
    p="g",
    discont=None,
    axis=None,
    period=None,
)

# ---- products and np.linalg ----------------------------------------------------------

_rule(
    "np.matvec",
    "x1, x2",
    jvp={"x1": LINEAR, "x2": LINEAR},
    x1="unbroadcast(np.expand_dims(g, -1) * np.expand_dims(x2, -2), x1)",
    x2="unbroadcast(np.vecmat(g, x1), x2)",
)
_rule(
    "np.vecmat",
    "x1, x2",
    jvp={"x1": LINEAR, "x2": LINEAR},
    x1="unbroadcast(np.matvec(x2, g), x1)",
    x2="unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2)",
)
_rule(
    "np.linalg.multi_dot",
    "arrays",
    name="multi_dot",
    jvp={"arrays": "multi_dot_terms(arrays, t)"},
    arrays="multi_dot_adjoint(g, arrays)",
)
_USV = "np.linalg.svd(x, full_matrices=False)"
_rule(
    "np.linalg.svdvals",
    "x",
    name="svdvals",
    jvp={"x": f"svd_diag({_USV}, t)"},
    x=f"svd_weighted({_USV}, g)",
)
# cond = s[0] / s[-1] (the reverse for p=-2): d cond = (d top - cond d bottom) / bottom
_BOTTOM = "cond_end(np.linalg.svdvals(x), p, 1)"
_DS = f"svd_diag({_USV}, t)"
_rule(
    "np.linalg.cond",
    "x, p=None",
    name="cond",
    jvp={
        "x": f"(cond_end({_DS}, p, 0) - ans * cond_end({_DS}, p, 1)) / {_BOTTOM}",
        "p": _NO,
    },
    x=f"svd_weighted({_USV}, cond_spread(g / {_BOTTOM}, -g * ans / {_BOTTOM}, "
    "np.linalg.svdvals(x), p))",
    p=None,
)
_M = "np.reshape(a, tensorsolve_shape(b, axes))"
_GB = f"np.linalg.solve(mT({_M}), np.ravel(g))"
_rule(
    "np.linalg.tensorsolve",
    "a, b, axes=None",
    name="tensorsolve",
    jvp={
        "a": f"-np.reshape(np.linalg.solve({_M}, np.dot(np.reshape(t, "
        "tensorsolve_shape(b, axes)), np.ravel(ans))), np.shape(ans))",
        "b": LINEAR,
        "axes": _NO,
    },
    a=f"np.reshape(-np.outer({_GB}, np.ravel(ans)), np.shape(a))",
    b=f"np.reshape({_GB}, np.shape(b))",
    axes=None,
)
_INV = "as_square(ans)"
_rule(
    "np.linalg.tensorinv",
    "a, ind=2",
    name="tensorinv",
    jvp={"a": f"-np.reshape(sandwich({_INV}, as_square(t), {_INV}), np.shape(ans))"},
    a=f"-np.reshape(sandwich(mT({_INV}), as_square(g), mT({_INV})), np.shape(a))",
    ind=None,
)
_rule(
    "np.linalg.matrix_transpose",
    "x",
    name="matrix_transpose",
    jvp={"x": LINEAR},
    x="unswap(g, -1, -2)",
)
_rule(
    "np.linalg.diagonal",
    "x, offset=0",
    name="diagonal",
    jvp={"x": LINEAR, "offset": _NO},
    x="undiagonal(g, x, offset, -2, -1)",
    offset=None,
)
for _path in ("np.nanargmax", "np.nanargmin", "np.around"):
    if lookup(resolve_path(_path)) is None:
        defnondiff(_path)

# ---- the helpers' forward rules ------------------------------------------------------

# linear in their first argument; the others are read for shapes, flags or
# piecewise constant weights
_SPACINGS = "s0=None, s1=None, s2=None, s3=None, axis=None, edge_order=1"
for _name, _signature in {
    "spread_q": "v, value",
    "unspread_q": "dy, q",
    "interp_outside": "v, x, xp, period, side",
    "poly_derivative": "p",
    "polyder_adjoint": "dy, p, m=1",
    "trapezoid_unit": "y, x, dx, axis=-1",
    "gradient_adjoint": f"dy, f, {_SPACINGS}",
    "ediff1d_adjoint": "dy, ary, to_end, to_begin, part",
    "resize_adjoint": "dy, a",
    "cond_end": "s, p, which",
    "as_square": "x",
}.items():
    _params = [p.split("=")[0].strip() for p in _signature.split(",")]
    defrule(_name, _signature, jvp={_params[0]: LINEAR, **dict.fromkeys(_params[1:])})
defnondiff("like_or_none", "v")
defnondiff("tensorsolve_shape", "b, axes=None")
for _name, _first in (("nanvar_grad", "dy"), ("nanvar_tangent", "v")):
    defrule(
        _name,
        f"{_first}, x, axis=None, ddof=0, keepdims=False, ref=None",
        jvp={_first: LINEAR, "x": LINEAR, "ref": _NO},
    )
# order 0: the quantile's weights; 1: their derivative along q
_ALONG_Q = "a, q, axis, keepdims, kind, options, order + 1"
for _name, _first, _term in (
    ("quantile_adjoint", "dy", f"quantile_adjoint(dy * spread_q(t, dy), {_ALONG_Q})"),
    ("quantile_tangent", "v", f"spread_q(t, ans) * quantile_tangent(v, {_ALONG_Q})"),
):
    defrule(
        _name,
        f"{_first}, a, q, axis, keepdims, kind, options, order=0",
        jvp={_first: LINEAR, "a": _NO, "q": _term, "options": _NO},
    )
defrule(
    "interp_slope", "x, xp, fp, period=None", jvp={"x": _NO, "xp": _NO, "fp": LINEAR}
)
# the weights depend on whether left and right are given, not on their values
defrule(
    "interp_fp_adjoint",
    "dy, x, xp, left=None, right=None, period=None, order=0",
    jvp={
        "dy": LINEAR,
        "x": "interp_fp_adjoint(dy * t, x, xp, left, right, period, order + 1)",
        **dict.fromkeys(("xp", "left", "right")),
    },
)
defrule(
    "power_table",
    "x, n=None, increasing=False, order=0",
    jvp={"x": "np.expand_dims(t, -1) * power_table(x, n, increasing, order + 1)"},
)
defrule(
    "trapezoid_y_adjoint",
    "dy, y, x, dx, axis=-1, dx_only=False",
    jvp={
        "dy": LINEAR,
        "y": _NO,
        "x": LINEAR,
        "dx": "trapezoid_y_adjoint(dy, y, x, t, axis, True)",
    },
)
defrule(
    "trapezoid_x_adjoint",
    "dy, y, x, axis=-1",
    jvp={"dy": LINEAR, "y": LINEAR, "x": _NO},
)
# bilinear in the tangents (or adjoint) and in the data (m, y) as a whole
_C = "rowvar, bias, ddof, fw, aw"
defrule(
    "cov_tangent",
    "dm, dv, m, y=None, rowvar=True, bias=False, ddof=None, fw=None, aw=None",
    jvp={
        "dm": f"cov_tangent(t, 0.0, m, y, {_C})",
        "dv": f"cov_tangent(0.0, t, m, y, {_C})",
        "m": f"cov_tangent(dm, dv, t, zero_tangent(y), {_C})",
        "y": f"cov_tangent(dm, dv, zero_tangent(m), t, {_C})",
    },
)
defrule(
    "cov_adjoint",
    f"dy, m, y, {_C}, part",
    jvp={
        "dy": LINEAR,
        "m": f"cov_adjoint(dy, t, zero_tangent(y), {_C}, part)",
        "y": f"cov_adjoint(dy, zero_tangent(m), t, {_C}, part)",
    },
)
# multi_dot's helpers take the directions of their own mixed derivatives
_DIRECTIONS = "d1=None, d2=None, d3=None, d4=None"
_MULTILINEAR = {f"d{k}": LINEAR for k in range(1, 5)}
defrule(
    "multi_dot_terms",
    f"arrays, {_DIRECTIONS}",
    jvp={"arrays": "multi_dot_terms(arrays, t, d1, d2, d3)", **_MULTILINEAR},
)
defrule(
    "multi_dot_adjoint",
    f"dy, arrays, {_DIRECTIONS}",
    jvp={
        "dy": LINEAR,
        "arrays": "multi_dot_adjoint(dy, arrays, t, d1, d2, d3)",
        **_MULTILINEAR,
    },
)
defrule(
    "cond_spread",
    "a, b, s, p",
    jvp={"a": "cond_spread(t, 0.0, s, p)", "b": "cond_spread(0.0, t, s, p)", "s": _NO},
)
