"""Interactive explorers (ipywidgets) and their static twins. Drawing only.

Each explorer has two forms:

* a *live* one, :func:`live_explorer`: sliders that redraw a figure; it needs a
  running kernel (Jupyter, Binder, Colab);
* a *static twin*, :func:`static_twin`: the same figure precomputed for a few
  settings and packed into a JavaScript animation with a frame slider, which
  works in the built HTML book where no kernel runs.

Both take a ``draw(fig, ...)`` function that draws one setting into an empty
figure, so the live and the static form show exactly the same picture.
"""

import base64
import io
import json
import uuid
from functools import partial
from html import escape

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from matplotlib.figure import Figure

from .data import narrow_valley
from .explorers import learning_rate_readout, learning_rate_run, momentum_readout, momentum_run, view_limits
from .plotting import COLORS, loss_curves, loss_surface
from .train import History
from .twins import learning_rate_twin, momentum_twin

__all__ = [
    "Explorer", "live_explorer", "static_twin", "momentum_explorer", "momentum_animation",
    "learning_rate_explorer", "learning_rate_animation", "momentum_twin", "learning_rate_twin",
]


# --- generic machinery --------------------------------------------------------

class Explorer(widgets.VBox):
    """The sliders above the figure they control.

    ``sliders``: dict name -> slider widget; ``output``: the ``Output`` widget
    showing the figure; ``figure``: the figure drawn last.
    """

    def __init__(self, sliders, output, **kwargs):
        super().__init__([*sliders.values(), output], **kwargs)
        self.sliders = sliders
        self.output = output
        self.figure = None


def live_explorer(draw, sliders, figsize=(10, 4)):
    """Sliders that redraw a figure: ``draw(fig, **values)`` runs on every change.

    ``draw(fig, **values)`` draws into an empty figure; ``values`` maps each name
    in ``sliders`` (dict name -> ipywidgets slider) to its current value.
    Returns an :class:`Explorer` (an ``ipywidgets.VBox``); display it, or make it
    the last line of a cell.
    """
    if not sliders or not all(isinstance(w, widgets.ValueWidget) for w in sliders.values()):
        raise ValueError("sliders must be a non-empty dict of name -> ipywidgets slider")
    output = widgets.Output()
    box = Explorer(sliders, output)

    def redraw(change=None):
        fig = plt.figure(figsize=figsize, layout="constrained")
        draw(fig, **{name: w.value for name, w in sliders.items()})
        box.figure = fig
        with output:
            output.clear_output(wait=True)
            display(fig)
        plt.close(fig)  # shown once by display; pyplot must not show it again

    for w in sliders.values():
        w.observe(redraw, names="value")
    redraw()
    return box


def static_twin(draw, settings, figsize=(10, 4), title=None, dpi=80, interval=None, alt=None,
                label="setting", value_text=None):
    """The kernel-free twin of an explorer: one precomputed frame per setting, and a slider.

    ``draw(fig, setting)`` draws one setting into an empty figure; ``settings``: a
    list of settings (keep it to about 20: every frame is an image inside the page).
    ``title``: ``None``, a string, or ``title(setting) -> str``, shown above each frame.
    ``alt``: the text a screen reader says for the picture; say what the frames show.
    ``label``: the slider's label; ``value_text(setting) -> str``: the value it shows
    (default: ``title`` if it is a function, else the setting, numbers to 3 significant
    digits). ``interval`` is unused
    (the twin does not play by itself; kept for older calls).

    The frames are PNGs at ``dpi`` with a 256-colour palette (a third the size of full
    colour), each tagged with its dpi. Returns ``IPython.display.HTML``: the first frame,
    a labelled range slider that shows its value, and a short inline script that swaps
    the frame when the slider moves (in the built book and in a notebook alike).
    """
    settings = list(settings)
    if not settings:
        raise ValueError("settings must hold at least one setting to draw")
    # A bare Figure, not plt.figure: pyplot never shows it as a stray static image.
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    frames = []
    for setting in settings:
        fig.clear()
        draw(fig, setting)
        if title is not None:
            fig.suptitle(title(setting) if callable(title) else title)
        frames.append(_palette_png(fig, dpi))
    if value_text is None:
        value_text = title if callable(title) else _setting_text
    values = [value_text(s) for s in settings]
    alt = alt or f"A figure with {len(settings)} precomputed versions; the slider below it chooses one."
    key = f"book-twin-{uuid.uuid4().hex[:8]}"
    data = json.dumps({"frames": frames, "values": values}, separators=(",", ":"), ensure_ascii=False)
    data = data.replace("</", "<\\/")  # no "</script>" inside the script element
    first = escape(values[0], quote=True)
    return HTML(
        f'<div class="book-twin" id="{key}"><img src="{frames[0]}" alt="{escape(alt, quote=True)}">'
        f'<div class="book-explorer-slider"><label for="{key}-s">{escape(label)}</label>'
        f'<input type="range" id="{key}-s" min="0" max="{len(settings) - 1}" step="1" value="0" '
        f'aria-valuetext="{first}"><output for="{key}-s">{first}</output></div>'
        f'<script type="application/json" class="book-twin-data">{data}</script>'
        f"<script>{_TWIN_JS % key}</script></div>")


