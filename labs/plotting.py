"""The book's figures, drawn with matplotlib. Drawing only: the math lives in the other modules.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and
returns the :class:`~matplotlib.axes.Axes` it drew on, so figures can be
combined: ``fig, (a, b) = plt.subplots(1, 2); loss_curves(h, ax=a); ...``.
Call :func:`use_style` once at the top of a notebook for the course's look.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.ticker import MaxNLocator

from ._checks import as_float_array
from .train import History

__all__ = [
    "COLORS", "STYLE", "use_style", "loss_curves", "loss_surface", "decision_boundary",
    "function_fit", "network_diagram", "sum_of_kinks", "GRAPH_STATES", "computational_graph",
    "phase_diagram", "confidence_map", "reliability_diagram", "layer_stats",
    "image_grid", "confusion_heatmap",
]

# The Okabe-Ito palette, in the order of the style's colour cycle.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
_CYCLE = list(COLORS.values())
# Paths on a contour map: vermillion first, it stands out against the contour colours.
_PATH_COLORS = [COLORS[c] for c in ("vermillion", "blue", "orange", "green", "purple", "sky")]
# One marker per class, so that colour is not the only cue.
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

STYLE = Path(__file__).with_name("course.mplstyle")


def use_style():
    """Apply the course's matplotlib style (``labs/course.mplstyle``) to every later figure."""
    plt.style.use(str(STYLE))


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# --- loss curves --------------------------------------------------------------

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


# --- loss surfaces ------------------------------------------------------------

def _check_limits(lim, name):
    lim = np.asarray(lim, dtype=float)
    if lim.shape != (2,) or not np.all(np.isfinite(lim)) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got {lim.tolist()}")
    return lim


def _check_points(a, name, shape_text="(k, 2)"):
    a = as_float_array(a, name)
    if a.ndim != 2 or a.shape[1] != 2 or len(a) == 0:
        raise ValueError(f"{name} must have shape {shape_text}, got shape {a.shape}")
    return a


def loss_surface(f, xlim, ylim, ax=None, trajectories=None, minimum=None, levels=20, log_levels=True,
                 resolution=200, labels=("$w_1$", "$w_2$")):
    """Contour lines of a function of two weights, with optimisation paths on top.

    ``f``: maps points of shape ``(..., 2)`` to values of shape ``(...)``, vectorised
    (for example ``Quadratic.value``). ``xlim``, ``ylim``: ``(low, high)`` of the picture.
    ``trajectories``: ``None``, one array ``(k, 2)`` of iterates, or a dict
    ``{label: (k, 2) array}``; each path is a line with a dot per step and a ring at its start.
    ``minimum``: ``(2,)``, drawn as a star. ``levels``: the number of contour lines;
    with ``log_levels`` they are spaced logarithmically above the smallest value,
    so the flat bottom of a valley gets lines too.
    """
    xlim, ylim = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    if isinstance(trajectories, dict):
        paths = {str(k): _check_points(v, f"trajectories[{k!r}]") for k, v in trajectories.items()}
    elif trajectories is not None:
        paths = {None: _check_points(trajectories, "trajectories")}
    else:
        paths = {}
    if minimum is not None:
        minimum = as_float_array(minimum, "minimum")
        if minimum.shape != (2,):
            raise ValueError(f"minimum must have shape (2,), got shape {minimum.shape}")

    w1, w2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    Z = np.asarray(f(np.stack([w1, w2], axis=-1)), dtype=float)
    if Z.shape != w1.shape:
        raise ValueError(
            f"f must map points of shape (..., 2) to values of shape (...): for input of shape "
            f"{(*w1.shape, 2)} it returned shape {Z.shape}"
        )
    finite = Z[np.isfinite(Z)]
    if finite.size == 0 or finite.max() == finite.min():
        raise ValueError("f has no finite, non-constant values on the grid; check f, xlim and ylim")
    heights = _levels(finite, levels, log_levels)

    ax = _axes(ax)
    ax.contour(w1, w2, Z, levels=heights, cmap="viridis", linewidths=1.0)
    for i, (name, path) in enumerate(paths.items()):
        color = _PATH_COLORS[i % len(_PATH_COLORS)]
        ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=3, linewidth=1.5,
                label=name if name is not None else "path")
        ax.plot(*path[0], "o", color=COLORS["black"], markersize=10, markerfacecolor="none", markeredgewidth=1.5,
                label="start" if i == 0 else None)
    if minimum is not None:
        ax.plot(*minimum, "*", color=COLORS["black"], markersize=14, label="minimum")
    ax.set_xlim(xlim)  # paths may leave the picture (divergence); keep the view on the surface
    ax.set_ylim(ylim)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(False)
    if paths or minimum is not None:
        ax.legend(loc="upper right", fontsize="small")
    return ax


