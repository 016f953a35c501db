"""Tests of the chapter 1 explorer: widgets.learning_rate_explorer and its static twin learning_rate_animation.

They draw plain gradient descent on a 2-D quadratic at one learning rate: the path, the loss above its minimum
(with the divergence reported by labs.trajectory marked), and the learning-rate axis with 1/L and 2/L marked.
"""

import matplotlib

matplotlib.use("Agg")

import json  # noqa: E402
import re  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import path_line, title  # noqa: E402  (tests/conftest.py)
from IPython.display import HTML  # noqa: E402

from labs import widgets as lw  # noqa: E402
from labs.data import Quadratic, narrow_valley  # noqa: E402
from labs.optim import trajectory  # noqa: E402

W0 = np.array([-2.0, 1.5])


@pytest.fixture
def bowl():
    """A tilted 2-D bowl like chapter 1's (w, b) cost: curvatures about 2.87 and 0.47, minimum at (2, -1)."""
    return Quadratic(A=np.array([[2.333, 1.0], [1.0, 1.0]]), w_star=np.array([2.0, -1.0]))


def draw(bowl, lr, steps=60, lr_max=None):
    fig = plt.figure(figsize=(10, 5))
    lw._draw_learning_rate(fig, bowl, W0, lr, steps, 1.3 * 2 / bowl.L if lr_max is None else lr_max)
    return fig


def marker_x(fig):
    """The x position of the triangle that marks the learning rate on the bottom axis."""
    (line,) = [line for line in fig.axes[2].get_lines() if line.get_marker() == "v"]
    return float(line.get_xdata()[0])


def test_draws_the_path_of_trajectory_and_the_loss_above_the_minimum(bowl):
    lr = 0.5 * 2 / bowl.L
    fig = draw(bowl, lr)
    expected, diverged = trajectory(bowl.grad, W0, lr, 0.0, 60)
    assert not diverged
    np.testing.assert_allclose(path_line(fig), expected)
    (loss_line,) = fig.axes[1].get_lines()
    np.testing.assert_allclose(loss_line.get_ydata(), bowl.value(expected[1:]))
    assert fig.axes[1].get_yscale() == "log"
    assert "diverged" not in title(fig) and "0.50 × 2/λ_max" in title(fig)


def test_marks_the_learning_rate_and_the_critical_rates(bowl):
    lr = 0.8 * 2 / bowl.L
    fig = draw(bowl, lr)
    assert marker_x(fig) == pytest.approx(lr)
    ax_rate = fig.axes[2]
    dashed = [line for line in ax_rate.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(2 / bowl.L)
    (marks,) = ax_rate.child_axes
    np.testing.assert_allclose(marks.get_xticks(), [1 / bowl.L, 2 / bowl.L])
    names = {t.get_text() for t in ax_rate.texts}
    assert names == {"monotone", "zig-zag", "diverges"}


def test_the_three_regimes_show_in_the_path(bowl):
    """Below 1/L the error along the steepest direction keeps its sign; between 1/L and 2/L it flips every step."""
    q_max = np.linalg.eigh(bowl.A)[1][:, -1]
    for factor, flips in ((0.4, False), (0.9, True)):
        c = (path_line(draw(bowl, factor * 2 / bowl.L))[:10] - bowl.w_star) @ q_max
        assert np.all(np.sign(c[1:]) != np.sign(c[:-1])) == flips


def test_a_divergent_rate_is_reported_and_marked(bowl):
    lr = 1.5 * 2 / bowl.L
    fig = draw(bowl, lr, steps=100)
    path, diverged = trajectory(bowl.grad, W0, lr, 0.0, 100)
    assert diverged and f"diverged after {len(path) - 1} steps" in title(fig)
    ax_loss = fig.axes[1]
    assert any(t.get_text() == "diverged" for t in ax_loss.texts)
    # the path panel keeps its view on the surface instead of following the blow-up
    assert ax_loss.get_xlim()[1] == 101
    assert fig.axes[0].get_xlim()[1] < 100


def test_explorer_starts_at_1_over_L_and_redraws_on_a_slider_change(bowl):
    box = lw.learning_rate_explorer(bowl, W0, steps=40)
    assert isinstance(box, widgets.Box) and box.lr_slider in box.children
    assert box.lr_slider.value == pytest.approx(1 / bowl.L, rel=1e-2)
    assert box.lr_slider.min < 0.1 / bowl.L and box.lr_slider.max > 2 / bowl.L  # all three regimes reachable
    first = box.figure
    assert marker_x(first) == pytest.approx(box.lr_slider.value)
    box.lr_slider.value = box.lr_slider.max
    assert box.figure is not first
    assert marker_x(box.figure) == pytest.approx(box.lr_slider.max)
    assert "diverged" in title(box.figure)


def test_animation_has_one_frame_per_learning_rate():
    valley = narrow_valley(kappa=5.0)
    lrs = [0.2, 1.0, 2.5]
    html = lw.learning_rate_animation(valley, W0, lrs, steps=20)
    assert isinstance(html, HTML)
    frames = json.loads(re.search(r'class="book-twin-data">(.*?)</script>', html.data).group(1))["frames"]
    assert len(frames) == len(lrs) and all(f.startswith("data:image/png;base64,") for f in frames)


@pytest.mark.parametrize("lrs", [[], [0.5, -1.0], [0.0]])
def test_animation_refuses_bad_learning_rates(lrs):
    with pytest.raises(ValueError, match="positive learning rates"):
        lw.learning_rate_animation(narrow_valley(), W0, lrs)
