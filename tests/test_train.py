"""labs.train: mini-batches, train_epoch, reproducibility, History, divergence, accuracy, the progress bar."""

import warnings

import numpy as np
import pytest
from helpers import assert_clear_error, nan_at, rng0  # tests/helpers.py

from labs import (
    SGD,
    DivergenceWarning,
    Linear,
    accuracy,
    binary_cross_entropy,
    evaluate,
    fit,
    minibatches,
    mlp,
    mse,
    one_hot,
    softmax_cross_entropy,
    train_epoch,
)
from labs.data import line, spirals
from labs.train import _in_notebook

# --- minibatches -----------------------------------------------------------------


def test_minibatches_cover_every_index_once_and_keep_the_last_partial_batch():
    """N = 10, batch 4: batches of 4, 4 and 2 that together hold every example exactly once."""
    X = np.arange(10).reshape(-1, 1) * 10
    y = np.arange(10)
    batches = list(minibatches(X, y, 4, np.random.default_rng(0)))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    for Xb, yb in batches:  # rows of X stay paired with their labels
        np.testing.assert_array_equal(Xb[:, 0], yb * 10)


@pytest.mark.parametrize("n, batch_size", [(10, 1), (10, 10), (10, 32), (7, 3)])
def test_minibatches_sizes(n, batch_size):
    """Every batch is full except possibly the last, which holds the N % batch_size left over."""
    X, y = np.zeros((n, 2)), np.arange(n)
    sizes = [len(yb) for _, yb in minibatches(X, y, batch_size, np.random.default_rng(0))]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest else [])


def test_minibatches_draw_a_fresh_permutation_each_epoch():
    """Two epochs from the same generator visit the examples in different orders (not sorted either)."""
    rng = np.random.default_rng(0)
    X, y = np.zeros((10, 1)), np.arange(10)
    epoch1 = np.concatenate([yb for _, yb in minibatches(X, y, 4, rng)])
    epoch2 = np.concatenate([yb for _, yb in minibatches(X, y, 4, rng)])
    assert not np.array_equal(epoch1, epoch2)
    assert not np.array_equal(epoch1, np.arange(10))
    np.testing.assert_array_equal(np.sort(epoch2), np.arange(10))


# --- reproducibility -----------------------------------------------------------------

def _spiral_fit(seed, epochs=5):
    """A small dropout mlp on spirals with a validation set; everything random comes from `seed`."""
    data_rng = np.random.default_rng(100)  # the same data for every seed
    X, y = spirals(40, data_rng)
    Xv, yv = spirals(10, data_rng)
    rng = np.random.default_rng(seed)
    model = mlp([2, 16, 3], rng=rng, dropout=0.2)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, softmax_cross_entropy, opt, X, y, epochs=epochs, batch_size=16, rng=rng, val=(Xv, yv))
    return model, history


def test_same_seed_gives_identical_weights_and_history():
    """Two fits from the same seed agree bitwise: weights, train/val loss and accuracy per epoch."""
    (m1, h1), (m2, h2) = _spiral_fit(3), _spiral_fit(3)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.value, q.value)
    for field in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert getattr(h1, field) == getattr(h2, field), field
    assert len(h1.val_loss) == len(h1.val_acc) == h1.epochs == 5


def test_fit_is_the_plain_loop_of_forward_loss_backward_step():
    """fit's weights equal those of the loop written out by hand, with the full backward pass.

    fit skips the gradient with respect to the data (``input_grad=False``); this shows
    that skipping it changes no weight.
    """
    data_rng = np.random.default_rng(100)
    X, y = spirals(40, data_rng)
    m1 = mlp([2, 16, 3], rng=np.random.default_rng(5), dropout=0.2)
    m2 = mlp([2, 16, 3], rng=np.random.default_rng(5), dropout=0.2)
    fit(m1, softmax_cross_entropy, SGD(m1.parameters(), lr=0.1, momentum=0.9), X, y,
        epochs=3, batch_size=16, rng=np.random.default_rng(6))
    # m2's dropout layer holds its own rng, drawn from the same seed as m1's
    opt, rng = SGD(m2.parameters(), lr=0.1, momentum=0.9), np.random.default_rng(6)
    m2.train()
    for _ in range(3):
        for Xb, yb in minibatches(X, y, 16, rng):
            _, dout = softmax_cross_entropy(m2.forward(Xb), yb)
            assert m2.backward(dout).shape == Xb.shape
            opt.step()
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.value, q.value)