def _levels(values, levels, log_levels):
    """Contour levels: ``levels`` values from the smallest to the largest of ``values``."""
    if not isinstance(levels, (int, np.integer)):
        return np.sort(np.asarray(levels, dtype=float))
    if isinstance(levels, bool) or levels < 1:
        raise ValueError(f"levels must be a positive integer or a list of values, got {levels!r}")
    low, high = values.min(), values.max()
    if log_levels:
        # Log-spaced heights above the minimum: rings reach down into the flat bottom of a valley
        # instead of bunching up on its steep walls.
        return low + np.geomspace((high - low) * 1e-2, high - low, levels)
    return np.linspace(low, high, levels + 2)[1:-1]


# --- classifiers --------------------------------------------------------------

def _check_labels(y, n, name="y"):
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one label per row of X, got shape {y.shape}")
    if y.size and not (np.issubdtype(y.dtype, np.number) and np.all(y == np.round(y)) and y.min() >= 0):
        raise ValueError(f"{name} must hold integer class labels 0, 1, 2, ..., got {np.unique(y)[:5]}...")
    return y.astype(np.int64)


def _plane_grid(X, y, resolution, margin):
    """Check the data ``X (N, 2)``, labels ``y (N,)``; return them and a
    ``resolution x resolution`` grid ``x1, x2`` reaching ``margin`` beyond the data."""
    X = _check_points(X, "X", "(N, 2)")
    y = _check_labels(y, len(X))
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    x1, x2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return X, y, x1, x2


def decision_boundary(predict, X, y, ax=None, resolution=200, margin=0.5, proba=False):
    """The regions a classifier assigns to each class, with the data on top.

    ``predict``: maps points ``(M, 2)`` to class labels ``(M,)``; with ``proba=True``
    it returns the probability of class 1, ``(M,)`` in ``[0, 1]``, drawn as shades
    with the 0.5 line as the boundary. ``X``: ``(N, 2)``; ``y``: integer labels ``(N,)``.
    ``margin``: how far the picture reaches beyond the data.
    """
    X, y, x1, x2 = _plane_grid(X, y, resolution, margin)
    grid = np.column_stack([x1.ravel(), x2.ravel()])
    out = np.asarray(predict(grid))
    if out.shape not in ((len(grid),), (len(grid), 1)):
        raise ValueError(
            f"predict must map points (M, 2) to an array (M,); for M = {len(grid)} it returned shape {out.shape}"
        )
    Z = out.reshape(x1.shape)
    if proba and not (np.all(np.isfinite(Z)) and Z.min() >= 0 and Z.max() <= 1):
        raise ValueError("predict must return probabilities in [0, 1] when proba=True")
    if not proba and not (np.all(np.isfinite(Z)) and np.all(Z == np.round(Z)) and Z.min() >= 0):
        raise ValueError("predict must return integer class labels 0, 1, ...; for probabilities pass proba=True")

    ax = _axes(ax)
    if proba:
        _draw_probability(ax, x1, x2, Z)
        n_classes = max(2, int(y.max()) + 1 if y.size else 2)
    else:
        n_classes = int(max(Z.max(), y.max() if y.size else 0)) + 1
        _draw_regions(ax, x1, x2, Z.astype(int), n_classes)
    return _data_on_plane(ax, X, y, n_classes, x1, x2)


def _draw_probability(ax, x1, x2, P):
    """Shades from class 0's colour (P = 0) through white to class 1's (P = 1), and the P = 0.5 line."""
    cmap = LinearSegmentedColormap.from_list("p1", [_CYCLE[0], "white", _CYCLE[1]])
    shades = ax.contourf(x1, x2, P, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.5)
    ax.contour(x1, x2, P, levels=[0.5], colors=COLORS["black"], linewidths=1.5)
    ax.figure.colorbar(shades, ax=ax, label="$P(y = 1)$", ticks=[0, 0.5, 1])


def _draw_regions(ax, x1, x2, Z, n_classes):
    """Region ``c`` (where ``Z == c``) in class ``c``'s colour, light, with a grey outline."""
    steps = np.arange(n_classes + 1) - 0.5  # region c lies between c - 0.5 and c + 0.5
    ax.contourf(x1, x2, Z, levels=steps, colors=[_CYCLE[c % len(_CYCLE)] for c in range(n_classes)], alpha=0.25)
    present = np.unique(Z)
    if len(present) > 1:
        # Outline each region separately: one contour of Z would draw a 0|2 border twice.
        for c in present:
            ax.contour(x1, x2, (Z == c).astype(float), levels=[0.5], colors="0.3", linewidths=1.0)


