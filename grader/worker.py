"""``python -m grader.worker``: grade one submission and write its row file (the batch runs one per submission).

The job comes as JSON on stdin (see :func:`grader.batch.job`). Running each
submission in a process of its own means that nothing one submission does to
its grader process (or a crash of it) touches another student's grade.
"""

import json
import sys
from pathlib import Path

from . import sandbox
from .grading import grade_submission
from .release import read_lab
from .rows import safe_name, write_row


def main():
    job = json.loads(sys.stdin.read())
    source = read_lab(job["source"])
    out = Path(job["out"])
    result = grade_submission(source, job["path"], job["student"], job["lab"], timeout=job["timeout"],
                              limits=sandbox.Limits(**job["limits"]), slot=job["slot"], insecure=job["insecure"],
                              executed_dir=out / "executed" / safe_name(job["student"]))
    write_row(out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
