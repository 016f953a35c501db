"""Rebuild the notebook to grade from a submission: the student's solutions, the instructor's everything else."""

import copy

import nbformat

from .metadata import grade_id, kind
from .release import student_version

__all__ = ["build_graded_notebook"]

_ROLE = {"tests": "test cell", "readonly": "read-only cell", "solution": "solution cell"}


def _same(a, b):
    """Equal up to trailing whitespace on each line and blank lines at the ends."""
    def norm(s):
        return "\n".join(line.rstrip() for line in s.strip().split("\n"))
    return norm(a) == norm(b)


def build_graded_notebook(source, submission, lab="lab"):
    """The notebook to execute, and notes on what was changed: ``(nb, notes, changed_tests)``.

    ``source``: the instructor's notebook. ``submission``: the student's.
    The student's solution cells are kept; test and read-only cells are the
    source's (so hidden tests run, and an edited or deleted test cannot remove a
    test); cells the student added stay, untracked; tracked cells missing from
    the submission are put back after the cell that precedes them in the source.
    ``changed_tests``: ``{grade_id: "missing" | "changed"}`` for test cells.
    """
    release = student_version(source, lab)
    src_by_id = {grade_id(c): c for c in source.cells if grade_id(c)}
    rel_by_id = {grade_id(c): c for c in release.cells if grade_id(c)}
    cells, seen, notes, changed_tests = [], set(), [], {}
    for cell in submission.cells:
        gid = grade_id(cell)
        if gid in src_by_id and gid not in seen:
            seen.add(gid)
            cells.append(_tracked(cell, src_by_id[gid], rel_by_id[gid], notes, changed_tests))
        else:
            new = copy.deepcopy(cell)  # a cell the student added (or a copy of a tracked one): run, never graded
            new.metadata.pop("nbgrader", None)
            cells.append(new)
    _put_back_missing(source, rel_by_id, cells, seen, notes, changed_tests)
    for j, cell in enumerate(cells):
        cell["id"] = f"cell-{j}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    return nb, notes, changed_tests


def _tracked(cell, src, released, notes, changed_tests):
    """The cell to grade in place of the student's copy of a tracked cell."""
    gid, role = grade_id(src), kind(src)
    if role == "solution":
        new = copy.deepcopy(cell)
        new.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])  # points and flags: the source's
        return new
    new = copy.deepcopy(src)
    if cell.cell_type != src.cell_type or not any(_same(cell.source, s) for s in (released.source, src.source)):
        notes.append(f"{_ROLE[role]} '{gid}' was changed in the submission; the original was used")
        if role == "tests":
            changed_tests[gid] = "changed"
    return new


def _put_back_missing(source, rel_by_id, cells, seen, notes, changed_tests):
    order = [grade_id(c) for c in source.cells]
    for i, src in enumerate(source.cells):
        gid = grade_id(src)
        if not gid or gid in seen:
            continue
        role = kind(src)
        if role == "solution":
            new = copy.deepcopy(rel_by_id[gid])
            notes.append(f"solution cell '{gid}' was missing from the submission; graded as not attempted")
        else:
            new = copy.deepcopy(src)
            notes.append(f"{_ROLE[role]} '{gid}' was missing from the submission; the original was used")
            if role == "tests":
                changed_tests[gid] = "missing"
        before = {g for g in order[:i] if g}
        positions = [j for j, c in enumerate(cells) if grade_id(c) in before]
        cells.insert(positions[-1] + 1 if positions else 0, new)
        seen.add(gid)
