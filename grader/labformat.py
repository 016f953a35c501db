"""The lab notebook format, checked: nbgrader's metadata (:mod:`grader.metadata`) and markers (:mod:`grader.markers`).

A lab notebook in ``book/lab_notebooks/`` is the instructor's source: solution cells,
graded test cells (hidden tests included) and read-only cells, as nbgrader 0.9
writes them, so nbgrader can use the notebooks as they are. :func:`check_lab`
lists everything that would stop a lab from being released and autograded.
This module also re-exports the names of :mod:`grader.metadata`,
:mod:`grader.markers` and :mod:`grader.release`, the format's whole vocabulary.
"""

import ast

from .markers import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LabFormatError,
    enclosing_function,
    regions,
    remove_hidden_tests,
    solution_lines,
    stub_solutions,
    todo,
)
from .metadata import (
    format_points,
    grade_id,
    is_grade,
    is_locked,
    is_solution,
    kind,
    metadata_problems,
    nbgrader_metadata,
    points,
    readonly_cell,
    solution_cell,
    test_cell,
)

__all__ = [
    "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "LabFormatError",
    "nbgrader_metadata", "grade_id", "is_solution", "is_grade", "is_locked", "kind", "points", "format_points",
    "solution_cell", "test_cell", "readonly_cell", "check_lab", "stub_solutions", "remove_hidden_tests",
    "solution_lines", "is_lab",
]  # and, from grader.release: student_version, read_lab, lab_sources, release


def is_lab(nb):
    """Whether a notebook is a gradable lab (has at least one graded test cell)."""
    return any(is_grade(c) for c in nb.cells)


def check_lab(nb, name="lab"):
    """Every problem that would stop a lab from being released and autograded, as a list of strings.

    nbgrader's metadata rules, plus: every code cell is tracked (solution,
    tests or read-only), so the autograder can rebuild a submission whatever the
    student deleted; markers only in the cells they belong to; solution regions
    inside a function body, each opening with a ``# TODO:`` line; asserts in
    hidden tests carry a message (it is the feedback the student gets).
    """
    problems, ids = [], {}
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language != "python":
        problems.append(f"{name}: kernel language must be python, got {language!r}")
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        meta = nbgrader_metadata(cell)
        if meta:
            where = f"{name}, cell '{meta.get('grade_id', index)}'"
            problems.extend(metadata_problems(cell, where))
            gid = meta.get("grade_id")
            if gid in ids:
                problems.append(f"{where}: grade_id '{gid}' is used twice (also cell {ids[gid]})")
            ids[gid] = index
        elif cell.cell_type == "code":
            problems.append(f"{where}: every code cell of a lab needs nbgrader metadata (solution, tests or "
                            f"read-only); this one starts {cell.source[:40]!r}")
        problems.extend(_marker_problems(cell, where))
    if not any(is_grade(c) for c in nb.cells):
        problems.append(f"{name}: no graded test cell")
    return problems


def _marker_problems(cell, where):
    lines = cell.source.split("\n")
    try:
        sol = regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
        hid = regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
    except LabFormatError as err:
        return [str(err)]
    problems = []
    if sol and not is_solution(cell):
        problems.append(f"{where}: a solution region in a cell that is not a solution cell")
    if hid and not is_grade(cell):
        problems.append(f"{where}: hidden tests in a cell that is not a graded test cell")
    if is_solution(cell) and not sol:
        problems.append(f"{where}: a solution cell without '### BEGIN SOLUTION' / '### END SOLUTION'")
    for start, _ in sol:
        try:
            todo(lines, start, where)
        except LabFormatError as err:
            problems.append(str(err))
        if enclosing_function(lines, start) is None:
            problems.append(
                f"{where}: the solution region at line {start + 1} is not inside a function body; its stub "
                "(raise NotImplementedError) would stop the student's notebook at this cell")
    if hid:
        problems.extend(_bare_asserts(cell.source, hid, where))
    return problems


def _bare_asserts(source, hidden, where):
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return [f"{where}: not valid Python: {err}"]
    rows = {i + 1 for start, stop in hidden for i in range(start, stop + 1)}
    return [f"{where}: the assert at line {node.lineno} has no message; the student's feedback would only say "
            "'AssertionError'" for node in ast.walk(tree)
            if isinstance(node, ast.Assert) and node.msg is None and node.lineno in rows]


def __getattr__(name):
    """``student_version``, ``read_lab``, ``lab_sources`` and ``release`` live in :mod:`grader.release`."""
    if name in ("student_version", "read_lab", "lab_sources", "release"):
        import importlib
        return getattr(importlib.import_module("grader.release"), name)
    raise AttributeError(name)
