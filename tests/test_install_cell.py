"""The first code cell of every notebook, and the name ``labs`` seen from a clone.

The first cell must install the book's package when the kernel does not have it, also
when a *folder* named ``labs`` (for instance the lab notebooks' folder, seen from
``book/``) makes ``import labs`` succeed as an empty namespace package; and it must not
install anything when the package is there. The cell is run in a real IPython shell in a
fresh interpreter whose ``sys.path`` does not reach the repository's package; ``%pip`` is
replaced by a magic that only records its argument (no network).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(glob.glob(str(ROOT / "book" / "*.ipynb")) + glob.glob(str(ROOT / "book" / "*" / "*.ipynb")))

# Runs in a child interpreter: argv[1] = the cell's source, argv[2] = "hide" to take the
# repository's package off sys.path. Prints JSON: the %pip calls, and what `labs` is after the cell.
RUNNER = r"""
import json, sys
import os
cell, hide = sys.argv[1], sys.argv[2] == "hide"
from IPython.core.interactiveshell import InteractiveShell
if hide:  # the package unreachable, as in a fresh environment (an editable install's path entry goes too)
    sys.path[:] = [""] + [p for p in sys.path[1:] if not os.path.isfile(os.path.join(p, "labs", "__init__.py"))]
shell = InteractiveShell.instance()
calls = []
shell.register_magic_function(lambda line: calls.append(line), "line", "pip")
result = shell.run_cell(cell)
labs = sys.modules.get("labs")
print(json.dumps({"pip": calls, "error": repr(result.error_in_exec) if result.error_in_exec else None,
                  "labs_file": getattr(labs, "__file__", "absent") if labs is not None else None}))
"""


def first_cell(path: str) -> str:
    nb = nbformat.read(path, 4)
    return next(c for c in nb.cells if c.cell_type == "code").source


def run_cell(source: str, cwd: Path, hide: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not hide:
        env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", RUNNER, source, "hide" if hide else "keep"],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("source", sorted({first_cell(p) for p in NOTEBOOKS}), ids=lambda s: f"{len(s)}chars")
def test_first_cell_installs_when_only_a_folder_named_labs_is_there(source, tmp_path):
    (tmp_path / "labs").mkdir()  # what book/labs/ was before its rename: notebooks, no __init__.py
    (tmp_path / "labs" / "lab01.ipynb").write_text("{}")
    got = run_cell(source, tmp_path, hide=True)
    assert got["error"] is None, got
    assert len(got["pip"]) == 1 and "labs @ git+" in got["pip"][0], got
    assert got["labs_file"] is None, f"the folder is still taken for the package after the install: {got}"


@pytest.mark.parametrize("source", sorted({first_cell(p) for p in NOTEBOOKS}), ids=lambda s: f"{len(s)}chars")
def test_first_cell_installs_nothing_when_the_package_is_there(source, tmp_path):
    got = run_cell(source, tmp_path, hide=False)
    assert got == {"pip": [], "error": None, "labs_file": str(ROOT / "labs" / "__init__.py")}, got


def test_every_notebook_has_one_of_the_tested_first_cells():
    assert len(NOTEBOOKS) >= 16
    assert all("from labs import" in first_cell(p) for p in NOTEBOOKS)


def _tracked_dirs() -> set[str]:
    try:
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git clone")
    dirs = set()
    for f in files:
        parts = f.split("/")[:-1]
        dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return dirs


def test_no_folder_of_a_clone_but_the_package_is_named_labs():
    """From any folder of a clone, `import labs` can only find the package, never a look-alike folder."""
    clashes = sorted(d for d in _tracked_dirs() if d.rsplit("/", 1)[-1] == "labs" and d != "labs")
    assert clashes == [], (f"{clashes}: Python takes a folder named labs for the package when a kernel "
                           "starts beside it; give the folder another name")


def test_import_labs_from_the_book_folder_gives_the_package():
    """As a clone without `pip install -e .` sees it: cwd book/, the repository's root not on sys.path."""
    probe = ("import importlib.util, json, os, sys; "
             "sys.path[:] = [''] + [p for p in sys.path[1:] "
             "if not os.path.isfile(os.path.join(p, 'labs', '__init__.py'))]; "
             "s = importlib.util.find_spec('labs'); "
             "print(json.dumps(None if s is None else [s.origin, list(s.submodule_search_locations or [])]))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for folder in sorted({ROOT / "book", *(Path(p).parent for p in NOTEBOOKS)}):
        out = subprocess.run([sys.executable, "-c", probe], cwd=folder, env=env,
                             capture_output=True, text=True, check=True, timeout=60)
        spec = json.loads(out.stdout)
        # No package reachable (the clone is not installed): the first cell installs it. A folder
        # found instead (origin None: a namespace package) is the clash.
        assert spec is None or spec[0] not in (None, "namespace"), (
            f"from {folder.relative_to(ROOT)}/, `import labs` finds the folder(s) {spec[1]}, not the package")
