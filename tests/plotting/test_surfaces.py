"""labs.plotting.surfaces: loss_surface (contours and paths) and phase_diagram (chapter 3's heatmap)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import contour_sets, legend_texts  # tests/helpers.py
from matplotlib.collections import QuadMesh
from matplotlib.colors import LogNorm

from labs import plotting
from labs.data import narrow_valley
from labs.optim import trajectory


@pytest.fixture
def valley():
    return narrow_valley(kappa=20)


def test_loss_surface_draws_log_spaced_contours(ax, valley):
    out = plotting.loss_surface(valley.value, (-5, 5), (-2, 2), ax=ax, levels=15)
    assert out is ax
    (cs,) = contour_sets(ax)
    levels = np.asarray(cs.levels)
    assert len(levels) == 15
    ratios = levels[1:] / levels[:-1]  # the minimum of the valley is 0, so the levels are geometric
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-3)
    assert ax.get_xlabel() == "$w_1$" and ax.get_ylabel() == "$w_2$"


def test_loss_surface_linear_levels(ax, valley):
    plotting.loss_surface(valley.value, (-5, 5), (-2, 2), ax=ax, levels=10, log_levels=False)
    levels = np.asarray(contour_sets(ax)[0].levels)
    np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0])


def test_loss_surface_draws_each_trajectory_its_start_and_the_minimum(ax, valley):
    paths = {f"γ = {g}": trajectory(valley.grad, (-4, 1.5), 1.0, g, 30)[0] for g in (0.0, 0.5)}
    plotting.loss_surface(valley.value, (-5, 5), (-2, 2), ax=ax, trajectories=paths, minimum=valley.w_star)
    assert legend_texts(ax) == ["γ = 0.0", "start", "γ = 0.5", "minimum"]
    by_label = {line.get_label(): line for line in ax.get_lines()}
    for label, path in paths.items():
        np.testing.assert_allclose(by_label[label].get_xydata(), path)
    assert by_label["minimum"].get_marker() == "*"
    starts = [line for line in ax.get_lines() if line.get_markerfacecolor() == "none"]
    assert len(starts) == 2  # a ring on the start of each path


def test_loss_surface_keeps_the_view_when_a_path_leaves_it(ax, valley):
    far = np.array([[-4.0, 1.5], [100.0, -300.0]])
    plotting.loss_surface(valley.value, (-5, 5), (-2, 2), ax=ax, trajectories=far)
    assert ax.get_xlim() == (-5, 5) and ax.get_ylim() == (-2, 2)
    assert legend_texts(ax) == ["path", "start"]


def bad_f(w):
    return np.ones(3)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"trajectories": np.zeros((5, 3))}, "trajectories"),
        ({"trajectories": {"a": np.zeros(5)}}, "trajectories"),
        ({"minimum": np.zeros(3)}, "minimum"),
        ({"f": bad_f}, "f must map"),
        ({"xlim": (5, -5)}, "xlim"),
        ({"ylim": (1, 2, 3)}, "ylim"),
        ({"resolution": 1}, "resolution"),
    ],
)
def test_loss_surface_rejects_bad_input(valley, kwargs, name):
    args = {"f": valley.value, "xlim": (-5, 5), "ylim": (-2, 2)} | kwargs
    with pytest.raises(ValueError, match=name):
        plotting.loss_surface(**args)


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
