"""Costs with a known shape: the quadratic bowls and valleys of chapters 1 and 3.

A quadratic cost ``C(w) = 1/2 (w - w_star)^T A (w - w_star)`` is what every
smooth cost looks like near a minimum, and its curvatures ``lambda_min`` and
``lambda_max`` (the eigenvalues of ``A``) decide how fast gradient descent and
momentum converge and when they diverge.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["Quadratic", "narrow_valley"]


@dataclass
class Quadratic:
    """``C(w) = 1/2 (w - w_star)^T A (w - w_star)`` with ``A`` symmetric positive definite.

    ``A``: ``(P, P)``; ``w_star``: ``(P,)``. The gradient is ``A (w - w_star)``;
    the curvatures are the eigenvalues of ``A``, from ``lam_min`` (the book's
    ``lambda_min``) to ``lam_max`` (``lambda_max``); ``kappa = lam_max / lam_min``
    is the condition number. ``L`` and ``mu`` are other names for ``lam_max``
    and ``lam_min``, as in much of the optimisation literature.
    """

    A: np.ndarray
    w_star: np.ndarray

    def value(self, w):
        """``C(w)`` for ``w`` of shape ``(..., P)`` (a grid of points is fine); shape ``(...)``."""
        d = np.asarray(w, dtype=np.float64) - self.w_star
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w):
        """``dC/dw = A (w - w_star)``, shape ``(P,)``."""
        return self.A @ (np.asarray(w, dtype=np.float64) - self.w_star)

    @property
    def lam_max(self):
        """The largest curvature ``lambda_max``: the largest eigenvalue of ``A``."""
        return float(np.linalg.eigvalsh(self.A)[-1])

    @property
    def lam_min(self):
        """The smallest curvature ``lambda_min``: the smallest eigenvalue of ``A``."""
        return float(np.linalg.eigvalsh(self.A)[0])

    @property
    def L(self):
        """Another name for :attr:`lam_max`."""
        return self.lam_max

    @property
    def mu(self):
        """Another name for :attr:`lam_min`."""
        return self.lam_min

    @property
    def kappa(self):
        """The condition number ``lambda_max / lambda_min``."""
        return self.lam_max / self.lam_min


def narrow_valley(kappa=20.0, L=1.0, angle=0.0, *, lam_max=None):
    """A 2-D quadratic valley with curvatures ``lam_max`` (across) and ``lam_max / kappa`` (along).

    ``lam_max`` is the book's ``lambda_max``; ``L`` is another name for it (used
    when ``lam_max`` is not given). ``angle`` (radians) rotates the valley; its
    minimum is at the origin. The larger ``kappa``, the narrower the valley and
    the slower plain gradient descent: the book's test bed for momentum.
    """
    lam_max = L if lam_max is None else lam_max
    if not kappa >= 1:
        raise ValueError(f"narrow_valley: kappa (the condition number lam_max/lam_min) must be >= 1, got {kappa!r}")
    if not lam_max > 0:
        raise ValueError(f"narrow_valley: lam_max (L, the largest curvature) must be > 0, got {lam_max!r}")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([lam_max / kappa, lam_max]) @ R.T
    return Quadratic(A=A, w_star=np.zeros(2))
