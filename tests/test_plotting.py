"""labs.plotting: every figure draws real content on the given axes and rejects bad shapes."""

import matplotlib

matplotlib.use("Agg")

import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from labs import plotting  # noqa: E402
from labs.data import narrow_valley  # noqa: E402
from labs.optim import trajectory  # noqa: E402
from labs.train import History  # noqa: E402


@pytest.fixture
def ax():
    return plt.subplots()[1]


def legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def contour_sets(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet)]


# --- style ---------------------------------------------------------------------

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


# --- loss_curves -------------------------------------------------------------------

def history(n=10, val=True, diverged_at=None):
    losses = list(np.geomspace(1.0, 0.01, n))
    return History(
        train_loss=losses,
        val_loss=[1.2 * v for v in losses] if val else [],
        seconds=list(0.5 * np.arange(1, n + 1)),
        diverged=diverged_at is not None,
        diverged_epoch=diverged_at,
    )


def test_loss_curves_draws_train_solid_and_validation_dashed_in_the_same_colour(ax):
    out = plotting.loss_curves(history(8), ax=ax)
    assert out is ax
    train, val = ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 9))  # epochs are 1-based
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
    assert train.get_color() == val.get_color()
    assert ax.get_yscale() == "log"
    assert legend_texts(ax) == ["train", "validation"]


def test_loss_curves_without_ax_makes_a_figure():
    ax = plotting.loss_curves(history(5, val=False), log=False)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.get_lines()) == 1
    assert ax.get_yscale() == "linear"
    assert ax.get_legend() is None  # one line, nothing to tell apart


def test_loss_curves_compares_runs_from_a_dict_of_histories_and_arrays(ax):
    plotting.loss_curves({"slow": history(6, val=False), "fast": np.array([1.0, 0.1, 0.01])}, ax=ax)
    assert legend_texts(ax) == ["slow", "fast"]
    colors = {line.get_color() for line in ax.get_lines()}
    assert len(colors) == 2


def test_loss_curves_against_seconds(ax):
    h = history(4)
    plotting.loss_curves(h, ax=ax, x="seconds")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), h.seconds)
    assert "s" in ax.get_xlabel()


def test_loss_curves_marks_a_divergence(ax):
    runs = {"ok": history(10, val=False), "too fast": history(3, val=False, diverged_at=4)}
    plotting.loss_curves(runs, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["diverged"]
    vertical = [line for line in ax.get_lines() if np.ptp(np.asarray(line.get_xdata(), float)) == 0]
    assert len(vertical) == 1 and vertical[0].get_xdata()[0] == 4


def test_loss_curves_keeps_healthy_runs_readable_next_to_an_exploding_one(ax):
    exploded = History(train_loss=[1.0, 1e50, 1e200, 1e300], diverged=True, diverged_epoch=5)
    plotting.loss_curves({"ok": history(10, val=False), "exploded": exploded}, ax=ax)
    low, high = ax.get_ylim()
    assert high <= 1e3  # not 1e300
    assert low < 0.01


def test_loss_curves_without_divergence_has_no_marker(ax):
    plotting.loss_curves(history(5), ax=ax)
    assert len(ax.texts) == 0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"history": np.ones((3, 2))}, "history"),
        ({"history": {}}, "history"),
        ({"history": {"run": np.ones((2, 2))}}, "history"),
        ({"history": np.ones(3), "x": "time"}, "x"),
        ({"history": np.ones(3), "x": "seconds"}, "seconds"),
    ],
)
def test_loss_curves_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plotting.loss_curves(**kwargs)


# --- loss_surface --------------------------------------------------------------------

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


# --- decision_boundary ----------------------------------------------------------------

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


# --- function_fit --------------------------------------------------------------------

@pytest.fixture
def sine_data():
    rng = np.random.default_rng(1)
    X = rng.uniform(-3, 3, size=(30, 1))
    return X, np.sin(X[:, 0]) + 0.1 * rng.standard_normal(30)


