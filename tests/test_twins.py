"""labs.twins: the kernel-free explorers carry labs' own runs of every setting, in a spec Vega-Lite reads."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from labs import twins
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

alt = pytest.importorskip("altair")
ROOT = Path(__file__).resolve().parents[1]
VALLEY = narrow_valley(kappa=25.0, L=1.0, angle=np.pi / 8)
W0 = np.array([-3.5, -0.5])


def explorer_data(html):
    raw = re.search(r'<script type="application/json" class="book-explorer-data">(.*?)</script>', html).group(1)
    return json.loads(raw.replace("<\\/", "</"))


@pytest.fixture(scope="module")
def ch3():
    return twins.momentum_twin(VALLEY, w0=W0, steps=60).data


def test_every_setting_of_the_grid_is_labs_own_run(ch3):
    data = explorer_data(ch3)
    lrs, gammas = momentum_settings(VALLEY)
    assert [s["name"] for s in data["sliders"]] == ["eta", "gamma"]
    assert data["sliders"][0]["values"] == [f"{v:.3g}" for v in lrs]
    assert data["sliders"][1]["values"] == [f"{v:.2f}" for v in gammas]
    rows = {(r["i"], r["j"]): r for r in data["spec"]["datasets"]["runs"]}
    assert len(rows) == len(data["readouts"]) == len(lrs) * len(gammas)
    for (i, j) in [(0, 0), (len(lrs) - 1, 0), (5, 7)] + [(int(np.argmin(abs(lrs - momentum_optimum(VALLEY)[0]))), 5)]:
        run = momentum_run(VALLEY, W0, lrs[i], gammas[j], 60)
        assert data["readouts"][i * len(gammas) + j] == momentum_readout(run)
        assert rows[i, j]["C"] == pytest.approx(list(run.losses), rel=5e-3)  # drawn to 3 digits
        if not run.diverged:
            assert rows[i, j]["x"] == pytest.approx(list(run.W[:, 0]), rel=1e-3, abs=1e-12)


def test_it_starts_at_eta_star_without_momentum_and_its_sliders_are_labelled(ch3):
    data = explorer_data(ch3)
    lrs, _ = momentum_settings(VALLEY)
    params = {p["name"]: p["value"] for p in data["spec"]["params"]}
    assert lrs[params["eta"]] == pytest.approx(momentum_optimum(VALLEY)[0]) and params["gamma"] == 0
    for name, k in params.items():
        sid = re.search(rf'<input type="range" id="([^"]+)" data-param="{name}"', ch3).group(1)
        text = data["sliders"][[s["name"] for s in data["sliders"]].index(name)]["values"][k]
        assert re.search(rf'<label for="{sid}">[^<]+</label>', ch3)
        assert f'value="{k}" aria-valuetext="{text}"><output for="{sid}">{text}</output>' in ch3
    assert 'role="status"' in ch3 and "η = 2.78, γ = 0.00: diverged after" in ch3


def test_the_spec_is_valid_vega_lite_of_the_version_the_book_serves(ch3):
    spec = explorer_data(ch3)["spec"]
    npm = json.loads((ROOT / "package.json").read_text())["dependencies"]["vega-lite"]
    assert spec["$schema"].endswith(f"/v{npm}.json"), (spec["$schema"], npm)
    alt.HConcatChart.from_dict(spec, validate=True)  # raises on anything the schema does not allow
    assert not re.search(r"https?://(?!vega\.github\.io/schema)", json.dumps(spec)), "no remote data or assets"


def test_the_chapter_1_twin_has_one_slider_over_its_rates():
    bowl = Quadratic(A=np.array([[1.0, 0.2], [0.2, 0.3]]), w_star=np.array([2.0, 0.5]))
    html = twins.learning_rate_twin(bowl, np.array([-1.0, 3.0]), steps=50, factors=[0.1]).data
    data = explorer_data(html)
    lrs = learning_rate_settings(bowl, [0.1])
    assert [s["name"] for s in data["sliders"]] == ["eta"] and len(data["sliders"][0]["values"]) == len(lrs) >= 30
    assert data["readouts"] == [learning_rate_readout(learning_rate_run(bowl, [-1.0, 3.0], lr, 50), bowl.L)
                                for lr in lrs]
    assert lrs[data["spec"]["params"][0]["value"]] == pytest.approx(1 / bowl.L, rel=0.05)


def test_explorer_html_rejects_readouts_that_do_not_match_the_grid():
    sliders = [{"name": "a", "label": "a", "values": ["1", "2"], "value": 0}]
    with pytest.raises(ValueError, match="one string per setting"):
        twins.explorer_html({}, sliders, ["only one"], "chart")
