"""Regression and kinks: 1-D fits with the data and the true function, and a ReLU
network as a sum of kinks (chapter 4)."""


import numpy as np

from .._checks import as_float_array
from .style import _PATH_COLORS, COLORS, _axes

__all__ = ["function_fit", "sum_of_kinks"]


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
