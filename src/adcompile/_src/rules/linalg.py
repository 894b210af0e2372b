"""Rules of ``np.linalg`` and of the runtime helpers their rules call.

Every rule works on stacks of matrices where numpy does. Functions that
return a tuple (slogdet, eigh, svd, qr, lstsq) receive their adjoint as a
container with one adjoint per item, 0.0 for the items nothing flowed into
(``part(g, i)`` reads item i), and give a tuple of tangents
(``tangent_items``) in forward mode.

Functions that read one triangle of their argument (cholesky, eigh,
eigvalsh, and svd and pinv with ``hermitian=True``) are differentiated as
numpy computes them: the other triangle gets a zero gradient, and a
symmetric perturbation of the input gives the usual derivative. Derivatives
of eigenvectors and singular vectors need distinct eigenvalues or singular
values (``eig_coupling`` refuses exact ties), those of pinv and lstsq a
locally constant rank.

Reverse and forward templates call only functions that have forward rules
themselves, so derivative code can be differentiated again: the helpers'
rules are registered at the end of this module.
"""

from __future__ import annotations

from adcompile._src.rules.registry import LINEAR, defnondiff, defrule

# ---- solve, inv, det, slogdet, matrix_power ---------------------------------------

defrule(
    "np.linalg.solve",
    "a, b",
    jvp={"a": "-solve_like(a, apply_matrix(t, ans, b), b)", "b": LINEAR},
    a="unbroadcast(-solve_outer(solve_like(mT(a), g, b), ans, b), a)",
    b="unbroadcast(solve_like(mT(a), g, b), b)",
)
defrule(
    "np.linalg.inv",
    "a",
    jvp={"a": "-sandwich(ans, t, ans)"},
    a="-sandwich(mT(ans), g, mT(ans))",
)
defrule(
    "np.linalg.det",
    "a",
    jvp={"a": "ans * mtrace(msolve(a, t))"},
    a="mscale(mT(np.linalg.inv(a)), g * ans)",
)
defrule(
    "np.linalg.slogdet",
    "a",
    jvp={"a": "tangent_items((np.zeros(np.shape(ans[0])), mtrace(msolve(a, t))))"},
    a="mscale(mT(np.linalg.inv(a)), part(g, 1))",
)
# f(block_pair(x, m)) has the derivative of f at x along m as its upper-right
# block, for any matrix function f; the adjoint of that derivative is the
# derivative at x.T (a power series with real coefficients)
defrule(
    "np.linalg.matrix_power",
    "a, n",
    jvp={"a": "block_corner(np.linalg.matrix_power(block_pair(a, t), n))", "n": None},
    a="block_corner(np.linalg.matrix_power(block_pair(mT(a), g), n))",
    n=None,
)

# ---- cholesky, eigh, eigvalsh -----------------------------------------------------

# L = cholesky(S): dL = L lower_half(inv(L) dS inv(L).T), and the adjoint of S
# is inv(L).T lower_half(L.T gL) inv(L); with upper=True, U = L.T
_L = "as_lower(ans, upper)"
defrule(
    "np.linalg.cholesky",
    "a, upper=False",
    jvp={
        "a": f"as_lower(mmul({_L}, lower_half(right_solve(msolve({_L}, "
        f"from_triangle(t, upper)), mT({_L})))), upper)",
        "upper": None,
    },
    a=f"triangle_adjoint(right_solve(msolve(mT({_L}), lower_half(mmul(mT({_L}), "
    f"as_lower(g, upper)))), {_L}), upper)",
    upper=None,
)

# w, V = eigh(S): dw = diag(V.T dS V), dV = V (F * (V.T dS V)) with
# F[i, j] = 1 / (w[j] - w[i]) (eig_coupling)
_P = "sandwich(mT(ans[1]), from_triangle(t, UPLO), ans[1])"
defrule(
    "np.linalg.eigh",
    "a, UPLO='L'",
    jvp={
        "a": f"tangent_items((diag_part({_P}), mmul(ans[1], eig_coupling(ans[0], "
        f"{_P}))))",
        "UPLO": None,
    },
    a="triangle_adjoint(sandwich(ans[1], diag_embed(part(g, 0)) + eig_coupling("
    "ans[0], mmul(mT(ans[1]), part(g, 1))), mT(ans[1])), UPLO)",
    UPLO=None,
)
defrule(
    "np.linalg.eigvalsh",
    "a, UPLO='L'",
    jvp={
        "a": "eigh_diag(np.linalg.eigh(a, UPLO), from_triangle(t, UPLO))",
        "UPLO": None,
    },
    a="triangle_adjoint(eigh_weighted(np.linalg.eigh(a, UPLO), g), UPLO)",
    UPLO=None,
)


