"""Gradient checks: every backward pass in `labs` agrees with central differences.

Two halves:

* every layer, loss and small model passes `labs.gradcheck` in float64 with a
  random upstream gradient, for three seeds and odd shapes (a batch of one,
  non-square layers);
* the checks can fail: deliberately broken backward passes, written below as
  small subclasses, are caught by exactly the check the correct code passes.
"""

import numpy as np
import pytest
from helpers import assert_clear_error, rng0  # tests/helpers.py

from labs import (
    Dropout,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    binary_cross_entropy,
    check_layer,
    check_loss,
    check_model,
    log_softmax,
    mlp,
    mse,
    numerical_gradient,
    one_hot,
    rel_error,
    softmax,
    softmax_cross_entropy,
)

SEEDS = [0, 1, 2]
TOL = 1e-6  # a correct float64 gradient agrees to ~1e-9; a wrong one is off by far more
BROKEN = 1e-2  # what a broken backward pass must at least produce


def away_from_zero(rng, shape, margin=0.1):
    """Random numbers with random signs and |x| in [margin, 2].

    ReLU has a kink at 0: if an input lies within h = 1e-6 of 0, the central
    difference straddles the kink and measures (slope_left + slope_right) / 2
    = 0.5 instead of the one-sided derivative, so the check would fail for a
    correct ReLU. Keeping |x| >= 0.1 >> h avoids that.
    """
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(margin, 2.0, size=shape)


def relu_inputs(model, X):
    """The inputs of every ReLU in ``model`` on the batch ``X`` (to keep them away from the kink)."""
    seen = []
    a = X
    for layer in model.layers:
        if isinstance(layer, ReLU):
            seen.append(np.ravel(a))
        a = layer.forward(a)
    return np.concatenate(seen) if seen else np.array([np.inf])


# --- 1. every layer ---------------------------------------------------------

LINEAR_SHAPES = [(1, 3, 5), (4, 7, 2), (5, 3, 5), (1, 7, 2), (3, 4, 4)]  # (batch N, in, out)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n, d_in, d_out", LINEAR_SHAPES)
def test_linear_gradients(seed, n, d_in, d_out):
    """Linear's dC/dX, dC/dW and dC/db match central differences, also for a batch of one."""
    rng = np.random.default_rng(seed)
    layer = Linear(d_in, d_out, rng=rng)
    layer.b.value[:] = rng.standard_normal(d_out)  # a non-zero bias, so b really takes part
    errors = check_layer(layer, rng.standard_normal((n, d_in)), rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < TOL, errors


ACTIVATIONS = {
    "identity": (Identity, lambda rng, shape: 2 * rng.standard_normal(shape)),
    "sigmoid": (Sigmoid, lambda rng, shape: 2 * rng.standard_normal(shape)),
    "tanh": (Tanh, lambda rng, shape: 2 * rng.standard_normal(shape)),
    "relu": (ReLU, away_from_zero),  # see away_from_zero: no input near the kink at 0
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(1, 5), (4, 3), (3, 7)])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name, shape, seed):
    """Each activation's backward is its derivative times the random upstream gradient."""
    rng = np.random.default_rng(seed)
    layer_class, draw = ACTIVATIONS[name]
    x = draw(rng, shape)
    errors = check_layer(layer_class(), x, rng)
    assert set(errors) == {"x"}
    assert errors["x"] < TOL


def test_relu_inputs_cover_both_branches():
    """The ReLU check above sees negative and positive inputs, so both branches are tested."""
    x = away_from_zero(np.random.default_rng(0), (3, 7))
    assert np.any(x < 0) and np.any(x > 0)
    assert np.min(np.abs(x)) >= 0.1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.2, 0.5])
@pytest.mark.parametrize("shape", [(1, 20), (4, 5)])
def test_dropout_gradients_in_train_mode(shape, p, seed):
    """Dropout in train mode passes dout through its scaled mask (check_layer replays the mask)."""
    rng = np.random.default_rng(seed)
    layer = Dropout(p, np.random.default_rng(seed + 100))
    x = rng.standard_normal(shape)
    errors = check_layer(layer, x, rng)
    assert layer.training
    assert np.any(layer.mask == 0) and np.any(layer.mask != 0), "the check must see dropped and kept units"
    assert errors["x"] < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("sizes, n", [([3, 5, 2], 4), ([7, 2], 1), ([4, 6, 3, 2], 3)])