# --- regression ---------------------------------------------------------------

def _as_column(x, name, n=None):
    """Accept ``(N,)`` or ``(N, 1)``; return ``(N,)``."""
    x = as_float_array(x, name)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or (n is not None and len(x) != n):
        want = f"({n},) or ({n}, 1)" if n is not None else "(N,) or (N, 1)"
        raise ValueError(f"{name} must have shape {want}, got shape {x.shape}")
    return x


def function_fit(X, y, x_grid=None, predictions=None, ax=None, true_fn=None):
    """A 1-D regression picture: the data, the model's curve(s), and the true function.

    ``X``: ``(N, 1)`` or ``(N,)``; ``y``: ``(N,)``. ``x_grid``: ``(M,)`` or ``(M, 1)``,
    where ``predictions`` were computed (when ``None``, 200 points across the data
    for ``true_fn``). ``predictions``: ``None``, an array ``(M,)`` or a dict
    ``{label: (M,) array}``. ``true_fn``: a callable drawn on ``x_grid`` as a dashed black line.
    """
    x = _as_column(X, "X")
    y = _as_column(y, "y", len(x))
    if x_grid is None:
        if predictions is not None:
            raise ValueError("x_grid is needed with predictions: the inputs (M,) the predictions were computed on")
        grid = np.linspace(x.min(), x.max(), 200)
    else:
        grid = _as_column(x_grid, "x_grid")
    if isinstance(predictions, dict):
        curves = {str(k): _as_column(v, f"predictions[{k!r}]", len(grid)) for k, v in predictions.items()}
    elif predictions is not None:
        curves = {"model": _as_column(predictions, "predictions", len(grid))}
    else:
        curves = {}

    ax = _axes(ax)
    ax.scatter(x, y, s=18, color=COLORS["blue"], alpha=0.6, label="data")
    if true_fn is not None:
        ax.plot(grid, _as_column(true_fn(grid), "true_fn(x_grid)", len(grid)), "--", color=COLORS["black"],
                linewidth=1.5, label="true function")
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(grid, curve, color=_PATH_COLORS[i % len(_PATH_COLORS)], label=name)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    if curves or true_fn is not None:
        ax.legend()
    return ax


# --- network diagrams -----------------------------------------------------------

def network_diagram(sizes, ax=None, labels=None, max_units=8):
    """A fully connected network: a circle per unit, a line per weight.

    ``sizes``: units per layer, input first, e.g. ``[2, 3, 3, 1]``. ``labels``: one
    caption per layer (default "input", "hidden 1", ..., "output"; "hidden" when there is one). A layer with
    more than ``max_units`` units shows its first ``max_units - 2``, a vertical
    ellipsis and its last unit, and its caption states the real size.
    """
    sizes = list(sizes) if not isinstance(sizes, (int, np.integer)) else [sizes]
    if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1
                                 for n in sizes):
        raise ValueError(f"sizes must list at least two positive integers (input ... output), got {sizes!r}")
    if isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer)) or max_units < 3:
        raise ValueError(f"max_units must be an integer >= 3, got {max_units!r}")
    if labels is None:
        hidden = ["hidden"] if len(sizes) == 3 else [f"hidden {i}" for i in range(1, len(sizes) - 1)]
        labels = ["input", *hidden, "output"]
    elif len(labels) != len(sizes):
        raise ValueError(f"labels must have one entry per layer ({len(sizes)}), got {len(labels)}")

    slots = [min(n, max_units) for n in sizes]
    ax = _axes(ax, figsize=(1.8 * len(sizes) + 1, 0.55 * max(slots) + 1.2))
    dx, radius = 2.0, 0.3
    columns = []  # the y-positions of the drawn units of each layer
    for i, (n, k) in enumerate(zip(sizes, slots)):
        ys = (k - 1) / 2 - np.arange(k, dtype=float)  # centred column, one slot per unit
        if n > max_units:  # first k-2 units, the ellipsis in slot k-2, the last unit
            ax.text(i * dx, ys[-2], r"$\vdots$", ha="center", va="center", fontsize=14)
            ys = np.delete(ys, -2)
        columns.append(ys)
        role = "blue" if i == 0 else ("green" if i == len(sizes) - 1 else "orange")
        for yy in ys:
            ax.add_patch(Circle((i * dx, yy), radius, facecolor="white", edgecolor=COLORS[role],
                                linewidth=2, zorder=3))
        caption = labels[i] if n <= max_units else f"{labels[i]}\n({n} units)"
        ax.text(i * dx, (max(slots) - 1) / 2 + 0.7, caption, ha="center", va="bottom")
    segments = [[(i * dx, a), ((i + 1) * dx, b)]
                for i in range(len(sizes) - 1) for a in columns[i] for b in columns[i + 1]]
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.8, zorder=1))
    top = (max(slots) - 1) / 2
    caption_lines = 2 if max(sizes) > max_units else 1
    ax.set_xlim(-dx / 2, (len(sizes) - 1) * dx + dx / 2)
    ax.set_ylim(-top - 0.5, top + 0.8 + 0.5 * caption_lines)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --- sums of kinks (chapter 4) ------------------------------------------------------

