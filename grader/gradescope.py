"""Gradescope autograders for the labs: ``make gradescope`` builds them, ``run`` grades inside one.

Gradescope's autograder specification (https://gradescope-autograders.readthedocs.io, "Autograder
Specifications"): a zip with ``setup.sh`` and ``run_autograder`` at its root; Gradescope unpacks it
into ``/autograder/source``, runs ``setup.sh`` once when it builds the image, then for every
submission puts the student's files in ``/autograder/submission``, runs ``run_autograder`` in
``/autograder``, and reads ``/autograder/results/results.json``: a ``score`` and a list of
``tests``, each with ``name``, ``score``, ``max_score``, ``status`` and ``output``.

``build(source_dir, out_dir)`` writes one zip per lab, ``<out>/<lab>.zip``, holding the two scripts
(templates in ``tools/gradescope/``), the lab's source notebook (``lab/<lab>.ipynb``, with its
hidden tests: the zip is for the instructor's Gradescope account only), the ``grader`` and ``labs``
packages, ``pyproject.toml`` and ``requirements.txt`` (the same pins as ``make grade``).

``run(root)`` is what ``run_autograder`` calls: it grades ``<root>/submission/<lab>.ipynb`` with the
same command as ``make grade`` (``python -m grader autograde``, on a one-student
``SUBMISSIONS/<student>/<lab>.ipynb`` tree) and converts the grade table to ``results.json``. The
student's notebook runs in the bubblewrap sandbox when it can be made here; Gradescope's Docker
containers usually refuse the user namespaces it needs, and then the grading runs with
``--insecure`` and says so in the output: each submission still has a container of its own, but
inside it the student's code runs with the grader's rights (it could read the lab's source, hidden
tests included, and write the results).
``root`` is ``/autograder`` unless ``AUTOGRADER_ROOT`` says otherwise (the tests use a temporary one).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "tools" / "gradescope"
STUDENT = "submission"          # the one student of the one-student SUBMISSIONS tree
TIMEOUT = 300                   # seconds for the whole notebook (Gradescope's own default limit is 10 minutes)
CSV_GUARD = ("=", "+", "-", "@", "\t", "\r")  # cells the grade table prefixed with ' (formula injection)


# --- building the zips -------------------------------------------------------------------------

def _add_tree(zf: zipfile.ZipFile, folder: Path, arcname: str):
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            zf.write(path, f"{arcname}/{path.relative_to(folder).as_posix()}")


def _add_file(zf: zipfile.ZipFile, arcname: str, data: str | bytes, executable: bool = False):
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(source_dir: Path, out_dir: Path, labs: list[str] | None = None, log=print) -> list[Path]:
    """One Gradescope autograder zip per gradable lab of ``source_dir`` (or only ``labs``); return the paths."""
    from . import labformat

    sources = labformat.lab_sources(source_dir)
    if labs:
        missing = sorted(set(labs) - set(sources))
        if missing:
            raise SystemExit(f"no gradable lab named {', '.join(missing)} in {source_dir}")
        sources = {name: nb for name, nb in sources.items() if name in labs}
    for name, nb in sources.items():
        problems = labformat.check_lab(nb, name)
        if problems:
            raise SystemExit("\n".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in sources.items():
        path = out_dir / f"{name}.zip"
        total = sum(labformat.points(c) for c in nb.cells)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            _add_file(zf, "setup.sh", (TEMPLATES / "setup.sh").read_text(), executable=True)
            _add_file(zf, "run_autograder", (TEMPLATES / "run_autograder").read_text(), executable=True)
            _add_file(zf, "autograder.json", json.dumps({"lab": name, "timeout": TIMEOUT, "max_score": total},
                                                         indent=1) + "\n")
            zf.write(Path(source_dir) / f"{name}.ipynb", f"lab/{name}.ipynb")
            _add_tree(zf, REPO / "grader", "grader")
            _add_tree(zf, REPO / "labs", "labs")
            zf.write(REPO / "pyproject.toml", "pyproject.toml")
            zf.write(REPO / "requirements.txt", "requirements.txt")
            if (REPO / "LICENSE").is_file():
                zf.write(REPO / "LICENSE", "LICENSE")
        written.append(path)
        log(f"wrote {path} ({name}, {total:g} points)")
    return written


# --- grading one submission inside Gradescope's container --------------------------------------

def _sandbox_flags() -> tuple[list[str], str]:
    """``([], "bubblewrap")`` when the sandbox works here, else ``(["--insecure"], why not)``."""
    try:
        from . import sandbox
    except ImportError:  # a grader without the sandbox module
        return [], "none (this grader has no sandbox)"
    ok, why = sandbox.available()
    if ok:
        return [], "bubblewrap"
    return ["--insecure"], f"none: {why}"


def _find_notebook(submission: Path, lab: str) -> tuple[Path | None, str]:
    expected = submission / f"{lab}.ipynb"
    if expected.is_file() and not expected.is_symlink():
        return expected, ""
    notebooks = sorted(p for p in submission.rglob("*.ipynb") if p.is_file() and not p.is_symlink()
                       and ".ipynb_checkpoints" not in p.parts)
    if len(notebooks) == 1:
        return notebooks[0], f"graded {notebooks[0].relative_to(submission)} as {lab}.ipynb"
    if not notebooks:
        return None, f"no notebook in the submission: upload {lab}.ipynb"
    names = ", ".join(str(p.relative_to(submission)) for p in notebooks)
    return None, f"several notebooks ({names}) and none named {lab}.ipynb: upload {lab}.ipynb alone"


def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in CSV_GUARD and cell[1:2] != "" else cell


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def results_from_grades(grades_csv: str, lab: str) -> list[dict]:
    """Gradescope's ``tests`` from the grade table's rows of ``lab``."""
    tests = []
    for row in csv.DictReader(io.StringIO(grades_csv)):
        row = {k: _unguard(v or "") for k, v in row.items()}
        if row["lab"] != lab:
            continue
        output = row["status"] if not row["reason"] else f"{row['status']}: {row['reason']}"
        tests.append({"name": row["test"], "score": _number(row["points"]), "max_score": _number(row["max_points"]),
                      "status": "passed" if row["status"] == "passed" else "failed", "output": output,
                      "visibility": "visible"})
    return tests


def _source_tests(source: Path) -> list[dict]:
    """Every graded test of the lab at 0 points (when the submission could not be graded at all)."""
    from . import labformat

    nb = labformat.read_lab(source)
    return [{"name": labformat.grade_id(c), "score": 0, "max_score": _number(str(labformat.points(c))),
             "status": "failed", "output": "not graded", "visibility": "visible"}
            for c in nb.cells if labformat.is_grade(c)]


def run(root: Path) -> dict:
    """Grade ``root/submission`` against ``root/source``; write and return ``root/results/results.json``."""
    start = time.monotonic()
    source_root = root / "source"
    config = json.loads((source_root / "autograder.json").read_text())
    lab, source = config["lab"], source_root / "lab" / f"{config['lab']}.ipynb"
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    notebook, note = _find_notebook(root / "submission", lab)
    if note:
        notes.append(note)
    flags, sandbox_text = _sandbox_flags()
    tests = None
    if notebook is not None:
        with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
            tmp = Path(tmp)
            os.chmod(tmp, 0o755)
            (tmp / "submissions" / STUDENT).mkdir(parents=True)
            shutil.copyfile(notebook, tmp / "submissions" / STUDENT / f"{lab}.ipynb")
            argv = [sys.executable, "-m", "grader", "autograde", str(tmp / "submissions"),
                    "--source", str(source.parent), "--out", str(tmp / "out"),
                    "--timeout", str(config.get("timeout", TIMEOUT)), *flags]
            done = subprocess.run(argv, capture_output=True, text=True, cwd=source_root,
                                  env={**os.environ, "PYTHONPATH": str(source_root)})
            grades = tmp / "out" / "grades.csv"
            if grades.is_file():
                tests = results_from_grades(grades.read_text(encoding="utf-8"), lab)
                feedback = tmp / "out" / "feedback" / f"{STUDENT}.md"
                if feedback.is_file():
                    notes.append(feedback.read_text(encoding="utf-8"))
            if done.returncode != 0 or not tests:
                notes.append(f"the grader stopped (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    if not tests:
        tests = _source_tests(source)
    notes.append(f"sandbox: {sandbox_text}" + ("" if not flags else
                 " (graded with --insecure: Gradescope's container isolates each submission)"))
    results = {"score": _number(str(sum(t["score"] for t in tests))),
               "execution_time": round(time.monotonic() - start),
               "output": "\n\n".join(notes), "output_format": "md", "visibility": "visible",
               "stdout_visibility": "hidden", "tests": tests}
    (results_dir / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="one autograder zip per lab")
    b.add_argument("--source", type=Path, default=Path("book/lab_notebooks"),
                   help="lab notebooks (default: book/lab_notebooks)")
    b.add_argument("--out", type=Path, default=Path("_build/gradescope"), help="default: _build/gradescope")
    b.add_argument("labs", nargs="*", help="only these labs (default: every gradable lab)")
    r = sub.add_parser("run", help="grade Gradescope's submission (what run_autograder calls)")
    r.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    args = p.parse_args(argv)
    if args.command == "build":
        build(args.source, args.out, args.labs)
    else:
        results = run(args.root)
        print(f"score {results['score']} of {sum(t['max_score'] for t in results['tests'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
