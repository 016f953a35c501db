"""The grader: one source per lab, a student release, and an autograder that survives bad submissions.

What these tests show, on the real lab notebooks in book/labs (every lab that has
graded cells is included automatically):

* every solution notebook scores full marks under its visible and hidden tests;
* the student release contains no solution line and no hidden test, has no
  outputs, runs top to bottom without an unhandled error, says "not implemented
  yet", and scores 0;
* a seeded sign error gets partial marks and feedback that names the failing test;
* one batch with an infinite loop, an exception at import, a file that is not
  JSON and a submission with a deleted and an edited test cell: each is reported
  in the grade table, and the good notebooks are still graded in full.

The notebooks are executed once, in a module-scoped batch.
"""

import copy
import csv
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from grader import autograde, build_graded_notebook, find_submissions, grade_submission
from grader import labformat as lf

ROOT = Path(__file__).resolve().parent.parent
LABS = ROOT / "book" / "labs"
SOURCES = lf.lab_sources(LABS)
LAB_NAMES = sorted(SOURCES)
LAB1 = "lab01_linear_regression"
TIMEOUT = 60  # seconds per notebook in the batch: a lab runs in 5-15 s; the margin is for a loaded CI machine

# nbgrader 0.9.6, nbgrader/nbgraderformat/v3.json (BSD-3-Clause): the metadata schema nbgrader validates against.
NBGRADER_V3_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"type": "integer", "minimum": 3, "maximum": 3},
        "grade": {"type": "boolean"},
        "locked": {"type": "boolean"},
        "solution": {"type": "boolean"},
        "task": {"type": "boolean"},
        "grade_id": {"type": "string", "pattern": "^[a-zA-Z0-9_\\-]*$"},
        "points": {"type": "number", "minimum": 0},
        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
        "cell_type": {"type": "string", "enum": ["raw", "code", "markdown"]},
    },
    "required": ["schema_version", "grade", "locked", "solution"],
    "additionalProperties": False,
}


def strip_markers(source):
    markers = (lf.BEGIN_SOLUTION, lf.END_SOLUTION)
    return "\n".join(line for line in source.split("\n") if not any(m in line for m in markers))


def cell(nb, gid):
    return next(c for c in nb.cells if lf.grade_id(c) == gid)


def student_notebook(lab=LAB1, edit=None, drop=()):
    """What a student who solved every task hands in: the release with the solutions typed in."""
    source = SOURCES[lab]
    nb = lf.student_version(source, lab)
    nb.cells = [c for c in nb.cells if lf.grade_id(c) not in drop]
    for c in nb.cells:
        if lf.is_solution(c):
            c.source = strip_markers(cell(source, lf.grade_id(c)).source)
    if edit:
        edit(nb)
    return nb


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


# --- the format, without a kernel ----------------------------------------------------------

@pytest.mark.parametrize("lab", LAB_NAMES)
def test_every_lab_follows_the_format(lab):
    assert lf.check_lab(SOURCES[lab], lab) == []


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_cell_metadata_is_what_nbgrader_writes(lab):
    """nbgrader's schema, and the flags its "create assignment" toolbar sets for each kind of cell."""
    nb = SOURCES[lab]
    ids = [lf.grade_id(c) for c in nb.cells if lf.grade_id(c)]
    assert len(ids) == len(set(ids))
    for c in nb.cells:
        meta = lf.nbgrader_metadata(c)
        if c.cell_type == "code":
            assert meta, f"untracked code cell: {c.source[:40]!r}"
        if not meta:
            continue
        jsonschema.validate(meta, NBGRADER_V3_SCHEMA)
        expected = {"solution": dict(grade=False, solution=True, locked=False, task=False),
                    "tests": dict(grade=True, solution=False, locked=True, task=False),
                    "readonly": dict(grade=False, solution=False, locked=True, task=False)}[lf.kind(c)]
        assert {k: meta[k] for k in expected} == expected
        assert ("points" in meta) == meta["grade"]
        assert meta["schema_version"] == 3


