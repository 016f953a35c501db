"""The student release of a lab: solutions stubbed, hidden tests removed, outputs cleared, cells locked."""

import copy
from pathlib import Path

import nbformat

from .labformat import check_lab, is_lab
from .markers import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LabFormatError,
    remove_hidden_tests,
    stub_solutions,
)
from .metadata import format_points, grade_id, is_grade, is_locked, is_solution, points

__all__ = ["student_version", "read_lab", "lab_sources", "release"]


def student_version(nb, name="lab"):
    """The student release of a lab: solutions stubbed, hidden tests removed, outputs cleared."""
    problems = check_lab(nb, name)
    if problems:
        raise LabFormatError("\n".join(problems))
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if is_solution(cell) or is_locked(cell):  # as nbgrader's LockCells does: Jupyter then refuses to delete
            cell.metadata["deletable"] = False  # (and, for locked cells, to edit) them
            if is_locked(cell):
                cell.metadata["editable"] = False
        if cell.cell_type != "code":
            continue
        where = f"{name}, cell '{grade_id(cell)}'"
        if is_solution(cell):
            cell.source = stub_solutions(cell.source, where)
        if is_grade(cell):
            cell.source = remove_hidden_tests(cell.source, where)
        cell.outputs = []
        cell.execution_count = None
    for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
        if any(marker in c.source for c in nb.cells):
            raise LabFormatError(f"{name}: '{marker}' survived the release")  # a marker in prose, say
    return nb


def read_lab(path):
    """Read a notebook (nbformat 4) from ``path``."""
    return nbformat.read(str(path), as_version=4)


def lab_sources(source_dir):
    """``{lab name: notebook}`` for every gradable lab notebook in ``source_dir`` (sorted by name)."""
    labs = {}
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        nb = read_lab(path)
        if is_lab(nb):
            labs[path.stem] = nb
    return labs


def release(source_dir, out_dir, log=print):
    """Write the student version of every gradable lab in ``source_dir`` to ``out_dir``; return the paths.

    Notebooks without graded cells (labs not written yet) are skipped and listed.
    Every lab is checked first: one broken lab stops the release before anything is written.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    paths = sorted(source_dir.glob("*.ipynb"))
    if not paths:
        raise LabFormatError(f"no notebooks in {source_dir}")
    released, skipped = {}, []
    for path in paths:
        nb = read_lab(path)
        if not is_lab(nb):
            skipped.append(path.name)
            continue
        released[path.name] = student_version(nb, path.stem)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, nb in released.items():
        nbformat.validate(nb)
        nbformat.write(nb, str(out_dir / filename))
        written.append(out_dir / filename)
        log(f"released {out_dir / filename} ({format_points(sum(points(c) for c in nb.cells))} points)")
    if skipped:
        log(f"skipped (no graded cells yet): {', '.join(skipped)}")
    return written
