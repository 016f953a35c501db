"""Bad input gets a clear error that names what was wrong, not a numpy traceback.

Each case is one row of a table: the call, the exception it must raise and a
regular expression the message must match (it names the shapes or values at fault).
"""

import numpy as np
import pytest

from labs import (
    SGD,
    Dropout,
    Linear,
    NoGradientError,
    ReLU,
    Sequential,
    Sigmoid,
    Step,
    Tanh,
    binary_cross_entropy,
    check_layer,
    check_loss,
    check_model,
    data,
    fit,
    init,
    minibatches,
    mlp,
    mse,
    numerical_gradient,
    rel_error,
    softmax_cross_entropy,
)


def rng():
    return np.random.default_rng(0)


def linear():
    return Linear(3, 4, rng=rng())


def after_forward(layer, x):
    """``layer`` after a forward pass on ``x`` (ready for backward)."""
    layer.forward(x)
    return layer


def fit_call(X=None, y=None, **kwargs):
    """fit of a Linear(2, 1) on mse, with the given pieces replaced by bad ones."""
    X = np.zeros((5, 2)) if X is None else X
    y = np.zeros(5) if y is None else y
    model = Linear(2, 1, init="zeros")
    args = dict(epochs=1, batch_size=2, rng=rng())
    args.update(kwargs)
    return fit(model, mse, SGD(model.parameters(), lr=0.1), X, y, **args)


def nan_at(shape, index, value=np.nan):
    a = np.zeros(shape)
    a[index] = value
    return a


def sgd(**kwargs):
    return SGD(Linear(2, 2, init="zeros").parameters(), **{"lr": 0.1, **kwargs})


LOGITS = np.zeros((2, 3))

