"""The grader's outputs: the grade table (CSV) and one feedback page per student (Markdown)."""

import csv
from collections import defaultdict
from pathlib import Path

__all__ = ["GRADE_COLUMNS", "SUMMARY_COLUMNS", "write_grades", "write_summary", "write_feedback", "feedback_markdown"]

GRADE_COLUMNS = ["student", "lab", "test", "points", "max_points", "status", "reason"]
SUMMARY_COLUMNS = ["student", "lab", "points", "max_points", "status", "notes"]


def _num(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def write_grades(results, path):
    """``grades.csv``: one row per student, lab and graded test cell."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(GRADE_COLUMNS)
        for r in results:
            for t in r.tests:
                writer.writerow([r.student, r.lab, t.test, _num(t.points), _num(t.max_points), t.status, t.reason])


def write_summary(results, path):
    """``summary.csv``: one row per student and lab, with the total and the notes."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SUMMARY_COLUMNS)
        for r in results:
            writer.writerow([r.student, r.lab, _num(r.points), _num(r.max_points), r.status, " | ".join(r.notes)])


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def feedback_markdown(student, results):
    """The feedback page of one student: per lab, the score, every test and why it failed, and notes."""
    lines = [f"# Feedback for {student}", ""]
    for r in results:
        lines += [f"## {r.lab}: {_num(r.points)} / {_num(r.max_points)} points", ""]
        if r.status == "invalid":
            lines += ["Your file could not be read as a notebook, so nothing was run (see the notes).", ""]
        elif r.status == "timeout":
            lines += ["Your notebook hit the time limit; the tests after that point were not run.", ""]
        if r.tests and r.status != "unknown_lab":
            lines += ["| test | what it checks | points | result |", "|---|---|---|---|"]
            for t in r.tests:
                if r.status in ("invalid", "error"):
                    result = "**not run**"
                else:
                    result = "passed" if t.status == "passed" else f"**{t.status.replace('_', ' ')}**"
                    if t.reason:
                        result += f": {t.reason}"
                lines.append(f"| `{t.test}` | {_cell(t.description)} | {_num(t.points)} / {_num(t.max_points)} "
                             f"| {_cell(result)} |")
            lines.append("")
        if r.notes:
            lines += ["Notes:", ""] + [f"- {n}" for n in r.notes] + [""]
    return "\n".join(lines)


def write_feedback(results, folder):
    """``feedback/<student>.md`` for every student in ``results``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_student = defaultdict(list)
    for r in results:
        by_student[r.student].append(r)
    paths = []
    for student, rs in sorted(by_student.items()):
        path = folder / f"{student}.md"
        path.write_text(feedback_markdown(student, rs), encoding="utf-8")
        paths.append(path)
    return paths
