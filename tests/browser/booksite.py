"""What the browser tests know about the built book, and how they visit a page.

The tests use the HTML the strict build wrote (``_build/html``; another folder with
``BOOK_HTML=path``), served on localhost by a thread of this process, in Debian's
Chromium driven by Playwright (``CHROMIUM=path`` for another binary; Playwright never
downloads a browser here). Every request to another host is refused and counted as a
failure: the book must work with no network.

Each page is loaded once (``site_page(name)``); every check, image, math, widgets,
static twins, buttons and axe-core, reads what that visit recorded, and a screenshot
of every page goes to ``_build/screenshots/``. The run ends by printing that folder and
writing ``_build/screenshots/report.json`` (per page: console errors, failed requests,
axe violations).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = SITE.parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_MISSING = (
    f"Chromium not found at {CHROMIUM}: install it with `sudo apt-get install chromium` "
    "(Debian/Ubuntu; the browser tests use the system's Chromium and never download one)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
    "--metrics-recording-only",
    "--mute-audio",
]
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # where display equations are checked (tests/browser/test_layout.py)
STYLE = ROOT / "labs" / "course.mplstyle"
MIN_TEXT_PX = 9.0  # CSS px: the smallest text of a figure, shown at 1280 px, at least this
SKIPPED_DIRS = {"_static", "_sources", "_images", "reports", "_downloads"}


def built_pages(site: Path = SITE) -> list[str]:
    """Every HTML page of the built book, as paths relative to the site root."""
    if not (site / "index.html").is_file():
        return []
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if SKIPPED_DIRS.isdisjoint(rel.parts[:-1]):
            pages.append(rel.as_posix())
    return pages


PAGES = built_pages()


def screenshot_name(page: str) -> str:
    return page.removesuffix(".html").replace("/", "__") + ".png"


# --- the site on localhost ---------------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".woff2": "font/woff2",
                      ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf", ".svg": "image/svg+xml",
                      ".json": "application/json"}

    def log_message(self, format, *args):  # quiet: the tests report what matters
        pass


# --- Chromium ----------------------------------------------------------------------------

def chromium_or_fail():
    """Fail (under CI) or skip (on a developer's machine) with a plain message when Chromium is absent."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING + "; skipped because CI is not set (under CI=true this is a failure)")


# --- one visit per page, recorded -----------------------------------------------------

@dataclass
class Visit:
    """What one visit of a page recorded."""

    page: str
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)  # to another host: refused
    load_seconds: float = 0.0
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    widgets: dict = field(default_factory=dict)
    twins: list[dict] = field(default_factory=list)
    buttons: dict = field(default_factory=dict)
    axe_violations: list[dict] = field(default_factory=list)
    screenshot: str = ""
    errors_after_interaction: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    code_blocks: dict = field(default_factory=dict)  # at 1280 px: how many, which scroll sideways
    equations: dict = field(default_factory=dict)  # at 390 px: how many, which are clipped
    figures: list[dict] = field(default_factory=list)  # PNG figures: pixels, dpi, displayed width
    weight: dict = field(default_factory=dict)  # bytes: the HTML file, and everything the page loaded


_JS_WAIT_READY = """async () => {
  // MathJax 3 typesets after load: wait for it (and for any pending typesetting).
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  return true;
}"""

_JS_MATH = """() => {
  const skip = 'pre, code, script, style, textarea, .highlight, mjx-container, mjx-assistive-mml';
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll(skip).forEach(e => e.remove());
  const text = clone.textContent;
  const raw = [];
  for (const pat of [/\\$\\$/g, /\\\\\\(/g, /\\\\\\[/g, /\\\\begin\\{/g]) {
    let m; while ((m = pat.exec(text)) !== null) { raw.push(text.slice(Math.max(0, m.index - 40), m.index + 60)); }
  }
  const mathNodes = Array.from(document.querySelectorAll('span.math, div.math'));
  return {
    math_nodes: mathNodes.length,
    unrendered: mathNodes.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    containers: document.querySelectorAll('mjx-container').length,
    errors: Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    raw_tex_in_text: raw.slice(0, 10),
    mathjax_loaded: !!(window.MathJax && window.MathJax.version),
    mathjax_version: window.MathJax && window.MathJax.version || null,
  };
}"""

_JS_IMAGES = """() => Array.from(document.images).map(img => ({
  src: (img.currentSrc || img.src || '').startsWith('data:') ? 'data:…' : (img.currentSrc || img.src),
  id: img.id || null,
  alt: img.getAttribute('alt'),
  complete: img.complete,
  natural_width: img.naturalWidth,
  visible: !!(img.offsetWidth || img.offsetHeight || img.getClientRects().length),
}))"""

