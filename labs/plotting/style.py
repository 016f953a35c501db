"""Shared look of the book's figures: the colour-blind-safe palette, markers, the style
file, and new figures sized for the book's column."""

from pathlib import Path

import matplotlib.pyplot as plt

__all__ = ["COLORS", "STYLE", "MAX_WIDTH", "use_style"]


# The Okabe-Ito palette, in the order of the style's colour cycle.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}


_CYCLE = list(COLORS.values())
# Paths on a contour map: vermillion first, it stands out against the contour colours.
_PATH_COLORS = [COLORS[c] for c in ("vermillion", "blue", "orange", "green", "purple", "sky")]
# One marker per class, so that colour is not the only cue.
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


STYLE = Path(__file__).resolve().parent.parent / "course.mplstyle"


# The widest figure a function here makes by default, in inches: the book's column shows
# 672 CSS px, so the style's smallest font (10 pt) displays at 10 * 672 / (72 * 9.5) ~ 9.8 px.
MAX_WIDTH = 9.5


def use_style():
    """Apply the course's matplotlib style (``labs/course.mplstyle``) to every later figure."""
    plt.style.use(str(STYLE))


def column_size(width, height):
    """``(width, height)`` in inches, scaled down together to at most ``MAX_WIDTH`` wide."""
    scale = min(1.0, MAX_WIDTH / width)
    return width * scale, height * scale


def _axes(ax, figsize=None):
    """``ax``, or the axes of a new figure of ``figsize`` (the style's size when ``None``), fitted to the column."""
    if ax is None:
        _, ax = plt.subplots(figsize=column_size(*figsize) if figsize is not None else None)
    return ax
