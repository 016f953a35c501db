"""Surfaces and phase diagrams: contour maps of a cost of two weights with optimisation
paths, and heatmaps of one number over two settings (chapter 3)."""


import numpy as np
from matplotlib.patches import Patch

from .._checks import as_float_array, require_limits, require_points, require_positive_int
from .style import _CYCLE, _MARKERS, _PATH_COLORS, COLORS, _axes

__all__ = ["loss_surface", "phase_diagram"]


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
    xlim, ylim = require_limits(xlim, "xlim"), require_limits(ylim, "ylim")
    resolution = require_positive_int(resolution, "resolution", minimum=2)
    paths, minimum = _paths(trajectories), _point_or_none(minimum, "minimum")
    w1, w2, Z = _surface_grid(f, xlim, ylim, resolution)
    heights = _levels(Z[np.isfinite(Z)], levels, log_levels)

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


def _paths(trajectories):
    """``{label: (k, 2) array}`` from ``None``, one ``(k, 2)`` array or a dict of them."""
    if isinstance(trajectories, dict):
        return {str(k): require_points(v, f"trajectories[{k!r}]") for k, v in trajectories.items()}
    if trajectories is not None:
        return {None: require_points(trajectories, "trajectories")}
    return {}


def _point_or_none(point, name):
    if point is None:
        return None
    point = as_float_array(point, name)
    if point.shape != (2,):
        raise ValueError(f"{name} must have shape (2,), got shape {point.shape}")
    return point


def _surface_grid(f, xlim, ylim, resolution):
    """``w1, w2, Z = f(w)`` on a ``resolution x resolution`` grid; refuses a shape or values that cannot be drawn."""
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
    return w1, w2, Z


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
    values, x, y, diverged = _phase_inputs(values, x, y, diverged)
    ok = np.isfinite(values) & ~diverged
    if log and np.any(ok & (values <= 0)):
        raise ValueError("log=True needs positive values; use log=False or mark those cells NaN")

    ax = _axes(ax, figsize=(7, 4.5))
    if ok.any():
        _heatmap(ax, x, y, values, ok, log, cbar_label)
    handles = _failed_cells(ax, x, y, ok, diverged) + _curves_and_marks(ax, curves, marks)
    dx, dy = (x[1] - x[0]) / 2, (y[1] - y[0]) / 2
    ax.set_xlim(x[0] - dx, x[-1] + dx)
    ax.set_ylim(y[0] - dy, y[-1] + dy)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(False)
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
    return ax


def _phase_inputs(values, x, y, diverged):
    """``values (ny, nx)``, ``x (nx,)``, ``y (ny,)`` and a boolean ``diverged (ny, nx)``, validated."""
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    values = as_float_array(values, "values")
    if x.ndim != 1 or y.ndim != 1 or len(x) < 2 or len(y) < 2:
        raise ValueError(f"x and y must be 1-D with at least 2 entries, got shapes {x.shape} and {y.shape}")
    if values.shape != (len(y), len(x)):
        raise ValueError(f"values must have shape (len(y), len(x)) = {(len(y), len(x))}, got {values.shape}")
    diverged = np.zeros(values.shape, dtype=bool) if diverged is None else np.asarray(diverged, dtype=bool)
    if diverged.shape != values.shape:
        raise ValueError(f"diverged must have the shape of values, {values.shape}, got {diverged.shape}")
    return values, x, y, diverged


def _heatmap(ax, x, y, values, ok, log, cbar_label):
    """The cells where ``ok``, coloured by value (log scale when ``log``), with a colour bar."""
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    low, high = values[ok].min(), values[ok].max()
    norm = LogNorm(low, max(high, low * 1.01)) if log else None
    mesh = ax.pcolormesh(x, y, np.ma.masked_where(~ok, values), shading="nearest", cmap="viridis", norm=norm)
    bar = ax.figure.colorbar(mesh, ax=ax, label=cbar_label)
    if log:  # plain numbers at 1, 2, 3, 5 x 10^k instead of 3 x 10^1
        bar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
        bar.ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        bar.ax.yaxis.set_minor_formatter(NullFormatter())


def _failed_cells(ax, x, y, ok, diverged):
    """Light grey "not reached" and dark grey "diverged" cells; returns their legend handles."""
    from matplotlib.colors import ListedColormap

    handles = []
    for mask, shade, name in ((~ok & ~diverged, "0.88", "not reached"), (diverged, "0.35", "diverged")):
        if mask.any():
            ax.pcolormesh(x, y, np.ma.masked_where(~mask, np.ones(ok.shape)), shading="nearest",
                          cmap=ListedColormap([shade]))
            handles.append(Patch(facecolor=shade, label=name))
    return handles


def _curves_and_marks(ax, curves, marks):
    """Dashed ``curves`` ``{label: (xs, ys)}`` and black ``marks`` ``{label: (x, y)}``; returns the handles."""
    handles = []
    for i, (name, (cx, cy)) in enumerate((curves or {}).items()):
        (line,) = ax.plot(cx, cy, "--", color=COLORS["vermillion"] if i == 0 else _CYCLE[i % len(_CYCLE)],
                          linewidth=1.5, label=name)
        handles.append(line)
    for i, (name, point) in enumerate((marks or {}).items()):
        (dot,) = ax.plot(*point, _MARKERS[(7, 6, 0, 1)[i % 4]], color=COLORS["black"], markersize=14,
                         markeredgecolor="white", markeredgewidth=1.0, linestyle="none", label=name)
        handles.append(dot)
    return handles