_JS_WIDGETS = """() => {
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const stateTag = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  let state = {};
  try { state = stateTag ? JSON.parse(stateTag.textContent).state : {}; } catch (e) { state = {}; }
  const rendered = views.map(v => {
    const host = v.parentElement;
    const widget = host ? host.querySelector('.jupyter-widgets, .widget-box, .widget-slider, .lm-Widget') : null;
    const box = widget ? widget.getBoundingClientRect() : null;
    let id = null; try { id = JSON.parse(v.textContent).model_id; } catch (e) {}
    return {model_id: id, rendered: !!widget, width: box ? box.width : 0, height: box ? box.height : 0};
  });
  // The value each slider was saved at, as its readout shows it (a selection slider shows its label).
  const sliders = Object.entries(state)
    .filter(([id, m]) => /SliderModel$/.test(m.model_name) && !/Range/.test(m.model_name))
    .filter(([id, m]) => m.state.readout !== false)
    .map(([id, m]) => ({id, model: m.model_name, description: m.state.description,
      value: /Selection/.test(m.model_name) ? (m.state._options_labels || [])[m.state.index] : m.state.value}));
  const readouts = Array.from(document.querySelectorAll('.widget-slider .widget-readout'))
    .map(e => e.value !== undefined && e.tagName === 'INPUT' ? e.value : e.textContent.trim());
  const outputImages = Array.from(document.querySelectorAll('.jupyter-widgets img, .widget-output img'))
    .filter(img => img.complete && img.naturalWidth > 0).length;
  return {views: rendered, sliders, readouts, output_images: outputImages};
}"""

_JS_BUTTONS = """() => ({
  launch: Array.from(document.querySelectorAll('.dropdown-launch-buttons a')).map(a => a.href),
  download_source: Array.from(document.querySelectorAll('.btn-download-source-button'))
    .map(a => a.getAttribute('href')),
  download_pdf: document.querySelectorAll('.btn-download-pdf-button').length,
  repository: Array.from(document.querySelectorAll('.btn-source-repository-button')).map(a => a.href),
  issues: Array.from(document.querySelectorAll('.btn-source-issues-button')).map(a => a.href),
})"""

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_JS_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, help_url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact, html: n.html.slice(0, 200)})),
  }));
}"""


# Every <pre> of the page's main column (cell inputs, printed outputs), with the <details> of
# hidden code opened so that they are measured too; which of them scroll sideways.
_JS_CODE_BLOCKS = """() => {
  const main = document.querySelector('main') || document.body;
  const closed = Array.from(main.querySelectorAll('details:not([open])'));
  closed.forEach(d => d.open = true);
  const blocks = Array.from(main.querySelectorAll('pre')).filter(e => e.getClientRects().length);
  const wide = blocks.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => {
    const longest = e.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '');
    return {chars: longest.length, line: longest.slice(0, 100)};
  });
  closed.forEach(d => d.open = false);
  return {blocks: blocks.length, scrolling: wide};
}"""

# A display equation is clipped when its content reaches beyond the window, or beyond a box that
# hides its overflow, without a box around it that scrolls (scrolling in its own box is fine).
_JS_EQUATIONS = """() => {
  const width = document.documentElement.clientWidth;
  const eqs = Array.from(document.querySelectorAll('mjx-container[display="true"]'));
  const clipped = [];
  for (const e of eqs) {
    const inner = (e.querySelector('mjx-math') || e).getBoundingClientRect();
    let scrolls = false, cut = inner.right > width + 1 || inner.left < -1;
    for (let n = e; n && n !== document.body; n = n.parentElement) {
      const style = getComputedStyle(n), box = n.getBoundingClientRect();
      if (/(auto|scroll)/.test(style.overflowX) && n.scrollWidth > n.clientWidth) { scrolls = true; break; }
      if (/(hidden|clip)/.test(style.overflowX) && (inner.right > box.right + 1 || inner.left < box.left - 1)) {
        cut = true;
      }
    }
    if (cut && !scrolls) {
      const mml = e.querySelector('mjx-assistive-mml');
      clipped.push({width: Math.round(inner.width), text: (mml ? mml.textContent : e.textContent).slice(0, 80)});
    }
  }
  return {equations: eqs.length, clipped, window_width: width};
}"""

# Every displayed PNG of the main column: its pixel width, the dpi matplotlib wrote into it (pHYs)
# and whether matplotlib made it (tEXt Software), and the CSS width it is shown at.
_JS_FIGURES = """async () => {
  const main = document.querySelector('main') || document.body;
  const out = [];
  for (const img of Array.from(main.querySelectorAll('img'))) {
    const src = img.currentSrc || img.src;
    const rec = {src: src.startsWith('data:') ? 'data:…' + src.slice(-24) : src, alt: (img.alt || '').slice(0, 80),
                 natural_width: img.naturalWidth, displayed_width: img.getBoundingClientRect().width,
                 dpi: null, software: null};
    try {
      const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
      const view = new DataView(bytes.buffer);
      if (bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
        for (let at = 8; at + 8 <= bytes.length;) {
          const len = view.getUint32(at), type = String.fromCharCode(...bytes.slice(at + 4, at + 8));
          if (type === 'IDAT' || type === 'IEND') break;
          if (type === 'pHYs' && bytes[at + 16] === 1) rec.dpi = view.getUint32(at + 8) * 0.0254;
          if (type === 'tEXt') {
            const text = String.fromCharCode(...bytes.slice(at + 8, at + 8 + len));
            if (text.startsWith('Software')) rec.software = text.slice(9);
          }
          at += 12 + len;
        }
      }
    } catch (e) { rec.error = String(e); }
    out.push(rec);
  }
  return out;
}"""


_JS_WEIGHT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {html: nav ? nav.encodedBodySize : null, requests: res.length,
          total: (nav ? nav.encodedBodySize : 0) + res.reduce((a, r) => a + (r.encodedBodySize || 0), 0)};
}"""


