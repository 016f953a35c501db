"""Kernel-free explorers: every setting of a grid computed by ``labs``, drawn by Vega-Lite.

The live explorers (:mod:`labs.widgets`) need a kernel. Their kernel-free twins here
run the same function (:func:`labs.explorers.momentum_run`) for every setting of a grid
when the book is built, and hand the results to a Vega-Lite chart (built with Altair)
with one slider per parameter. The browser only looks a setting up: no numerical code
runs in JavaScript. The book serves Vega, Vega-Lite and vega-embed from its own
``_static`` (``tools/book_html.py``), and ``book-explorers.js`` wires the sliders to
the chart; in a notebook, where those are absent, the output says to use the live
explorer instead.

HTML structure (what ``book-explorers.js`` and the browser tests read)::

    <div class="book-explorer">
      <div class="book-explorer-controls">  label + <input type=range data-param> + <output>, per slider
      <p class="book-explorer-readout" role="status">   the readout of the current setting
      <div class="book-explorer-chart">                  the chart
      <script type="application/json" class="book-explorer-data">  spec, slider labels, readouts
"""

import json
import uuid
from html import escape

import numpy as np
from IPython.display import HTML

from .data import narrow_valley
from .explorers import (
    contour_levels,
    learning_rate_readout,
    learning_rate_run,
    learning_rate_settings,
    momentum_optimum,
    momentum_readout,
    momentum_run,
    momentum_settings,
    view_limits,
)
from .plotting import COLORS

__all__ = ["explorer_html", "momentum_twin", "learning_rate_twin"]

PANEL = 235  # CSS px per panel: two panels and their axes fit the book's 672-px column
FALLBACK = ("This explorer is drawn in the built book (the HTML pages). In a notebook, "
            "use the live explorer above: its sliders redraw the same figure.")


def _round(a, digits=4):
    """Numbers for drawing (not for the readout): ``digits`` significant digits, as floats."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(a, dtype=float).ravel()]


def explorer_html(spec, sliders, readouts, description):
    """The HTML of a kernel-free explorer: labelled sliders, a readout and a Vega-Lite chart.

    ``spec``: a Vega-Lite spec (dict) whose params named like the sliders hold the index
    of the current setting; ``sliders``: list of dicts ``name, label, values`` (the text
    shown per index) and ``value`` (start index); ``readouts``: one string per setting,
    row-major over the sliders in order; ``description``: what a screen reader says for the chart.
    Returns ``IPython.display.HTML``.
    """
    sizes = [len(s["values"]) for s in sliders]
    if len(readouts) != int(np.prod(sizes)):
        raise ValueError(f"readouts must hold one string per setting, {int(np.prod(sizes))}, got {len(readouts)}")
    key = f"book-explorer-{uuid.uuid4().hex[:8]}"
    controls = []
    for s in sliders:
        sid, k = f"{key}-{s['name']}", int(s["value"])
        text = escape(s["values"][k], quote=True)
        controls.append(
            f'<div class="book-explorer-slider"><label for="{sid}">{escape(s["label"])}</label>'
            f'<input type="range" id="{sid}" data-param="{s["name"]}" min="0" max="{len(s["values"]) - 1}" '
            f'step="1" value="{k}" aria-valuetext="{text}"><output for="{sid}">{text}</output></div>')
    index = np.ravel_multi_index([int(s["value"]) for s in sliders], sizes)
    data = {"spec": spec, "sliders": [{"name": s["name"], "values": list(s["values"])} for s in sliders],
            "readouts": list(readouts)}
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    return HTML(
        f'<div class="book-explorer" id="{key}">'
        f'<div class="book-explorer-controls">{"".join(controls)}</div>'
        f'<p class="book-explorer-readout" role="status" aria-live="polite">{escape(readouts[index])}</p>'
        f'<div class="book-explorer-chart" role="figure" aria-label="{escape(description, quote=True)}">'
        f'<p class="book-explorer-fallback">{escape(FALLBACK)}</p></div>'
        f'<script type="application/json" class="book-explorer-data">{payload}</script></div>')


def _contours(quadratic, w0):
    return [{"level": n, "k": k, "x": x, "y": y}
            for n, (_, line) in enumerate(contour_levels(quadratic, w0))
            for k, (x, y) in enumerate(zip(_round(line[:, 0]), _round(line[:, 1])))]


def _clip_path(run, xlim, ylim):
    """The path; a diverged one up to its first point outside the view (beyond it, steps only smear
    the picture), as :func:`labs.widgets.momentum_explorer` draws it."""
    W = run.W
    if not run.diverged:
        return W
    outside = (W[:, 0] < xlim[0]) | (W[:, 0] > xlim[1]) | (W[:, 1] < ylim[0]) | (W[:, 1] > ylim[1])
    return W[: np.argmax(outside) + 1] if outside.any() else W


def _path_panel(alt, runs, quadratic, w0, where, labels):
    """The path panel; its contour lines are the spec's dataset ``contours`` (:func:`_contours`)."""
    xlim, ylim = view_limits(quadratic, w0)
    x = alt.X("x:Q", scale=alt.Scale(domain=list(xlim), nice=False), title=labels[0])
    y = alt.Y("y:Q", scale=alt.Scale(domain=list(ylim), nice=False), title=labels[1])
    contours = alt.Chart(alt.NamedData(name="contours")).mark_line(
        clip=True, color="#9a9a9a", strokeWidth=0.8).encode(x=x, y=y, detail="level:N", order="k:Q")
    path = (alt.Chart(runs).transform_filter(where).transform_flatten(["x", "y"])
            .transform_window(t="row_number()")
            .mark_line(clip=True, point=alt.OverlayMarkDef(size=14, color=COLORS["vermillion"]),
                       color=COLORS["vermillion"], strokeWidth=1.5)
            .encode(x=x, y=y, order="t:Q"))
    ends = alt.Chart(alt.Data(values=[
        {"x": float(quadratic.w_star[0]), "y": float(quadratic.w_star[1]), "what": "minimum"},
        {"x": float(w0[0]), "y": float(w0[1]), "what": "start"}])).mark_point(
        filled=True, size=120, color=COLORS["black"]).encode(
        x=x, y=y, shape=alt.Shape("what:N", scale=alt.Scale(domain=["minimum", "start"],
                                                            range=["cross", "circle"]), legend=None))
    return alt.layer(contours, path, ends).properties(width=PANEL, height=PANEL, title="path: ● start, ✚ minimum")