def sum_of_kinks(x, total=None, parts=None, true_fn=None, kinks=None, ax=None,
                 total_label="network", parts_label="hidden units"):
    """A one-hidden-layer ReLU network in 1-D: its units' contributions, their sum, the target.

    ``x``: the grid ``(M,)`` (or ``(M, 1)``) everything was computed on. ``total``:
    ``(M,)``, the network's output, drawn thick. ``parts``: ``(M, H)``; column ``j``
    is hidden unit ``j``'s contribution ``W^2_j a^1_j(x)``, drawn thin. ``true_fn``:
    a callable drawn on ``x`` as a dashed black line. ``kinks``: ``(k,)`` inputs at
    which a unit switches on, marked by triangles on the x-axis (those outside the
    range of ``x`` are left out).
    """
    x = _as_column(x, "x")
    if total is None and parts is None and true_fn is None:
        raise ValueError("sum_of_kinks: give at least one of total, parts and true_fn to draw")
    ax = _axes(ax)
    if parts is not None:
        parts = as_float_array(parts, "parts")
        if parts.ndim == 1:
            parts = parts[:, None]
        if parts.ndim != 2 or parts.shape[0] != len(x):
            raise ValueError(f"parts must have shape ({len(x)}, H), one column per hidden unit, got {parts.shape}")
        colors = [COLORS[c] for c in ("blue", "orange", "green", "purple", "sky")]
        for j in range(parts.shape[1]):
            ax.plot(x, parts[:, j], color=colors[j % len(colors)], linewidth=1.2, alpha=0.8,
                    label=parts_label if j == 0 else None)
    if true_fn is not None:
        ax.plot(x, _as_column(true_fn(x), "true_fn(x)", len(x)), "--", color=COLORS["black"], linewidth=1.5,
                label="target")
    if total is not None:
        ax.plot(x, _as_column(total, "total", len(x)), color=COLORS["vermillion"], linewidth=2.5, label=total_label)
    if kinks is not None:
        kinks = as_float_array(kinks, "kinks").reshape(-1)
        kinks = kinks[(kinks >= x.min()) & (kinks <= x.max())]
        if len(kinks):
            ax.plot(kinks, np.zeros(len(kinks)), "^", color="0.25", markersize=8, clip_on=False,
                    transform=ax.get_xaxis_transform(), label="kinks")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend(fontsize="small")
    return ax


# --- computational graphs -------------------------------------------------------

# Fill and outline of a node in each state a picture can give it.
GRAPH_STATES = {
    None: ("white", "0.35"),
    "input": ("white", COLORS["blue"]),
    "stored": ("#dcebf5", COLORS["blue"]),
    "read": ("#fbecc8", COLORS["orange"]),
    "current": ("#f6d3bd", COLORS["vermillion"]),
    "done": ("#cdeadf", COLORS["green"]),
}


def _box_exit(center, toward, half_w, half_h, gap):
    """Where the segment from ``center`` to ``toward`` leaves a box of half-sizes ``half_w, half_h``."""
    d = np.asarray(toward, dtype=float) - center
    length = np.hypot(*d)
    t = min(half_w / abs(d[0]) if d[0] else np.inf, half_h / abs(d[1]) if d[1] else np.inf)
    return center + d * (t + gap / length)


