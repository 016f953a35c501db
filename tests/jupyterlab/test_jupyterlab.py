"""The notebooks in JupyterLab, as a self-learner uses them (``make lab``).

A real ``jupyter lab`` (the pinned one, with jupyterlab-myst) on 127.0.0.1, driven in Debian's
Chromium by Playwright (labserver.py):

* chapter 3 and lab 1: Run All Cells, and no cell ends in a traceback;
* chapter 3's explorer: moving each slider with the keyboard redraws its figure;
* every chapter: the MyST left raw in its rendered markdown, counted per chapter (printed, and
  written to ``_build/jupyterlab/raw_myst.json``). Raw role *syntax* (``{eq}`...```) must be
  none: jupyterlab-myst renders it. What jupyterlab-myst cannot resolve is counted and reported:
  glued numbers (shown as their key), citations and figure references it cannot find.

Run-all times are printed (the terminal summary) and stored with the counts. Skipped with a
plain message when Chromium is missing on a developer's machine; a failure under CI=true.
All tests share one server and one browser, and one xdist worker (group "jupyterlab").
"""

from __future__ import annotations

import json
import re
import time

import pytest
from labserver import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    LabServer,
    chromium_or_skip,
    close_notebook,
    open_notebook,
    run_all,
    tracebacks,
)

pytestmark = [pytest.mark.xdist_group("jupyterlab"), pytest.mark.slow]

CHAPTER = "book/03_gradient_descent_and_momentum.ipynb"
LAB = "book/lab_notebooks/lab01_linear_regression.ipynb"
CHAPTERS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "book").glob("0*.ipynb"))
REPORT = ROOT / "_build" / "jupyterlab" / "raw_myst.json"
RESULTS: dict = {"run_all_seconds": {}, "raw_myst": {}}


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory):
    """One JupyterLab server (on a copy of book/) and one Chromium page for the whole module."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    server.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())  # offline
            yield server, page
            browser.close()
    finally:
        server.stop()
        if RESULTS["run_all_seconds"] or RESULTS["raw_myst"]:
            REPORT.parent.mkdir(parents=True, exist_ok=True)
            REPORT.write_text(json.dumps(RESULTS, indent=1, sort_keys=True))


def test_jupyterlab_myst_extension_is_installed_and_compatible():
    """jupyterlab-myst must load: JupyterLab 4.6 ships @jupyter/ydoc 4 and flags jupyterlab-myst 2.7 incompatible."""
    listing = LabServer.labextensions()
    assert "jupyterlab-myst" in listing, listing
    assert "not compatible" not in listing, listing


def _run(server, page, path):
    open_notebook(page, server, path)
    seconds, state = run_all(page)
    RESULTS["run_all_seconds"][path] = round(seconds, 1)
    print(f"{path}: Run All Cells in {seconds:.1f} s, {len(state['cells'])} code cells")
    return state


def test_chapter_runs_all_cells_without_a_traceback(lab_page):
    server, page = lab_page
    state = _run(server, page, CHAPTER)
    assert tracebacks(state) == []
    not_run = [i for i, c in enumerate(state["cells"]) if c["count"] is None]
    assert not_run == [], f"code cells {not_run} of {CHAPTER} did not run (kernel {state['status']})"


def test_chapter_explorer_sliders_redraw_the_figure(lab_page):
    """Each slider of the chapter's live explorer, moved with the keyboard, changes the figure below it."""
    server, page = lab_page
    if page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell.currentWidget)") is False:
        pytest.skip("the chapter is not open (the run-all test failed first)")
    sliders = page.locator(".jp-OutputArea-output .widget-slider")
    assert sliders.count() >= 1, f"{CHAPTER}: no live explorer slider after Run All"
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        box = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
        image = box.locator(".widget-output img").first
        before_src, before_value = image.get_attribute("src"), slider.locator(".widget-readout").inner_text()
        handle = slider.locator(".noUi-handle")
        handle.focus()
        for _ in range(3):
            handle.press("ArrowLeft" if i == 0 else "ArrowRight")
        page.wait_for_function("([el, src]) => { const img = el.querySelector('.widget-output img');"
                               " return img && img.src !== src; }", arg=[box.element_handle(), before_src],
                               timeout=30_000)
        after_value = slider.locator(".widget-readout").inner_text()
        assert after_value != before_value, f"slider {i}: value stayed {before_value}"


def test_lab_runs_all_cells_without_a_traceback(lab_page):
    server, page = lab_page
    close_notebook(page)
    state = _run(server, page, LAB)
    assert tracebacks(state) == []
    not_run = [i for i, c in enumerate(state["cells"]) if c["count"] is None]
    assert not_run == [], f"code cells {not_run} of {LAB} did not run (kernel {state['status']})"
    close_notebook(page)


# --- raw MyST in the rendered markdown -----------------------------------------------------------

ROLE = re.compile(r"\{([a-zA-Z][\w:+.-]*)\}`([^`]*)`")

