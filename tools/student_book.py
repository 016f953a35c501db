"""The student-version book: the same HTML book, with the student version of every lab.

``make student-book`` (= ``python tools/student_book.py``) stages a copy of the book's sources
in ``_build/student/src``, replaces each lab notebook of ``book/lab_notebooks/`` by its student version
(``grader.labformat.release``: solutions replaced by stubs, hidden tests removed, outputs cleared;
the stubs, the self-check cells and the visible part of every test cell stay), and builds it with
the same strict command as ``make book`` into ``_build/student/html``.

What else differs from the instructor's book, and why:

* the page "For instructors" is left out: it quotes a lab's solution and explains the hidden tests;
  in the labs, the paragraph that links it (and says the solutions are folded) goes too, and the
  stubs are shown unfolded (``for_students``);
* the launch buttons (Binder, Colab, JupyterHub) are off: they open the *repository's* notebooks,
  which are the instructor's sources with the solutions. The download button stays and gives
  the student version of the page's notebook. Hand the labs out with ``make student`` (and, on a
  hub, nbgitpuller links to a repository of the released labs: ``book/instructors.md``).

Nothing outside ``_build/student/`` is written. ``--labs-only`` builds the lab pages alone, not
strictly (their links to the chapters cannot resolve); the test uses it, so no chapter is executed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "student"
LABS = "book/lab_notebooks"
LEFT_OUT = {"book/instructors"}  # pages of the instructor's book that the student book leaves out
BUILD_FLAGS = ["-W", "-n", "--keep-going"]  # as `make book` / `make test`
INSTRUCTORS_LINK = re.compile(r"\{doc\}`[./]*instructors`")


def _toc_without(toc: dict, left_out: set[str], keep_only_prefix: str | None = None) -> dict:
    """The table of contents without the pages in ``left_out`` (and, with ``keep_only_prefix``,
    only the pages under that folder, the root page kept)."""
    def keep(entry):
        f = entry.get("file")
        if f is None:
            return True
        if f in left_out:
            return False
        return keep_only_prefix is None or f.startswith(keep_only_prefix)

    toc = {**toc}
    parts = []
    for part in toc.get("parts", []):
        chapters = [c for c in part.get("chapters", []) if keep(c)]
        if chapters:
            parts.append({**part, "chapters": chapters})
    toc["parts"] = parts
    return toc


def for_students(path: Path) -> None:
    """Finish a released lab for the student book's page, in place.

    * a stub is shown, not folded: the instructor's book folds each solution cell ("hide-input");
    * a paragraph that sends the reader to the instructors' page (which the student book leaves out;
      it is the one that says the solutions are folded away) is left out.
    """
    nb = nbformat.read(str(path), as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
            if tags:
                cell.metadata["tags"] = tags
            else:
                cell.metadata.pop("tags", None)
        if cell.cell_type == "markdown" and INSTRUCTORS_LINK.search(cell.source):
            cell.source = "\n\n".join(p for p in cell.source.split("\n\n") if not INSTRUCTORS_LINK.search(p))
            if not cell.source.strip():
                continue
        cells.append(cell)
    nb.cells = cells
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def stage(dest: Path, labs_only: bool = False, execute: list[str] | None = None, log=print) -> Path:
    """Write the student book's sources to ``dest`` (emptied first); return ``dest``.

    ``execute``: the names of the only notebooks to execute (default: all, as ``make book``)."""
    from grader import labformat

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "book", dest / "book",
                    ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__"))
    # The Sphinx extensions find node_modules/ from their own (resolved) location: link, don't copy.
    os.symlink(ROOT / "tools", dest / "tools", target_is_directory=True)

    labs_dir = dest / LABS
    sources = sorted(labs_dir.glob("*.ipynb"))
    for path in sources:
        path.unlink()
    released = labformat.release(ROOT / LABS, labs_dir, log=log)
    unreleased = sorted({p.name for p in (ROOT / LABS).glob("*.ipynb")} - {p.name for p in released})
    if unreleased:
        raise SystemExit(f"not released (no graded cells yet), so the student book cannot show them: "
                         f"{', '.join(unreleased)}; finish them or take them out of _toc.yml")
    for path in released:
        for_students(path)

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = f"{config.get('title', '')} (student edition)".strip()
    config.pop("launch_buttons", None)  # they would open the instructor's notebooks (see above)
    # A lab's figure of the student's own results does not exist before the student's work: its
    # {numref} cannot resolve here. (The chapters, the same as the instructor's book's, are
    # checked by that book's strict build.)
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["suppress_warnings"] = [*sphinx_config.get("suppress_warnings", []), "ref.numref"]
    if execute is not None:
        config.setdefault("execute", {})["exclude_patterns"] = [
            p.name for p in (dest / "book").rglob("*.ipynb") if p.stem not in execute]
    (dest / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    toc = _toc_without(toc, LEFT_OUT, keep_only_prefix=LABS + "/" if labs_only else None)
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return dest


def build(src: Path, html: Path, strict: bool = True, log=print) -> Path:
    """Build the staged sources (``strict``: with ``make book``'s flags); move the HTML to ``html``."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    flags = BUILD_FLAGS if strict else ["--keep-going"]
    subprocess.run([str(jupyter_book), "build", str(src), *flags], check=True, env=env)
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(src / "_build" / "html"), str(html))
    log(f"The student book is built: open file://{html}/index.html")
    return html


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT, help="folder for src/ and html/ (default: _build/student)")
    p.add_argument("--labs-only", action="store_true", help="only the lab pages (and the root page)")
    args = p.parse_args(argv)
    if str(ROOT) not in sys.path:  # run as a script: the grader package is in the repository
        sys.path.insert(0, str(ROOT))
    src = stage(args.out / "src", labs_only=args.labs_only)
    # The lab pages alone link to chapters that are not built: only the whole book is built strictly.
    build(src, args.out / "html", strict=not args.labs_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
