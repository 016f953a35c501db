"""Diagrams: a fully connected network, and a computational graph with coloured states (chapter 5)."""


import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch

from .._checks import require_positive_int
from .style import COLORS, _axes

__all__ = ["network_diagram", "GRAPH_STATES", "computational_graph"]


def network_diagram(sizes, ax=None, labels=None, max_units=8):
    """A fully connected network: a circle per unit, a line per weight.

    ``sizes``: units per layer, input first, e.g. ``[2, 3, 3, 1]``. ``labels``: one
    caption per layer (default "input", "hidden 1", ..., "output"; "hidden" when there is one). A layer with
    more than ``max_units`` units shows its first ``max_units - 2``, a vertical
    ellipsis and its last unit, and its caption states the real size.
    """
    sizes = list(sizes) if not isinstance(sizes, (int, np.integer)) else [sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two positive integers (input ... output), got {sizes!r}")
    sizes = [require_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    max_units = require_positive_int(max_units, "max_units", minimum=3)
    if labels is None:
        hidden = ["hidden"] if len(sizes) == 3 else [f"hidden {i}" for i in range(1, len(sizes) - 1)]
        labels = ["input", *hidden, "output"]
    elif len(labels) != len(sizes):
        raise ValueError(f"labels must have one entry per layer ({len(sizes)}), got {len(labels)}")

    slots = [min(n, max_units) for n in sizes]
    ax = _axes(ax, figsize=(1.8 * len(sizes) + 1, 0.55 * max(slots) + 1.2))
    dx, radius = 2.0, 0.3
    columns = []  # the y-positions of the drawn units of each layer
    for i, (n, k) in enumerate(zip(sizes, slots)):
        ys = (k - 1) / 2 - np.arange(k, dtype=float)  # centred column, one slot per unit
        if n > max_units:  # first k-2 units, the ellipsis in slot k-2, the last unit
            ax.text(i * dx, ys[-2], r"$\vdots$", ha="center", va="center", fontsize=14)
            ys = np.delete(ys, -2)
        columns.append(ys)
        role = "blue" if i == 0 else ("green" if i == len(sizes) - 1 else "orange")
        for yy in ys:
            ax.add_patch(Circle((i * dx, yy), radius, facecolor="white", edgecolor=COLORS[role],
                                linewidth=2, zorder=3))
        caption = labels[i] if n <= max_units else f"{labels[i]}\n({n} units)"
        ax.text(i * dx, (max(slots) - 1) / 2 + 0.7, caption, ha="center", va="bottom")
    segments = [[(i * dx, a), ((i + 1) * dx, b)]
                for i in range(len(sizes) - 1) for a in columns[i] for b in columns[i + 1]]
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.8, zorder=1))
    top = (max(slots) - 1) / 2
    caption_lines = 2 if max(sizes) > max_units else 1
    ax.set_xlim(-dx / 2, (len(sizes) - 1) * dx + dx / 2)
    ax.set_ylim(-top - 0.5, top + 0.8 + 0.5 * caption_lines)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# Fill and outline of a node in each state a picture can give it.
GRAPH_STATES = {
    None: ("white", "0.35"),
    "input": ("white", COLORS["blue"]),
    "stored": ("#dcebf5", COLORS["blue"]),
    "read": ("#fbecc8", COLORS["orange"]),
    "current": ("#f6d3bd", COLORS["vermillion"]),
    "done": ("#cdeadf", COLORS["green"]),
}


def _box_exit(center, toward, half_w, half_h, gap):
    """Where the segment from ``center`` to ``toward`` leaves a box of half-sizes ``half_w, half_h``."""
    d = np.asarray(toward, dtype=float) - center
    length = np.hypot(*d)
    t = min(half_w / abs(d[0]) if d[0] else np.inf, half_h / abs(d[1]) if d[1] else np.inf)
    return center + d * (t + gap / length)


def computational_graph(nodes, edges, ax=None, states=None, node_size=(0.9, 0.5), legend=False, fontsize=13):
    """A computational graph: a labelled box per variable, an arrow per dependency.

    ``nodes``: dict ``name -> (x, y, label)``: the box's centre in data units and
    its text (mathtext such as ``"$z^1$"``). ``edges``: a list of ``(source, target)``
    or ``(source, target, label)``; a label (a local derivative, say) sits on the
    middle of its arrow. ``states``: dict ``name -> state`` that colours a box, a
    state being one of ``GRAPH_STATES`` ("input", "stored", "read", "current",
    "done"); other boxes are plain. ``node_size``: ``(width, height)`` of a box.
    ``legend``: list the states used, below the graph.
    """
    states = _graph_states(nodes, edges, states)
    width, height = node_size
    centers = {name: np.array(spec[:2], dtype=float) for name, spec in nodes.items()}

    ax = _axes(ax, figsize=(8, 3))
    for edge in edges:
        _draw_edge(ax, centers[edge[0]], centers[edge[1]], edge[2] if len(edge) == 3 else None, node_size, fontsize)
    for name, (x, y, label) in nodes.items():
        face, edge_color = GRAPH_STATES[states.get(name)]
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                                    facecolor=face, edgecolor=edge_color, linewidth=2, zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=5)
    xs = np.array([c[0] for c in centers.values()])
    ys = np.array([c[1] for c in centers.values()])
    ax.set_xlim(xs.min() - width, xs.max() + width)
    ax.set_ylim(ys.min() - height * 1.5, ys.max() + height * 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        _states_legend(ax, states)
    return ax


def _graph_states(nodes, edges, states):
    """Validate the graph; return ``states`` as a dict ``name -> state``."""
    if not isinstance(nodes, dict) or not nodes:
        raise ValueError("nodes must be a non-empty dict name -> (x, y, label)")
    for name, spec in nodes.items():
        if len(spec) != 3:
            raise ValueError(f"nodes[{name!r}] must be (x, y, label), got {spec!r}")
    for edge in edges:
        if len(edge) not in (2, 3) or edge[0] not in nodes or edge[1] not in nodes:
            raise ValueError(f"an edge must be (source, target) or (source, target, label) between nodes, got {edge!r}")
    states = dict(states or {})
    for name, state in states.items():
        if name not in nodes:
            raise ValueError(f"states names {name!r}, which is not a node; nodes are {sorted(nodes)}")
        if state not in GRAPH_STATES:
            raise ValueError(f"state {state!r} of node {name!r} is not one of {sorted(s for s in GRAPH_STATES if s)}")
    return states


def _draw_edge(ax, a, b, label, node_size, fontsize):
    """An arrow from the box centred at ``a`` to the one at ``b``, with ``label`` on its middle."""
    width, height = node_size
    start = _box_exit(a, b, width / 2, height / 2, 0.03)
    end = _box_exit(b, a, width / 2, height / 2, 0.03)
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="0.35",
                                 linewidth=1.3, zorder=1))
    if label:
        mid = (start + end) / 2
        ax.text(*mid, label, ha="center", va="center", fontsize=fontsize - 3, zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})


def _states_legend(ax, states):
    """A legend below the graph listing the states used."""
    used = [s for s in GRAPH_STATES if s is not None and s in states.values()]
    handles = [Patch(facecolor=GRAPH_STATES[s][0], edgecolor=GRAPH_STATES[s][1], linewidth=2, label=s)
               for s in used]
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
                  frameon=False, fontsize="small")
