"""The benchmark script measures what it says; its recorded results are consistent.

Timings themselves are not tested here (they belong to benchmarks/RESULTS.md, not
to a test that a busy machine could fail); what is tested is that the timed loops
compute the same training and that the recorded verdicts follow from the figures.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def run():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def test_fit_and_the_bare_loops_train_the_same_model(run):
    """labs.fit, the bare loop and the loop with layer 1's dX give one training loss (same seed)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=300)
    losses = [run.labs_fit_epoch(X, y, 1)[2], run.labs_loop_epoch(X, y, 1)[2],
              run.labs_loop_epoch(X, y, 1, input_grad=True)[2]]
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    assert losses[1] == losses[2]


def test_flop_count_of_the_epoch(run):
    """Forward 2N(784*256 + 256*10); model = 3x forward; the unused dX of layer 1 is 2N*256*784."""
    f = run.mlp_flops(1)
    assert f["forward"] == 2 * (784 * 256 + 256 * 10)
    assert f["model"] == 3 * f["forward"]
    assert f["needed"] == f["model"] - 2 * 256 * 784


@pytest.mark.parametrize("name", ["results.json", "results-1thread.json"])
def test_recorded_verdicts_follow_from_the_recorded_figures(run, name):
    res = json.loads((BENCH / name).read_text())
    assert run.targets(res) == res["targets"]
    fit = res["mlp"]["variants"]["labs fit"]
    assert fit["seconds"] == pytest.approx(float(np.median(fit["runs"])))
    assert not res["meta"]["quick"]


def test_results_md_holds_the_tables_of_the_recorded_runs(run):
    """RESULTS.md was regenerated from the JSON files that are committed beside it."""
    import report

    text = (BENCH / "RESULTS.md").read_text()
    for name in ("results.json", "results-1thread.json"):
        block = report.markdown(json.loads((BENCH / name).read_text()), name)
        assert block in text, f"RESULTS.md is stale for {name}: run benchmarks/report.py"
