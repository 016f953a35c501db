"""Data sets and helpers: shapes, dtypes, label ranges, determinism, no global random state."""

import random

import numpy as np
import pytest
from helpers import assert_clear_error, rng0  # tests/helpers.py

from labs import (
    data,
)
from labs.data import standardize, train_test_split

SYNTHETIC = {
    # name: (call, expected N, D, number of classes or None for regression)
    "line": (lambda rng: data.line(30, rng), 30, 1, None),
    "sine": (lambda rng: data.sine(25, rng), 25, 1, None),
    "separable": (lambda rng: data.separable(40, rng), 40, 2, 2),
    "xor": (lambda rng: data.xor(6, rng), 24, 2, 2),
    "moons": (lambda rng: data.moons(50, rng), 50, 2, 2),
    "spirals": (lambda rng: data.spirals(20, rng, n_classes=4), 80, 2, 4),
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_sets_shapes_dtypes_and_labels(name):
    """X is (N, D) float64; y is (N,) float64 for regression or int labels covering [0, C)."""
    make, n, d, n_classes = SYNTHETIC[name]
    X, y = make(np.random.default_rng(0))
    assert X.shape == (n, d) and X.dtype == np.float64
    assert y.shape == (n,)
    if n_classes is None:
        assert y.dtype == np.float64
    else:
        assert np.issubdtype(y.dtype, np.integer)
        np.testing.assert_array_equal(np.unique(y), np.arange(n_classes))


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_sets_are_deterministic_per_seed(name):
    """The same seed gives the same data, another seed other data."""
    make = SYNTHETIC[name][0]
    X1, y1 = make(np.random.default_rng(5))
    X2, y2 = make(np.random.default_rng(5))
    X3, _ = make(np.random.default_rng(6))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_sets_leave_global_random_state_alone(name):
    """No data set touches numpy's or Python's global generator."""
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (only read, to compare)
    SYNTHETIC[name][0](np.random.default_rng(0))
    assert _same_state(np_state, np.random.get_state())  # noqa: NPY002
    assert py_state == random.getstate()


def _same_state(a, b):
    """Compare two np.random.get_state() tuples (name, key array, pos, has_gauss, cached_gaussian)."""
    return all(np.array_equal(u, v) for u, v in zip(a, b))


def test_separable_respects_the_margin():
    """Every point of `separable` lies more than margin/2 from the line x2 = 0.5 x1, on the side its label says."""
    X, y = data.separable(200, np.random.default_rng(0), margin=0.2)
    dist = (X[:, 1] - 0.5 * X[:, 0]) / np.sqrt(1.25)
    assert np.all(np.abs(dist) > 0.1)
    np.testing.assert_array_equal(y, (dist > 0).astype(int))


def test_xor_truth_table():
    """The four XOR corners and their labels."""
    X, y = data.xor_truth_table()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_line_follows_its_slope():
    """Noise-free `line` data lie exactly on y = slope x + intercept."""
    X, y = data.line(10, np.random.default_rng(0), slope=3.0, intercept=0.5, noise=0.0)
    np.testing.assert_allclose(y, 3.0 * X[:, 0] + 0.5, rtol=1e-15)


def test_digits():
    """scikit-learn's digits: 1797 images of 64 pixels in [0, 16], labels 0-9."""
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and np.issubdtype(y.dtype, np.integer)
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_diabetes():
    """scikit-learn's diabetes: 442 patients, 10 float features, float targets."""
    X, y = data.diabetes()
    assert X.shape == (442, 10) and X.dtype == np.float64
    assert y.shape == (442,) and y.dtype == np.float64


@pytest.fixture(scope="module")
def default_mnist1d():
    """The published MNIST-1D set (5000 samples, seed 42), generated once for this module (~2 s),
    with numpy's and Python's global generator states from just before and just after the call."""
    before = np.random.get_state(), random.getstate()  # noqa: NPY002 (only read, to compare)
    result = data.mnist1d()
    after = np.random.get_state(), random.getstate()  # noqa: NPY002
    return result, before, after


def test_mnist1d_default_shapes(default_mnist1d):
    """The default MNIST-1D is 4000 training and 1000 test signals of length 40, labels 0-9."""
    (X_train, X_test, y_train, y_test), _, _ = default_mnist1d
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert X_train.dtype == X_test.dtype == np.float64
    np.testing.assert_array_equal(np.unique(y_train), np.arange(10))
    np.testing.assert_array_equal(np.unique(y_test), np.arange(10))


def test_mnist1d_leaves_global_random_state_alone(default_mnist1d):
    """mnist1d's generator seeds numpy's and Python's global state; labs restores both."""
    _, (np_before, py_before), (np_after, py_after) = default_mnist1d
    assert _same_state(np_before, np_after)
    assert py_before == py_after


def test_mnist1d_is_deterministic_per_seed():
    """The same seed gives the same signals; another seed gives others."""
    a = data.mnist1d(num_samples=100, seed=1)
    b = data.mnist1d(num_samples=100, seed=1)
    c = data.mnist1d(num_samples=100, seed=2)
    assert a[0].shape == (80, 40) and a[1].shape == (20, 40)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


# --- train_test_split and standardize -----------------------------------------------------------

def test_train_test_split_partitions_the_data():
    """Train and test together hold every example exactly once, rows paired with labels."""
    X = np.arange(50).reshape(-1, 1).astype(float)
    y = np.arange(50)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, np.random.default_rng(0), test_fraction=0.2)
    assert len(X_te) == 10 and len(X_tr) == 40
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), np.arange(50))
    np.testing.assert_array_equal(X_tr[:, 0], y_tr)
    np.testing.assert_array_equal(X_te[:, 0], y_te)


