"""Plain helpers shared by the test files (imported as ``from helpers import ...``; tests/ is on sys.path)."""


def legend_texts(ax):
    """The texts of an axes' legend, or [] when it has none."""
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def contour_sets(ax):
    """The contour sets drawn on ``ax``."""
    from matplotlib.contour import ContourSet

    return [c for c in ax.collections if isinstance(c, ContourSet)]


def path_line(fig):
    """The optimisation path on a trajectory figure's left panel (the line labelled "path")."""
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_label() == "path"]
    return line.get_xydata()


def title(fig):
    """A figure's suptitle, or "" when it has none."""
    return fig.get_suptitle()


def rng0():
    """A fresh ``np.random.default_rng(0)``."""
    import numpy as np

    return np.random.default_rng(0)


def after_forward(layer, x):
    """``layer`` after a forward pass on ``x`` (ready for backward)."""
    layer.forward(x)
    return layer


def nan_at(shape, index, value=float("nan")):
    """Zeros of ``shape`` with ``value`` (NaN by default) at ``index``."""
    import numpy as np

    a = np.zeros(shape)
    a[index] = value
    return a


def assert_clear_error(call, error, match):
    """``call()`` raises ``error`` with a message matching the regular expression ``match``."""
    import pytest

    with pytest.raises(error, match=match):
        call()
