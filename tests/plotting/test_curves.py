"""labs.plotting.curves: loss_curves (training curves) and layer_stats (one number per layer, chapter 7)."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import legend_texts  # tests/helpers.py
from matplotlib.patches import Rectangle

from labs import plotting
from labs.plotting import layer_stats
from labs.train import History


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


def test_one_line_per_run_at_layers_one_to_L_on_a_log_axis():
    runs = {"small": 0.5 ** np.arange(1, 11), "right": np.ones(10), "large": 1.4 ** np.arange(1, 11)}
    ax = layer_stats(runs)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(runs)
    for line, values in zip(lines, runs.values()):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 11))
        np.testing.assert_allclose(line.get_ydata(), values)
    assert ax.get_yscale() == "log"
    assert ax.get_legend() is not None
    assert ax.get_xlabel() == "layer $l$"
    plt.close(ax.figure)


def test_a_single_array_draws_one_unlabelled_line_without_legend():
    ax = layer_stats(np.array([1.0, 2.0, 4.0]))
    assert len(ax.get_lines()) == 1
    assert ax.get_legend() is None
    plt.close(ax.figure)


def test_band_is_shaded_between_its_limits_and_ylim_is_kept():
    ax = layer_stats({"a": np.ones(5)}, band=(0.25, 4.0), ylim=(1e-3, 1e3))
    spans = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(spans) == 1
    assert spans[0].get_y() == pytest.approx(0.25)
    assert spans[0].get_y() + spans[0].get_height() == pytest.approx(4.0)
    assert ax.get_ylim() == pytest.approx((1e-3, 1e3))
    plt.close(ax.figure)


def test_zero_and_non_finite_entries_are_left_out_not_drawn_at_minus_infinity():
    ax = layer_stats(np.array([1.0, 0.0, np.inf, 1e-3]))
    y = ax.get_lines()[0].get_ydata()
    assert np.isnan(y[1]) and np.isnan(y[2])
    assert y[0] == 1.0 and y[3] == 1e-3
    plt.close(ax.figure)


def test_draws_on_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert layer_stats(np.ones(3), ax=right) is right
    assert len(left.get_lines()) == 0
    plt.close(fig)


@pytest.mark.parametrize(
    "values, message",
    [(np.ones((3, 2)), "1-D array"), ({}, "empty dict"), ({"x": np.array([])}, "1-D array")],
)
def test_bad_values_get_a_clear_error(values, message):
    with pytest.raises(ValueError, match=message):
        layer_stats(values)
    plt.close("all")


def test_a_bad_band_gets_a_clear_error():
    with pytest.raises(ValueError, match="band"):
        layer_stats(np.ones(3), band=(2.0, 1.0))
    plt.close("all")
