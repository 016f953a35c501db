"""The lab notebook format: nbgrader's cell metadata and markers, checked and turned into a student release.

A lab notebook in ``book/labs/`` is the instructor's source. Its code cells carry
nbgrader's cell metadata exactly as nbgrader 0.9 writes it (schema version 3):

================  =====  ========  ======  ======  ====
cell              grade  solution  locked  points  task
================  =====  ========  ======  ======  ====
solution          false  true      false   --      false
graded tests      true   false     true    N       false
read-only         false  false     true    --      false
================  =====  ========  ======  ======  ====

plus ``grade_id`` (letters, digits, ``_``, ``-``; unique) and ``schema_version: 3``.
Solutions stand between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, hidden
tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: the same
markers (matched the same way, as substrings of a line) that nbgrader's
``ClearSolutions`` and ``ClearHiddenTests`` preprocessors use, so nbgrader can
use the notebooks as they are.

Two rules go beyond nbgrader, so that a student release runs top to bottom and
says what to do: every solution region is inside a function body (its stub
raises only when the function is called), and right above its ``### BEGIN
SOLUTION`` stands a ``# TODO: ...`` comment (one or more lines), which becomes the
message of the stub's ``NotImplementedError``. Being outside the region, the
TODO also survives nbgrader's own release.
"""

import ast
import copy
import json
import re
from pathlib import Path

import nbformat

__all__ = [
    "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "LabFormatError",
    "nbgrader_metadata", "grade_id", "is_solution", "is_grade", "is_locked", "kind", "points",
    "solution_cell", "test_cell", "readonly_cell", "check_lab", "stub_solutions", "remove_hidden_tests",
    "solution_lines", "student_version", "is_lab", "read_lab", "lab_sources", "release",
]

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
SCHEMA_VERSION = 3
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")
_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type"}
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")


class LabFormatError(ValueError):
    """A lab notebook breaks the format: the message lists every problem found."""


# --- nbgrader metadata ---------------------------------------------------------

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
    return bool(nbgrader_metadata(cell).get("solution", False))


def is_grade(cell):
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


def _metadata_problems(cell, where):
    """The rules of nbgrader's v3 metadata schema (nbgrader/nbgraderformat/v3.json and v3.py)."""
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


# --- markers ---------------------------------------------------------------------

def _regions(lines, begin, end, where):
    """``[(i_begin, i_end)]``: the line numbers of each pair of markers; raises on bad nesting."""
    regions, start = [], None
    for i, line in enumerate(lines):
        if begin in line:
            if start is not None:
                raise LabFormatError(f"{where}: '{begin}' inside another '{begin}' region (line {i + 1})")
            start = i
        elif end in line:
            if start is None:
                raise LabFormatError(f"{where}: '{end}' without '{begin}' (line {i + 1})")
            regions.append((start, i))
            start = None
    if start is not None:
        raise LabFormatError(f"{where}: '{begin}' (line {start + 1}) has no matching '{end}'")
    return regions


def _indent(line):
    return line[: len(line) - len(line.lstrip())]


def _todo(lines, start, where):
    """The message of a solution region's stub: the ``# TODO: ...`` comment block right above its BEGIN marker."""
    block = []
    for line in reversed(lines[:start]):
        if not line.strip().startswith("#"):
            break
        block.insert(0, line.strip())
    while block and not block[0].lstrip("# ").startswith("TODO"):
        block.pop(0)  # comments above the TODO are not part of it
    if not block:
        raise LabFormatError(
            f"{where}: the solution region at line {start + 1} needs a '# TODO: ...' comment right above "
            "'### BEGIN SOLUTION' saying what to implement; it becomes the message of the student's "
            "NotImplementedError")
    words = [c.lstrip("#").strip() for c in block]
    words[0] = re.sub(r"^TODO:?\s*", "", words[0])
    return " ".join(w for w in words if w)


