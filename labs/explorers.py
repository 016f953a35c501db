"""The explorers' numbers: one run of gradient descent per setting, and the grids of settings.

An explorer has two views of one computation (DESIGN.md, "Explorers"): the live view
(:mod:`labs.widgets`, ipywidgets, needs a kernel) calls :func:`momentum_run` or
:func:`learning_rate_run` on every slider move; the kernel-free view in the built book
calls the same function for every setting of a grid when the book is built
(:func:`momentum_grid`, :func:`learning_rate_grid`) and the browser only looks the
results up. The readout a reader sees (:func:`momentum_readout`,
:func:`learning_rate_readout`) is written here too, once for both views.
"""

from dataclasses import dataclass

import numpy as np

from .optim import trajectory

__all__ = [
    "Run", "momentum_run", "learning_rate_run", "momentum_readout", "learning_rate_readout",
    "momentum_optimum", "momentum_settings", "learning_rate_settings", "view_limits", "contour_levels",
]


@dataclass(frozen=True)
class Run:
    """One run of gradient descent (with momentum) on a 2-D quadratic cost.

    ``W``: ``(k + 1, 2)``, the start and the ``k <= steps`` iterates that stayed
    within the blow-up bound; ``losses``: ``(k,)``, ``C(w_t)`` for ``t = 1..k``;
    ``diverged``: the run crossed the bound at step ``k + 1``.
    """

    lr: float
    momentum: float
    steps: int
    W: np.ndarray
    losses: np.ndarray
    diverged: bool

    @property
    def diverged_after(self):
        """How many steps a diverged run made within the bound (``k``; step ``k + 1`` left it); else ``None``."""
        return len(self.W) - 1 if self.diverged else None

    @property
    def final_loss(self):
        """``C(w_steps)`` of a run that did not diverge (``nan`` for one that did)."""
        return float(self.losses[-1]) if not self.diverged and len(self.losses) else float("nan")


def momentum_run(quadratic, w0, lr, momentum, steps, blowup=None):
    """Gradient descent with momentum on ``quadratic`` from ``w0``: the live and static views' run.

    ``quadratic``: a :class:`~labs.data.Quadratic` with ``P = 2``; ``w0``: ``(2,)``.
    ``w_{t+1} = w_t + v_{t+1}``, ``v_{t+1} = γ v_t - η ∇C(w_t)`` (:class:`~labs.optim.SGD`).
    A run counts as diverged once ``|w|`` exceeds ``blowup`` (default: 100 times farther out
    than the start).
    """
    if blowup is None:
        blowup = 100 * max(1.0, float(np.max(np.abs(w0))))
    W, diverged = trajectory(quadratic.grad, w0, lr, momentum, steps, blowup=blowup)
    return Run(float(lr), float(momentum), int(steps), W, quadratic.value(W[1:]), bool(diverged))


def learning_rate_run(quadratic, w0, lr, steps, blowup=1e6):
    """Plain gradient descent (``γ = 0``) at learning rate ``lr``; see :func:`momentum_run`.

    ``blowup``: :func:`~labs.optim.trajectory`'s default, so a rate just above ``2/λ_max``, whose
    error grows slowly, runs its 100 steps (chapter 1 shows that).
    """
    return momentum_run(quadratic, w0, lr, 0.0, steps, blowup=blowup)


def momentum_readout(run):
    """``"η = 2.78, γ = 0.44: C after 60 steps = 3.071238e-05"`` or ``"...: diverged after k steps"``.

    Seven significant digits: a reader of the page (and its browser test) gets ``C`` to
    better than 1e-6 relative.
    """
    setting = f"η = {run.lr:.3g}, γ = {run.momentum:.2f}"
    if run.diverged:
        return f"{setting}: diverged after {run.diverged_after} steps"
    return f"{setting}: C after {run.steps} steps = {run.final_loss:.7g}"