# ---- svd ------------------------------------------------------------------------


def _svd_adjoint(u: str, s: str, vh: str, gu: str, gs: str, gvh: str) -> str:
    """The adjoint of the matrix of a reduced SVD ``U diag(s) Vh``, as a
    template over the factors and their adjoints (Townsend's formula)."""
    w = f"{s} * {s}"
    return (
        f"sandwich({u}, scale_columns(eig_coupling({w}, skew(mmul(mT({u}), {gu}))), "
        f"{s}) + diag_embed({gs}) + scale_rows({s}, eig_coupling({w}, "
        f"skew(mmul({vh}, mT({gvh}))))), {vh}) "
        f"+ mmul(scale_columns({gu} - mmul({u}, mmul(mT({u}), {gu})), 1.0 / {s}), "
        f"{vh}) "
        f"+ mmul({u}, scale_rows(1.0 / {s}, {gvh} - mmul(mmul({gvh}, mT({vh})), "
        f"{vh})))"
    )


def _svd_tangent(u: str, s: str, vh: str, t: str) -> str:
    """The tangents (dU, ds, dVh) of a reduced SVD along ``t``."""
    p = f"sandwich(mT({u}), {t}, mT({vh}))"
    w = f"{s} * {s}"
    du = (
        f"mmul({u}, eig_coupling({w}, scale_columns({p}, {s}) + scale_rows({s}, "
        f"mT({p})))) + scale_columns(mmul({t}, mT({vh})) - mmul({u}, {p}), "
        f"1.0 / {s})"
    )
    dv = (
        f"mmul(mT({vh}), eig_coupling({w}, scale_rows({s}, {p}) + "
        f"scale_columns(mT({p}), {s}))) + scale_columns(mmul(mT({t}), {u}) - "
        f"mmul(mT({vh}), mT({p})), 1.0 / {s})"
    )
    return f"tangent_items(({du}, diag_part({p}), mT({dv})))"


_SVD_AGAIN = "np.linalg.svd(a, full_matrices=np.False_, hermitian=hermitian)"
_SVD_T = "hermitian_view(t, hermitian)"
_ANS = ("ans[0]", "ans[1]", "ans[2]")
defrule(
    "np.linalg.svd",
    "a, full_matrices=True, compute_uv=True, hermitian=False",
    jvp={
        "a": f"{_svd_tangent(*_ANS, _SVD_T)} if svd_forward_mode(a, full_matrices, "
        f"compute_uv) else svd_diag({_SVD_AGAIN}, {_SVD_T})",
        "full_matrices": None,
        "compute_uv": None,
        "hermitian": None,
    },
    a="hermitian_adjoint("
    + _svd_adjoint(*_ANS, "part(g, 0)", "part(g, 1)", "part(g, 2)")
    + " if svd_reverse_mode(a, g, full_matrices, compute_uv) else "
    f"svd_weighted({_SVD_AGAIN}, part(g, 1) if compute_uv else g), hermitian)",
    full_matrices=None,
    compute_uv=None,
    hermitian=None,
)

# ---- qr -------------------------------------------------------------------------