def _loss_panel(alt, runs, where, steps, domain, title):
    return (alt.Chart(runs).transform_filter(where).transform_flatten(["C"])
            .transform_window(t="row_number()")
            .mark_line(clip=True, color=COLORS["blue"], point=alt.OverlayMarkDef(size=10, color=COLORS["blue"]))
            .encode(x=alt.X("t:Q", scale=alt.Scale(domain=[0, steps + 1], nice=False), title="step t"),
                    y=alt.Y("C:Q", scale=alt.Scale(type="log", domain=domain), title=title))
            .properties(width=PANEL, height=PANEL, title="loss per step"))


def _loss_domain(runs):
    values = np.concatenate([r.losses for r in runs])
    values = values[np.isfinite(values) & (values > 0)]
    return [float(f"{values.min():.2g}"), float(f"{values.max():.2g}")]


def _slider(name, label, values, fmt, start):
    return {"name": name, "label": label, "values": [fmt(v) for v in values],
            "value": int(np.argmin(np.abs(np.asarray(values) - start)))}


def momentum_twin(quadratic=None, w0=(-4.0, 1.5), steps=60, lr=None, momentum=None):
    """The kernel-free twin of :func:`labs.widgets.momentum_explorer`: both sliders, every setting precomputed.

    The grid is :func:`labs.explorers.momentum_settings` (16 learning rates x 11 momenta,
    with ``η*``, ``γ*`` and both sides of the edge ``2(1+γ)/λ_max``); every setting is
    :func:`labs.explorers.momentum_run`, as in the live explorer. ``lr``, ``momentum``: the
    setting shown first (default ``η*`` and ``γ = 0``). Returns ``IPython.display.HTML``.
    """
    import altair as alt

    quadratic = narrow_valley(kappa=20) if quadratic is None else quadratic
    w0 = np.asarray(w0, dtype=float)
    lrs, gammas = momentum_settings(quadratic)
    xlim, ylim = view_limits(quadratic, w0)
    runs = [momentum_run(quadratic, w0, lr_, g, steps) for lr_ in lrs for g in gammas]
    rows = [{"i": int(i), "j": int(j), "x": _round(W[:, 0]), "y": _round(W[:, 1]), "C": _round(r.losses, 3)}
            for (i, j), r in zip(np.ndindex(len(lrs), len(gammas)), runs)
            for W in [_clip_path(r, xlim, ylim)]]
    data = alt.NamedData(name="runs")  # one copy in the spec's datasets, read by both panels
    where = "datum.i == eta && datum.j == gamma"
    chart = alt.hconcat(_path_panel(alt, data, quadratic, w0, where, ("w₁", "w₂")),
                        _loss_panel(alt, data, where, steps, _loss_domain(runs), "C(w)"))
    chart = chart.add_params(alt.param(name="eta", value=0), alt.param(name="gamma", value=0))
    chart = chart.properties(description="Gradient descent with momentum on a narrow valley: the path on the "
                             "contour lines and the loss per step, for the learning rate and momentum the "
                             "sliders set.")
    lr_star, _ = momentum_optimum(quadratic)
    sliders = [_slider("eta", "learning rate η", lrs, lambda v: f"{v:.3g}", lr_star if lr is None else lr),
               _slider("gamma", "momentum γ", gammas, lambda v: f"{v:.2f}", 0.0 if momentum is None else momentum)]
    spec = chart.to_dict(validate=False)  # tests/test_twins.py validates the spec against the schema
    spec["params"] = [{"name": s["name"], "value": s["value"]} for s in sliders]
    spec["datasets"] = {"runs": rows, "contours": _contours(quadratic, w0)}
    return explorer_html(spec, sliders, [momentum_readout(r) for r in runs], chart.description)