def test_fit_trains_a_model_whose_backward_has_no_input_grad_switch():
    """A reader's own model class with ``backward(self, dout)`` (no input_grad) trains with fit."""

    class TwoLayers:
        def __init__(self, rng):
            self.net = mlp([2, 8, 3], rng=rng)

        def forward(self, x):
            return self.net.forward(x)

        def backward(self, dout):
            return self.net.backward(dout)

        def parameters(self):
            return self.net.parameters()

    X, y = spirals(30, np.random.default_rng(1))
    model = TwoLayers(np.random.default_rng(2))
    history = fit(model, softmax_cross_entropy, SGD(model.parameters(), lr=0.1), X, y,
                  epochs=3, batch_size=16, rng=np.random.default_rng(3))
    assert history.epochs == 3 and not history.diverged


def test_different_seeds_give_different_fits():
    """Another seed gives other initial weights, dropout masks and batch order, so another result."""
    (m1, h1), (m2, h2) = _spiral_fit(3), _spiral_fit(4)
    assert not np.array_equal(m1[0].W.value, m2[0].W.value)
    assert h1.train_loss != h2.train_loss


def test_history_records_one_entry_per_epoch():
    """History has train loss/accuracy, val loss/accuracy and increasing times for each epoch."""
    _, h = _spiral_fit(0, epochs=4)
    assert h.epochs == 4
    assert all(len(getattr(h, f)) == 4 for f in ("train_loss", "train_acc", "val_loss", "val_acc", "seconds"))
    assert all(0 <= a <= 1 for a in h.train_acc + h.val_acc)
    assert np.all(np.diff(h.seconds) >= 0)
    assert not h.diverged and h.diverged_epoch is None


def test_fit_lowers_the_loss():
    """A few epochs of training lower the training loss on spirals."""
    _, h = _spiral_fit(0, epochs=30)
    assert h.train_loss[-1] < 0.8 * h.train_loss[0]


def test_regression_history_has_no_accuracy():
    """With mse there is no accuracy to record: train_acc and val_acc stay empty."""
    rng = np.random.default_rng(0)
    X, y = line(20, rng)
    model = Linear(1, 1, rng=rng)
    h = fit(model, mse, SGD(model.parameters(), lr=0.1), X, y, epochs=3, batch_size=5, rng=rng, val=(X, y))
    assert h.train_acc == [] and h.val_acc == []
    assert len(h.val_loss) == 3


def test_callback_can_stop_training_early():
    """callback(epoch, history, model) runs after each epoch; returning True stops the fit."""
    rng = np.random.default_rng(0)
    X, y = line(20, rng)
    model = Linear(1, 1, rng=rng)
    calls = []

    def stop_after_three(epoch, history, m):
        calls.append((epoch, history.epochs, m is model))
        return epoch == 3

    h = fit(model, mse, SGD(model.parameters(), lr=0.1), X, y, epochs=50, batch_size=5, rng=rng,
            callback=stop_after_three)
    assert h.epochs == 3
    assert calls == [(1, 1, True), (2, 2, True), (3, 3, True)]


# --- divergence -------------------------------------------------------------------------

