"""Loss values against hand computations, and numerical stability at logits of size 1e4.

Gradients are checked against central differences in test_gradcheck.py.
"""

import warnings

import numpy as np
import pytest
from helpers import assert_clear_error  # tests/helpers.py

from labs import (
    binary_cross_entropy,
    log_softmax,
    mse,
    one_hot,
    softmax,
    softmax_cross_entropy,
)


@pytest.fixture
def no_warnings():
    """Turn every warning and numpy overflow/invalid/divide-by-zero into an error inside the test.

    Underflow stays allowed: exp(-2e4) rounding to 0 is the correct answer, not a problem.
    """
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


def test_mse_by_hand():
    """C = 1/(2N) sum (pred - y)^2 and dC/dpred = (pred - y) / N on a two-example batch."""
    loss, grad = mse(np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]]))
    assert loss == 0.5 * (1.0**2 + 2.0**2) / 2  # 1.25
    np.testing.assert_array_equal(grad, [[1.0 / 2], [-2.0 / 2]])


def test_mse_column_predictions_against_vector_targets():
    """Predictions (N, 1) against targets (N,) is accepted (the output of Linear(D, 1)); grad keeps (N, 1)."""
    pred, y = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 0.0, 5.0])
    loss, grad = mse(pred, y)
    ref_loss, ref_grad = mse(pred, y.reshape(-1, 1))
    assert grad.shape == (3, 1)
    assert loss == ref_loss
    np.testing.assert_array_equal(grad, ref_grad)


def test_mse_multi_output_sums_over_outputs_and_averages_over_the_batch():
    """For K outputs the squared error is summed over the outputs and averaged over the N examples."""
    pred, y = np.array([[1.0, 2.0], [0.0, 0.0]]), np.zeros((2, 2))
    loss, _ = mse(pred, y)
    assert loss == 0.5 * (1 + 4 + 0 + 0) / 2


def test_binary_cross_entropy_matches_the_textbook_formula():
    """-1/N sum [y log a + (1 - y) log(1 - a)] with a = sigmoid(z), at moderate logits."""
    z = np.array([-2.0, -0.3, 0.0, 1.5, 4.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    a = 1 / (1 + np.exp(-z))
    loss, grad = binary_cross_entropy(z, y)
    np.testing.assert_allclose(loss, -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a)), rtol=1e-13)
    np.testing.assert_allclose(grad, (a - y) / 5, rtol=1e-13)


def test_binary_cross_entropy_at_zero_logit_is_log_two():
    """At z = 0 the prediction is 1/2 and the loss is log 2 whatever the label."""
    loss, grad = binary_cross_entropy(np.zeros((4, 1)), np.array([0, 1, 1, 0]))
    assert loss == pytest.approx(np.log(2.0), rel=1e-15)
    np.testing.assert_array_equal(grad, np.array([[0.5], [-0.5], [-0.5], [0.5]]) / 4)


def test_binary_cross_entropy_is_exact_at_logits_1e4(no_warnings):
    """A confident wrong answer at |z| = 1e4 costs exactly 1e4; a confident right one costs 0; no overflow."""
    z = np.array([1e4, -1e4, 1e4, -1e4])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss, grad = binary_cross_entropy(z, y)
    assert loss == (1e4 + 1e4 + 0.0 + 0.0) / 4
    np.testing.assert_array_equal(grad, np.array([1.0, -1.0, 0.0, 0.0]) / 4)


def test_softmax_rows_sum_to_one():
    """Every row of softmax is a probability vector, even for logits in the thousands."""
    z = 1000 * np.random.default_rng(0).standard_normal((20, 7))
    s = softmax(z)
    assert np.all(s >= 0) and np.all(np.isfinite(s))
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-14)


def test_softmax_is_shift_invariant_and_known_values():
    """softmax(z + c) = softmax(z); softmax([0, log 2, log 3]) = [1, 2, 3] / 6; a 1-D z works too."""
    z = np.array([0.0, np.log(2.0), np.log(3.0)])
    np.testing.assert_allclose(softmax(z), [1 / 6, 2 / 6, 3 / 6], rtol=1e-14)
    np.testing.assert_allclose(softmax(z + 500.0), softmax(z), rtol=1e-14)


def test_log_softmax_is_log_of_softmax():
    """log_softmax agrees with log(softmax) where the latter is safe to compute."""
    z = 3 * np.random.default_rng(1).standard_normal((5, 4))
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=1e-12, atol=1e-14)


def test_softmax_and_log_softmax_exact_at_logits_1e4(no_warnings):
    """z = [1e4, -1e4, 0]: softmax = [1, 0, 0] and log_softmax = [0, -2e4, -1e4] exactly, no overflow."""
    z = np.array([[1e4, -1e4, 0.0]])
    np.testing.assert_array_equal(softmax(z), [[1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(log_softmax(z), [[0.0, -2e4, -1e4]])


def test_softmax_cross_entropy_exact_at_logits_1e4(no_warnings):
    """Label 1 at z = [1e4, -1e4, 0] costs -log softmax_1 = 2e4; label 0 costs 0; the gradient is exact."""
    z = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    loss, grad = softmax_cross_entropy(z, np.array([1, 0]))
    assert loss == (2e4 + 0.0) / 2
    np.testing.assert_array_equal(grad, np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]) / 2)
    assert softmax_cross_entropy(z[:1], np.array([2]))[0] == 1e4


def test_softmax_cross_entropy_by_hand():
    """Uniform logits cost log C; the gradient is (1/C - onehot) / N."""
    loss, grad = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    assert loss == pytest.approx(np.log(4.0), rel=1e-15)
    np.testing.assert_allclose(grad, (np.full((2, 4), 0.25) - [[1, 0, 0, 0], [0, 0, 0, 1]]) / 2, rtol=1e-15)


def test_softmax_cross_entropy_one_hot_equals_integer_labels():
    """One-hot rows and integer labels give the same loss and gradient; so do integral float labels."""
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    ref_loss, ref_grad = softmax_cross_entropy(z, y)
    for targets in (one_hot(y, 4), y.astype(float)):
        loss, grad = softmax_cross_entropy(z, targets)
        assert loss == ref_loss
        np.testing.assert_array_equal(grad, ref_grad)


def test_softmax_cross_entropy_gradient_rows_sum_to_zero():
    """softmax - onehot sums to 0 in every row: raising all logits of an example changes nothing."""
    rng = np.random.default_rng(2)
    _, grad = softmax_cross_entropy(5 * rng.standard_normal((8, 5)), rng.integers(0, 5, size=8))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-16)