def _rate_axis(alt, lrs, lam_max, where):
    """The learning-rate axis: the regimes (monotone below ``1/λ_max``, zig-zag up to ``2/λ_max``,
    divergence above), the two rates marked, and a triangle at the current rate."""
    critical, top = 2 / lam_max, float(lrs.max()) * 1.02
    bands = alt.Chart(alt.Data(values=[
        {"low": 0.0, "high": critical / 2, "mid": critical / 4, "regime": "monotone"},
        {"low": critical / 2, "high": critical, "mid": 0.75 * critical, "regime": "zig-zag"},
        {"low": critical, "high": top, "mid": (critical + top) / 2, "regime": "diverges"}]))
    regimes = bands.mark_rect(opacity=0.35).encode(
        x=alt.X("low:Q", scale=alt.Scale(domain=[0, top], nice=False), title="learning rate η"), x2="high:Q",
        color=alt.Color("regime:N", scale=alt.Scale(
            domain=["monotone", "zig-zag", "diverges"],
            range=[COLORS["green"], COLORS["orange"], COLORS["vermillion"]]), legend=None))
    regime_names = bands.mark_text(fontSize=11, dx=0).encode(x="mid:Q", y=alt.value(12), text="regime:N")
    marks = alt.Chart(alt.Data(values=[{"lr": critical / 2, "name": "1/λ_max"},
                                       {"lr": critical, "name": "2/λ_max"}]))
    rules = marks.mark_rule(color=COLORS["black"], strokeDash=[4, 3]).encode(x="lr:Q")
    names = marks.mark_text(dy=-8, baseline="bottom", fontSize=12).encode(x="lr:Q", y=alt.value(0), text="name:N")
    here = (alt.Chart(alt.Data(values=[{"i": i, "lr": float(v)} for i, v in enumerate(lrs)]))
            .transform_filter(where).mark_point(shape="triangle-down", filled=True, size=160,
                                                 color=COLORS["black"]).encode(x="lr:Q", y=alt.value(22)))
    return alt.layer(regimes, regime_names, rules, names, here).properties(width=2 * PANEL + 60, height=40)


def learning_rate_twin(quadratic, w0, steps=100, lr=None, factors=(), labels=("w", "b")):
    """The kernel-free twin of :func:`labs.widgets.learning_rate_explorer`: one slider, 33 or more learning rates.

    The rates are :func:`labs.explorers.learning_rate_settings` (``1/λ_max``, both sides of
    ``2/λ_max`` and the multiples ``factors`` of ``2/λ_max`` among them); every one is
    :func:`labs.explorers.learning_rate_run`, as in the live explorer. ``lr``: the rate shown
    first (default ``1/λ_max``). Below the two panels, the learning-rate axis with its regimes
    and the current rate.
    Returns ``IPython.display.HTML``.
    """
    import altair as alt

    w0 = np.asarray(w0, dtype=float)
    lam_max = quadratic.L
    lrs = learning_rate_settings(quadratic, factors)
    xlim, ylim = view_limits(quadratic, w0)
    runs = [learning_rate_run(quadratic, w0, lr_, steps) for lr_ in lrs]
    rows = [{"i": i, "x": _round(W[:, 0]), "y": _round(W[:, 1]), "C": _round(r.losses, 3)}
            for i, r in enumerate(runs) for W in [_clip_path(r, xlim, ylim)]]
    data = alt.NamedData(name="runs")
    where = "datum.i == eta"
    panels = alt.hconcat(_path_panel(alt, data, quadratic, w0, where, labels),
                         _loss_panel(alt, data, where, steps, _loss_domain(runs), "C − C_min"))
    chart = alt.vconcat(panels, _rate_axis(alt, lrs, lam_max, where))
    chart = chart.add_params(alt.param(name="eta", value=0)).properties(
        description="Plain gradient descent on the cost of a one-input linear regression: the path on the "
                    "contour lines, the cost above its minimum per step, and where the learning rate the "
                    "slider sets sits among the regimes.")
    sliders = [_slider("eta", "learning rate η", lrs, lambda v: f"{v:.3g} ({v * lam_max / 2:.2f} × 2/λ_max)",
                       1 / lam_max if lr is None else lr)]
    spec = chart.to_dict(validate=False)  # tests/test_twins.py validates the spec against the schema
    spec["params"] = [{"name": "eta", "value": sliders[0]["value"]}]
    spec["datasets"] = {"runs": rows, "contours": _contours(quadratic, w0)}
    return explorer_html(spec, sliders, [learning_rate_readout(r, lam_max) for r in runs], chart.description)
