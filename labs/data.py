"""Data sets: small synthetic ones for pictures, real ones that ship with packages.

Nothing here downloads anything. Every function that draws random numbers takes
an ``np.random.Generator``; none touches numpy's global seed (MNIST-1D's own
generator does, so :func:`mnist1d` saves and restores it).

Shapes: inputs ``X`` are ``(N, D)``, one example per row; regression targets
``y`` are ``(N,)`` floats; class labels ``y`` are ``(N,)`` integers in ``[0, C)``.
"""

import random

import numpy as np

from ._checks import as_float_array, require_ndim, require_positive_int, require_rng
from .costs import Quadratic, narrow_valley  # costs, not data; importable from here as before
from .losses import one_hot

__all__ = [
    "line", "sine", "separable", "xor", "xor_truth_table", "moons", "spirals",
    "Quadratic", "narrow_valley", "digits", "diabetes", "mnist1d",
    "train_test_split", "standardize", "one_hot",
]


# --- synthetic sets ---------------------------------------------------------

def line(n, rng, slope=2.0, intercept=-1.0, noise=0.5, xlim=(-2.0, 2.0)):
    """Points near a line: ``y = slope * x + intercept + noise * N(0, 1)``.

    Returns ``X (n, 1)`` uniform on ``xlim`` and ``y (n,)``.
    """
    n = require_positive_int(n, "n")
    require_rng(rng)
    x = rng.uniform(*xlim, size=n)
    return x.reshape(-1, 1), slope * x + intercept + noise * rng.standard_normal(n)


def sine(n, rng, noise=0.1, xlim=(-np.pi, np.pi)):
    """Noisy samples of ``sin(x)``: ``X (n, 1)`` uniform on ``xlim``, ``y (n,)``."""
    n = require_positive_int(n, "n")
    require_rng(rng)
    x = rng.uniform(*xlim, size=n)
    return x.reshape(-1, 1), np.sin(x) + noise * rng.standard_normal(n)


def separable(n, rng, margin=0.2):
    """Two classes split by the line ``x2 = 0.5 x1`` with a gap of ``margin`` around it.

    Returns ``X (n, 2)`` in ``[-1, 1]^2`` and labels ``y (n,)`` in ``{0, 1}``
    (1 above the line). A perceptron is guaranteed to converge on it.
    """
    n = require_positive_int(n, "n")
    require_rng(rng)
    X = np.empty((0, 2))
    while len(X) < n:  # rejection sampling: keep points outside the margin
        cand = rng.uniform(-1, 1, size=(2 * n, 2))
        dist = (cand[:, 1] - 0.5 * cand[:, 0]) / np.sqrt(1.25)
        X = np.vstack([X, cand[np.abs(dist) > margin / 2]])
    X = X[:n]
    return X, (X[:, 1] - 0.5 * X[:, 0] > 0).astype(np.int64)


def xor_truth_table():
    """The four XOR points: ``X (4, 2)`` = (0,0), (0,1), (1,0), (1,1); ``y = [0, 1, 1, 0]``."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def xor(n_per_corner, rng, noise=0.1):
    """Noisy clouds around the four XOR corners.

    Returns ``X (4 * n_per_corner, 2)`` and ``y (4 * n_per_corner,)`` in ``{0, 1}``.
    """
    n_per_corner = require_positive_int(n_per_corner, "n_per_corner")
    require_rng(rng)
    corners, labels = xor_truth_table()
    X = np.repeat(corners, n_per_corner, axis=0) + noise * rng.standard_normal((4 * n_per_corner, 2))
    return X, np.repeat(labels, n_per_corner)


def moons(n, rng, noise=0.1):
    """scikit-learn's two interleaving half circles: ``X (n, 2)``, ``y (n,)`` in ``{0, 1}``."""
    from sklearn.datasets import make_moons

    n = require_positive_int(n, "n")
    require_rng(rng)
    X, y = make_moons(n, noise=noise, random_state=int(rng.integers(2**31)))
    return X, y.astype(np.int64)


def spirals(n_per_class, rng, n_classes=3, noise=0.2):
    """Interleaved spiral arms, one per class (the CS231n toy problem).

    Returns ``X (n_per_class * n_classes, 2)`` and ``y`` in ``[0, n_classes)``.
    No linear classifier separates them.
    """
    n_per_class = require_positive_int(n_per_class, "n_per_class")
    n_classes = require_positive_int(n_classes, "n_classes")
    require_rng(rng)
    r = np.tile(np.linspace(0.05, 1.0, n_per_class), n_classes)
    k = np.repeat(np.arange(n_classes), n_per_class)
    theta = 4.0 * r + 2 * np.pi * k / n_classes + noise * rng.standard_normal(r.size)
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)]), k.astype(np.int64)


