"""Weight initialisers: the variances of the table in labs/init.py, on a large non-square matrix.

The matrix is (fan_out, fan_in) = (300, 800), so 1/fan_in, 2/(fan_in + fan_out) and
2/fan_in are all different and a mix-up of fan_in and fan_out would show. With
240,000 entries the sample variance is within about 0.3% of the true one; the
tolerance is 3%.
"""

import numpy as np
import pytest
from helpers import assert_clear_error, rng0  # tests/helpers.py

from labs import (
    Linear,
    init,
)
from labs.init import INITIALISERS, get_initialiser, he, normal, xavier, xavier_uniform, zeros

FAN_OUT, FAN_IN = 300, 800


@pytest.mark.parametrize(
    "init, variance",
    [
        (normal, 1 / FAN_IN),
        (xavier, 2 / (FAN_IN + FAN_OUT)),
        (xavier_uniform, 2 / (FAN_IN + FAN_OUT)),
        (he, 2 / FAN_IN),
    ],
    ids=["normal", "xavier", "xavier_uniform", "he"],
)
def test_initialiser_variance(init, variance):
    """Empirical mean ~ 0 and variance ~ the table's Var(W_ij) for a (fan_out, fan_in) matrix."""
    W = init((FAN_OUT, FAN_IN), np.random.default_rng(0))
    assert W.shape == (FAN_OUT, FAN_IN) and W.dtype == np.float64
    assert abs(W.mean()) < 0.01 * np.sqrt(variance)
    assert W.var() == pytest.approx(variance, rel=0.03)


def test_xavier_uniform_bounds():
    """Xavier uniform stays inside (-r, r), r = sqrt(6/(fan_in + fan_out)), and reaches close to both ends."""
    r = np.sqrt(6 / (FAN_IN + FAN_OUT))
    W = xavier_uniform((FAN_OUT, FAN_IN), np.random.default_rng(0))
    assert np.all(np.abs(W) <= r)
    assert W.max() > 0.999 * r and W.min() < -0.999 * r


def test_zeros_is_all_zero():
    """The zeros initialiser gives zeros, the symmetric start the book warns about."""
    assert not zeros((3, 4)).any()


def test_linear_uses_out_in_orientation():
    """Linear(in=800, out=300, init='normal') has Var(W) = 1/800: the fan-in is the number of inputs."""
    layer = Linear(FAN_IN, FAN_OUT, init="normal", rng=np.random.default_rng(0))
    assert layer.W.value.shape == (FAN_OUT, FAN_IN)
    assert layer.W.value.var() == pytest.approx(1 / FAN_IN, rel=0.03)


@pytest.mark.parametrize("name", ["normal", "xavier", "xavier_uniform", "he"])
def test_initialisers_are_deterministic_and_respect_dtype(name):
    """Same seed, same weights; dtype=np.float32 gives float32."""
    init = INITIALISERS[name]
    a = init((5, 7), np.random.default_rng(3))
    b = init((5, 7), np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert init((5, 7), np.random.default_rng(3), dtype=np.float32).dtype == np.float32


def test_get_initialiser_by_name_or_function():
    """Names map to the functions in the table; a callable passes through."""
    assert get_initialiser("he") is he
    assert get_initialiser(xavier) is xavier
    assert set(INITIALISERS) == {"zeros", "normal", "xavier", "xavier_uniform", "he"}


def test_he_keeps_relu_activations_from_shrinking():
    """Through 10 ReLU layers of width 500, He init keeps the mean square activation within a factor 2,
    while 1/fan_in init halves it at every layer (He et al., 2015)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 500))
    sizes = {}
    for name in ("he", "normal"):
        a = x
        for _ in range(10):
            a = np.maximum(a @ INITIALISERS[name]((500, 500), rng).T, 0)
        sizes[name] = np.mean(a**2) / np.mean(x**2)
    assert 0.5 < sizes["he"] < 2
    assert sizes["normal"] < 0.01


# --- bad input gets a clear error that names what was wrong (was tests/test_bad_input.py) -------

BAD_INPUT = [
    pytest.param(lambda: init.he((3,), rng0()), ValueError, r"must be \(fan_out, fan_in\) .*got \(3,\)",
                 id="init-bad-shape"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUT)
def test_bad_input_gets_a_clear_error(call, error, match):
    """The call raises `error` with a message naming the shapes or values at fault."""
    assert_clear_error(call, error, match)
