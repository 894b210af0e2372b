"""Runtime helpers of the np.linalg rules (numpy only; see adcompile._src.runtime).

Matrices may be stacked along leading axes, as in np.linalg. An argument
that is an adjoint or a tangent may be the plain 0.0 of an adjoint nothing
flowed into; a helper linear in it then returns 0.0. Most helpers are
multilinear in their array arguments (their forward rule is ``LINEAR`` in
each); the nonlinear ones (solves, eigenvalue gaps, the pseudo-inverse's
tangent) have forward rules written with the others, so derivative code
that calls them can itself be differentiated (see adcompile._src.rules.linalg).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adcompile._src.errors import NoDerivativeRule
from adcompile._src.runtime.containers import part
from adcompile._src.runtime.support import Items, is_zero


def _zero(*values: Any) -> bool:
    return any(is_zero(v) for v in values)


def _eye(n: int) -> np.ndarray:
    return np.eye(n)


# ---- multilinear pieces -------------------------------------------------------


def mT(x: Any) -> Any:
    """The transpose of the last two axes of a (stack of) matrices."""
    return x if is_zero(x) else np.swapaxes(x, -1, -2)


def mmul(a: Any, b: Any) -> Any:
    """``a @ b``."""
    return 0.0 if _zero(a, b) else np.matmul(a, b)


def sandwich(x: Any, m: Any, y: Any) -> Any:
    """``x @ m @ y``."""
    return 0.0 if _zero(x, m, y) else np.matmul(np.matmul(x, m), y)


def diag_embed(d: Any) -> Any:
    """Diagonal matrices with the entries of the last axis of ``d``."""
    if is_zero(d):
        return 0.0
    d = np.asarray(d)
    return d[..., :, None] * _eye(d.shape[-1])


def diag_part(x: Any) -> Any:
    """The diagonals of a stack of square matrices (a new array)."""
    return x if is_zero(x) else np.diagonal(x, axis1=-2, axis2=-1).copy()


def mtrace(x: Any) -> Any:
    """The traces of a stack of square matrices."""
    return x if is_zero(x) else np.trace(x, axis1=-2, axis2=-1)


def mscale(x: Any, s: Any) -> Any:
    """Each matrix of ``x`` times the matching scalar of ``s``."""
    return 0.0 if _zero(x, s) else x * np.asarray(s)[..., None, None]


def scale_columns(x: Any, d: Any) -> Any:
    """``x @ diag(d)``: column j of x times d[j]."""
    return 0.0 if _zero(x, d) else x * np.asarray(d)[..., None, :]


def scale_rows(d: Any, x: Any) -> Any:
    """``diag(d) @ x``: row i of x times d[i]."""
    return 0.0 if _zero(d, x) else np.asarray(d)[..., :, None] * x


def column_dots(x: Any, y: Any) -> Any:
    """``diag(x.T @ y)``: the dot products of matching columns."""
    return 0.0 if _zero(x, y) else np.sum(x * y, axis=-2)


def skew(x: Any) -> Any:
    """``x - x.T``."""
    return x if is_zero(x) else x - np.swapaxes(x, -1, -2)


def pair_difference(w: Any) -> Any:
    """``D[i, j] = w[j] - w[i]``."""
    if is_zero(w):
        return 0.0
    w = np.asarray(w)
    return w[..., None, :] - w[..., :, None]


def eye_minus(x: Any) -> Any:
    """``I - x``."""
    return _eye(np.shape(x)[-1]) - x


def _reads_upper(triangle: Any) -> bool:
    """A function that reads one triangle: np.linalg.eigh's ``UPLO`` or
    np.linalg.cholesky's ``upper``."""
    if isinstance(triangle, str):
        return triangle.upper() == "U"
    return bool(triangle)


def from_triangle(x: Any, triangle: Any) -> Any:
    """The symmetric matrix a function that reads only one triangle of ``x``
    sees: that triangle mirrored."""
    if is_zero(x):
        return 0.0
    if _reads_upper(triangle):
        return np.triu(x) + np.swapaxes(np.triu(x, 1), -1, -2)
    return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)


def triangle_adjoint(k: Any, triangle: Any) -> Any:
    """The adjoint of ``from_triangle``: entries of the other triangle
    receive nothing, those of the triangle read receive k[i, j] + k[j, i]."""
    if is_zero(k):
        return 0.0
    both = k + np.swapaxes(k, -1, -2)
    diagonal = k * _eye(np.shape(k)[-1])
    if _reads_upper(triangle):
        return np.triu(both, 1) + diagonal
    return np.tril(both, -1) + diagonal


def as_lower(x: Any, triangle: Any) -> Any:
    """``x``, transposed when the function works with the upper triangle."""
    return mT(x) if _reads_upper(triangle) else x


def hermitian_view(x: Any, hermitian: Any) -> Any:
    """The matrix np.linalg.svd or pinv with ``hermitian=True`` works on:
    the symmetric matrix made of x's lower triangle; x itself otherwise."""
    return from_triangle(x, "L") if hermitian else x


