"""Find the notebooks to grade in a folder of submissions, and say why any other file is not graded.

Layouts: ours, ``SUBMISSIONS/<student>/<lab>.ipynb``, and nbgrader's,
``submitted/<student>/<assignment>/<lab>.ipynb``: the student is the first folder under
the root, the lab is the notebook's file name however deep it sits (up to
``MAX_DEPTH`` folders). Hidden entries (``.ipynb_checkpoints``, ``.DS_Store``, ...),
``__MACOSX`` and nbgrader's ``timestamp.txt`` are skipped.

Nothing a submission folder holds stops the batch; each of these becomes a
:class:`Rejected` (a row of the grade table with a reason in plain words):

* ``invalid``: a name that is not valid UTF-8 or holds control characters (shown with
  backslash escapes), a notebook directly in the root, a ``<lab>.ipynb`` that is not a
  notebook (not UTF-8, not JSON, no list of cells), a file named after a lab that is not
  a notebook (``lab01_linear_regression.py``, ``.pdf``, ...), a FIFO or device;
* ``symlink``: a symbolic link, file or folder; links are never followed;
* ``too_large``: a notebook above ``max_bytes`` (measured with ``lstat`` before it is opened);
* ``unknown_lab``: a notebook whose name is not one of the labs;
* ``duplicate``: a second notebook for the same student and lab. Rule: exactly one
  counts, the valid one nearest the student's folder (fewest folders in between), then
  the first by path; every other copy is reported and never graded.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = ["Submission", "Rejected", "find_submissions", "shown", "MAX_BYTES", "MAX_DEPTH"]

MAX_BYTES = 5 * 2**20
MAX_DEPTH = 4            # folders below the student's: <student>/<assignment>/<lab>.ipynb needs 1
SKIP = {"__MACOSX", "timestamp.txt", "__pycache__"}


@dataclass
class Submission:
    """One notebook to grade: ``path`` is a regular file (not a link) of at most ``max_bytes``
    that parsed as a notebook when it was found."""

    student: str
    lab: str
    path: Path


@dataclass
class Rejected:
    """A file or folder that is not graded, and why: becomes rows of the grade table."""

    student: str
    lab: str
    where: str      # the path under the submissions folder, shown safely
    status: str     # invalid, symlink, too_large, unknown_lab, duplicate
    reason: str


def shown(name) -> str:
    """A file name as text that is safe to print, write to CSV and use as a folder name:
    bytes that are not UTF-8 become ``\\xff``, control characters ``\\n``, ``\\x1b``, ..."""
    raw = os.fsencode(name) if not isinstance(name, bytes) else name
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def _bad_name(name: str) -> str:
    """Why ``name`` (one path component, as os.listdir gives it) cannot be used, or ""."""
    try:
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    if any(not (c.isprintable() or c == " ") for c in name):
        return "holds control characters"
    return ""


def _notebook_problem(path: Path, max_bytes: int) -> str:
    """Why the regular file at ``path`` is not a gradable notebook, or "" (it is)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return f"cannot be opened ({exc.strerror})"
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            return "is not a regular file"
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        return f"grew above {max_bytes} bytes while being read"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"is not a notebook: not UTF-8 text (byte {exc.start})"
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"is not a notebook: not JSON ({str(exc)[:120]})"
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        return "is not a notebook: JSON without an 'nbformat' version"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # any failure of the reader is the file's problem
        return f"is not a notebook ({type(exc).__name__}: {str(exc)[:120]})"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("source", ""), str)
                                              and c.get("cell_type") in ("code", "markdown", "raw")
                                              for c in cells):
        return "is not a notebook: no valid list of cells"
    return ""