def test_stratified_split_keeps_class_proportions():
    """With stratify=True each digit class puts round(20%) of its examples in the test set."""
    X, y = data.digits()
    _, _, y_tr, y_te = train_test_split(X, y, np.random.default_rng(0), test_fraction=0.2, stratify=True)
    counts = np.bincount(y, minlength=10)
    np.testing.assert_array_equal(np.bincount(y_te, minlength=10), np.round(0.2 * counts).astype(int))
    np.testing.assert_array_equal(np.bincount(y_tr, minlength=10) + np.bincount(y_te, minlength=10), counts)


def test_stratified_split_on_an_imbalanced_set():
    """A 90/10 class imbalance is kept in both parts (a plain random split could lose the rare class)."""
    y = np.array([0] * 90 + [1] * 10)
    X = np.zeros((100, 1))
    _, _, y_tr, y_te = train_test_split(X, y, np.random.default_rng(0), test_fraction=0.3, stratify=True)
    assert np.bincount(y_te).tolist() == [27, 3]
    assert np.bincount(y_tr).tolist() == [63, 7]


def test_split_is_deterministic_per_seed():
    """The same generator seed gives the same split."""
    X, y = data.digits()
    a = train_test_split(X, y, np.random.default_rng(4), stratify=True)
    b = train_test_split(X, y, np.random.default_rng(4), stratify=True)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_standardize_uses_training_statistics_only():
    """Training columns get mean 0 / std 1; the test set gets the *training* shift and scale."""
    rng = np.random.default_rng(0)
    X_train = rng.normal([5.0, -3.0], [2.0, 0.5], size=(100, 2))
    X_test = rng.normal([50.0, 0.0], [1.0, 1.0], size=(20, 2))  # very different statistics
    X_tr_s, X_te_s, (mean, std) = standardize(X_train, X_test, return_stats=True)
    np.testing.assert_allclose(X_tr_s.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_tr_s.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean, X_train.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(X_te_s, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0), rtol=1e-12)
    assert X_te_s[:, 0].mean() > 10  # not re-centred on its own mean
    np.testing.assert_array_equal(std, X_train.std(axis=0))


