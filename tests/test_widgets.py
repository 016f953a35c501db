"""labs.widgets: the live explorers redraw on slider changes; the static twins hold one frame per setting."""

import base64
import io
import json
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import path_line, title  # tests/helpers.py
from IPython.display import HTML
from matplotlib.figure import Figure

from labs import widgets as lw
from labs.data import Quadratic, narrow_valley
from labs.optim import trajectory


def all_plotted_data(fig):
    return [line.get_xydata() for ax in fig.axes for line in ax.get_lines()]


def twin_data(html):
    """The frames and slider values a static twin carries (its ``script.book-twin-data``)."""
    return json.loads(re.search(r'<script type="application/json" class="book-twin-data">(.*?)</script>',
                                html).group(1).replace("<\\/", "</"))


def n_frames(html):
    """The number of frames of a static twin; each a PNG ``data:`` URL, as many as the slider's values."""
    data = twin_data(html)
    assert all(f.startswith("data:image/png;base64,") for f in data["frames"])
    assert len(data["values"]) == len(data["frames"])
    assert re.search(rf'<input type="range"[^>]* max="{len(data["frames"]) - 1}"', html)
    return len(data["frames"])


# --- momentum_explorer ------------------------------------------------------------------

@pytest.fixture
def explorer():
    return lw.momentum_explorer()


def test_momentum_explorer_has_the_two_sliders_and_a_figure(explorer):
    assert isinstance(explorer, widgets.Box)
    assert isinstance(explorer.lr_slider, widgets.FloatLogSlider)
    assert isinstance(explorer.momentum_slider, widgets.FloatSlider)
    assert explorer.lr_slider in explorer.children and explorer.momentum_slider in explorer.children
    assert isinstance(explorer.output, widgets.Output) and explorer.output in explorer.children
    assert "learning rate η" in explorer.lr_slider.description
    assert "γ" in explorer.momentum_slider.description
    assert (explorer.momentum_slider.min, explorer.momentum_slider.max) == (0.0, 0.99)
    fig = explorer.figure
    assert len(fig.axes) == 2
    assert fig.axes[1].get_yscale() == "log"
    assert "diverged" not in title(fig)


def test_momentum_explorer_slider_range_reaches_slow_good_and_divergent_rates(explorer):
    valley = narrow_valley(kappa=20)
    lr_min, lr_max = 10 ** explorer.lr_slider.min, 10 ** explorer.lr_slider.max
    assert lr_max > 2 / valley.L  # divergence without momentum is reachable
    assert lr_min <= 0.02 / valley.L  # and a crawl
    # the default start shows the zig-zag of plain gradient descent: w_2 changes sign
    w2 = path_line(explorer.figure)[:6, 1]
    assert np.all(np.sign(w2[1:]) != np.sign(w2[:-1]))


def test_moving_the_learning_rate_slider_redraws_the_path(explorer):
    before = path_line(explorer.figure)
    explorer.lr_slider.value = 0.5
    after = path_line(explorer.figure)
    expected, _ = trajectory(narrow_valley(kappa=20).grad, (-4.0, 1.5), 0.5, 0.0, 60)
    np.testing.assert_allclose(after, expected)
    assert not np.allclose(before[1:5], after[1:5])
    assert "η = 0.5" in title(explorer.figure)


def test_moving_the_momentum_slider_redraws_the_path(explorer):
    before = path_line(explorer.figure)
    explorer.momentum_slider.value = 0.5
    after = path_line(explorer.figure)
    assert not np.allclose(before[2:6], after[2:6])
    assert "γ = 0.50" in title(explorer.figure)


def test_a_divergent_learning_rate_says_so_and_plots_no_nan(explorer):
    explorer.lr_slider.value = 3.0  # above 2/L = 2 without momentum
    fig = explorer.figure
    assert "diverged" in title(fig)
    data = all_plotted_data(fig)
    assert data and all(np.all(np.isfinite(d)) for d in data)
    assert [t.get_text() for t in fig.axes[1].texts] == ["diverged"]
    assert fig.axes[0].get_xlim() == pytest.approx((-5.2, 5.2))  # the view stays on the valley


def test_momentum_allows_a_larger_learning_rate(explorer):
    explorer.lr_slider.value = 3.0
    explorer.momentum_slider.value = 0.6  # heavy ball is stable up to 2 (1 + γ) / L = 3.2
    assert "diverged" not in title(explorer.figure)


def test_each_redraw_displays_the_new_figure_once(monkeypatch):
    shown = []
    monkeypatch.setattr(lw, "display", shown.append)
    box = lw.momentum_explorer()
    box.lr_slider.value = 1.0
    assert len(shown) == 2 and shown[-1] is box.figure


def test_redraws_leave_no_open_figures(explorer):
    for lr in (0.1, 0.2, 0.3):
        explorer.lr_slider.value = lr
    assert plt.get_fignums() == []


# --- live_explorer ----------------------------------------------------------------

def test_live_explorer_calls_draw_with_the_slider_values():
    calls = []

    def draw(fig, a, b):
        calls.append((a, b))
        fig.add_subplot().plot([0, 1], [a, b])

    a, b = widgets.FloatSlider(value=1.0), widgets.IntSlider(value=2)
    box = lw.live_explorer(draw, {"a": a, "b": b}, figsize=(4, 3))
    assert calls == [(1.0, 2)]
    b.value = 5
    assert calls == [(1.0, 2), (1.0, 5)]
    np.testing.assert_allclose(box.figure.axes[0].get_lines()[0].get_ydata(), [1.0, 5])
    assert tuple(box.figure.get_size_inches()) == (4, 3)
    assert box.sliders == {"a": a, "b": b}


