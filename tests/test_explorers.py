"""labs.explorers: the run both explorer views share, its readout, and the grids of the kernel-free view."""

import re

import numpy as np
import pytest
from helpers import path_line, title  # tests/helpers.py

from labs import widgets as lw
from labs.data import Quadratic, narrow_valley
from labs.explorers import (
    learning_rate_readout,
    learning_rate_run,
    learning_rate_settings,
    momentum_optimum,
    momentum_readout,
    momentum_run,
    momentum_settings,
)
from labs.optim import trajectory

VALLEY = narrow_valley(kappa=25.0, L=1.0, angle=np.pi / 8)  # chapter 3's
W0 = np.array([-3.5, -0.5])


def test_momentum_run_is_trajectory_with_the_explorers_blowup():
    run = momentum_run(VALLEY, W0, 1.0, 0.5, 30)
    W, diverged = trajectory(VALLEY.grad, W0, 1.0, 0.5, 30, blowup=350.0)
    np.testing.assert_array_equal(run.W, W)
    np.testing.assert_allclose(run.losses, VALLEY.value(W[1:]))
    assert run.diverged == diverged is False and run.diverged_after is None
    assert run.final_loss == pytest.approx(VALLEY.value(W[-1]))


def test_a_diverged_run_counts_the_steps_it_made_within_the_bound():
    run = momentum_run(VALLEY, W0, 3.0, 0.0, 60)  # above 2/lambda_max = 2
    assert run.diverged and run.diverged_after == len(run.W) - 1
    assert np.max(np.abs(run.W)) <= 350.0 and np.isnan(run.final_loss)
    assert momentum_readout(run) == f"η = 3, γ = 0.00: diverged after {run.diverged_after} steps"


def test_the_readout_gives_the_loss_to_better_than_1e6_relative():
    run = momentum_run(VALLEY, W0, 2.0, 0.3, 60)
    text = momentum_readout(run)
    m = re.fullmatch(r"η = 2, γ = 0\.30: C after 60 steps = (\S+)", text)
    assert m, text
    assert float(m.group(1)) == pytest.approx(run.final_loss, rel=1e-6)


def test_the_live_explorer_draws_the_shared_run_and_shows_its_readout():
    box = lw.momentum_explorer(VALLEY, w0=W0, steps=60, lr=1.0, momentum=0.3)
    run = momentum_run(VALLEY, W0, box.lr_slider.value, box.momentum_slider.value, 60)
    np.testing.assert_allclose(path_line(box.figure), run.W)
    assert title(box.figure) == momentum_readout(run)


def test_learning_rate_run_keeps_trajectorys_default_bound():
    bowl = Quadratic(A=np.array([[2.0, 0.3], [0.3, 0.5]]), w_star=np.array([1.0, -1.0]))
    lam_max = bowl.L
    run = learning_rate_run(bowl, np.zeros(2), 1.05 * 2 / lam_max, 100)
    W, diverged = trajectory(bowl.grad, np.zeros(2), 1.05 * 2 / lam_max, 0.0, 100)
    np.testing.assert_array_equal(run.W, W)
    assert learning_rate_readout(run, lam_max).startswith(f"η = {run.lr:.3g} (1.05 × 2/λ_max): ")


def test_momentum_grid_holds_the_optimum_and_both_sides_of_the_stability_edge():
    lrs, gammas = momentum_settings(VALLEY)
    lr_star, gamma_star = momentum_optimum(VALLEY)
    assert len(lrs) >= 12 and len(gammas) >= 10
    assert np.all(np.diff(lrs) > 0) and np.all(np.diff(gammas) > 0)
    assert np.isclose(lrs, lr_star).sum() == 1 and np.isclose(gammas, gamma_star).sum() == 1
    assert lr_star == pytest.approx(4 / 1.2**2) and gamma_star == pytest.approx((4 / 6) ** 2)
    for gamma in gammas:  # a rate just inside and one just outside the edge, within 15 % of it
        edge = 2 * (1 + gamma) / VALLEY.L
        inside, outside = lrs[lrs < edge].max(), lrs[lrs > edge].min()
        assert inside > 0.85 * edge and outside < 1.15 * edge, (gamma, inside, outside)
        assert not momentum_run(VALLEY, W0, inside, gamma, 400).diverged
        assert momentum_run(VALLEY, W0, outside, gamma, 400).diverged


def test_learning_rate_grid_holds_1_over_lambda_and_both_sides_of_2_over_lambda():
    bowl = Quadratic(A=np.diag([4.0, 1.0]), w_star=np.zeros(2))
    lrs = learning_rate_settings(bowl, factors=[0.1, 1.1])
    assert len(lrs) >= 30 and np.all(np.diff(lrs) > 0)
    for f in (0.5, 0.99, 1.01, 0.1, 1.1):
        assert np.isclose(lrs, f * 2 / 4.0).sum() == 1, f
    assert np.isclose(lrs, 1 / 4.0).any()
