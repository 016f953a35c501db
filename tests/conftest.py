"""Shared test set-up: draw with matplotlib's headless Agg backend."""

import matplotlib

matplotlib.use("Agg")
