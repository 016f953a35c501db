"""Stochastic gradient descent with (heavy-ball) momentum and weight decay.

The update, for each parameter ``w`` with gradient ``g`` (``eta`` in the book is
``lr`` here, ``gamma`` is ``momentum``, ``lambda`` is ``weight_decay``)::

    g <- g + lambda * w          (weight decay: the gradient of lambda/2 ||w||^2)
    v <- gamma * v + eta * g     (velocity: a decaying sum of past steps)
    w <- w - v

With ``gamma = 0`` this is plain gradient descent ``w <- w - eta * g``
(Polyak, 1964, for the momentum form).
"""

import numpy as np

from .layers import Param

__all__ = ["SGD", "trajectory"]


class SGD:
    """``SGD(params, lr, momentum=0.0, weight_decay=0.0)``; call ``step()`` after ``backward``.

    ``params``: a list of :class:`~labs.layers.Param` (``model.parameters()``).
    ``velocity[i]`` holds ``v`` for ``params[i]`` (same shape), starting at zero.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        params = list(params)
        if not params or not all(isinstance(p, Param) for p in params):
            raise TypeError("SGD: params must be a non-empty list of Param, e.g. model.parameters()")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: the learning rate lr must be a positive number, got {lr!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        if not (np.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay!r}")
        self.params = params
        self.lr, self.momentum, self.weight_decay = float(lr), float(momentum), float(weight_decay)
        self.velocity = [np.zeros_like(p.value) for p in params]

    def step(self):
        """One update of every parameter from its current ``grad``."""
        for p, v in zip(self.params, self.velocity):
            g = p.grad
            if self.weight_decay:
                g = g + self.weight_decay * p.value
            v *= self.momentum  # v <- gamma v + eta g, in place
            v += self.lr * g
            p.value -= v

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


def trajectory(grad, w0, lr, momentum=0.0, steps=100, blowup=1e6):
    """Run :class:`SGD` on a function of a vector ``w`` given its gradient.

    ``grad(w) -> g`` with ``w, g`` of shape ``(P,)``; ``w0``: the start, ``(P,)``.
    Returns ``(W, diverged)``: ``W`` of shape ``(k + 1, P)`` holds ``w0`` and the
    ``k <= steps`` iterates; the run stops early, with ``diverged=True``, when
    ``|w|`` exceeds ``blowup`` or stops being finite.
    """
    w = Param(np.array(w0, dtype=np.float64), "w")
    opt = SGD([w], lr=lr, momentum=momentum)
    path = [w.value.copy()]
    for _ in range(steps):
        w.grad[...] = grad(w.value)
        opt.step()
        if not np.all(np.isfinite(w.value)) or np.max(np.abs(w.value)) > blowup:
            return np.array(path), True
        path.append(w.value.copy())
    return np.array(path), False
