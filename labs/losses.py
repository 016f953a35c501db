"""Losses and the softmax.

Every loss takes the network's output for a batch of ``N`` examples and the
targets, and returns ``(C, dC/dpred)``: the cost *averaged over the batch* and its
gradient with respect to the output, of the output's shape. The ``1/N`` of the
average is inside the gradient, so ``backward`` never divides by ``N`` again.

Classification losses take *logits* (the output of the last ``Linear`` layer)
and apply the sigmoid or softmax themselves: fused, the gradient is the simple
``prediction - target`` and nothing overflows for logits as large as 1e4.
"""

import numpy as np
from scipy.special import expit

from ._checks import require_labels

__all__ = ["mse", "binary_cross_entropy", "softmax", "log_softmax", "softmax_cross_entropy", "one_hot"]


def _as_2d_pair(pred, y, who):
    """Return ``pred`` and ``y`` with the same shape, refusing silent broadcasting."""
    pred = np.asarray(pred)
    y = np.asarray(y, dtype=pred.dtype if np.issubdtype(pred.dtype, np.floating) else np.float64)
    if pred.ndim == 2 and pred.shape[1] == 1 and y.shape == (pred.shape[0],):
        y = y.reshape(-1, 1)  # a column of predictions against a vector of targets
    if pred.shape != y.shape:
        raise ValueError(f"{who}: predictions have shape {pred.shape} but targets have shape {y.shape}; must match")
    if pred.ndim not in (1, 2) or pred.shape[0] == 0:
        raise ValueError(f"{who}: expected a non-empty batch of shape (N,) or (N, K), got {pred.shape}")
    return pred, y


def mse(pred, y):
    """Mean squared error ``C = 1/(2N) sum_n ||pred_n - y_n||^2``.

    ``pred`` and ``y``: shape ``(N,)`` or ``(N, K)``; ``y`` of shape ``(N,)`` is
    accepted against ``pred`` of shape ``(N, 1)``.
    Returns ``(C, dC/dpred)`` with ``dC/dpred = (pred - y) / N``.
    """
    pred, y = _as_2d_pair(pred, y, "mse")
    n = pred.shape[0]
    err = pred - y
    return 0.5 * np.sum(err * err) / n, err / n


def binary_cross_entropy(logits, y):
    """Binary cross-entropy of ``a = sigmoid(z)`` computed from the logits ``z``.

    ``C = -1/N sum_n [y_n log a_n + (1 - y_n) log(1 - a_n)]``, evaluated as
    ``1/N sum_n [log(1 + exp(z_n)) - y_n z_n]`` (no overflow, no ``log 0``).
    ``logits`` and ``y``: shape ``(N,)`` or ``(N, 1)``; ``y`` in ``[0, 1]``.
    Returns ``(C, dC/dz)`` with ``dC/dz = (sigmoid(z) - y) / N``.
    """
    z, y = _as_2d_pair(logits, y, "binary_cross_entropy")
    if z.ndim == 2 and z.shape[1] != 1:
        raise ValueError(f"binary_cross_entropy: expected one logit per example, shape (N,) or (N, 1), got {z.shape}")
    if not np.all((y >= 0) & (y <= 1)):  # written this way so that NaN fails too
        raise ValueError("binary_cross_entropy: targets y must lie in [0, 1] (class labels 0 and 1)")
    n = z.shape[0]
    loss = np.sum(np.logaddexp(0.0, z) - y * z) / n
    return loss, (expit(z) - y) / n


def softmax(z):
    """``softmax(z)_k = exp(z_k) / sum_j exp(z_j)`` along the last axis.

    The maximum is subtracted first (the result does not change), so no
    ``exp`` overflows. ``z``: shape ``(N, C)`` or ``(C,)``; same shape out.
    """
    z = np.asarray(z)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z):
    """``log softmax(z)_k = z_k - logsumexp(z)``, computed with the max subtracted.

    ``z``: shape ``(N, C)`` or ``(C,)``; same shape out.
    """
    z = np.asarray(z)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def one_hot(y, n_classes):
    """Integer labels ``(N,)`` in ``[0, n_classes)`` to a ``(N, n_classes)`` 0/1 matrix."""
    y = require_labels(y, n_classes=n_classes)
    out = np.zeros((y.shape[0], n_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


def softmax_cross_entropy(logits, y):
    """Softmax followed by cross-entropy, fused.

    ``C = -1/N sum_n log softmax(z_n)_{y_n}``. ``logits``: ``(N, C)``; ``y``: integer
    labels ``(N,)`` in ``[0, C)``, or one-hot rows ``(N, C)``.
    Returns ``(C, dC/dz)`` with ``dC/dz = (softmax(z) - onehot(y)) / N``.
    """
    z = np.asarray(logits)
    if z.ndim != 2 or z.shape[0] == 0:
        raise ValueError(f"softmax_cross_entropy: logits must have shape (N, C), got {z.shape}")
    n, n_classes = z.shape
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape != z.shape:
            raise ValueError(f"softmax_cross_entropy: one-hot targets have shape {y.shape}, logits {z.shape}")
        labels = np.argmax(y, axis=1)
        if not np.array_equal(y, one_hot(labels, n_classes)):
            raise ValueError("softmax_cross_entropy: 2-D targets must be one-hot rows (a single 1 in each row)")
        y = labels
    elif y.shape != (n,):
        raise ValueError(f"softmax_cross_entropy: expected {n} labels of shape ({n},), got shape {y.shape}")
    y = require_labels(y, n_classes=n_classes)
    logp = log_softmax(z)
    loss = -np.sum(logp[np.arange(n), y]) / n
    dz = np.exp(logp)  # softmax(z), from the stable log
    dz[np.arange(n), y] -= 1.0
    dz /= n
    return loss, dz


# The losses of a classifier: fit and evaluate report accuracy for them unless told otherwise.
softmax_cross_entropy.classifies = True
binary_cross_entropy.classifies = True