# Per markdown cell: its source, the text a reader sees (MathJax/KaTeX output left out), whether
# jupyterlab-myst rendered it, and the targets jupyterlab-myst marks as not found.
JS_MARKDOWN = r"""() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.filter(c => c.model.type === 'markdown').map(c => {
    const host = c.node.querySelector('.jp-MarkdownOutput, .myst');
    let text = '';
    if (host) {
      const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        if (t.parentElement.closest('.katex, mjx-container, .MathJax, script, style')) continue;
        text += t.nodeValue;
      }
    }
    return {source: c.model.sharedModel.getSource(), text,
            myst: !!c.node.querySelector('.myst'),
            not_found: host ? Array.from(host.querySelectorAll('[title$="Not Found"], [title*="not found"]'))
                                   .map(e => e.textContent.trim()) : []};
  });
}"""


def count_raw_myst(cells: list[dict]) -> dict:
    """Per kind of role: how many of the chapter's roles a reader sees raw in JupyterLab.

    A role is raw when its syntax shows (``{name}`` before its target: nothing rendered it), or,
    rendered by jupyterlab-myst, when its target shows instead of what it stands for: a glued value's
    key (``{glue:text}`ch3_kappa:.0f``` shown as "ch3_kappa:.0f"), an inline expression not yet
    evaluated (``{eval}`f"{ch3_kappa:.0f}"```: its value shows once the cells have run), or a
    citation or reference that jupyterlab-myst marks as not found.
    """
    raw: dict[str, int] = {}
    for cell in cells:
        text, not_found = cell["text"], list(cell["not_found"])
        for m in ROLE.finditer(cell["source"]):
            name, target = m.group(1), m.group(2)
            label = re.sub(r"^.*<([^>]+)>$", r"\1", target)
            shown = False
            if "{" + name + "}" + target in text or m.group(0) in text:  # inline code, or a code block
                shown = True
            elif (name.startswith("glue") or name == "eval") and target in text:
                shown = True
            else:
                for key in (label, *label.split(",")):
                    if key.strip() in not_found:
                        not_found.remove(key.strip())
                        shown = True
                        break
            if shown:
                raw[name] = raw.get(name, 0) + 1
    return raw


def test_raw_myst_left_in_every_chapter(lab_page):
    """Counted per chapter; raw role syntax must be zero (jupyterlab-myst renders every chapter's markdown)."""
    server, page = lab_page
    syntax_left = {}
    for path in CHAPTERS:
        start = time.monotonic()
        open_notebook(page, server, path, kernel=False)
        cells = page.evaluate(JS_MARKDOWN)
        raw = count_raw_myst(cells)
        roles = sum(len(ROLE.findall(c["source"])) for c in cells)
        RESULTS["raw_myst"][path] = {"roles": roles, "raw": raw, "raw_total": sum(raw.values()),
                                     "rendered_by_myst": sum(c["myst"] for c in cells), "markdown_cells": len(cells)}
        print(f"{path}: {sum(raw.values())} of {roles} roles raw {raw} ({time.monotonic() - start:.1f} s)")
        syntax = sorted({"{" + m.group(1) + "}" for c in cells for m in ROLE.finditer(c["source"])
                         if "{" + m.group(1) + "}" in c["text"]})
        if syntax or not any(c["myst"] for c in cells):
            syntax_left[path] = syntax or ["markdown not rendered by jupyterlab-myst"]
        close_notebook(page)
    assert syntax_left == {}, f"raw MyST role syntax visible in JupyterLab: {syntax_left}"


def test_count_raw_myst_sees_what_a_reader_sees():
    """The counter itself, on cells as JupyterLab shows them with and without jupyterlab-myst."""
    source = "At {glue:text}`k:.2f` the rate is fine, see {eq}`eq-a` and {cite:p}`smith2020`."
    plain = {"source": source, "myst": False, "not_found": [],
             "text": "At {glue:text}k:.2f the rate is fine, see {eq}eq-a and {cite:p}smith2020."}
    myst = {"source": source, "myst": True, "not_found": ["smith2020"],
            "text": "At k:.2f the rate is fine, see (1) and smith2020."}
    glued = {"source": source, "myst": True, "not_found": [],
             "text": "At 0.25 the rate is fine, see (1) and (Smith, 2020)."}
    evaluated = {"source": 'At {eval}`f"{k:.2f}"` the rate', "myst": True, "not_found": [], "text": "At 0.25 the rate"}
    pending = {**evaluated, "text": 'At f"{k:.2f}" the rate'}
    assert count_raw_myst([plain]) == {"glue:text": 1, "eq": 1, "cite:p": 1}
    assert count_raw_myst([myst]) == {"glue:text": 1, "cite:p": 1}
    assert count_raw_myst([glued]) == {}
    assert count_raw_myst([evaluated]) == {} and count_raw_myst([pending]) == {"eval": 1}
