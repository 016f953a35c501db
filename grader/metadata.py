"""nbgrader's cell metadata (schema version 3): what kind of cell a cell is, and cells built with it.

================  =====  ========  ======  ======  ====
cell              grade  solution  locked  points  task
================  =====  ========  ======  ======  ====
solution          false  true      false   --      false
graded tests      true   false     true    N       false
read-only         false  false     true    --      false
================  =====  ========  ======  ======  ====

plus ``grade_id`` (letters, digits, ``_``, ``-``; unique) and ``schema_version: 3``,
exactly as nbgrader 0.9 writes them.
"""

import re

import nbformat

__all__ = [
    "SCHEMA_VERSION", "nbgrader_metadata", "grade_id", "is_solution", "is_grade", "is_locked", "kind", "points",
    "solution_cell", "test_cell", "readonly_cell", "metadata_problems", "format_points",
]

SCHEMA_VERSION = 3
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type"}


def format_points(x):
    """Points as people write them: ``3`` for 3.0, ``2.5`` for 2.5."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def nbgrader_metadata(cell):
    """The cell's ``metadata["nbgrader"]`` dict, or ``{}``."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell):
    """The cell's nbgrader ``grade_id``, or ``None`` for a cell nbgrader does not track."""
    meta = nbgrader_metadata(cell)
    if meta.get("grade") or meta.get("solution") or meta.get("locked"):
        return meta.get("grade_id") or None
    return None


def is_solution(cell):
    """Whether the student writes (part of) this cell."""
    return bool(nbgrader_metadata(cell).get("solution", False))


def is_grade(cell):
    """Whether this cell is a graded test cell."""
    return bool(nbgrader_metadata(cell).get("grade", False))


def is_locked(cell):
    """nbgrader's rule: solution cells are never locked, graded cells always are."""
    meta = nbgrader_metadata(cell)
    if meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))


def kind(cell):
    """``"solution"``, ``"tests"``, ``"readonly"`` or ``None`` (a cell nbgrader does not track)."""
    if is_solution(cell):
        return "solution"
    if is_grade(cell):
        return "tests"
    if is_locked(cell):
        return "readonly"
    return None


def points(cell):
    """The points of a graded cell (0 for any other cell)."""
    return float(nbgrader_metadata(cell).get("points", 0)) if is_grade(cell) else 0.0


def _metadata(grade_id_, *, grade, solution, locked, points_=None):
    meta = {"grade": grade, "grade_id": grade_id_, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points_
    return meta


def solution_cell(grade_id_, source, **metadata):
    """A code cell the student completes: ``source`` holds ``### BEGIN SOLUTION`` ... ``### END SOLUTION``."""
    return nbformat.v4.new_code_cell(
        source, metadata={**metadata, "nbgrader": _metadata(grade_id_, grade=False, solution=True, locked=False)})


def test_cell(grade_id_, points_, source, **metadata):
    """A graded (autograded) test cell worth ``points_``; ``source`` may hold hidden tests."""
    return nbformat.v4.new_code_cell(
        source, metadata={**metadata, "nbgrader": _metadata(grade_id_, grade=True, solution=False, locked=True,
                                                            points_=points_)})


def readonly_cell(grade_id_, source, **metadata):
    """A code cell the student should not change (set-up, self-checks, figures); the autograder uses the original."""
    return nbformat.v4.new_code_cell(
        source, metadata={**metadata, "nbgrader": _metadata(grade_id_, grade=False, solution=False, locked=True)})


def metadata_problems(cell, where):
    """The rules of nbgrader's v3 metadata schema (nbgrader/nbgraderformat/v3.json and v3.py), broken by ``cell``."""
    meta = nbgrader_metadata(cell)
    problems = []
    extra = set(meta) - _KEYS
    if extra:
        problems.append(f"{where}: unknown nbgrader metadata keys {sorted(extra)}")
    for key in ("grade", "solution", "locked"):
        if not isinstance(meta.get(key), bool):
            problems.append(f"{where}: nbgrader metadata '{key}' must be true or false, got {meta.get(key)!r}")
    if meta.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"{where}: nbgrader schema_version must be {SCHEMA_VERSION}, "
                        f"got {meta.get('schema_version')!r}")
    if not isinstance(meta.get("task", False), bool) or meta.get("task"):
        problems.append(f"{where}: task cells (manually graded tasks) are not supported by the autograder")
    gid = meta.get("grade_id")
    if not isinstance(gid, str) or not _GRADE_ID.match(gid):
        problems.append(f"{where}: grade_id must be letters, digits, '_' or '-', got {gid!r}")
    return problems + _points_problems(cell, meta, where)


def _points_problems(cell, meta, where):
    problems = []
    if meta.get("grade"):
        pts = meta.get("points")
        if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts <= 0:
            problems.append(f"{where}: a graded cell needs points > 0, got {pts!r}")
        if meta.get("solution"):
            problems.append(f"{where}: manually graded answers (grade and solution) are not supported by the "
                            "autograder; use a solution cell and a separate test cell")
    elif "points" in meta:
        problems.append(f"{where}: only graded cells (grade: true) have points")
    if cell.cell_type != "code" and (meta.get("grade") or meta.get("solution")):
        problems.append(f"{where}: solution and test cells must be code cells")
    return problems
