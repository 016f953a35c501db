"""labs.plotting.images: image_grid (chapter 8)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from labs.plotting import COLORS, image_grid


def test_image_grid_shows_each_image_reshaped_with_its_title_and_blank_spare_cells():
    images = np.arange(7 * 64, dtype=float).reshape(7, 64)
    axes = image_grid(images, titles=[f"label {i}" for i in range(7)], ncols=3)
    assert axes.shape == (3, 3)
    for i, ax in enumerate(axes.flat):
        if i < 7:
            (shown,) = ax.get_images()
            np.testing.assert_array_equal(shown.get_array(), images[i].reshape(8, 8))
            assert ax.get_title() == f"label {i}"
        else:
            assert ax.get_images() == [] and not ax.axison
    plt.close(axes.flat[0].figure)


def test_image_grid_uses_one_grey_scale_for_all_images():
    images = np.stack([np.zeros((4, 5)), np.full((4, 5), 8.0), np.full((4, 5), 16.0)])
    axes = image_grid(images, ncols=5)
    assert axes.shape == (1, 3)  # never more columns than images
    for ax in axes.flat:
        assert ax.get_images()[0].get_clim() == (0.0, 16.0)
    axes = image_grid(images, vmin=-1.0, vmax=1.0)
    assert axes.flat[1].get_images()[0].get_clim() == (-1.0, 1.0)
    plt.close("all")


def test_image_grid_colours_titles_and_draws_in_a_given_figure():
    fig = plt.figure()
    axes = image_grid(np.ones((2, 64)), titles=["a", "b"], title_colors=["red", COLORS["blue"]], fig=fig)
    assert axes.flat[0].figure is fig
    assert axes.flat[0].title.get_color() == "red"
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(images=np.ones((3, 10))), "image_shape"),
        (dict(images=np.ones(64)), "shape"),
        (dict(images=np.ones((0, 64))), "M >= 1"),
        (dict(images=np.ones((3, 64)), titles=["a"]), "titles"),
        (dict(images=np.ones((3, 64)), title_colors=["red"]), "title_colors"),
        (dict(images=np.ones((3, 64)), ncols=0), "ncols"),
    ],
)
def test_image_grid_bad_input_gets_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_grid(**kwargs)
    plt.close("all")