def test_divergent_learning_rate_stops_with_a_warning():
    """lr = 5 on a line fit blows up: History says so, a DivergenceWarning names the epoch, weights stay finite.

    No exception, no numpy overflow warnings: the only warning is the DivergenceWarning.
    The weights are those at the start of the diverging epoch, i.e. after the last completed one.
    """
    X, y = line(64, np.random.default_rng(0))
    model = Linear(1, 1, rng=np.random.default_rng(1))
    end_of_epoch = []

    def remember(epoch, history, m):
        end_of_epoch.append([p.value.copy() for p in m.parameters()])

    with pytest.warns(DivergenceWarning, match=r"diverged in epoch \d+.*smaller learning rate") as record:
        h = fit(model, mse, SGD(model.parameters(), lr=5.0), X, y, epochs=500, batch_size=8,
                rng=np.random.default_rng(2), callback=remember)

    assert h.diverged is True
    assert isinstance(h.diverged_epoch, int) and 1 < h.diverged_epoch < 500
    assert h.epochs == h.diverged_epoch - 1  # the diverged epoch is not recorded
    assert [w.category for w in record] == [DivergenceWarning]
    message = str(record[0].message)
    assert f"epoch {h.diverged_epoch}" in message and "lr=5" in message
    assert all(np.all(np.isfinite(p.value)) for p in model.parameters())
    for p, kept in zip(model.parameters(), end_of_epoch[-1]):
        np.testing.assert_array_equal(p.value, kept)


def test_a_stable_learning_rate_does_not_warn():
    """The same fit with lr = 0.1 trains without any warning."""
    X, y = line(64, np.random.default_rng(0))
    model = Linear(1, 1, rng=np.random.default_rng(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(model, mse, SGD(model.parameters(), lr=0.1), X, y, epochs=20, batch_size=8,
                rng=np.random.default_rng(2))
    assert not h.diverged and h.epochs == 20


# --- accuracy and evaluate -------------------------------------------------------------------

def test_accuracy_with_integer_and_one_hot_labels():
    """argmax of the logits against labels, given as integers or as one-hot rows."""
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    y = np.array([0, 1, 0, 0])  # third example wrong
    assert accuracy(logits, y) == 0.75
    assert accuracy(logits, one_hot(y, 3)) == 0.75


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_accuracy_binary_logits(shape):
    """For one logit per example the predicted class is 1 where the logit is positive."""
    logits = np.array([2.0, -1.0, 0.5, -3.0]).reshape(shape)
    assert accuracy(logits, np.array([1, 0, 0, 0])) == 0.75


def test_evaluate_uses_eval_mode():
    """evaluate runs the model without dropout: repeated calls agree and the model stays in train mode."""
    rng = np.random.default_rng(0)
    model = mlp([2, 30, 3], rng=rng, dropout=0.5)
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 3, size=10)
    first, second = evaluate(model, softmax_cross_entropy, X, y), evaluate(model, softmax_cross_entropy, X, y)
    assert first == second
    assert first[0] == softmax_cross_entropy(model.eval().forward(X), y)[0]
    assert evaluate(model, mse, X, one_hot(y, 3))[1] is None


# --- train_epoch and the accuracy switch -------------------------------------------


def test_train_epoch_is_the_loop_of_the_book_and_returns_the_mean_loss():
    """train_epoch = for each batch: forward, loss, backward, step; it returns the example-weighted mean loss."""
    X, y = spirals(25, np.random.default_rng(7))
    m1, m2 = mlp([2, 8, 3], rng=np.random.default_rng(1)), mlp([2, 8, 3], rng=np.random.default_rng(1))
    mean_loss, acc = train_epoch(m1, softmax_cross_entropy, SGD(m1.parameters(), lr=0.1), X, y, 16,
                                 np.random.default_rng(2), metric=accuracy)
    opt, losses, correct = SGD(m2.parameters(), lr=0.1), [], []
    for Xb, yb in minibatches(X, y, 16, np.random.default_rng(2)):
        out = m2.forward(Xb)
        value, dout = softmax_cross_entropy(out, yb)
        m2.backward(dout)
        opt.step()
        losses.append(value * len(Xb))
        correct.append(accuracy(out, yb) * len(Xb))
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.value, q.value)
    assert mean_loss == pytest.approx(sum(losses) / len(X), rel=1e-15)
    assert acc == pytest.approx(sum(correct) / len(X), rel=1e-15)
    assert train_epoch(m1, softmax_cross_entropy, SGD(m1.parameters(), lr=0.1), X, y, 16,
                       np.random.default_rng(2))[1] is None  # no metric asked for


