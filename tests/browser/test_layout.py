"""Code, equations and figures that fit the page (issue 11), on every page of the built book.

Measured during each page's one visit (booksite.py): at 1280 x 900, every ``<pre>`` of the main
column (cell inputs and printed outputs, hidden ones opened) and whether it scrolls sideways, and
every PNG figure's pixel width, dpi and displayed width; at 390 x 844, every display equation and
whether it is clipped (scrolling in its own box is fine). The counts per page are printed at the
end of the run and kept in ``_build/screenshots/report.json``.
"""

from __future__ import annotations

import pytest
from booksite import MIN_TEXT_PX, PAGES, SITE, displayed_text_px, page_id, smallest_font_pt

# Issue 11: no page heavier than the heaviest page before it (chapter 1's HTML, 1.89 MB, mostly the
# PNG frames of its animation); the HTML file, the measure used there.
PAGE_BUDGET_BYTES = 1_890_000
PARAMS = pytest.mark.parametrize(
    "name", [pytest.param(p, marks=pytest.mark.xdist_group(p)) for p in PAGES or ["(no built book)"]], ids=page_id)


def _lines(items) -> str:
    return "\n  " + "\n  ".join(map(str, items))


@PARAMS
def test_no_code_block_scrolls_sideways_at_1280(site_page, name):
    code = site_page(name).code_blocks
    wide = code["scrolling"]
    longest = [f"{w['chars']}: {w['line']}" for w in wide[:10]]
    assert not wide, (f"{name}: {len(wide)} of {code['blocks']} code blocks scroll sideways at 1280 px "
                      f"(longest line of each, in characters){_lines(longest)}")


@PARAMS
def test_no_display_equation_is_clipped_at_390(site_page, name):
    eq = site_page(name).equations
    clipped = eq.get("clipped", [])
    assert not clipped, (f"{name}: {len(clipped)} of {eq['equations']} display equations are clipped at "
                         f"{eq['window_width']} px{_lines(clipped[:10])}")


@PARAMS
def test_figure_text_is_at_least_9_css_px(site_page, name):
    font = smallest_font_pt()
    figures = [f for f in site_page(name).figures if (f.get("software") or "").startswith("Matplotlib")]
    if not figures:
        pytest.skip("no matplotlib figures on this page")
    shown = [f for f in figures if f["displayed_width"] > 0 and f["dpi"]]
    small = [(round(displayed_text_px(f, font), 1), f["natural_width"], round(f["dpi"]), round(f["displayed_width"]),
              f["alt"][:60]) for f in shown if displayed_text_px(f, font) < MIN_TEXT_PX]
    assert not small, (f"{name}: figures whose {font:g}-pt text shows under {MIN_TEXT_PX:g} CSS px at 1280 px "
                       f"(px, image width, dpi, shown width, alt){_lines(small)}")


@PARAMS
def test_page_weight_within_budget(name):
    size = (SITE / name).stat().st_size
    assert size <= PAGE_BUDGET_BYTES, f"{name}: its HTML weighs {size / 1e6:.2f} MB, over {PAGE_BUDGET_BYTES / 1e6} MB"
