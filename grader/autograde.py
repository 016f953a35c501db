"""Grade a folder of submitted lab notebooks against the instructor's source, hidden tests included.

For each submission ``SUBMISSIONS/<student>/<lab>.ipynb`` (or nbgrader's
``submitted/<student>/<assignment>/<lab>.ipynb``):

1. read it with nbformat; a file that is not a notebook is reported, not fatal;
2. rebuild the notebook to grade: the student's cells in the student's order,
   except that every read-only and test cell is the instructor's original
   (hidden tests included), and any tracked cell the student deleted is put back
   where it belongs; a solution cell the student deleted counts as not attempted;
3. execute it with nbclient in a fresh kernel, one cell at a time, with a time
   limit for the whole notebook (an infinite loop is cut off there and the tests
   that ran before it keep their points); a failing cell does not stop the rest;
4. score every graded cell: full points when it ran without an error, else 0,
   with the reason in plain words.

One student's notebook never stops the batch: whatever goes wrong is a row of
the grade table.
"""

import copy
import multiprocessing
import re
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import labformat as lf

__all__ = ["TestResult", "LabResult", "find_submissions", "build_graded_notebook", "grade_submission", "autograde"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MAX_STREAM_CHARS = 100_000  # printed characters kept per cell: a print in an endless loop must not fill the memory
_MAX_OUTPUTS = 100  # other outputs (figures, displays) kept per cell


@dataclass
class TestResult:
    """One graded test cell of one submission: a row of the grade table."""

    test: str
    description: str
    points: float
    max_points: float
    status: str  # passed, failed, timeout, not_run, invalid, error
    reason: str = ""


@dataclass
class LabResult:
    """Everything the grader found out about one student's notebook for one lab."""

    student: str
    lab: str
    path: Path
    status: str = "graded"  # graded, timeout, invalid, unknown_lab, error
    tests: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self):
        return sum(t.points for t in self.tests)

    @property
    def max_points(self):
        return sum(t.max_points for t in self.tests)


# --- finding submissions -----------------------------------------------------------

def find_submissions(root):
    """``[(student, lab, path)]`` for every notebook under ``root/<student>/``, sorted.

    Our layout is ``root/<student>/<lab>.ipynb``; nbgrader's is
    ``submitted/<student>/<assignment>/<lab>.ipynb``. Both work: the student is
    the first folder under ``root`` and the lab is the notebook's file name,
    however deep it sits. Checkpoint folders are ignored.
    """
    root = Path(root)
    found = []
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(student_dir.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            found.append((student_dir.name, path.stem, path))
    return found


# --- rebuilding the notebook to grade ---------------------------------------------------

def _same(a, b):
    """Equal up to trailing whitespace on each line and blank lines at the ends."""
    def norm(s):
        return "\n".join(line.rstrip() for line in s.strip().split("\n"))
    return norm(a) == norm(b)


_ROLE = {"tests": "test cell", "readonly": "read-only cell", "solution": "solution cell"}


def build_graded_notebook(source, submission, lab="lab"):
    """The notebook to execute, and notes on what was changed: ``(nb, notes, changed_tests)``.

    ``source``: the instructor's notebook. ``submission``: the student's.
    The student's solution cells are kept; test and read-only cells are the
    source's (so hidden tests run, and an edited or deleted test cannot remove a
    test); cells the student added stay, untracked; tracked cells missing from
    the submission are put back after the cell that precedes them in the source.
    ``changed_tests``: ``{grade_id: "missing" | "changed"}`` for test cells.
    """
    release = lf.student_version(source, lab)
    src_by_id = {lf.grade_id(c): c for c in source.cells if lf.grade_id(c)}
    rel_by_id = {lf.grade_id(c): c for c in release.cells if lf.grade_id(c)}
    cells, seen, notes, changed_tests = [], set(), [], {}

    for cell in submission.cells:
        gid = lf.grade_id(cell)
        if gid in src_by_id and gid not in seen:
            seen.add(gid)
            src = src_by_id[gid]
            role = lf.kind(src)
            if role == "solution":
                new = copy.deepcopy(cell)
                new.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])  # points and flags: the source's
            else:
                new = copy.deepcopy(src)
                original = (rel_by_id[gid].source, src.source)  # as released, or the instructor's own
                if cell.cell_type != src.cell_type or not any(_same(cell.source, s) for s in original):
                    notes.append(f"{_ROLE[role]} '{gid}' was changed in the submission; the original was used")
                    if role == "tests":
                        changed_tests[gid] = "changed"
            cells.append(new)
        else:
            new = copy.deepcopy(cell)  # a cell the student added (or a copy of a tracked one): run, never graded
            new.metadata.pop("nbgrader", None)
            cells.append(new)

    order = [lf.grade_id(c) for c in source.cells]
    for i, src in enumerate(source.cells):
        gid = lf.grade_id(src)
        if not gid or gid in seen:
            continue
        role = lf.kind(src)
        if role == "solution":
            new = copy.deepcopy(rel_by_id[gid])
            notes.append(f"solution cell '{gid}' was missing from the submission; graded as not attempted")
        else:
            new = copy.deepcopy(src)
            notes.append(f"{_ROLE[role]} '{gid}' was missing from the submission; the original was used")
            if role == "tests":
                changed_tests[gid] = "missing"
        before = {g for g in order[:i] if g}
        positions = [j for j, c in enumerate(cells) if lf.grade_id(c) in before]
        cells.insert(positions[-1] + 1 if positions else 0, new)
        seen.add(gid)

    for j, cell in enumerate(cells):
        cell["id"] = f"cell-{j}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    return nb, notes, changed_tests