def computational_graph(nodes, edges, ax=None, states=None, node_size=(0.9, 0.5), legend=False, fontsize=13):
    """A computational graph: a labelled box per variable, an arrow per dependency.

    ``nodes``: dict ``name -> (x, y, label)``: the box's centre in data units and
    its text (mathtext such as ``"$z^1$"``). ``edges``: a list of ``(source, target)``
    or ``(source, target, label)``; a label (a local derivative, say) sits on the
    middle of its arrow. ``states``: dict ``name -> state`` that colours a box, a
    state being one of ``GRAPH_STATES`` ("input", "stored", "read", "current",
    "done"); other boxes are plain. ``node_size``: ``(width, height)`` of a box.
    ``legend``: list the states used, below the graph.
    """
    if not isinstance(nodes, dict) or not nodes:
        raise ValueError("nodes must be a non-empty dict name -> (x, y, label)")
    for name, spec in nodes.items():
        if len(spec) != 3:
            raise ValueError(f"nodes[{name!r}] must be (x, y, label), got {spec!r}")
    states = dict(states or {})
    for name, state in states.items():
        if name not in nodes:
            raise ValueError(f"states names {name!r}, which is not a node; nodes are {sorted(nodes)}")
        if state not in GRAPH_STATES:
            raise ValueError(f"state {state!r} of node {name!r} is not one of {sorted(s for s in GRAPH_STATES if s)}")
    width, height = node_size
    centers = {name: np.array(spec[:2], dtype=float) for name, spec in nodes.items()}

    ax = _axes(ax, figsize=(8, 3))
    for edge in edges:
        if len(edge) not in (2, 3) or edge[0] not in nodes or edge[1] not in nodes:
            raise ValueError(f"an edge must be (source, target) or (source, target, label) between nodes, got {edge!r}")
        a, b = centers[edge[0]], centers[edge[1]]
        start = _box_exit(a, b, width / 2, height / 2, 0.03)
        end = _box_exit(b, a, width / 2, height / 2, 0.03)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="0.35",
                                     linewidth=1.3, zorder=1))
        if len(edge) == 3 and edge[2]:
            mid = (start + end) / 2
            ax.text(*mid, edge[2], ha="center", va="center", fontsize=fontsize - 3, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    for name, (x, y, label) in nodes.items():
        face, edge_color = GRAPH_STATES[states.get(name)]
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                                    facecolor=face, edgecolor=edge_color, linewidth=2, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=5)
    xs = np.array([c[0] for c in centers.values()])
    ys = np.array([c[1] for c in centers.values()])
    ax.set_xlim(xs.min() - width, xs.max() + width)
    ax.set_ylim(ys.min() - height * 1.5, ys.max() + height * 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        used = [s for s in GRAPH_STATES if s is not None and s in states.values()]
        handles = [Patch(facecolor=GRAPH_STATES[s][0], edgecolor=GRAPH_STATES[s][1], linewidth=2, label=s)
                   for s in used]
        if handles:
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
                      frameon=False, fontsize="small")
    return ax


# --- phase diagrams (chapter 3) ----------------------------------------------------