CASES = [
    # --- layers ---
    pytest.param(lambda: linear().forward(np.ones((5, 2))), ValueError,
                 r"Linear\(3 -> 4\) expects inputs of shape \(N, 3\) .*got shape \(5, 2\)", id="linear-feature-count"),
    pytest.param(lambda: linear().forward(np.ones(3)), ValueError,
                 r"Linear\(3 -> 4\) expects inputs of shape \(N, 3\) .*got shape \(3,\)", id="linear-1d-input"),
    pytest.param(lambda: linear().forward(np.array([["a", "b", "c"]])), TypeError,
                 r"Linear input must be an array of numbers", id="linear-non-numeric-input"),
    pytest.param(lambda: Linear(0, 3, rng=rng()), ValueError, r"in_features must be a positive integer, got 0",
                 id="linear-zero-inputs"),
    pytest.param(lambda: Linear(3, 2.5, rng=rng()), ValueError, r"out_features must be a positive integer, got 2\.5",
                 id="linear-float-outputs"),
    pytest.param(lambda: Linear(3, 4), TypeError, r"Linear\(3 -> 4\) needs rng=np\.random\.default_rng",
                 id="linear-missing-rng"),
    pytest.param(lambda: linear().backward(np.ones((5, 4))), RuntimeError,
                 r"Linear\.backward was called before forward", id="linear-backward-before-forward"),
    pytest.param(lambda: Sigmoid().backward(np.ones((5, 4))), RuntimeError,
                 r"Sigmoid\.backward was called before forward", id="sigmoid-backward-before-forward"),
    pytest.param(lambda: Tanh().backward(np.ones((5, 4))), RuntimeError, r"Tanh\.backward was called before forward",
                 id="tanh-backward-before-forward"),
    pytest.param(lambda: ReLU().backward(np.ones((5, 4))), RuntimeError, r"ReLU\.backward was called before forward",
                 id="relu-backward-before-forward"),
    pytest.param(lambda: Dropout(0.5, rng()).backward(np.ones((5, 4))), RuntimeError,
                 r"Dropout\.backward was called before forward", id="dropout-backward-before-forward"),
    pytest.param(lambda: after_forward(linear(), np.ones((5, 3))).backward(np.ones((5, 3))), ValueError,
                 r"Linear\(3 -> 4\)\.backward expects dout of shape \(5, 4\) \(the forward output\), got \(5, 3\)",
                 id="linear-dout-shape"),
    pytest.param(lambda: after_forward(linear(), np.ones((5, 3))).backward(np.ones(4)), ValueError,
                 r"expects dout of shape \(5, 4\) .*got \(4,\)", id="linear-dout-1d"),
    pytest.param(lambda: after_forward(Sigmoid(), np.ones((5, 4))).backward(np.ones((4, 5))), ValueError,
                 r"Sigmoid\.backward expects dout of shape \(5, 4\) .*got \(4, 5\)", id="sigmoid-dout-shape"),
    pytest.param(lambda: after_forward(Tanh(), np.ones((5, 4))).backward(np.ones((1, 4))), ValueError,
                 r"Tanh\.backward expects dout of shape \(5, 4\) .*got \(1, 4\)", id="tanh-dout-shape"),
    pytest.param(lambda: after_forward(ReLU(), np.ones((5, 4))).backward(np.ones((5, 1))), ValueError,
                 r"ReLU\.backward expects dout of shape \(5, 4\) .*got \(5, 1\)", id="relu-dout-shape"),
    pytest.param(lambda: after_forward(Step(), np.ones((2, 2))).backward(np.ones((2, 2))), NoGradientError,
                 r"derivative is 0 for every z != 0", id="step-has-no-gradient"),
    pytest.param(lambda: Dropout(-0.1, rng()), ValueError, r"p is the probability .* must be in \[0, 1\), got -0\.1",
                 id="dropout-p-negative"),
    pytest.param(lambda: Dropout(1.0, rng()), ValueError, r"must be in \[0, 1\), got 1\.0", id="dropout-p-one"),
    pytest.param(lambda: Dropout(1.5, rng()), ValueError, r"must be in \[0, 1\), got 1\.5", id="dropout-p-above-one"),
    pytest.param(lambda: Dropout(0.5, None), TypeError, r"rng must be a numpy Generator.*got NoneType",
                 id="dropout-rng-none"),
    pytest.param(lambda: Dropout(0.5, 42), TypeError, r"rng must be a numpy Generator.*got int", id="dropout-rng-int"),
    pytest.param(lambda: mlp([3, 4, 2], activation="softplus", rng=rng()), ValueError,
                 r"unknown activation 'softplus'; choose one of \['identity', 'relu', 'sigmoid', 'tanh'\]",
                 id="mlp-unknown-activation"),
    pytest.param(lambda: Linear(3, 4, init="glorot", rng=rng()), ValueError, r"unknown initialiser 'glorot'",
                 id="linear-unknown-initialiser"),
    pytest.param(lambda: mlp([3, 4, 2], init="kaiming", rng=rng()), ValueError, r"unknown initialiser 'kaiming'",
                 id="mlp-unknown-initialiser"),
    pytest.param(lambda: mlp([3], rng=rng()), ValueError, r"sizes needs at least an input and an output width",
                 id="mlp-one-size"),
    pytest.param(lambda: mlp([3, 4, 2], rng=rng(), dropout=1.0), ValueError, r"must be in \[0, 1\), got 1\.0",
                 id="mlp-dropout-one"),
    pytest.param(lambda: Sequential(ReLU(), 3), TypeError, r"item 1 \(3\) is not a layer", id="sequential-non-layer"),
    pytest.param(lambda: init.he((3,), rng()), ValueError, r"must be \(fan_out, fan_in\) .*got \(3,\)",
                 id="init-bad-shape"),
    # --- losses ---
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
    # --- fit and minibatches ---
    pytest.param(lambda: fit_call(X=nan_at((5, 2), (1, 1))), ValueError,
                 r"fit X contains 1 NaN or infinite value", id="fit-nan-in-X"),
    pytest.param(lambda: fit_call(X=nan_at((5, 2), (0, 0), np.inf)), ValueError,
                 r"fit X contains 1 NaN or infinite value", id="fit-inf-in-X"),
    pytest.param(lambda: fit_call(y=nan_at(5, 3)), ValueError, r"fit y contains 1 NaN or infinite value",
                 id="fit-nan-in-y"),
    pytest.param(lambda: fit_call(y=nan_at(5, 3, -np.inf)), ValueError, r"fit y contains 1 NaN or infinite value",
                 id="fit-inf-in-y"),
    pytest.param(lambda: fit_call(X=np.zeros(5)), ValueError, r"fit X must be 2-D .*got shape \(5,\)",
                 id="fit-X-1d"),
    pytest.param(lambda: fit_call(y=np.zeros(4)), ValueError, r"fit: X has 5 rows but y has 4 entries",
                 id="fit-length-mismatch"),
    pytest.param(lambda: fit_call(val=(np.zeros((3, 2)), np.zeros(2))), ValueError,
                 r"fit val: X has 3 rows but y has 2 entries", id="fit-val-length-mismatch"),
    pytest.param(lambda: fit_call(val=np.zeros((3, 2))), ValueError, r"val must be a pair \(X_val, y_val\)",
                 id="fit-val-not-a-pair"),
    pytest.param(lambda: fit_call(val=(nan_at((3, 2), (0, 0)), np.zeros(3))), ValueError,
                 r"fit val X contains 1 NaN", id="fit-nan-in-val"),
    pytest.param(lambda: fit_call(epochs=0), ValueError, r"epochs must be a positive integer, got 0",
                 id="fit-zero-epochs"),
    pytest.param(lambda: fit_call(epochs=-3), ValueError, r"epochs must be a positive integer, got -3",
                 id="fit-negative-epochs"),
    pytest.param(lambda: fit_call(epochs=2.5), ValueError, r"epochs must be a positive integer, got 2\.5",
                 id="fit-float-epochs"),
    pytest.param(lambda: fit_call(batch_size=0), ValueError, r"batch_size must be a positive integer, got 0",
                 id="fit-zero-batch"),
    pytest.param(lambda: fit_call(batch_size=-1), ValueError, r"batch_size must be a positive integer, got -1",
                 id="fit-negative-batch"),
    pytest.param(lambda: fit_call(rng=0), TypeError, r"rng must be a numpy Generator, .*got int", id="fit-rng-int"),
    pytest.param(lambda: fit_call(rng=np.random.RandomState(0)), TypeError,  # noqa: NPY002 (the wrong kind on purpose)
                 r"rng must be a numpy Generator, .*got RandomState", id="fit-rng-randomstate"),
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(4), 2, rng())), ValueError,
                 r"minibatches: X has 5 rows but y has 4", id="minibatches-length-mismatch"),
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(5), 0, rng())), ValueError,
                 r"batch_size must be a positive integer, got 0", id="minibatches-zero-batch"),
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(5), 2, None)), TypeError,
                 r"rng must be a numpy Generator", id="minibatches-rng-none"),
    # --- SGD ---
    pytest.param(lambda: sgd(lr=0.0), ValueError, r"learning rate lr must be a positive number, got 0\.0",
                 id="sgd-lr-zero"),
    pytest.param(lambda: sgd(lr=-0.1), ValueError, r"lr must be a positive number, got -0\.1", id="sgd-lr-negative"),
    pytest.param(lambda: sgd(lr=np.nan), ValueError, r"lr must be a positive number, got nan", id="sgd-lr-nan"),
    pytest.param(lambda: sgd(lr=np.inf), ValueError, r"lr must be a positive number, got inf", id="sgd-lr-inf"),
    pytest.param(lambda: sgd(momentum=-0.1), ValueError, r"momentum must be in \[0, 1\), got -0\.1",
                 id="sgd-momentum-negative"),
    pytest.param(lambda: sgd(momentum=1.0), ValueError, r"momentum must be in \[0, 1\), got 1\.0",
                 id="sgd-momentum-one"),
    pytest.param(lambda: sgd(weight_decay=-1e-4), ValueError, r"weight_decay must be >= 0, got -0\.0001",
                 id="sgd-negative-weight-decay"),
    pytest.param(lambda: SGD([], lr=0.1), TypeError, r"params must be a non-empty list of Param",
                 id="sgd-empty-params"),
    pytest.param(lambda: SGD([np.zeros(3)], lr=0.1), TypeError, r"params must be a non-empty list of Param",
                 id="sgd-arrays-not-params"),
    # --- gradient checks refuse float32 ---
    pytest.param(lambda: numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32)), TypeError,
                 r"gradient checks need float64, but x has dtype float32", id="numerical-gradient-float32"),
    pytest.param(lambda: check_layer(Linear(3, 2, rng=rng(), dtype=np.float32), np.ones((2, 3)), rng()), TypeError,
                 r"need float64, but parameter W has dtype float32", id="check-layer-float32-params"),
    pytest.param(lambda: check_layer(Sigmoid(), np.ones((2, 3), dtype=np.float32), rng()), TypeError,
                 r"need float64, but the input x has dtype float32", id="check-layer-float32-input"),
    pytest.param(lambda: check_model(mlp([3, 2], rng=rng(), dtype=np.float32), mse, np.ones((2, 3)), np.ones((2, 2))),
                 TypeError, r"need float64, but parameter 0\.W has dtype float32", id="check-model-float32-params"),
    pytest.param(lambda: check_model(mlp([3, 2], rng=rng()), mse, np.ones((2, 3), dtype=np.float32), np.ones((2, 2))),
                 TypeError, r"need float64, but X has dtype float32", id="check-model-float32-X"),
    pytest.param(lambda: check_loss(mse, np.ones(3, dtype=np.float32), np.ones(3)), TypeError,
                 r"need float64, but pred has dtype float32", id="check-loss-float32"),
    pytest.param(lambda: check_layer(np.tanh, np.ones((2, 3)), rng()), TypeError, r"check_layer: .* is not a layer",
                 id="check-layer-not-a-layer"),
    pytest.param(lambda: rel_error(np.ones(3), np.ones(4)), ValueError, r"shapes differ, \(3,\) vs \(4,\)",
                 id="rel-error-shapes"),
    # --- data ---
    pytest.param(lambda: data.standardize(np.ones((4, 3)), np.ones((3, 2))), ValueError,
                 r"standardize: array 1 has shape \(3, 2\), expected \(M, 3\)", id="standardize-column-count"),
    pytest.param(lambda: data.standardize(np.ones(4)), ValueError, r"X_train must be 2-D .*got shape \(4,\)",
                 id="standardize-1d"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng(), test_fraction=0), ValueError,
                 r"test_fraction must be in \(0, 1\), got 0", id="split-fraction-zero"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng(), test_fraction=1.0), ValueError,
                 r"test_fraction must be in \(0, 1\), got 1\.0", id="split-fraction-one"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), rng(), test_fraction=20), ValueError,
                 r"test_fraction must be in \(0, 1\), got 20", id="split-fraction-percent"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(9), rng()), ValueError,
                 r"X has 10 rows but y has 9", id="split-length-mismatch"),
    pytest.param(lambda: data.train_test_split(np.ones((10, 2)), np.ones(10), 0), TypeError,
                 r"rng must be a numpy Generator", id="split-rng-int"),
    pytest.param(lambda: data.narrow_valley(kappa=0.5), ValueError,
                 r"kappa \(the condition number lam_max/lam_min\) must be >= 1, got 0\.5", id="narrow-valley-kappa"),
    pytest.param(lambda: data.narrow_valley(L=0.0), ValueError,
                 r"lam_max \(L, the largest curvature\) must be > 0, got 0\.0", id="narrow-valley-L"),
    pytest.param(lambda: data.mnist1d(num_samples=5), ValueError, r"num_samples must be at least 10 .*got 5",
                 id="mnist1d-too-few"),
    pytest.param(lambda: data.mnist1d(num_samples=0), ValueError, r"num_samples must be a positive integer, got 0",
                 id="mnist1d-zero"),
    pytest.param(lambda: data.line(10, 0), TypeError, r"rng must be a numpy Generator.*got int", id="line-rng-int"),
    pytest.param(lambda: data.spirals(0, rng()), ValueError, r"n_per_class must be a positive integer, got 0",
                 id="spirals-zero"),
]


