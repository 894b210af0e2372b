"""Rows of the linalg rules.

Inputs are well conditioned: square matrices are ``random + n * I``,
symmetric positive-definite ones are built inside the row (``x @ x.T +
n * I``) or passed as such, and eigenvalues and singular values are
distinct. Eigenvectors and singular vectors are defined up to sign, so rows
use them only through sign-invariant expressions (``v * v``, ``u @ u.T``).
Functions that read one triangle of a matrix (cholesky, eigh, eigvalsh) are
also checked on a symmetric matrix passed directly: finite differences then
perturb each entry alone, which checks that the other triangle gets nothing.
"""

from __future__ import annotations

import numpy as np

from tests.spec.table import RNG, data, row, shape_id


def square(shape):
    """A well-conditioned (stack of) square matrices."""
    n = shape[-1]
    return data(shape) + n * np.eye(n)


def spd(shape):
    """A (stack of) symmetric positive-definite matrices."""
    x = data(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


SHAPES = [(2, 2), (3, 3), (2, 3, 3)]
RECTANGULAR = [(3, 3), (4, 2), (2, 4), (2, 4, 3)]

# ---- solve, inv, det, slogdet, matrix_power ---------------------------------------


def linalg_solve(a, b):
    x = np.linalg.solve(a, b)
    return np.sum(x * x)


def linalg_inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def linalg_det(a):
    d = np.linalg.det(a)
    return np.sum(d * d)


def slogdet_unpacked(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(sign * logdet * logdet)


def slogdet_indexed(a):
    return np.sum(np.linalg.slogdet(a)[1])


def matrix_power(a, n):
    return np.sum(np.sin(np.linalg.matrix_power(a, n)))


for _shape in SHAPES:
    _n = _shape[-1]
    _id = shape_id(_shape)
    row(
        f"linalg_solve-{_id}x({_n},)",
        linalg_solve,
        square(_shape),
        data(_n),
        wrt=(0, 1),
        ag=len(_shape) == 2,
        second_order=True,
    )
    row(
        f"linalg_solve-{_id}x{shape_id(_shape[:-1] + (2,))}",
        linalg_solve,
        square(_shape),
        data(_shape[:-1] + (2,)),
        wrt=(0, 1),
        second_order=True,
    )
    row(f"linalg_inv-{_id}", linalg_inv, square(_shape), second_order=True)
    row(f"linalg_det-{_id}", linalg_det, square(_shape), second_order=True)
    row(f"slogdet_unpacked-{_id}", slogdet_unpacked, square(_shape), second_order=True)
    row(f"slogdet_indexed-{_id}", slogdet_indexed, square(_shape))
    for _power in (3, 1, 0, -2):
        row(
            f"matrix_power_{_power}-{_id}",
            matrix_power,
            square(_shape) / _n,
            _power,
            ag=False,
            second_order=_power == 3,
        )
row(
    "linalg_solve-(3,3)x(2,3,2)",
    linalg_solve,
    square((3, 3)),
    data((2, 3, 2)),
    wrt=(0, 1),
    ag=False,
)
row(
    "linalg_solve-(2,1,3,3)x(4,3,1)",
    linalg_solve,
    square((2, 1, 3, 3)),
    data((4, 3, 1)),
    wrt=(0, 1),
    ag=False,
)

# ---- cholesky, eigh, eigvalsh -----------------------------------------------------


def cholesky_of_gram(x):
    s = x @ np.swapaxes(x, -1, -2) + 3.0 * np.eye(3)
    return np.sum(np.sin(np.linalg.cholesky(s)))


def cholesky_upper_of_gram(x):
    s = x @ np.swapaxes(x, -1, -2) + 3.0 * np.eye(3)
    u = np.linalg.cholesky(s, upper=True)
    return np.sum(u * u * u)


def cholesky_direct(s):
    return np.sum(np.sin(np.linalg.cholesky(s)))


def cholesky_upper_direct(s):
    return np.sum(np.sin(np.linalg.cholesky(s, upper=True)))


def gaussian_log_density(s, y):
    factor = np.linalg.cholesky(s)
    z = np.linalg.solve(factor, y)
    diagonal = np.diagonal(factor, axis1=-2, axis2=-1)
    return -0.5 * np.sum(z * z) - np.sum(np.log(diagonal))


def eigh_of_gram(x):
    s = x @ np.swapaxes(x, -1, -2) + 3.0 * np.diag(np.arange(1.0, 4.0))
    w, v = np.linalg.eigh(s)
    return np.sum(w * w) + np.sum(np.sin(v * v))


def eigh_direct(s):
    w, v = np.linalg.eigh(s)
    return np.sum(np.sin(w)) + np.sum(v * v * np.cos(w)[..., :, None])


def eigh_upper(s):
    w, v = np.linalg.eigh(s, UPLO="U")
    return np.sum(np.sin(w)) + np.sum((v * v) ** 2)


def eigh_values(s):
    return np.sum(np.linalg.eigh(s)[0] ** 3)


def eigh_vectors(s):
    v = np.linalg.eigh(s)[1]
    weights = np.arange(1.0, 4.0)
    return np.sum(weights @ (v * v) * weights)


def eigvalsh_direct(s):
    return np.sum(np.sin(np.linalg.eigvalsh(s)))


def eigvalsh_upper(s):
    w = np.linalg.eigvalsh(s, UPLO="U")
    return np.sum(w * w * w)


def distinct_spd(shape):
    """Symmetric positive definite, eigenvalues well apart."""
    return spd(shape) + 2.0 * np.diag(np.arange(shape[-1], dtype=float))


for _shape in [(3, 3), (2, 3, 3)]:
    _id = shape_id(_shape)
    row(f"cholesky_of_gram-{_id}", cholesky_of_gram, data(_shape), second_order=True)
    row(f"cholesky_upper_of_gram-{_id}", cholesky_upper_of_gram, data(_shape), ag=False)
    row(
        f"cholesky_direct-{_id}",
        cholesky_direct,
        spd(_shape),
        ag=False,
        second_order=True,
    )
    row(f"cholesky_upper_direct-{_id}", cholesky_upper_direct, spd(_shape), ag=False)
    row(
        f"gaussian_log_density-{_id}",
        gaussian_log_density,
        spd(_shape),
        data(_shape[:-1] + (2,)),
        wrt=(0, 1),
        ag=False,
        second_order=True,
    )
    row(f"eigh_of_gram-{_id}", eigh_of_gram, data(_shape), second_order=True)
    row(f"eigh_direct-{_id}", eigh_direct, distinct_spd(_shape), second_order=True)
    row(f"eigh_upper-{_id}", eigh_upper, distinct_spd(_shape))
    row(f"eigh_values-{_id}", eigh_values, distinct_spd(_shape))
    row(f"eigh_vectors-{_id}", eigh_vectors, distinct_spd(_shape), second_order=True)
    row(
        f"eigvalsh_direct-{_id}",
        eigvalsh_direct,
        distinct_spd(_shape),
        ag=False,
        second_order=True,
    )
    row(f"eigvalsh_upper-{_id}", eigvalsh_upper, distinct_spd(_shape), ag=False)
row("cholesky_direct-(2,2)", cholesky_direct, spd((2, 2)), ag=False)
row("eigh_direct-(2,2)", eigh_direct, distinct_spd((2, 2)))

# ---- svd ------------------------------------------------------------------------


def nuclear_norm(a):
    return np.sum(np.linalg.svd(a, compute_uv=False))


def svd_values_indexed(a):
    s = np.linalg.svd(a)[1]
    return np.sum(s * s * s)


def svd_reduced(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin(s)) + np.sum((u * u) ** 2) + np.sum(np.cos(vh * vh))


def svd_projector(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    p = u[..., :, :1] @ np.swapaxes(u[..., :, :1], -1, -2)
    return np.sum(p * np.arange(1.0, p.shape[-1] + 1.0)) + np.sum(s)


def svd_hermitian(a):
    u, s, vh = np.linalg.svd(a, hermitian=True)
    return np.sum(s * s * s) + np.sum(np.sin(u * u))


def distinct_rectangular(shape):
    """A matrix with well-separated, non-zero singular values."""
    k = min(shape[-2:])
    u = np.linalg.qr(data(shape[:-2] + (shape[-2], shape[-2])))[0][..., :, :k]
    v = np.linalg.qr(data(shape[:-2] + (shape[-1], shape[-1])))[0][..., :, :k]
    s = np.arange(1.0, k + 1.0) + RNG.uniform(0.0, 0.3, shape[:-2] + (k,))
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


for _shape in RECTANGULAR:
    _id = shape_id(_shape)
    row(
        f"nuclear_norm-{_id}",
        nuclear_norm,
        distinct_rectangular(_shape),
        second_order=True,
    )
    row(
        f"svd_values_indexed-{_id}",
        svd_values_indexed,
        distinct_rectangular(_shape),
        ag=False,
        forward=_shape[-1] == _shape[-2],
    )
    row(
        f"svd_reduced-{_id}",
        svd_reduced,
        distinct_rectangular(_shape),
        second_order=True,
    )
    row(f"svd_projector-{_id}", svd_projector, distinct_rectangular(_shape), ag=False)
for _shape in [(3, 3), (2, 3, 3)]:
    row(
        f"svd_hermitian-{shape_id(_shape)}",
        svd_hermitian,
        distinct_spd(_shape),
        ag=False,
        second_order=True,
    )

# ---- qr ---------------------------------------------------------------------------


def qr_factors(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q)) + np.sum(r * r * r)


def qr_r_only(a):
    r = np.linalg.qr(a, mode="r")
    return np.sum(np.sin(r))


def qr_q_only(a):
    return np.sum(np.linalg.qr(a)[0] ** 3)


for _shape in [(3, 3), (4, 2), (4, 3), (2, 4, 3)]:
    _id = shape_id(_shape)
    _a = distinct_rectangular(_shape)
    row(f"qr_factors-{_id}", qr_factors, _a, ag=False, second_order=True)
    row(f"qr_r_only-{_id}", qr_r_only, _a, ag=False, second_order=True)
    row(f"qr_q_only-{_id}", qr_q_only, _a, ag=False)

# ---- pinv, lstsq ----------------------------------------------------------------------


def linalg_pinv(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def pinv_hermitian(s):
    return np.sum(np.sin(np.linalg.pinv(s, hermitian=True)))


def lstsq_solution(a, b):
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    return np.sum(x * x)


def lstsq_all(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + np.sum(residuals) + np.sum(s * s * s) + 0.0 * rank


def lstsq_residuals(a, b):
    return np.sum(np.linalg.lstsq(a, b, rcond=None)[1])


for _shape in RECTANGULAR:
    row(
        f"linalg_pinv-{shape_id(_shape)}",
        linalg_pinv,
        distinct_rectangular(_shape),
        second_order=True,
    )
for _shape in [(3, 3), (2, 3, 3)]:
    row(
        f"pinv_hermitian-{shape_id(_shape)}",
        pinv_hermitian,
        distinct_spd(_shape),
        ag=False,
    )
for _sa, _sb in [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3,)), ((3, 3), (3, 2))]:
    _id = f"{shape_id(_sa)}x{shape_id(_sb)}"
    _a, _b = distinct_rectangular(_sa), data(_sb)
    row(
        f"lstsq_solution-{_id}",
        lstsq_solution,
        _a,
        _b,
        wrt=(0, 1),
        ag=False,
        second_order=True,
    )
    row(f"lstsq_all-{_id}", lstsq_all, _a, _b, wrt=(0, 1), ag=False, second_order=True)
    row(f"lstsq_residuals-{_id}", lstsq_residuals, _a, _b, wrt=(0, 1), ag=False)
