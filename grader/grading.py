"""Grade one submission: its cells run in the sandbox, the hidden tests on the grader's side.

1. read the notebook (a file that is not a notebook is reported, not fatal);
2. rebuild it (:func:`grader.rebuild.build_graded_notebook`): the student's
   solutions, the instructor's read-only and test cells;
3. start the student-side runner in a sandbox (:class:`grader.session.Session`)
   on every code cell except the graded test cells; wait for it to report;
4. build the grader's namespace (:class:`grader.trusted.TrustedLab`) from the
   source lab and run its read-only cells and, one by one, its test cells: a test
   passes when its cell runs to the end, and fails with the reason in plain words;
5. write the executed notebook: the student's outputs (capped) and, under each
   test cell, its verdict.
"""

import hashlib
import linecache
import time
from pathlib import Path

import nbformat

from . import trusted
from .labsuse import flag_labs_uses
from .metadata import grade_id, is_grade, points
from .outputs import executed_notebook
from .rebuild import build_graded_notebook
from .scoring import LabResult, TestResult, description, explain_exception, one_line
from .session import Session, Stopped

__all__ = ["grade_submission", "all_tests", "digest"]

NOTEBOOK_SHARE = 0.6  # of the time limit, for running the student's cells; the rest is for the tests
MAX_CELL_NOTES = 20    # notes on cells that raised, per notebook (the runner's report is the student's to forge)


