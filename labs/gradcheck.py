"""Numerical gradient checks: the referee for every backward pass in the book.

The analytic gradient from ``backward`` is compared with central differences

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h),

whose error has two parts: truncation, about h^2 |f'''| / 6, and rounding,
about eps |f| / h. In float64 (eps ~ 1e-16) with h = 1e-6 the truncation term
is ~1e-13 and the rounding term, ~1e-10, dominates; a correct gradient agrees
to about 1e-8 in relative error and a wrong one is off by far more. In float32
(eps ~ 1e-7) the rounding term alone is ~0.1, so the checks refuse float32.

Words used across ``labs``: the functions here are *checkers*, they return the
errors they measure and print nothing; :mod:`labs.selfcheck` holds the
*self-checks*, which print a verdict for a reader; the ``require_*`` functions
of ``labs._checks`` are *validators*, which raise on bad input.

A layer's output is a tensor, not a number; to check it we use the scalar
``f(x) = sum(forward(x) * dout)`` with a random ``dout``, whose gradient is
exactly what ``backward(dout)`` returns. A random ``dout`` (not ones) catches
mistakes that summing would hide, such as a missing transpose.
"""

import numpy as np

from .layers import Layer

__all__ = ["numerical_gradient", "rel_error", "check_layer", "check_loss", "check_model"]


def _require_float64(x, what):
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(
            f"gradient checks need float64, but {what} has dtype {x.dtype}: in float32 the rounding "
            "error of a central difference (~1e-7 / h) swamps the gradient. Cast with .astype(np.float64)."
        )


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to ``x``.

    ``x`` is a float64 array that ``f`` reads; each entry is nudged in place by
    ``+h`` and ``-h`` and restored. Returns an array of ``x``'s shape. Costs
    ``2 * x.size`` calls of ``f``. ``f`` takes no arguments because the array it
    reads is often a weight inside a model (a ``Param.value``), which cannot be
    passed in; for a plain function of its arguments, ``f(w, b)``, use
    :func:`labs.selfcheck.numerical_gradients`, which calls this one.
    """
    _require_float64(x, "x")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Relative error ``||a - b|| / max(||a|| + ||b||, 1e-12)`` (Frobenius norms).

    A norm over the whole array, not entry by entry, so that entries that are
    zero up to rounding do not blow the ratio up. 0 means identical; below 1e-7
    is a correct float64 gradient; around 1 means unrelated.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def _replay_randomness(layer):
    """Return a function that rewinds every random generator the layer uses.

    Dropout draws a new mask at each forward pass; rewinding its generator makes
    ``f`` the same function at every call of the finite difference.
    """
    layers = layer.layers if hasattr(layer, "layers") else [layer]
    rngs = [lay.rng for lay in layers if isinstance(getattr(lay, "rng", None), np.random.Generator)]
    states = [rng.bit_generator.state for rng in rngs]

    def rewind():
        for rng, state in zip(rngs, states):
            rng.bit_generator.state = state

    return rewind


def _named_parameters(model):
    """``[(name, Param)]``: ``"0.W"``-style names for a Sequential, else ``"W"``, ``"b"``."""
    if hasattr(model, "named_parameters"):
        return model.named_parameters()
    return [(p.name or f"param{i}", p) for i, p in enumerate(model.parameters())]


def check_layer(layer, x, rng, h=1e-6):
    """Gradient-check ``layer`` at input ``x`` with a random upstream gradient.

    Returns ``{"x": err, "W": err, ...}``: the relative error of ``dC/dx`` and of
    every parameter's gradient (named ``"0.W"``, ``"0.b"``, ... in a Sequential).
    Layers that draw random numbers (dropout) are replayed with the same stream
    at every evaluation.
    """
    if not isinstance(layer, Layer) and not hasattr(layer, "backward"):
        raise TypeError(f"check_layer: {layer!r} is not a layer")
    x = np.array(x, dtype=np.asarray(x).dtype, copy=True)
    _require_float64(x, "the input x")
    named = _named_parameters(layer)
    for name, p in named:
        _require_float64(p.value, f"parameter {name}")
    rewind = _replay_randomness(layer)

    rewind()
    out = layer.forward(x)
    dout = rng.standard_normal(np.shape(out))
    dx = layer.backward(dout)
    analytic = {name: p.grad.copy() for name, p in named}

    def f():
        rewind()
        return float(np.sum(layer.forward(x) * dout))

    errors = {"x": rel_error(dx, numerical_gradient(f, x, h))}
    for name, p in named:
        errors[name] = rel_error(analytic[name], numerical_gradient(f, p.value, h))
    return errors


def check_loss(loss, pred, y, h=1e-6):
    """Gradient-check ``loss(pred, y) -> (C, dC/dpred)``; returns the relative error."""
    pred = np.array(pred, copy=True)
    _require_float64(pred, "pred")
    _, dpred = loss(pred, y)
    return rel_error(dpred, numerical_gradient(lambda: loss(pred, y)[0], pred, h))


def check_model(model, loss, X, y, h=1e-6):
    """Gradient-check a whole model on a batch: ``{parameter name: relative error}``.

    The cost is ``loss(model.forward(X), y)[0]``; the analytic gradient comes from
    one ``model.backward``. Names are those of ``model.named_parameters()`` when
    it has them (``"0.W"``, ``"0.b"``, ...). Use a small model: this costs two
    forward passes per weight.
    """
    X = np.asarray(X)
    _require_float64(X, "X")
    named = _named_parameters(model)
    for name, p in named:
        _require_float64(p.value, f"parameter {name}")
    rewind = _replay_randomness(model)

    rewind()
    _, dpred = loss(model.forward(X), y)
    model.backward(dpred)
    analytic = {name: p.grad.copy() for name, p in named}

    def f():
        rewind()
        return float(loss(model.forward(X), y)[0])

    return {name: rel_error(analytic[name], numerical_gradient(f, p.value, h)) for name, p in named}
