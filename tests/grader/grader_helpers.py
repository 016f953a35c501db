"""Shared helpers of the grader's tests: the lab sources, a solved submission, a tiny synthetic lab."""

from pathlib import Path

import nbformat

from grader import labformat as lf
from grader import sandbox

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "book" / "lab_notebooks"
SOURCES = lf.lab_sources(LABS)
LAB_NAMES = sorted(SOURCES)
LAB1 = "lab01_linear_regression"
INSECURE = not sandbox.available()[0]  # the tests use bubblewrap where it works, else say so in every row


def strip_markers(source):
    markers = (lf.BEGIN_SOLUTION, lf.END_SOLUTION)
    return "\n".join(line for line in source.split("\n") if not any(m in line for m in markers))


def cell(nb, gid):
    return next(c for c in nb.cells if lf.grade_id(c) == gid)


def student_notebook(lab=LAB1, edit=None, drop=(), solved=True):
    """What a student hands in: the release, with the solutions typed in (``solved``), then ``edit(nb)``."""
    source = SOURCES[lab]
    nb = lf.student_version(source, lab)
    nb.cells = [c for c in nb.cells if lf.grade_id(c) not in drop]
    for c in nb.cells:
        if solved and lf.is_solution(c):
            c.source = strip_markers(cell(source, lf.grade_id(c)).source)
    if edit:
        edit(nb)
    return nb


def add_cell(nb, source, after="setup"):
    """Insert a code cell of the student's own after the cell ``after``."""
    index = next(i for i, c in enumerate(nb.cells) if lf.grade_id(c) == after)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def tiny_lab(*cells):
    """A notebook of ``cells`` with a Python kernelspec, as a lab source has."""
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nbformat.v4.new_notebook(cells=list(cells), metadata={"kernelspec": kernelspec})
