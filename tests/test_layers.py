"""Forward behaviour of the layers: values, numerical stability, train/eval modes, mlp structure.

The backward passes are checked against central differences in test_gradcheck.py.
"""

import warnings

import numpy as np
import pytest
from helpers import after_forward, assert_clear_error, rng0  # tests/helpers.py

from labs import (
    Dropout,
    Identity,
    Linear,
    NoGradientError,
    Param,
    ReLU,
    Sequential,
    Sigmoid,
    Step,
    Tanh,
    mlp,
)
from labs import init as labs_init


def test_linear_forward_is_the_books_z_equals_w_a_plus_b():
    """Row n of Linear's output is the book's z = W a + b for the example a = X[n]."""
    rng = np.random.default_rng(0)
    layer = Linear(3, 2, rng=rng)
    layer.b.value[:] = [0.5, -1.0]
    X = rng.standard_normal((4, 3))
    Z = layer(X)
    assert Z.shape == (4, 2)
    for n in range(4):
        np.testing.assert_allclose(Z[n], layer.W.value @ X[n] + layer.b.value, rtol=1e-14)


def test_linear_parameter_shapes_follow_the_math():
    """W has shape (out, in) like the book's W^l and PyTorch; b starts at zero with shape (out,)."""
    layer = Linear(7, 2, rng=np.random.default_rng(0))
    assert layer.W.value.shape == (2, 7)
    assert layer.b.value.shape == (2,)
    assert np.all(layer.b.value == 0)
    assert layer.parameters() == [layer.W, layer.b]
    assert repr(layer) == "Linear(7 -> 2)"


def test_linear_zeros_init_needs_no_rng():
    """init='zeros' draws nothing, so it needs no generator (the symmetry demo in the book)."""
    layer = Linear(3, 2, init="zeros")
    assert np.all(layer.W.value == 0)


def test_linear_backward_hand_example():
    """dW = delta^T X, db = sum of delta, dX = delta W on numbers small enough to check by hand."""
    layer = Linear(2, 1, init="zeros")
    layer.W.value[:] = [[2.0, -1.0]]
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    layer.forward(X)
    dx = layer.backward(np.array([[1.0], [-2.0]]))
    np.testing.assert_array_equal(layer.W.grad, [[1 * 1 + (-2) * 3, 1 * 2 + (-2) * 4]])  # [[-5, -6]]
    np.testing.assert_array_equal(layer.b.grad, [1 + (-2)])
    np.testing.assert_array_equal(dx, [[2.0, -1.0], [-4.0, 2.0]])


def test_backward_writes_gradients_instead_of_adding():
    """Calling backward twice leaves the same gradient: Param.grad is overwritten, not accumulated."""
    rng = np.random.default_rng(0)
    layer = Linear(3, 2, rng=rng)
    layer.forward(rng.standard_normal((4, 3)))
    dout = rng.standard_normal((4, 2))
    layer.backward(dout)
    first = layer.W.grad.copy(), layer.b.grad.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(layer.W.grad, first[0])
    np.testing.assert_array_equal(layer.b.grad, first[1])


def test_param_grad_matches_value():
    """A Param's gradient starts at zero with the value's shape and dtype."""
    p = Param(np.ones((2, 3), dtype=np.float32), "W")
    assert p.grad.shape == (2, 3) and p.grad.dtype == np.float32 and not p.grad.any()


def test_step_forward_is_the_perceptrons_threshold():
    """Step gives 1 for z > 0 and 0 for z <= 0 (including exactly 0)."""
    np.testing.assert_array_equal(Step()(np.array([[-2.0, 0.0, 1e-9, 3.0]])), [[0.0, 0.0, 1.0, 1.0]])


@pytest.mark.parametrize("layer_class", [Sigmoid, Tanh, ReLU, Identity])
def test_activations_do_not_warn_at_huge_inputs(layer_class):
    """No overflow warning and finite outputs at z = +-1e4 (numpy warnings are turned into errors)."""
    z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = layer_class()(z)
    assert np.all(np.isfinite(a))


