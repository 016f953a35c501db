"""``python -m grader.worker``: a grading process of the batch; grades the submissions it is sent, one at a time.

Jobs come as JSON lines on stdin (see :func:`grader.batch.job`); for each, the
worker grades the notebook, writes the student's row file, and answers with a
line ``{"done": ...}`` on stdout. A worker lives for many submissions, so its
imports (numpy, IPython, labs, scikit-learn) are paid once; the batch starts a
new one whenever a worker dies or overruns, and nothing one submission does to its
worker touches another student's row (each row file is written on its own).

The hidden tests run here, and the student's code can call the grader's functions
back with arguments of its choosing (a reference gradient on a 40000 x 40000 matrix):
so the worker's own address space is bounded, ``WORKER_MEMORY`` (a worker grading
honest labs peaks at 0.6 GiB of address space, 0.23 GiB resident). Past it, the
callback raises MemoryError and the test it served fails; the machine is not touched.
Only the soft limit is set, so the sandboxes it starts still get their own limits.
"""

import json
import resource
import sys
from pathlib import Path

from . import sandbox
from .grading import grade_submission
from .release import read_lab
from .rows import safe_name, write_row


def grade(job):
    """Grade the submission of ``job`` and write its row file; return the row file's path."""
    source = read_lab(job["source"])
    out = Path(job["out"])
    result = grade_submission(source, job["path"], job["student"], job["lab"], timeout=job["timeout"],
                              limits=sandbox.Limits(**job["limits"]), slot=job["slot"], insecure=job["insecure"],
                              executed_dir=out / "executed" / safe_name(job["student"]))
    return write_row(out, result)


WORKER_MEMORY = 4 * 2**30  # bytes of address space


def main():
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (min(WORKER_MEMORY, hard) if hard > 0 else WORKER_MEMORY, hard))
    reply = sys.stdout
    sys.stdout = sys.stderr  # whatever else prints must not mix with the replies
    for line in sys.stdin:
        if line.strip():
            path = grade(json.loads(line))
            reply.write(json.dumps({"done": str(path)}) + "\n")
            reply.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
