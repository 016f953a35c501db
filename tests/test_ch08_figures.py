"""Chapter 8's figures: plotting.image_grid (small images in a grid) and plotting.confusion_heatmap."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle

from labs.plotting import COLORS, confusion_heatmap, image_grid


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


def test_confusion_heatmap_writes_nonzero_counts_and_frames_the_mistakes():
    counts = np.array([[30, 0, 2], [0, 25, 0], [1, 0, 40]])
    ax = confusion_heatmap(counts, class_names=["zero", "one", "two"])
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert texts == {(0, 0): "30", (0, 2): "2", (1, 1): "25", (2, 0): "1", (2, 2): "40"}
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), counts)
    frames = sorted((round(p.get_y() + 0.45), round(p.get_x() + 0.45)) for p in ax.patches if isinstance(p, Rectangle))
    assert frames == [(0, 2), (2, 0)]  # the two off-diagonal cells, (true, predicted)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["zero", "one", "two"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close(ax.figure)


def test_confusion_heatmap_text_is_white_on_dark_cells_only():
    ax = confusion_heatmap(np.array([[100, 1], [0, 100]]))
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["100"] == "white" and colours["1"] == COLORS["black"]
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "counts, kwargs, message",
    [
        (np.ones((2, 3)), {}, "square"),
        (np.array([[1, -1], [0, 1]]), {}, "non-negative"),
        (np.array([[1.5, 0], [0, 1]]), {}, "whole numbers"),
        (np.eye(2), {"class_names": ["a"]}, "class_names"),
    ],
)
def test_confusion_heatmap_bad_input_gets_a_clear_error(counts, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_heatmap(counts, **kwargs)
    plt.close("all")
