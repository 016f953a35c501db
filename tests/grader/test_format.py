"""The lab format without running anything: nbgrader's metadata, markers, the release, and rebuilding a submission."""

import copy
import subprocess
import sys

import jsonschema
import nbformat
import pytest
import yaml
from grader_helpers import LAB1, LAB_NAMES, LABS, ROOT, SOURCES, cell, student_notebook, tiny_lab

from grader import build_graded_notebook
from grader import labformat as lf

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


def _outside_regions(source):
    """The lines of ``source`` outside every solution and hidden-test region (markers excluded)."""
    lines = source.split("\n")
    pairs = (lf.regions(lines, lf.BEGIN_SOLUTION, lf.END_SOLUTION, "cell")
             + lf.regions(lines, lf.BEGIN_HIDDEN, lf.END_HIDDEN, "cell"))
    inside = {i for begin, end in pairs for i in range(begin, end + 1)}
    return [line for i, line in enumerate(lines) if i not in inside]


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_release_has_no_solution_no_hidden_test_no_output(lab):
    source = SOURCES[lab]
    release = lf.student_version(source, lab)
    # a line that also stands outside every solution and hidden-test region (a lone ")" of
    # formatted code, say) is in the release by right, so it does not count as a leak
    visible = {line.strip() for c in source.cells for line in _outside_regions(c.source)}
    released_lines = {line.strip() for c in release.cells for line in c.source.split("\n")} - visible
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
    assert stub.endswith("    # TODO: return (dC/dw, dC/db) for the cost C(w, b) above, without a loop\n"
                         f'    # over the examples\n    raise NotImplementedError("{todo}")')
    test = cell(lf.student_version(SOURCES[LAB1]), "test_mse_gradient_values").source
    assert test == ("# Graded tests (3 points): mse_gradient's values on new problems, compared with\n"
                    "# the numerical gradient.")


def test_multiline_todo_and_nested_indentation():
    source = ("def f(x):\n    # not part of the TODO\n    for i in range(3):\n        # TODO: add up\n"
              "        # the squares\n        ### BEGIN SOLUTION\n        x = x + i * i\n        ### END SOLUTION\n"
              "    return x")
    assert lf.stub_solutions(source) == (
        "def f(x):\n    # not part of the TODO\n    for i in range(3):\n        # TODO: add up\n"
        "        # the squares\n        raise NotImplementedError(\"add up the squares\")\n    return x")


def _lab(*cells):
    return tiny_lab(*cells)


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


@pytest.mark.parametrize("source, line, name", [
    ("def f(x):\n    # TODO: a\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", 2, "f"),
    ("class C:\n    def m(self):\n        if True:\n            ### BEGIN SOLUTION\n", 3, "m"),
    ("def outer():\n    def inner():\n        pass\n    ### BEGIN SOLUTION\n", 3, "outer"),
    ("def f():\n    pass\n### BEGIN SOLUTION\n", 2, None),
    ("x = [\n    1,\n    ### BEGIN SOLUTION\n", 2, None),
])
def test_the_enclosing_function_is_read_from_the_syntax_tree(source, line, name):
    assert lf.enclosing_function(source.split("\n"), line) == name


def test_format_points():
    assert [lf.format_points(x) for x in (3, 3.0, 2.5, 0)] == ["3", "3", "2.5", "0"]


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_edited_hidden_test_cells_keep_lines_within_80_characters(lab):
    """Cells rewritten for the two-process grader follow issue 11: no sideways scrolling."""
    rewritten = {"test_fit_diabetes", "test_mse_gradient_shapes", "test_bce_gradient_shapes",
                 "test_kink_weights_shapes", "test_linear_backward_shapes"}
    for c in SOURCES[lab].cells:
        if lf.grade_id(c) in rewritten:
            assert max(len(line) for line in c.source.split("\n")) <= 80, lf.grade_id(c)
