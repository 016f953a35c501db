"""The autograder against the cleverest student of a 500-student course (issue 10), through its command line.

One batch of lab 1 (``tests/grader/attacks/catalog.py``): every attack class of issue 10,
at least one submission each, built from the lab source, graded together with a solved
control (10 points), a blank control (the release, 0 points) and two more honest
classmates (wrong-but-shaped functions; tasks 1-2 solved), with
``python -m grader autograde SUBS --source book/lab_notebooks --out OUT --timeout 60 --jobs 2``.
A second batch holds only the four honest classmates. Then:

* each attack scores no more than the honest work it sits on (the blank release, or the
  classmate with the same partial work) scores in the batch without attackers;
* the controls keep 10 and 0, and the honest classmates' rows are the same in both batches;
* every submission has its rows, each with a status and, when not passed, a reason;
* no process of a sandbox uid (or any process naming the output folder) survives the
  batch, and grades.csv / summary.csv are not rewritten after it;
* ``labs/`` and the lab sources on disk are unchanged, and so is the victim's notebook;
* the limits held (what the attacks printed in their executed notebooks) and the
  executed notebooks stay under a few MB;
* no CSV cell starts with = + - @ TAB or CR.

The two batches run one after the other, once per module: about 140 s of CPU in all, so
about 75 s on an idle 2-core machine (the test itself asserts no timing).
"""

import csv
import fcntl
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import sandbox, sandbox_cgroup

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("attack_catalog", Path(__file__).parent / "attacks" / "catalog.py")
catalog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalog)

LAB = catalog.LAB
FORMULA_START = tuple("=+-@\t\r")
LIMITS = sandbox.Limits()
MB = 10**6


def _tree_digest(folder, pattern):
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob(pattern)):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _unsafe(cell):
    """A CSV cell as the grader meant it: without the ' that makes a formula-like cell safe."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _rows(out):
    table = _read_csv(out / "grades.csv")
    header = table[0]
    return [dict(zip(header, map(_unsafe, row))) for row in table[1:]]


def _score(rows, student):
    return sum(float(r["points"] or 0) for r in rows if r["student"] == student)


def _executed(out, student):
    """The executed notebook of ``student``'s lab 1 in the output folder, or None."""
    for path in sorted((out / "executed").glob(f"*/{LAB}.ipynb")):
        if path.parent.name == student or path.parent.name.startswith(student):
            return path
    return None


def _attack_lines(out, student):
    path = _executed(out, student)
    if path is None:
        return None
    nb = json.loads(path.read_text())
    lines = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            text = o.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            lines += [line for line in text.split("\n") if line.startswith("ATTACK")]
    return lines


def _free_sandbox_uids():
    """Sandbox uids whose lease nobody holds now (held ones belong to a sandbox running elsewhere)."""
    lock_dir = sandbox._lock_dir()
    free = []
    for lock in lock_dir.glob("*.lock"):
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        else:
            free.append(int(lock.stem))
        finally:
            os.close(fd)
    return free


def _processes_naming(text):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmd and int(pid) != os.getpid():
            found.append((int(pid), cmd[:200]))
    return found


