"""Make the built HTML work with no network, and fix what it gets wrong for accessibility.

A Sphinx extension (listed in ``_config.yml`` under ``sphinx.local_extensions``) and a
command-line script. Unit tests on HTML fragments: tests/tools/test_book_html.py.

Offline. The pages need MathJax, RequireJS, the Jupyter widget manager and, on pages with a
kernel-free explorer (labs/twins.py), Vega, Vega-Lite and vega-embed. By default each comes
from a CDN; here they come from the npm registry (``package.json``, installed by ``npm ci``)
and are copied into ``<html output>/_static/npm/``, so a reader without a network sees the
same book. ``_config.yml`` points Sphinx and myst-nb at the copies (``mathjax_path``,
``nb_ipywidgets_js``). This extension

* stops the build with a clear message when ``node_modules/`` lacks them (run ``npm ci``);
* copies them into ``_static/npm/`` when an HTML build finishes (not committed);
* on pages with widgets, loads ``book_html_static/jupyter-widgets-offline.js`` before the
  widget manager (it finds its fonts in ``_static/npm/``; see that file);
* on pages with an explorer, loads Vega, Vega-Lite, vega-embed and
  ``book_html_static/book-explorers.js`` (before RequireJS) and ``book-explorers.css``;
* on every page, ``book-layout.css`` (display equations scroll in their own box on a phone);
* warns (so the strict build ``-W`` fails) when a page still loads a script, stylesheet,
  image or frame from another host.

Accessibility and correctness of what notebooks, extensions and the theme emit (each found
by the browser tests, tests/browser); each fix names the pinned version it works around and
the upstream issue (:data:`FIXES`, :data:`TEMPLATE_FIXES`, :data:`DEDUPE_FIX`):

* myst-nb's "Show code cell source" toggle: its ``aria-label`` ("Toggle hidden content")
  hid the visible text from assistive technology (axe: label-content-name-mismatch); removed,
  so the toggle is named by what it shows;
* docutils' citations (the bibliography): ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1
  deprecated, inside ``role="list"`` (axe: aria-required-children) becomes ``listitem``;
* the theme's search button and colour-mode switch (label-content-name-mismatch):
  ``book_html_templates/`` overrides their two small templates; the link colour inside
  admonitions (color-contrast): ``book_html_static/book-a11y.css``;
* inline scripts that Sphinx extensions register twice (sphinx-thebe's ``const THEBE_JS_URL``
  then throws "already declared" on every page) are written once.

The static twins (``labs.widgets.static_twin``) write their own labelled slider and alt text;
nothing here rewrites them.

Command line (copy the npm assets into an existing build): ``python tools/book_html.py _build/html``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
STATIC = Path(__file__).resolve().parent / "book_html_static"  # copied into _static/ by Sphinx
TEMPLATES = Path(__file__).resolve().parent / "book_html_templates"  # found before the theme's
NPM_DIR = "npm"  # under _static/ (not "vendor", which pydata-sphinx-theme uses)


def _only_top_level(*keep: str):
    """A copytree ``ignore``: at the top of the copied folder, skip the ``*.js`` and ``*.map``
    files other than ``keep``; copy every subfolder whole."""
    def ignore(folder, names):
        if Path(folder).name not in ("es5", "dist"):
            return set()
        return {n for n in names if n.endswith((".js", ".map")) and n not in keep}
    return ignore


# npm package -> [(file or folder inside the package, destination under _static/npm/, copytree ignore)]
ASSETS = {
    # tex-mml-chtml.js, and the components, fonts and speech rules it loads relative to itself
    # (the other combined builds at the top of es5/ are never loaded: 16 of its 24 MB)
    "mathjax": [("es5", "mathjax", _only_top_level("tex-mml-chtml.js")), ("LICENSE", "mathjax/LICENSE", None)],
    "requirejs": [("require.js", "requirejs/require.js", None)],
    # embed-amd.js and the fonts it loads (not the other bundles and their source maps)
    "@jupyter-widgets/html-manager": [("dist", "html-manager", _only_top_level("embed-amd.js"))],
    # the kernel-free explorers (labs/twins.py): the browser bundles and their licences
    "vega": [("build/vega.min.js", "vega/vega.min.js", None), ("LICENSE", "vega/LICENSE", None)],
    "vega-lite": [("build/vega-lite.min.js", "vega-lite/vega-lite.min.js", None),
                  ("LICENSE", "vega-lite/LICENSE", None)],
    "vega-embed": [("build/vega-embed.min.js", "vega-embed/vega-embed.min.js", None),
                   ("LICENSE", "vega-embed/LICENSE", None)],
}
# What _config.yml and the pages refer to, relative to _static/.
MATHJAX = f"{NPM_DIR}/mathjax/tex-mml-chtml.js"
REQUIREJS = f"{NPM_DIR}/requirejs/require.js"
WIDGET_MANAGER = f"{NPM_DIR}/html-manager/embed-amd.js"
WIDGETS_SUPPORT = "jupyter-widgets-offline.js"
# On pages with a kernel-free explorer, in this order, before RequireJS (priority 500): with RequireJS
# on the page first, their UMD bundles would register as anonymous AMD modules instead of globals.
EXPLORER_MARK = 'class="book-explorer"'
EXPLORER_JS = [f"{NPM_DIR}/vega/vega.min.js", f"{NPM_DIR}/vega-lite/vega-lite.min.js",
               f"{NPM_DIR}/vega-embed/vega-embed.min.js", "book-explorers.js"]
EXPLORER_CSS = "book-explorers.css"  # also on pages with a static twin (labs.widgets.static_twin)
TWIN_MARK = 'class="book-twin"'
LAYOUT_CSS = "book-layout.css"
A11Y_CSS = "book-a11y.css"

NPM_HINT = "install them with `npm ci` (or `make assets`) in the repository root"


@dataclass(frozen=True)
class Fix:
    """One rewrite of every page body: something a pinned upstream package emits wrong.

    ``package``, ``version``: the package whose output it fixes, pinned in requirements.txt, and
    the version it was written against (tests/tools/test_book_html.py fails when the pin moves,
    so that the fix is looked at again); ``upstream``: the upstream issue, or where the output
    comes from when no issue was found; ``old`` -> ``new``: the text replaced.
    """

    name: str
    package: str
    version: str
    upstream: str
    old: str
    new: str
    why: str

    def apply(self, body: str) -> str:
        return body.replace(self.old, self.new)


FIXES = (
    Fix("toggle-named-by-its-text", "myst-nb", "1.4.0",
        "no upstream issue found; emitted by myst_nb's HideCodeCellNode visitor (visit_HideCellInput)",
        '<summary aria-label="Toggle hidden content">', "<summary>",
        "the aria-label hid the toggle's visible text ('Show code cell source') from assistive "
        "technology (axe: label-content-name-mismatch); without it the toggle is named by what it shows"),
    Fix("bibliography-entries-are-list-items", "docutils", "0.21.2",
        "https://github.com/w3c/dpub-aria/pull/22 (DPUB-ARIA 1.1 deprecated doc-biblioentry); "
        "docutils' HTML5 writer still writes it on citations",
        'role="doc-biblioentry"', 'role="listitem"',
        "doc-biblioentry inside role=list is not a list item (axe: aria-required-children)"),
)
# Not body rewrites, listed here for the same reason (tests/tools/test_book_html.py checks the pins):
# book_html_templates/ (pydata-sphinx-theme's search button and colour-mode switch), book-a11y.css
# (the theme's link colour in admonitions) and the inline scripts written once (_dedupe_and_check).
TEMPLATE_FIXES = {
    "search-button-field.html": ("pydata-sphinx-theme", "0.17.1", "no upstream issue found"),
    "theme-switcher.html": ("pydata-sphinx-theme", "0.17.1", "no upstream issue found"),
}
DEDUPE_FIX = ("Sphinx", "7.4.7", "https://github.com/sphinx-doc/sphinx/pull/13402 (inline scripts registered twice, "
              "'redeclaration of const THEBE_JS_URL'; fixed upstream after 7.4)")

_EXTERNAL = re.compile(
    r"<(?:script|img|iframe|audio|video|source)\b[^>]*\bsrc=[\"'](?:https?:)?//[^\"']+[\"']"
    r"|<link\b(?=[^>]*\brel=[\"']?(?:stylesheet|preload|modulepreload|icon)\b)[^>]*\bhref=[\"'](?:https?:)?//[^\"']+[\"']",
    re.IGNORECASE,
)
_REMOTE = re.compile(r"(?:https?:)?//")


def missing_assets(node_modules: Path = NODE_MODULES) -> list[str]:
    """The package paths of ``ASSETS`` that ``node_modules`` lacks."""
    return [f"{package}/{source}" for package, items in ASSETS.items() for source, _, _ in items
            if not (node_modules / package / source).exists()]


def copy_assets(static_dir: Path, node_modules: Path = NODE_MODULES) -> Path:
    """Copy the npm assets into ``static_dir/npm/``; returns that folder.

    Also writes ``npm/versions.json`` (package -> version and license): the published
    book says what it ships.
    """
    missing = missing_assets(node_modules)
    if missing:
        raise FileNotFoundError(f"npm packages missing from {node_modules}: {', '.join(missing)}; {NPM_HINT}")
    target = Path(static_dir) / NPM_DIR
    versions = {}
    for package, items in ASSETS.items():
        meta = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
        versions[package] = {"version": meta.get("version"), "license": meta.get("license")}
        for source, dest, ignore in items:
            src, dst = node_modules / package / source, target / dest
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=ignore, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
    (target / "versions.json").write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    return target


def fix_body(body: str) -> str:
    """Apply every :data:`FIXES` rewrite to a page body."""
    for fix in FIXES:
        body = fix.apply(body)
    return body


def external_resources(html: str) -> list[str]:
    """The tags in ``html`` that load a script, stylesheet, image or frame from another host."""
    return [m.group(0)[:160] for m in _EXTERNAL.finditer(html)]


# --- Sphinx extension ----------------------------------------------------------------

def _add_paths(app, config):
    config.html_static_path.append(str(STATIC))
    config.templates_path.insert(0, str(TEMPLATES))


def _check_node_modules(app):
    if app.builder.format == "html" and missing_assets():
        from sphinx.errors import ExtensionError

        raise ExtensionError(f"the book serves MathJax, RequireJS and the widget manager from node_modules/, "
                             f"which lacks {', '.join(missing_assets())}: {NPM_HINT}")


def _fix_page(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or "body" not in context:
        return
    context["body"] = fix_body(context["body"])
    scripts = [getattr(js, "filename", "") or "" for js in context.get("script_files", ())]
    if any(name.endswith(WIDGET_MANAGER) for name in scripts):
        # myst-nb added the widget manager (priority 500); this goes before it (see that file)
        app.add_js_file(WIDGETS_SUPPORT, priority=450)
    if EXPLORER_MARK in context["body"]:
        for n, script in enumerate(EXPLORER_JS):
            app.add_js_file(script, priority=300 + n)
    if EXPLORER_MARK in context["body"] or TWIN_MARK in context["body"]:
        app.add_css_file(EXPLORER_CSS, priority=810)


def unique_scripts(scripts: list) -> list:
    """``scripts`` without repeats: an inline script registered once with filename ``None`` and
    once with ``""`` is one script (:data:`DEDUPE_FIX`)."""
    seen, unique = set(), []
    for js in scripts:
        key = (getattr(js, "filename", str(js)) or "",
               json.dumps(getattr(js, "attributes", {}), sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    return unique


def remote_assets(context: dict) -> list[str]:
    """What a page (its Sphinx ``context``) loads from another host: script and CSS files, and
    tags in its body (the remote-asset lint)."""
    assets = [getattr(a, "filename", a) for a in (*context.get("script_files", ()), *context.get("css_files", ()))]
    remote = [a for a in assets if isinstance(a, str) and _REMOTE.match(a)]
    return remote + external_resources(context.get("body", ""))


def _dedupe_and_check(app, pagename, templatename, context, doctree):
    """After every other handler (priority 900), when the page's script list is final."""
    if app.builder.format != "html":
        return
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = unique_scripts(scripts)

    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    for item in remote_assets(context):
        logger.warning("page %s loads %s from another host: the book must work offline, serve it from _static "
                       "(see tools/book_html.py)", pagename, item, type="book_html", subtype="remote_asset",
                       location=pagename)


def _copy_on_finish(app, exception):
    if exception is None and app.builder.format == "html":
        copy_assets(Path(app.outdir) / "_static")


def setup(app):
    app.connect("config-inited", _add_paths)
    app.connect("builder-inited", _check_node_modules)
    app.add_css_file(A11Y_CSS, priority=800)
    app.add_css_file(LAYOUT_CSS, priority=801)
    app.connect("html-page-context", _fix_page, priority=600)  # after myst-nb's, which adds the widget scripts
    app.connect("html-page-context", _dedupe_and_check, priority=900)
    app.connect("build-finished", _copy_on_finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/book_html.py OUTPUT_DIR   (for example _build/html)")
    print(f"copied the npm assets into {copy_assets(Path(sys.argv[1]) / '_static')}")
