"""Shared test set-up: draw with matplotlib's headless Agg backend, close every figure after each test."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def path_line(fig):
    """The optimisation path on a trajectory figure's left panel (the line labelled "path")."""
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_label() == "path"]
    return line.get_xydata()


def title(fig):
    """A figure's suptitle, or "" when it has none."""
    return fig._suptitle.get_text() if fig._suptitle is not None else ""
