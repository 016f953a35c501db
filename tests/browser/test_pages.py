"""Every page of the built book, in Chromium, with no network: see conftest.py for how it is visited."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from booksite import PAGES, ROOT, SITE, page_id

# Under pytest-xdist (`--dist loadgroup`, as `make browser` runs them) all checks of a page run
# in one worker, which visits the page once.
PARAMS = pytest.mark.parametrize(
    "name", [pytest.param(p, marks=pytest.mark.xdist_group(p)) for p in PAGES or ["(no built book)"]], ids=page_id)
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
SERIOUS = {"serious", "critical"}


def _lines(items) -> str:
    return "\n  " + "\n  ".join(map(str, items))


@PARAMS
def test_no_console_errors(site_page, name):
    visit = site_page(name)
    assert not visit.console_errors, f"{name}: console errors{_lines(visit.console_errors)}"


@PARAMS
def test_no_failed_or_remote_requests(site_page, name):
    """Everything the page loads comes from the book's own files, and loads."""
    visit = site_page(name)
    assert not visit.blocked_requests, (
        f"{name}: requests to other hosts (the book must render with no network; serve these from "
        f"_static, see tools/book_html.py){_lines(visit.blocked_requests)}"
    )
    assert not visit.failed_requests, f"{name}: failed requests{_lines(visit.failed_requests)}"
    assert not visit.notes, f"{name}: {_lines(visit.notes)}"


@PARAMS
def test_math_is_rendered(site_page, name):
    m = site_page(name).math
    if m["math_nodes"]:
        assert m["mathjax_loaded"], f"{name}: the page has math but MathJax did not load"
        assert not m["unrendered"], f"{name}: math left unrendered by MathJax{_lines(m['unrendered'])}"
        assert not m["errors"], f"{name}: MathJax errors (bad TeX){_lines(m['errors'])}"
    assert not m["raw_tex_in_text"], f"{name}: raw TeX left in the text{_lines(m['raw_tex_in_text'])}"