@pytest.mark.parametrize("call, error, match", CASES)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming what was wrong."""
    with pytest.raises(error, match=match):
        call()


def test_no_gradient_error_is_a_runtime_error():
    """Step's NoGradientError is a RuntimeError, like calling backward before forward: a mistake in
    what is called, not in the values passed."""
    assert issubclass(NoGradientError, RuntimeError)


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


def test_param_list_accepts_a_generator():
    """SGD takes any iterable of Params, e.g. a generator expression."""
    layer = Linear(2, 2, init="zeros")
    opt = SGD((p for p in layer.parameters()), lr=0.1)
    assert opt.params == layer.parameters()


# --- bugs: rules the code does not enforce yet ------------------------------------------------


def test_dropout_dout_of_the_wrong_shape():
    """Dropout.backward, like every other layer, refuses a dout whose shape is not the forward output's."""
    layer = after_forward(Dropout(0.5, rng()), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"Dropout.*backward expects dout of shape \(4, 5\).*got \(1, 5\)"):
        layer.backward(np.ones((1, 5)))


@pytest.mark.parametrize("bad_rng", [0, np.random.RandomState(0)], ids=["int-seed", "RandomState"])  # noqa: NPY002
def test_linear_rng_must_be_a_generator(bad_rng):
    """Linear(3, 4, rng=0), the commonest slip (a seed instead of a generator), gets the rng TypeError."""
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator"):
        Linear(3, 4, rng=bad_rng)


def test_mlp_negative_dropout():
    """mlp(dropout=-0.2) is as wrong as Dropout(-0.2) and must say so."""
    with pytest.raises(ValueError, match=r"must be in \[0, 1\), got -0\.2"):
        mlp([3, 4, 2], rng=rng(), dropout=-0.2)
