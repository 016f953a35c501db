"""Chapter 3's figure: plotting.phase_diagram (a heatmap over learning rate and momentum)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import LogNorm

from labs import plotting


def _grid():
    x = np.linspace(0.1, 4.0, 6)
    y = np.linspace(0.0, 0.9, 4)
    values = np.arange(1.0, 25.0).reshape(4, 6) * 10
    diverged = np.zeros((4, 6), dtype=bool)
    diverged[:, -1] = True
    values[0, 0] = np.nan  # not reached
    return values, x, y, diverged


def test_phase_diagram_draws_values_failed_cells_marks_and_curves():
    values, x, y, diverged = _grid()
    ax = plotting.phase_diagram(values, x, y, diverged=diverged, marks={"optimum": (2.0, 0.4)},
                                curves={"limit": (np.array([2.0, 3.8]), np.array([0.0, 0.9]))}, cbar_label="steps")
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 3  # the values, the "not reached" cells, the "diverged" cells
    shown = meshes[0].get_array()
    assert shown.count() == values.size - 1 - diverged.sum()  # NaN and diverged cells are masked out
    assert isinstance(meshes[0].norm, LogNorm) and meshes[0].norm.vmin == 20.0
    assert int(meshes[2].get_array().count()) == diverged.sum()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["not reached", "diverged", "limit", "optimum"]
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar
    assert ax.figure.axes[1].get_ylabel() == "steps"
    assert ax.get_xlim() == pytest.approx((x[0] - 0.39, x[-1] + 0.39))
    plt.close(ax.figure)


def test_phase_diagram_without_failures_has_no_grey_cells_and_linear_scale():
    values, x, y, _ = _grid()
    values[0, 0] = 5.0
    fig, ax = plt.subplots()
    assert plotting.phase_diagram(values, x, y, ax=ax, log=False) is ax
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and not isinstance(meshes[0].norm, LogNorm)
    assert ax.get_legend() is None
    plt.close(fig)


def test_phase_diagram_all_diverged_draws_no_colour_bar():
    values, x, y, _ = _grid()
    ax = plotting.phase_diagram(values, x, y, diverged=np.ones(values.shape, dtype=bool))
    assert len(ax.figure.axes) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["diverged"]
    plt.close(ax.figure)


@pytest.mark.parametrize("bad", [
    {"values": np.ones((6, 4))},                    # transposed
    {"diverged": np.zeros((3, 6), dtype=bool)},     # wrong shape
    {"x": np.array([1.0])},                         # too short
])
def test_phase_diagram_rejects_mismatched_shapes(bad):
    values, x, y, diverged = _grid()
    args = {"values": values, "x": x, "y": y, "diverged": diverged, **bad}
    with pytest.raises(ValueError, match="shape|entries"):
        plotting.phase_diagram(args["values"], args["x"], args["y"], diverged=args["diverged"])
    plt.close("all")


def test_phase_diagram_log_scale_refuses_non_positive_values():
    values, x, y, _ = _grid()
    values[1, 1] = 0.0
    with pytest.raises(ValueError, match="positive"):
        plotting.phase_diagram(values, x, y)
    plt.close("all")