# Swaps the frame and the shown value when the slider moves (no computation: the frames are made).
_TWIN_JS = ('(function(){var r=document.getElementById("%s");if(!r||r.dataset.ready)return;r.dataset.ready="1";'
            'var d=JSON.parse(r.querySelector("script.book-twin-data").textContent),i=r.querySelector("img"),'
            's=r.querySelector("input"),o=r.querySelector("output");s.addEventListener("input",function(){'
            'var k=Number(s.value);i.src=d.frames[k];o.textContent=d.values[k];'
            's.setAttribute("aria-valuetext",d.values[k]);});})();')


def _setting_text(setting):
    if isinstance(setting, (tuple, list)):
        return ", ".join(_setting_text(s) for s in setting)
    if isinstance(setting, (float, np.floating)):
        return f"{setting:.3g}"
    return str(setting)


def _palette_png(fig, dpi):
    """``fig`` as a ``data:`` URL of a PNG with a 256-colour palette, its dpi and matplotlib's Software tag."""
    from PIL import Image, PngImagePlugin

    software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=dpi, metadata={"Software": software})
    image = Image.open(raw).convert("RGB").quantize(colors=256)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", software)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(dpi, dpi), pnginfo=info)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


# --- momentum on a narrow valley ---------------------------------------------------

def _draw_momentum(fig, quadratic, w0, lr, momentum, steps):
    """Two panels: the path of gradient descent with momentum, and its loss per step.

    ``quadratic``: a :class:`~labs.data.Quadratic` with ``P = 2``; ``w0``: ``(2,)``.
    The run is :func:`labs.explorers.momentum_run` (the kernel-free twin computes the same);
    a diverged path is drawn until it leaves the picture and the title says so.
    """
    run = momentum_run(quadratic, w0, lr, momentum, steps)
    W, losses, diverged = run.W, run.losses, run.diverged
    xlim, ylim = view_limits(quadratic, w0)
    path = W
    if diverged:  # beyond the picture the steps only smear the view: stop at the first one outside
        outside = (W[:, 0] < xlim[0]) | (W[:, 0] > xlim[1]) | (W[:, 1] < ylim[0]) | (W[:, 1] > ylim[1])
        if outside.any():
            path = W[: np.argmax(outside) + 1]

    ax_path, ax_loss = fig.subplots(1, 2)
    loss_surface(quadratic.value, xlim, ylim, ax=ax_path, trajectories=path, minimum=quadratic.w_star, levels=12)
    ax_path.set_title("path of $w$")
    history = History(train_loss=list(losses), diverged=diverged, diverged_epoch=len(W) if diverged else None)
    loss_curves(history, ax=ax_loss)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss $C(w)$")
    ax_loss.set_title("loss")
    ax_loss.set_xlim(0, steps + 1)
    fig.suptitle(momentum_readout(run), color=COLORS["vermillion"] if diverged else COLORS["black"])


