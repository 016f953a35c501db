"""Layers: the building blocks of a network, each with its forward and backward pass.

Conventions (the book's notation, batch in rows):

* a batch ``X`` has shape ``(N, D)``: one example per row;
* ``Linear`` computes ``Z = X @ W.T + b`` with ``W`` of shape ``(out, in)``, so each
  row is the book's ``z = W a + b``;
* ``forward(x)`` stores what ``backward`` needs as named attributes;
* ``backward(dout)`` takes ``dC/d(output)`` and returns ``dC/d(input)``, same shapes
  as the output and input; it *writes* (does not add) each parameter's gradient
  into ``Param.grad``;
* ``parameters()`` lists the layer's :class:`Param` objects.

Each local derivative sits next to the forward code it differentiates.
"""

import numpy as np
from scipy.special import expit

from ._checks import as_float_array, require_positive_int, require_rng
from .init import get_initialiser

__all__ = [
    "Param", "Layer", "Linear", "Identity", "Step", "Sigmoid", "Tanh", "ReLU",
    "Dropout", "Sequential", "mlp", "backward_params", "NoGradientError", "ACTIVATIONS",
]


class NoGradientError(RuntimeError):
    """Raised by the backward pass of a layer that has no usable gradient."""


class Param:
    """A trainable array and the gradient of the cost with respect to it.

    ``value`` and ``grad`` have the same shape and dtype. Layers write ``grad``
    in ``backward``; optimisers read it in ``step``.
    """

    def __init__(self, value, name=""):
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    def __repr__(self):
        return f"Param({self.name!r}, shape={self.value.shape}, dtype={self.value.dtype})"


class Layer:
    """Base class: no parameters, a train/eval flag, ``layer(x)`` calls ``forward``."""

    training = True

    def parameters(self):
        return []

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def _stored(self, name):
        """Fetch what forward stored, with a clear error when forward has not run."""
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward")
        return value

    @staticmethod
    def _require_dout_shape(dout, shape, who):
        if np.shape(dout) != shape:
            raise ValueError(f"{who}.backward expects dout of shape {shape} (the forward output), got {np.shape(dout)}")


class Linear(Layer):
    """Fully connected layer ``Z = X @ W.T + b``.

    Shapes: ``X (N, in)``, ``W (out, in)``, ``b (out,)``, ``Z (N, out)``.

    Backward, with ``delta = dC/dZ`` of shape ``(N, out)``:
    ``dC/dW = delta.T @ X`` (out, in), ``dC/db = sum of delta over the batch`` (out,),
    ``dC/dX = delta @ W`` (N, in). These are the book's ``delta (a^{l-1})^T``,
    ``delta`` and ``W^T delta`` with the batch summed over.
    """

    def __init__(self, in_features, out_features, *, init="normal", rng=None, dtype=np.float64):
        in_features = require_positive_int(in_features, "Linear: in_features")
        out_features = require_positive_int(out_features, "Linear: out_features")
        initialiser = get_initialiser(init)
        if rng is None and initialiser is not get_initialiser("zeros"):
            raise TypeError(
                f"Linear({in_features} -> {out_features}) needs rng=np.random.default_rng(seed) to draw its weights"
            )
        if initialiser is not get_initialiser("zeros"):
            require_rng(rng, f"Linear({in_features} -> {out_features}): rng")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.W = Param(initialiser((self.out_features, self.in_features), rng, dtype=dtype), "W")
        self.b = Param(np.zeros(self.out_features, dtype=dtype), "b")
        self.x = None

    def forward(self, x):
        x = as_float_array(x, "Linear input")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r} expects inputs of shape (N, {self.in_features}) "
                f"(a batch of rows with {self.in_features} features), got shape {x.shape}"
            )
        self.x = x
        z = x @ self.W.value.T
        z += self.b.value  # add the bias in place: no second (N, out) array
        return z

    def backward(self, dout, input_grad=True):
        """Write ``dC/dW`` and ``dC/db``; return ``dC/dX``, or ``None`` when ``input_grad=False``.

        ``input_grad=False`` is for a first layer, whose input is the data: nobody
        uses the gradient with respect to the data, and skipping it saves a third
        of this layer's backward work (PyTorch skips it the same way for inputs
        that do not require a gradient).
        """
        x = self._stored("x")
        self._require_dout_shape(dout, (x.shape[0], self.out_features), repr(self))
        self.W.grad[...] = dout.T @ x  # dC/dW = delta^T X
        self.b.grad[...] = dout.sum(axis=0)  # dC/db = sum over the batch of delta
        if not input_grad:
            return None
        return dout @ self.W.value  # dC/dX = delta W

    def parameters(self):
        return [self.W, self.b]

    def __repr__(self):
        return f"Linear({self.in_features} -> {self.out_features})"


class Identity(Layer):
    """``a = z``; ``da/dz = 1``. Linear regression is one Linear layer and this."""

    def forward(self, z):
        return z

    def backward(self, dout):
        return dout


class Step(Layer):
    """Heaviside step ``a = 1 if z > 0 else 0``: Rosenblatt's perceptron.

    Forward only. Its derivative is 0 wherever it exists, so it passes no
    gradient back; :meth:`backward` raises :class:`NoGradientError` to say so.
    """

    def forward(self, z):
        return (np.asarray(z) > 0).astype(np.float64)

    def backward(self, dout):
        raise NoGradientError(
            "Step has no useful gradient: its derivative is 0 for every z != 0 and does not exist at z = 0, "
            "so backpropagation would pass delta = 0 back and gradient descent would never move. "
            "The perceptron learns with its own rule instead; networks trained by gradient descent "
            "use a smooth activation such as Sigmoid, Tanh or ReLU."
        )


