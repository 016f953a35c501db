"""The grader's outputs, made from the row files: the grade tables (CSV) and one feedback page per student.

Every cell of the CSV files is safe to open in a spreadsheet: a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
so it is shown as text and never run as a formula.
"""

import csv
import io
from collections import defaultdict
from pathlib import Path

from .metadata import format_points
from .rows import safe_name, write_atomic

__all__ = ["GRADE_COLUMNS", "SUMMARY_COLUMNS", "csv_safe", "grades_csv", "summary_csv", "feedback_markdown",
           "write_reports"]

GRADE_COLUMNS = ["student", "lab", "test", "points", "max_points", "status", "reason", "sandbox"]
SUMMARY_COLUMNS = ["student", "lab", "points", "max_points", "status", "notes", "sandbox"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """``value`` as a CSV cell no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _table(columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return buffer.getvalue()


def grades_csv(results):
    """``grades.csv``: one row per student, lab and graded test cell."""
    return _table(GRADE_COLUMNS, [[r.student, r.lab, t.test, format_points(t.points), format_points(t.max_points),
                                   t.status, t.reason, r.sandbox] for r in results for t in r.tests])


def summary_csv(results):
    """``summary.csv``: one row per student and lab, with the total and the notes."""
    return _table(SUMMARY_COLUMNS, [[r.student, r.lab, format_points(r.points), format_points(r.max_points),
                                     r.status, " | ".join(r.notes), r.sandbox] for r in results])


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


_HEADINGS = {
    "invalid": "Your file could not be read as a notebook, so nothing was run (see the notes).",
    "timeout": "Your notebook hit the time limit; the tests after that point were not run.",
    "duplicate": "More than one file was handed in for this lab; see the notes.",
}


def feedback_markdown(student, results):
    """The feedback page of one student: per lab, the score, every test and why it failed, and notes."""
    lines = [f"# Feedback for {_md(student)}", ""]
    for r in results:
        lines += [f"## {_md(r.lab)}: {format_points(r.points)} / {format_points(r.max_points)} points", ""]
        if r.status in _HEADINGS:
            lines += [_HEADINGS[r.status], ""]
        if r.sandbox == "insecure":
            lines += ["(Graded without a sandbox.)", ""]
        if r.tests and r.status != "unknown_lab":
            lines += ["| test | what it checks | points | result |", "|---|---|---|---|"]
            for t in r.tests:
                lines.append(f"| `{_md(t.test)}` | {_md(t.description)} | {format_points(t.points)} / "
                             f"{format_points(t.max_points)} | {_md(_result_words(r, t))} |")
            lines.append("")
        if r.notes:
            lines += ["Notes:", ""] + [f"- {_md(n)}" for n in r.notes] + [""]
    return "\n".join(lines)


def _result_words(r, t):
    if r.status in ("invalid", "grader_error", "duplicate", "too_large", "symlink") and t.status != "passed":
        return "**not run**" + (f": {t.reason}" if t.reason else "")
    words = "passed" if t.status == "passed" else f"**{t.status.replace('_', ' ')}**"
    return words + (f": {t.reason}" if t.reason else "")


def write_reports(results, out_dir):
    """Write ``grades.csv``, ``summary.csv`` and ``feedback/<student>.md`` for ``results``, each atomically."""
    out_dir = Path(out_dir)
    write_atomic(out_dir / "grades.csv", grades_csv(results))
    write_atomic(out_dir / "summary.csv", summary_csv(results))
    by_student = defaultdict(list)
    for r in results:
        by_student[r.student].append(r)
    for student, rs in sorted(by_student.items()):
        write_atomic(out_dir / "feedback" / f"{safe_name(student)}.md", feedback_markdown(student, rs))