def momentum_explorer(quadratic=None, w0=(-4.0, 1.5), steps=60, lr=1.8, momentum=0.0):
    """Sliders for the learning rate η and the momentum γ of gradient descent on a valley.

    ``quadratic``: a 2-D :class:`~labs.data.Quadratic` (default
    ``narrow_valley(kappa=20)``, curvatures 1 and 1/20); ``w0``: the start ``(2,)``.
    Try: a small η (slow crawl), η near 2 (zig-zag across the valley), a good η with
    γ around 0.5 (fast), η above 2 without momentum (divergence).
    Returns an :class:`Explorer` with ``lr_slider`` and ``momentum_slider``.
    """
    quadratic = narrow_valley(kappa=20) if quadratic is None else quadratic
    lr_slider = widgets.FloatLogSlider(
        value=lr, base=10, min=-2, max=np.log10(4.0), step=0.01, description="learning rate η",
        readout_format=".3f", continuous_update=False, style={"description_width": "initial"},
        layout=widgets.Layout(width="450px"),
    )
    momentum_slider = widgets.FloatSlider(
        value=momentum, min=0.0, max=0.99, step=0.01, description="momentum γ",
        readout_format=".2f", continuous_update=False, style={"description_width": "initial"},
        layout=widgets.Layout(width="450px"),
    )
    draw = partial(_draw_momentum, quadratic=quadratic, w0=w0, steps=steps)
    box = live_explorer(draw, {"lr": lr_slider, "momentum": momentum_slider}, figsize=(10, 4))
    box.lr_slider, box.momentum_slider = lr_slider, momentum_slider
    return box


def momentum_animation(quadratic=None, w0=(-4.0, 1.5), settings=None, steps=60):
    """The static twin of :func:`momentum_explorer`: one frame per ``(lr, momentum)`` setting.

    ``settings``: a list of ``(lr, momentum)`` pairs; the default sweeps γ from 0
    to 0.9 at η = 1.8, from the zig-zag of plain gradient descent to the spiral
    of too much momentum. Returns ``IPython.display.HTML`` (a frame slider that
    works without a kernel).
    """
    quadratic = narrow_valley(kappa=20) if quadratic is None else quadratic
    if settings is None:
        settings = [(1.8, gamma) for gamma in np.round(np.arange(0.0, 0.91, 0.1), 2)]
    settings = [tuple(s) for s in settings]
    if not all(len(s) == 2 for s in settings):
        raise ValueError("settings must be a list of (lr, momentum) pairs")

    def draw(fig, setting):
        _draw_momentum(fig, quadratic, w0, setting[0], setting[1], steps)

    alt = ("Gradient descent with momentum on a narrow valley: the path on the contour lines and its loss "
           "curve, one frame per setting of the learning rate and momentum.")
    return static_twin(draw, settings, figsize=(10, 4), alt=alt)


# --- the learning rate on a quadratic cost (chapter 1) ------------------------------

