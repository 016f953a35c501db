"""Weight initialisers.

Every initialiser has the signature ``init(shape, rng, dtype=np.float64)`` where
``shape = (fan_out, fan_in)`` is the shape of a weight matrix ``W`` (rows are
output units, columns are inputs, as in ``z = W a + b``). Biases start at zero.

==================  ======================================  =====================
name                distribution                            Var(W_ij)
==================  ======================================  =====================
``zeros``           all zero (breaks learning: symmetry)    0
``normal``          N(0, 1/fan_in)                          1 / fan_in
``xavier``          N(0, 2/(fan_in + fan_out))              2 / (fan_in + fan_out)
``xavier_uniform``  U(-r, r), r = sqrt(6/(fan_in+fan_out))  2 / (fan_in + fan_out)
``he``              N(0, 2/fan_in)                          2 / fan_in
==================  ======================================  =====================

Xavier/Glorot keeps the variance of activations and gradients roughly constant
through tanh layers (Glorot and Bengio, 2010); He keeps it constant through ReLU
layers, which zero half their inputs (He et al., 2015).
"""

import numpy as np

__all__ = ["zeros", "normal", "xavier", "xavier_uniform", "he", "INITIALISERS", "get_initialiser"]


def _fans(shape):
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"a weight shape must be (fan_out, fan_in) with both >= 1, got {shape}")
    fan_out, fan_in = shape
    return fan_in, fan_out


def zeros(shape, rng=None, dtype=np.float64):
    """All-zero weights. Every hidden unit then computes the same thing forever."""
    _fans(shape)
    return np.zeros(shape, dtype=dtype)


def normal(shape, rng, dtype=np.float64):
    """N(0, 1/fan_in): keeps Var(z) equal to Var(a) for a linear layer."""
    fan_in, _ = _fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(dtype)


def xavier(shape, rng, dtype=np.float64):
    """Xavier/Glorot normal: N(0, 2/(fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def xavier_uniform(shape, rng, dtype=np.float64):
    """Xavier/Glorot uniform: U(-r, r) with r = sqrt(6/(fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=shape).astype(dtype)


def he(shape, rng, dtype=np.float64):
    """He/Kaiming normal: N(0, 2/fan_in), for ReLU layers."""
    fan_in, _ = _fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


INITIALISERS = {
    "zeros": zeros,
    "normal": normal,
    "xavier": xavier,
    "xavier_uniform": xavier_uniform,
    "he": he,
}


def get_initialiser(init):
    """Return the initialiser named ``init`` (or ``init`` itself if it is callable)."""
    if callable(init):
        return init
    if init not in INITIALISERS:
        raise ValueError(f"unknown initialiser {init!r}; choose one of {sorted(INITIALISERS)} or pass a function")
    return INITIALISERS[init]