# --- executing -----------------------------------------------------------------------

class _Client(NotebookClient):
    """nbclient with a cap on the outputs one cell may keep."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            used = self.stream_chars.get(cell_index, 0)
            text = msg["content"].get("text", "")
            if used + len(text) > _MAX_STREAM_CHARS:
                self.truncated.add(cell_index)
                if used >= _MAX_STREAM_CHARS:
                    return None
                msg = {**msg, "content": {**msg["content"], "text": text[: _MAX_STREAM_CHARS - used] + "\n[...]\n"}}
                text = msg["content"]["text"]
            self.stream_chars[cell_index] = used + len(text)
        elif msg["msg_type"] != "error":  # errors are always kept: they are what the grade rests on
            if sum(o.get("output_type") != "stream" for o in outs) >= _MAX_OUTPUTS:
                self.truncated.add(cell_index)
                return None
        return super().output(outs, msg, display_id, cell_index)


@dataclass
class _Run:
    seconds: float = 0.0
    stopped_at: int | None = None  # index of the cell running when the notebook was stopped
    stop_reason: str = ""  # timeout or died
    truncated: set = field(default_factory=set)


def execute(nb, timeout, kernel_name="python3", cwd=None):
    """Run ``nb`` in place, cell by cell, with ``timeout`` seconds for all cells together; return a ``_Run``.

    Errors in cells are recorded in their outputs and execution goes on
    (``allow_errors``). At the time limit, or if the kernel dies, execution stops
    there and the kernel is shut down; the cells before keep their outputs.
    """
    client = _Client(nb, kernel_name=kernel_name, allow_errors=True, record_timing=False,
                     shutdown_kernel="immediate", timeout=int(timeout))
    client.truncated, client.stream_chars = set(), {}
    run = _Run()
    with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
        # the kernel's own stderr carries only start-up chatter; the notebook's stderr comes through IOPub
        with client.setup_kernel(cwd=cwd or tmp, stderr=subprocess.DEVNULL):
            start = time.monotonic()
            deadline = start + timeout
            client.timeout_func = lambda cell: max(1, ceil(deadline - time.monotonic()))
            count = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if time.monotonic() >= deadline:
                    run.stopped_at, run.stop_reason = index, "timeout"
                    break
                count += 1
                try:
                    client.execute_cell(cell, index, execution_count=count)
                except CellTimeoutError:
                    run.stopped_at, run.stop_reason = index, "timeout"
                    break
                except DeadKernelError:
                    run.stopped_at, run.stop_reason = index, "died"
                    break
            run.seconds = time.monotonic() - start
    run.truncated = client.truncated
    return run


# --- scoring -----------------------------------------------------------------------------

def _error(cell):
    """``(ename, evalue, traceback lines)`` of the cell's first error output, or ``None``."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = [_ANSI.sub("", t) for t in out.get("traceback", [])]
            return out.get("ename", "Error"), str(out.get("evalue", "")), tb
    return None


