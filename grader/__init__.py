"""grader: release and autograde the course's lab notebooks (one source per lab, nbgrader-compatible).

* ``python -m grader release``   student notebooks: solutions stubbed, hidden tests removed, outputs cleared
* ``python -m grader autograde SUBMISSIONS``   run every submission against the hidden tests; write
  ``grades.csv``, ``summary.csv`` and ``feedback/<student>.md``
* ``python -m grader check``     check that the lab sources follow the format

:mod:`grader.labformat` holds the format (nbgrader's metadata and markers) and the
release, :mod:`grader.autograde` the grading, :mod:`grader.report` the outputs.
Built on nbformat and nbclient; nbgrader itself is not needed (but can use the
same notebooks).
"""

from .autograde import LabResult, TestResult, autograde, build_graded_notebook, find_submissions, grade_submission
from .labformat import LabFormatError, check_lab, readonly_cell, release, solution_cell, student_version, test_cell

__all__ = [
    "autograde", "build_graded_notebook", "find_submissions", "grade_submission", "LabResult", "TestResult",
    "release", "student_version", "check_lab", "LabFormatError", "solution_cell", "test_cell", "readonly_cell",
]
