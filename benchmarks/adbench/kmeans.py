"""GradBench's "kmeans": the k-means cost of ``points`` (n, d) for
``centroids`` (k, d), the sum over points of the squared distance to the
nearest centroid. The evaluation asks for the Newton direction
grad / (Hessian times ones) wrt the centroids (the Hessian is diagonal).
Written vectorized (as GradBench's JAX and PyTorch tools) and as a loop over
points. The hand-written direction is GradBench's manual one: each centroid
minus the mean of its cluster.
"""

from __future__ import annotations

import numpy as np


def kmeans_cost(points, centroids):
    a_sqr = np.sum(points**2, axis=1)[None, :]
    b_sqr = np.sum(centroids**2, axis=1)[:, None]
    dists = a_sqr + b_sqr - 2 * (centroids @ points.T)
    return np.sum(np.min(dists, axis=0))


def kmeans_cost_loop(points, centroids):
    total = 0.0
    for i in range(points.shape[0]):
        dists = np.sum((centroids - points[i]) ** 2, axis=1)
        total = total + np.min(dists)
    return total


def kmeans_dir_by_hand(points, centroids):
    dists = np.sum(centroids**2, axis=1)[:, None] - 2 * (centroids @ points.T)
    closest = np.argmin(dists, axis=0)
    k, d = centroids.shape
    sizes = np.bincount(closest, minlength=k)
    sums = np.zeros((k, d))
    np.add.at(sums, closest, points)
    return centroids - sums / sizes[:, None]


def kmeans_dir_loop_by_hand(points, centroids):
    k, d = centroids.shape
    sizes = np.zeros(k)
    sums = np.zeros((k, d))
    for i in range(points.shape[0]):
        j = np.argmin(np.sum((centroids - points[i]) ** 2, axis=1))
        sizes[j] += 1
        sums[j] += points[i]
    return centroids - sums / sizes[:, None]


def inputs(k, n, d, seed=0):
    """GradBench's data: uniform points; the centroids are the last k points,
    so that every cluster is nonempty."""
    points = np.random.default_rng(seed).random((n, d))
    return points, points[-k:].copy()
