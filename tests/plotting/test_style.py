"""labs.plotting.style: the colour-blind-safe palette, the course style, figures sized for the column."""

import matplotlib
import numpy as np
import pytest

from labs import plotting
from labs.costs import narrow_valley

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def test_colors_are_the_okabe_ito_palette():
    assert sorted(c.upper() for c in plotting.COLORS.values()) == sorted(OKABE_ITO)
    assert plotting.COLORS["vermillion"].upper() == "#D55E00"


def test_use_style_sets_the_palette_and_tight_savefig():
    assert plotting.STYLE.is_file()
    with matplotlib.rc_context():
        plotting.use_style()
        cycle = [c.upper().lstrip("#") for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert cycle == [c.lstrip("#") for c in plotting.COLORS.values()]
        assert matplotlib.rcParams["savefig.bbox"] == "tight"
        assert matplotlib.rcParams["axes.grid"] is True
        assert 80 <= matplotlib.rcParams["figure.dpi"] <= 120


def _two_class_points():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    return X, np.array([0, 1, 1, 0])


NEW_FIGURES = {
    "loss_curves": lambda: plotting.loss_curves(np.array([3.0, 2.0, 1.0])),
    "loss_surface": lambda: plotting.loss_surface(narrow_valley().value, (-1, 1), (-1, 1), resolution=20),
    "decision_boundary": lambda: plotting.decision_boundary(
        lambda P: (P[:, 0] > 0.5).astype(int), *_two_class_points(), resolution=10),
    "confidence_map": lambda: plotting.confidence_map(
        lambda P: np.column_stack([P[:, 0] > 0.5, P[:, 0] <= 0.5]).astype(float), *_two_class_points(),
        resolution=10),
    "reliability_diagram": lambda: plotting.reliability_diagram(
        [0.5, 0.75, 1.0], [0.6, 0.9], [0.5, 0.95], [3, 7]),
    "confusion_heatmap": lambda: plotting.confusion_heatmap(np.eye(10, dtype=int) * 5),
    "function_fit": lambda: plotting.function_fit(np.linspace(0, 1, 5), np.linspace(0, 1, 5)),
    "sum_of_kinks": lambda: plotting.sum_of_kinks(np.linspace(-1, 1, 5), total=np.abs(np.linspace(-1, 1, 5))),
    "network_diagram (8 layers)": lambda: plotting.network_diagram([4, 8, 8, 8, 8, 8, 8, 3]),
    "computational_graph": lambda: plotting.computational_graph({"a": (0, 0, "$a$"), "b": (1, 0, "$b$")},
                                                                [("a", "b")]),
    "phase_diagram": lambda: plotting.phase_diagram(np.ones((2, 3)), [1, 2, 3], [0, 1]),
    "layer_stats": lambda: plotting.layer_stats(np.ones(5)),
    "image_grid (20 columns)": lambda: plotting.image_grid(np.zeros((40, 64)), ncols=20).flat[0],
}


@pytest.mark.parametrize("make", NEW_FIGURES.values(), ids=NEW_FIGURES.keys())
def test_new_figures_fit_the_column(make):
    """A figure made by labs is at most MAX_WIDTH = 9.5 inches wide (issue 11): its 10 pt text shows at >= 9 px."""
    with matplotlib.rc_context():
        plotting.use_style()
        width, height = make().figure.get_size_inches()
    assert plotting.MAX_WIDTH == 9.5
    assert 0 < width <= plotting.MAX_WIDTH and height > 0
    assert 10 * 672 / (72 * width) >= 9.0  # the smallest font's size in CSS px in the 672 px column


def test_column_size_scales_wide_figures_down_and_keeps_their_shape():
    from labs.plotting.style import column_size

    assert column_size(6.0, 4.0) == (6.0, 4.0)
    w, h = column_size(19.0, 5.0)
    assert w == pytest.approx(9.5) and h == pytest.approx(2.5)
