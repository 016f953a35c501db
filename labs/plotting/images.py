"""Images: small images side by side in a grid (chapter 8)."""


import matplotlib.pyplot as plt
import numpy as np

from .._checks import as_float_array, require_positive_int
from .style import column_size

__all__ = ["image_grid"]


def image_grid(images, titles=None, image_shape=(8, 8), ncols=10, fig=None, cmap="gray_r", vmin=None, vmax=None,
               title_colors=None):
    """Small images side by side in a grid, with an optional title above each.

    ``images``: ``(M, H * W)``, one flattened image per row (reshaped row-major to
    ``image_shape = (H, W)``), or ``(M, H, W)``. ``titles``: ``None`` or ``M`` strings
    (for example the labels); ``title_colors``: ``None`` or ``M`` colours for them (for
    example vermillion for the mistakes). ``ncols``: images per row; the grid has
    ``ceil(M / ncols)`` rows and unused cells stay blank. ``vmin``, ``vmax``: one grey scale
    for every image (default: the smallest and largest pixel of all of them), so that
    intensities compare across the grid; ``cmap="gray_r"`` draws ink dark on white.
    ``fig``: the figure to draw in (a new one when ``None``).
    Returns the ``(rows, ncols)`` array of Axes; ``axes.flat[i]`` shows image ``i``.
    """
    images = as_float_array(images, "images")
    if images.ndim == 2:
        h, w = (int(s) for s in image_shape)
        if h * w != images.shape[1]:
            raise ValueError(f"image_shape {tuple(image_shape)} holds {h * w} pixels, "
                             f"but the images have {images.shape[1]} per row")
        images = images.reshape(len(images), h, w)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (M, H * W) or (M, H, W) with M >= 1, got {images.shape}")
    m = len(images)
    for name, values in (("titles", titles), ("title_colors", title_colors)):
        if values is not None and len(values) != m:
            raise ValueError(f"{name} must hold one entry per image ({m}), got {len(values)}")
    ncols = require_positive_int(ncols, "ncols")
    ncols = min(int(ncols), m)
    nrows = -(-m // ncols)
    if fig is None:
        fig = plt.figure(figsize=column_size(1.1 * ncols, 1.25 * nrows), layout="constrained")
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    low = float(images.min()) if vmin is None else vmin
    high = float(images.max()) if vmax is None else vmax
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= m:
            continue
        ax.imshow(images[i], cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        if titles is not None:
            colour = {"color": title_colors[i]} if title_colors is not None else {}
            ax.set_title(str(titles[i]), fontsize="small", **colour)
    return axes
