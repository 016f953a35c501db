"""Input checks shared by the public functions of ``labs``.

They turn a wrong shape, dtype or value into a ``ValueError``/``TypeError`` that
names the argument, what was expected and what came, instead of a numpy
broadcasting traceback from deep inside a computation.
"""

import numpy as np


def as_float_array(x, name):
    """Return ``x`` as a floating-point ndarray (float64 unless already floating)."""
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return x
    try:
        arr = np.asarray(x)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of numbers, got an array of dtype {arr.dtype}")
    return arr.astype(np.float64)


def check_ndim(x, ndim, name, what):
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {what}, got shape {x.shape}")


def check_finite(x, name):
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or standardise the data first")


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_rng(rng, name="rng"):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy Generator, e.g. np.random.default_rng(0), got {type(rng).__name__}"
        )
    return rng


def check_labels(y, n_classes, name="y"):
    """Integer class labels of shape (N,) in [0, n_classes)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D integer labels of shape (N,), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{name} must hold labels in [0, {n_classes}) for {n_classes} classes, "
            f"got values from {y.min()} to {y.max()}"
        )
    return y