# A = QR with m >= n: along dA, with C = dA inv(R) and X = Q.T C,
# dQ = C - Q qr_upper(X) and dR = qr_upper(X) R; the adjoint of A is
# (gQ - Q qr_upper_adjoint(Q.T gQ - gR R.T)) inv(R).T
_Q_AGAIN = "np.linalg.qr(a)[0]"
defrule(
    "np.linalg.qr",
    "a, mode='reduced'",
    jvp={
        "a": "qr_tangent_items(ans[0], ans[1], right_solve(t, ans[1])) if "
        f"qr_mode(a, mode) else part(qr_tangent_items({_Q_AGAIN}, ans, "
        "right_solve(t, ans)), 1)",
        "mode": None,
    },
    a="right_solve(part(g, 0) - mmul(ans[0], qr_upper_adjoint(mmul(mT(ans[0]), "
    "part(g, 0)) - mmul(part(g, 1), mT(ans[1])))), mT(ans[1])) if qr_mode(a, mode) "
    f"else right_solve(mmul({_Q_AGAIN}, qr_upper_adjoint(mmul(g, mT(ans)))), "
    "mT(ans))",
    mode=None,
)

# ---- pinv, lstsq ----------------------------------------------------------------

# pinv_tangent(a, p, d) is the derivative of p = pinv(a) along d; its adjoint
# is the transposed derivative along the transposed adjoint, since a p and
# p a are symmetric
_A = "hermitian_view(a, hermitian)"
defrule(
    "np.linalg.pinv",
    "a, rcond=None, hermitian=False, rtol=None",
    jvp={
        "a": f"pinv_tangent({_A}, ans, hermitian_view(t, hermitian))",
        "rcond": None,
        "hermitian": None,
        "rtol": None,
    },
    a=f"hermitian_adjoint(mT(pinv_tangent({_A}, ans, mT(g))), hermitian)",
    rcond=None,
    hermitian=None,
    rtol=None,
)

# x = pinv(a) b; the residuals are sum((b - a x)**2) per column, where the
# residual is orthogonal to a's columns; s are a's singular values
_PINV = "np.linalg.pinv(a, rtol=lstsq_rtol(a, rcond))"
_E = "b - apply_matrix(a, ans[0], b)"
defrule(
    "np.linalg.lstsq",
    "a, b, rcond=None",
    jvp={
        "a": f"tangent_items((apply_matrix(pinv_tangent(a, {_PINV}, t), b, b), "
        f"-2.0 * residual_tangent({_E}, apply_matrix(t, ans[0], b), ans[1]), "
        "0.0, svd_diag(np.linalg.svd(a, full_matrices=np.False_), t)))",
        "b": f"tangent_items((apply_matrix({_PINV}, t, b), 2.0 * "
        f"residual_tangent({_E}, t, ans[1]), 0.0, 0.0))",
        "rcond": None,
    },
    a=f"mT(pinv_tangent(a, {_PINV}, mT(solve_outer(part(g, 0), b, b)))) - 2.0 * "
    f"solve_outer(residual_weights({_E}, part(g, 1)), ans[0], b) + (0.0 if "
    "is_zero_adjoint(part(g, 3)) else svd_weighted(np.linalg.svd(a, "
    "full_matrices=np.False_), part(g, 3)))",
    b=f"apply_matrix(mT({_PINV}), part(g, 0), b) + 2.0 * "
    f"residual_weights({_E}, part(g, 1))",
    rcond=None,
)

# ---- the helpers' forward rules ---------------------------------------------------

# multilinear: the tangent goes through the helper in each argument's place
for _name, _signature in {
    "mT": "x",
    "mmul": "a, b",
    "sandwich": "x, m, y",
    "diag_embed": "d",
    "diag_part": "x",
    "mtrace": "x",
    "mscale": "x, s",
    "scale_columns": "x, d",
    "scale_rows": "d, x",
    "column_dots": "x, y",
    "skew": "x",
    "pair_difference": "w",
    "lower_half": "x",
    "qr_upper": "x",
    "qr_upper_adjoint": "y",
    "block_corner": "x",
    "tangent_items": "parts",
}.items():
    defrule(_name, _signature, jvp={p.strip(): LINEAR for p in _signature.split(",")})

# linear in their first argument; the others are flags or read for shapes
for _name, _signature in {
    "from_triangle": "x, triangle",
    "triangle_adjoint": "k, triangle",
    "as_lower": "x, triangle",
    "hermitian_view": "x, hermitian",
    "hermitian_adjoint": "k, hermitian",
}.items():
    _first, _second = (p.strip() for p in _signature.split(","))
    defrule(_name, _signature, jvp={_first: LINEAR, _second: None})