def hermitian_adjoint(k: Any, hermitian: Any) -> Any:
    """The adjoint of ``hermitian_view``."""
    return triangle_adjoint(k, "L") if hermitian else k


def lower_half(x: Any) -> Any:
    """The lower triangle of ``x`` with its diagonal halved."""
    if is_zero(x):
        return 0.0
    return np.tril(x) - 0.5 * x * _eye(np.shape(x)[-1])


def qr_upper(x: Any) -> Any:
    """``triu(x) + tril(x, -1).T``: an upper triangle from both halves."""
    if is_zero(x):
        return 0.0
    return np.triu(x) + np.swapaxes(np.tril(x, -1), -1, -2)


def qr_upper_adjoint(y: Any) -> Any:
    """The adjoint of ``qr_upper``."""
    if is_zero(y):
        return 0.0
    return np.triu(y) + np.tril(np.swapaxes(y, -1, -2), -1)


def block_pair(x: Any, m: Any) -> Any:
    """The block matrix ``[[x, m], [0, x]]``: any matrix function of it has
    the function's derivative at x in direction m as its upper-right block."""
    if _zero(x) and _zero(m):
        return 0.0
    x = np.zeros(np.shape(m)) if is_zero(x) else np.asarray(x)
    m = np.zeros(np.shape(x)) if is_zero(m) else np.asarray(m)
    x, m = np.broadcast_arrays(x, m)
    top = np.concatenate([x, m], axis=-1)
    bottom = np.concatenate([np.zeros_like(x), x], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def block_corner(x: Any) -> Any:
    """The upper-right block of a ``block_pair``-shaped matrix."""
    if is_zero(x):
        return 0.0
    n = np.shape(x)[-1] // 2
    return np.array(x[..., :n, n:])


def tangent_items(parts: Any) -> Items:
    """The tangent of a function that returns a tuple: one tangent per item,
    added item by item."""
    return Items(parts)


# ---- right-hand sides shaped like np.linalg.solve's b -------------------------


def _is_vector(b: Any) -> bool:
    return np.ndim(b) == 1  # np.linalg.solve: b of shape (M,) is one vector


def apply_matrix(m: Any, v: Any, b: Any) -> Any:
    """``m @ v``, where v is a (stack of) vector(s) when ``b`` is a vector."""
    if _zero(m, v):
        return 0.0
    if _is_vector(b):
        return np.matmul(m, np.asarray(v)[..., None])[..., 0]
    return np.matmul(m, v)


def solve_outer(u: Any, x: Any, b: Any) -> Any:
    """``u @ x.T`` (outer products when ``b`` is a vector)."""
    if _zero(u, x):
        return 0.0
    if _is_vector(b):
        return np.asarray(u)[..., :, None] * np.asarray(x)[..., None, :]
    return np.matmul(u, np.swapaxes(x, -1, -2))


def solve_like(a: Any, v: Any, b: Any) -> Any:
    """``inv(a) @ v``, where v is a (stack of) vector(s) when ``b`` is."""
    if is_zero(v):
        return 0.0
    if _is_vector(b):
        return np.linalg.solve(a, np.asarray(v)[..., None])[..., 0]
    return np.linalg.solve(a, v)


def msolve(a: Any, m: Any) -> Any:
    """``inv(a) @ m`` for (stacks of) matrices m."""
    return 0.0 if is_zero(m) else np.linalg.solve(a, m)


def right_solve(x: Any, r: Any) -> Any:
    """``x @ inv(r)``."""
    if is_zero(x):
        return 0.0
    return np.swapaxes(np.linalg.solve(mT(r), mT(x)), -1, -2)


# ---- eigenvalues and singular values -------------------------------------------


def eig_coupling(w: Any, x: Any) -> Any:
    """``F * x`` with ``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal and 0
    on it: how eigenvectors move as their matrix does."""
    if is_zero(x):
        return 0.0
    gaps = pair_difference(w)
    off = ~np.eye(gaps.shape[-1], dtype=bool)
    if np.any(gaps[..., off] == 0.0):
        raise NoDerivativeRule(
            "eigenvectors (or singular vectors) of a matrix with a repeated "
            "eigenvalue (or singular value) have no derivative",
            "for functions of the eigenvalues (or singular values) alone, call "
            "np.linalg.eigvalsh (or np.linalg.svd(a, compute_uv=False)), whose "
            "rules do not need them distinct",
        )
    return np.where(off, x / np.where(off, gaps, 1.0), 0.0)


def eigh_weighted(wv: Any, d: Any) -> Any:
    """``V @ diag(d) @ V.T`` for the eigenvectors V of ``wv = eigh(a)``."""
    if is_zero(d):
        return 0.0
    v = wv[1]
    return np.matmul(v * np.asarray(d)[..., None, :], np.swapaxes(v, -1, -2))


def eigh_diag(wv: Any, m: Any) -> Any:
    """``diag(V.T @ m @ V)`` for the eigenvectors V of ``wv = eigh(a)``."""
    if is_zero(m):
        return 0.0
    v = wv[1]
    return np.sum(v * np.matmul(m, v), axis=-2)


def svd_weighted(usv: Any, d: Any) -> Any:
    """``U @ diag(d) @ Vh`` for the reduced factors ``usv`` of an SVD."""
    if is_zero(d):
        return 0.0
    return np.matmul(usv[0] * np.asarray(d)[..., None, :], usv[2])


def svd_diag(usv: Any, m: Any) -> Any:
    """``diag(U.T @ m @ Vh.T)`` for the reduced factors ``usv`` of an SVD."""
    if is_zero(m):
        return 0.0
    return np.sum(usv[0] * np.matmul(m, np.swapaxes(usv[2], -1, -2)), axis=-2)


def svd_forward_mode(a: Any, full_matrices: Any, compute_uv: Any) -> bool:
    """Whether an np.linalg.svd call returned its factors, for forward mode
    (refusing all of U or V of a non-square matrix: they are not unique)."""
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NoDerivativeRule(
            "forward mode through np.linalg.svd(a) of a non-square matrix with "
            "full_matrices=True: the extra columns of U or V are not unique",
            "call np.linalg.svd(a, full_matrices=False)",
        )
    return bool(compute_uv)


def svd_reverse_mode(a: Any, g: Any, full_matrices: Any, compute_uv: Any) -> bool:
    """Whether the adjoint of an np.linalg.svd call goes through its factors
    (False: through the singular values only). All of U or V of a
    non-square matrix are not unique: their adjoints must be zero."""
    m, n = np.shape(a)[-2:]
    if not compute_uv or not full_matrices or m == n:
        return bool(compute_uv)
    if not (is_zero(part(g, 0)) and is_zero(part(g, 2))):
        raise NoDerivativeRule(
            "np.linalg.svd(a) of a non-square matrix with full_matrices=True "
            "has no derivative with respect to U or Vh: their extra columns "
            "are not unique",
            "call np.linalg.svd(a, full_matrices=False)",
        )
    return False


def qr_mode(a: Any, mode: Any) -> bool:
    """Whether an np.linalg.qr call returned (Q, R) (True) or R only (False);
    refuses the modes and shapes whose derivative is not defined here."""
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "complete", "r"):
        raise NoDerivativeRule(
            f"np.linalg.qr with mode={mode!r} has no derivative rule",
            "use mode='reduced' (the default), 'complete' or 'r'",
        )
    if m < n or (mode == "complete" and m != n):
        raise NoDerivativeRule(
            f"np.linalg.qr of a {m}x{n} matrix with mode={mode!r} has no "
            "derivative rule: Q must have as many columns as the matrix",
            "differentiate the QR factors of a matrix with at least as many "
            "rows as columns, with mode='reduced'",
        )
    return mode != "r"