def _draw_learning_rate(fig, quadratic, w0, lr, steps, lr_max, labels=("$w$", "$b$")):
    """Plain gradient descent at one learning rate: its path, its loss, and where ``lr`` sits.

    ``quadratic``: a 2-D :class:`~labs.data.Quadratic`, for example the cost of a
    one-input linear regression in ``(w, b)`` minus its minimum; ``w0``: the start ``(2,)``.
    Top left: the path on the contours. Top right: ``C - C_min`` per step, with the
    step where :func:`~labs.optim.trajectory` stopped a diverging run marked. Bottom:
    the learning-rate axis from 0 to ``lr_max`` with the regimes of the largest
    curvature ``L``: monotone below ``1/L``, zig-zag up to ``2/L``, divergence above
    it; a triangle marks ``lr``.
    """
    run = learning_rate_run(quadratic, w0, lr, steps)  # the kernel-free twin computes the same
    W, losses, diverged = run.W, run.losses, run.diverged
    grid = fig.add_gridspec(2, 2, height_ratios=[4, 1])
    ax_path, ax_loss, ax_rate = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])
    xlim, ylim = view_limits(quadratic, w0)
    loss_surface(quadratic.value, xlim, ylim, ax=ax_path, trajectories=W, minimum=quadratic.w_star, labels=labels,
                 resolution=100)
    ax_path.set_title("path of gradient descent")
    history = History(train_loss=list(losses), diverged=diverged, diverged_epoch=len(W) if diverged else None)
    loss_curves(history, ax=ax_loss)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel(r"$C - C_{\min}$")
    ax_loss.set_title("loss above its minimum")
    ax_loss.set_xlim(0, steps + 1)

    critical = 2.0 / quadratic.L
    regimes = [(0.0, critical / 2, "green", "monotone"), (critical / 2, critical, "orange", "zig-zag"),
               (critical, max(lr_max, critical), "vermillion", "diverges")]
    for low, high, color, name in regimes:
        ax_rate.axvspan(low, high, color=COLORS[color], alpha=0.25, linewidth=0)
        if high > low:
            ax_rate.text((low + high) / 2, 0.75, name, ha="center", va="center", fontsize="small")
    ax_rate.axvline(critical, color=COLORS["black"], linestyle="--", linewidth=1.5)
    marks = ax_rate.secondary_xaxis("top")
    marks.set_xticks([critical / 2, critical], labels=[r"$1/\lambda_{\max}$", r"$2/\lambda_{\max}$"])
    ax_rate.plot([lr], [0.3], "v", color=COLORS["black"], markersize=12, clip_on=False)
    ax_rate.set_xlim(0, lr_max)
    ax_rate.set_ylim(0, 1)
    ax_rate.set_yticks([])
    ax_rate.grid(False)
    ax_rate.set_xlabel("learning rate η")
    fig.suptitle(learning_rate_readout(run, quadratic.L), color=COLORS["vermillion"] if diverged else COLORS["black"])


def learning_rate_explorer(quadratic, w0, steps=100, lr=None, lr_max=None, labels=("$w$", "$b$")):
    """A slider for the learning rate η of plain gradient descent on a 2-D quadratic cost.

    ``quadratic``: a :class:`~labs.data.Quadratic` with ``P = 2`` (chapter 1 builds
    one from the Hessian of a linear regression); ``w0``: the start ``(2,)``.
    The slider runs from 2% of the critical rate ``2/L`` to ``lr_max`` (default
    1.3 times it); ``lr`` is where it starts (default ``1/L``).
    Returns an :class:`Explorer` with ``lr_slider``.
    """
    critical = 2.0 / quadratic.L
    lr_max = 1.3 * critical if lr_max is None else float(lr_max)
    lr = critical / 2 if lr is None else float(lr)
    lr_slider = widgets.FloatSlider(
        value=lr, min=0.02 * critical, max=lr_max, step=critical / 200, description="learning rate η",
        readout_format=".3f", continuous_update=False, style={"description_width": "initial"},
        layout=widgets.Layout(width="450px"),
    )
    draw = partial(_draw_learning_rate, quadratic=quadratic, w0=w0, steps=steps, lr_max=lr_max, labels=labels)
    box = live_explorer(draw, {"lr": lr_slider}, figsize=(10, 5))
    box.lr_slider = lr_slider
    return box


def learning_rate_animation(quadratic, w0, lrs, steps=100, lr_max=None, labels=("$w$", "$b$")):
    """The static twin of :func:`learning_rate_explorer`: one frame per learning rate in ``lrs``.

    ``lr_max``: the right end of the learning-rate axis (default: 1.05 times the
    largest of ``lrs``). Returns ``IPython.display.HTML`` (a frame slider that works
    without a kernel).
    """
    lrs = [float(lr) for lr in lrs]
    if not lrs or min(lrs) <= 0:
        raise ValueError(f"lrs must be a non-empty list of positive learning rates, got {lrs}")
    lr_max = 1.05 * max(lrs) if lr_max is None else float(lr_max)

    def draw(fig, lr):
        _draw_learning_rate(fig, quadratic, w0, lr, steps, lr_max, labels)

    alt = ("Gradient-descent paths on the contour lines of the cost and their cost curves, one frame per "
           "learning rate: slow convergence, zig-zag near the critical rate, divergence above it.")
    return static_twin(draw, lrs, figsize=(10, 5), alt=alt)
