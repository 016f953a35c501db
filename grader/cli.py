"""Command line: ``python -m grader {release,autograde,check}``."""

import argparse
import sys
from pathlib import Path

from . import labformat as lf
from .autograde import autograde

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "book" / "labs"


def _check(args):
    problems, n = [], 0
    for path in sorted(Path(args.source).glob("*.ipynb")):
        nb = lf.read_lab(path)
        if not lf.is_lab(nb):
            print(f"{path.name}: no graded cells (not a lab yet)")
            continue
        n += 1
        found = lf.check_lab(nb, path.stem)
        problems += found
        total = sum(lf.points(c) for c in nb.cells)
        tests = [lf.grade_id(c) for c in nb.cells if lf.is_grade(c)]
        print(f"{path.name}: {'OK' if not found else 'PROBLEMS'}, {lf._num(total)} points in {len(tests)} "
              f"test cells ({', '.join(tests)})")
    for p in problems:
        print(f"  {p}")
    return 1 if problems or n == 0 else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader", description=(
        "Release and autograde the lab notebooks. The notebooks in book/labs are the instructor's source "
        "(solutions and hidden tests between nbgrader's markers)."))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="write the student version of every lab (solutions stubbed, "
                       "hidden tests removed, outputs cleared)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/labs)")
    p.add_argument("--out", default="release/labs", help="where to write the student notebooks (default: release/labs)")

    p = sub.add_parser("autograde", help="grade SUBMISSIONS/<student>/<lab>.ipynb against the hidden tests")
    p.add_argument("submissions", help="folder with one subfolder per student")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/labs)")
    p.add_argument("--out", default="grades",
                   help="where to write grades.csv, summary.csv, feedback/ (default: grades)")
    p.add_argument("--timeout", type=float, default=120, help="time limit per notebook in seconds (default: 120)")
    p.add_argument("--kernel", default="python3", help="Jupyter kernel to run the notebooks (default: python3)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks to run at the same time (default: 1)")

    p = sub.add_parser("check", help="check that the lab sources follow the format (for lab authors)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/labs)")

    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            lf.release(args.source, args.out)
            return 0
        if args.command == "autograde":
            if not Path(args.submissions).is_dir():
                parser.error(f"{args.submissions} is not a folder")
            autograde(args.submissions, args.source, args.out, timeout=args.timeout, kernel_name=args.kernel,
                      jobs=max(1, args.jobs))
            return 0
        return _check(args)
    except (lf.LabFormatError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
