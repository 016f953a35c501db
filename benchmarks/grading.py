"""Notebooks graded per minute: the two-process, sandboxed grader against the in-kernel grader of commit da262ab.

    python benchmarks/grading.py [--n 52] [--jobs 1 2] [--rounds 1] [--old /tmp/oldgrader]

Builds ``n`` lab-1 submissions (a mix: solved, blank release, a sign error in
task 1, an exception at import), then grades the whole folder with each grader
and each number of jobs, the runs interleaved (old 1 job, new 1 job, old 2 jobs,
new 2 jobs, ...) so that a change in the machine's load hits both alike. The old
grader runs from a ``git worktree`` of commit da262ab (made if missing) with its
own lab sources. Prints a Markdown table and writes ``benchmarks/results-grading.json``;
each run records the 1-minute load average before and after it (the machine is
shared, so read the figures with the load next to them).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import labformat as lf  # noqa: E402

OLD_COMMIT = "da262ab"
LAB1 = "lab01_linear_regression"


def submissions(folder, n):
    """``n`` lab-1 notebooks in ``folder/<student>/``: 40% solved, 30% blank, 20% a sign error, 10% an import error."""
    source = lf.read_lab(ROOT / "book" / "lab_notebooks" / f"{LAB1}.ipynb")
    release = lf.student_version(source, LAB1)
    solutions = {lf.grade_id(c): c.source for c in source.cells if lf.is_solution(c)}

    def solved():
        nb = lf.student_version(source, LAB1)
        for c in nb.cells:
            if lf.is_solution(c):
                c.source = "\n".join(line for line in solutions[lf.grade_id(c)].split("\n") if "SOLUTION" not in line)
        return nb

    kinds = []
    for i in range(n):
        kind = ("solved", "solved", "solved", "solved", "blank", "blank", "blank", "sign", "sign", "import")[i % 10]
        nb = release if kind == "blank" else solved()
        if kind == "sign":
            c = next(c for c in nb.cells if lf.grade_id(c) == "mse_gradient")
            c.source = c.source.replace("err = X @ w + b - y", "err = y - X @ w - b")
        elif kind == "import":
            c = next(c for c in nb.cells if lf.grade_id(c) == "mse_gradient")
            c.source = "import does_not_exist\n" + c.source
        path = Path(folder) / f"student{i:03d}" / f"{LAB1}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
        kinds.append(kind)
    return kinds


def old_tree(path):
    """A checkout of the old grader (commit da262ab), made with ``git worktree add`` if it is not there."""
    path = Path(path)
    if not (path / "grader" / "autograde.py").exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), OLD_COMMIT], cwd=ROOT, check=True,
                       capture_output=True)
    return path


def grade(which, tree, subs, jobs, timeout, insecure):
    """Seconds to grade the folder ``subs`` with the grader in ``tree``."""
    out = tempfile.mkdtemp(prefix=f"bench-{which}-")
    sources = tree / "book" / ("labs" if which == "old" else "lab_notebooks")  # renamed since da262ab
    cmd = [sys.executable, "-m", "grader", "autograde", str(subs), "--source", str(sources),
           "--out", out, "--timeout", str(timeout), "--jobs", str(jobs)]
    if which == "new" and insecure:
        cmd.append("--insecure")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.monotonic()
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    if done.returncode != 0:
        raise SystemExit(f"{which} grader failed:\n{done.stderr[-2000:]}")
    with open(Path(out) / "summary.csv", encoding="utf-8") as f:
        points = sorted(line.split(",")[2] for line in f.read().splitlines()[1:])
    return seconds, points


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=52)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--old", default="/tmp/oldgrader")
    parser.add_argument("--insecure", action="store_true", help="run the new grader without bubblewrap")
    parser.add_argument("--new-first", action="store_true", help="in each pair of runs, the new grader first")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results-grading.json"),
                        help="where to write the results (runs already in it are kept)")
    parser.add_argument("--report", action="store_true", help="print the table of --json, run nothing")
    args = parser.parse_args(argv)
    if args.report:
        print(table(json.loads(Path(args.json).read_text())))
        return
    old = old_tree(args.old)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-subs-") as subs:
        kinds = submissions(subs, args.n)
        for round_ in range(args.rounds):
            for jobs in args.jobs:
                pair = (("old", old), ("new", ROOT))
                for which, tree in pair[::-1] if args.new_first else pair:
                    load = os.getloadavg()[0]
                    seconds, points = grade(which, tree, subs, jobs, args.timeout, args.insecure)
                    runs.append({"grader": which, "jobs": jobs, "round": round_, "new_first": args.new_first,
                                 "seconds": round(seconds, 1),
                                 "per_minute": round(60 * args.n / seconds, 2), "load_before": round(load, 2),
                                 "load_after": round(os.getloadavg()[0], 2), "points": points})
                    print(f"{which} grader, {jobs} job(s): {seconds:.1f} s, {60 * args.n / seconds:.2f} notebooks/min "
                          f"(load {load:.1f} -> {os.getloadavg()[0]:.1f})", flush=True)
    path = Path(args.json)
    earlier = json.loads(path.read_text())["runs"] if path.exists() else []
    report = {"n": args.n, "mix": {k: kinds.count(k) for k in sorted(set(kinds))}, "cpus": os.cpu_count(),
              "sandbox": "insecure" if args.insecure else "bubblewrap", "runs": earlier + runs}
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(table(report))


def table(report):
    """The Markdown table of ``report``: per job count, each back-to-back pair of runs (old and new grader on
    the same folder), its notebooks per minute, the ratio of their times, and the load during the pair."""
    lines = ["| jobs | pair | old grader (nb/min) | new grader (nb/min) | new time / old time | load (1 min) |",
             "|---|---|---|---|---|---|"]
    runs = report["runs"]
    for jobs in sorted({r["jobs"] for r in runs}):
        mine = [r for r in runs if r["jobs"] == jobs]
        pairs = [mine[i:i + 2] for i in range(0, len(mine) - 1, 2)]
        for k, pair in enumerate(pairs):
            old = next(r for r in pair if r["grader"] == "old")
            new = next(r for r in pair if r["grader"] == "new")
            order = "new first" if pair[0] is new else "old first"
            loads = [r["load_before"] for r in pair] + [r["load_after"] for r in pair]
            lines.append(f"| {jobs} | {k + 1} ({order}) | {old['per_minute']:.1f} | {new['per_minute']:.1f} | "
                         f"{new['seconds'] / old['seconds']:.2f} | {min(loads):.1f}-{max(loads):.1f} |")
        t_old = sum(r["seconds"] for r in mine if r["grader"] == "old")
        t_new = sum(r["seconds"] for r in mine if r["grader"] == "new")
        n_old = sum(r["grader"] == "old" for r in mine)
        n_new = sum(r["grader"] == "new" for r in mine)
        rate_old, rate_new = 60 * report["n"] * n_old / t_old, 60 * report["n"] * n_new / t_new
        lines.append(f"| {jobs} | all | {rate_old:.1f} | {rate_new:.1f} | {rate_old / rate_new:.2f} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