class Sigmoid(Layer):
    """``a = 1 / (1 + exp(-z))``; ``da/dz = a (1 - a)``.

    Computed with ``scipy.special.expit``, which does not overflow for large ``|z|``.
    """

    def forward(self, z):
        self.a = expit(z)
        return self.a

    def backward(self, dout):
        a = self._stored("a")
        self._require_dout_shape(dout, a.shape, "Sigmoid")
        return dout * a * (1.0 - a)


class Tanh(Layer):
    """``a = tanh(z)``; ``da/dz = 1 - a^2``."""

    def forward(self, z):
        self.a = np.tanh(z)
        return self.a

    def backward(self, dout):
        a = self._stored("a")
        self._require_dout_shape(dout, a.shape, "Tanh")
        return dout * (1.0 - a * a)


class ReLU(Layer):
    """``a = max(z, 0)``; ``da/dz = 1 if z > 0 else 0``.

    At ``z = 0`` the derivative does not exist; we use the subgradient 0 there,
    as PyTorch does.
    """

    def forward(self, z):
        self.z = z
        return np.maximum(z, 0)

    def backward(self, dout):
        z = self._stored("z")
        self._require_dout_shape(dout, z.shape, "ReLU")
        return dout * (z > 0)


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``.

    Training: ``a = x * m / (1 - p)`` with ``m_i ~ Bernoulli(1 - p)`` drawn fresh at
    each forward pass from ``rng``, so ``E[a] = x``. Evaluation: ``a = x``.
    Backward uses the same scaled mask: ``dx = dout * m / (1 - p)``. Shapes are
    unchanged.
    """

    def __init__(self, p, rng):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p is the probability of dropping a unit and must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = require_rng(rng)
        self.mask = None

    def forward(self, x):
        self.shape = np.shape(x)
        if not self.training or self.p == 0.0:
            self.mask = 1.0  # identity: backward passes dout through unchanged
            return x
        keep = self.rng.random(np.shape(x)) >= self.p
        self.mask = keep.astype(np.asarray(x).dtype) / (1.0 - self.p)
        return x * self.mask

    def backward(self, dout):
        mask = self._stored("mask")
        self._require_dout_shape(dout, self.shape, repr(self))
        return dout * mask

    def __repr__(self):
        return f"Dropout(p={self.p})"


class Sequential(Layer):
    """Layers applied in order: ``forward`` left to right, ``backward`` right to left.

    ``predict(X)`` runs a forward pass in evaluation mode (dropout off) and
    restores the previous mode.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(f"Sequential: item {i} ({layer!r}) is not a layer with forward and backward")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout, input_grad=True):
        """Backpropagate ``dout = dC/d(output)`` from the last layer to the first; return ``dC/d(input)``.

        With ``input_grad=False`` (what :func:`labs.fit` uses) the first layer only
        writes its parameter gradients (see :func:`backward_params`) and ``None`` is
        returned: every parameter gradient is the same, only the gradient with
        respect to the data, which nobody uses, is not computed.
        """
        for i, layer in reversed(list(enumerate(self.layers))):
            if i == 0 and not input_grad:
                return backward_params(layer, dout)  # the data's gradient dC/dX is never used: skip it
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self):
        """``[("0.W", Param), ("0.b", Param), ("2.W", ...), ...]``: layer index and name."""
        return [(f"{i}.{p.name}", p) for i, layer in enumerate(self.layers) for p in layer.parameters()]

    def train(self):
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def predict(self, x):
        was_training = self.training
        self.eval()
        try:
            return self.forward(x)
        finally:
            if was_training:
                self.train()

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"


def backward_params(layer, dout):
    """``layer.backward(dout)`` for the parameter gradients only; returns ``None``.

    labs' own ``Linear`` and ``Sequential`` then skip ``dC/d(input)``; any other
    layer (a reader's own, with ``backward(self, dout)``) computes it, and it is
    dropped.
    """
    if type(layer) in (Linear, Sequential):
        return layer.backward(dout, input_grad=False)
    layer.backward(dout)
    return None


ACTIVATIONS = {"identity": Identity, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def mlp(sizes, activation="relu", init=None, rng=None, dtype=np.float64, dropout=0.0):
    """A multi-layer perceptron ``Linear -> activation -> ... -> Linear``.

    ``sizes = [D, H1, ..., K]`` gives the width of each layer, input first. The
    last layer is linear (its output is the logits or the regression output; the
    loss applies softmax or sigmoid). ``activation`` is a name from
    ``ACTIVATIONS`` or a layer class; ``init`` defaults to ``"he"`` for ReLU and
    ``"xavier"`` otherwise. With ``dropout > 0`` a :class:`Dropout` follows each
    hidden activation.
    """
    sizes = list(sizes)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"mlp: dropout is the probability of dropping a unit and must be in [0, 1), got {dropout!r}")
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least an input and an output width, got {sizes}")
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"mlp: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        activation = ACTIVATIONS[activation]
    if init is None:
        init = "he" if activation is ReLU else "xavier"
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(activation())
            if dropout > 0:
                layers.append(Dropout(dropout, rng))
    return Sequential(*layers)