def test_sigmoid_exact_values_at_extremes():
    """sigmoid(-1e4) = 0, sigmoid(0) = 0.5, sigmoid(1e4) = 1 exactly, and the derivative is 0 at the ends."""
    layer = Sigmoid()
    with np.errstate(all="raise", under="ignore"):
        a = layer(np.array([[-1e4, 0.0, 1e4]]))
        da = layer.backward(np.ones((1, 3)))
    np.testing.assert_array_equal(a, [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(da, [[0.0, 0.25, 0.0]])


def test_tanh_and_relu_values():
    """tanh saturates at -1/1 and is odd; relu zeroes negative inputs."""
    z = np.array([[-1e4, -0.5, 0.0, 0.5, 1e4]])
    np.testing.assert_array_equal(Tanh()(z)[0, [0, 2, 4]], [-1.0, 0.0, 1.0])
    assert Tanh()(z)[0, 1] == -Tanh()(z)[0, 3]
    np.testing.assert_array_equal(ReLU()(z), [[0.0, 0.0, 0.0, 0.5, 1e4]])


def test_relu_subgradient_at_zero_is_zero():
    """At z = 0 ReLU passes no gradient back (the subgradient 0, as PyTorch)."""
    layer = ReLU()
    layer(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 5.0, 5.0]])), [[0.0, 0.0, 5.0]])


# --- Dropout -------------------------------------------------------------------

def test_dropout_in_eval_mode_is_the_identity():
    """In eval mode Dropout returns its input unchanged and passes gradients through unchanged."""
    layer = Dropout(0.5, np.random.default_rng(0)).eval()
    x = np.random.default_rng(1).standard_normal((4, 6))
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_in_train_mode_keeps_the_mean(p):
    """Inverted dropout: about a fraction p of units are 0, the rest are x / (1 - p), so E[a] = x."""
    layer = Dropout(p, np.random.default_rng(0))
    x = np.full((400, 500), 3.0)
    a = layer(x)
    dropped = a == 0
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(a[~dropped], 3.0 / (1 - p), rtol=1e-15)
    assert abs(a.mean() - 3.0) < 0.02 * 3.0


