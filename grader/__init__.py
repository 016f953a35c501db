"""grader: release and autograde the course's lab notebooks (one source per lab, nbgrader-compatible).

* ``python -m grader release``   student notebooks: solutions stubbed, hidden tests removed, outputs cleared
* ``python -m grader autograde SUBMISSIONS``   grade every submission, each in a sandbox, against the hidden
  tests run on the grader's side; write ``grades.csv``, ``summary.csv`` and ``feedback/<student>.md``
* ``python -m grader check``     check that the lab sources follow the format

The format: :mod:`grader.metadata` (nbgrader's cell metadata), :mod:`grader.markers`
(solution and hidden-test regions), :mod:`grader.labformat` (the checks),
:mod:`grader.release`. Grading: :mod:`grader.rebuild` (the notebook to grade),
:mod:`grader.runner` (the student side, in the sandbox), :mod:`grader.wire` (the
plain-data protocol between the sides), :mod:`grader.session` and
:mod:`grader.trusted` (the grader's side), :mod:`grader.grading` (one submission),
:mod:`grader.scoring`, :mod:`grader.outputs`, :mod:`grader.rows`,
:mod:`grader.reports` and :mod:`grader.batch` (many).
"""

from .grading import grade_submission
from .labformat import LabFormatError, check_lab, readonly_cell, solution_cell, test_cell
from .rebuild import build_graded_notebook
from .release import release, student_version
from .scoring import LabResult, TestResult

__all__ = [
    "autograde", "build_graded_notebook", "grade_submission", "LabResult", "TestResult",
    "release", "student_version", "check_lab", "LabFormatError", "solution_cell", "test_cell", "readonly_cell",
]


def autograde(*args, **kwargs):
    """See :func:`grader.batch.autograde`."""
    from .batch import autograde as run
    return run(*args, **kwargs)