def _one_line(text, limit=300):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failing_line(traceback_lines):
    """The source line an assert without a message failed at (ipython marks it with an arrow)."""
    for block in reversed(traceback_lines):
        for line in block.split("\n"):
            m = re.match(r"\s*-+>\s*\d+\s+(.*)", line)
            if m:
                return m.group(1).strip()
    return ""


def explain(ename, evalue, traceback_lines=()):
    """A failed cell's error in plain words."""
    evalue = _one_line(evalue)
    if ename == "NotImplementedError":
        return f"not implemented yet ({evalue})" if evalue else "not implemented yet"
    if ename == "AssertionError":
        if evalue:
            return evalue
        line = _failing_line(traceback_lines)
        return f"a check failed: {line}" if line else "a check failed"
    if ename == "NameError":
        return f"{evalue}: was the cell that defines it deleted, or did it fail (see the notes)?"
    return f"your code raised {ename}: {evalue}"


def _description(cell):
    """What a test cell checks: its opening comment block, without a 'Graded tests (N points):' prefix."""
    words = []
    for line in lf.remove_hidden_tests(cell.source).split("\n"):
        if not line.strip().startswith("#"):
            break
        words.append(line.strip().lstrip("#").strip())
    text = " ".join(w for w in words if w)
    return re.sub(r"^graded tests?\s*(\([^)]*\))?\s*:?\s*", "", text, flags=re.IGNORECASE)


def _score(nb, run, changed_tests, timeout):
    tests, notes = [], []
    stopped_id = None
    if run.stopped_at is not None:
        stopped_cell = nb.cells[run.stopped_at]
        stopped_id = lf.grade_id(stopped_cell) or f"cell {run.stopped_at} (a cell you added)"
        if run.stop_reason == "timeout":
            notes.append(f"the notebook was stopped at the time limit of {timeout:g} s while running "
                         f"'{stopped_id}': an infinite loop, or far too much work? The tests before it were graded.")
        else:
            notes.append(f"the kernel died (crashed or was shut down) while running '{stopped_id}'; "
                         "the tests before it were graded")
    for index, cell in enumerate(nb.cells):
        err = _error(cell) if cell.cell_type == "code" else None
        if err and not lf.is_grade(cell):
            who = lf.grade_id(cell) or f"cell {index} (a cell you added)"
            notes.append(f"cell '{who}' raised {err[0]}: {_one_line(err[1], 200)}")
        if not lf.is_grade(cell):
            continue
        gid, max_pts = lf.grade_id(cell), lf.points(cell)
        if run.stopped_at is not None and index >= run.stopped_at:
            status = "timeout" if run.stop_reason == "timeout" else "error"
            why = (f"stopped at the time limit ({timeout:g} s)" if run.stop_reason == "timeout"
                   else "the kernel died")
            reason = f"{why} while running this test" if index == run.stopped_at else \
                f"not run: {why} while running '{stopped_id}'"
            result = TestResult(gid, _description(cell), 0.0, max_pts, status, reason)
        elif err:
            result = TestResult(gid, _description(cell), 0.0, max_pts, "failed", explain(*err))
        else:
            result = TestResult(gid, _description(cell), max_pts, max_pts, "passed", "")
        if gid in changed_tests:
            extra = f"the test cell was {changed_tests[gid]} in the submission; the original was used"
            result.reason = f"{result.reason}; {extra}" if result.reason else extra
        tests.append(result)
    if run.truncated:
        notes.append("some cells printed so much that their output was cut short")
    return tests, notes


def _all_tests(source, status, reason):
    return [TestResult(lf.grade_id(c), _description(c), 0.0, lf.points(c), status, reason)
            for c in source.cells if lf.is_grade(c)]