_FILENAME_ALT = re.compile(r"\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


@PARAMS
def test_images_load_and_have_alt_text(site_page, name):
    images = site_page(name).images
    broken = [i["src"] or i["id"] for i in images if not (i["complete"] and i["natural_width"] > 0)]
    no_alt = [i["src"] or i["id"] for i in images if not (i["alt"] or "").strip()]
    filename_alt = [i["alt"] for i in images if _FILENAME_ALT.search((i["alt"] or "").strip())]
    assert not broken, f"{name}: images that did not load{_lines(broken)}"
    assert not no_alt, f"{name}: images without alt text{_lines(no_alt)}"
    assert not filename_alt, (
        f"{name}: images whose alt text is a file name (describe the figure: in a notebook, the "
        f"cell's `mystnb: image: alt:` metadata or a {{figure}} directive){_lines(filename_alt)}"
    )


def _matches(readout: str, value) -> bool:
    try:
        shown = float(readout)
    except ValueError:
        return str(value) == readout
    decimals = len(readout.split(".")[1]) if "." in readout else 0
    return math.isclose(shown, float(value), abs_tol=0.5 * 10**-decimals + 1e-12)


@PARAMS
def test_widgets_show_their_saved_state(site_page, name):
    """Each saved ipywidgets view renders without a kernel, sliders at their saved values."""
    w = site_page(name).widgets
    if not w["views"]:
        pytest.skip("no widgets on this page")
    missing = [v["model_id"] for v in w["views"] if not (v["rendered"] and v["width"] > 0 and v["height"] > 0)]
    assert not missing, f"{name}: widget views not rendered from their saved state{_lines(missing)}"
    readouts = list(w["readouts"])
    for slider in w["sliders"]:
        hit = next((r for r in readouts if _matches(r, slider["value"])), None)
        assert hit is not None, (
            f"{name}: slider {slider['description']!r} shows none of {readouts}, not its saved value {slider['value']}"
        )
        readouts.remove(hit)


@PARAMS
def test_static_twins_change_the_figure(site_page, name):
    """Every static twin (labs.widgets.static_twin: precomputed frames) changes its figure when its slider moves."""
    visit = site_page(name)
    if not visit.twins:
        pytest.skip("no static twins on this page")
    for twin in visit.twins:
        label = f"{name}: static twin #{twin['index'] + 1}"
        assert "error" not in twin, f"{label}: {twin.get('error')}"
        assert twin["frames"] and twin["frames"] > 1, f"{label} has {twin['frames']} frame(s): nothing to step through"
        assert twin["changed_by_key"], f"{label}: pressing → on its slider did not change the figure"
        assert twin["changed_by_drag"], f"{label}: moving its slider to the last frame did not change the figure"
    errors = visit.errors_after_interaction
    assert not errors, f"{name}: errors while moving sliders{_lines(errors)}"


def _source_suffix(name: str) -> str | None:
    """The suffix of the page's source as the build copied it to _sources/ (None for generated pages)."""
    stem = name.removesuffix(".html")
    for suffix in (".ipynb", ".md", ".rst"):
        if (SITE / "_sources" / f"{stem}{suffix}").is_file():
            return suffix
    return None


@PARAMS
def test_launch_and_download_buttons(site_page, name):
    """The header buttons _config.yml asks for: launch (notebooks), download, repository."""
    suffix = _source_suffix(name)
    if suffix is None:
        pytest.skip("a generated page (index, search): no source to launch or download")
    b = site_page(name).buttons
    html, launch = CONFIG.get("html", {}), CONFIG.get("launch_buttons", {})
    if html.get("use_download_button"):
        assert any(h.endswith(suffix) for h in b["download_source"]), (
            f"{name}: no download button for its {suffix} source ({b['download_source']})")
    if html.get("use_repository_button"):
        assert b["repository"], f"{name}: no repository button"
    if suffix == ".ipynb":
        launch_hosts = {urlsplit(b).netloc for b in b["launch"]}
        for key in ("binderhub_url", "colab_url", "jupyterhub_url"):
            if launch.get(key):
                host = urlsplit(launch[key]).netloc
                assert host in launch_hosts, f"{name}: no launch button to {host} (launch buttons: {b['launch']})"
        repo = CONFIG["repository"]["url"].rstrip("/").split("github.com/")[-1]
        assert all(repo in h for h in b["launch"]), f"{name}: launch buttons do not open {repo}: {b['launch']}"


# Rules that the theme (sphinx-book-theme / pydata-sphinx-theme) breaks and the book cannot fix:
# rule id -> (regex of the axe target the excuse is limited to, URL of the upstream issue), e.g.
#   "some-rule": (r"\.theme-element", "https://github.com/pydata/pydata-sphinx-theme/issues/NNNN"),
# Nothing else is excused. Empty: what axe found in the theme's output (the search button and the
# colour-mode switch, label-content-name-mismatch; the link colour in admonitions, color-contrast)
# the book fixes itself, in tools/book_html.py.
EXCUSED: dict[str, tuple[str, str]] = {}
assert all(issue.startswith("https://github.com/") for _, issue in EXCUSED.values()), "an excuse names its issue"


def _excused(rule: str, target: str) -> bool:
    pattern, _issue = EXCUSED.get(rule, (None, None))
    return pattern is not None and re.search(pattern, target) is not None


@PARAMS
def test_accessibility(site_page, name):
    """axe-core (WCAG 2.x A/AA and best practice): no serious or critical violation."""
    problems = []
    for v in site_page(name).axe_violations:
        nodes = [n for n in v["nodes"]
                 if (n["impact"] or v["impact"]) in SERIOUS and not _excused(v["id"], n["target"])]
        if nodes:
            problems.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['help_url']}>"
                            + "".join(f"\n      {n['target']}: {n['html']}" for n in nodes[:5])
                            + (f"\n      … and {len(nodes) - 5} more" if len(nodes) > 5 else ""))
    assert not problems, f"{name}: axe-core violations{_lines(problems)}"


@PARAMS
def test_screenshot_saved(site_page, name):
    shot = Path(site_page(name).screenshot)
    assert shot.is_file() and shot.stat().st_size > 0, f"{name}: no screenshot at {shot}"
