"""Chapter 7's figure: plotting.layer_stats (one number per layer, log axis, a band, several runs)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from labs.plotting import layer_stats


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