def test_sequential_input_gradient(sizes, n, activation, seed):
    """Sequential.backward returns dC/dX for a whole mlp (random dout, via numerical_gradient)."""
    rng = np.random.default_rng(seed)
    model = mlp(sizes, activation=activation, rng=rng)
    for layer in model.layers:
        if isinstance(layer, Linear):
            layer.b.value[:] = 0.5 * rng.standard_normal(layer.out_features)
    x = rng.standard_normal((n, sizes[0]))
    assert np.min(np.abs(relu_inputs(model, x))) > 1e-3, "test setup: a ReLU input is too close to its kink"
    dout = rng.standard_normal((n, sizes[-1]))
    model.forward(x)
    dx = model.backward(dout)
    numeric = numerical_gradient(lambda: float(np.sum(model.forward(x) * dout)), x)
    assert dx.shape == x.shape
    assert rel_error(dx, numeric) < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", [Identity, Sigmoid, Tanh])
def test_check_layer_on_a_one_layer_sequential(activation, seed):
    """check_layer takes a Sequential too: Sequential(Linear(3 -> 5), activation) on a batch of 2."""
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(3, 5, rng=rng), activation())
    errors = check_layer(model, rng.standard_normal((2, 3)), rng)
    assert len(errors) == 3
    assert max(errors.values()) < TOL, errors


def test_check_layer_on_an_mlp_reports_every_parameter():
    """check_layer on a Sequential reports dX and one error per parameter (4 for a 2-layer mlp)."""
    rng = np.random.default_rng(0)
    model = mlp([3, 5, 2], activation="tanh", rng=rng)
    errors = check_layer(model, rng.standard_normal((4, 3)), rng)
    assert len(errors) == 1 + len(model.parameters())
    assert max(errors.values()) < TOL


# --- 1. every loss ----------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pred_shape, y_shape", [((1, 1), (1, 1)), ((4, 3), (4, 3)), ((5, 1), (5,)), ((6,), (6,))])
def test_mse_gradient(pred_shape, y_shape, seed):
    """mse's gradient (pred - y) / N, including the accepted (N, 1) predictions vs (N,) targets."""
    rng = np.random.default_rng(seed)
    err = check_loss(mse, rng.standard_normal(pred_shape), rng.standard_normal(y_shape))
    assert err < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(1,), (5,), (4, 1)])
@pytest.mark.parametrize("targets", ["labels", "soft"])
def test_binary_cross_entropy_gradient(targets, shape, seed):
    """BCE from logits: dC/dz = (sigmoid(z) - y) / N, for 0/1 labels and soft targets in [0, 1]."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=shape).astype(float) if targets == "labels" else rng.uniform(0, 1, size=shape)
    err = check_loss(binary_cross_entropy, 3 * rng.standard_normal(shape), y)
    assert err < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n, c", [(1, 3), (4, 5), (7, 2)])
@pytest.mark.parametrize("labels", ["integer", "one-hot"])
def test_softmax_cross_entropy_gradient(labels, n, c, seed):
    """Softmax cross-entropy: dC/dz = (softmax(z) - onehot(y)) / N, with integer and with one-hot labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, size=n)
    if labels == "one-hot":
        y = one_hot(y, c)
    err = check_loss(softmax_cross_entropy, 3 * rng.standard_normal((n, c)), y)
    assert err < TOL


def softmax_projected(z, r):
    """``f(z) = sum(softmax(z) * r)`` and its gradient ``s * (r - sum_k s_k r_k)`` (the book's Jacobian)."""
    s = softmax(z)
    return float(np.sum(s * r)), s * (r - np.sum(s * r, axis=-1, keepdims=True))


