"""Validators shared by the public functions of ``labs``.

Each ``require_*`` function raises on bad input and otherwise returns the
validated value: a ``ValueError``/``TypeError`` that names the argument, what
was expected and what came, instead of a numpy broadcasting traceback from
deep inside a computation. (Words used across ``labs``: a *validator*
``require_*`` raises; a *checker* such as :func:`labs.gradcheck.check_layer`
returns the errors it measured; a *self-check* in :mod:`labs.selfcheck`
prints a verdict for a reader.)
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


def require_ndim(x, ndim, name, what):
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {what}, got shape {x.shape}")


def require_finite(x, name):
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or standardise the data first")


def require_positive_int(value, name, minimum=1):
    """An integer ``>= minimum`` (not a bool), returned as a Python ``int``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def require_rng(rng, name="rng"):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy Generator, e.g. np.random.default_rng(0), got {type(rng).__name__}"
        )
    return rng


def require_labels(y, name="y", *, n=None, n_classes=None):
    """Integer class labels of shape ``(N,)``, in ``[0, n_classes)`` (or ``>= 0`` when ``n_classes`` is None).

    ``n``: the number of rows the labels belong to, when known. Whole numbers
    stored as floats are accepted and cast to ``int64``.
    """
    y = np.asarray(y)
    if y.ndim != 1 or (n is not None and len(y) != n):
        want = f"({n},), one label per row of X" if n is not None else "(N,)"
        raise ValueError(f"{name} must be 1-D integer labels of shape {want}, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or (n_classes is not None and y.max() >= n_classes)):
        allowed = f"[0, {n_classes}) for {n_classes} classes" if n_classes is not None else "0, 1, 2, ..."
        raise ValueError(f"{name} must hold labels in {allowed}, got values from {y.min()} to {y.max()}")
    return y


def require_limits(lim, name):
    """A pair ``(low, high)`` of finite numbers with ``low < high``, as a float array ``(2,)``."""
    lim = np.asarray(lim, dtype=float)
    if lim.shape != (2,) or not np.all(np.isfinite(lim)) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got {lim.tolist()}")
    return lim


def require_points(a, name, shape_text="(k, 2)"):
    """A non-empty float array of 2-D points, shape ``(k, 2)``."""
    a = as_float_array(a, name)
    if a.ndim != 2 or a.shape[1] != 2 or len(a) == 0:
        raise ValueError(f"{name} must have shape {shape_text}, got shape {a.shape}")
    return a
