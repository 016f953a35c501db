"""labs.plotting.regression: function_fit and sum_of_kinks (chapter 4)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import legend_texts  # tests/helpers.py
from matplotlib.collections import PathCollection

from labs import plotting


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
