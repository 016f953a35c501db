"""Make the built HTML work with no network, and fix what it gets wrong for accessibility.

A Sphinx extension (listed in ``_config.yml`` under ``sphinx.local_extensions``) and a
command-line script.

Offline. The pages need MathJax, RequireJS, the Jupyter widget manager and Font Awesome 4
(for the buttons of matplotlib's JavaScript animations, the static twins). By default each
comes from a CDN; here they come from the npm registry (``package.json``, installed by
``npm ci``) and are copied into ``<html output>/_static/npm/``, so a reader without a
network sees the same book. ``_config.yml`` points Sphinx and myst-nb at the copies
(``mathjax_path``, ``nb_ipywidgets_js``). This extension

* stops the build with a clear message when ``node_modules/`` lacks them (run ``npm ci``);
* copies them into ``_static/npm/`` when an HTML build finishes (not committed);
* replaces the CDN link to Font Awesome that matplotlib's animation HTML carries;
* on pages with widgets, loads ``book_html_static/jupyter-widgets-offline.js`` before the
  widget manager (it finds its fonts in ``_static/npm/``; see that file);
* warns (so the strict build ``-W`` fails) when a page still loads a script, stylesheet,
  image or frame from another host.

Accessibility and correctness of what notebooks, extensions and the theme emit (each found
by the browser tests, tests/browser):

* matplotlib's animation: the frame image gets an ``alt`` and the frame slider a label,
  unless the output brings its own;
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

Command line (copy the npm assets into an existing build): ``python tools/book_html.py _build/html``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
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
    "font-awesome": [("css", "font-awesome/css", None), ("fonts", "font-awesome/fonts", None)],
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
FONT_AWESOME_4 = f"{NPM_DIR}/font-awesome/css/font-awesome.min.css"
WIDGETS_SUPPORT = "jupyter-widgets-offline.js"
# On pages with a kernel-free explorer, in this order, before RequireJS (priority 500): with RequireJS
# on the page first, their UMD bundles would register as anonymous AMD modules instead of globals.
EXPLORER_MARK = 'class="book-explorer"'
EXPLORER_JS = [f"{NPM_DIR}/vega/vega.min.js", f"{NPM_DIR}/vega-lite/vega-lite.min.js",
               f"{NPM_DIR}/vega-embed/vega-embed.min.js", "book-explorers.js"]
EXPLORER_CSS = "book-explorers.css"
LAYOUT_CSS = "book-layout.css"
A11Y_CSS = "book-a11y.css"

NPM_HINT = "install them with `npm ci` (or `make assets`) in the repository root"
ANIM_ALT = ("Animation of precomputed figures, one frame per setting: the slider and buttons below "
            "step through them")
ANIM_SLIDER_LABEL = "Animation frame"

_FA_CDN = re.compile(r"https?://[^\"'\s]*/font-awesome/[0-9.]+/css/font-awesome(?:\.min)?\.css")
_ANIM_IMG = re.compile(r"<img(?![^>]*\balt=)([^>]*\bid=\"_anim_img[^\"]*\")")
_ANIM_SLIDER = re.compile(r"<input(?![^>]*\baria-(?:label|labelledby)=)([^>]*\bclass=\"anim-slider\")")
_TOGGLE_SUMMARY = '<summary aria-label="Toggle hidden content">'
_BIBLIOENTRY = 'role="doc-biblioentry"'
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


def fix_body(body: str, font_awesome_url: str) -> str:
    """Rewrite a page body: local Font Awesome, labelled animations, toggles named by their text,
    citations as list items."""
    body = _FA_CDN.sub(font_awesome_url, body)
    body = _ANIM_IMG.sub(rf'<img alt="{ANIM_ALT}"\1', body)
    body = _ANIM_SLIDER.sub(rf'<input aria-label="{ANIM_SLIDER_LABEL}"\1', body)
    return body.replace(_TOGGLE_SUMMARY, "<summary>").replace(_BIBLIOENTRY, 'role="listitem"')


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
    context["body"] = fix_body(context["body"], context["pathto"](f"_static/{FONT_AWESOME_4}", 1))
    scripts = [getattr(js, "filename", "") or "" for js in context.get("script_files", ())]
    if any(name.endswith(WIDGET_MANAGER) for name in scripts):
        # myst-nb added the widget manager (priority 500); this goes before it (see that file)
        app.add_js_file(WIDGETS_SUPPORT, priority=450)
    if EXPLORER_MARK in context["body"]:
        for n, script in enumerate(EXPLORER_JS):
            app.add_js_file(script, priority=300 + n)
        app.add_css_file(EXPLORER_CSS, priority=810)


def _dedupe_and_check(app, pagename, templatename, context, doctree):
    """After every other handler (priority 900), when the page's script list is final."""
    if app.builder.format != "html":
        return
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        seen, unique = set(), []
        for js in scripts:
            # the same inline script, registered once with filename None and once with "" (Sphinx 7.4)
            key = (getattr(js, "filename", str(js)) or "",
                   json.dumps(getattr(js, "attributes", {}), sort_keys=True, default=str))
            if key not in seen:
                seen.add(key)
                unique.append(js)
        scripts[:] = unique

    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    assets = [getattr(a, "filename", a) for a in (*context.get("script_files", ()), *context.get("css_files", ()))]
    remote = [a for a in assets if isinstance(a, str) and _REMOTE.match(a)]
    remote += external_resources(context.get("body", ""))
    for item in remote:
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
