"""Mini-batches and the training loop.

One epoch: shuffle the training set, cut it into mini-batches, and for each
batch run forward, loss, backward and an optimiser step. :func:`fit` records
what happened in a :class:`History` and stops, with a warning, when the loss
stops being a finite number.
"""

import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ._checks import as_float_array, require_finite, require_ndim, require_positive_int, require_rng
from .layers import backward_params

__all__ = ["minibatches", "train_epoch", "fit", "History", "DivergenceWarning", "accuracy", "evaluate"]


class DivergenceWarning(RuntimeWarning):
    """The training loss became NaN or infinite, so :func:`fit` stopped."""


@dataclass
class History:
    """What :func:`fit` measured, one entry per completed epoch.

    ``train_loss``: the mean of the mini-batch losses over the epoch (weighted by
    batch size). ``train_acc``, ``val_acc``: fraction correct, for classification
    losses only (else empty). ``val_loss``: on ``val`` after the epoch, if given.
    ``seconds``: wall-clock time since the start of training at the end of each
    epoch. ``diverged``/``diverged_epoch``: set when the loss blew up.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    diverged: bool = False
    diverged_epoch: int | None = None

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.train_loss)


def minibatches(X, y, batch_size, rng):
    """Yield ``(X_batch, y_batch)`` over one epoch in a fresh random order.

    ``X``: ``(N, D)``; ``y``: ``(N, ...)``. Every example appears exactly once;
    the last batch holds the ``N % batch_size`` left over when that is not zero.
    """
    batch_size = require_positive_int(batch_size, "batch_size")
    require_rng(rng)
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"minibatches: X has {n} rows but y has {len(y)}")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def accuracy(logits, y):
    """Fraction of examples whose predicted class equals ``y``.

    ``logits``: ``(N, C)`` (class = argmax) or ``(N,)``/``(N, 1)`` for a binary
    classifier (class 1 when the logit is positive). ``y``: labels ``(N,)`` or
    one-hot rows ``(N, C)``.
    """
    logits = np.asarray(logits)
    if logits.ndim == 2 and logits.shape[1] > 1:
        predicted = np.argmax(logits, axis=1)
    else:
        predicted = (logits.reshape(-1) > 0).astype(int)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot rows
        y = np.argmax(y, axis=1)
    y = y.reshape(-1)
    if y.shape != predicted.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions but {y.shape[0]} labels")
    return float(np.mean(predicted == y))


def _metric(loss, wanted):
    """The per-batch score fit and evaluate record: :func:`accuracy`, or ``None``.

    ``wanted``: ``True``/``False``, or ``None`` for "when the loss is a
    classifier's" (``loss.classifies``, set on ``softmax_cross_entropy`` and
    ``binary_cross_entropy``).
    """
    if wanted is None:
        wanted = getattr(loss, "classifies", False)
    return accuracy if wanted else None


def evaluate(model, loss, X, y, *, accuracy=None):
    """``(loss, accuracy or None)`` of ``model`` on ``(X, y)`` in evaluation mode.

    ``accuracy``: ``True``/``False``; ``None`` (the default) reports it for a
    classifier's loss (``loss.classifies``).
    """
    out = model.predict(X) if hasattr(model, "predict") else model.forward(X)
    value, _ = loss(out, y)
    metric = _metric(loss, accuracy)
    return float(value), (metric(out, y) if metric is not None else None)


def train_epoch(model, loss, optimizer, X, y, batch_size, rng, metric=None):
    """One epoch of mini-batch gradient descent: the training loop of the book.

    For each mini-batch of ``(X (N, D), y)`` in a fresh random order: forward,
    loss, backward, one optimiser step. Returns ``(mean loss, mean metric)``
    over the epoch's examples (the metric, e.g. :func:`accuracy`, is ``None``
    when not asked for). A batch whose loss is NaN or infinite stops the epoch
    before its step, and that loss is returned.
    """
    total, score = 0.0, 0.0
    for Xb, yb in minibatches(X, y, batch_size, rng):
        out = model.forward(Xb)
        value, dout = loss(out, yb)
        if not np.isfinite(value):
            return value, None  # diverged: no step, the caller rolls the weights back
        backward_params(model, dout)  # model.backward(dout) minus the unused dC/dX of the data
        optimizer.step()
        total += value * len(Xb)
        if metric is not None:
            score += metric(out, yb) * len(Xb)
    return total / len(X), (score / len(X) if metric is not None else None)


def _require_data(X, y, name):
    X = as_float_array(X, f"{name} X")
    require_ndim(X, 2, f"{name} X", "with one example per row, shape (N, D)")
    require_finite(X, f"{name} X")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} rows but y has {len(y)} entries")
    if np.issubdtype(y.dtype, np.number):
        require_finite(y, f"{name} y")
    return X, y


def _require_val(val):
    """``val = (X_val, y_val)`` validated, or ``None``."""
    if val is None:
        return None
    if not (isinstance(val, (tuple, list)) and len(val) == 2):
        raise ValueError("fit: val must be a pair (X_val, y_val)")
    return _require_data(*val, "fit val")


def _in_notebook():
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class _ProgressBar:
    """fit's bar over the epochs, with the running loss.

    ``progress=None`` shows it only in a notebook and only once the run passes
    2 s (a notebook bar is a widget, costly for short fits); ``True`` always,
    ``False`` never.
    """

    def __init__(self, epochs, progress):
        self.epochs, self.bar = epochs, None
        self.wanted = _in_notebook() if progress is None else bool(progress)
        self.patience = 2.0 if progress is None else 0.0  # seconds of training before a bar appears

    def update(self, epoch, history):
        if not self.wanted:
            return
        if self.bar is None and history.seconds[-1] >= self.patience:
            self.bar = tqdm(total=self.epochs, initial=epoch, desc="epochs", leave=False)
        elif self.bar is not None:
            self.bar.update(1)
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{history.train_loss[-1]:.4g}")

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _diverged(train_loss, params):
    """Whether the epoch's loss or any weight stopped being a finite number."""
    return not np.isfinite(train_loss) or not all(np.all(np.isfinite(p.value)) for p in params)


