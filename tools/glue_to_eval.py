"""Rewrite the chapters' glued numbers so that JupyterLab shows them too (issue 13, item 3).

In JupyterLab (with jupyterlab-myst) ``{glue:text}`ch3_kappa:.0f``` shows its key,
"ch3_kappa:.0f", where the built book shows the number: jupyterlab-myst does not implement
myst-nb's glue. It does evaluate MyST inline expressions in the kernel once the cells have
run. So this script, for every chapter notebook given (default: book/0*.ipynb):

* in markdown cells, rewrites ``{glue:text}`key:spec``` as ``{eval}`f"{key:spec}"``` and
  ``{glue:text}`key``` / ``{glue}`key``` as ``{eval}`key``` (keys of other documents,
  ``path::key``, and keys that are not Python names are left alone and listed);
* in code cells, replaces ``from myst_nb import glue`` by ``from labs.glue import glue``, which
  calls myst-nb's glue and also binds the key as a variable, so that the kernel knows
  ``ch3_kappa`` when JupyterLab evaluates the expression.

In the built book, ``tools/eval_glue.py`` (a Sphinx extension in ``_config.yml``) makes
``{eval}`f"{key:spec}"``` paste exactly what ``{glue:text}`key:spec``` pasted. The script is
idempotent and prints what it changed. ``--check`` changes nothing and exits 1 when a notebook
would change.

Usage (from the repository root):  .venv/bin/python tools/glue_to_eval.py [--check] [notebooks...]
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
from pathlib import Path

import nbformat

ROLE = re.compile(r"\{glue(?::text)?\}`([^`]*)`")
NAME = re.compile(r"[A-Za-z_]\w*$")
IMPORT = "from myst_nb import glue"
WRAPPER = "from labs.glue import glue"


def rewrite_markdown(source: str, skipped: list[str]) -> str:
    def one(m):
        target = m.group(1)
        key, _, spec = target.partition(":")
        if "::" in target or not NAME.match(key):
            skipped.append(m.group(0))
            return m.group(0)
        return f'{{eval}}`f"{{{key}:{spec}}}"`' if spec else f"{{eval}}`{key}`"

    return ROLE.sub(one, source)


def rewrite_code(source: str) -> str:
    lines = source.split("\n")
    if IMPORT not in (line.strip() for line in lines):
        return source
    return "\n".join(WRAPPER if line.strip() == IMPORT else line for line in lines)


def convert(path: Path, write: bool = True) -> tuple[int, list[str], bool]:
    """-> (roles rewritten, roles left alone, whether the glue import was replaced)."""
    nb = nbformat.read(str(path), as_version=4)
    rewritten, skipped, wrapped = 0, [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            new = rewrite_markdown(cell.source, skipped)
            rewritten += len(ROLE.findall(cell.source)) - len(ROLE.findall(new))
            cell.source = new
        elif cell.cell_type == "code":
            new = rewrite_code(cell.source)
            wrapped |= new != cell.source
            cell.source = new
    if write and (rewritten or wrapped):
        nbformat.validate(nb)
        nbformat.write(nb, str(path))
    return rewritten, skipped, wrapped


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebooks", nargs="*", type=Path)
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = p.parse_args(argv)
    paths = args.notebooks or [Path(p) for p in sorted(glob.glob("book/0*.ipynb"))]
    changed = 0
    for path in paths:
        rewritten, skipped, wrapped = convert(path, write=not args.check)
        if rewritten or wrapped:
            changed += 1
        print(f"{path}: {rewritten} glue roles -> {{eval}}; glue import {'wrapped' if wrapped else 'unchanged'}"
              + (f"; left alone: {', '.join(skipped)}" if skipped else ""))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
