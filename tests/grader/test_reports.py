"""Row files, tables and feedback without running a notebook: atomic writes, safe names, formula injection, flags."""

import csv
import io

import pytest
from grader_helpers import LAB1, SOURCES, cell, student_notebook

from grader.labsuse import flag_labs_uses
from grader.rebuild import build_graded_notebook
from grader.reports import csv_safe, feedback_markdown, grades_csv, write_reports
from grader.rows import read_row, read_rows, row_path, safe_name, write_atomic, write_row
from grader.scoring import LabResult, TestResult


def lab_result(student="ann", reason="ok"):
    r = LabResult(student, LAB1, "x.ipynb", digest="abc")
    r.tests = [TestResult("t1", "what | it checks", 1.0, 1.0, "passed"), TestResult("t2", "d", 0.0, 2.5, "failed",
                                                                                    reason)]
    r.notes = ["a note"]
    return r


@pytest.mark.parametrize("value, cell_text", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"),
])
def test_csv_cells_cannot_start_a_formula(value, cell_text):
    assert csv_safe(value) == cell_text


def test_the_grade_table_quotes_every_cell_a_student_controls():
    text = grades_csv([lab_result("=cmd|' /C calc'!A0", reason="-1+1")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[2][6] == "'-1+1"
    assert rows[2][3:5] == ["0", "2.5"]


@pytest.mark.parametrize("name", ["ann", "..", ".hidden", "a/b", "\\xff-escaped", "=x", "x" * 300, ""])
def test_safe_names_are_single_file_names(name):
    safe = safe_name(name)
    assert "/" not in safe and not safe.startswith(".") and 0 < len(safe) <= 120


def test_rows_are_written_atomically_and_read_back(tmp_path):
    r = lab_result()
    path = write_row(tmp_path, r)
    assert path == row_path(tmp_path, "ann", LAB1)
    back = read_row(path)
    assert back == r and back.points == 1.0 and back.max_points == 3.5
    assert not list(tmp_path.rglob(".tmp-*"))
    (tmp_path / "rows" / "bob").mkdir()
    (tmp_path / "rows" / "bob" / f"{LAB1}.json").write_text("{half a fi")  # a torn file is skipped, not fatal
    assert [x.student for x in read_rows(tmp_path)] == ["ann"]
    write_atomic(tmp_path / "grades.csv", "x\n")
    assert (tmp_path / "grades.csv").read_text() == "x\n"


def test_reports_are_made_from_rows(tmp_path):
    write_reports([lab_result("ann"), lab_result("..")], tmp_path)
    assert (tmp_path / "feedback" / "ann.md").exists() and (tmp_path / "feedback" / "%2E..md").exists()
    page = feedback_markdown("<b>ann</b>", [lab_result()])
    assert "what \\| it checks" in page and "&lt;b>" in page and "## lab01_linear_regression: 1 / 3.5 points" in page


def test_a_solution_that_calls_the_labs_implementation_is_flagged_not_the_honest_one():
    source = SOURCES["lab06_softmax_cross_entropy"]

    def cheat(nb):
        cell(nb, "stable_softmax").source = "from labs import softmax\n\ndef stable_softmax(z):\n    return softmax(z)"

    for edit, flagged in [(None, False), (cheat, True)]:
        nb, _, _ = build_graded_notebook(source, student_notebook("lab06_softmax_cross_entropy", edit=edit),
                                         "lab06_softmax_cross_entropy")
        notes = flag_labs_uses(source, nb)
        assert bool(notes) == flagged, notes
        if flagged:
            assert "labs.softmax" in notes[0]


def test_a_worker_that_dies_is_replaced_and_its_submission_gets_an_error_row(tmp_path):
    """The batch's worker protocol: a dead worker is reported, the next job gets a fresh one."""
    import json

    from grader_helpers import INSECURE, LABS, write

    from grader import batch as batch_mod
    from grader import labformat as lf
    from grader import sandbox
    from grader.submissions import Submission

    path = tmp_path / "subs" / "ann" / f"{LAB1}.ipynb"
    write(lf.student_version(SOURCES[LAB1], LAB1), path)
    worker = batch_mod._Worker()
    try:
        assert "exit status" in worker.run("this is not a job", 60)  # the worker dies on it
        job = batch_mod.job(LABS / f"{LAB1}.ipynb", Submission("ann", LAB1, path), tmp_path / "out", 60,
                            sandbox.Limits(), 0, INSECURE)
        assert worker.run(json.dumps(job), 150) is None  # a new worker took it
    finally:
        worker.stop()
    assert read_row(row_path(tmp_path / "out", "ann", LAB1)).points == 0
    b = batch_mod._Batch(LABS, tmp_path / "out", 60, sandbox.Limits(), INSECURE, lambda *a: None, 1)
    row = b._worker_failed(Submission("bob", LAB1, path), "it ended with exit status -9")
    assert row.status == "grader_error" and all(t.status == "error" for t in row.tests)
    assert "the autograder's worker failed (it ended with exit status -9)" in row.tests[0].reason


def test_a_rejected_duplicate_gets_a_row_file_of_its_own(tmp_path):
    from grader.rows import forget_rejected, rejected_path

    write_row(tmp_path, lab_result("ann"))
    dup = lab_result("ann")
    dup.status = "duplicate"
    write_row(tmp_path, dup, rejected_path(tmp_path, "ann", LAB1, "ann/copy/x.ipynb"))
    assert sorted(r.status for r in read_rows(tmp_path)) == ["duplicate", "graded"]
    forget_rejected(tmp_path)
    assert [r.status for r in read_rows(tmp_path)] == ["graded"]