def phase_diagram(values, x, y, ax=None, diverged=None, marks=None, curves=None, log=True,
                  labels=("learning rate $\\eta$", "momentum $\\gamma$"), cbar_label="steps"):
    """A heatmap of one number per grid cell of two settings, with failed cells shown apart.

    ``values``: ``(len(y), len(x))``; row ``i``, column ``j`` belongs to ``(x[j], y[i])``
    (for example steps to reach a tolerance). NaN marks a cell without a value: drawn light
    grey, "not reached". ``x``: ``(nx,)``, ``y``: ``(ny,)``: the cell centres, increasing.
    ``diverged``: ``None`` or a boolean ``(ny, nx)`` array; those cells are drawn dark grey,
    "diverged", whatever ``values`` holds there. ``marks``: ``{label: (x, y)}``, drawn as
    black markers; ``curves``: ``{label: (xs, ys)}``, drawn as dashed lines (for example a
    stability limit). ``log``: a logarithmic colour scale. The colour bar is labelled ``cbar_label``.
    """
    from matplotlib.colors import ListedColormap, LogNorm
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    values = as_float_array(values, "values")
    if x.ndim != 1 or y.ndim != 1 or len(x) < 2 or len(y) < 2:
        raise ValueError(f"x and y must be 1-D with at least 2 entries, got shapes {x.shape} and {y.shape}")
    if values.shape != (len(y), len(x)):
        raise ValueError(f"values must have shape (len(y), len(x)) = {(len(y), len(x))}, got {values.shape}")
    if diverged is None:
        diverged = np.zeros(values.shape, dtype=bool)
    diverged = np.asarray(diverged, dtype=bool)
    if diverged.shape != values.shape:
        raise ValueError(f"diverged must have the shape of values, {values.shape}, got {diverged.shape}")
    ok = np.isfinite(values) & ~diverged
    if log and np.any(ok & (values <= 0)):
        raise ValueError("log=True needs positive values; use log=False or mark those cells NaN")

    ax = _axes(ax, figsize=(7, 4.5))
    if ok.any():
        low, high = values[ok].min(), values[ok].max()
        norm = LogNorm(low, max(high, low * 1.01)) if log else None
        mesh = ax.pcolormesh(x, y, np.ma.masked_where(~ok, values), shading="nearest", cmap="viridis", norm=norm)
        bar = ax.figure.colorbar(mesh, ax=ax, label=cbar_label)
        if log:  # plain numbers at 1, 2, 3, 5 x 10^k instead of 3 x 10^1
            bar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
            bar.ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            bar.ax.yaxis.set_minor_formatter(NullFormatter())
    handles = []
    for mask, shade, name in ((~ok & ~diverged, "0.88", "not reached"), (diverged, "0.35", "diverged")):
        if mask.any():
            ax.pcolormesh(x, y, np.ma.masked_where(~mask, np.ones(values.shape)), shading="nearest",
                          cmap=ListedColormap([shade]))
            handles.append(Patch(facecolor=shade, label=name))
    for i, (name, (cx, cy)) in enumerate((curves or {}).items()):
        (line,) = ax.plot(cx, cy, "--", color=COLORS["vermillion"] if i == 0 else _CYCLE[i % len(_CYCLE)],
                          linewidth=1.5, label=name)
        handles.append(line)
    for i, (name, point) in enumerate((marks or {}).items()):
        (dot,) = ax.plot(*point, _MARKERS[(7, 6, 0, 1)[i % 4]], color=COLORS["black"], markersize=14,
                         markeredgecolor="white", markeredgewidth=1.0, linestyle="none", label=name)
        handles.append(dot)
    dx, dy = (x[1] - x[0]) / 2, (y[1] - y[0]) / 2
    ax.set_xlim(x[0] - dx, x[-1] + dx)
    ax.set_ylim(y[0] - dy, y[-1] + dy)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(False)
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
    return ax


# --- class probabilities (chapter 6) ------------------------------------------------

def _data_on_plane(ax, X, y, n_classes, x1, x2):
    """The data on top of a map over the grid ``x1, x2``: one colour and one marker per class."""
    for c in range(n_classes):
        pts = X[y == c]
        if len(pts):
            ax.scatter(pts[:, 0], pts[:, 1], s=25, color=_CYCLE[c % len(_CYCLE)], marker=_MARKERS[c % len(_MARKERS)],
                       edgecolors="white", linewidths=0.5, label=f"class {c}")
    ax.set_xlim(x1.min(), x1.max())
    ax.set_ylim(x2.min(), x2.max())
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def confidence_map(proba, X, y, ax=None, resolution=200, margin=0.5,
                   levels=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)):
    """How sure a classifier is over the plane: its largest class probability, with the data on top.

    ``proba``: maps points ``(M, 2)`` to class probabilities ``(M, K)``, rows in ``[0, 1]``
    summing to one (for example ``softmax(model.predict(P))``). The shading is the
    confidence ``max_k p_k`` in bands between ``1/K`` (white), the ``levels`` and 1
    (darkest grey); the colour bar gives every band the same length, so the bands near 1
    stay readable. Dark grey lines are the decision boundaries (where the most probable
    class changes). ``X``: ``(N, 2)``; ``y``: integer labels ``(N,)``.
    ``margin``: how far the picture reaches beyond the data.
    """
    from matplotlib.colors import BoundaryNorm

    X, y, x1, x2 = _plane_grid(X, y, resolution, margin)
    P = np.asarray(proba(np.column_stack([x1.ravel(), x2.ravel()])), dtype=float)
    if P.ndim != 2 or P.shape[0] != x1.size or P.shape[1] < 2:
        raise ValueError(f"proba must map points (M, 2) to probabilities (M, K) with K >= 2; "
                         f"for M = {x1.size} it returned shape {P.shape}")
    if not (np.all(np.isfinite(P)) and P.min() >= 0 and P.max() <= 1 and np.allclose(P.sum(axis=1), 1, atol=1e-6)):
        raise ValueError("proba must return rows of probabilities in [0, 1] that sum to one")
    n_classes = max(P.shape[1], int(y.max()) + 1 if y.size else 0)
    bounds = np.unique([1.0 / P.shape[1], *[v for v in levels if 1.0 / P.shape[1] < v < 1.0], 1.0])
    conf = P.max(axis=1).reshape(x1.shape)
    label = P.argmax(axis=1).reshape(x1.shape)

    ax = _axes(ax)
    greys = LinearSegmentedColormap.from_list("confidence", ["white", "0.45"])
    shades = ax.contourf(x1, x2, np.clip(conf, bounds[0], bounds[-1]), levels=bounds, cmap=greys,
                         norm=BoundaryNorm(bounds, greys.N))
    bar = ax.figure.colorbar(shades, ax=ax, spacing="uniform", label=r"confidence, the largest $p_k$")
    bar.set_ticks(bounds, labels=[f"{v:.3g}" for v in bounds])
    if len(np.unique(label)) > 1:
        for c in np.unique(label):
            ax.contour(x1, x2, (label == c).astype(float), levels=[0.5], colors="0.15", linewidths=1.0)
    return _data_on_plane(ax, X, y, n_classes, x1, x2)


