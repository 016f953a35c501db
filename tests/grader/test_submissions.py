"""Finding submissions (grader.submissions): every odd file becomes a reason, never a crash.

Built on a temporary folder per test: our layout and nbgrader's, names that are not
UTF-8, symbolic links (to files, to folders, to a classmate's notebook, to the lab
source), duplicates, notebooks above the size cap, files that are not notebooks, unknown
labs and FIFOs. No notebook is executed here.
"""

import os
from pathlib import Path

import nbformat
import pytest

from grader.submissions import MAX_BYTES, Rejected, Submission, find_submissions, shown

LABS = {"lab01_linear_regression", "lab02_perceptron_and_logistic_neuron"}
LAB1 = "lab01_linear_regression"
LAB2 = "lab02_perceptron_and_logistic_neuron"


def notebook(text="x = 1"):
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)]))


def put(path, content=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = notebook() if content is None else content
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


def by_status(rejected):
    out = {}
    for r in rejected:
        out.setdefault(r.status, []).append(r)
    return out


def test_our_layout_and_nbgraders_are_both_found(tmp_path):
    put(tmp_path / "alice" / f"{LAB1}.ipynb")
    put(tmp_path / "bob" / "assignment1" / f"{LAB2}.ipynb")
    put(tmp_path / "bob" / "assignment1" / "timestamp.txt", "2026-12-07 10:00:00")
    put(tmp_path / "bob" / ".ipynb_checkpoints" / f"{LAB2}-checkpoint.ipynb")
    put(tmp_path / "alice" / "data.csv", "1,2,3")
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == [Submission("alice", LAB1, tmp_path / "alice" / f"{LAB1}.ipynb"),
                     Submission("bob", LAB2, tmp_path / "bob" / "assignment1" / f"{LAB2}.ipynb")]
    assert rejected == []


def test_a_name_that_is_not_utf8_is_a_reason_and_the_batch_goes_on(tmp_path):
    bad = os.path.join(os.fsencode(tmp_path), b"stud\xffent")
    os.makedirs(bad)
    with open(os.path.join(bad, f"{LAB1}.ipynb".encode()), "w") as f:
        f.write(notebook())
    os.makedirs(tmp_path / "carol")
    with open(os.path.join(os.fsencode(tmp_path / "carol"), b"lab\xff.ipynb"), "w") as f:
        f.write(notebook())
    put(tmp_path / "dave" / f"{LAB1}.ipynb")
    found, rejected = find_submissions(tmp_path, LABS)
    assert [s.student for s in found] == ["dave"]
    assert {(r.student, r.status) for r in rejected} == {("stud\\xffent", "invalid"), ("carol", "invalid")}
    for r in rejected:
        assert "UTF-8" in r.reason and "\\xff" in r.where
        r.where.encode("utf-8")  # safe to write anywhere
        r.student.encode("utf-8")


def test_control_characters_in_a_name_are_rejected(tmp_path):
    put(tmp_path / "eve\nmallory" / f"{LAB1}.ipynb")
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == []
    assert rejected[0].status == "invalid" and "control characters" in rejected[0].reason
    assert "\n" not in rejected[0].student and "\n" not in rejected[0].where


def test_symlinks_are_never_followed(tmp_path):
    subs = tmp_path / "subs"
    source = put(tmp_path / "source" / f"{LAB1}.ipynb", notebook("w = 'the solution'"))
    classmate = put(subs / "alice" / f"{LAB1}.ipynb")
    (subs / "mallory").mkdir()
    (subs / "mallory" / f"{LAB1}.ipynb").symlink_to(source)            # the instructor's solution
    (subs / "mallory" / f"{LAB2}.ipynb").symlink_to(classmate)         # a classmate's work
    (subs / "trudy").symlink_to(tmp_path / "source", target_is_directory=True)  # a whole folder
    (subs / "oscar").mkdir()
    (subs / "oscar" / "work").symlink_to(tmp_path / "source", target_is_directory=True)
    found, rejected = find_submissions(subs, LABS)
    assert found == [Submission("alice", LAB1, classmate)]
    got = {(r.student, r.lab, r.status) for r in rejected}
    assert got == {("mallory", LAB1, "symlink"), ("mallory", LAB2, "symlink"), ("trudy", "", "symlink"),
                   ("oscar", "", "symlink")}
    assert all("never followed" in r.reason for r in rejected)


def test_duplicates_count_once_by_a_stated_rule(tmp_path):
    put(tmp_path / "alice" / "a1" / f"{LAB1}.ipynb")
    put(tmp_path / "alice" / "a2" / f"{LAB1}.ipynb")
    put(tmp_path / "alice" / f"{LAB1}.ipynb")
    put(tmp_path / "bob" / "b" / f"{LAB1}.ipynb")
    put(tmp_path / "bob" / "a" / f"{LAB1}.ipynb", "not json")   # the invalid copy does not win
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == [Submission("alice", LAB1, tmp_path / "alice" / f"{LAB1}.ipynb"),
                     Submission("bob", LAB1, tmp_path / "bob" / "b" / f"{LAB1}.ipynb")]
    s = by_status(rejected)
    assert sorted(r.where for r in s["duplicate"]) == [f"alice/a1/{LAB1}.ipynb", f"alice/a2/{LAB1}.ipynb"]
    assert all(f"'alice/{LAB1}.ipynb' was graded" in r.reason and "rule" in r.reason for r in s["duplicate"])
    assert [r.student for r in s["invalid"]] == ["bob"]


def test_the_size_cap_is_checked_before_reading(tmp_path, monkeypatch):
    big = put(tmp_path / "alice" / f"{LAB1}.ipynb")
    with open(big, "r+b") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: above the cap without writing it
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(p) or real_open(p, *a, **k))
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == [] and rejected[0].status == "too_large"
    assert str(MAX_BYTES) in rejected[0].reason and "Clear Output" in rejected[0].reason
    assert big not in [Path(p) for p in opened]
    small, _ = find_submissions(tmp_path, LABS, max_bytes=10 * MAX_BYTES)
    assert small == []  # within a larger cap it is read, and it is no notebook (zeros)


