"""Results and the reasons given for them: what a student reads in the grade table and the feedback."""

import linecache
import re
import traceback
from dataclasses import asdict, dataclass, field

from .markers import remove_hidden_tests
from .session import StudentError

__all__ = ["TestResult", "LabResult", "explain", "explain_exception", "description", "one_line"]


@dataclass
class TestResult:
    """One graded test cell of one submission: a row of the grade table."""

    __test__ = False  # not a pytest test class

    test: str
    description: str
    points: float
    max_points: float
    status: str  # passed, failed, timeout, not_run, invalid, error, ...
    reason: str = ""


@dataclass
class LabResult:
    """Everything the grader found out about one student's notebook for one lab."""

    student: str
    lab: str
    path: str
    status: str = "graded"  # graded, timeout, error (the notebook's process died), grader_error (retried on a
    # rerun), or the finder's invalid, unknown_lab, duplicate, too_large, symlink
    tests: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    sandbox: str = "bubblewrap"  # or "insecure"
    digest: str = ""  # sha256 of the graded file, so that a rerun knows it

    @property
    def points(self):
        return sum(t.points for t in self.tests)

    @property
    def max_points(self):
        return sum(t.max_points for t in self.tests)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        tests = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**{**data, "tests": tests})


def one_line(text, limit=300):
    """``text`` on one line, cut at ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(ename, evalue, failing_line=""):
    """A failed test's error in plain words (``failing_line``: the assert that failed, when it has no message)."""
    evalue = one_line(evalue)
    if ename == "NotImplementedError":
        return f"not implemented yet ({evalue})" if evalue else "not implemented yet"
    if ename == "AssertionError":
        if evalue:
            return evalue
        return f"a check failed: {failing_line}" if failing_line else "a check failed"
    if ename == "NameError":
        return f"{evalue}: was the cell that defines it deleted, or did it fail (see the notes)?"
    return f"your code raised {ename}: {evalue}"


def explain_exception(exc, filename):
    """The reason for a test cell (compiled as ``filename``) that raised ``exc`` on the grader's side."""
    if isinstance(exc, StudentError):
        reason = explain(exc.type_name, exc.message)
        if exc.type_name not in ("NotImplementedError", "AssertionError", "NameError") and exc.where:
            reason += f" ({one_line(exc.where, 120)})"
        return reason
    if isinstance(exc, AssertionError):
        return explain("AssertionError", str(exc), _failing_line(exc, filename))
    return (f"the test could not use what your code returned ({type(exc).__name__}: "
            f"{one_line(str(exc), 200)})")


def _failing_line(exc, filename):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    return linecache.getline(filename, frames[-1].lineno).strip()


def description(cell):
    """What a test cell checks: its opening comment block, without a 'Graded tests (N points):' prefix."""
    words = []
    for line in remove_hidden_tests(cell.source).split("\n"):
        if not line.strip().startswith("#"):
            break
        words.append(line.strip().lstrip("#").strip())
    text = " ".join(w for w in words if w)
    return re.sub(r"^graded tests?\s*(\([^)]*\))?\s*:?\s*", "", text, flags=re.IGNORECASE)