def test_lab1_has_ten_points_in_four_tests():
    nb = SOURCES[LAB1]
    assert {lf.grade_id(c): lf.points(c) for c in nb.cells if lf.is_grade(c)} == {
        "test_mse_gradient_shapes": 1, "test_mse_gradient_values": 3, "test_gradient_descent": 3,
        "test_fit_diabetes": 3}


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_install_cell_uses_the_repository_url_of_the_config(lab):
    """Colab needs the URL written in the notebook; it must be the one setting in _config.yml."""
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    install = cell(SOURCES[lab], "install").source
    assert f'"labs @ git+{url}"' in install and "%pip install" in install


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_release_has_no_solution_no_hidden_test_no_output(lab):
    source = SOURCES[lab]
    release = lf.student_version(source, lab)
    released_lines = {line.strip() for c in release.cells for line in c.source.split("\n")}
    for c in source.cells:
        if lf.is_solution(c):
            leaked = [line for line in lf.solution_lines(c.source) if line.strip() in released_lines]
            assert leaked == [], f"solution lines of '{lf.grade_id(c)}' in the release"
        if lf.is_grade(c):
            hidden = set(c.source.split("\n")) - set(lf.remove_hidden_tests(c.source).split("\n"))
            assert not [line for line in hidden if line.strip() and line.strip() in released_lines]
    text = nbformat.writes(release)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    for c in release.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None
    assert [lf.grade_id(c) for c in release.cells] == [lf.grade_id(c) for c in source.cells]


def test_stub_keeps_the_signature_and_docstring_and_says_what_to_do():
    stub = cell(lf.student_version(SOURCES[LAB1]), "mse_gradient").source
    assert stub.startswith("def mse_gradient(X, y, w, b):\n    \"\"\"Gradient of the cost")
    todo = "return (dC/dw, dC/db) for the cost C(w, b) above, without a loop over the examples"
    assert stub.endswith(f'    # TODO: {todo}\n    raise NotImplementedError("{todo}")')
    test = cell(lf.student_version(SOURCES[LAB1]), "test_mse_gradient_values").source
    assert test == ("# Graded tests (3 points): mse_gradient's values on new problems, "
                    "compared with the numerical gradient.")


def test_multiline_todo_and_nested_indentation():
    source = ("def f(x):\n    # not part of the TODO\n    for i in range(3):\n        # TODO: add up\n"
              "        # the squares\n        ### BEGIN SOLUTION\n        x = x + i * i\n        ### END SOLUTION\n"
              "    return x")
    assert lf.stub_solutions(source) == (
        "def f(x):\n    # not part of the TODO\n    for i in range(3):\n        # TODO: add up\n"
        "        # the squares\n        raise NotImplementedError(\"add up the squares\")\n    return x")


def _lab(*cells):
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nbformat.v4.new_notebook(cells=list(cells), metadata={"kernelspec": kernelspec})


GOOD_SOLUTION = "def f():\n    # TODO: return 1\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
GOOD_TEST = "# Graded tests (1 point)\n### BEGIN HIDDEN TESTS\nassert f() == 1, 'f must return 1'\n### END HIDDEN TESTS"


def test_a_good_minimal_lab_passes_the_check():
    assert lf.check_lab(_lab(lf.solution_cell("f", GOOD_SOLUTION), lf.test_cell("t", 1, GOOD_TEST))) == []