def digest(path):
    """The sha256 of a file's bytes: a rerun regrades a submission only when it changed."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def all_tests(source, status, reason):
    """Every test row of ``source`` with 0 points, ``status`` and ``reason``."""
    return [TestResult(grade_id(c), description(c), 0.0, points(c), status, reason)
            for c in source.cells if is_grade(c)]


def _read(path):
    submission = nbformat.read(str(path), as_version=4)
    if not isinstance(submission.get("cells"), list):
        raise ValueError("it has no list of cells")
    return submission


def grade_submission(source, path, student, lab, *, timeout=120, limits=None, slot=0, insecure=False,
                     executed_dir=None):
    """Grade one notebook; never raises (a problem becomes the status and reason of every test row)."""
    result = LabResult(student, lab, str(path), sandbox="insecure" if insecure else "bubblewrap")
    t0 = time.monotonic()
    try:
        result.digest = digest(path)
        submission = _read(path)
    except Exception as exc:  # not JSON, not a notebook, unreadable: all the same to the student
        reason = (f"the file is not a valid notebook ({type(exc).__name__}: "
                  f"{one_line(str(exc).strip().split(chr(10))[0], 200)})")
        result.status, result.tests = "invalid", all_tests(source, "invalid", reason)
        result.notes.append(reason + "; nothing could be run")
        return result
    try:
        _grade(source, submission, result, timeout, limits, slot, insecure, executed_dir)
    except Exception as exc:  # a failure of the grader itself: report, go on
        reason = f"the autograder could not grade this notebook ({type(exc).__name__}: {one_line(str(exc), 200)})"
        result.status, result.tests = "grader_error", all_tests(source, "error", reason)
        result.notes.append(reason)
    finally:
        result.seconds = time.monotonic() - t0
    return result


def _grade(source, submission, result, timeout, limits, slot, insecure, executed_dir):
    nb, notes, changed_tests = build_graded_notebook(source, submission, result.lab)
    result.notes.extend(notes + flag_labs_uses(source, nb))
    cells = [{"index": i, "source": c.source} for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and not is_grade(c) and c.source.strip()]
    start = time.monotonic()
    session = Session(cells, budget=NOTEBOOK_SHARE * timeout, deadline=start + timeout, limits=limits,
                      slot=slot, insecure=insecure)
    try:
        try:
            ready = session.ready()
        except Stopped as stop:
            ready = {"cells": [], "stopped": None, "truncated": False}
            where = f"while running {_cell_name(nb, session)}"
            result.tests = _stopped_rows(source, stop, timeout, where)
            result.notes.append(f"{_stop_words(stop, timeout)} {where}; no test could be run")
            result.status = "timeout" if stop.why == "timeout" else "error"
        else:
            result.notes.extend(_notebook_notes(nb, ready, timeout))
            _run_tests(source, session, result, timeout)
    finally:
        session.close()
    for t in result.tests:
        if t.test in changed_tests:
            extra = f"the test cell was {changed_tests[t.test]} in the submission; the original was used"
            t.reason = f"{t.reason}; {extra}" if t.reason else extra
    if executed_dir is not None:
        out = Path(executed_dir) / f"{result.lab}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(executed_notebook(nb, ready, result.tests), str(out))


def _stopped_rows(source, stop, timeout, when):
    why = _stop_words(stop, timeout)
    return all_tests(source, "timeout" if stop.why == "timeout" else "error", f"not run: {why} {when}")


def _cell_name(nb, session):
    index = session.current_cell
    if not (isinstance(index, int) and 0 <= index < len(nb.cells)):
        return "your notebook"
    return f"'{grade_id(nb.cells[index]) or f'cell {index} (a cell you added)'}'"


def _stop_words(stop, timeout):
    if stop.why == "timeout":
        return f"stopped at the time limit ({timeout:g} s)"
    if stop.why in ("memory", "files"):
        return f"stopped: {stop.detail}"
    if stop.why == "died":
        return f"your notebook's process ended ({stop.detail or 'it died'})"
    return f"your notebook's process broke the grader's protocol ({one_line(stop.detail, 150)})"


def _notebook_notes(nb, ready, timeout):
    """The notes on how the notebook ran, from the runner's ``ready`` report.

    The report comes from the student's process, so it is read as a claim: one note per cell
    (the last word on it), at most ``MAX_CELL_NOTES`` of them, each cut to one line."""
    errors = {}
    for cell in ready["cells"] if isinstance(ready.get("cells"), list) else ():
        error = cell.get("error") if isinstance(cell, dict) else None
        index = cell.get("index") if isinstance(cell, dict) else None
        if error and isinstance(index, int) and 0 <= index < len(nb.cells) and isinstance(error, list):
            errors[index] = error
    notes = []
    for index, error in sorted(errors.items())[:MAX_CELL_NOTES]:
        who = grade_id(nb.cells[index]) or f"cell {index} (a cell you added)"
        notes.append(f"cell '{who}' raised {one_line(error[0], 60)}: {one_line(error[-1], 200)}")
    if len(errors) > MAX_CELL_NOTES:
        notes.append(f"{len(errors) - MAX_CELL_NOTES} more cells raised errors (see the executed notebook)")
    stopped = ready.get("stopped")
    if isinstance(stopped, dict) and isinstance(stopped.get("index"), int) and 0 <= stopped["index"] < len(nb.cells):
        who = grade_id(nb.cells[stopped["index"]]) or f"cell {stopped['index']} (a cell you added)"
        notes.append(f"the notebook was stopped at its share of the time limit ({NOTEBOOK_SHARE * timeout:g} s) "
                     f"while running '{who}': an infinite loop, or far too much work? The cells after it did not "
                     "run; the tests were graded with what was defined before it.")
    if ready.get("truncated"):
        notes.append("some cells printed or drew so much that their output was cut short")
    return notes


def _run_tests(source, session, result, timeout):
    lab = trusted.TrustedLab(source, session)
    stop, stopped_at = None, None
    for cell, role in trusted.plan(source):
        gid = grade_id(cell)
        if role == "run":
            if stop is None:
                _run_readonly(lab, cell, gid, result)
            continue
        row = TestResult(gid, description(cell), 0.0, points(cell), "failed")
        if stop is not None:
            row.status = "timeout" if stop.why == "timeout" else "error"
            row.reason = f"not run: {_stop_words(stop, timeout)} while running '{stopped_at}'"
        else:
            stop = _run_test(lab, cell, row, timeout)
            stopped_at = gid if stop is not None else None
        result.tests.append(row)
    if stop is not None:
        result.status = "timeout" if stop.why == "timeout" else "error"


def _run_readonly(lab, cell, gid, result):
    try:
        lab.run(cell, f"<read-only cell {gid}>")
    except Stopped:
        raise
    except Exception as exc:  # the instructor's cell failed on the grader's side: say so, the tests go on
        result.notes.append(f"the grader could not run the lab's read-only cell '{gid}' "
                            f"({type(exc).__name__}: {one_line(str(exc), 150)})")


def _run_test(lab, cell, row, timeout):
    """Run one test cell; fill in ``row``; return the :class:`Stopped` that ended the session, if any."""
    filename = f"<hidden test {row.test}>"
    linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
    try:
        lab.run(cell, filename)
    except Stopped as stop:
        row.status = "timeout" if stop.why == "timeout" else "error"
        row.reason = f"{_stop_words(stop, timeout)} while running this test"
        return stop
    except Exception as exc:  # the verdict: the test did not run to its end
        row.reason = explain_exception(exc, filename)
        return None
    row.points, row.status = row.max_points, "passed"
    return None

