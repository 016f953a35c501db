"""Chapter 5's figure: plotting.computational_graph (boxes, arrows, edge labels, states)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from labs.plotting import GRAPH_STATES, computational_graph

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
    for arrow in arrows:
        for point in arrow._posA_posB:  # the two end points, in data units
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