@pytest.mark.parametrize("bad, problem", [
    (lf.solution_cell("f", "# TODO: x\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "not inside a function body"),
    (lf.solution_cell("f", "def f():\n    ### BEGIN SOLUTION\n    # TODO: x\n    return 1\n    ### END SOLUTION"),
     "'# TODO: ...' comment right above"),
    (lf.solution_cell("f", "def f():\n    # TODO: x\n    ### BEGIN SOLUTION\n    return 1"), "no matching"),
    (lf.solution_cell("f", "def f():\n    return 1"), "without '### BEGIN SOLUTION'"),
    (lf.readonly_cell("r", GOOD_SOLUTION), "not a solution cell"),
    (lf.readonly_cell("r", GOOD_TEST), "not a graded test cell"),
    (lf.test_cell("t2", 1, "### BEGIN HIDDEN TESTS\nassert f() == 1\n### END HIDDEN TESTS"), "has no message"),
    (lf.test_cell("t2", 0, "pass"), "points > 0"),
    (lf.test_cell("t", 1, "pass"), "used twice"),
    (lf.readonly_cell("bad id!", "pass"), "grade_id must be"),
    (nbformat.v4.new_code_cell("x = 1"), "needs nbgrader metadata"),
])
def test_the_check_finds_broken_labs(bad, problem):
    nb = _lab(lf.solution_cell("f", GOOD_SOLUTION), lf.test_cell("t", 1, GOOD_TEST), bad)
    if lf.grade_id(bad) == "f":
        nb.cells = nb.cells[1:]
    found = lf.check_lab(nb, "bad")
    assert any(problem in p for p in found), found
    with pytest.raises(lf.LabFormatError):
        lf.student_version(nb, "bad")


def test_release_writes_every_lab_and_refuses_a_broken_one(tmp_path):
    written = lf.release(LABS, tmp_path / "out", log=lambda *a: None)
    assert sorted(p.stem for p in written) == LAB_NAMES
    broken = tmp_path / "broken"
    broken.mkdir()
    nb = _lab(lf.solution_cell("f", "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
              lf.test_cell("t", 1, GOOD_TEST))
    nbformat.write(nb, str(broken / "lab.ipynb"))
    with pytest.raises(lf.LabFormatError, match="TODO"):
        lf.release(broken, tmp_path / "out2", log=lambda *a: None)
    assert not (tmp_path / "out2").exists()


def test_cli_check_and_release(tmp_path):
    run = subprocess.run([sys.executable, "-m", "grader", "check"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{LAB1}.ipynb: OK, 10 points in 4 test cells" in run.stdout
    run = subprocess.run([sys.executable, "-m", "grader", "release", "--out", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / f"{LAB1}.ipynb").exists()


# --- rebuilding a submission, without a kernel ---------------------------------------------

def test_a_deleted_test_cell_comes_back_in_its_place_with_its_hidden_tests():
    submission = student_notebook(drop=("test_mse_gradient_values",))
    nb, notes, changed = build_graded_notebook(SOURCES[LAB1], submission, LAB1)
    ids = [lf.grade_id(c) for c in nb.cells]
    assert ids.index("test_mse_gradient_values") == ids.index("test_mse_gradient_shapes") + 1
    assert lf.BEGIN_HIDDEN in cell(nb, "test_mse_gradient_values").source
    assert changed == {"test_mse_gradient_values": "missing"}
    assert notes == ["test cell 'test_mse_gradient_values' was missing from the submission; the original was used"]


def test_edited_tests_are_replaced_added_cells_kept_but_never_graded():
    def edit(nb):
        cell(nb, "test_fit_diabetes").source = "pass  # nothing to see here"
        nb.cells.insert(3, nbformat.v4.new_code_cell("print('my own cell')"))
        nb.cells.append(copy.deepcopy(cell(nb, "test_gradient_descent")))  # a copy of a test cell
        cell(nb, "setup").source += "\nimport os"

    nb, notes, changed = build_graded_notebook(SOURCES[LAB1], student_notebook(edit=edit), LAB1)
    assert cell(nb, "test_fit_diabetes").source == cell(SOURCES[LAB1], "test_fit_diabetes").source
    assert changed == {"test_fit_diabetes": "changed"}
    assert "read-only cell 'setup' was changed in the submission; the original was used" in notes
    assert any(c.source == "print('my own cell')" and "nbgrader" not in c.metadata for c in nb.cells)
    assert [lf.grade_id(c) for c in nb.cells if lf.is_grade(c)] == [
        "test_mse_gradient_shapes", "test_mse_gradient_values", "test_gradient_descent", "test_fit_diabetes"]
    nbformat.validate(nb)


def test_a_deleted_solution_cell_is_graded_as_not_attempted():
    nb, notes, _ = build_graded_notebook(SOURCES[LAB1], student_notebook(drop=("fit_diabetes",)), LAB1)
    assert "raise NotImplementedError" in cell(nb, "fit_diabetes").source
    assert "solution cell 'fit_diabetes' was missing from the submission; graded as not attempted" in notes


def test_submissions_in_our_layout_and_in_nbgraders(tmp_path):
    for path in [tmp_path / "ada" / f"{LAB1}.ipynb", tmp_path / "bob" / "lab01" / f"{LAB1}.ipynb",
                 tmp_path / "bob" / "lab01" / ".ipynb_checkpoints" / f"{LAB1}-checkpoint.ipynb"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert [(s, lab) for s, lab, _ in find_submissions(tmp_path)] == [("ada", LAB1), ("bob", LAB1)]


# --- executing: the release, and one batch of submissions -----------------------------------

@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade, in one batch: every solution notebook, every release, and five kinds of bad lab-1 submissions."""
    root = tmp_path_factory.mktemp("submissions")
    for lab in LAB_NAMES:
        write(SOURCES[lab], root / "solution" / f"{lab}.ipynb")
        write(lf.student_version(SOURCES[lab], lab), root / "release" / f"{lab}.ipynb")

    def sign_error(nb):
        c = cell(nb, "mse_gradient")
        c.source = c.source.replace("err = X @ w + b - y", "err = y - X @ w - b")

    def infinite_loop(nb):
        c = cell(nb, "gradient_descent")
        c.source = c.source.replace("    w, b = np.zeros(X.shape[1]), 0.0", "    while True:\n        pass")

    def import_error(nb):
        cell(nb, "mse_gradient").source = "import does_not_exist\n\n" + cell(nb, "mse_gradient").source

    def tampered(nb):
        cell(nb, "test_fit_diabetes").source = "pass  # nothing to see here"
        nb.cells.insert(3, nbformat.v4.new_code_cell("print('my own cell')"))

    write(student_notebook(edit=sign_error), root / "cy_sign" / f"{LAB1}.ipynb")
    write(student_notebook(edit=infinite_loop), root / "dee_loop" / f"{LAB1}.ipynb")
    write(student_notebook(edit=import_error), root / "eve_import" / f"{LAB1}.ipynb")
    (root / "fay_json").mkdir()
    (root / "fay_json" / f"{LAB1}.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = ')
    write(student_notebook(edit=tampered, drop=("test_mse_gradient_values",)),
          root / "gus_tampered" / "lab01" / f"{LAB1}.ipynb")  # nbgrader's layout
    write(student_notebook(), root / "gus_tampered" / "lab99_unknown.ipynb")

    out = tmp_path_factory.mktemp("grades")
    results = autograde(root, LABS, out, timeout=TIMEOUT, jobs=2, log=lambda *a: None)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"results": {(r.student, r.lab): r for r in results}, "rows": rows, "out": out}


def result(batch, student, lab=LAB1):
    return batch["results"][(student, lab)]


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_every_solution_scores_full_marks(batch, lab):
    r = result(batch, "solution", lab)
    assert r.status == "graded" and r.notes == []
    assert [t.status for t in r.tests] == ["passed"] * len(r.tests)
    assert r.points == r.max_points > 0


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_the_release_scores_zero(batch, lab):
    r = result(batch, "release", lab)
    assert r.status == "graded" and r.points == 0 and r.max_points > 0
    assert all(t.status == "failed" and t.reason.startswith("not implemented yet") for t in r.tests)


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_the_release_runs_top_to_bottom_and_says_not_implemented_yet(lab, tmp_path):
    nb = lf.student_version(SOURCES[lab], lab)
    NotebookClient(nb, kernel_name="python3", allow_errors=False, timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    n_tasks = sum(lf.is_solution(c) for c in nb.cells)
    assert printed.count("not implemented yet") >= n_tasks


def test_a_sign_error_gets_partial_marks_and_feedback_that_names_the_test(batch):
    r = result(batch, "cy_sign")
    assert 0 < r.points < r.max_points
    failed = {t.test: t.reason for t in r.tests if t.status != "passed"}
    assert list(failed) == ["test_mse_gradient_values"]
    assert "sign error" in failed["test_mse_gradient_values"]
    feedback = (batch["out"] / "feedback" / "cy_sign.md").read_text()
    assert "## lab01_linear_regression: 7 / 10 points" in feedback
    assert "| `test_mse_gradient_values` |" in feedback and "sign error: your dC/dw is the negative" in feedback


def test_an_infinite_loop_is_cut_at_the_time_limit_and_what_ran_before_counts(batch):
    r = result(batch, "dee_loop")
    assert r.status == "timeout"
    statuses = {t.test: t.status for t in r.tests}
    assert statuses == {"test_mse_gradient_shapes": "passed", "test_mse_gradient_values": "passed",
                        "test_gradient_descent": "timeout", "test_fit_diabetes": "timeout"}
    assert r.points == 4
    assert any(f"time limit of {TIMEOUT} s" in n for n in r.notes)
    assert r.seconds < TIMEOUT + 30  # cut off, not left running
    rows = [row for row in batch["rows"] if row["student"] == "dee_loop" and row["status"] == "timeout"]
    assert rows and all(f"time limit ({TIMEOUT} s)" in row["reason"] for row in rows)


def test_an_exception_at_import_fails_the_tests_that_need_it_and_is_explained(batch):
    r = result(batch, "eve_import")
    statuses = {t.test: t.status for t in r.tests}
    assert statuses["test_mse_gradient_shapes"] == statuses["test_mse_gradient_values"] == "failed"
    assert statuses["test_gradient_descent"] == statuses["test_fit_diabetes"] == "passed"  # graded on their own
    assert "cell 'mse_gradient' raised ModuleNotFoundError: No module named 'does_not_exist'" in r.notes
    assert "name 'mse_gradient' is not defined" in r.tests[0].reason


def test_a_file_that_is_not_json_is_reported_not_fatal(batch):
    r = result(batch, "fay_json")
    assert r.status == "invalid" and r.points == 0 and len(r.tests) == 4
    rows = [row for row in batch["rows"] if row["student"] == "fay_json"]
    assert len(rows) == 4
    assert all(row["status"] == "invalid" and "not a valid notebook" in row["reason"] for row in rows)


def test_deleted_and_edited_test_cells_are_graded_with_the_originals(batch):
    r = result(batch, "gus_tampered")
    assert r.points == r.max_points == 10
    reasons = {t.test: t.reason for t in r.tests}
    assert reasons["test_mse_gradient_values"] == "the test cell was missing in the submission; the original was used"
    assert reasons["test_fit_diabetes"] == "the test cell was changed in the submission; the original was used"
    unknown = result(batch, "gus_tampered", "lab99_unknown")
    assert unknown.status == "unknown_lab" and "no lab named 'lab99_unknown'" in unknown.tests[0].reason


def test_the_grade_table_and_the_feedback_files(batch):
    rows, out = batch["rows"], batch["out"]
    assert list(rows[0]) == ["student", "lab", "test", "points", "max_points", "status", "reason"]
    students = {s for s, _ in batch["results"]}
    assert {row["student"] for row in rows} == students
    assert len(rows) == sum(len(r.tests) for r in batch["results"].values())
    for student in students:
        text = (out / "feedback" / f"{student}.md").read_text()
        assert text.startswith(f"# Feedback for {student}")
    executed = nbformat.read(str(out / "executed" / "solution" / f"{LAB1}.ipynb"), as_version=4)
    assert "✔ mse_gradient" in "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                                       for o in c.outputs)
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        summary = {(row["student"], row["lab"]): row for row in csv.DictReader(f)}
    assert summary[("cy_sign", LAB1)]["points"] == "7" and summary[("cy_sign", LAB1)]["max_points"] == "10"


def test_a_dying_kernel_and_a_flood_of_output_are_reported(tmp_path):
    """A small synthetic lab: the tests before the crash count, the flood is cut short."""
    source = _lab(lf.solution_cell("f", GOOD_SOLUTION), lf.test_cell("t", 1, GOOD_TEST),
                  lf.test_cell("t_after", 2, "# Graded tests (2 points)\nassert f() == 1, 'f must return 1'"))
    submission = lf.student_version(source)
    cell(submission, "f").source = "def f():\n    return 1"
    submission.cells.insert(2, nbformat.v4.new_code_cell("for i in range(20_000):\n    print('x' * 50)"))
    submission.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    write(submission, tmp_path / "ann" / "lab.ipynb")
    r = grade_submission(source, tmp_path / "ann" / "lab.ipynb", "ann", "lab", timeout=60,
                         executed_dir=tmp_path / "executed")
    assert r.status == "error"
    assert [(t.test, t.status, t.points) for t in r.tests] == [("t", "passed", 1), ("t_after", "error", 0)]
    assert r.tests[1].reason == "not run: the kernel died while running 'cell 3 (a cell you added)'"
    assert "some cells printed so much that their output was cut short" in r.notes
    executed = nbformat.read(str(tmp_path / "executed" / "ann" / "lab.ipynb"), as_version=4)
    printed = sum(len(o.get("text", "")) for o in executed.cells[2].outputs)
    assert 100_000 <= printed < 100_100  # of the 1,020,000 characters printed
