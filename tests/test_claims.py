"""The book's claims, checked against independent references.

* linear regression is one Linear layer trained by gradient descent on mse:
  it lands on numpy's least-squares solution;
* logistic regression is one sigmoid neuron trained on binary cross-entropy:
  it lands on scikit-learn's unpenalised LogisticRegression;
* a small mlp trained with SGD + momentum reads handwritten digits (>= 97%).
"""

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

from labs import SGD, Linear, accuracy, binary_cross_entropy, fit, mlp, mse, softmax_cross_entropy
from labs.data import diabetes, digits, standardize, train_test_split


def test_linear_regression_matches_least_squares_on_diabetes():
    """Full-batch gradient descent on mse reaches numpy.linalg.lstsq's weights and bias to 1e-6.

    The cost is 1/(2N) ||[X, 1] theta - y||^2, whose Hessian is H = [X, 1]^T [X, 1] / N.
    With lr = 1/L (L the largest eigenvalue of H) the error along the flattest direction
    shrinks by (1 - mu/L) per step, so kappa * ln(1e10) steps shrink it by 1e10.
    """
    X, y = diabetes()
    (X,) = standardize(X)
    N = len(X)
    A = np.column_stack([X, np.ones(N)])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    curvatures = np.linalg.eigvalsh(A.T @ A / N)
    mu, L = curvatures[0], curvatures[-1]
    epochs = int(np.ceil(L / mu * np.log(1e10)))  # about 10,000 for diabetes (kappa ~ 470)

    model = Linear(10, 1, init="zeros")
    history = fit(model, mse, SGD(model.parameters(), lr=1.0 / L), X, y,
                  epochs=epochs, batch_size=N, rng=np.random.default_rng(0))

    assert not history.diverged
    np.testing.assert_allclose(model.W.value[0], theta[:-1], rtol=1e-6)
    np.testing.assert_allclose(model.b.value[0], theta[-1], rtol=1e-6)
    np.testing.assert_allclose(history.train_loss[-1], 0.5 * np.mean((A @ theta - y) ** 2), rtol=1e-9)


def _overlapping_blobs(seed=0, n=200):
    """Two Gaussian clouds in 3-D whose means are 2.4 standard deviations apart: they overlap, so the
    maximum-likelihood logistic regression exists (on separable data the weights would grow forever)."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.0, 0.5, 0.0], 1.0, size=(n, 3)), rng.normal([1.0, -0.5, 0.0], 1.0, size=(n, 3))])
    return X, np.repeat([0, 1], n)


def test_sigmoid_neuron_matches_sklearn_logistic_regression():
    """Linear(3, 1) + binary cross-entropy on the logits, trained by full-batch GD with momentum,
    gives scikit-learn's unpenalised LogisticRegression coefficients and intercept to 1e-4.

    scikit-learn 1.8+ deprecates penalty=None; the unpenalised model is C=np.inf.
    The Hessian of the mean BCE is at most [X, 1]^T [X, 1] / (4N), whose largest eigenvalue
    L gives a safe lr = 1/L.
    """
    X, y = _overlapping_blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation or convergence warnings from scikit-learn
        reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    assert reference.score(X, y) < 0.95  # the classes overlap: not separable

    A = np.column_stack([X, np.ones(len(X))])
    L = np.linalg.eigvalsh(A.T @ A / len(X))[-1] / 4
    model = Linear(3, 1, init="zeros")
    history = fit(model, binary_cross_entropy, SGD(model.parameters(), lr=1.0 / L, momentum=0.9), X, y,
                  epochs=1000, batch_size=len(X), rng=np.random.default_rng(0))

    assert not history.diverged
    np.testing.assert_allclose(model.W.value[0], reference.coef_[0], rtol=1e-4)
    np.testing.assert_allclose(model.b.value, reference.intercept_, rtol=1e-4)


def test_mlp_reads_digits():
    """mlp([64, 128, 10]) with ReLU reaches >= 97% test accuracy on scikit-learn's digits in 30 epochs.

    Stratified 80/20 split, standardised with the training statistics; SGD lr 0.05, momentum 0.9,
    weight decay 1e-3, batches of 32. Offline, training seeds 0-9 on each of the splits 1-4 all gave
    >= 97.7% (351 of 359 test images; mean 98.4%); this seed gives 97.8%.
    """
    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, np.random.default_rng(1), test_fraction=0.2,
                                                        stratify=True)
    X_train, X_test = standardize(X_train, X_test)
    rng = np.random.default_rng(0)
    model = mlp([64, 128, 10], activation="relu", rng=rng)
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    history = fit(model, softmax_cross_entropy, opt, X_train, y_train, epochs=30, batch_size=32, rng=rng)

    assert not history.diverged and history.epochs == 30
    assert accuracy(model.predict(X_test), y_test) >= 0.97
