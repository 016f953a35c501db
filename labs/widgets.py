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

from functools import partial
from html import escape

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from matplotlib.animation import FuncAnimation
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


def static_twin(draw, settings, figsize=(10, 4), title=None, dpi=80, interval=800, alt=None):
    """The kernel-free twin of an explorer: one animation frame per setting.

    ``draw(fig, setting)`` draws one setting into an empty figure; ``settings``: a
    list of settings (keep it to about 20: every frame is a PNG inside the page).
    ``title``: ``None``, a string, or ``title(setting) -> str``, shown above each frame.
    ``alt``: the text a screen reader says for the picture (matplotlib's animation
    writes none); say what the frames show.
    Returns ``IPython.display.HTML`` with the animation and its frame slider.
    """
    settings = list(settings)
    if not settings:
        raise ValueError("settings must hold at least one setting to draw")
    # A bare Figure, not plt.figure: pyplot never shows it as a stray static image, and
    # its canvas does not re-render between frames (the animation saves each frame once).
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")

    def frame(i):
        fig.clear()
        draw(fig, settings[i])
        if title is not None:
            fig.suptitle(title(settings[i]) if callable(title) else title)
        return []

    anim = FuncAnimation(fig, frame, frames=len(settings), interval=interval, repeat=False)
    with plt.rc_context({"savefig.dpi": "figure"}):  # to_jshtml saves frames at savefig.dpi, not dpi
        html = anim.to_jshtml(default_mode="once")
    alt = alt or f"An animation of {len(settings)} frames; the slider below it steps through them."
    html = html.replace('<img id="_anim_img', f'<img alt="{escape(alt, quote=True)}" id="_anim_img', 1)
    return HTML(html)


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
    history = History(train_loss=list(losses), diverged=diverged, diverged_epoch=run.diverged_at)
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
    history = History(train_loss=list(losses), diverged=diverged, diverged_epoch=run.diverged_at)
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
