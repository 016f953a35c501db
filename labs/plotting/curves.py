"""Training curves: the loss per epoch of one or several runs, and one number per layer (chapter 7)."""


import numpy as np
from matplotlib.ticker import MaxNLocator

from .._checks import as_float_array, require_limits
from ..train import History
from .style import _CYCLE, _MARKERS, COLORS, _axes

__all__ = ["loss_curves", "layer_stats"]


def _as_run(run, name):
    """A History, or a 1-D array of losses wrapped as one, so both draw the same way."""
    if isinstance(run, History):
        return run
    try:
        losses = as_float_array(run, name)
    except TypeError as err:
        raise TypeError(f"{name} must be a labs.train.History or a 1-D array of losses") from err
    if losses.ndim != 1:
        raise ValueError(f"{name} must be a History or a 1-D array of losses, got an array of shape {losses.shape}")
    return History(train_loss=list(losses))


def loss_curves(history, ax=None, x="epoch", log=True, label=None):
    """Training (solid) and validation (dashed, same colour) loss per epoch.

    ``history``: a :class:`~labs.train.History`, a 1-D array of losses ``(E,)``,
    or a dict ``{label: History or (E,) array}`` to compare runs.
    ``x``: ``"epoch"`` (1, 2, ...) or ``"seconds"`` (wall-clock time, ``History.seconds``).
    ``log``: logarithmic loss axis. ``label``: the name of a single run.
    A run that diverged gets a dotted vertical line marked "diverged".
    """
    if x not in ("epoch", "seconds"):
        raise ValueError(f'x must be "epoch" or "seconds", got {x!r}')
    if isinstance(history, dict):
        if not history:
            raise ValueError("history is an empty dict; give at least one run")
        runs = {str(k): _as_run(v, f"history[{k!r}]") for k, v in history.items()}
    else:
        runs = {label: _as_run(history, "history")}
    ax = _axes(ax)
    for name, run in runs.items():
        _draw_run(ax, run, name, x)
    ax.set_xlabel("time (s)" if x == "seconds" else "epoch")
    ax.set_ylabel("loss")
    if any(run.diverged for run in runs.values()):
        _clip_diverged(ax, runs, log)  # before the log scale, whose autoscaling overflows on 1e300
    if log:
        ax.set_yscale("log")
    if x == "epoch":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(ax.get_legend_handles_labels()[1]) > 1:
        ax.legend()
    return ax


def _clip_diverged(ax, runs, log):
    """Cut the view off a little above where the runs started.

    The last losses before a divergence can be as large as 1e300; left to
    autoscaling they squash every other curve into a flat line at the bottom
    (and overflow the log axis). Healthy runs keep the view: 100 times (log) or
    1.5 times (linear) their largest first loss; diverged runs alone get 1e6 times (log).
    """
    losses = np.concatenate([np.r_[r.train_loss, r.val_loss] for r in runs.values()])
    losses = losses[np.isfinite(losses) & ((losses > 0) if log else True)]
    healthy = [r.train_loss[0] for r in runs.values() if r.train_loss and not r.diverged]
    started = [r.train_loss[0] for r in runs.values() if r.train_loss]
    if losses.size == 0 or not started or not (healthy or log):
        return
    if healthy:
        top = max(healthy) * (100 if log else 1.5)
    else:
        top = min(started) * 1e6
    if losses.max() > top:
        bottom = losses.min() / 2 if log else min(0.0, losses.min())
        ax.set_ylim(bottom, top)


def _draw_run(ax, run, name, x):
    if x == "seconds":
        if len(run.seconds) != len(run.train_loss):
            raise ValueError(
                f'x="seconds" needs history.seconds for every epoch; run {name!r} has '
                f"{len(run.seconds)} times for {len(run.train_loss)} losses"
            )
        t = np.asarray(run.seconds, dtype=float)
    else:
        t = np.arange(1, len(run.train_loss) + 1)
    has_val = len(run.val_loss) > 0
    train_label = name if name is not None else ("train" if has_val else None)
    if has_val and name is not None:
        train_label = f"{name} (train)"
    (line,) = ax.plot(t, run.train_loss, label=train_label)
    if has_val:
        if len(run.val_loss) != len(t):
            raise ValueError(
                f"history: run {name!r} has {len(run.val_loss)} validation losses for {len(t)} epochs"
            )
        val_label = "validation" if name is None else f"{name} (validation)"
        ax.plot(t, run.val_loss, "--", color=line.get_color(), label=val_label)
    if run.diverged:
        # Divergence happens during epoch `diverged_epoch`, after the last recorded loss.
        if x == "seconds":
            where = t[-1] if len(t) else 0.0
        else:
            where = run.diverged_epoch if run.diverged_epoch is not None else len(t) + 1
        ax.axvline(where, color=line.get_color(), linestyle=":", linewidth=1.5)
        ax.annotate("diverged", xy=(where, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-3, -3), textcoords="offset points", rotation=90,
                    ha="right", va="top", color=line.get_color())


def layer_stats(values, ax=None, band=None, ylim=None, ylabel="standard deviation", xlabel="layer $l$"):
    """One number per layer (for example the std of the activations a^l), on a log axis.

    ``values``: a 1-D array ``(L,)`` or a dict ``{label: (L,) array}`` to compare runs;
    entry ``l - 1`` belongs to layer ``l`` and is drawn at x = l. ``band``: ``None`` or
    ``(low, high)``, shaded green: the range a healthy run stays in. ``ylim``: fixed
    limits ``(low, high)``, for instance to keep the frames of an animation comparable.
    Entries that are zero, negative or not finite have no place on a log axis and are left out.
    """
    if isinstance(values, dict):
        if not values:
            raise ValueError("values is an empty dict; give at least one run")
        runs = {str(k): as_float_array(v, f"values[{k!r}]") for k, v in values.items()}
    else:
        runs = {None: as_float_array(values, "values")}
    for name, v in runs.items():
        if v.ndim != 1 or len(v) == 0:
            raise ValueError(f"values{'' if name is None else f'[{name!r}]'} must be a 1-D array (L,), "
                             f"one number per layer, got shape {v.shape}")
    ax = _axes(ax)
    if band is not None:
        low, high = require_limits(band, "band")
        ax.axhspan(low, high, color=COLORS["green"], alpha=0.12, linewidth=0, label="band")
    for i, (name, v) in enumerate(runs.items()):
        shown = np.where(np.isfinite(v) & (v > 0), v, np.nan)
        ax.plot(np.arange(1, len(v) + 1), shown, marker=_MARKERS[i % len(_MARKERS)], markersize=4,
                color=_CYCLE[i % len(_CYCLE)], label=name)
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*require_limits(ylim, "ylim"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(ax.get_legend_handles_labels()[1]) > 1:
        ax.legend(fontsize="small")
    return ax