def _layout_check(page, visit: Visit) -> None:
    """Code blocks and figures at the desktop width, then display equations at the phone width."""
    visit.weight = page.evaluate(_JS_WEIGHT)
    visit.code_blocks = page.evaluate(_JS_CODE_BLOCKS)
    visit.figures = page.evaluate(_JS_FIGURES)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    visit.equations = page.evaluate(_JS_EQUATIONS)
    page.set_viewport_size(VIEWPORT)


def _twin_check(page, visit: Visit) -> None:
    """Move every static twin's slider (keyboard, then to the last frame); record the frame shown."""
    twins = page.locator("div.book-twin")
    for i in range(twins.count()):
        twin = twins.nth(i)
        img, slider = twin.locator("img").first, twin.locator('input[type="range"]').first
        record = {"index": i, "frames": None, "changed_by_key": False, "changed_by_drag": False}
        if img.count() == 0 or slider.count() == 0:
            record["error"] = "no frame image or no slider"
            visit.twins.append(record)
            continue
        twin.scroll_into_view_if_needed()
        record["frames"] = int(slider.get_attribute("max") or 0) + 1
        first = img.get_attribute("src")
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
        record["changed_by_key"] = img.get_attribute("src") != first
        record["shown_after_key"] = twin.locator("output").first.inner_text()
        slider.fill(str(record["frames"] - 1))  # as if dragged to the end; fires the input event
        page.wait_for_timeout(50)
        record["changed_by_drag"] = img.get_attribute("src") != first
        record["value_after"] = slider.input_value()
        visit.twins.append(record)


def _wait_until_quiet(page, inflight: set, quiet_s: float = 0.5, limit_s: float = 15.0) -> bool:
    """Wait until no request has been open for ``quiet_s`` (Playwright's own "networkidle" sometimes
    never comes with nothing in flight). False if requests are still open after ``limit_s``."""
    deadline, quiet_since = time.monotonic() + limit_s, None
    while time.monotonic() < deadline:
        if inflight:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return True
        page.wait_for_timeout(100)
    return False


