"""Command line: ``python -m grader {release,autograde,check}``."""

import argparse
import sys
from pathlib import Path

from . import labformat as lf
from . import sandbox
from .batch import SandboxUnavailable, autograde
from .metadata import format_points

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "book" / "lab_notebooks"


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
        print(f"{path.name}: {'OK' if not found else 'PROBLEMS'}, {format_points(total)} points in {len(tests)} "
              f"test cells ({', '.join(tests)})")
    for p in problems:
        print(f"  {p}")
    return 1 if problems or n == 0 else 0


def _size(text):
    try:
        return sandbox.parse_size(text)
    except (ValueError, KeyError, IndexError):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 2G, 512M or a number of bytes)") from None


def _autograde_parser(sub):
    d = sandbox.Limits()
    p = sub.add_parser("autograde", help="grade SUBMISSIONS/<student>/<lab>.ipynb against the hidden tests, "
                       "each notebook in a sandbox")
    p.add_argument("submissions", help="folder with one subfolder per student")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/lab_notebooks)")
    p.add_argument("--out", default="grades", help="where to write grades.csv, summary.csv, feedback/, rows/ "
                   "and executed/ (default: grades); a rerun into the same folder resumes")
    p.add_argument("--timeout", type=float, default=120, help="wall-clock seconds per notebook (default: 120)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (default: 1)")
    p.add_argument("--memory", type=_size, default=d.memory, help="total memory per sandbox (default: 2G)")
    p.add_argument("--processes", type=int, default=d.processes, help="processes per sandbox (default: 64)")
    p.add_argument("--file-size", type=_size, default=d.file_size,
                   help="largest file, and all files together, a sandbox may write (default: 64M)")
    p.add_argument("--files", type=int, default=d.files, help=f"files a sandbox may create (default: {d.files})")
    p.add_argument("--cpu-time", type=int, default=d.cpu_time, help="CPU seconds per sandbox (default: 300)")
    p.add_argument("--insecure", action="store_true", help="grade without a sandbox where bubblewrap is missing; "
                   "every row is marked insecure")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=(
        "Release and autograde the lab notebooks. The notebooks in book/lab_notebooks are the instructor's source "
        "(solutions and hidden tests between nbgrader's markers)."))
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="write the student version of every lab (solutions stubbed, "
                       "hidden tests removed, outputs cleared)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/lab_notebooks)")
    p.add_argument("--out", default="release/labs", help="where to write the student notebooks (default: release/labs)")
    _autograde_parser(sub)
    p = sub.add_parser("check", help="check that the lab sources follow the format (for lab authors)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="folder of lab notebooks (default: book/lab_notebooks)")
    return parser


def limits(args) -> sandbox.Limits:
    """The sandbox's limits from ``autograde``'s flags: one flag per field of :class:`sandbox.Limits`."""
    return sandbox.Limits(memory=args.memory, processes=args.processes, file_size=args.file_size,
                          files=args.files, cpu_time=args.cpu_time)


def main(argv=None):
    cli = parser()
    args = cli.parse_args(argv)
    try:
        if args.command == "release":
            lf.release(args.source, args.out)
            return 0
        if args.command == "autograde":
            return _autograde(cli, args)
        return _check(args)
    except (lf.LabFormatError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _autograde(parser, args):
    if not Path(args.submissions).is_dir():
        parser.error(f"{args.submissions} is not a folder")
    try:
        autograde(args.submissions, args.source, args.out, timeout=args.timeout, jobs=max(1, args.jobs),
                  limits=limits(args), insecure=args.insecure)
    except SandboxUnavailable as err:
        print(f"error: no sandbox: {err}\nInstall bubblewrap (Debian: apt-get install bubblewrap), or grade "
              "anyway with --insecure: every row is then marked insecure.", file=sys.stderr)
        return 2
    return 0