def qr_tangent_items(q: Any, r: Any, c: Any) -> Any:
    """The tangents (dQ, dR) of a QR factorization along ``c = dA inv(R)``."""
    if is_zero(c):
        return Items((0.0, 0.0))
    upper = qr_upper(np.matmul(np.swapaxes(q, -1, -2), c))
    return Items((c - np.matmul(q, upper), np.matmul(upper, r)))


# ---- pseudo-inverse and least squares -------------------------------------------


def pinv_tangent(a: Any, p: Any, d: Any) -> Any:
    """The derivative of ``p = pinv(a)`` along ``d`` (at constant rank):
    ``-p d p + p p.T d.T (I - a p) + (I - p a) d.T p.T p``."""
    if is_zero(d):
        return 0.0
    pt, dt = np.swapaxes(p, -1, -2), np.swapaxes(d, -1, -2)
    left = np.matmul(np.matmul(p, pt), np.matmul(dt, eye_minus(np.matmul(a, p))))
    right = np.matmul(eye_minus(np.matmul(p, a)), np.matmul(dt, np.matmul(pt, p)))
    return left + right - np.matmul(np.matmul(p, d), p)


def lstsq_rtol(a: Any, rcond: Any) -> Any:
    """np.linalg.lstsq's cutoff for small singular values, relative to the
    largest, as np.linalg.pinv's ``rtol`` (LAPACK reads a negative rcond as
    the machine precision)."""
    eps = np.finfo(np.result_type(a, float)).eps
    if rcond is None:
        return eps * max(np.shape(a)[-2:])
    return eps if rcond < 0 else rcond


def residual_weights(e: Any, gr: Any) -> Any:
    """The residuals ``e`` of np.linalg.lstsq, column j times ``gr[j]`` (0.0
    when lstsq returned no residuals)."""
    if _zero(e, gr) or np.size(gr) == 0:
        return 0.0
    return e * gr


def residual_tangent(e: Any, de: Any, residuals: Any) -> Any:
    """``sum(e * de)`` over each column, shaped like the residuals lstsq
    returned (none when it returned none)."""
    if np.size(residuals) == 0:
        return np.zeros(np.shape(residuals))
    if _zero(e, de):
        return 0.0
    return np.reshape(np.sum(e * de, axis=0), np.shape(residuals))


def is_zero_adjoint(g: Any) -> bool:
    """Whether ``g`` is the 0.0 of an adjoint nothing flowed into."""
    return is_zero(g)
