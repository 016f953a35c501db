"""labs.plotting.diagrams: network_diagram and computational_graph (chapter 5)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from labs import plotting
from labs.plotting import GRAPH_STATES, computational_graph


def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def connections(ax):
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    return lines.get_segments()


def test_network_diagram_draws_every_unit_and_connection(ax):
    out = plotting.network_diagram([2, 3, 3, 1], ax=ax)
    assert out is ax
    assert len(circles(ax)) == 2 + 3 + 3 + 1
    assert len(connections(ax)) == 2 * 3 + 3 * 3 + 3 * 1
    assert [t.get_text() for t in ax.texts] == ["input", "hidden 1", "hidden 2", "output"]
    assert not ax.axison
    assert ax.get_aspect() == 1.0


def test_network_diagram_elides_wide_layers():
    ax = plotting.network_diagram([64, 5, 10], max_units=8)
    visible = 7 + 5 + 7  # first 6 units, an ellipsis, the last unit
    assert len(circles(ax)) == visible
    assert len(connections(ax)) == 7 * 5 + 5 * 7
    texts = [t.get_text() for t in ax.texts]
    assert texts.count(r"$\vdots$") == 2
    assert "input\n(64 units)" in texts and "hidden" in texts and "output\n(10 units)" in texts


def test_network_diagram_uses_given_labels(ax):
    plotting.network_diagram([4, 1], ax=ax, labels=["$x$", "$\\hat y$"])
    assert [t.get_text() for t in ax.texts] == ["$x$", "$\\hat y$"]
    assert len(circles(ax)) == 5


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [3]}, "sizes"),
        ({"sizes": [3, 0, 1]}, "sizes"),
        ({"sizes": [3, 2.5, 1]}, "sizes"),
        ({"sizes": [2, 3, 1], "labels": ["a", "b"]}, "labels"),
        ({"sizes": [2, 3, 1], "max_units": 2}, "max_units"),
    ],
)
def test_network_diagram_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plotting.network_diagram(**kwargs)


NODES = {
    "y": (0.0, 0.0, "$y$"),
    "x": (2.0, 1.0, "$x$"),
    "z": (2.0, -1.0, "$z$"),
    "f": (4.0, 0.0, "$f$"),
}


EDGES = [("y", "x", "$2$"), ("y", "z", r"$\cos y$"), ("x", "f"), ("z", "f", "$x^2$")]


def _boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def test_one_box_per_node_one_arrow_per_edge_and_every_label_drawn():
    ax = computational_graph(NODES, EDGES)
    assert len(_boxes(ax)) == len(NODES)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(EDGES)
    texts = [t.get_text() for t in ax.texts]
    for _, _, label in NODES.values():
        assert label in texts
    for edge in EDGES:
        if len(edge) == 3:
            assert edge[2] in texts
    plt.close(ax.figure)


def test_boxes_are_centred_on_their_nodes_and_arrows_stop_outside_them():
    width, height = 0.8, 0.4
    ax = computational_graph(NODES, EDGES, node_size=(width, height))
    for box, (x, y, _) in zip(_boxes(ax), NODES.values()):
        assert box.get_x() + box.get_width() / 2 == pytest.approx(x)
        assert box.get_y() + box.get_height() / 2 == pytest.approx(y)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(EDGES)
    ax.figure.canvas.draw()
    for arrow in arrows:
        for point in arrow.get_path().vertices:  # every point of the arrow, head included, in data units
            inside = [abs(point[0] - x) < width / 2 and abs(point[1] - y) < height / 2 for x, y, _ in NODES.values()]
            assert not any(inside), f"arrow end {point} lies inside a box"
    plt.close(ax.figure)


def test_states_colour_the_boxes_and_the_legend_lists_them():
    states = {"x": "current", "z": "read", "f": "done"}
    ax = computational_graph(NODES, EDGES, states=states, legend=True)
    for box, name in zip(_boxes(ax), NODES):
        face, edge = GRAPH_STATES[states.get(name)]
        np.testing.assert_allclose(box.get_facecolor(), to_rgba(face))
        np.testing.assert_allclose(box.get_edgecolor(), to_rgba(edge))
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["read", "current", "done"]
    plt.close(ax.figure)


def test_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    assert computational_graph(NODES, EDGES, ax=ax) is ax
    plt.close(fig)


@pytest.mark.parametrize(
    ("nodes", "edges", "states", "match"),
    [
        ({}, [], None, "non-empty dict"),
        ({"a": (0, 0)}, [], None, r"\(x, y, label\)"),
        (NODES, [("y", "nowhere")], None, "between nodes"),
        (NODES, EDGES, {"q": "done"}, "not a node"),
        (NODES, EDGES, {"x": "glowing"}, "is not one of"),
    ],
)
def test_bad_input_is_named(nodes, edges, states, match):
    with pytest.raises(ValueError, match=match):
        computational_graph(nodes, edges, states=states)
    plt.close("all")