@pytest.mark.parametrize("content, why", [
    (b"\xff\xfe not text", "not UTF-8"),
    ("{ not json", "not JSON"),
    ('{"cells": []}', "nbformat"),
    ('[1, 2, 3]', "nbformat"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "nope"}', "not a notebook"),
    ("", "not JSON"),
    ("[" * 100_000 + "]" * 100_000, "not"),
])
def test_files_that_are_not_notebooks(tmp_path, content, why):
    put(tmp_path / "alice" / f"{LAB1}.ipynb", content)
    put(tmp_path / "bob" / f"{LAB1}.ipynb")
    found, rejected = find_submissions(tmp_path, LABS)
    assert [s.student for s in found] == ["bob"]
    assert len(rejected) == 1 and rejected[0].status == "invalid" and why in rejected[0].reason


def test_a_lab_submitted_in_another_format_is_named(tmp_path):
    put(tmp_path / "alice" / f"{LAB1}.py", "w = 1")
    put(tmp_path / "alice" / f"{LAB2}.pdf", b"%PDF-1.4")
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == []
    assert {(r.lab, r.status) for r in rejected} == {(LAB1, "invalid"), (LAB2, "invalid")}
    assert all("is not a notebook" in r.reason for r in rejected)


def test_unknown_labs_and_stray_notebooks(tmp_path):
    put(tmp_path / "alice" / "scratch.ipynb")
    put(tmp_path / f"{LAB1}.ipynb")  # not in a student's folder
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == []
    s = by_status(rejected)
    assert s["unknown_lab"][0].lab == "scratch" and LAB1 in s["unknown_lab"][0].reason
    assert s["invalid"][0].student == "" and "folder named after the student" in s["invalid"][0].reason


def test_a_fifo_is_not_opened(tmp_path):
    (tmp_path / "alice").mkdir()
    os.mkfifo(tmp_path / "alice" / f"{LAB1}.ipynb")  # opening it for reading would block forever
    found, rejected = find_submissions(tmp_path, LABS)
    assert found == [] and rejected == [Rejected("alice", LAB1, f"alice/{LAB1}.ipynb", "invalid",
                                                 "not a regular file (a FIFO, socket or device)")]


def test_shown_escapes_what_cannot_be_printed():
    assert shown(b"a\xffb") == "a\\xffb"
    assert shown("tab\there") == "tab\\there"
    assert shown("Zoë") == "Zoë"