def log_softmax_projected(z, r):
    """``f(z) = sum(log_softmax(z) * r)`` and its gradient ``r - softmax(z) * sum_k r_k``."""
    return float(np.sum(log_softmax(z) * r)), r - softmax(z) * np.sum(r, axis=-1, keepdims=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", [(1, 3), (4, 5), (6,)])
@pytest.mark.parametrize("projected", [softmax_projected, log_softmax_projected], ids=["softmax", "log_softmax"])
def test_softmax_jacobian_via_random_projection(projected, shape, seed):
    """softmax and log_softmax have the Jacobians the book derives (checked on a random projection)."""
    rng = np.random.default_rng(seed)
    err = check_loss(projected, 3 * rng.standard_normal(shape), rng.standard_normal(shape))
    assert err < TOL


# --- 1. whole models with check_model ---------------------------------------

MODEL_TASKS = {
    # name: (sizes, loss, labels for a batch of n)
    "regression": ([3, 5, 2], mse, lambda rng, n: rng.standard_normal((n, 2))),
    "binary": ([2, 4, 3, 1], binary_cross_entropy, lambda rng, n: rng.integers(0, 2, size=n)),
    "multiclass": ([4, 6, 3], softmax_cross_entropy, lambda rng, n: rng.integers(0, 3, size=n)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dropout", [0.0, 0.3], ids=["no-dropout", "dropout"])
@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("task", sorted(MODEL_TASKS))
def test_check_model_on_small_mlps(task, activation, dropout, seed):
    """Every parameter gradient of a small mlp (each activation, with and without dropout) is right."""
    rng = np.random.default_rng(seed)
    sizes, loss, labels = MODEL_TASKS[task]
    model = mlp(sizes, activation=activation, rng=rng, dropout=dropout)
    for layer in model.layers:
        if isinstance(layer, Linear):
            layer.b.value[:] = 0.5 * rng.standard_normal(layer.out_features)
    n = 5
    X, y = rng.standard_normal((n, sizes[0])), labels(rng, n)
    if activation == "relu":  # see away_from_zero; the weights move by h = 1e-6, so 1e-3 is far enough
        assert np.min(np.abs(relu_inputs(model, X))) > 1e-3, "test setup: a ReLU input is too close to its kink"
    errors = check_model(model, loss, X, y)
    assert len(errors) == len(model.parameters())
    assert max(errors.values()) < TOL, errors


def test_check_model_with_dropout_really_drops():
    """The dropout models above are not identities in disguise: the forward pass in train mode is random."""
    rng = np.random.default_rng(0)
    model = mlp([4, 6, 3], rng=rng, dropout=0.3)
    X = rng.standard_normal((5, 4))
    assert not np.array_equal(model.forward(X), model.forward(X))


# --- 2. the checks can fail -------------------------------------------------

class LinearNoTranspose(Linear):
    """BROKEN: dC/dW = X^T delta (in, out) instead of delta^T X (out, in)."""

    def backward(self, dout):
        self.W.grad[...] = self.x.T @ dout  # fits only because the layer is square
        self.b.grad[...] = dout.sum(axis=0)
        return dout @ self.W.value


class LinearSignError(Linear):
    """BROKEN: dC/dX = -delta W."""

    def backward(self, dout):
        super().backward(dout)
        return -(dout @ self.W.value)


class LinearBiasNotSummed(Linear):
    """BROKEN: dC/db takes the first example's delta instead of the sum over the batch."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.b.grad[...] = dout[0]
        return dx


class SigmoidWrongDerivative(Sigmoid):
    """BROKEN: dout * a instead of dout * a * (1 - a)."""

    def backward(self, dout):
        return dout * self.a


class SigmoidForgetsDout(Sigmoid):
    """BROKEN: returns the local derivative a * (1 - a) without multiplying by the upstream dout."""

    def backward(self, dout):
        return self.a * (1.0 - self.a)


class DropoutIgnoresMask(Dropout):
    """BROKEN: the backward pass forgets the mask and passes dout straight through."""

    def backward(self, dout):
        return dout


def mse_without_mean(pred, y):
    """BROKEN: the loss is averaged over the batch but the gradient forgets the 1/N."""
    loss, grad = mse(pred, y)
    return loss, grad * len(pred)


def softmax_cross_entropy_without_onehot(logits, y):
    """BROKEN: dC/dz = softmax(z) / N, the "- onehot(y)" is missing."""
    loss, _ = softmax_cross_entropy(logits, y)
    return loss, softmax(logits) / len(logits)


def bce_without_mean(logits, y):
    """BROKEN: BCE's gradient without the 1/N of the average."""
    loss, grad = binary_cross_entropy(logits, y)
    return loss, grad * len(logits)


def _layer_errors(make_layer, x_shape, seed=0):
    """check_layer on a fresh layer from ``make_layer(rng)`` with the same x and dout every time."""
    rng = np.random.default_rng(seed)
    layer = make_layer(rng)
    x = rng.standard_normal(x_shape)
    return check_layer(layer, x, np.random.default_rng(seed + 1))


@pytest.mark.parametrize(
    "correct, broken, key",
    [
        (Linear, LinearNoTranspose, "W"),
        (Linear, LinearSignError, "x"),
        (Linear, LinearBiasNotSummed, "b"),
    ],
    ids=["missing-transpose-in-dW", "sign-error-in-dX", "bias-gradient-not-summed"],
)
def test_check_layer_catches_broken_linear(correct, broken, key):
    """check_layer passes Linear and flags each broken variant, on the same square layer, x and dout."""
    good = _layer_errors(lambda rng: correct(4, 4, rng=rng), (5, 4))
    bad = _layer_errors(lambda rng: broken(4, 4, rng=rng), (5, 4))
    assert max(good.values()) < TOL
    assert bad[key] > BROKEN, bad


def test_check_layer_catches_wrong_sigmoid_derivative():
    """A sigmoid backward returning dout * a (not dout * a * (1 - a)) fails the check Sigmoid passes."""
    good = _layer_errors(lambda rng: Sigmoid(), (4, 3))
    bad = _layer_errors(lambda rng: SigmoidWrongDerivative(), (4, 3))
    assert good["x"] < TOL
    assert bad["x"] > BROKEN


def test_check_layer_catches_a_backward_that_ignores_dout():
    """Forgetting the chain-rule factor dout is caught because check_layer draws a random dout.

    With dout = ones this broken backward would agree with the numerical gradient of sum(forward(x)).
    """
    good = _layer_errors(lambda rng: Sigmoid(), (4, 3))
    bad = _layer_errors(lambda rng: SigmoidForgetsDout(), (4, 3))
    assert good["x"] < TOL
    assert bad["x"] > BROKEN


def test_check_layer_catches_dropout_without_mask():
    """A dropout backward that forgets the mask fails the check Dropout passes (same mask stream)."""
    good = _layer_errors(lambda rng: Dropout(0.5, np.random.default_rng(7)), (4, 6))
    bad = _layer_errors(lambda rng: DropoutIgnoresMask(0.5, np.random.default_rng(7)), (4, 6))
    assert good["x"] < TOL
    assert bad["x"] > BROKEN


@pytest.mark.parametrize(
    "correct, broken, make_y",
    [
        (mse, mse_without_mean, lambda rng, n: rng.standard_normal((n, 2))),
        (softmax_cross_entropy, softmax_cross_entropy_without_onehot, lambda rng, n: rng.integers(0, 2, size=n)),
        (binary_cross_entropy, bce_without_mean, lambda rng, n: rng.integers(0, 2, size=(n, 1)).astype(float)),
    ],
    ids=["mse-forgot-1/N", "softmax-ce-without-onehot", "bce-forgot-1/N"],
)
def test_check_loss_catches_broken_gradients(correct, broken, make_y):
    """check_loss passes each loss and flags its broken twin on the same batch (N = 6 >= 4)."""
    rng = np.random.default_rng(0)
    n = 6
    y = make_y(rng, n)
    pred = rng.standard_normal((n, y.shape[1] if y.ndim == 2 else 2))
    assert check_loss(correct, pred, y) < TOL
    assert check_loss(broken, pred, y) > BROKEN


def test_check_model_locates_a_broken_activation():
    """In Linear -> broken Sigmoid -> Linear, check_model flags the first layer's W and b, not the last's."""

    def build(activation):
        rng = np.random.default_rng(3)
        return Sequential(Linear(3, 4, rng=rng), activation, Linear(4, 2, rng=rng))

    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, size=5)
    good = check_model(build(Sigmoid()), softmax_cross_entropy, X, y)
    bad = check_model(build(SigmoidWrongDerivative()), softmax_cross_entropy, X, y)
    assert max(good.values()) < TOL
    assert bad["0.W"] > BROKEN and bad["0.b"] > BROKEN
    assert bad["2.W"] < TOL and bad["2.b"] < TOL  # above the broken layer the gradient is still right


def test_check_layer_catches_a_broken_first_layer_in_a_sequential():
    """check_layer on Sequential(broken square Linear, Tanh, Linear) must report the broken W."""
    rng = np.random.default_rng(0)
    model = Sequential(LinearNoTranspose(3, 3, rng=rng), Tanh(), Linear(3, 3, rng=rng))
    errors = check_layer(model, rng.standard_normal((4, 3)), rng)
    assert max(errors.values()) > BROKEN


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

BAD_INPUT = [
    pytest.param(lambda: numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32)), TypeError,
                 r"gradient checks need float64, but x has dtype float32", id="numerical-gradient-float32"),
    pytest.param(lambda: check_layer(Linear(3, 2, rng=rng0(), dtype=np.float32), np.ones((2, 3)), rng0()), TypeError,
                 r"need float64, but parameter W has dtype float32", id="check-layer-float32-params"),
    pytest.param(lambda: check_layer(Sigmoid(), np.ones((2, 3), dtype=np.float32), rng0()), TypeError,
                 r"need float64, but the input x has dtype float32", id="check-layer-float32-input"),
    pytest.param(lambda: check_model(mlp([3, 2], rng=rng0(), dtype=np.float32), mse, np.ones((2, 3)), np.ones((2, 2))),
                 TypeError, r"need float64, but parameter 0\.W has dtype float32", id="check-model-float32-params"),
    pytest.param(lambda: check_model(mlp([3, 2], rng=rng0()), mse, np.ones((2, 3), dtype=np.float32), np.ones((2, 2))),
                 TypeError, r"need float64, but X has dtype float32", id="check-model-float32-X"),
    pytest.param(lambda: check_loss(mse, np.ones(3, dtype=np.float32), np.ones(3)), TypeError,
                 r"need float64, but pred has dtype float32", id="check-loss-float32"),
    pytest.param(lambda: check_layer(np.tanh, np.ones((2, 3)), rng0()), TypeError, r"check_layer: .* is not a layer",
                 id="check-layer-not-a-layer"),
    pytest.param(lambda: rel_error(np.ones(3), np.ones(4)), ValueError, r"shapes differ, \(3,\) vs \(4,\)",
                 id="rel-error-shapes"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)
