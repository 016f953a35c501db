"""The kernel-free explorers (labs/twins.py) in Chromium, offline, moved by the keyboard as a reader would.

* each slider changes the figure on its own (the other sliders stay where they are);
* for three (η, γ) settings of chapter 3, the readout the page shows equals ``labs``' own run
  of that setting, computed here, to 1e-6 relative (a diverged run: the same step);
* the time from a slider's input event to the redrawn chart (``data-render-ms``, written by
  book-explorers.js after the chart has drawn and the next frame) is measured for 8 moves of
  every slider and reported; its median must stay within 100 ms;
* screenshots of chapter 3's explorer at two settings go to ``_build/screenshots/``.
"""

from __future__ import annotations

import json
import re
import statistics
from urllib.parse import urlsplit

import numpy as np
import pytest
from booksite import PAGES, SCREENSHOTS, VIEWPORT

from labs.data import narrow_valley
from labs.explorers import momentum_optimum, momentum_run, momentum_settings

CH1 = "book/01_linear_regression.html"
CH3 = "book/03_gradient_descent_and_momentum.html"
RESPONSE_MS = 100.0
TIMES: dict[str, list[float]] = {}  # page -> every measured redraw, ms

# Chapter 3's valley, start and number of steps, as its notebook sets them up (the cell that
# defines `valley` and `w0`, and the explorer cell `widgets.momentum_twin(valley, w0=w0, steps=60)`).
CH3_VALLEY = narrow_valley(kappa=25.0, L=1.0, angle=np.pi / 8)
CH3_W0 = np.array([-3.5, -0.5])
CH3_STEPS = 60

pytestmark = pytest.mark.xdist_group("explorers")


class Explorer:
    """One explorer on an open page: move its sliders by keyboard, read what it shows."""

    def __init__(self, page, root):
        self.page, self.root = page, root

    def slider(self, param):
        return self.root.locator(f'input[type="range"][data-param="{param}"]')

    def value(self, param) -> int:
        return int(self.slider(param).input_value())

    def renders(self) -> int:
        return int(self.root.get_attribute("data-renders") or 0)

    def press(self, param, key) -> float:
        """Press ``key`` on the slider; wait for the redraw; return its time (ms)."""
        before = self.renders()
        self.slider(param).focus()
        self.page.keyboard.press(key)
        self.page.wait_for_function("([el, n]) => Number(el.dataset.renders) > n",
                                    arg=[self.root.element_handle(), before], timeout=10_000)
        ms = float(self.root.get_attribute("data-render-ms"))
        TIMES.setdefault(self.page.url, []).append(ms)
        return ms

    def move_to(self, param, k: int) -> None:
        while self.value(param) != k:
            self.press(param, "ArrowRight" if self.value(param) < k else "ArrowLeft")

    def readout(self) -> str:
        return self.root.locator(".book-explorer-readout").inner_text().strip()

    def chart(self) -> str:
        return self.root.locator(".book-explorer-chart svg").first.inner_html()

    def data(self) -> dict:
        return json.loads(self.root.locator("script.book-explorer-data").text_content())


@pytest.fixture(scope="module")
def open_page(browser, site_url):
    """``open_page(name)`` -> ``(page, errors)`` with the page's explorers drawn; other hosts refused."""
    contexts = []

    def open_(name):
        if name not in PAGES:
            pytest.fail(f"{name} is not in the built book", pytrace=False)
        context = browser.new_context(viewport=VIEWPORT, service_workers="block", reduced_motion="reduce")
        contexts.append(context)
        host = urlsplit(site_url).netloc
        context.route("**/*", lambda route: route.abort("internetdisconnected")
                      if urlsplit(route.request.url).netloc not in (host, "") else route.continue_())
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(site_url + name, wait_until="load", timeout=60_000)
        page.wait_for_function("() => { const e = document.querySelectorAll('.book-explorer');"
                               " return e.length > 0 && Array.from(e).every(x => Number(x.dataset.renders) > 0); }",
                               timeout=30_000)
        return page, errors

    yield open_
    for context in contexts:
        context.close()


def explorers(page):
    roots = page.locator(".book-explorer")
    return [Explorer(page, roots.nth(i)) for i in range(roots.count())]


@pytest.mark.parametrize("name, params", [(CH3, ["eta", "gamma"]), (CH1, ["eta"])], ids=["ch3", "ch1"])
def test_each_slider_changes_the_figure_on_its_own(open_page, name, params):
    page, errors = open_page(name)
    (ex,) = explorers(page)
    assert [s["name"] for s in ex.data()["sliders"]] == params
    for param in params:
        others = {p: ex.value(p) for p in params if p != param}
        chart, readout = ex.chart(), ex.readout()
        key = "ArrowLeft" if ex.value(param) == int(ex.slider(param).get_attribute("max")) else "ArrowRight"
        ex.press(param, key)
        assert ex.chart() != chart, f"{name}: moving the {param} slider did not change the chart"
        assert ex.readout() != readout, f"{name}: moving the {param} slider did not change the readout"
        assert {p: ex.value(p) for p in others} == others, f"{name}: moving {param} moved another slider"
    assert not errors, f"{name}: console errors: {errors}"