def test_one_hot():
    """one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]."""
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_binary_cross_entropy_refuses_nan_targets():
    """NaN is not a target in [0, 1]: the loss must say so instead of returning NaN."""
    with pytest.raises(ValueError, match=r"targets y must lie in \[0, 1\]"):
        binary_cross_entropy(np.zeros(3), np.array([0.0, np.nan, 1.0]))


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

LOGITS = np.zeros((2, 3))


BAD_INPUT = [
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([0, 3])), ValueError,
                 r"labels in \[0, 3\) for 3 classes, got values from 0 to 3", id="labels-too-large"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([-1, 2])), ValueError,
                 r"labels in \[0, 3\) for 3 classes, got values from -1 to 2", id="labels-negative"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([0.5, 1.0])), ValueError,
                 r"must hold integer class labels, got dtype float64", id="labels-not-integer"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array(["a", "b"])), ValueError,
                 r"must hold integer class labels", id="labels-strings"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([[1, 1, 0], [0, 1, 0]])), ValueError,
                 r"2-D targets must be one-hot rows", id="one-hot-two-ones"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([[0.5, 0.5, 0], [0, 1, 0]])), ValueError,
                 r"2-D targets must be one-hot rows", id="one-hot-soft-labels"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([[0, 0, 0], [0, 1, 0]])), ValueError,
                 r"2-D targets must be one-hot rows", id="one-hot-empty-row"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.eye(2)), ValueError,
                 r"one-hot targets have shape \(2, 2\), logits \(2, 3\)", id="one-hot-wrong-width"),
    pytest.param(lambda: softmax_cross_entropy(LOGITS, np.array([0, 1, 2])), ValueError,
                 r"expected 2 labels of shape \(2,\), got shape \(3,\)", id="labels-wrong-count"),
    pytest.param(lambda: softmax_cross_entropy(np.zeros(3), np.array([0])), ValueError,
                 r"logits must have shape \(N, C\), got \(3,\)", id="logits-1d"),
    pytest.param(lambda: mse(np.zeros(4), np.zeros((4, 2))), ValueError,
                 r"mse: predictions have shape \(4,\) but targets have shape \(4, 2\)", id="mse-vector-vs-2-columns"),
    pytest.param(lambda: mse(np.zeros((4, 2)), np.zeros((4, 3))), ValueError,
                 r"predictions have shape \(4, 2\) but targets have shape \(4, 3\)", id="mse-column-count"),
    pytest.param(lambda: mse(np.zeros(4), np.zeros(5)), ValueError,
                 r"predictions have shape \(4,\) but targets have shape \(5,\)", id="mse-length"),
    pytest.param(lambda: mse(np.zeros((4, 2)), np.zeros(4)), ValueError,
                 r"predictions have shape \(4, 2\) but targets have shape \(4,\)", id="mse-2-columns-vs-vector"),
    pytest.param(lambda: mse(np.zeros(0), np.zeros(0)), ValueError, r"expected a non-empty batch", id="mse-empty"),
    pytest.param(lambda: binary_cross_entropy(np.zeros(3), np.array([0.0, 2.0, 1.0])), ValueError,
                 r"targets y must lie in \[0, 1\]", id="bce-target-above-one"),
    pytest.param(lambda: binary_cross_entropy(np.zeros(3), np.array([-1.0, 0.0, 1.0])), ValueError,
                 r"targets y must lie in \[0, 1\]", id="bce-target-negative"),
    pytest.param(lambda: binary_cross_entropy(np.zeros((3, 2)), np.zeros((3, 2))), ValueError,
                 r"one logit per example, shape \(N,\) or \(N, 1\), got \(3, 2\)", id="bce-two-logits"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)


def test_mse_accepts_a_column_of_predictions_against_a_vector_of_targets():
    """The one shape mismatch mse allows: (N, 1) predictions (Linear(D, 1)) against (N,) targets."""
    loss, grad = mse(np.ones((4, 1)), np.zeros(4))
    assert loss == 0.5 and grad.shape == (4, 1)


def test_bce_accepts_a_column_of_logits_against_a_vector_of_labels():
    """binary_cross_entropy also accepts (N, 1) logits against (N,) labels, and integer labels."""
    loss, grad = binary_cross_entropy(np.zeros((4, 1)), np.array([0, 1, 1, 0]))
    assert loss == pytest.approx(np.log(2)) and grad.shape == (4, 1)


def test_integral_float_labels_are_accepted():
    """Labels 0.0, 1.0, 2.0 (e.g. read from a CSV) are whole numbers and are accepted as class labels."""
    assert softmax_cross_entropy(LOGITS, np.array([0.0, 2.0]))[0] == pytest.approx(np.log(3))