def reliability_diagram(edges, confidence, accuracy, counts, ax=None, yerr=None, label=None, offset=0.0):
    """Accuracy next to confidence, one bar per confidence bin: is the classifier as sure as it is right?

    ``edges``: ``(B + 1,)`` increasing bin edges in ``[0, 1]``; the bins may have unequal
    widths (the bars are spaced evenly and labelled with their ranges). ``confidence``,
    ``accuracy``: ``(B,)``, the mean confidence and the fraction correct of the predictions
    in each bin. ``counts``: ``(B,)``, predictions per bin, written at the foot of the bars;
    an empty bin is not drawn. A black tick across each bar marks the bin's mean
    confidence: a bar that ends below its tick is over-confident, above it under-confident.
    ``yerr``: ``None`` or ``(B,)``, drawn as an error bar around the tick (cut at 0 and 1),
    for example the spread the accuracy would have if the predictions were calibrated.
    To compare two models call it twice on the same axes with a ``label`` each and
    ``offset=-0.2`` and ``offset=0.2``.
    """
    edges = as_float_array(edges, "edges")
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0 or edges[-1] > 1:
        raise ValueError(f"edges must be increasing values in [0, 1], at least two, got {edges.tolist()}")
    n_bins = len(edges) - 1
    arrays = {}
    for name, values in (("confidence", confidence), ("accuracy", accuracy), ("counts", counts)):
        values = as_float_array(values, name)
        if values.shape != (n_bins,):
            raise ValueError(f"{name} must have shape ({n_bins},), one value per bin, got {values.shape}")
        arrays[name] = values
    conf, acc, counts = arrays["confidence"], arrays["accuracy"], arrays["counts"]
    if yerr is not None:
        yerr = as_float_array(yerr, "yerr")
        if yerr.shape != (n_bins,):
            raise ValueError(f"yerr must have shape ({n_bins},), got {yerr.shape}")
    full = counts > 0
    x = np.arange(n_bins) + offset
    width = 0.38 if offset else 0.75

    ax = _axes(ax)
    first = not ax.patches
    ax.bar(x[full], acc[full], width=width, alpha=0.75, edgecolor="white",
           label=label if label is not None else "accuracy in bin")
    if yerr is not None and full.any():
        c = conf[full]
        spread = np.vstack([np.minimum(yerr[full], c), np.minimum(yerr[full], 1 - c)])
        ax.errorbar(x[full], c, yerr=spread, fmt="none", ecolor="0.25", capsize=3, linewidth=1.0)
    ticks = ax.hlines(conf[full], x[full] - width / 2, x[full] + width / 2, colors=COLORS["black"], linewidth=2.5)
    if first:
        ticks.set_label("mean confidence in bin")
    for xi, n in zip(x[full], counts[full]):
        ax.annotate(f"{int(n)}", (xi, 0.0), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize="x-small")
    ax.set_xticks(np.arange(n_bins), [f"{a:.2f}-{b:.2f}" for a, b in zip(edges[:-1], edges[1:])])
    ax.set_xlim(-0.6, n_bins - 0.4)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("confidence bin (the number at the foot of a bar: predictions in the bin)")
    ax.set_ylabel("accuracy")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize="small")
    return ax