def learning_rate_readout(run, lam_max):
    """``"η = 0.171 (0.50 × 2/λ_max): C − C_min after 100 steps = ..."``, or ``"...: diverged after k steps"``."""
    setting = f"η = {run.lr:.3g} ({run.lr * lam_max / 2:.2f} × 2/λ_max)"
    if run.diverged:
        return f"{setting}: diverged after {run.diverged_after} steps"
    return f"{setting}: C − C_min after {run.steps} steps = {run.final_loss:.7g}"


def momentum_optimum(quadratic):
    """``(η*, γ*)``: ``η* = 4/(√λ_max + √λ_min)²``, ``γ* = ((√κ - 1)/(√κ + 1))²`` with ``κ = λ_max/λ_min``."""
    lam_max, lam_min = quadratic.L, quadratic.mu
    kappa = lam_max / lam_min
    return 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2, ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2


def momentum_settings(quadratic):
    """The grid of the kernel-free momentum explorer: ``(lrs, gammas)``, 16 x 11 settings.

    With ``λ_max``, ``λ_min`` the curvatures of ``quadratic``: the learning rates are
    multiples of ``2/λ_max`` from 0.05 to 2.1, straddling the stability edge
    ``2(1 + γ)/λ_max`` of every ``γ`` on the grid, plus the optimum
    ``η* = 4/(√λ_max + √λ_min)²``; the momenta are 0, 0.1, ..., 0.9 plus
    ``γ* = ((√κ - 1)/(√κ + 1))²``. Both sorted ascending.
    """
    lam_max = quadratic.L
    lr_star, gamma_star = momentum_optimum(quadratic)
    factors = np.array([0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 0.97, 1.03, 1.2, 1.3, 1.6, 1.8, 1.95, 2.1])
    lrs = np.unique(np.r_[factors * 2 / lam_max, lr_star])
    gammas = np.unique(np.r_[np.round(np.arange(0.0, 0.91, 0.1), 2), gamma_star])
    return lrs, gammas


def learning_rate_settings(quadratic, factors=()):
    """The learning rates of the kernel-free chapter-1 explorer: at least 33 multiples of ``2/λ_max``.

    ``k/24 × 2/λ_max`` for ``k = 1..30`` (so ``1/λ_max`` at ``k = 12`` and ``2/λ_max`` at
    ``k = 24``), 0.99, 1.01 and 1.05 times ``2/λ_max``, either side of the edge, and any
    other ``factors`` (multiples of ``2/λ_max``) the text discusses. Ascending, no repeats.
    """
    multiples = np.r_[np.arange(1, 31) / 24, 0.99, 1.01, 1.05, np.asarray(factors, dtype=float)]
    return np.unique(np.round(multiples, 12)) * 2 / quadratic.L


def view_limits(quadratic, w0):
    """``(xlim, ylim)`` around the minimum, wide enough for the start and its mirror image."""
    d = np.abs(np.asarray(w0, dtype=float) - quadratic.w_star)
    half = 1.3 * np.maximum(d, 0.3 * d.max())
    return ((quadratic.w_star[0] - half[0], quadratic.w_star[0] + half[0]),
            (quadratic.w_star[1] - half[1], quadratic.w_star[1] + half[1]))


def contour_levels(quadratic, w0, n=10, points=73):
    """Contour lines of ``C`` (ellipses), log-spaced from ``C(w0)/1000`` to ``4 C(w0)``.

    Returns a list of ``(level, (points, 2) array)``: for ``A = Q diag(λ) Qᵀ``, the line
    ``C = c`` is ``w_star + Q diag(√(2c/λ)) (cos s, sin s)``.
    """
    c0 = float(quadratic.value(np.asarray(w0, dtype=float)))
    lam, Q = np.linalg.eigh(quadratic.A)
    s = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(s), np.sin(s)], axis=1)
    lines = []
    for c in np.geomspace(c0 / 1000, 4 * c0, n):
        lines.append((float(c), quadratic.w_star + (circle * np.sqrt(2 * c / lam)) @ Q.T))
    return lines