def _enclosing_function(lines, start):
    """The name of the function whose body holds line ``start``, or ``None`` at top level."""
    indent = len(_indent(lines[start]))
    for line in reversed(lines[:start]):
        if not line.strip() or line.strip().startswith("#"):
            continue
        level = len(_indent(line))
        if level < indent:  # the header of an enclosing block: def, for, with, if, ...
            m = _DEF.match(line)
            if m:
                return m.group(2)
            if level == 0:
                return None
            indent = level
    return None


def stub_solutions(source, where="cell"):
    """Replace every solution region of ``source`` (markers included) by a ``raise NotImplementedError``.

    ``# TODO: return (dC/dw, dC/db)`` / ``### BEGIN SOLUTION`` / ...code... /
    ``### END SOLUTION`` becomes ``# TODO: return (dC/dw, dC/db)`` /
    ``raise NotImplementedError("return (dC/dw, dC/db)")``, indented like the marker.
    """
    lines = source.split("\n")
    regions = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
    out, last = [], 0
    for start, stop in regions:
        message = _todo(lines, start, where)
        indent = _indent(lines[start])
        out.extend(lines[last:start])
        out.append(f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})")
        last = stop + 1
    out.extend(lines[last:])
    return "\n".join(out)


def remove_hidden_tests(source, where="cell"):
    """Remove every hidden-test region of ``source`` (markers included) and the blank lines it leaves at the end."""
    lines = source.split("\n")
    regions = _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
    hidden = {i for start, stop in regions for i in range(start, stop + 1)}
    kept = [line for i, line in enumerate(lines) if i not in hidden]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def solution_lines(source):
    """The non-blank lines inside ``source``'s solution regions (what the release must not contain)."""
    lines = source.split("\n")
    return [line for start, stop in _regions(lines, BEGIN_SOLUTION, END_SOLUTION, "cell")
            for line in lines[start + 1: stop] if line.strip()]


# --- whole notebooks -----------------------------------------------------------------

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
            problems.extend(_metadata_problems(cell, where))
            gid = meta.get("grade_id")
            if gid in ids:
                problems.append(f"{where}: grade_id '{gid}' is used twice (also cell {ids[gid]})")
            ids[gid] = index
        elif cell.cell_type == "code":
            problems.append(f"{where}: every code cell of a lab needs nbgrader metadata (solution, tests or "
                            f"read-only); this one starts {cell.source[:40]!r}")
        source = cell.source
        lines = source.split("\n")
        try:
            sol = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
            hid = _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
        except LabFormatError as err:
            problems.append(str(err))
            continue
        if sol and not is_solution(cell):
            problems.append(f"{where}: a solution region in a cell that is not a solution cell")
        if hid and not is_grade(cell):
            problems.append(f"{where}: hidden tests in a cell that is not a graded test cell")
        if is_solution(cell) and not sol:
            problems.append(f"{where}: a solution cell without '### BEGIN SOLUTION' / '### END SOLUTION'")
        for start, _ in sol:
            try:
                _todo(lines, start, where)
            except LabFormatError as err:
                problems.append(str(err))
            if _enclosing_function(lines, start) is None:
                problems.append(
                    f"{where}: the solution region at line {start + 1} is not inside a function body; its stub "
                    "(raise NotImplementedError) would stop the student's notebook at this cell")
        if hid:
            problems.extend(_bare_asserts(source, hid, where))
    if not any(is_grade(c) for c in nb.cells):
        problems.append(f"{name}: no graded test cell")
    return problems


def _bare_asserts(source, regions, where):
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return [f"{where}: not valid Python: {err}"]
    rows = {i + 1 for start, stop in regions for i in range(start, stop + 1)}
    return [f"{where}: the assert at line {node.lineno} has no message; the student's feedback would only say "
            "'AssertionError'" for node in ast.walk(tree)
            if isinstance(node, ast.Assert) and node.msg is None and node.lineno in rows]


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
        total = sum(points(c) for c in nb.cells)
        log(f"released {out_dir / filename} ({_num(total)} points)")
    if skipped:
        log(f"skipped (no graded cells yet): {', '.join(skipped)}")
    return written


def _num(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