# --- per-layer statistics (chapter 7) ------------------------------------------------

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
        low, high = _check_limits(band, "band")
        ax.axhspan(low, high, color=COLORS["green"], alpha=0.12, linewidth=0, label="band")
    for i, (name, v) in enumerate(runs.items()):
        shown = np.where(np.isfinite(v) & (v > 0), v, np.nan)
        ax.plot(np.arange(1, len(v) + 1), shown, marker=_MARKERS[i % len(_MARKERS)], markersize=4,
                color=_CYCLE[i % len(_CYCLE)], label=name)
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*_check_limits(ylim, "ylim"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(ax.get_legend_handles_labels()[1]) > 1:
        ax.legend(fontsize="small")
    return ax


# --- images and confusion matrices (chapter 8) ----------------------------------------

def image_grid(images, titles=None, image_shape=(8, 8), ncols=10, fig=None, cmap="gray_r", vmin=None, vmax=None,
               title_colors=None):
    """Small images side by side in a grid, with an optional title above each.

    ``images``: ``(M, H * W)``, one flattened image per row (reshaped row-major to
    ``image_shape = (H, W)``), or ``(M, H, W)``. ``titles``: ``None`` or ``M`` strings
    (for example the labels); ``title_colors``: ``None`` or ``M`` colours for them (for
    example vermillion for the mistakes). ``ncols``: images per row; the grid has
    ``ceil(M / ncols)`` rows and unused cells stay blank. ``vmin``, ``vmax``: one grey scale
    for every image (default: the smallest and largest pixel of all of them), so that
    intensities compare across the grid; ``cmap="gray_r"`` draws ink dark on white.
    ``fig``: the figure to draw in (a new one when ``None``).
    Returns the ``(rows, ncols)`` array of Axes; ``axes.flat[i]`` shows image ``i``.
    """
    images = as_float_array(images, "images")
    if images.ndim == 2:
        h, w = (int(s) for s in image_shape)
        if h * w != images.shape[1]:
            raise ValueError(f"image_shape {tuple(image_shape)} holds {h * w} pixels, "
                             f"but the images have {images.shape[1]} per row")
        images = images.reshape(len(images), h, w)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (M, H * W) or (M, H, W) with M >= 1, got {images.shape}")
    m = len(images)
    for name, values in (("titles", titles), ("title_colors", title_colors)):
        if values is not None and len(values) != m:
            raise ValueError(f"{name} must hold one entry per image ({m}), got {len(values)}")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    ncols = min(int(ncols), m)
    nrows = -(-m // ncols)
    if fig is None:
        fig = plt.figure(figsize=(1.1 * ncols, 1.25 * nrows), layout="constrained")
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    low = float(images.min()) if vmin is None else vmin
    high = float(images.max()) if vmax is None else vmax
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= m:
            continue
        ax.imshow(images[i], cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        if titles is not None:
            colour = {"color": title_colors[i]} if title_colors is not None else {}
            ax.set_title(str(titles[i]), fontsize="small", **colour)
    return axes


def confusion_heatmap(counts, ax=None, class_names=None, cmap="Blues"):
    """A confusion matrix as a picture: row = true class, column = predicted class.

    ``counts``: ``(K, K)`` non-negative integers; ``counts[i, j]`` is the number of
    examples of class ``i`` predicted as class ``j``, so the diagonal holds the correct
    answers. Every non-zero count is written in its cell (white on dark cells); zeros are
    left blank, and non-zero cells off the diagonal (the mistakes) get a vermillion frame.
    The shading grows with the square root of the count, so that a single mistake is still
    visibly coloured next to a diagonal of dozens. ``class_names``: ``K`` labels
    (default ``0, ..., K-1``).
    """
    from matplotlib.colors import PowerNorm
    from matplotlib.patches import Rectangle

    counts = as_float_array(counts, "counts")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"counts must be a square (K, K) matrix, got shape {counts.shape}")
    if not (np.all(np.isfinite(counts)) and np.all(counts >= 0) and np.all(counts == np.round(counts))):
        raise ValueError("counts must hold non-negative whole numbers (how many examples fell in each cell)")
    k = counts.shape[0]
    names = [str(c) for c in (range(k) if class_names is None else class_names)]
    if len(names) != k:
        raise ValueError(f"class_names must hold {k} names, one per class, got {len(names)}")
    ax = _axes(ax, figsize=(5.5, 5))
    top = max(float(counts.max()), 1.0)
    ax.imshow(counts, cmap=cmap, norm=PowerNorm(gamma=0.5, vmin=0, vmax=top), interpolation="nearest")
    for i in range(k):
        for j in range(k):
            n = int(counts[i, j])
            if n == 0:
                continue
            dark = np.sqrt(n / top) > 0.6
            ax.text(j, i, str(n), ha="center", va="center", fontsize="small",
                    color="white" if dark else COLORS["black"])
            if i != j:
                ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False,
                                       edgecolor=COLORS["vermillion"], linewidth=1.5))
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    return ax
