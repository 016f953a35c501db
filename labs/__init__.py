"""labs: the small numpy package every chapter of the book is built on.

One concept per module:

* :mod:`labs.layers`    ``Param``, ``Linear``, activations, ``Dropout``, ``Sequential``, ``mlp``
* :mod:`labs.init`      weight initialisers (zeros, 1/fan_in, Xavier, He)
* :mod:`labs.losses`    ``mse``, ``binary_cross_entropy``, ``softmax``, ``softmax_cross_entropy``
* :mod:`labs.optim`     ``SGD`` with momentum and weight decay
* :mod:`labs.train`     ``minibatches``, ``train_epoch``, ``fit`` and its ``History``
* :mod:`labs.gradcheck` numerical gradient checks
* :mod:`labs.selfcheck` friendly feedback for the labs' self-check cells
* :mod:`labs.costs`     ``Quadratic`` costs and ``narrow_valley`` (chapters 1 and 3)
* :mod:`labs.data`      synthetic and real data sets, splitting and scaling
* :mod:`labs.plotting`  matplotlib figures, one family per module (drawing only)
* :mod:`labs.widgets`   ipywidgets explorers and their static twins (drawing only)
"""

from . import costs, data, init, selfcheck
from .gradcheck import check_layer, check_loss, check_model, numerical_gradient, rel_error
from .layers import (
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
from .losses import binary_cross_entropy, log_softmax, mse, one_hot, softmax, softmax_cross_entropy
from .optim import SGD, trajectory
from .train import DivergenceWarning, History, accuracy, evaluate, fit, minibatches, train_epoch

__version__ = "0.1.0"

__all__ = [
    "costs", "data", "init", "selfcheck",
    "Param", "Linear", "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "Dropout", "Sequential", "mlp",
    "NoGradientError", "mse", "binary_cross_entropy", "softmax", "log_softmax", "softmax_cross_entropy",
    "one_hot", "SGD", "trajectory", "fit", "train_epoch", "minibatches", "History", "DivergenceWarning", "accuracy",
    "evaluate", "numerical_gradient", "rel_error", "check_layer", "check_loss", "check_model",
]