class SiteVisitor:
    """Loads each page once and records everything the tests check."""

    def __init__(self, browser, site_url: str):
        self.browser, self.site_url = browser, site_url
        self.host = urlsplit(site_url).netloc
        self.visits: dict[str, Visit] = {}
        self.broken: dict[str, str] = {}  # page -> why its visit failed
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> Visit:
        if name not in self.visits and name not in self.broken:
            try:
                self.visits[name] = self._visit(name)
            except Exception as exc:  # every check of the page reports it; the page is not visited again
                self.broken[name] = f"{type(exc).__name__}: {exc}"
        if name in self.broken:
            pytest.fail(f"{name}: the visit in Chromium failed: {self.broken[name]}", pytrace=False)
        return self.visits[name]

    def _route(self, visit: Visit):
        def handle(route):
            url = route.request.url
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != self.host:
                visit.blocked_requests.append(url)
                route.abort("internetdisconnected")
            else:
                route.continue_()
        return handle

    def _visit(self, name: str) -> Visit:
        url = self.site_url + name
        visit = Visit(page=name, url=url)
        context = self.browser.new_context(viewport=VIEWPORT, service_workers="block", reduced_motion="reduce")
        context.route("**/*", self._route(visit))
        page = context.new_page()
        errors = visit.console_errors
        page.on("console", lambda msg: errors.append(f"console.error: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on("requestfailed", lambda req: visit.failed_requests.append(
            f"{req.url.split('?')[0]} ({req.failure})") if urlsplit(req.url).netloc == self.host else None)
        page.on("response", lambda resp: visit.failed_requests.append(
            f"{resp.url.split('?')[0]} (HTTP {resp.status})") if resp.status >= 400 else None)
        inflight = set()
        page.on("request", lambda req: inflight.add(req))
        page.on("requestfinished", lambda req: inflight.discard(req))
        page.on("requestfailed", lambda req: inflight.discard(req))
        try:
            start = time.perf_counter()
            page.goto(url, wait_until="load", timeout=60_000)
            if not _wait_until_quiet(page, inflight):
                visit.notes.append(f"requests still open 15 s after load: {[r.url[:100] for r in inflight]}")
            page.evaluate(_JS_WAIT_READY)
            page.wait_for_timeout(200)  # widgets render on load; let their promises settle
            visit.load_seconds = round(time.perf_counter() - start, 2)
            visit.math = page.evaluate(_JS_MATH)
            visit.images = page.evaluate(_JS_IMAGES)
            visit.widgets = page.evaluate(_JS_WIDGETS)
            visit.buttons = page.evaluate(_JS_BUTTONS)
            shot = SCREENSHOTS / screenshot_name(name)
            page.screenshot(path=str(shot), full_page=True)
            visit.screenshot = str(shot)
            page.add_script_tag(path=str(AXE))
            visit.axe_violations = page.evaluate(_JS_AXE, AXE_TAGS)
            _layout_check(page, visit)
            seen = len(errors)
            _twin_check(page, visit)
            visit.errors_after_interaction = errors[seen:]
            del errors[seen:]
        finally:
            context.close()
        return visit

    def write_report(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        report = {n: asdict(v) for n, v in sorted(self.visits.items())}
        report.update({n: {"page": n, "visit_failed": why} for n, why in self.broken.items()})
        path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def fresh_screenshots_folder() -> None:
    """Empty the screenshots folder: no picture of a page the book no longer has."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


def merge_reports() -> tuple[Path, dict]:
    """Merge the per-process reports (one per pytest-xdist worker) into ``report.json``."""
    merged = {}
    for part in sorted(SCREENSHOTS.glob("report.*.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
        part.unlink()
    path = SCREENSHOTS / "report.json"
    path.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n", encoding="utf-8")
    return path, merged


def smallest_font_pt(style=STYLE) -> float:
    """The smallest font size (pt) the course's matplotlib style sets: ``font.size`` and the
    ``*titlesize``, ``*labelsize`` and ``*fontsize`` keys (not ``lines.markersize``)."""
    key = r"^[\w.]*(?:font\.size|titlesize|labelsize|fontsize):\s*([0-9.]+)\s*$"
    return min(float(m.group(1)) for m in re.finditer(key, style.read_text(encoding="utf-8"), re.MULTILINE))


def displayed_text_px(figure: dict, font_pt: float) -> float:
    """CSS px of ``font_pt`` text in a PNG ``natural_width`` pixels wide at ``dpi``, shown ``displayed_width`` wide.

    ``font_pt`` points are ``font_pt / 72 * dpi`` image pixels; the browser scales the image by
    ``displayed_width / natural_width``.
    """
    return font_pt / 72 * figure["dpi"] * figure["displayed_width"] / figure["natural_width"]


def layout_summary(visits: dict) -> dict:
    """Per page: code blocks that scroll sideways at 1280 px (of how many), display equations clipped
    at 390 px (of how many), and the smallest text of its matplotlib figures in CSS px."""
    font, summary = smallest_font_pt(), {}
    for name, v in sorted(visits.items()):
        if "code_blocks" not in v:
            continue
        figures = [f for f in v.get("figures", []) if (f.get("software") or "").startswith("Matplotlib")
                   and f.get("dpi") and f.get("displayed_width", 0) > 0]
        code, eq = v.get("code_blocks") or {}, v.get("equations") or {}
        summary[name] = {
            "code_blocks": code.get("blocks"), "code_blocks_scrolling": len(code.get("scrolling", [])),
            "display_equations": eq.get("equations"), "equations_clipped": len(eq.get("clipped", [])),
            "figures": len(figures),
            "html_bytes": (v.get("weight") or {}).get("html"), "loaded_bytes": (v.get("weight") or {}).get("total"),
            "smallest_figure_text_px": round(min(displayed_text_px(f, font) for f in figures), 1) if figures else None,
        }
    return summary


def page_id(name: str) -> str:
    """The test id of a page: its path without ``.html``."""
    return name.removesuffix(".html")