def _grade(subs, out):
    argv = [sys.executable, "-m", "grader", "autograde", str(subs), "--source", str(ROOT / "book" / "lab_notebooks"),
            "--out", str(out), "--timeout", "60", "--jobs", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    ok, reason = sandbox.available()
    if not ok:
        pytest.fail(f"no sandbox on this machine: {reason}")
    top = tmp_path_factory.mktemp("attacks")
    os.chmod(top, 0o755)
    subs, out, clean_subs, clean_out = top / "subs", top / "out", top / "clean_subs", top / "clean_out"
    written = catalog.build(subs, out)
    catalog.build(clean_subs, clean_out, attacks=False)
    before = {"labs": _tree_digest(ROOT / "labs", "*"),
              "sources": _tree_digest(ROOT / "book" / "lab_notebooks", "*.ipynb"),
              "victim": (subs / catalog.HONEST["partial"] / f"{LAB}.ipynb").read_bytes()}
    start = time.monotonic()
    results = []
    for where, to in ((clean_subs, clean_out), (subs, out)):  # one after the other: 2 jobs at a time
        proc = _grade(where, to)
        results.append(proc.communicate(timeout=900) + (proc.returncode,))
    results.reverse()  # the attack batch first
    seconds = time.monotonic() - start
    for (stdout, stderr, _), name in zip(results, ("attack", "clean")):
        (top / f"{name}.log").write_text(stdout + "\n--- stderr ---\n" + stderr)
    tables = {}
    for name in ("grades.csv", "summary.csv"):
        path = out / name
        tables[name] = (path.read_bytes(), path.stat().st_mtime_ns) if path.exists() else None
    time.sleep(3)  # the daemon writes every 0.25 s, if it is alive
    return {"written": written, "out": out, "clean_out": clean_out, "subs": subs, "results": results,
            "seconds": seconds, "before": before, "tables": tables}


def test_both_batches_finish(batch):
    for stdout, stderr, code in batch["results"]:
        assert code == 0, f"exit status {code}\n{stdout[-3000:]}\n{stderr[-3000:]}"
    print(f"two batches graded in {batch['seconds']:.0f} s")


def test_controls_keep_full_marks_and_zero(batch):
    for out in (batch["out"], batch["clean_out"]):
        rows = _rows(out)
        assert _score(rows, catalog.HONEST["solved"]) == 10
        assert _score(rows, catalog.HONEST["blank"]) == 0


def test_every_submission_has_rows_with_a_status(batch):
    rows = _rows(batch["out"])
    students = {r["student"] for r in rows}
    missing = [s for s in batch["written"] if s not in students]
    assert not missing, f"no rows for {missing}"
    for r in rows:
        assert r["status"], r
        if r["status"] != "passed":
            assert r["reason"], r


ATTACK_NAMES = [a.name for a in catalog.ATTACKS]


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_attack_scores_no_more_than_the_same_honest_work(batch, name):
    attack = next(a for a in catalog.ATTACKS if a.name == name)
    student = {"xff_name": catalog.XFF_STUDENT.decode("utf-8", "backslashreplace"),
               "formula_folder": catalog.FORMULA_STUDENT}.get(attack.layout, attack.student)
    honest = _score(_rows(batch["clean_out"]), catalog.HONEST[attack.base])
    got = _score(_rows(batch["out"]), student)
    assert got <= honest, (f"{attack.klass}: {got} points, but the same work honestly scores {honest}; "
                           f"it printed {_attack_lines(batch['out'], student)}")


def test_duplicates_count_once_and_are_reported(batch):
    rows = [r for r in _rows(batch["out"]) if r["student"] == "a_duplicate"]
    assert sum(float(r["points"] or 0) for r in rows) <= 10
    duplicates = [r for r in rows if r["status"] == "duplicate"]
    assert duplicates, "the two extra copies have no rows of their own (issue 10: each becomes a row with a reason)"
    assert all("only one" in r["reason"] for r in duplicates)


def test_honest_classmates_rows_are_unchanged_by_the_attackers(batch):
    def honest(out):
        return sorted(tuple(sorted((k, v) for k, v in r.items() if "second" not in k and "time" not in k))
                      for r in _rows(out) if r["student"] in catalog.HONEST.values())
    assert honest(batch["out"]) == honest(batch["clean_out"])


def test_no_process_survives_the_batch(batch):
    for uid in _free_sandbox_uids():
        assert sandbox._pids_of(uid) == [], f"processes of sandbox uid {uid} survived"
    assert _processes_naming(str(batch["out"])) == []
    assert _processes_naming(str(batch["subs"])) == []


def test_grade_tables_are_not_rewritten_after_the_batch(batch):
    for name, seen in batch["tables"].items():
        assert seen is not None, f"{name} was not written"
        path = batch["out"] / name
        assert (path.read_bytes(), path.stat().st_mtime_ns) == seen, f"{name} changed after the batch ended"
        assert b"DAEMON_WAS_HERE" not in path.read_bytes()


def test_labs_sources_and_classmates_files_are_unchanged(batch):
    assert _tree_digest(ROOT / "labs", "*") == batch["before"]["labs"]
    assert _tree_digest(ROOT / "book" / "lab_notebooks", "*.ipynb") == batch["before"]["sources"]
    victim = batch["subs"] / catalog.HONEST["partial"] / f"{LAB}.ipynb"
    assert victim.read_bytes() == batch["before"]["victim"]


def _numbers(lines, pattern):
    for line in lines or ():
        m = re.search(pattern, line)
        if m:
            return [int(g) if g and g.isdigit() else g for g in m.groups()]
    return None


def test_the_limits_held(batch):
    out = batch["out"]
    memory = _attack_lines(out, "a_memory")
    assert memory is not None, "no executed notebook for a_memory"
    assert any("MemoryError at 5 GiB" in line for line in memory), memory
    grown = _numbers(memory, r"MemoryError after (\d+) MiB")
    assert grown and grown[0] * 2**20 < LIMITS.memory, memory
    forked = _numbers(_attack_lines(out, "a_processes"), r"forked (\d+) then (\w+)")
    assert forked and forked[0] < LIMITS.processes and forked[1] == "BlockingIOError", forked
    files = _attack_lines(out, "a_big_file")
    one = _numbers(files, r"wrote (\d+) MiB")
    many = _numbers(files, r"many files stopped at (\d+) MiB")
    assert one and one[0] * 2**20 <= LIMITS.file_size, files
    assert many and many[0] * 2**20 <= LIMITS.file_size, files
    if sandbox_cgroup.available():  # else the watchdog alone bounds memory, and memfds escape it
        held = [r for r in _rows(out) if r["student"] == "a_memfd"]
        assert held and all("used more than 2 GiB of memory in total" in r["reason"] for r in held), held
        assert _attack_lines(out, "a_memfd") == [], "the notebook printed that it held 3 GiB"
    grader_side = {r["test"]: r for r in _rows(out) if r["student"] == "a_grader_memory"}
    assert "MemoryError" in grader_side["test_gradient_descent"]["reason"], grader_side
    created = [r for r in _rows(out) if r["student"] == "a_many_files"]
    assert created and all(f"created more than {LIMITS.files:,} files" in r["reason"] for r in created), created
    assert _attack_lines(out, "a_many_files") == [], "the notebook printed that it created a million files"


def test_executed_notebooks_stay_small(batch):
    executed = list((batch["out"] / "executed").rglob("*.ipynb"))
    assert executed, "no executed notebooks were written"
    assert _executed(batch["out"], "a_rich_output") is not None
    for path in executed:
        assert path.stat().st_size < 5 * MB, f"{path} is {path.stat().st_size / MB:.1f} MB"


def test_notes_stay_short_whatever_the_runner_reports(batch):
    """a_forged_ready's runner claims 40,000 errors: the notes keep one line per cell, at most 20."""
    for row in _read_csv(batch["out"] / "summary.csv"):
        assert all(len(cell) < 32_767 for cell in row), f"a summary.csv cell for {row[:2]} is too long for Excel"
    forged = next(r for r in _read_csv(batch["out"] / "summary.csv") if r[0] == "a_forged_ready")
    assert 0 < len(forged[5]) < 10_000 and forged[5].count("raised ValueError") == 1, forged[5][:500]


def test_csv_cells_are_safe_from_formula_injection(batch):
    for name in ("grades.csv", "summary.csv"):
        for row in _read_csv(batch["out"] / name):
            for cell in row:
                assert not cell.startswith(FORMULA_START), f"{name}: {cell[:80]!r}"
    assert any(_unsafe(r[0]) == catalog.FORMULA_STUDENT for r in _read_csv(batch["out"] / "grades.csv"))
