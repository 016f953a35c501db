"""labs._checks: the shared validators (each require_* raises on bad input, else returns the value)."""

import numpy as np
import pytest

from labs._checks import require_labels, require_limits, require_points, require_positive_int


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_require_positive_int_returns_a_python_int(value):
    out = require_positive_int(value, "n")
    assert out == value and type(out) is int


@pytest.mark.parametrize(
    "value, minimum, match",
    [
        (0, 1, r"n must be a positive integer, got 0"),
        (True, 1, r"n must be a positive integer, got True"),
        (2.0, 1, r"n must be a positive integer, got 2\.0"),
        (1, 2, r"n must be an integer >= 2, got 1"),
    ],
)
def test_require_positive_int_names_the_argument_and_the_bound(value, minimum, match):
    with pytest.raises(ValueError, match=match):
        require_positive_int(value, "n", minimum=minimum)


def test_require_labels_accepts_integers_and_whole_floats():
    np.testing.assert_array_equal(require_labels([0, 2, 1], n_classes=3), [0, 2, 1])
    out = require_labels(np.array([0.0, 1.0]), n=2)
    assert out.dtype == np.int64 and out.tolist() == [0, 1]


@pytest.mark.parametrize(
    "y, kwargs, match",
    [
        (np.zeros((2, 2), dtype=int), {}, r"y must be 1-D integer labels of shape \(N,\), got shape \(2, 2\)"),
        (np.zeros(3, dtype=int), {"n": 4}, r"shape \(4,\), one label per row of X, got shape \(3,\)"),
        (np.array([0.5, 1.0]), {}, r"must hold integer class labels, got dtype float64"),
        (np.array([0, 3]), {"n_classes": 3}, r"labels in \[0, 3\) for 3 classes, got values from 0 to 3"),
        (np.array([-1, 1]), {}, r"labels in 0, 1, 2, \.\.\., got values from -1 to 1"),
    ],
)
def test_require_labels_says_what_is_wrong(y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        require_labels(y, **kwargs)


def test_require_limits_and_points():
    np.testing.assert_array_equal(require_limits((0, 1), "xlim"), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"xlim must be a pair \(low, high\) with low < high, got \[1\.0, 0\.0\]"):
        require_limits((1, 0), "xlim")
    assert require_points([[0, 1], [2, 3]], "path").shape == (2, 2)
    with pytest.raises(ValueError, match=r"path must have shape \(k, 2\), got shape \(3,\)"):
        require_points([1, 2, 3], "path")
