"""Classifiers: decision regions, confidence maps, reliability (calibration) diagrams and confusion matrices."""


import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from .._checks import as_float_array, require_labels, require_points, require_positive_int
from .style import _CYCLE, _MARKERS, COLORS, _axes

__all__ = ["decision_boundary", "confidence_map", "reliability_diagram", "confusion_heatmap"]


def _plane_grid(X, y, resolution, margin):
    """Check the data ``X (N, 2)``, labels ``y (N,)``; return them and a
    ``resolution x resolution`` grid ``x1, x2`` reaching ``margin`` beyond the data."""
    X = require_points(X, "X", "(N, 2)")
    y = require_labels(y, n=len(X))
    resolution = require_positive_int(resolution, "resolution", minimum=2)
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
    edges, conf, acc, counts, yerr = _bins(edges, confidence, accuracy, counts, yerr)
    n_bins = len(edges) - 1
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


def _bins(edges, confidence, accuracy, counts, yerr):
    """Validate a reliability diagram's ``edges (B + 1,)`` and its per-bin arrays ``(B,)`` (``yerr`` may be None)."""
    edges = as_float_array(edges, "edges")
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0 or edges[-1] > 1:
        raise ValueError(f"edges must be increasing values in [0, 1], at least two, got {edges.tolist()}")
    n_bins = len(edges) - 1
    arrays = []
    for name, values in (("confidence", confidence), ("accuracy", accuracy), ("counts", counts)):
        values = as_float_array(values, name)
        if values.shape != (n_bins,):
            raise ValueError(f"{name} must have shape ({n_bins},), one value per bin, got {values.shape}")
        arrays.append(values)
    if yerr is not None:
        yerr = as_float_array(yerr, "yerr")
        if yerr.shape != (n_bins,):
            raise ValueError(f"yerr must have shape ({n_bins},), got {yerr.shape}")
    return (edges, *arrays, yerr)


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
