"""labs.plotting.classifiers: decision_boundary, confidence_map, reliability_diagram and confusion_heatmap."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import contour_sets, legend_texts  # tests/helpers.py
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colorbar import Colorbar
from matplotlib.patches import Rectangle

from labs import plotting
from labs.plotting import COLORS, confidence_map, confusion_heatmap, reliability_diagram


def three_sectors(G):
    """Class by angle: three 120-degree sectors."""
    return (np.arctan2(G[:, 1], G[:, 0]) % (2 * np.pi) // (2 * np.pi / 3)).astype(int)


@pytest.fixture
def three_classes():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 2))
    return X, three_sectors(X)


def test_decision_boundary_fills_one_region_per_class(ax, three_classes):
    X, y = three_classes
    out = plotting.decision_boundary(three_sectors, X, y, ax=ax)
    assert out is ax
    filled = [c for c in contour_sets(ax) if c.filled]
    assert len(filled) == 1
    assert len(filled[0].levels) == 3 + 1  # three bands, one per class
    regions = {tuple(np.round(fc, 3)) for fc in filled[0].get_facecolor()}
    assert len(regions) == 3
    assert len(contour_sets(ax)) > 1  # the borders are outlined


def test_decision_boundary_marks_classes_by_colour_and_marker(ax, three_classes):
    X, y = three_classes
    plotting.decision_boundary(three_sectors, X, y, ax=ax)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 3
    assert sum(len(p.get_offsets()) for p in points) == len(X)
    shapes = {p.get_paths()[0].vertices.tobytes() for p in points}
    assert len(shapes) == 3  # a different marker for each class
    assert legend_texts(ax) == ["class 0", "class 1", "class 2"]
    x0, x1 = ax.get_xlim()
    assert x0 == pytest.approx(X[:, 0].min() - 0.5) and x1 == pytest.approx(X[:, 0].max() + 0.5)


def test_decision_boundary_with_probabilities(three_classes):
    X, _ = three_classes
    y = (X[:, 0] > 0).astype(int)

    def proba(G):
        return 1 / (1 + np.exp(-4 * G[:, 0]))

    ax = plotting.decision_boundary(proba, X, y, proba=True)
    levels = [list(c.levels) for c in contour_sets(ax) if not c.filled]
    assert levels == [[0.5]]  # the boundary is the 0.5 line
    assert len(ax.figure.axes) == 2  # and a colour bar says what the shades mean
    assert legend_texts(ax) == ["class 0", "class 1"]


def test_decision_boundary_of_a_classifier_that_predicts_one_class(ax, three_classes):
    X, y = three_classes
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. matplotlib's "No contour levels were found"
        plotting.decision_boundary(lambda G: np.zeros(len(G), int), X, y, ax=ax)
    (filled,) = contour_sets(ax)
    assert filled.filled
    assert legend_texts(ax) == ["class 0", "class 1", "class 2"]


@pytest.mark.parametrize(
    ("X", "y", "predict", "proba", "name"),
    [
        (np.zeros((5, 3)), np.zeros(5, int), three_sectors, False, "X"),
        (np.zeros(5), np.zeros(5, int), three_sectors, False, "X"),
        (np.zeros((5, 2)), np.zeros(4, int), three_sectors, False, "y"),
        (np.zeros((5, 2)), np.full(5, 0.5), three_sectors, False, "y"),
        (np.zeros((5, 2)), np.zeros(5, int), lambda G: np.zeros((len(G), 2)), False, "predict"),
        (np.zeros((5, 2)), np.zeros(5, int), lambda G: np.full(len(G), 0.3), False, "predict"),
        (np.zeros((5, 2)), np.zeros(5, int), lambda G: np.full(len(G), 2.0), True, "predict"),
    ],
)
def test_decision_boundary_rejects_bad_input(X, y, predict, proba, name):
    with pytest.raises(ValueError, match=name):
        plotting.decision_boundary(predict, X, y, proba=proba)


def _halves(P):
    """Class 0 with probability 0.9 left of x1 = 0, class 1 with probability 0.6 right of it (K = 3)."""
    left = P[:, 0] < 0
    out = np.where(left[:, None], [0.9, 0.05, 0.05], [0.3, 0.6, 0.1])
    return out


def _data():
    X = np.array([[-1.0, 0.0], [-0.5, 0.5], [0.5, -0.5], [1.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    return X, y


def test_confidence_map_shades_the_largest_probability_in_bands_and_draws_every_class():
    X, y = _data()
    ax = confidence_map(_halves, X, y, resolution=41, margin=0.5, levels=(0.5, 0.7, 0.9))
    # The filled contours use the bands 1/K, the levels, 1.
    filled = [c for c in ax.collections if hasattr(c, "levels") and getattr(c, "filled", False)]
    assert len(filled) == 1
    np.testing.assert_allclose(filled[0].levels, [1 / 3, 0.5, 0.7, 0.9, 1.0])
    # A colour bar with one tick per band edge.
    bars = [a for a in ax.figure.axes if a is not ax]
    assert len(bars) == 1
    np.testing.assert_allclose(bars[0].get_yticks(), [1 / 3, 0.5, 0.7, 0.9, 1.0])
    # One scatter per class present, at the data.
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert [c.get_label() for c in scatters] == ["class 0", "class 1"]
    np.testing.assert_allclose(scatters[0].get_offsets(), X[y == 0])
    # The view is the data plus the margin.
    assert ax.get_xlim() == pytest.approx((-1.5, 1.5))
    assert ax.get_ylim() == pytest.approx((-1.0, 1.0))


def test_confidence_map_draws_a_decision_boundary_where_the_predicted_class_changes():
    X, y = _data()
    ax = confidence_map(_halves, X, y, resolution=41)
    lines = [c for c in ax.collections if hasattr(c, "levels") and not getattr(c, "filled", True)]
    assert lines, "expected boundary contours"
    xs = np.concatenate([p.vertices[:, 0] for c in lines for p in c.get_paths() if len(p.vertices)])
    # The boundary between the halves lies on x1 = 0, within one grid cell (3 / 40 wide).
    assert np.all(np.abs(xs) < 3 / 40 + 1e-9)


def test_confidence_map_refuses_outputs_that_are_not_probabilities():
    X, y = _data()
    with pytest.raises(ValueError, match="sum to one"):
        confidence_map(lambda P: np.full((len(P), 3), 0.5), X, y, resolution=5)
    with pytest.raises(ValueError, match=r"\(M, K\)"):
        confidence_map(lambda P: np.full(len(P), 0.5), X, y, resolution=5)
    with pytest.raises(ValueError, match="resolution"):
        confidence_map(_halves, X, y, resolution=1)


EDGES = np.array([1 / 3, 0.6, 0.8, 0.9, 1.0])


CONF = np.array([0.5, 0.7, np.nan, 0.95])


ACC = np.array([0.25, 0.8, np.nan, 0.9])


COUNTS = np.array([4, 10, 0, 30])


def test_reliability_diagram_draws_a_bar_per_non_empty_bin_at_its_accuracy():
    ax = reliability_diagram(EDGES, CONF, ACC, COUNTS)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [0.25, 0.8, 0.9])  # the empty bin is left out
    centres = [p.get_x() + p.get_width() / 2 for p in ax.patches]
    np.testing.assert_allclose(centres, [0, 1, 3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.33-0.60", "0.60-0.80", "0.80-0.90", "0.90-1.00"]
    assert [t.get_text() for t in ax.texts] == ["4", "10", "30"]


def test_reliability_diagram_marks_the_mean_confidence_of_each_bin():
    ax = reliability_diagram(EDGES, CONF, ACC, COUNTS)
    ticks = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() == "mean confidence in bin"]
    assert len(ticks) == 1
    segments = ticks[0].get_segments()
    np.testing.assert_allclose([s[0, 1] for s in segments], [0.5, 0.7, 0.95])
    np.testing.assert_allclose([s[:, 0].mean() for s in segments], [0, 1, 3])


def test_reliability_diagram_error_bars_sit_on_the_ticks_and_stay_inside_0_1():
    yerr = np.array([0.6, 0.1, 0.0, 0.2])
    ax = reliability_diagram(EDGES, CONF, ACC, COUNTS, yerr=yerr)
    bars = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() != "mean confidence in bin"]
    ys = np.concatenate([s[:, 1] for c in bars for s in c.get_segments()])
    assert ys.min() >= 0.0 and ys.max() <= 1.0
    # The first bin's bar is cut at 0 below (0.5 - 0.6 < 0) and reaches 0.5 + 0.6 -> 1 above.
    assert pytest.approx(0.0) in list(ys) and pytest.approx(1.0) in list(ys)


def test_reliability_diagram_compares_two_models_side_by_side():
    fig, ax = plt.subplots()
    reliability_diagram(EDGES, CONF, ACC, COUNTS, ax=ax, label="a", offset=-0.2)
    reliability_diagram(EDGES, CONF, ACC, COUNTS, ax=ax, label="b", offset=0.2)
    centres = sorted(p.get_x() + p.get_width() / 2 for p in ax.patches)
    np.testing.assert_allclose(centres, [-0.2, 0.2, 0.8, 1.2, 2.8, 3.2])
    labels = ax.get_legend_handles_labels()[1]
    assert labels.count("mean confidence in bin") == 1 and "a" in labels and "b" in labels


def test_reliability_diagram_refuses_mismatched_shapes_and_bad_edges():
    with pytest.raises(ValueError, match="one value per bin"):
        reliability_diagram(EDGES, CONF[:3], ACC, COUNTS)
    with pytest.raises(ValueError, match="increasing"):
        reliability_diagram([0.5, 0.4, 1.0], CONF[:2], ACC[:2], COUNTS[:2])
    with pytest.raises(ValueError, match="yerr"):
        reliability_diagram(EDGES, CONF, ACC, COUNTS, yerr=[0.1])


def test_colorbar_is_a_real_colorbar():
    X, y = _data()
    ax = confidence_map(_halves, X, y, resolution=11)
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert isinstance(getattr(cbar_axes[0], "_colorbar", None), Colorbar)


def test_confusion_heatmap_writes_nonzero_counts_and_frames_the_mistakes():
    counts = np.array([[30, 0, 2], [0, 25, 0], [1, 0, 40]])
    ax = confusion_heatmap(counts, class_names=["zero", "one", "two"])
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert texts == {(0, 0): "30", (0, 2): "2", (1, 1): "25", (2, 0): "1", (2, 2): "40"}
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), counts)
    frames = sorted((round(p.get_y() + 0.45), round(p.get_x() + 0.45)) for p in ax.patches if isinstance(p, Rectangle))
    assert frames == [(0, 2), (2, 0)]  # the two off-diagonal cells, (true, predicted)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["zero", "one", "two"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close(ax.figure)


def test_confusion_heatmap_text_is_white_on_dark_cells_only():
    ax = confusion_heatmap(np.array([[100, 1], [0, 100]]))
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["100"] == "white" and colours["1"] == COLORS["black"]
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "counts, kwargs, message",
    [
        (np.ones((2, 3)), {}, "square"),
        (np.array([[1, -1], [0, 1]]), {}, "non-negative"),
        (np.array([[1.5, 0], [0, 1]]), {}, "whole numbers"),
        (np.eye(2), {"class_names": ["a"]}, "class_names"),
    ],
)
def test_confusion_heatmap_bad_input_gets_a_clear_error(counts, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_heatmap(counts, **kwargs)
    plt.close("all")