def test_standardize_leaves_constant_columns_finite():
    """A constant column (std 0, like the always-blank corner pixels of digits) is only centred."""
    X = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])
    (Xs,) = standardize(X)
    assert np.all(np.isfinite(Xs))
    np.testing.assert_array_equal(Xs[:, 1], 0.0)
    X_digits, _ = data.digits()
    assert np.all(np.isfinite(standardize(X_digits)[0]))


def test_standardize_min_std_floors_the_scale_of_rarely_varying_columns():
    """min_std: s_j <- max(s_j, min_std). A pixel inked once among N images stays small instead of sqrt(N - 1)."""
    X, _ = data.digits()
    X_train, X_test = X[:1000], X[1000:]
    inked = (X_train > 0).sum(axis=0)
    once = np.flatnonzero(inked == 1)
    assert len(once) > 0
    (plain,) = standardize(X_train)
    np.testing.assert_allclose(np.abs(plain[:, once]).max(axis=0), np.sqrt(len(X_train) - 1), rtol=1e-12)
    floored_train, floored_test, (mean, std) = standardize(X_train, X_test, min_std=1.0, return_stats=True)
    np.testing.assert_array_equal(std, np.maximum(X_train.std(axis=0), 1.0))
    np.testing.assert_allclose(floored_test, (X_test - X_train.mean(axis=0)) / std, rtol=1e-12)
    assert np.abs(floored_train[:, once]).max() <= 16.0  # at most the raw pixel range, not sqrt(N - 1) ~ 31.6
    wide = X_train.std(axis=0) >= 1.0  # columns already above the floor are scaled as before
    np.testing.assert_array_equal(floored_train[:, wide], plain[:, wide])
    assert np.all(np.isfinite(floored_train)) and np.all(floored_train[:, inked == 0] == 0)


def test_standardize_min_std_zero_is_the_default_and_negative_is_refused():
    X = np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_array_equal(standardize(X, min_std=0.0)[0], standardize(X)[0])
    with pytest.raises(ValueError, match=r"min_std must be >= 0, got -1"):
        standardize(X, min_std=-1)


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

BAD_INPUT = [
    pytest.param(lambda: data.standardize(np.ones((4, 3)), np.ones((3, 2))), ValueError,
                 r"standardize: array 1 has shape \(3, 2\), expected \(M, 3\)", id="standardize-column-count"),
    pytest.param(lambda: data.standardize(np.ones(4)), ValueError, r"X_train must be 2-D .*got shape \(4,\)",
                 id="standardize-1d"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng0(), test_fraction=0), ValueError,
                 r"test_fraction must be in \(0, 1\), got 0", id="split-fraction-zero"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng0(), test_fraction=1.0), ValueError,
                 r"test_fraction must be in \(0, 1\), got 1\.0", id="split-fraction-one"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng0(), test_fraction=20), ValueError,
                 r"test_fraction must be in \(0, 1\), got 20", id="split-fraction-percent"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(9), rng0()), ValueError,
                 r"X has 10 rows but y has 9", id="split-length-mismatch"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), 0), TypeError,
                 r"rng must be a numpy Generator", id="split-rng-int"),
    pytest.param(lambda: data.mnist1d(num_samples=5), ValueError, r"num_samples must be at least 10 .*got 5",
                 id="mnist1d-too-few"),
    pytest.param(lambda: data.mnist1d(num_samples=0), ValueError, r"num_samples must be a positive integer, got 0",
                 id="mnist1d-zero"),
    pytest.param(lambda: data.line(10, 0), TypeError, r"rng must be a numpy Generator.*got int", id="line-rng-int"),
    pytest.param(lambda: data.spirals(0, rng0()), ValueError, r"n_per_class must be a positive integer, got 0",
                 id="spirals-zero"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)
