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

from ._checks import as_float_array, check_finite, check_ndim, check_positive_int, check_rng
from .layers import takes_input_grad
from .losses import binary_cross_entropy, softmax_cross_entropy

__all__ = ["minibatches", "fit", "History", "DivergenceWarning", "accuracy", "evaluate"]


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
    batch_size = check_positive_int(batch_size, "batch_size")
    check_rng(rng)
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


_CLASSIFICATION_LOSSES = (softmax_cross_entropy, binary_cross_entropy)


def evaluate(model, loss, X, y):
    """``(loss, accuracy or None)`` of ``model`` on ``(X, y)`` in evaluation mode."""
    out = model.predict(X) if hasattr(model, "predict") else model.forward(X)
    value, _ = loss(out, y)
    acc = accuracy(out, y) if loss in _CLASSIFICATION_LOSSES else None
    return float(value), acc


def _check_data(X, y, name):
    X = as_float_array(X, f"{name} X")
    check_ndim(X, 2, f"{name} X", "with one example per row, shape (N, D)")
    check_finite(X, f"{name} X")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} rows but y has {len(y)} entries")
    if np.issubdtype(y.dtype, np.number):
        check_finite(y, f"{name} y")
    return X, y


def _in_notebook():
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def fit(model, loss, optimizer, X, y, *, epochs, batch_size, rng, val=None, callback=None, progress=None):
    """Train ``model`` with ``optimizer`` on ``loss`` and return a :class:`History`.

    ``X``: ``(N, D)``; ``y``: ``(N,)`` or ``(N, K)``, whatever ``loss`` takes.
    ``batch_size = N`` is full-batch gradient descent, ``1`` is single-example SGD.
    ``rng`` shuffles the data each epoch. ``val = (X_val, y_val)`` is evaluated
    after each epoch. ``callback(epoch, history, model)`` runs after each epoch;
    returning ``True`` stops training (early stopping). ``progress``: ``None``
    shows a progress bar only in a notebook and only once a run passes 2 s.
    Each step is ``forward``, ``loss``, ``backward`` and ``optimizer.step()``; the
    backward pass skips the unused gradient with respect to ``X`` when the model
    allows it (``backward(dout, input_grad=False)``).

    If the loss becomes NaN or infinite the fit stops: the weights go back to
    their values at the start of that epoch (finite), ``history.diverged`` is set
    and a :class:`DivergenceWarning` names the epoch.
    """
    X, y = _check_data(X, y, "fit")
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise ValueError("fit: val must be a pair (X_val, y_val)")
        X_val, y_val = _check_data(*val, "fit val")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    check_rng(rng)
    params = model.parameters()
    # Nobody needs dC/dX of the data: labs' own models can skip computing it.
    backward_kwargs = {"input_grad": False} if takes_input_grad(model) else {}
    classify = loss in _CLASSIFICATION_LOSSES
    history = History()
    want_bar = _in_notebook() if progress is None else bool(progress)
    patience = 2.0 if progress is None else 0.0  # seconds of training before a bar appears
    bar = None
    start = time.perf_counter()
    if hasattr(model, "train"):
        model.train()

    for epoch in range(1, epochs + 1):
        snapshot = [p.value.copy() for p in params]
        total, correct, seen, blew_up = 0.0, 0, 0, False
        with np.errstate(over="ignore", invalid="ignore"):
            for Xb, yb in minibatches(X, y, batch_size, rng):
                out = model.forward(Xb)
                value, dout = loss(out, yb)
                if not np.isfinite(value):
                    blew_up = True
                    break
                model.backward(dout, **backward_kwargs)
                optimizer.step()
                total += value * len(Xb)
                seen += len(Xb)
                if classify:
                    correct += accuracy(out, yb) * len(Xb)
            blew_up = blew_up or not all(np.all(np.isfinite(p.value)) for p in params)
        if blew_up:
            for p, old in zip(params, snapshot):
                p.value[...] = old
            history.diverged, history.diverged_epoch = True, epoch
            lr = getattr(optimizer, "lr", None)
            warnings.warn(
                f"training diverged in epoch {epoch}: the loss became NaN or infinite. "
                f"The weights were reset to their values at the start of epoch {epoch}. "
                f"Try a smaller learning rate{f' than lr={lr:g}' if lr is not None else ''}.",
                DivergenceWarning,
                stacklevel=2,
            )
            break
        history.train_loss.append(total / seen)
        if classify:
            history.train_acc.append(correct / seen)
        if val is not None:
            v_loss, v_acc = evaluate(model, loss, X_val, y_val)
            history.val_loss.append(v_loss)
            if v_acc is not None:
                history.val_acc.append(v_acc)
        history.seconds.append(time.perf_counter() - start)
        if want_bar:
            # Made only once a run is long: a notebook bar is a widget, costly for short fits.
            if bar is None and history.seconds[-1] >= patience:
                bar = tqdm(total=epochs, initial=epoch, desc="epochs", leave=False)
            elif bar is not None:
                bar.update(1)
            if bar is not None:
                bar.set_postfix(loss=f"{history.train_loss[-1]:.4g}")
        if callback is not None and callback(epoch, history, model):
            break
    if bar is not None:
        bar.close()
    return history
