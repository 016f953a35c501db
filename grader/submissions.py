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
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
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


@dataclass(frozen=True)
class _Rules:
    """What one search needs to know: the submissions folder, the lab names, the size limit."""
    root: Path
    known: frozenset
    max_bytes: int

    def where(self, path: Path) -> str:
        """``path`` relative to the submissions folder, shown safely."""
        return shown(os.fsencode(path.relative_to(self.root)))

    def reject(self, student: str, lab: str, path: Path, status: str, reason: str) -> Rejected:
        """The :class:`Rejected` row for ``path``."""
        return Rejected(student, lab, self.where(path), status, reason)


def find_submissions(root, known_labs, max_bytes: int = MAX_BYTES) -> tuple[list[Submission], list[Rejected]]:
    """``(submissions, rejected)`` under ``root``, each sorted by student, lab and path.

    ``known_labs``: the lab names (notebook stems of the sources). Never raises for
    anything inside ``root``; every entry that is not graded is in ``rejected``.
    """
    rules = _Rules(Path(root), frozenset(known_labs), max_bytes)
    try:
        top = _listing(rules.root)
    except OSError as exc:
        raise FileNotFoundError(f"cannot read the submissions folder {rules.root}: {exc.strerror}") from exc
    results = [result for entry in top for result in _student_folder(rules, entry)]
    submissions, duplicates = _one_per_lab(rules, [s for s in results if isinstance(s, Submission)])
    rejected = [r for r in results if isinstance(r, Rejected)] + duplicates
    return submissions, sorted(rejected, key=lambda r: (r.student, r.lab, r.where))


def _listing(folder: Path) -> list[os.DirEntry]:
    """The entries of ``folder`` by their bytes, without hidden ones and ``SKIP`` (OSError if unreadable)."""
    entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
    return [e for e in entries if not (e.name.startswith(".") or e.name in SKIP)]


def _student_folder(rules: _Rules, entry: os.DirEntry) -> Iterator[Submission | Rejected]:
    """One entry of the submissions folder: a student's folder to walk, or a bad name, link or notebook."""
    path, student, bad = Path(entry.path), shown(entry.name), _bad_name(entry.name)
    if bad:
        yield rules.reject(student, "", path, "invalid", f"the student folder's name {bad} (shown here with "
                           "backslash escapes); rename the folder and grade again")
    elif entry.is_symlink():
        yield rules.reject(student, "", path, "symlink", "the student folder is a symbolic link: "
                           "links are never followed; copy the folder itself")
    elif entry.is_dir(follow_symlinks=False):
        yield from _walk(rules, student, path, 0)
    elif entry.name.endswith(".ipynb"):
        yield rules.reject("", entry.name[: -len(".ipynb")], path, "invalid",
                           "a notebook directly in the submissions folder: put it in a folder named after the student")


def _walk(rules: _Rules, student: str, folder: Path, depth: int) -> Iterator[Submission | Rejected]:
    """All found in ``folder``, ``depth`` folders below the student's, by the entries' bytes:
    bad names and links are rejected (links are never followed), folders walked, files classified."""
    try:
        entries = _listing(folder)
    except OSError as exc:
        yield rules.reject(student, "", folder, "invalid", f"the folder cannot be read ({exc.strerror})")
        return
    for entry in entries:
        path, bad = Path(entry.path), _bad_name(entry.name)
        if bad:
            yield rules.reject(student, "", path, "invalid", f"the name '{shown(entry.name)}' {bad}; "
                               "rename it (letters, digits, - and _) and resubmit")
        elif entry.is_symlink():
            yield rules.reject(student, _lab_of(entry.name, rules.known), path, "symlink",
                               "a symbolic link: links are never followed; submit the file itself")
        elif entry.is_dir(follow_symlinks=False) and depth >= MAX_DEPTH:
            yield rules.reject(student, "", path, "invalid",
                               f"folders nested more than {MAX_DEPTH} deep are not searched")
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(rules, student, path, depth + 1)
        else:
            try:
                result = _file(rules, student, entry)
            except OSError as exc:  # vanished or unreadable while we looked
                result = rules.reject(student, _lab_of(entry.name, rules.known), path, "invalid",
                                      f"the file cannot be read ({exc.strerror})")
            if result is not None:
                yield result


def _file(rules: _Rules, student: str, entry: os.DirEntry) -> Submission | Rejected | None:
    """One file of a student's folder: a valid notebook of a known lab, a :class:`Rejected`
    with its reason, or None for any other file (data, a README)."""
    name, path = entry.name, Path(entry.path)
    if not name.lower().endswith(".ipynb"):
        lab = _lab_of(name, rules.known)
        reason = f"'{name}' is not a notebook: submit the lab as {lab}.ipynb"
        return rules.reject(student, lab, path, "invalid", reason) if lab else None  # else data, a README, ...
    lab = name[: -len(".ipynb")]
    st = entry.stat(follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        return rules.reject(student, lab, path, "invalid", "not a regular file (a FIFO, socket or device)")
    if lab not in rules.known:
        listed = ", ".join(sorted(rules.known)) or "none"
        return rules.reject(student, lab, path, "unknown_lab",
                            f"there is no lab named '{lab}' (the labs are: {listed}); check the file name")
    if st.st_size > rules.max_bytes:
        return rules.reject(student, lab, path, "too_large",
                            f"the notebook is {st.st_size} bytes, above the limit of {rules.max_bytes} bytes: "
                            "clear the outputs (Kernel > Restart & Clear Output), save and resubmit")
    problem = _notebook_problem(path, rules.max_bytes)
    if problem:
        return rules.reject(student, lab, path, "invalid", f"the file {problem}")
    return Submission(student, lab, path)


def _one_per_lab(rules: _Rules, found: list[Submission]) -> tuple[list[Submission], list[Rejected]]:
    """Exactly one notebook per (student, lab), sorted by student and lab: the one nearest the
    student's folder (fewest path parts), then the first by path; every other is a ``duplicate``."""
    found = sorted(found, key=lambda s: (s.student, s.lab, len(s.path.parts), os.fsencode(s.path)))
    submissions, duplicates = [], []
    for (student, lab), copies in groupby(found, key=lambda s: (s.student, s.lab)):
        keep, *others = copies
        submissions.append(keep)
        duplicates += [rules.reject(
            student, lab, other.path, "duplicate",
            f"a second notebook for {lab}: only one per student and lab counts, and '{rules.where(keep.path)}' was "
            "graded (rule: the one nearest the student's folder, then the first by path)") for other in others]
    return submissions, duplicates


def _lab_of(name: str, known) -> str:
    """The lab a file name refers to (``lab01_x.ipynb``, ``lab01_x.py``, ``lab01_x.ipynb.txt``), or ""."""
    stem = name.split(".", 1)[0]
    return stem if stem in known else ""
