"""labs.widgets: the live explorers redraw on slider changes; the static twins hold one frame per setting."""

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import path_line, title  # noqa: E402  (tests/conftest.py)
from IPython.display import HTML  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from labs import widgets as lw  # noqa: E402
from labs.data import narrow_valley  # noqa: E402
from labs.optim import trajectory  # noqa: E402


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