def _roll_back(params, snapshot, history, epoch, optimizer):
    """Restore the weights of the start of ``epoch``, mark ``history`` and warn."""
    for p, old in zip(params, snapshot):
        p.value[...] = old
    history.diverged, history.diverged_epoch = True, epoch
    lr = getattr(optimizer, "lr", None)
    warnings.warn(
        f"training diverged in epoch {epoch}: the loss became NaN or infinite. "
        f"The weights were reset to their values at the start of epoch {epoch}. "
        f"Try a smaller learning rate{f' than lr={lr:g}' if lr is not None else ''}.",
        DivergenceWarning,
        stacklevel=3,  # the caller of fit
    )


def _record(history, train_loss, train_acc, val_result, seconds):
    """Append one epoch's numbers to ``history``."""
    history.train_loss.append(train_loss)
    if train_acc is not None:
        history.train_acc.append(train_acc)
    if val_result is not None:
        history.val_loss.append(val_result[0])
        if val_result[1] is not None:
            history.val_acc.append(val_result[1])
    history.seconds.append(seconds)


def fit(model, loss, optimizer, X, y, *, epochs, batch_size, rng, val=None, callback=None, progress=None,
        accuracy=None):
    """Train ``model`` with ``optimizer`` on ``loss``, one :func:`train_epoch` per epoch; return a :class:`History`.

    ``X``: ``(N, D)``; ``y``: ``(N,)`` or ``(N, K)``, whatever ``loss`` takes.
    ``batch_size = N`` is full-batch gradient descent, ``1`` is single-example SGD.
    ``rng`` shuffles the data each epoch. ``val = (X_val, y_val)`` is evaluated
    after each epoch. ``callback(epoch, history, model)`` runs after each epoch;
    returning ``True`` stops training (early stopping). ``progress``: ``None``
    shows a progress bar only in a notebook and only once a run passes 2 s.
    ``accuracy``: record the training (and validation) accuracy, ``True`` or
    ``False``; ``None`` records it for a classifier's loss (``loss.classifies``).

    If the loss becomes NaN or infinite the fit stops: the weights go back to
    their values at the start of that epoch (finite), ``history.diverged`` is set
    and a :class:`DivergenceWarning` names the epoch.
    """
    (X, y), val, rng = _require_data(X, y, "fit"), _require_val(val), require_rng(rng)
    epochs, batch_size = require_positive_int(epochs, "epochs"), require_positive_int(batch_size, "batch_size")
    params, metric = model.parameters(), _metric(loss, accuracy)
    history, bar, start = History(), _ProgressBar(epochs, progress), time.perf_counter()
    if hasattr(model, "train"):
        model.train()
    for epoch in range(1, epochs + 1):
        snapshot = [p.value.copy() for p in params]
        with np.errstate(over="ignore", invalid="ignore"):
            train_loss, train_acc = train_epoch(model, loss, optimizer, X, y, batch_size, rng, metric)
            if _diverged(train_loss, params):
                _roll_back(params, snapshot, history, epoch, optimizer)
                break
        val_result = evaluate(model, loss, *val, accuracy=metric is not None) if val is not None else None
        _record(history, train_loss, train_acc, val_result, time.perf_counter() - start)
        bar.update(epoch, history)
        if callback is not None and callback(epoch, history, model):
            break
    bar.close()
    return history
