"""The student-version book (``make student-book``, tools/student_book.py) shows no solution.

Cheap on purpose: the lab pages alone are built (``--labs-only``: no chapter), and only lab 1 is
executed (its self-checks then print their "not implemented yet" on the page); the other labs
are rendered from their student sources. Every file the build wrote is searched for every line
of every solution and every hidden test of the instructor's labs.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from grader import labformat
from tools import student_book

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / student_book.LABS).glob("*.ipynb"))
EXECUTED = "lab01_linear_regression"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def _visible_lines() -> set[str]:
    """Every line of every lab's student version (a line there is no secret wherever else it is)."""
    return {line.strip() for lab in LABS for c in labformat.student_version(nbformat.read(lab, 4), lab.stem).cells
            for line in c.source.splitlines()}


VISIBLE = "\n".join(sorted(_visible_lines()))


def _secret_lines(nb) -> dict[str, list[str]]:
    """The solution lines and the hidden-test lines of a source lab, those long enough to be telling and
    in no student version, not even as part of a line (a docstring line, a common numpy idiom)."""
    visible = VISIBLE
    found = {"solution": [], "hidden test": []}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        if labformat.is_solution(cell):
            found["solution"] += _between(lines, "SOLUTION")
        if labformat.is_grade(cell):
            found["hidden test"] += _between(lines, "HIDDEN TESTS")
    return {kind: [s for s in (line.strip() for line in lines) if len(s) >= 16 and not s.startswith("#")
                   and s not in visible] for kind, lines in found.items()}


def _between(lines: list[str], what: str) -> list[str]:
    out, inside = [], False
    for line in lines:
        if f"### BEGIN {what}" in line:
            inside = True
        elif f"### END {what}" in line:
            inside = False
        elif inside:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def student_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    src = student_book.stage(out / "src", labs_only=True, execute=[EXECUTED], log=lambda *a: None)
    return student_book.build(src, out / "html", strict=False, log=lambda *a: None)


def test_every_lab_has_secrets_to_look_for():
    for path in LABS:
        secrets = _secret_lines(nbformat.read(path, 4))
        assert secrets["solution"], f"{path.name}: no solution line found: the search below would be empty"


def test_no_solution_and_no_hidden_test_anywhere_in_the_student_book(student_site):
    files = [p for p in student_site.rglob("*") if p.is_file() and p.suffix in {".html", ".ipynb", ".txt", ".js",
                                                                                 ".json", ".md", ".py"}]
    texts = {p: html.unescape(page_text(p) if p.suffix == ".html" else p.read_text(encoding="utf-8", errors="replace"))
             for p in files}
    leaks = []
    for lab in LABS:
        for kind, lines in _secret_lines(nbformat.read(lab, 4)).items():
            for line in lines:
                leaks += [f"{p.relative_to(student_site)}: {kind} of {lab.stem}: {line}"
                          for p, t in texts.items() if line in t]
    assert leaks == [], "\n".join(leaks[:20])


def test_lab_pages_show_the_stubs_and_the_self_checks(student_site):
    for lab in LABS:
        page = student_site / student_book.LABS / f"{lab.stem}.html"
        assert page.is_file(), f"{page} was not built"
        text = html.unescape(page_text(page))
        student = labformat.student_version(nbformat.read(lab, 4))
        stubs = [c for c in student.cells if labformat.is_solution(c)]
        assert stubs and all("raise NotImplementedError(" in c.source for c in stubs)
        assert text.count("raise NotImplementedError(") >= len(stubs), f"{lab.stem}: stubs missing from the page"
        checks = [c for c in student.cells if c.cell_type == "code" and "selfcheck" in c.source
                  and "remove-cell" not in c.metadata.get("tags", [])]
        for cell in checks:
            first = next(line for line in cell.source.splitlines() if line.strip())
            assert first in text, f"{lab.stem}: self-check cell missing from the page: {first}"
        if lab.stem == EXECUTED:
            assert re.search(r"not implemented yet", text), f"{lab.stem}: the self-checks printed nothing"


def test_student_book_leaves_out_the_instructors_page_and_the_launch_buttons(student_site):
    assert not (student_site / "book" / "instructors.html").exists()
    text = (student_site / student_book.LABS / f"{EXECUTED}.html").read_text(encoding="utf-8")
    assert "instructors.html" not in text
    assert "mybinder.org" not in text and "colab.research.google.com" not in text



def test_stubs_are_shown_not_folded(student_site):
    """The instructor's book folds each solution ("Show code cell source"); the student book shows the stub."""
    for lab in LABS:
        text = page_text(student_site / student_book.LABS / f"{lab.stem}.html")
        assert "Show code cell source" not in text, f"{lab.stem}: a cell is folded"
