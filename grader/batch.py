"""Grade a folder of submissions: one sandboxed run per notebook, ``jobs`` at a time, no grade ever lost.

Every submission is graded by a worker process of its own (:mod:`grader.worker`),
which writes the student's row file as soon as the notebook is graded
(:mod:`grader.rows`). The grade tables and the feedback pages are made from the
row files (:mod:`grader.reports`), now and then during the batch and at its end,
so an interrupted batch loses at most the notebooks being graded, and a rerun
resumes where it stopped. Submissions the finder rejects (not UTF-8, symlinks,
duplicates, too large, not a notebook, unknown lab) become rows too.
"""

import dataclasses
import json
import os
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import labformat as lf
from . import sandbox, submissions
from .grading import all_tests, digest
from .metadata import format_points
from .reports import write_reports
from .rows import forget_rejected, read_row, read_rows, rejected_path, row_path, write_row
from .scoring import LabResult, TestResult

__all__ = ["SandboxUnavailable", "autograde", "job"]

REPORT_EVERY = 10.0  # seconds between two rewrites of the tables during a batch
WORKER_GRACE = 90.0  # seconds a worker may take beyond the time limit (start-up, the tests) before it is killed


class SandboxUnavailable(RuntimeError):
    """No sandbox here, and ``insecure`` was not asked for."""


def job(source_path, sub, out_dir, timeout, limits, slot, insecure):
    """The JSON job of one submission for :mod:`grader.worker`."""
    return {"source": str(source_path), "lab": sub.lab, "student": sub.student, "path": str(sub.path),
            "timeout": timeout, "limits": dataclasses.asdict(limits), "slot": slot, "insecure": insecure,
            "out": str(out_dir)}


def _rejected_row(rej, sources, insecure):
    result = LabResult(rej.student, rej.lab, rej.where, status=rej.status,
                       sandbox="insecure" if insecure else "bubblewrap")
    if rej.lab in sources:
        result.tests = all_tests(sources[rej.lab], rej.status, rej.reason)
    else:
        result.tests = [TestResult("", "", 0.0, 0.0, rej.status, rej.reason)]
    result.notes.append(rej.reason)
    return result


def _already_graded(out_dir, sub, insecure):
    row = read_row(row_path(out_dir, sub.student, sub.lab))
    try:
        same = row is not None and row.digest == digest(sub.path)
    except OSError:
        return False
    return same and row.status != "grader_error" and row.sandbox == ("insecure" if insecure else "bubblewrap")


class _Worker:
    """A :mod:`grader.worker` process of one slot, started on first use and again after it failed."""

    def __init__(self):
        self.process, self._buffer = None, b""

    def run(self, payload, timeout):
        """Send one job; ``None`` when it reported done, else what went wrong (the worker is then stopped)."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, "-m", "grader.worker"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self._buffer = b""
        try:
            self.process.stdin.write(payload.encode("utf-8") + b"\n")
            self.process.stdin.flush()
            return self._wait(time.monotonic() + timeout)
        except OSError as exc:
            self.stop()
            return f"it could not be reached ({exc})"

    def _wait(self, deadline):
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
            if not ready:
                self.stop()
                return "it did not finish in time and was stopped"
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.process.wait()
                self.process = None
                return f"it ended with exit status {code}"
            self._buffer += chunk
        _, self._buffer = self._buffer.split(b"\n", 1)
        return None

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class _Batch:
    """The state of one batch: where things go, the workers, and the lock that guards rewriting the tables."""

    def __init__(self, source_dir, out_dir, timeout, limits, insecure, log, jobs):
        self.source_dir, self.out_dir, self.timeout = Path(source_dir), Path(out_dir), timeout
        self.limits, self.insecure, self.log = limits, insecure, log
        self.lock, self.last_report = threading.Lock(), 0.0
        self.slots = list(range(jobs))[::-1]
        self.workers = [_Worker() for _ in range(jobs)]

    def grade(self, sub):
        """Grade ``sub`` in a worker process; whatever happens to the worker, a row is written."""
        with self.lock:
            slot = self.slots.pop()
        try:
            path = self.source_dir / f"{sub.lab}.ipynb"
            payload = json.dumps(job(path, sub, self.out_dir, self.timeout, self.limits, slot, self.insecure))
            before = time.time()
            problem = self.workers[slot].run(payload, self.timeout + WORKER_GRACE)
            written = row_path(self.out_dir, sub.student, sub.lab)
            row = read_row(written) if written.exists() and written.stat().st_mtime >= before - 1 else None
            if row is None:
                row = self._worker_failed(sub, problem or "it wrote no result")
        finally:
            with self.lock:
                self.slots.append(slot)
        self._report(row)
        return row

    def close(self):
        for worker in self.workers:
            if worker.process is not None:
                worker.process.stdin.close()
                try:
                    worker.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.stop()

    def _worker_failed(self, sub, problem):
        source = lf.read_lab(self.source_dir / f"{sub.lab}.ipynb")
        reason = f"the autograder's worker failed ({' '.join(problem.split())[:300]})"
        row = LabResult(sub.student, sub.lab, str(sub.path), status="grader_error",
                        sandbox="insecure" if self.insecure else "bubblewrap")
        row.tests, row.notes = all_tests(source, "error", reason), [reason]
        write_row(self.out_dir, row)
        return row

    def _report(self, row):
        self.log(f"{row.student[:20]:>20} {row.lab:<36} {format_points(row.points):>5} / "
                 f"{format_points(row.max_points):<5} {row.status:<11} {row.seconds:5.1f} s")
        with self.lock:
            if time.monotonic() - self.last_report >= REPORT_EVERY:
                write_reports(read_rows(self.out_dir), self.out_dir)
                self.last_report = time.monotonic()


def autograde(submissions_dir, source_dir, out_dir, *, timeout=120, jobs=1, limits=None, insecure=False, log=print):
    """Grade every notebook under ``submissions_dir``; write rows, tables and feedback to ``out_dir``.

    Returns the list of :class:`LabResult` of the whole output folder (earlier runs
    included). Raises :class:`SandboxUnavailable` when there is no sandbox and
    ``insecure`` is false.
    """
    if not insecure:
        ok, why = sandbox.available()
        if not ok:
            raise SandboxUnavailable(why)
    sources = lf.lab_sources(source_dir)
    if not sources:
        raise FileNotFoundError(f"no gradable lab notebooks in {source_dir}")
    problems = [p for name, nb in sources.items() for p in lf.check_lab(nb, name)]
    if problems:
        raise lf.LabFormatError("the lab sources are broken:\n" + "\n".join(problems))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    found, rejected = submissions.find_submissions(Path(submissions_dir), set(sources))
    if not found and not rejected:
        log(f"no notebooks found under {submissions_dir}/<student>/")
    forget_rejected(out_dir)
    for rej in rejected:
        path = rejected_path(out_dir, rej.student, rej.lab, rej.where)
        write_row(out_dir, _rejected_row(rej, sources, insecure), path)
    todo = [s for s in found if not _already_graded(out_dir, s, insecure)]
    if len(todo) < len(found):
        log(f"resuming: {len(found) - len(todo)} notebooks already graded in {out_dir}")
    batch = _Batch(source_dir, out_dir, timeout, limits or sandbox.Limits(), insecure, log, max(1, jobs))
    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            list(pool.map(batch.grade, todo))
    finally:
        batch.close()
    results = read_rows(out_dir)
    write_reports(results, out_dir)
    log(f"wrote {out_dir / 'grades.csv'}, {out_dir / 'summary.csv'} and {out_dir / 'feedback'}/<student>.md")
    return results