def test_dropout_expectation_per_unit():
    """Averaged over many forward passes, every unit's output approaches its input x."""
    layer = Dropout(0.5, np.random.default_rng(0))
    x = np.random.default_rng(1).uniform(1, 2, size=(3, 4))
    mean = np.mean([layer(x) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, x, rtol=0.1)


def test_dropout_draws_a_fresh_mask_each_forward_pass():
    """Two forward passes in train mode drop different units."""
    layer = Dropout(0.5, np.random.default_rng(0))
    x = np.ones((10, 10))
    assert not np.array_equal(layer(x), layer(x))


def test_dropout_with_p_zero_is_the_identity_even_in_train_mode():
    """p = 0 drops nothing."""
    x = np.random.default_rng(1).standard_normal((4, 6))
    np.testing.assert_array_equal(Dropout(0.0, np.random.default_rng(0))(x), x)


# --- Sequential and mlp --------------------------------------------------------

def test_sequential_predict_runs_in_eval_mode_and_restores_train_mode():
    """predict switches dropout off (deterministic output) and leaves the model in train mode after."""
    rng = np.random.default_rng(0)
    model = mlp([4, 50, 3], rng=rng, dropout=0.5)
    X = rng.standard_normal((6, 4))
    out1, out2 = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(out1, model.eval().forward(X))
    model.train()
    assert not np.array_equal(model.forward(X), out1)  # train mode: dropout active
    model.predict(X)
    assert model.training and all(layer.training for layer in model.layers)


def test_sequential_predict_keeps_eval_mode():
    """A model in eval mode stays in eval mode after predict."""
    model = mlp([2, 3, 1], rng=np.random.default_rng(0), dropout=0.5).eval()
    model.predict(np.ones((1, 2)))
    assert not model.training and not any(layer.training for layer in model.layers)


def test_mlp_structure():
    """mlp([4, 8, 6, 3]) is Linear, act, Dropout, Linear, act, Dropout, Linear with matching widths."""
    model = mlp([4, 8, 6, 3], activation="tanh", rng=np.random.default_rng(0), dropout=0.2)
    assert [type(layer) for layer in model.layers] == [Linear, Tanh, Dropout, Linear, Tanh, Dropout, Linear]
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    assert [(lay.in_features, lay.out_features) for lay in linears] == [(4, 8), (8, 6), (6, 3)]
    assert all(layer.p == 0.2 for layer in model.layers if isinstance(layer, Dropout))
    assert [name for name, _ in model.named_parameters()] == ["0.W", "0.b", "3.W", "3.b", "6.W", "6.b"]
    assert len(model.parameters()) == 6 and len(model) == 7


def test_mlp_without_hidden_layer_is_one_linear():
    """mlp([D, K]) is a single Linear layer: linear or logistic regression."""
    model = mlp([5, 1], rng=np.random.default_rng(0))
    assert [type(layer) for layer in model.layers] == [Linear]


def test_mlp_accepts_an_activation_class():
    """activation may be a layer class instead of a name."""
    model = mlp([2, 3, 1], activation=Sigmoid, rng=np.random.default_rng(0))
    assert isinstance(model[1], Sigmoid)


@pytest.mark.parametrize("activation, expected", [("relu", labs_init.he), ("tanh", labs_init.xavier),
                                                  ("sigmoid", labs_init.xavier)])
def test_mlp_default_initialiser(activation, expected):
    """mlp uses He initialisation for ReLU and Xavier otherwise (same draws from the same seed)."""
    model = mlp([6, 4, 2], activation=activation, rng=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(model[0].W.value, expected((4, 6), rng))
    np.testing.assert_array_equal(model[2].W.value, expected((2, 4), rng))


def test_mlp_dtype_float32():
    """dtype=np.float32 gives float32 parameters (for speed; gradient checks refuse it)."""
    model = mlp([3, 4, 2], rng=np.random.default_rng(0), dtype=np.float32)
    assert all(p.value.dtype == np.float32 for p in model.parameters())


def test_sequential_backward_chains_right_to_left():
    """Sequential(Linear, Identity).backward returns what Linear.backward returns."""
    rng = np.random.default_rng(0)
    lin = Linear(3, 2, rng=rng)
    model = Sequential(lin, Identity())
    X, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    model.forward(X)
    np.testing.assert_array_equal(model.backward(dout), dout @ lin.W.value)


def _grads(model):
    return [p.grad.copy() for p in model.parameters()]


@pytest.mark.parametrize(
    "build",
    [
        lambda rng: mlp([5, 4, 3], rng=rng),
        lambda rng: mlp([5, 4, 4, 3], activation="tanh", rng=rng, dropout=0.3),
        lambda rng: Sequential(Dropout(0.2, rng), Linear(5, 3, rng=rng), Sigmoid()),  # layers before the first Linear
        lambda rng: Sequential(Sequential(Linear(5, 4, rng=rng), ReLU()), Linear(4, 3, rng=rng)),
        lambda rng: Linear(5, 3, rng=rng),
    ],
)
def test_backward_without_input_grad_gives_the_same_parameter_gradients(build):
    """input_grad=False (what fit uses) skips only dC/dX of the data: every parameter gradient is unchanged."""
    rng = np.random.default_rng(3)
    model = build(rng)
    X, dout = rng.standard_normal((7, 5)), rng.standard_normal((7, 3))
    model.forward(X)
    dX = model.backward(dout)
    full = _grads(model)
    for p in model.parameters():
        p.grad[...] = np.nan
    assert model.backward(dout, input_grad=False) is None
    assert dX.shape == X.shape
    for g, g_full in zip(_grads(model), full):
        np.testing.assert_array_equal(g, g_full)


def test_backward_without_input_grad_and_without_parameters_does_nothing():
    model = Sequential(ReLU(), Tanh())
    model.forward(np.ones((2, 3)))
    assert model.backward(np.ones((2, 3)), input_grad=False) is None


class _OwnLinear(Linear):
    """A reader's layer, as in lab 5: a backward pass without the input_grad switch."""

    def backward(self, dout):
        self.W.grad[...] = dout.T @ self.x
        self.b.grad[...] = dout.sum(axis=0)
        return dout @ self.W.value


def test_a_readers_own_first_layer_without_input_grad_still_works():
    """Sequential falls back to the layer's plain backward and drops the dC/dX it returns."""
    rng = np.random.default_rng(4)
    model = Sequential(_OwnLinear(5, 4, rng=rng), ReLU(), _OwnLinear(4, 3, rng=rng))
    X, dout = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    model.forward(X)
    model.backward(dout)
    full = _grads(model)
    assert model.backward(dout, input_grad=False) is None
    for g, g_full in zip(_grads(model), full):
        np.testing.assert_array_equal(g, g_full)


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

def linear():
    return Linear(3, 4, rng=rng0())


BAD_INPUT = [
    pytest.param(lambda: linear().forward(np.ones((5, 2))), ValueError,
                 r"Linear\(3 -> 4\) expects inputs of shape \(N, 3\) .*got shape \(5, 2\)", id="linear-feature-count"),
    pytest.param(lambda: linear().forward(np.ones(3)), ValueError,
                 r"Linear\(3 -> 4\) expects inputs of shape \(N, 3\) .*got shape \(3,\)", id="linear-1d-input"),
    pytest.param(lambda: linear().forward(np.array([["a", "b", "c"]])), TypeError,
                 r"Linear input must be an array of numbers", id="linear-non-numeric-input"),
    pytest.param(lambda: Linear(0, 3, rng=rng0()), ValueError, r"in_features must be a positive integer, got 0",
                 id="linear-zero-inputs"),
    pytest.param(lambda: Linear(3, 2.5, rng=rng0()), ValueError, r"out_features must be a positive integer, got 2\.5",
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
    pytest.param(lambda: Dropout(0.5, rng0()).backward(np.ones((5, 4))), RuntimeError,
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
    pytest.param(lambda: Dropout(-0.1, rng0()), ValueError, r"p is the probability .* must be in \[0, 1\), got -0\.1",
                 id="dropout-p-negative"),
    pytest.param(lambda: Dropout(1.0, rng0()), ValueError, r"must be in \[0, 1\), got 1\.0", id="dropout-p-one"),
    pytest.param(lambda: Dropout(1.5, rng0()), ValueError, r"must be in \[0, 1\), got 1\.5", id="dropout-p-above-one"),
    pytest.param(lambda: Dropout(0.5, None), TypeError, r"rng must be a numpy Generator.*got NoneType",
                 id="dropout-rng-none"),
    pytest.param(lambda: Dropout(0.5, 42), TypeError, r"rng must be a numpy Generator.*got int", id="dropout-rng-int"),
    pytest.param(lambda: mlp([3, 4, 2], activation="softplus", rng=rng0()), ValueError,
                 r"unknown activation 'softplus'; choose one of \['identity', 'relu', 'sigmoid', 'tanh'\]",
                 id="mlp-unknown-activation"),
    pytest.param(lambda: Linear(3, 4, init="glorot", rng=rng0()), ValueError, r"unknown initialiser 'glorot'",
                 id="linear-unknown-initialiser"),
    pytest.param(lambda: mlp([3, 4, 2], init="kaiming", rng=rng0()), ValueError, r"unknown initialiser 'kaiming'",
                 id="mlp-unknown-initialiser"),
    pytest.param(lambda: mlp([3], rng=rng0()), ValueError, r"sizes needs at least an input and an output width",
                 id="mlp-one-size"),
    pytest.param(lambda: mlp([3, 4, 2], rng=rng0(), dropout=1.0), ValueError, r"must be in \[0, 1\), got 1\.0",
                 id="mlp-dropout-one"),
    pytest.param(lambda: Sequential(ReLU(), 3), TypeError, r"item 1 \(3\) is not a layer", id="sequential-non-layer"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)


def test_no_gradient_error_is_a_runtime_error():
    """Step's NoGradientError is a RuntimeError, like calling backward before forward: a mistake in
    what is called, not in the values passed."""
    assert issubclass(NoGradientError, RuntimeError)


def test_dropout_dout_of_the_wrong_shape():
    """Dropout.backward, like every other layer, refuses a dout whose shape is not the forward output's."""
    layer = after_forward(Dropout(0.5, rng0()), np.ones((4, 5)))
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
        mlp([3, 4, 2], rng=rng0(), dropout=-0.2)