# --- real data that ships with packages ---------------------------------------

def digits():
    """scikit-learn's 8x8 handwritten digits (1,797 images, shipped with the package).

    Returns ``X (1797, 64)`` float64 pixel intensities in ``[0, 16]`` (row-major
    8x8 images) and ``y (1797,)`` labels in ``[0, 10)``.
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def diabetes():
    """scikit-learn's diabetes regression set (442 patients, shipped with the package).

    Returns ``X (442, 10)`` (age, sex, BMI, blood pressure and six blood serum
    measurements, each centred and scaled by scikit-learn) and ``y (442,)``, a
    measure of disease progression one year later.
    """
    from sklearn.datasets import load_diabetes

    d = load_diabetes()
    return d.data.astype(np.float64), d.target.astype(np.float64)


def mnist1d(num_samples=5000, seed=42):
    """MNIST-1D (Greydanus, 2020), generated locally by the ``mnist1d`` package.

    Ten 1-D "digit" templates, each shifted, scaled, sheared and noised into a
    signal of length 40. ``num_samples=5000, seed=42`` is the published set.
    Returns ``(X_train, X_test, y_train, y_test)`` with ``X (N, 40)`` and labels
    ``(N,)`` in ``[0, 10)``, split 80/20.

    ``make_dataset`` builds the data procedurally (no network). It seeds numpy's
    and Python's global generators; we restore both afterwards.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    num_samples = require_positive_int(num_samples, "num_samples")
    if num_samples < 10:
        raise ValueError(f"mnist1d: num_samples must be at least 10 (one per class), got {num_samples}")
    args = get_dataset_args()
    args.num_samples, args.seed = num_samples, int(seed)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (restored below)
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002 (undo make_dataset's global seeding)
        random.setstate(py_state)
    return (d["x"].astype(np.float64), d["x_test"].astype(np.float64),
            d["y"].astype(np.int64), d["y_test"].astype(np.int64))


# --- helpers ------------------------------------------------------------------

def train_test_split(X, y, rng, test_fraction=0.2, stratify=False):
    """Random split into ``(X_train, X_test, y_train, y_test)``.

    With ``stratify=True`` (integer labels or one-hot rows) every class is split
    in the same proportion, so both parts keep the class balance.
    """
    require_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be in (0, 1), got {test_fraction!r}")
    labels = np.argmax(y, axis=1) if (stratify and y.ndim == 2) else y  # one-hot rows -> labels
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)] if stratify else [np.arange(len(y))]
    test = []
    for idx in groups:
        idx = rng.permutation(idx)
        test.extend(idx[: int(round(test_fraction * len(idx)))])
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test] = True
    train_idx, test_idx = rng.permutation(np.flatnonzero(~is_test)), rng.permutation(np.flatnonzero(is_test))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train, *others, return_stats=False, min_std=0.0):
    """Scale each column to mean 0 and standard deviation 1, using the training set's statistics.

    ``X_train (N, D)`` gives ``mean`` and ``std`` (shape ``(D,)``); the same shift
    and scale go to every array in ``others`` (test data must not leak into the
    statistics). Constant columns (std 0) are only centred. ``min_std``: a floor
    on the scale, ``std_j <- max(std_j, min_std)``, so that a column that barely
    varies in training (a pixel inked in a few images) is not blown up into huge
    values; the default 0 divides every varying column by its own std. Returns
    the scaled arrays, plus ``(mean, std)`` (the scale actually used) when
    ``return_stats``.
    """
    X_train = as_float_array(X_train, "X_train")
    require_ndim(X_train, 2, "X_train", "with one example per row, shape (N, D)")
    if not min_std >= 0:
        raise ValueError(f"standardize: min_std must be >= 0, got {min_std!r}")
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.maximum(std, min_std) if min_std > 0 else np.where(std > 0, std, 1.0)
    scaled = []
    for i, X in enumerate((X_train, *others)):
        X = as_float_array(X, f"array {i}")
        if X.ndim != 2 or X.shape[1] != X_train.shape[1]:
            raise ValueError(f"standardize: array {i} has shape {X.shape}, expected (M, {X_train.shape[1]})")
        scaled.append((X - mean) / std)
    return (*scaled, (mean, std)) if return_stats else tuple(scaled)
