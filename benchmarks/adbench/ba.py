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


def ba_grad_by_hand(cams, x, w, obs, feats):
    """Gradient of ``ba_objective`` wrt (cams, x, w): J^T r written out."""
    cam = cams[obs[:, 0]]
    rot, f, k1, k2 = cam[:, 0:3], cam[:, 6:7], cam[:, 9:10], cam[:, 10:11]
    xc = x[obs[:, 1]] - cam[:, 3:6]
    theta = np.sqrt(np.sum(rot**2, axis=1))[:, None]
    unit = rot / theta
    cos, sin = np.cos(theta), np.sin(theta)
    cross = np.cross(unit, xc)
    dot = np.sum(unit * xc, axis=1)[:, None]
    xcam = xc * cos + cross * sin + unit * dot * (1.0 - cos)
    proj = xcam[:, 0:2] / xcam[:, 2:3]
    rsq = np.sum(proj**2, axis=1)[:, None]
    distortion = 1.0 + k1 * rsq + k2 * rsq * rsq
    residual = proj * distortion * f + cam[:, 7:9] - feats
    reproj = w[:, None] * residual
    # backward
    dw = np.sum(2.0 * reproj * residual, axis=1) - 4.0 * w * (1.0 - w**2)
    dpred = 2.0 * reproj * w[:, None]
    dcam = np.zeros((obs.shape[0], 11))
    dcam[:, 7:9] = dpred
    dcam[:, 6] = np.sum(dpred * proj * distortion, axis=1)
    ddistorted = dpred * f
    ddistortion = np.sum(ddistorted * proj, axis=1)[:, None]
    dcam[:, 9:10] = ddistortion * rsq
    dcam[:, 10:11] = ddistortion * rsq * rsq
    dproj = ddistorted * distortion + 2.0 * proj * ddistortion * (k1 + 2.0 * k2 * rsq)
    dxcam = (
        np.concatenate((dproj, -np.sum(dproj * proj, axis=1)[:, None]), axis=1)
        / xcam[:, 2:3]
    )
    dtmp = np.sum(dxcam * unit, axis=1)[:, None]
    ddot = dtmp * (1.0 - cos)
    dxc = dxcam * cos + np.cross(dxcam * sin, unit) + ddot * unit
    dunit = dxcam * dot * (1.0 - cos) + np.cross(xc, dxcam * sin) + ddot * xc
    dcos = np.sum(dxcam * xc, axis=1)[:, None] - dtmp * dot
    dsin = np.sum(dxcam * cross, axis=1)[:, None]
    dtheta = -sin * dcos + cos * dsin - np.sum(dunit * rot, axis=1)[:, None] / theta**2
    dcam[:, 0:3] = dunit / theta + dtheta * rot / theta
    dcam[:, 3:6] = -dxc
    dcams = np.zeros_like(cams)
    np.add.at(dcams, obs[:, 0], dcam)
    dx = np.zeros_like(x)
    np.add.at(dx, obs[:, 1], dxc)
    return dcams, dx, dw


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
