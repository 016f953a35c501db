"""A real JupyterLab server for the tests, and what they read from its pages.

``LabServer`` starts ``jupyter lab`` (the pinned one, from this venv) on 127.0.0.1 on a free
port, with a random token, no browser, and its own temporary config, data, runtime,
settings and workspace folders, serving a *copy* of ``book/`` (running a notebook in
JupyterLab autosaves its outputs: the committed notebooks must stay clean). The kernel is
this venv's ``python3`` and imports ``labs`` from the repository (``PYTHONPATH``).

The page is driven by Debian's Chromium through Playwright, as in ``tests/browser``.
``--LabApp.expose_app_in_browser`` makes JupyterLab put its application object on
``window.jupyterapp``, the hook JupyterLab's own UI tests (Galata) use: the tests run
notebooks with the same command the "Run > Run All Cells" menu calls, and read the
cells' outputs from the notebook model.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_MISSING = (
    f"Chromium not found at {CHROMIUM}: install it with `sudo apt-get install chromium` "
    "(Debian/Ubuntu; the JupyterLab test uses the system's Chromium and never downloads one)"
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-first-run",
                 "--disable-quic", "--mute-audio"]

# User settings of the test's JupyterLab: no windowing (every cell is in the page, so the
# rendered markdown of a whole chapter can be read), no news or update checks, no autosave.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def chromium_or_skip():
    """Fail (under CI) or skip (on a developer's machine) with a plain message when Chromium is absent."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING + "; skipped because CI is not set (under CI=true this is a failure)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` serving a copy of book/ from ``root`` (a temporary folder)."""

    def __init__(self, root: Path, myst: bool = True):
        self.root = root
        self.myst = myst  # False: jupyterlab-myst disabled, JupyterLab's own markdown (for comparison)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0):
        shutil.copytree(ROOT / "book", self.root / "book",
                        ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__"))
        homes = {name: self.root / "jupyter" / name for name in
                 ("config", "data", "runtime", "settings", "workspaces")}
        for folder in homes.values():
            folder.mkdir(parents=True)
        if not self.myst:
            (homes["config"] / "labconfig").mkdir()
            (homes["config"] / "labconfig" / "page_config.json").write_text(
                json.dumps({"disabledExtensions": {"jupyterlab-myst": True}}))
        for name, value in SETTINGS.items():
            plugin, file = name.rsplit("/", 1)
            (homes["settings"] / plugin).mkdir(parents=True, exist_ok=True)
            (homes["settings"] / plugin / file).write_text(json.dumps(value))
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        env.update(JUPYTER_CONFIG_DIR=str(homes["config"]), JUPYTER_DATA_DIR=str(homes["data"]),
                   JUPYTER_RUNTIME_DIR=str(homes["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(homes["settings"]),
                   JUPYTERLAB_WORKSPACES_DIR=str(homes["workspaces"]), JUPYTER_PLATFORM_DIRS="1",
                   PYTHONPATH=str(ROOT), MPLBACKEND="module://matplotlib_inline.backend_inline",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", HOME=str(self.root))
        argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                "--ServerApp.open_browser=False", "--ServerApp.allow_remote_access=False"]
        if os.geteuid() == 0:  # CI runs as root
            argv.append("--allow-root")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self):
        """Stop the server and every kernel it started (its process group)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def page_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"

    @staticmethod
    def labextensions() -> str:
        """``jupyter labextension list`` as this server's environment sees it (its incompatibility notes included)."""
        out = subprocess.run([sys.executable, "-m", "jupyterlab.labextensions", "list"], capture_output=True,
                             text=True, timeout=60)
        return out.stdout + out.stderr


# --- in the page ---------------------------------------------------------------------------

JS_NOTEBOOK_READY = """([path, kernel]) => {
  const app = window.jupyterapp; if (!app) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.context || !w.context.isReady) return false;
  if (w.context.path !== path) return false;
  if (!kernel) return w.content.widgets.length > 0;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && w.content.widgets.length > 0;
}"""

# Every markdown cell shows rendered text (jupyterlab-myst renders asynchronously, after `rendered`);
# a cell that holds only a directive's fence (``{solution-end}``) renders empty.
JS_MARKDOWN_RENDERED = r"""() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'markdown' && c.model.sharedModel.getSource().trim())
  .every(c => { const h = c.rendered && c.node.querySelector('.myst, .jp-MarkdownOutput');
                return !!h && (h.textContent.trim().length > 0
                               || /^[`:]{3,}\{[\w-]+\}/.test(c.model.sharedModel.getSource().trim())); })"""

# Per code cell: its execution count and its outputs (type, error name and value, stream text).
JS_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const kernel = w.sessionContext.session.kernel;
  const cells = w.content.widgets.filter(c => c.model.type === 'code').map(c => ({
    count: c.model.executionCount,
    outputs: c.model.outputs.toJSON().map(o => ({type: o.output_type, ename: o.ename || null,
      evalue: o.evalue || null, text: o.output_type === 'stream' ? String(o.text).slice(0, 4000) : null})),
  }));
  return {status: kernel ? kernel.status : 'none', cells};
}"""

def open_notebook(page, server: LabServer, path: str, timeout_ms: int = 90_000, kernel: bool = True):
    """Open ``path`` (relative to the server's root) in JupyterLab; wait until its markdown is
    rendered and (unless ``kernel=False``) its kernel is idle. The first call loads JupyterLab from
    its URL; later ones open the file in the same JupyterLab (File > Open), much faster than
    loading the application again."""
    if page.url.startswith(server.url) and page.evaluate("() => !!window.jupyterapp"):
        page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", path)
    else:
        page.goto(server.page_url(path), wait_until="domcontentloaded")
    page.wait_for_function(JS_NOTEBOOK_READY, arg=[path, kernel], timeout=timeout_ms, polling=250)
    page.wait_for_function(JS_MARKDOWN_RENDERED, timeout=timeout_ms, polling=250)


def close_notebook(page):
    """Shut the current notebook's kernel down and close the notebook (no autosave here)."""
    page.evaluate("""async () => {
      const w = window.jupyterapp.shell.currentWidget;
      if (w && w.sessionContext) { await w.sessionContext.shutdown(); }
      if (w) { w.context.model.dirty = false; w.dispose(); }
    }""")


def run_all(page, timeout_s: float = 400.0) -> tuple[float, dict]:
    """Run > Run All Cells; wait until every code cell ran (or an error stopped the run). -> (seconds, cells).

    Chapter 3 runs in 14-49 s here; the wait is long so that a stalled machine is not a failure.
    """
    start = time.monotonic()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    state = {}
    while time.monotonic() - start < timeout_s:
        page.wait_for_timeout(500)
        state = page.evaluate(JS_CELLS)
        errored = any(o["type"] == "error" for c in state["cells"] for o in c["outputs"])
        done = all(c["count"] is not None for c in state["cells"])
        if state["status"] == "idle" and (done or errored):
            break
    return time.monotonic() - start, state


def tracebacks(state: dict) -> list[str]:
    """Every error output, and every stream output that prints a traceback."""
    found = []
    for i, c in enumerate(state["cells"]):
        for o in c["outputs"]:
            if o["type"] == "error":
                found.append(f"code cell {i}: {o['ename']}: {o['evalue']}")
            elif o["type"] == "stream" and re.search(r"Traceback \(most recent call last\)", o["text"] or ""):
                found.append(f"code cell {i} printed a traceback: {o['text'][:500]}")
    return found
