"""Shared test set-up: matplotlib's headless Agg backend, and every figure closed after each test.

Helpers shared by several test files live in the plain module tests/helpers.py.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    """Fresh axes on a new figure (closed after the test like every figure)."""
    return plt.subplots()[1]