@pytest.mark.parametrize("name", [CH3, CH1], ids=["ch3", "ch1"])
def test_sliders_are_labelled_and_show_their_values(open_page, name):
    page, _ = open_page(name)
    (ex,) = explorers(page)
    for s in ex.data()["sliders"]:
        slider = ex.slider(s["name"])
        sid = slider.get_attribute("id")
        label = ex.root.locator(f'label[for="{sid}"]').inner_text().strip()
        shown = ex.root.locator(f'output[for="{sid}"]').inner_text().strip()
        expected = s["values"][ex.value(s["name"])]
        assert label, f"{name}: slider {s['name']} has no label"
        assert shown == expected == slider.get_attribute("aria-valuetext"), (
            f"{name}: slider {s['name']} shows {shown!r}, says {slider.get_attribute('aria-valuetext')!r}, "
            f"expected {expected!r}")


def _index(grid, value):
    k = int(np.argmin(np.abs(grid - value)))
    assert np.isclose(grid[k], value), f"{value} is not on the grid {grid}"
    return k


_NUMBER = re.compile(r"C after (\d+) steps = ([-+0-9.e]+)$")
_DIVERGED = re.compile(r"diverged after (\d+) steps$")


def test_readout_equals_labs_for_three_settings(open_page):
    """Move the sliders to (η*, γ*), (η*, 0) and (0.4, 0.8); the readout equals labs' run of that setting."""
    page, errors = open_page(CH3)
    (ex,) = explorers(page)
    lrs, gammas = momentum_settings(CH3_VALLEY)
    lr_star, gamma_star = momentum_optimum(CH3_VALLEY)
    settings = [(lr_star, gamma_star), (lr_star, 0.0), (0.4, 0.8)]
    checked = []
    for lr, gamma in settings:
        i, j = _index(lrs, lr), _index(gammas, gamma)
        ex.move_to("eta", i)
        ex.move_to("gamma", j)
        shown = ex.readout()
        run = momentum_run(CH3_VALLEY, CH3_W0, lrs[i], gammas[j], CH3_STEPS)
        assert shown.startswith(f"η = {lrs[i]:.3g}, γ = {gammas[j]:.2f}: "), shown
        if run.diverged:
            m = _DIVERGED.search(shown)
            assert m and int(m.group(1)) == run.diverged_after, f"page: {shown!r}; labs: {run.diverged_after}"
        else:
            m = _NUMBER.search(shown)
            assert m, f"no loss in the readout {shown!r}"
            assert int(m.group(1)) == CH3_STEPS
            assert float(m.group(2)) == pytest.approx(run.final_loss, rel=1e-6), (
                f"page: {shown!r}; labs: {run.final_loss!r}")
        checked.append((lr, gamma, shown, run.diverged))
    assert {d for *_, d in checked} == {True, False}, "the three settings include a diverging and a converging run"
    assert not errors, f"console errors: {errors}"


def test_screenshots_of_chapter_3_explorer_at_two_settings(open_page):
    page, _ = open_page(CH3)
    (ex,) = explorers(page)
    lrs, gammas = momentum_settings(CH3_VALLEY)
    lr_star, gamma_star = momentum_optimum(CH3_VALLEY)
    for lr, gamma in [(lr_star, 0.0), (lr_star, gamma_star)]:
        ex.move_to("eta", _index(lrs, lr))
        ex.move_to("gamma", _index(gammas, gamma))
        path = SCREENSHOTS / f"explorer_ch3_eta{lr:.2f}_gamma{gamma:.2f}.png"
        ex.root.scroll_into_view_if_needed()
        ex.root.screenshot(path=str(path))
        assert path.is_file() and path.stat().st_size > 0


def test_redraw_time_is_within_100_ms(open_page):
    """Every slider of both explorers, 8 keyboard moves each; the median redraw within 100 ms.

    The numbers (and every move the other tests made) go to ``_build/screenshots/explorers.json``.
    """
    own = {}
    for name in (CH3, CH1):
        page, _ = open_page(name)
        (ex,) = explorers(page)
        for s in ex.data()["sliders"]:
            ex.move_to(s["name"], 0)
            own[f"{name} {s['name']}"] = [ex.press(s["name"], "ArrowRight") for _ in range(8)]
    times = [t for ts in own.values() for t in ts]
    report = {"moves": len(times), "median_ms": statistics.median(times), "max_ms": max(times),
              "per_slider": {k: {"median_ms": statistics.median(v), "max_ms": max(v)} for k, v in own.items()},
              "every_move_of_these_tests_ms": TIMES}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "explorers.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"explorer redraw: median {report['median_ms']:.1f} ms, max {report['max_ms']:.1f} ms, {len(times)} moves")
    assert report["median_ms"] <= RESPONSE_MS, f"explorer redraws take {report['median_ms']:.0f} ms (median)"