defrule("apply_matrix", "m, v, b", jvp={"m": LINEAR, "v": LINEAR, "b": None})
defrule("solve_outer", "u, x, b", jvp={"u": LINEAR, "x": LINEAR, "b": None})
defrule("residual_weights", "e, gr", jvp={"e": LINEAR, "gr": LINEAR})
defrule(
    "residual_tangent",
    "e, de, residuals",
    jvp={"e": LINEAR, "de": LINEAR, "residuals": None},
)
defrule("eye_minus", "x", jvp={"x": "-t"})
defrule(
    "block_pair",
    "x, m",
    jvp={"x": "block_pair(t, 0.0)", "m": "block_pair(0.0, t)"},
)

# solves: d(inv(a) v) = -inv(a) da inv(a) v
defrule(
    "solve_like",
    "a, v, b",
    jvp={"a": "-solve_like(a, apply_matrix(t, ans, b), b)", "v": LINEAR, "b": None},
)
defrule("msolve", "a, m", jvp={"a": "-msolve(a, mmul(t, ans))", "m": LINEAR})
defrule("right_solve", "x, r", jvp={"x": LINEAR, "r": "-right_solve(mmul(ans, t), r)"})

# d(F * x) = -F * F * pair_difference(dw) * x
defrule(
    "eig_coupling",
    "w, x",
    jvp={
        "w": "-eig_coupling(w, eig_coupling(w, x * pair_difference(t)))",
        "x": LINEAR,
    },
)
defrule(
    "eigh_weighted",
    "wv, d",
    jvp={
        "wv": "mmul(scale_columns(part(t, 1), d), mT(wv[1])) + "
        "mmul(scale_columns(wv[1], d), mT(part(t, 1)))",
        "d": LINEAR,
    },
)
defrule(
    "eigh_diag",
    "wv, m",
    jvp={
        "wv": "column_dots(part(t, 1), mmul(m, wv[1])) + "
        "column_dots(wv[1], mmul(m, part(t, 1)))",
        "m": LINEAR,
    },
)
defrule(
    "svd_weighted",
    "usv, d",
    jvp={
        "usv": "mmul(scale_columns(part(t, 0), d), usv[2]) + "
        "mmul(scale_columns(usv[0], d), part(t, 2))",
        "d": LINEAR,
    },
)
defrule(
    "svd_diag",
    "usv, m",
    jvp={
        "usv": "column_dots(part(t, 0), mmul(m, mT(usv[2]))) + "
        "column_dots(usv[0], mmul(m, mT(part(t, 2))))",
        "m": LINEAR,
    },
)
_X = "mmul(mT(q), c)"
_DX = "mmul(mT(t), c)"
defrule(
    "qr_tangent_items",
    "q, r, c",
    jvp={
        "q": f"tangent_items((-mmul(t, qr_upper({_X})) - mmul(q, qr_upper({_DX})), "
        f"mmul(qr_upper({_DX}), r)))",
        "r": f"tangent_items((0.0, mmul(qr_upper({_X}), t)))",
        "c": LINEAR,
    },
)
# pinv_tangent(a, p, d) = -p d p + p p.T d.T (I - a p) + (I - p a) d.T p.T p
defrule(
    "pinv_tangent",
    "a, p, d",
    jvp={
        "a": "-sandwich(mmul(p, mT(p)), mT(d), mmul(t, p)) - sandwich(mmul(p, t), "
        "mT(d), mmul(mT(p), p))",
        "p": "-sandwich(t, d, p) - sandwich(p, d, t) + sandwich(mmul(t, mT(p)) + "
        "mmul(p, mT(t)), mT(d), eye_minus(mmul(a, p))) - sandwich(mmul(p, mT(p)), "
        "mT(d), mmul(a, t)) - sandwich(mmul(t, a), mT(d), mmul(mT(p), p)) + "
        "sandwich(eye_minus(mmul(p, a)), mT(d), mmul(mT(t), p) + mmul(mT(p), t))",
        "d": LINEAR,
    },
)
for _name in (
    "svd_forward_mode",
    "svd_reverse_mode",
    "qr_mode",
    "lstsq_rtol",
    "is_zero_adjoint",
):
    defnondiff(_name)
defnondiff("np.linalg.matrix_rank")
