"""The book's figures, drawn with matplotlib. Drawing only: the math lives in the other modules.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and
returns the :class:`~matplotlib.axes.Axes` it drew on, so figures can be
combined: ``fig, (a, b) = plt.subplots(1, 2); loss_curves(h, ax=a); ...``.
Call :func:`use_style` once at the top of a notebook for the course's look.
A new figure is at most ``MAX_WIDTH`` = 9.5 inches wide, so that its smallest
text still reads at 9 CSS px or more in the book's column.

One figure family per module:

* :mod:`~labs.plotting.style`        palette, markers, ``use_style``
* :mod:`~labs.plotting.curves`       ``loss_curves``, ``layer_stats``
* :mod:`~labs.plotting.surfaces`     ``loss_surface``, ``phase_diagram``
* :mod:`~labs.plotting.classifiers`  ``decision_boundary``, ``confidence_map``,
  ``reliability_diagram``, ``confusion_heatmap``
* :mod:`~labs.plotting.regression`   ``function_fit``, ``sum_of_kinks``
* :mod:`~labs.plotting.diagrams`     ``network_diagram``, ``computational_graph``
* :mod:`~labs.plotting.images`       ``image_grid``
"""

from .classifiers import confidence_map, confusion_heatmap, decision_boundary, reliability_diagram
from .curves import layer_stats, loss_curves
from .diagrams import GRAPH_STATES, computational_graph, network_diagram
from .images import image_grid
from .regression import function_fit, sum_of_kinks
from .style import COLORS, MAX_WIDTH, STYLE, use_style
from .surfaces import loss_surface, phase_diagram

__all__ = [
    "COLORS", "STYLE", "MAX_WIDTH", "use_style", "loss_curves", "loss_surface", "decision_boundary",
    "function_fit", "network_diagram", "sum_of_kinks", "GRAPH_STATES", "computational_graph",
    "phase_diagram", "confidence_map", "reliability_diagram", "layer_stats",
    "image_grid", "confusion_heatmap",
]
