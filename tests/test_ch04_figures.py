"""Tests of the chapter 4 figure: plotting.sum_of_kinks draws what it is given, and refuses bad shapes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from labs import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _relu_parts():
    x = np.linspace(-1.0, 1.0, 51)
    kinks = np.array([-0.5, 0.0, 0.5, 3.0])  # the last one lies outside the grid
    c = np.array([1.0, -2.0, 2.0, 5.0])
    parts = c * np.maximum(x[:, None] - kinks, 0.0)
    return x, parts, kinks


def test_sum_of_kinks_draws_every_part_the_total_and_the_target():
    x, parts, kinks = _relu_parts()
    total = parts.sum(axis=1)
    ax = plotting.sum_of_kinks(x, total=total, parts=parts, true_fn=np.abs, kinks=kinks)
    lines = ax.get_lines()
    # 4 parts + target + total + one marker line for the kinks
    assert len(lines) == 4 + 1 + 1 + 1
    np.testing.assert_allclose(lines[5].get_ydata(), total)  # the total is drawn after parts and target
    np.testing.assert_allclose(lines[4].get_ydata(), np.abs(x))
    # the kink outside [-1, 1] is left out
    np.testing.assert_allclose(lines[6].get_xdata(), kinks[:3])
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["hidden units", "target", "network", "kinks"]


def test_sum_of_kinks_accepts_column_inputs_and_an_existing_axes():
    x, parts, _ = _relu_parts()
    _, ax = plt.subplots()
    out = plotting.sum_of_kinks(x.reshape(-1, 1), total=parts.sum(axis=1).reshape(-1, 1), ax=ax)
    assert out is ax
    assert len(ax.get_lines()) == 1


def test_sum_of_kinks_refuses_bad_input():
    x, parts, _ = _relu_parts()
    with pytest.raises(ValueError, match="at least one"):
        plotting.sum_of_kinks(x)
    with pytest.raises(ValueError, match=r"parts must have shape \(51, H\)"):
        plotting.sum_of_kinks(x, parts=parts[:10])
    with pytest.raises(ValueError, match="total"):
        plotting.sum_of_kinks(x, total=np.zeros(7))
