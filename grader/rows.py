"""Each student's results on disk, one file per (student, lab), written atomically as soon as they are graded.

``OUT/rows/<student>/<lab>.json`` holds one :class:`grader.scoring.LabResult`.
A file is written to a temporary name and renamed into place, so a crash or a
kill leaves either the old file or the new one, never half of one. A rerun skips
the submissions whose row file records the same file digest: it resumes.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from .scoring import LabResult

__all__ = ["safe_name", "row_path", "rejected_path", "write_row", "read_row", "read_rows", "write_atomic",
           "forget_rejected"]


def safe_name(name):
    """A file name for ``name`` that is safe on any file system: ``%XX`` escapes, no leading dot, not too long."""
    safe = quote(name, safe="-_") or "%00"
    if safe.startswith("."):
        safe = "%2E" + safe[1:]
    if len(safe) > 120:
        safe = safe[:100] + "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return safe


def row_path(out_dir, student, lab):
    """Where the row file of ``student``'s ``lab`` lives."""
    return Path(out_dir) / "rows" / safe_name(student) / f"{safe_name(lab)}.json"


def rejected_path(out_dir, student, lab, where):
    """Where the row file of a file the finder rejected lives: beside the graded one, never in its place
    (a duplicate is rejected for the very (student, lab) whose other copy is graded)."""
    tag = hashlib.sha256(str(where).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return Path(out_dir) / "rows" / safe_name(student) / f"{safe_name(lab)}~rejected-{tag}.json"


def forget_rejected(out_dir):
    """Remove the row files of rejected files (a batch finds them anew each time it runs)."""
    for path in (Path(out_dir) / "rows").glob("*/*~rejected-*.json"):
        path.unlink(missing_ok=True)


def write_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_row(out_dir, result, path=None):
    """Write ``result``'s row file (at ``path``, or where :func:`row_path` says); return its path."""
    path = path or row_path(out_dir, result.student, result.lab)
    write_atomic(path, json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    return path


def read_row(path):
    """The :class:`LabResult` in a row file, or ``None`` if it is missing or unreadable."""
    try:
        return LabResult.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def read_rows(out_dir):
    """Every readable row file under ``out_dir/rows``, sorted by student and lab."""
    rows = [read_row(p) for p in sorted((Path(out_dir) / "rows").glob("*/*.json"))]
    return sorted((r for r in rows if r is not None), key=lambda r: (r.student, r.lab))
