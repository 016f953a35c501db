"""tools/book_html.py on HTML fragments: every fix it applies, the remote-asset lint, the assets it ships.

Fast (no Sphinx build, no browser): each test feeds a fragment or a fake page context to the
functions the Sphinx extension calls.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import book_html  # noqa: E402  (tools/ is a folder of Sphinx extensions, not a package)


def pinned(package: str) -> str | None:
    """The exact version requirements.txt pins ``package`` to (names compared as pip does)."""
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if version and norm(name) == norm(package):
            return version.strip()
    return None


# --- the fixes ------------------------------------------------------------------------------

@pytest.mark.parametrize("fix", book_html.FIXES, ids=lambda f: f.name)
def test_each_fix_rewrites_what_its_package_emits(fix):
    fragment = f"<div>{fix.old}<span>text</span></div>"
    fixed = book_html.fix_body(fragment)
    assert fix.old not in fixed and fix.new in fixed
    assert book_html.fix_body(fixed) == fixed  # applying it again changes nothing
    untouched = '<details class="hide"><summary>Show code cell source</summary></details><ul role="list">'
    assert book_html.fix_body(untouched) == untouched


def test_the_toggle_fix_on_myst_nb_output():
    html = ('<details class="hide above-input">\n<summary aria-label="Toggle hidden content">\n'
            '<span class="collapsed">Show code cell source</span>\n')
    fixed = book_html.fix_body(html)
    assert "<summary>\n<span" in fixed and "aria-label" not in fixed


def test_the_citation_fix_on_docutils_output():
    html = ('<div role="list" class="citation-list">\n<div class="citation" id="id1" role="doc-biblioentry">'
            '<span class="label">Nie15</span><p>Nielsen, M.</p></div>')
    fixed = book_html.fix_body(html)
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed


@pytest.mark.parametrize("fix", book_html.FIXES, ids=lambda f: f.name)
def test_each_fix_names_its_upstream_issue_and_the_pinned_version(fix):
    assert fix.upstream.strip() and fix.why.strip()
    urls = re.findall(r"https?://\S+", fix.upstream)
    assert all(u.startswith("https://github.com/") for u in urls), urls
    assert pinned(fix.package) == fix.version, (
        f"{fix.name} was written against {fix.package} {fix.version}; requirements.txt pins "
        f"{pinned(fix.package)}: check whether the new version still needs it, then update the Fix")


@pytest.mark.parametrize("template", sorted(book_html.TEMPLATE_FIXES))
def test_template_overrides_name_the_theme_version_they_copy(template):
    package, version, upstream = book_html.TEMPLATE_FIXES[template]
    text = (book_html.TEMPLATES / template).read_text(encoding="utf-8")
    assert f"{package} {version}" in text.split("#}")[0], f"{template}'s header names another version"
    assert pinned(package) == version, f"{package} is pinned at {pinned(package)}, the override copies {version}"
    assert upstream.strip()


def test_the_dedupe_fix_names_sphinx_and_its_issue():
    package, version, upstream = book_html.DEDUPE_FIX
    assert pinned(package) == version
    assert "https://github.com/sphinx-doc/sphinx/" in upstream


def test_inline_scripts_registered_twice_are_written_once():
    from sphinx.builders.html._assets import _JavaScript

    body = 'const THEBE_JS_URL = "x";'
    scripts = [_JavaScript("_static/a.js"), _JavaScript(None, body=body), _JavaScript("", body=body),
               _JavaScript("_static/a.js"), _JavaScript("_static/b.js", priority=300)]
    unique = book_html.unique_scripts(scripts)
    assert [getattr(s, "filename", None) or "" for s in unique] == ["_static/a.js", "", "_static/b.js"]


def test_static_twins_are_not_rewritten():
    """The twin writes its own alt text and slider label (labs.widgets.static_twin): tools/ leaves it alone."""
    html = ('<div class="book-twin" id="t"><img src="data:image/png;base64,AA" alt="Paths, one per rate">'
            '<label for="t-s">learning rate</label><input type="range" id="t-s"></div>')
    assert book_html.fix_body(html) == html


# --- the remote-asset lint ------------------------------------------------------------------

@pytest.mark.parametrize("tag", [
    '<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>',
    "<script src='//unpkg.com/x.js'></script>",
    '<img alt="x" src="http://example.org/x.png">',
    '<link rel="stylesheet" href="https://cdnjs.cloudflare.com/font-awesome.min.css">',
    '<link href="https://fonts.example/f.css" rel="stylesheet">',
    '<iframe src="https://www.youtube.com/embed/x"></iframe>',
    '<SCRIPT SRC="HTTPS://CDN.EXAMPLE/A.JS"></SCRIPT>',
])
def test_the_lint_finds_remote_assets_in_the_body(tag):
    found = book_html.external_resources(f"<p>a</p>{tag}<p>b</p>")
    assert len(found) == 1 and tag.startswith(found[0]) and "//" in found[0]  # the tag up to its address


@pytest.mark.parametrize("tag", [
    '<script src="../_static/npm/vega/vega.min.js"></script>',
    '<img alt="x" src="data:image/png;base64,AAAA">',
    '<a href="https://mybinder.org/v2/gh/x">launch</a>',
    '<link rel="canonical" href="https://example.org/book/">',
    '<script type="application/json" class="book-explorer-data">{"url": "https://x/y.js"}</script>',
])
def test_the_lint_ignores_local_assets_and_plain_links(tag):
    assert book_html.external_resources(tag) == []


def test_the_lint_reads_the_script_and_css_lists_too():
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

    context = {"script_files": [_JavaScript("_static/a.js"), _JavaScript("https://unpkg.com/thebe/index.js")],
               "css_files": [_CascadingStyleSheet("_static/b.css"), _CascadingStyleSheet("//cdn.example/c.css")],
               "body": '<img alt="" src="https://example.org/i.png">'}
    assert book_html.remote_assets(context) == ["https://unpkg.com/thebe/index.js", "//cdn.example/c.css",
                                                '<img alt="" src="https://example.org/i.png"']
    assert book_html.remote_assets({"script_files": [_JavaScript("_static/a.js")], "body": "<p></p>"}) == []


def test_an_explorer_in_the_built_page_needs_no_other_host():
    """The HTML labs.twins writes for an explorer passes the lint (its libraries come from _static)."""
    pytest.importorskip("altair")
    import numpy as np

    from labs import twins
    from labs.data import narrow_valley

    html = twins.momentum_twin(narrow_valley(kappa=4.0), w0=np.array([-2.0, 1.0]), steps=5).data
    assert 'class="book-explorer"' in html
    assert book_html.external_resources(html) == []


# --- which pages load what ------------------------------------------------------------------

class FakeApp:
    def __init__(self):
        self.builder = SimpleNamespace(format="html")
        self.js, self.css = [], []

    def add_js_file(self, filename, priority=500, **kwargs):
        self.js.append((filename, priority))

    def add_css_file(self, filename, priority=500, **kwargs):
        self.css.append((filename, priority))


@pytest.mark.parametrize("body, scripts, css", [
    ("<p>prose</p>", [], []),
    ('<div class="book-explorer" id="e"></div>', book_html.EXPLORER_JS, [book_html.EXPLORER_CSS]),
    ('<div class="book-twin" id="t"></div>', [], [book_html.EXPLORER_CSS]),
])
def test_explorer_libraries_load_only_where_an_explorer_is(body, scripts, css):
    app = FakeApp()
    context = {"body": body, "script_files": [], "pathto": lambda *a: ""}
    book_html._fix_page(app, "page", "page.html", context, None)
    assert [f for f, _ in app.js] == scripts
    assert [f for f, _ in app.css] == css
    priorities = [p for _, p in app.js]
    assert priorities == sorted(priorities) and all(p < 500 for p in priorities)  # before RequireJS


# --- the assets -----------------------------------------------------------------------------

def test_every_asset_is_an_exact_pin_of_package_json():
    deps = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for package in book_html.ASSETS:
        assert re.fullmatch(r"\d+\.\d+\.\d+", deps.get(package, "")), f"{package}: {deps.get(package)!r}"


def test_the_explorer_scripts_are_among_the_copied_assets():
    copied = {dest for items in book_html.ASSETS.values() for _, dest, _ in items}
    for script in book_html.EXPLORER_JS:
        if script.startswith(book_html.NPM_DIR + "/"):
            assert script.removeprefix(book_html.NPM_DIR + "/") in copied
        else:
            assert (book_html.STATIC / script).is_file()
    assert (book_html.STATIC / book_html.EXPLORER_CSS).is_file()
    assert (book_html.STATIC / book_html.LAYOUT_CSS).is_file()


def _fake_node_modules(root: Path, skip: str | None = None) -> Path:
    for package, items in book_html.ASSETS.items():
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "package.json").write_text(json.dumps({"version": "1.2.3", "license": "MIT"}))
        for source, _, _ in items:
            if f"{package}/{source}" == skip:
                continue
            path = root / package / source
            if "." in Path(source).name:  # a file
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x")
            else:
                (path / "sub").mkdir(parents=True, exist_ok=True)
                (path / "sub" / "f.woff").write_text("x")
    return root


def test_copy_assets_copies_every_package_and_says_what_it_ships(tmp_path):
    modules = _fake_node_modules(tmp_path / "node_modules")
    target = book_html.copy_assets(tmp_path / "_static", modules)
    for items in book_html.ASSETS.values():
        for _, dest, _ in items:
            assert (target / dest).exists(), dest
    versions = json.loads((target / "versions.json").read_text())
    assert set(versions) == set(book_html.ASSETS)


def test_a_missing_package_stops_with_the_command_that_installs_it(tmp_path):
    modules = _fake_node_modules(tmp_path / "node_modules", skip="vega/build/vega.min.js")
    assert book_html.missing_assets(modules) == ["vega/build/vega.min.js"]
    with pytest.raises(FileNotFoundError, match="npm ci"):
        book_html.copy_assets(tmp_path / "_static", modules)
