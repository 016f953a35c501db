"""SGD against updates computed by hand: plain steps, heavy-ball momentum, weight decay."""

import numpy as np
import pytest
from helpers import assert_clear_error  # tests/helpers.py

from labs import (
    SGD,
    Linear,
    Param,
    mse,
    numerical_gradient,
    rel_error,
    trajectory,
)


def test_momentum_zero_is_plain_gradient_descent_bitwise():
    """With momentum=0 every step is exactly w <- w - lr * g (bitwise, several steps, two parameters)."""
    rng = np.random.default_rng(0)
    W, b = Param(rng.standard_normal((3, 2)), "W"), Param(rng.standard_normal(3), "b")
    opt = SGD([W, b], lr=0.037, momentum=0.0)
    W_hand, b_hand = W.value.copy(), b.value.copy()
    for _ in range(5):
        W.grad[...] = rng.standard_normal((3, 2))
        b.grad[...] = rng.standard_normal(3)
        W_hand = W_hand - 0.037 * W.grad
        b_hand = b_hand - 0.037 * b.grad
        opt.step()
        np.testing.assert_array_equal(W.value, W_hand)
        np.testing.assert_array_equal(b.value, b_hand)


def test_heavy_ball_three_steps_by_hand():
    """v <- gamma v + lr g, w <- w - v on C(w) = 1/2 w^T diag(1, 10) w from w0 = (1, 1), lr 0.1, gamma 0.9.

    The gradient is A w = (w_1, 10 w_2). By hand:
    """
    # step 1: g0 = (1, 10)
    v1 = np.array([0.9 * 0 + 0.1 * 1, 0.9 * 0 + 0.1 * 10])  # (0.1, 1.0)
    w1 = np.array([1 - 0.1, 1 - 1.0])  # (0.9, 0.0)
    # step 2: g1 = (0.9, 10 * 0.0) = (0.9, 0)
    v2 = np.array([0.9 * 0.1 + 0.1 * 0.9, 0.9 * 1.0 + 0.1 * 0])  # (0.18, 0.9)
    w2 = np.array([0.9 - 0.18, 0.0 - 0.9])  # (0.72, -0.9)
    # step 3: g2 = (0.72, 10 * -0.9) = (0.72, -9)
    v3 = np.array([0.9 * 0.18 + 0.1 * 0.72, 0.9 * 0.9 + 0.1 * -9])  # (0.234, -0.09)
    w3 = np.array([0.72 - 0.234, -0.9 - -0.09])  # (0.486, -0.81)

    A = np.diag([1.0, 10.0])
    w = Param(np.array([1.0, 1.0]), "w")
    opt = SGD([w], lr=0.1, momentum=0.9)
    for v_hand, w_hand in [(v1, w1), (v2, w2), (v3, w3)]:
        w.grad[...] = A @ w.value
        opt.step()
        np.testing.assert_allclose(opt.velocity[0], v_hand, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(w.value, w_hand, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(w.value, [0.486, -0.81], rtol=1e-13)


def test_trajectory_follows_the_same_heavy_ball_path():
    """labs.trajectory returns w0 and the same iterates as the hand computation above."""
    A = np.diag([1.0, 10.0])
    path, diverged = trajectory(lambda w: A @ w, [1.0, 1.0], lr=0.1, momentum=0.9, steps=3)
    assert not diverged
    np.testing.assert_allclose(path, [[1.0, 1.0], [0.9, 0.0], [0.72, -0.9], [0.486, -0.81]], rtol=1e-13, atol=1e-15)


def test_trajectory_reports_divergence():
    """Plain gradient descent with lr > 2 / L on a quadratic blows up and trajectory says so."""
    A = np.diag([1.0, 10.0])
    path, diverged = trajectory(lambda w: A @ w, [1.0, 1.0], lr=0.25, steps=1000)
    assert diverged
    assert len(path) < 1001 and np.all(np.isfinite(path))


def _linear_problem(seed=0):
    rng = np.random.default_rng(seed)
    layer = Linear(3, 2, rng=rng)
    layer.b.value[:] = rng.standard_normal(2)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    return layer, X, Y


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_weight_decay_equals_l2_penalty_in_the_loss(momentum):
    """SGD(weight_decay=lam) steps exactly as SGD without it on the loss + lam/2 ||w||^2.

    Checked twice: against the analytic gradient g + lam w (bitwise), and against the
    central-difference gradient of the augmented loss (to 1e-7).
    """
    lam, lr = 0.3, 0.05
    layer, X, Y = _linear_problem()
    params = layer.parameters()

    def augmented_loss():
        return mse(layer.forward(X), Y)[0] + lam / 2 * sum(np.sum(p.value**2) for p in params)

    start = [p.value.copy() for p in params]
    numeric = [numerical_gradient(augmented_loss, p.value) for p in params]
    _, dout = mse(layer.forward(X), Y)
    layer.backward(dout)
    grads = [p.grad.copy() for p in params]

    decayed = SGD(params, lr=lr, momentum=momentum, weight_decay=lam)
    decayed.step()
    after_decay = [p.value.copy() for p in params]

    for p, w0, g in zip(params, start, grads):  # same start, gradient of the augmented loss, no decay
        p.value[...] = w0
        p.grad[...] = g + lam * w0
    plain = SGD(params, lr=lr, momentum=momentum)
    plain.step()
    for p, expected in zip(params, after_decay):
        np.testing.assert_array_equal(p.value, expected)

    for w0, num, expected in zip(start, numeric, after_decay):  # one step on the numerical gradient
        assert rel_error(w0 - lr * num, expected) < 1e-7


def test_weight_decay_shrinks_weights_without_a_gradient():
    """With a zero gradient, weight decay alone multiplies w by (1 - lr * lam) each step."""
    w = Param(np.array([2.0, -4.0]), "w")
    opt = SGD([w], lr=0.1, weight_decay=0.5)
    opt.step()
    np.testing.assert_allclose(w.value, np.array([2.0, -4.0]) * (1 - 0.1 * 0.5), rtol=1e-15)


def test_velocity_starts_at_zero_with_parameter_shapes():
    """SGD keeps one velocity per parameter, zero at the start."""
    layer, _, _ = _linear_problem()
    opt = SGD(layer.parameters(), lr=0.1, momentum=0.5)
    assert [v.shape for v in opt.velocity] == [(2, 3), (2,)]
    assert all(not v.any() for v in opt.velocity)


def test_momentum_converges_faster_on_a_narrow_valley():
    """On kappa = 100, heavy ball (tuned) gets much closer to the minimum than plain GD in 100 steps."""
    from labs.data import narrow_valley

    q = narrow_valley(kappa=100.0)
    gd, _ = trajectory(q.grad, [1.0, 1.0], lr=1.0 / q.L, steps=100)
    hb, _ = trajectory(q.grad, [1.0, 1.0], lr=1.0 / q.L, momentum=0.8, steps=100)
    assert q.value(hb[-1]) < q.value(gd[-1]) / 100


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

def sgd(**kwargs):
    return SGD(Linear(2, 2, init="zeros").parameters(), **{"lr": 0.1, **kwargs})


BAD_INPUT = [
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
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)


def test_param_list_accepts_a_generator():
    """SGD takes any iterable of Params, e.g. a generator expression."""
    layer = Linear(2, 2, init="zeros")
    opt = SGD((p for p in layer.parameters()), lr=0.1)
    assert opt.params == layer.parameters()