def grade_submission(source, path, student, lab, timeout=120, kernel_name="python3", executed_dir=None):
    """Grade one notebook; never raises (a problem becomes the status and reason of every test row)."""
    result = LabResult(student, lab, Path(path))
    t0 = time.monotonic()
    try:
        submission = nbformat.read(str(path), as_version=4)
        if not isinstance(submission.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as exc:  # not JSON, not a notebook, unreadable: all the same to the student
        first = str(exc).strip().split("\n")[0]
        reason = f"the file is not a valid notebook ({type(exc).__name__}: {_one_line(first, 200)})"
        result.status, result.tests = "invalid", _all_tests(source, "invalid", reason)
        result.notes.append(reason + "; nothing could be run")
        return result
    try:
        nb, notes, changed_tests = build_graded_notebook(source, submission, lab)
        result.notes.extend(notes)
        run = execute(nb, timeout, kernel_name)
        tests, run_notes = _score(nb, run, changed_tests, timeout)
        result.tests, result.notes = tests, result.notes + run_notes
        if run.stopped_at is not None:
            result.status = "timeout" if run.stop_reason == "timeout" else "error"
        if executed_dir is not None:
            out = Path(executed_dir) / student / f"{lab}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(out))
    except Exception as exc:  # a failure of the grader itself (kernel would not start, ...): report, go on
        reason = f"the autograder could not grade this notebook ({type(exc).__name__}: {_one_line(str(exc), 200)})"
        result.status, result.tests = "error", _all_tests(source, "error", reason)
        result.notes.append(reason)
    finally:
        result.seconds = time.monotonic() - t0
    return result


def autograde(submissions, source_dir, out_dir, timeout=120, kernel_name="python3", jobs=1, log=print):
    """Grade every notebook under ``submissions``; write the grade table and feedback to ``out_dir``.

    Returns the list of :class:`LabResult`. Writes ``grades.csv`` (one row per
    student, lab and test), ``summary.csv`` (one row per student and lab),
    ``feedback/<student>.md`` and the executed notebooks in ``executed/``.
    ``jobs``: how many notebooks run at the same time (each in its own process
    and kernel); the time limit applies to each notebook.
    """
    from .report import write_feedback, write_grades, write_summary

    sources = lf.lab_sources(source_dir)
    if not sources:
        raise FileNotFoundError(f"no gradable lab notebooks in {source_dir}")
    problems = [p for name, nb in sources.items() for p in lf.check_lab(nb, name)]
    if problems:
        raise lf.LabFormatError("the lab sources are broken:\n" + "\n".join(problems))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = find_submissions(submissions)
    if not found:
        log(f"no notebooks found under {submissions}/<student>/")
    def report(result):
        log(f"{result.student:>20} {result.lab:<36} {_num(result.points):>5} / {_num(result.max_points):<5} "
            f"{result.status:<11} {result.seconds:5.1f} s")
        return result

    results, pending = [None] * len(found), {}
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) if jobs > 1 else None
    try:
        for i, (student, lab, path) in enumerate(found):
            if lab not in sources:
                result = LabResult(student, lab, path, status="unknown_lab")
                result.tests = [TestResult("", "", 0.0, 0.0, "unknown_lab",
                                           f"there is no lab named '{lab}' in {source_dir}")]
                result.notes.append(f"{path.name}: there is no lab of that name; check the file name")
                results[i] = report(result)
                continue
            args = (sources[lab], path, student, lab, timeout, kernel_name, out_dir / "executed")
            if pool is None:
                results[i] = report(grade_submission(*args))
            else:
                pending[i] = pool.submit(grade_submission, *args)
        for i, future in pending.items():
            student, lab, path = found[i]
            try:
                results[i] = report(future.result())
            except Exception as exc:  # the worker process itself died: report, go on
                result = LabResult(student, lab, path, status="error")
                reason = f"the autograder's worker failed ({type(exc).__name__}: {exc})"
                result.tests = _all_tests(sources[lab], "error", reason)
                result.notes.append(reason)
                results[i] = report(result)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    write_grades(results, out_dir / "grades.csv")
    write_summary(results, out_dir / "summary.csv")
    write_feedback(results, out_dir / "feedback")
    log(f"wrote {out_dir / 'grades.csv'}, {out_dir / 'summary.csv'} and {out_dir / 'feedback'}/<student>.md")
    return results


def _num(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