def test_function_fit_draws_data_models_and_truth(ax, sine_data):
    X, y = sine_data
    grid = np.linspace(-3, 3, 50)
    out = plotting.function_fit(X, y, grid, {"line": 0.3 * grid, "cubic": grid - grid**3 / 6}, ax=ax,
                                true_fn=np.sin)
    assert out is ax
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([X[:, 0], y]))
    by_label = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(by_label["true function"].get_ydata(), np.sin(grid))
    assert by_label["true function"].get_linestyle() == "--"
    np.testing.assert_allclose(by_label["cubic"].get_ydata(), grid - grid**3 / 6)
    assert legend_texts(ax) == ["data", "true function", "line", "cubic"]


def test_function_fit_accepts_column_vectors_and_a_single_prediction(sine_data):
    X, y = sine_data
    grid = np.linspace(-3, 3, 20).reshape(-1, 1)
    ax = plotting.function_fit(X[:, 0], y, x_grid=grid, predictions=np.zeros((20, 1)))
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), grid[:, 0])
    assert legend_texts(ax) == ["data", "model"]


def test_function_fit_draws_the_true_function_across_the_data_without_a_grid(ax, sine_data):
    X, y = sine_data
    plotting.function_fit(X, y, ax=ax, true_fn=np.sin)
    (line,) = ax.get_lines()
    assert line.get_xdata().min() == X.min() and line.get_xdata().max() == X.max()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"X": np.zeros((30, 2))}, "X"),
        ({"y": np.zeros(29)}, "y"),
        ({"predictions": np.zeros(10)}, "x_grid"),
        ({"x_grid": np.zeros(10), "predictions": np.zeros(9)}, "predictions"),
        ({"x_grid": np.zeros(10), "predictions": {"a": np.zeros((10, 2))}}, "predictions"),
        ({"x_grid": np.zeros((10, 2))}, "x_grid"),
    ],
)
def test_function_fit_rejects_bad_input(sine_data, kwargs, name):
    X, y = sine_data
    with pytest.raises(ValueError, match=name):
        plotting.function_fit(**({"X": X, "y": y} | kwargs))


# --- network_diagram --------------------------------------------------------------------

def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def connections(ax):
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    return lines.get_segments()


def test_network_diagram_draws_every_unit_and_connection(ax):
    out = plotting.network_diagram([2, 3, 3, 1], ax=ax)
    assert out is ax
    assert len(circles(ax)) == 2 + 3 + 3 + 1
    assert len(connections(ax)) == 2 * 3 + 3 * 3 + 3 * 1
    assert [t.get_text() for t in ax.texts] == ["input", "hidden 1", "hidden 2", "output"]
    assert not ax.axison
    assert ax.get_aspect() == 1.0


def test_network_diagram_elides_wide_layers():
    ax = plotting.network_diagram([64, 5, 10], max_units=8)
    visible = 7 + 5 + 7  # first 6 units, an ellipsis, the last unit
    assert len(circles(ax)) == visible
    assert len(connections(ax)) == 7 * 5 + 5 * 7
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(r"$\vdots$") == 2
    assert "input\n(64 units)" in texts and "hidden" in texts and "output\n(10 units)" in texts


def test_network_diagram_uses_given_labels(ax):
    plotting.network_diagram([4, 1], ax=ax, labels=["$x$", "$\\hat y$"])
    assert [t.get_text() for t in ax.texts] == ["$x$", "$\\hat y$"]
    assert len(circles(ax)) == 5


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [3]}, "sizes"),
        ({"sizes": [3, 0, 1]}, "sizes"),
        ({"sizes": [3, 2.5, 1]}, "sizes"),
        ({"sizes": [2, 3, 1], "labels": ["a", "b"]}, "labels"),
        ({"sizes": [2, 3, 1], "max_units": 2}, "max_units"),
    ],
)
def test_network_diagram_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plotting.network_diagram(**kwargs)
