"""Fixtures of the browser tests: the built book on localhost, Chromium, one recorded visit per page.

How a page is visited and what is recorded: booksite.py. The run ends by printing the
folder of screenshots (one per page, for a person to look at) and a per-page report.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest
from booksite import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    SCREENSHOTS,
    SITE,
    QuietHandler,
    SiteVisitor,
    chromium_or_fail,
    fresh_screenshots_folder,
    layout_summary,
    merge_reports,
)

_VISITORS: list[SiteVisitor] = []


@pytest.fixture(scope="session")
def site_url():
    """The built book served on 127.0.0.1, on a free port, for the whole session."""
    if not PAGES:
        pytest.fail(f"no built book at {SITE}: build it first (`make book`; `make test` builds it before these tests)",
                    pytrace=False)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (Playwright drives it; it never downloads a browser here)."""
    chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_page(browser, site_url):
    """``site_page("book/intro.html")`` -> the :class:`booksite.Visit` of that page (loaded once per session)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core missing ({AXE}): install the npm packages with `npm ci` (or `make assets`)",
                    pytrace=False)
    visitor = SiteVisitor(browser, site_url)
    _VISITORS.append(visitor)
    return visitor


def _is_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if not _is_xdist_worker(config):
        fresh_screenshots_folder()


def pytest_sessionfinish(session, exitstatus):
    """Each process (each pytest-xdist worker, or the only one) writes what its visits recorded."""
    if _VISITORS and (_VISITORS[0].visits or _VISITORS[0].broken):
        worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
        _VISITORS[0].write_report(SCREENSHOTS / f"report.{worker}.json")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _is_xdist_worker(config) or not any(SCREENSHOTS.glob("report.*.json")):
        return
    report, visits = merge_reports()
    tr = terminalreporter
    tr.section("the built book in Chromium")
    loaded = [v for v in visits.values() if "load_seconds" in v]
    if loaded:
        slow = max(loaded, key=lambda v: v["load_seconds"])
        tr.write_line(f"{len(loaded)} pages visited; slowest to load: {slow['page']} ({slow['load_seconds']} s)")
    for name, v in sorted(visits.items()):
        if "visit_failed" in v:
            tr.write_line(f"visit failed: {name}: {v['visit_failed']}")
    summary = layout_summary(visits)
    if summary:
        (SCREENSHOTS / "layout.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        tr.write_line("page: code blocks scrolling sideways at 1280 px / of all; display equations clipped at 390 px"
                      " / of all; smallest figure text (CSS px); HTML MB; MB loaded")
        for name, s in summary.items():
            mb = [f"{b / 1e6:.2f}" if b is not None else "?" for b in (s["html_bytes"], s["loaded_bytes"])]
            tr.write_line(f"  {name}: {s['code_blocks_scrolling']}/{s['code_blocks']}; "
                          f"{s['equations_clipped']}/{s['display_equations']}; {s['smallest_figure_text_px']}; "
                          f"{mb[0]}; {mb[1]}")
    tr.write_line(f"screenshots of every page, for a person to look at: {SCREENSHOTS}/")
    tr.write_line(f"per-page report (console errors, failed requests, axe violations): {report}")
