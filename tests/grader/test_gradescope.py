"""``make gradescope``: one autograder zip per lab, run as Gradescope's harness runs it.

The zip of lab 1 is unpacked into a temporary tree laid out as Gradescope lays out
``/autograder`` (``source/`` = the zip, ``submission/`` = the student's files, ``results/``),
``run_autograder`` runs there (``AUTOGRADER_ROOT`` points at the tree, ``AUTOGRADER_PYTHON`` at
this venv's interpreter, standing for the one ``setup.sh`` installs), once on the solved source
(10 points) and once on the blank student version (0 points), and ``results.json`` is checked
against Gradescope's documented format (RESULTS_SCHEMA, written from "Autograder
Specifications", https://gradescope-autograders.readthedocs.io/en/latest/specs/).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from grader import gradescope, labformat

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "book/lab_notebooks"
LAB = "lab01_linear_regression"

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
                # what the issue asks of every test; the format itself requires none of these
                "required": ["name", "score", "max_score", "output"],
                "additionalProperties": False,
            },
        },
        "leaderboard": {"type": "array"},
    },
    # "score" is optional in the format only when every test has one; ours always has both
    "required": ["score", "tests"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    return gradescope.build(SOURCE, tmp_path_factory.mktemp("zips"), log=lambda *a: None)


def test_one_zip_per_gradable_lab_with_gradescopes_layout(zips):
    assert sorted(p.stem for p in zips) == sorted(labformat.lab_sources(SOURCE))
    with zipfile.ZipFile(next(p for p in zips if p.stem == LAB)) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", f"lab/{LAB}.ipynb", "requirements.txt", "pyproject.toml",
            "grader/__main__.py", "labs/__init__.py", "grader/gradescope.py"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111, "the two scripts must be executable"
    assert not any(n.startswith("/") or ".." in n.split("/") for n in names)


def _harness(zip_path: Path, tmp: Path, notebook) -> Path:
    """/autograder as Gradescope lays it out, under ``tmp``; the submission is ``notebook``."""
    root = tmp / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # zipfile does not restore permissions
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as the image build does
    (root / "submission").mkdir()
    (root / "results").mkdir()
    nbformat.write(notebook, str(root / "submission" / f"{LAB}.ipynb"))
    return root


def _run_autograder(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("version, expected", [("solved", 10), ("blank", 0)])
def test_run_autograder_scores_a_solved_and_a_blank_submission(zips, tmp_path, version, expected):
    source = labformat.read_lab(SOURCE / f"{LAB}.ipynb")
    notebook = source if version == "solved" else labformat.student_version(source, LAB)
    root = _harness(next(p for p in zips if p.stem == LAB), tmp_path, notebook)
    results = _run_autograder(root)
    assert results["score"] == expected, results["output"]
    assert sum(t["score"] for t in results["tests"]) == expected
    assert sum(t["max_score"] for t in results["tests"]) == 10
    ids = [labformat.grade_id(c) for c in source.cells if labformat.is_grade(c)]
    assert [t["name"] for t in results["tests"]] == ids
    assert all(t["status"] == ("passed" if version == "solved" else "failed") for t in results["tests"])
    assert "sandbox: " in results["output"]


def test_a_submission_without_the_notebook_gets_zero_and_says_why(zips, tmp_path):
    root = _harness(next(p for p in zips if p.stem == LAB), tmp_path, nbformat.v4.new_notebook())
    (root / "submission" / f"{LAB}.ipynb").unlink()
    (root / "submission" / "notes.txt").write_text("forgot the notebook")
    results = _run_autograder(root)
    assert results["score"] == 0 and f"upload {LAB}.ipynb" in results["output"]
    assert sum(t["max_score"] for t in results["tests"]) == 10


def test_grade_table_rows_become_gradescope_tests():
    table = ("student,lab,test,points,max_points,status,reason\n"
             "s,lab,t1,1,1,passed,\n"
             "s,lab,t2,0,3,failed,'-1 is not the sign you want\n"
             "s,other,t3,0,1,failed,x\n")
    assert gradescope.results_from_grades(table, "lab") == [
        {"name": "t1", "score": 1, "max_score": 1, "status": "passed", "output": "passed", "visibility": "visible"},
        {"name": "t2", "score": 0, "max_score": 3, "status": "failed",
         "output": "failed: -1 is not the sign you want", "visibility": "visible"}]


def test_without_a_working_sandbox_it_grades_insecure_and_says_why(monkeypatch):
    """Gradescope's containers usually refuse bubblewrap's user namespaces: --insecure, with the reason."""
    import types

    fake = types.ModuleType("grader.sandbox")
    fake.available = lambda: (False, "bwrap: No permissions to create new namespace")
    monkeypatch.setitem(sys.modules, "grader.sandbox", fake)
    import grader

    monkeypatch.setattr(grader, "sandbox", fake, raising=False)
    flags, text = gradescope._sandbox_flags()
    assert flags == ["--insecure"] and "No permissions to create new namespace" in text
    fake.available = lambda: (True, "")
    assert gradescope._sandbox_flags() == ([], "bubblewrap")
