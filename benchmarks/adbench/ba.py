"""ADBench's bundle adjustment objective, in plain NumPy.

ADBench asks for the sparse Jacobian of the reprojection residuals; a
gradient tool needs a scalar, so the objective here is the sum of squares of
every residual (reprojection errors and weight errors), whose gradient is
J^T r. Cameras are rows of 11 numbers: Rodrigues rotation (0:3), center
(3:6), focal length (6), principal point (7:9), radial distortion (9:11).
Written vectorized over observations and as a loop over observations (the
ADBench per-observation functions, with their ``if`` on the rotation angle).
"""

from __future__ import annotations

import numpy as np

# --- vectorized over observations ---------------------------------------------


def rodrigues_rotate_points(rot, x):
    sqtheta = np.sum(rot**2, axis=1)
    theta = np.sqrt(sqtheta)
    costheta = np.cos(theta)[:, None]
    sintheta = np.sin(theta)[:, None]
    w = rot / theta[:, None]
    w_cross_x = np.cross(w, x)
    tmp = np.sum(w * x, axis=1)[:, None] * (1.0 - costheta)
    return x * costheta + w_cross_x * sintheta + w * tmp


def project_points(cams, x):
    xcam = rodrigues_rotate_points(cams[:, 0:3], x - cams[:, 3:6])
    proj = xcam[:, 0:2] / xcam[:, 2:3]
    rsq = np.sum(proj**2, axis=1)[:, None]
    distortion = 1.0 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq
    return proj * distortion * cams[:, 6:7] + cams[:, 7:9]


def ba_objective(cams, x, w, obs, feats):
    reproj = w[:, None] * (project_points(cams[obs[:, 0]], x[obs[:, 1]]) - feats)
    w_err = 1.0 - w**2
    return np.sum(reproj**2) + np.sum(w_err**2)


# --- as a loop over observations (ADBench's per-observation functions) ---------


def rodrigues_rotate_point(rot, x):
    sqtheta = np.sum(rot**2)
    if sqtheta != 0.0:
        theta = np.sqrt(sqtheta)
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        w = rot / theta
        w_cross_x = np.cross(w, x)
        tmp = np.dot(w, x) * (1.0 - costheta)
        return x * costheta + w_cross_x * sintheta + w * tmp
    else:
        return x + np.cross(rot, x)


def radial_distort(rad_params, proj):
    rsq = np.sum(proj**2)
    return proj * (1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq)


def project(cam, x):
    xcam = rodrigues_rotate_point(cam[0:3], x - cam[3:6])
    distorted = radial_distort(cam[9:11], xcam[0:2] / xcam[2])
    return distorted * cam[6] + cam[7:9]


def ba_objective_loop(cams, x, w, obs, feats):
    total = 0.0
    for j in range(obs.shape[0]):
        reproj = w[j] * (project(cams[obs[j, 0]], x[obs[j, 1]]) - feats[j])
        w_err = 1.0 - w[j] ** 2
        total = total + np.sum(reproj**2) + w_err**2
    return total


def inputs(n, m, p, seed=0):
    """(cams, x, w, obs, feats): n cameras, m points, p observations (camera
    j % n sees point j % m, as GradBench's generated inputs)."""
    rng = np.random.default_rng(seed)
    cams = np.empty((n, 11))
    cams[:, 0:3] = 0.2 * rng.standard_normal((n, 3))
    cams[:, 3:6] = rng.standard_normal((n, 3))
    cams[:, 6] = 1.0 + 0.1 * rng.random(n)
    cams[:, 7:9] = 0.1 * rng.standard_normal((n, 2))
    cams[:, 9:11] = 0.01 * rng.standard_normal((n, 2))
    x = rng.standard_normal((m, 3))
    x[:, 2] += 10.0  # in front of the cameras
    w = 1.0 + 0.1 * rng.standard_normal(p)
    j = np.arange(p)
    obs = np.stack((j % n, j % m), axis=1)
    feats = 0.2 * rng.standard_normal((p, 2))
    return cams, x, w, obs, feats