@pytest.mark.parametrize("sliders", [{}, {"a": 3.0}])
def test_live_explorer_rejects_bad_sliders(sliders):
    with pytest.raises(ValueError, match="sliders"):
        lw.live_explorer(lambda fig, **v: None, sliders)


# --- static twins --------------------------------------------------------------------

def test_static_twin_has_a_frame_per_setting_and_a_range_slider():
    seen = []

    def draw(fig, setting):
        assert isinstance(fig, Figure)
        assert not fig.axes  # every frame starts from an empty figure
        seen.append(setting)
        fig.add_subplot().plot([0, 1], [0, setting])

    html = lw.static_twin(draw, [1, 2, 3], figsize=(3, 2), title=lambda s: f"s = {s}")
    assert isinstance(html, HTML)
    assert re.search(r'<input[^>]*type="range"', html.data)
    assert n_frames(html.data) == 3
    assert twin_data(html.data)["values"] == ["s = 1", "s = 2", "s = 3"]  # the title names the setting
    assert set(seen) == {1, 2, 3}
    assert plt.get_fignums() == []  # no stray static figure for the notebook to show


def test_static_twin_rejects_no_settings():
    with pytest.raises(ValueError, match="settings"):
        lw.static_twin(lambda fig, s: None, [])


def test_momentum_animation_with_given_settings():
    settings = [(0.1, 0.0), (1.8, 0.5), (3.0, 0.0)]
    html = lw.momentum_animation(settings=settings, steps=20)
    assert isinstance(html, HTML)
    assert re.search(r'<input[^>]*type="range"', html.data)
    assert n_frames(html.data) == len(settings)
    assert twin_data(html.data)["values"] == ["0.1, 0", "1.8, 0.5", "3, 0"]
    assert plt.get_fignums() == []


def test_momentum_animation_draws_the_same_picture_as_the_explorer(monkeypatch):
    drawn = []
    real = lw._draw_momentum

    def spy(fig, *args):
        real(fig, *args)
        drawn.append((args[2], args[3], title(fig)))

    monkeypatch.setattr(lw, "_draw_momentum", spy)
    lw.momentum_animation(settings=[(3.0, 0.0), (1.8, 0.5)], steps=20)
    titles = {(lr, g): t for lr, g, t in drawn}
    assert "diverged" in titles[(3.0, 0.0)]
    assert "η = 1.8, γ = 0.50" in titles[(1.8, 0.5)] and "diverged" not in titles[(1.8, 0.5)]


def test_momentum_animation_rejects_bad_settings():
    with pytest.raises(ValueError, match="settings"):
        lw.momentum_animation(settings=[(0.1, 0.0, 5)])


@pytest.mark.slow
def test_momentum_animation_default_sweeps_momentum_in_a_small_page():
    html = lw.momentum_animation().data
    assert 5 <= n_frames(html) <= 20
    assert len(html) < 3_000_000  # a few MB at most in the built page


def test_static_twin_gives_its_picture_alt_text_and_its_slider_a_label():
    """The twin writes the alt text it is given (or a default) and a labelled slider showing its value."""

    def draw(fig, k):
        fig.add_subplot().plot([0, 1], [0, k])

    html = lw.static_twin(draw, [1, 2], figsize=(2, 2), alt='Lines of slope 1 and 2 "steep"', label="slope").data
    assert '<img src="data:image/png;base64,' in html and 'alt="Lines of slope 1 and 2 &quot;steep&quot;"' in html
    sid = re.search(r'<input type="range" id="([^"]+)"', html).group(1)
    assert f'<label for="{sid}">slope</label>' in html
    assert f'aria-valuetext="1"><output for="{sid}">1</output>' in html
    default = lw.static_twin(draw, [1, 2, 3], figsize=(2, 2)).data
    assert 'alt="A figure with 3 precomputed versions' in default


def test_static_twin_frames_are_palette_pngs_that_say_their_dpi():
    """Frames: 256-colour PNGs at the twin's dpi, tagged as matplotlib's (the browser test reads both)."""
    from PIL import Image

    def draw(fig, k):
        fig.add_subplot().plot([0, 1], [0, k])

    frames = twin_data(lw.static_twin(draw, [1, 2], figsize=(3, 2), dpi=80).data)["frames"]
    image = Image.open(io.BytesIO(base64.b64decode(frames[0].split(",", 1)[1])))
    assert image.mode == "P" and image.size == (240, 160)
    assert round(image.info["dpi"][0]) == 80 and image.info["Software"].startswith("Matplotlib")
    assert frames[0] != frames[1]


def test_static_twin_html_survives_a_closing_script_tag_in_its_values():
    html = lw.static_twin(lambda fig, s: fig.add_subplot(), ["</script>"], figsize=(1, 1)).data
    assert html.count("</script>") == 2  # the data's and the inline script's own
    assert twin_data(html)["values"] == ["</script>"]


# --- chapter 1's explorer: learning_rate_explorer and its twin learning_rate_animation ---

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