def find_submissions(root, known_labs, max_bytes: int = MAX_BYTES) -> tuple[list[Submission], list[Rejected]]:
    """``(submissions, rejected)`` under ``root``, each sorted by student, lab and path.

    ``known_labs``: the lab names (notebook stems of the sources). Never raises for
    anything inside ``root``; every entry that is not graded is in ``rejected``.
    """
    root = Path(root)
    known = set(known_labs)
    rejected: list[Rejected] = []
    candidates: dict[tuple[str, str], list[tuple[int, bytes, Path]]] = {}

    def where(path: Path) -> str:
        return shown(os.fsencode(path.relative_to(root)))

    def reject(student, lab, path, status, reason):
        rejected.append(Rejected(student, lab, where(path), status, reason))

    def walk(student: str, folder: Path, depth: int):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            reject(student, "", folder, "invalid", f"the folder cannot be read ({exc.strerror})")
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in SKIP:
                continue
            bad = _bad_name(entry.name)
            if bad:
                reject(student, "", path, "invalid",
                       f"the name '{shown(entry.name)}' {bad}; rename it (letters, digits, - and _) and resubmit")
                continue
            if entry.is_symlink():
                reject(student, _lab_of(entry.name, known), path, "symlink",
                       "a symbolic link: links are never followed; submit the file itself")
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth >= MAX_DEPTH:
                    reject(student, "", path, "invalid", f"folders nested more than {MAX_DEPTH} deep are not searched")
                else:
                    walk(student, path, depth + 1)
                continue
            try:
                _file(student, path, entry, depth)
            except OSError as exc:  # vanished or unreadable while we looked
                reject(student, _lab_of(entry.name, known), path, "invalid",
                       f"the file cannot be read ({exc.strerror})")

    def _file(student, path: Path, entry, depth):
        name = entry.name
        lab = _lab_of(name, known)
        is_nb = name.lower().endswith(".ipynb")
        if not is_nb:
            if lab:
                reject(student, lab, path, "invalid",
                       f"'{name}' is not a notebook: submit the lab as {lab}.ipynb")
            return  # any other file (data, a README) is not a submission
        lab = name[: -len(".ipynb")]
        st = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode):
            reject(student, lab, path, "invalid", "not a regular file (a FIFO, socket or device)")
            return
        if lab not in known:
            listed = ", ".join(sorted(known)) or "none"
            reject(student, lab, path, "unknown_lab",
                   f"there is no lab named '{lab}' (the labs are: {listed}); check the file name")
            return
        if st.st_size > max_bytes:
            reject(student, lab, path, "too_large",
                   f"the notebook is {st.st_size} bytes, above the limit of {max_bytes} bytes: "
                   "clear the outputs (Kernel > Restart & Clear Output), save and resubmit")
            return
        problem = _notebook_problem(path, max_bytes)
        if problem:
            reject(student, lab, path, "invalid", f"the file {problem}")
            return
        candidates.setdefault((student, lab), []).append((depth, os.fsencode(path), path))

    try:
        top = sorted(os.scandir(root), key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        raise FileNotFoundError(f"cannot read the submissions folder {root}: {exc.strerror}") from exc
    for entry in top:
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name in SKIP:
            continue
        bad = _bad_name(entry.name)
        student = shown(entry.name)
        if bad:
            reject(student, "", path, "invalid", f"the student folder's name {bad} (shown here with backslash "
                   "escapes); rename the folder and grade again")
        elif entry.is_symlink():
            reject(student, "", path, "symlink",
                   "the student folder is a symbolic link: links are never followed; copy the folder itself")
        elif entry.is_dir(follow_symlinks=False):
            walk(student, path, 0)
        elif entry.name.endswith(".ipynb"):
            reject("", entry.name[: -len(".ipynb")], path, "invalid",
                   "a notebook directly in the submissions folder: put it in a folder named after the student")

    submissions = []
    for (student, lab), found in sorted(candidates.items()):
        found.sort(key=lambda t: (t[0], t[1]))
        keep = found[0][2]
        submissions.append(Submission(student, lab, keep))
        for _, _, other in found[1:]:
            reject(student, lab, other, "duplicate",
                   f"a second notebook for {lab}: only one per student and lab counts, and '{where(keep)}' was "
                   "graded (rule: the one nearest the student's folder, then the first by path)")
    rejected.sort(key=lambda r: (r.student, r.lab, r.where))
    return submissions, rejected


def _lab_of(name: str, known) -> str:
    """The lab a file name refers to (``lab01_x.ipynb``, ``lab01_x.py``, ``lab01_x.ipynb.txt``), or ""."""
    stem = name.split(".", 1)[0]
    return stem if stem in known else ""
