"""Tests of labs.costs: the quadratic costs of chapters 1 and 3 (also importable from labs.data)."""

import numpy as np
import pytest
from helpers import assert_clear_error  # tests/helpers.py

from labs import (
    costs,
    data,
)


def test_narrow_valley_curvatures():
    """narrow_valley(kappa, L, angle) has eigenvalues L/kappa and L, minimum 0 at the origin, gradient A w."""
    q = costs.narrow_valley(kappa=25.0, L=2.0, angle=0.7)
    assert q.L == pytest.approx(2.0) and q.mu == pytest.approx(2.0 / 25) and q.kappa == pytest.approx(25.0)
    np.testing.assert_allclose(q.A, q.A.T, atol=1e-15)
    assert q.value(np.zeros(2)) == 0.0
    w = np.array([0.3, -1.2])
    np.testing.assert_allclose(q.grad(w), q.A @ w, rtol=1e-15)
    assert q.value(np.stack([w, 2 * w])).shape == (2,)
    assert q.value(2 * w) == pytest.approx(4 * q.value(w))


def test_curvatures_have_the_books_names_and_the_old_ones():
    """lam_max / lam_min are the eigenvalues of A (the book's lambda_max, lambda_min); L / mu are aliases."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    q = costs.Quadratic(A=A, w_star=np.array([1.0, -1.0]))
    eig = np.linalg.eigvalsh(A)
    assert q.lam_max == pytest.approx(eig[-1], rel=1e-15) and q.lam_min == pytest.approx(eig[0], rel=1e-15)
    assert (q.L, q.mu) == (q.lam_max, q.lam_min)
    assert q.kappa == pytest.approx(eig[-1] / eig[0], rel=1e-15)


def test_narrow_valley_takes_lam_max_by_the_books_name():
    q = costs.narrow_valley(kappa=16.0, lam_max=3.0, angle=-0.4)
    assert q.lam_max == pytest.approx(3.0) and q.lam_min == pytest.approx(3.0 / 16)
    np.testing.assert_allclose(q.A, costs.narrow_valley(kappa=16.0, L=3.0, angle=-0.4).A, rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"lam_max \(L, the largest curvature\) must be > 0, got -1\.0"):
        costs.narrow_valley(lam_max=-1.0)


def test_costs_are_still_importable_from_labs_data():
    """The chapters call labs.data.Quadratic and labs.data.narrow_valley: the same objects."""
    assert data.Quadratic is costs.Quadratic and data.narrow_valley is costs.narrow_valley


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

BAD_INPUT = [
    pytest.param(lambda: data.narrow_valley(kappa=0.5), ValueError,
                 r"kappa \(the condition number lam_max/lam_min\) must be >= 1, got 0\.5", id="narrow-valley-kappa"),
    pytest.param(lambda: data.narrow_valley(L=0.0), ValueError,
                 r"lam_max \(L, the largest curvature\) must be > 0, got 0\.0", id="narrow-valley-L"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)