def test_train_epoch_stops_at_a_non_finite_loss_without_a_step():
    X, y = line(32, np.random.default_rng(0))
    model = Linear(1, 1, rng=np.random.default_rng(1))
    before = [p.value.copy() for p in model.parameters()]

    def broken(pred, target):
        return np.nan, np.zeros_like(pred)

    value, acc = train_epoch(model, broken, SGD(model.parameters(), lr=0.1), X, y, 8, np.random.default_rng(2))
    assert np.isnan(value) and acc is None
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.value, old)


@pytest.mark.parametrize(
    "loss, flag, recorded",
    [
        (softmax_cross_entropy, None, True),  # a classifier's loss: accuracy by default, as before
        (softmax_cross_entropy, False, False),
        (lambda out, y: softmax_cross_entropy(out, y), None, False),  # a wrapper is not known to classify
        (lambda out, y: softmax_cross_entropy(out, y), True, True),
    ],
)
def test_fit_records_accuracy_as_asked(loss, flag, recorded):
    """fit(accuracy=None) records accuracy for losses with loss.classifies; True/False choose explicitly."""
    data_rng = np.random.default_rng(3)
    X, y = spirals(20, data_rng)
    X_val, y_val = spirals(10, data_rng)
    model = mlp([2, 8, 3], rng=np.random.default_rng(4))
    history = fit(model, loss, SGD(model.parameters(), lr=0.1), X, y, epochs=2, batch_size=16,
                  rng=np.random.default_rng(5), val=(X_val, y_val), accuracy=flag)
    assert len(history.train_acc) == len(history.val_acc) == (2 if recorded else 0)
    if recorded:
        assert history.val_acc[-1] == evaluate(model, loss, X_val, y_val, accuracy=True)[1]
    assert evaluate(model, loss, X_val, y_val, accuracy=False)[1] is None


def test_the_classification_losses_say_so_and_mse_does_not():
    assert softmax_cross_entropy.classifies and getattr(mse, "classifies", False) is False

    assert binary_cross_entropy.classifies


# --- the progress bar -----------------------------------------------------------


def _fit_line(progress):
    rng = np.random.default_rng(0)
    X, y = line(64, rng)
    model = Linear(1, 1, rng=rng)
    return fit(model, mse, SGD(model.parameters(), lr=0.1), X, y,
               epochs=3, batch_size=16, rng=rng, progress=progress)


def test_default_is_silent_outside_a_notebook(capsys):
    """progress=None (the default) prints nothing when not running in a Jupyter kernel."""
    history = _fit_line(progress=None)
    out, err = capsys.readouterr()
    assert history.epochs == 3
    assert out == "" and err == ""


def test_progress_true_draws_a_tqdm_bar(capsys):
    """progress=True shows tqdm's bar (on stderr in a terminal) with the running loss."""
    _fit_line(progress=True)
    err = capsys.readouterr().err
    assert "epochs" in err and "/3" in err and "loss=" in err


def test_in_notebook_is_false_in_tests():
    """The notebook detection that decides the default says no under pytest."""
    assert _in_notebook() is False


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

def fit_call(X=None, y=None, **kwargs):
    """fit of a Linear(2, 1) on mse, with the given pieces replaced by bad ones."""
    X = np.zeros((5, 2)) if X is None else X
    y = np.zeros(5) if y is None else y
    model = Linear(2, 1, init="zeros")
    args = dict(epochs=1, batch_size=2, rng=rng0())
    args.update(kwargs)
    return fit(model, mse, SGD(model.parameters(), lr=0.1), X, y, **args)


BAD_INPUT = [
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
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(4), 2, rng0())), ValueError,
                 r"minibatches: X has 5 rows but y has 4", id="minibatches-length-mismatch"),
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(5), 0, rng0())), ValueError,
                 r"batch_size must be a positive integer, got 0", id="minibatches-zero-batch"),
    pytest.param(lambda: list(minibatches(np.zeros((5, 2)), np.zeros(5), 2, None)), TypeError,
                 r"rng must be a numpy Generator", id="minibatches-rng-none"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)
