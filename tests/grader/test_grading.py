"""Grading through the two-process path, on the real labs: one batch with every solution and release,
mistakes that must keep their partial marks, and submissions that try to fake marks.

What these tests show:

* every lab's solution scores full marks and every release scores 0;
* a sign error, an exception at import, a deleted or edited test cell keep the
  strictness and the feedback of the in-kernel grader;
* a submission that attacks the grader's side (hides errors, rewrites cells,
  monkeypatches what the tests call, lies through ``__array__``/``__eq__``, reads
  frames, returns the notebook's own ``w_ls``, writes junk on the channel, kills its
  parent) scores what the blank release scores: 0;
* one student's crash never changes another student's rows; a rerun resumes.

The notebooks are graded once, in a module-scoped batch of two jobs.
"""

import csv
import json
import os
import time

import nbformat
import pytest
from grader_helpers import INSECURE, LAB1, LAB_NAMES, LABS, SOURCES, add_cell, cell, student_notebook, write

from grader import autograde
from grader import labformat as lf
from grader.rows import read_rows, row_path

TIMEOUT = 60  # seconds per notebook: a lab runs in 3-15 s; the margin is for a loaded machine

ATTACKS = {  # student -> the one cell added to an unsolved lab-1 release
    "att_custom_exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: [])",
    "att_showtraceback": "get_ipython()._showtraceback = lambda *a, **k: None",
    "att_post_run": "get_ipython().events.register('post_run_cell', lambda *a: None)",
    "att_input_transformer": "get_ipython().input_transformers_post.append(lambda lines: [])",
    "att_ast_transformer": (
        "import ast\n"
        "class Wrap(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        body = [ast.Try(body=[s], handlers=[ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])],\n"
        "                        orelse=[], finalbody=[]) for s in node.body]\n"
        "        return ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))\n"
        "get_ipython().ast_transformers.append(Wrap())"),
    "att_monkeypatch": ("import numpy as np\nfrom labs import selfcheck\n"
                        "selfcheck.assert_matches = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True\n"
                        "np.array_equal = lambda *a, **k: True"),
    "att_settrace": ("import sys\n"
                     "def tracer(frame, event, arg):\n"
                     "    frame.f_locals.clear()\n"
                     "    return tracer\n"
                     "sys.settrace(tracer)"),
    "att_liar": ("import numpy as np\n"
                 "class Liar:\n"
                 "    def __array__(self, dtype=None, copy=None):\n"
                 "        return np.zeros(3)\n"
                 "    def __eq__(self, other):\n"
                 "        return True\n"
                 "    __len__ = lambda self: 2\n"
                 "    __getitem__ = lambda self, i: Liar()\n"
                 "def mse_gradient(X, y, w, b):\n"
                 "    return Liar()\n"
                 "def gradient_descent(X, y, lr, steps):\n"
                 "    return Liar(), Liar(), Liar()"),
    "att_frames": ("import sys\n"
                   "def mse_gradient(X, y, w, b):\n"
                   "    f = sys._getframe(1)\n"
                   "    while f is not None:\n"
                   "        for k in ('dw_ref', '_dw', 'expected', 'dw_num'):\n"
                   "            if k in f.f_locals:\n"
                   "                return f.f_locals[k], 0.0\n"
                   "        f = f.f_back\n"
                   "    return w, b"),
    "att_junk_on_channel": ("import os\n"
                            "def mse_gradient(X, y, w, b):\n"
                            "    for fd in range(3, 12):\n"
                            "        try:\n"
                            "            os.write(fd, b'\\0\\0\\0\\0\\0\\0\\0\\x10{\"op\": \"return\"}')\n"
                            "        except OSError:\n"
                            "            pass\n"
                            "    return w, b"),
    "att_kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
}

W_LS = """def fit_diabetes(X, y):
    gradient_descent(X, y, 0.01, 1)  # a call, so that the test sees one
    return w_ls, b_ls, [cost_ls]"""


def sign_error(nb):
    c = cell(nb, "mse_gradient")
    c.source = c.source.replace("err = X @ w + b - y", "err = y - X @ w - b")
    add_cell(nb, "for i in range(20_000):\n    print('x' * 50)", after="mse_gradient")  # and a flood


def import_error(nb):
    cell(nb, "mse_gradient").source = "import does_not_exist\n\n" + cell(nb, "mse_gradient").source


def tampered(nb):
    cell(nb, "test_fit_diabetes").source = "pass  # nothing to see here"
    nb.cells.insert(3, nbformat.v4.new_code_cell("print('my own cell')"))


def w_ls(nb):
    cell(nb, "fit_diabetes").source = W_LS


def crash(nb):
    add_cell(nb, "import os\nos._exit(1)", after="least_squares")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every solution and release, lab-1 mistakes and the attacks, in one batch of two jobs."""
    root = tmp_path_factory.mktemp("submissions")
    for lab in LAB_NAMES:
        write(student_notebook(lab), root / "solution" / f"{lab}.ipynb")
        write(lf.student_version(SOURCES[lab], lab), root / "release" / f"{lab}.ipynb")
    write(student_notebook(edit=sign_error), root / "cy_sign" / f"{LAB1}.ipynb")
    write(student_notebook(edit=import_error), root / "eve_import" / f"{LAB1}.ipynb")
    (root / "fay_json").mkdir()
    (root / "fay_json" / f"{LAB1}.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = ')
    write(student_notebook(edit=tampered, drop=("test_mse_gradient_values",)),
          root / "gus_tampered" / "lab01" / f"{LAB1}.ipynb")  # nbgrader's layout
    write(student_notebook(), root / "gus_tampered" / "lab99_unknown.ipynb")
    write(student_notebook(edit=crash), root / "hal_crash" / f"{LAB1}.ipynb")
    write(student_notebook(edit=w_ls), root / "att_w_ls" / f"{LAB1}.ipynb")
    for student, code in ATTACKS.items():
        write(add_cell(student_notebook(solved=False), code), root / student / f"{LAB1}.ipynb")
    write(student_notebook(), root / "=HYPERLINK(evil)" / f"{LAB1}.ipynb")
    out = tmp_path_factory.mktemp("grades")
    logged = []
    t0 = time.monotonic()
    results = autograde(root, LABS, out, timeout=TIMEOUT, jobs=2, insecure=INSECURE, log=logged.append)
    seconds = time.monotonic() - t0
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"results": {(r.student, r.lab): r for r in results}, "rows": rows, "out": out, "root": root,
            "log": logged, "seconds": seconds}


def result(batch, student, lab=LAB1):
    return batch["results"][(student, lab)]


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_every_solution_scores_full_marks(batch, lab):
    r = result(batch, "solution", lab)
    assert r.status == "graded" and r.notes == [], r.notes
    assert [t.status for t in r.tests] == ["passed"] * len(r.tests), [t.reason for t in r.tests]
    assert r.points == r.max_points > 0


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_the_release_scores_zero_and_runs_top_to_bottom(batch, lab):
    r = result(batch, "release", lab)
    assert r.status == "graded" and r.points == 0 and r.max_points > 0
    assert all(t.status == "failed" and t.reason.startswith("not implemented yet") for t in r.tests)
    assert r.notes == []  # no cell of the release raised
    executed = nbformat.read(str(batch["out"] / "executed" / "release" / f"{lab}.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" and not lf.is_grade(c)
                      for o in c.outputs)
    assert printed.count("not implemented yet") >= sum(lf.is_solution(c) for c in executed.cells)


def test_a_sign_error_gets_partial_marks_and_feedback_that_names_the_test(batch):
    r = result(batch, "cy_sign")
    assert 0 < r.points < r.max_points
    failed = {t.test: t.reason for t in r.tests if t.status != "passed"}
    assert list(failed) == ["test_mse_gradient_values"]
    assert "sign error" in failed["test_mse_gradient_values"]
    feedback = (batch["out"] / "feedback" / "cy_sign.md").read_text()
    assert "## lab01_linear_regression: 7 / 10 points" in feedback
    assert "| `test_mse_gradient_values` |" in feedback and "sign error: your dC/dw is the negative" in feedback


def test_an_exception_at_import_fails_the_tests_that_need_it_and_is_explained(batch):
    r = result(batch, "eve_import")
    statuses = {t.test: t.status for t in r.tests}
    assert statuses["test_mse_gradient_shapes"] == statuses["test_mse_gradient_values"] == "failed"
    assert statuses["test_gradient_descent"] == statuses["test_fit_diabetes"] == "passed"  # graded on their own
    assert "cell 'mse_gradient' raised ModuleNotFoundError: No module named 'does_not_exist'" in r.notes
    assert "name 'mse_gradient' is not defined" in r.tests[0].reason


def test_a_file_that_is_not_json_is_reported_not_fatal(batch):
    r = result(batch, "fay_json")
    assert r.status == "invalid" and r.points == 0 and len(r.tests) == 4
    rows = [row for row in batch["rows"] if row["student"] == "fay_json"]
    assert len(rows) == 4 and all(row["status"] == "invalid" for row in rows)


def test_deleted_and_edited_test_cells_are_graded_with_the_originals(batch):
    r = result(batch, "gus_tampered")
    assert r.points == r.max_points == 10
    reasons = {t.test: t.reason for t in r.tests}
    assert reasons["test_mse_gradient_values"] == "the test cell was missing in the submission; the original was used"
    assert reasons["test_fit_diabetes"] == "the test cell was changed in the submission; the original was used"
    assert result(batch, "gus_tampered", "lab99_unknown").status == "unknown_lab"


def test_a_flood_of_output_is_cut_short(batch):
    r = result(batch, "cy_sign")
    assert "some cells printed or drew so much that their output was cut short" in r.notes
    executed = nbformat.read(str(batch["out"] / "executed" / "cy_sign" / f"{LAB1}.ipynb"), as_version=4)
    printed = max(sum(len(o.get("text", "")) for o in c.outputs) for c in executed.cells if c.cell_type == "code")
    assert 100_000 <= printed < 100_100  # of the 1,020,000 characters printed


def test_a_crash_is_reported(batch):
    r = result(batch, "hal_crash")
    assert r.status == "error" and r.points == 0
    assert all("ended (it exited with status 1) while running 'cell" in t.reason for t in r.tests), r.tests[0]
    assert r.seconds < TIMEOUT  # reported at once, not at the time limit


@pytest.mark.parametrize("student", sorted(ATTACKS) + ["att_w_ls"])
def test_an_attack_scores_no_more_than_the_blank_release(batch, student):
    r = result(batch, student)
    honest = 0 if student != "att_w_ls" else 7  # att_w_ls solved the other tasks honestly
    assert r.points == honest, [(t.test, t.status, t.reason) for t in r.tests]
    if student == "att_w_ls":
        t = next(t for t in r.tests if t.test == "test_fit_diabetes")
        assert "must return what gradient_descent returned" in t.reason


def test_a_killed_parent_or_a_crash_never_touches_other_students(batch):
    assert result(batch, "solution").points == 10
    assert result(batch, "=HYPERLINK(evil)").points == 10
    assert {r.student for r in batch["results"].values()} >= set(ATTACKS) | {"solution", "release"}


def test_every_row_says_whether_it_was_sandboxed(batch):
    assert {row["sandbox"] for row in batch["rows"]} == {"insecure" if INSECURE else "bubblewrap"}


def test_the_tables_are_safe_against_formula_injection(batch):
    text = (batch["out"] / "grades.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(evil)" in text
    assert not any(line.startswith("=") or ",=" in line for line in text.splitlines())


def test_the_grade_table_the_summary_and_the_feedback(batch):
    rows, out = batch["rows"], batch["out"]
    assert list(rows[0]) == ["student", "lab", "test", "points", "max_points", "status", "reason", "sandbox"]
    assert len(rows) == sum(len(r.tests) for r in batch["results"].values())
    assert (out / "feedback" / "solution.md").read_text().startswith("# Feedback for solution")
    assert (out / "feedback" / "%3DHYPERLINK%28evil%29.md").exists()
    executed = nbformat.read(str(out / "executed" / "solution" / f"{LAB1}.ipynb"), as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "✔ mse_gradient" in text and "✔ passed (3 / 3 points)" in text
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        summary = {(row["student"], row["lab"]): row for row in csv.DictReader(f)}
    assert summary[("cy_sign", LAB1)]["points"] == "7" and summary[("cy_sign", LAB1)]["max_points"] == "10"
    sizes = [p.stat().st_size for p in (out / "executed").rglob("*.ipynb")]
    assert max(sizes) < 3 * 2**20


def test_each_row_file_is_written_once_graded_and_a_rerun_resumes(batch):
    out = batch["out"]
    row = json.loads(row_path(out, "solution", LAB1).read_text())
    assert row["digest"] and row["status"] == "graded"
    assert not list(out.rglob(".tmp-*"))
    before = {p: p.stat().st_mtime_ns for p in (out / "rows").glob("*/*.json")}
    victim = row_path(out, "cy_sign", LAB1)
    victim.unlink()  # as if the batch had been stopped before grading cy_sign
    logged = []
    autograde(batch["root"], LABS, out, timeout=TIMEOUT, jobs=1, insecure=INSECURE, log=logged.append)
    assert any(line.startswith("resuming:") for line in logged)
    graded = [line for line in logged if LAB1 in line and "/" in line]
    assert len(graded) == 1 and "cy_sign" in graded[0], logged  # only the missing one was graded again
    after = {p: p.stat().st_mtime_ns for p in (out / "rows").glob("*/*.json")}
    rejected = {p for p in after if "~rejected-" in p.name}
    assert {p: t for p, t in after.items() if p != victim and p not in rejected} == \
        {p: t for p, t in before.items() if p != victim and p not in rejected}
    assert {(r.student, r.lab): r.points for r in read_rows(out)}[("cy_sign", LAB1)] == 7
    assert os.path.exists(out / "grades.csv")


def _two_task_lab():
    """A tiny lab: tasks f and g (each returns 1), tests t_f, t_g and t_after (f again), 1 point each."""
    from grader_helpers import tiny_lab

    def solution(name, body):
        return lf.solution_cell(name, f"def {name}():\n    # TODO: x\n    ### BEGIN SOLUTION\n    {body}\n"
                                      "    ### END SOLUTION")

    def test(gid, call):
        return lf.test_cell(gid, 1, f"# Graded tests (1 point)\n### BEGIN HIDDEN TESTS\nassert {call} == 1, 'no'\n"
                                    "### END HIDDEN TESTS")

    return tiny_lab(solution("f", "return 1"), solution("g", "return 1"), test("t_f", "f()"),
                    test("t_g", "g()"), test("t_after", "f()"))


def test_an_infinite_loop_is_cut_at_the_time_limit_and_what_ran_before_counts(tmp_path):
    """A tiny lab: f works, g loops forever when called; the tests before g's keep their points."""
    from grader import grade_submission, sandbox

    source = _two_task_lab()
    submission = lf.student_version(source, "tiny")
    cell(submission, "f").source = "def f():\n    return 1"
    cell(submission, "g").source = "def g():\n    while True:\n        pass"
    write(submission, tmp_path / "dee" / "tiny.ipynb")
    r = grade_submission(source, tmp_path / "dee" / "tiny.ipynb", "dee", "tiny", timeout=8, insecure=INSECURE,
                         limits=sandbox.Limits())
    assert r.status == "timeout" and r.points == 1 and r.seconds < 30
    assert [(t.test, t.status) for t in r.tests] == [("t_f", "passed"), ("t_g", "timeout"), ("t_after", "timeout")]
    assert r.tests[1].reason == "stopped at the time limit (8 s) while running this test"
    assert r.tests[2].reason == "not run: stopped at the time limit (8 s) while running 't_g'"


def test_processes_that_together_pass_the_memory_limit_are_stopped_and_the_rows_say_so(tmp_path):
    """g forks processes of 400 MB each: the sandbox (1 GiB in all) is killed while t_g runs."""
    from grader import grade_submission, sandbox

    source = _two_task_lab()
    submission = lf.student_version(source, "tiny")
    cell(submission, "f").source = "def f():\n    return 1"
    cell(submission, "g").source = ("import os, time\ndef g():\n    for i in range(6):\n        if os.fork() == 0:\n"
                                    "            time.sleep(0.3 * i)\n            block = b'x' * (400 * 2**20)\n"
                                    "            time.sleep(30)\n            os._exit(0)\n"
                                    "    time.sleep(30)\n    return 1")
    write(submission, tmp_path / "mem" / "tiny.ipynb")
    r = grade_submission(source, tmp_path / "mem" / "tiny.ipynb", "mem", "tiny", timeout=40, insecure=INSECURE,
                         limits=sandbox.Limits(memory=2**30))
    assert r.status == "error" and r.points == 1 and r.seconds < 30
    assert [(t.test, t.status) for t in r.tests] == [("t_f", "passed"), ("t_g", "error"), ("t_after", "error")]
    words = "stopped: the submission used more than 1 GiB of memory in total"
    assert r.tests[1].reason == f"{words} while running this test"
    assert r.tests[2].reason == f"not run: {words} while running 't_g'"


def test_memory_held_in_memfds_no_process_maps_is_stopped_by_the_sandbox_cgroup(tmp_path):
    """g writes 3 GiB into memfds (no process's pages, so the watchdog cannot see them): the cgroup stops it."""
    from grader import grade_submission, sandbox, sandbox_cgroup

    if not sandbox_cgroup.available():
        pytest.skip("no memory cgroup can be made here: the watchdog alone bounds memory")
    source = _two_task_lab()
    submission = lf.student_version(source, "tiny")
    cell(submission, "f").source = "def f():\n    return 1"
    cell(submission, "g").source = ("import os\ndef g():\n    fds = []\n    for i in range(64):\n"
                                    "        fds.append(os.memfd_create(f'm{i}'))\n"
                                    "        os.write(fds[-1], b'x' * (48 * 2**20))\n    return 1")
    write(submission, tmp_path / "mfd" / "tiny.ipynb")
    r = grade_submission(source, tmp_path / "mfd" / "tiny.ipynb", "mfd", "tiny", timeout=40, insecure=INSECURE,
                         limits=sandbox.Limits(memory=2**30))
    assert r.status == "error" and r.points == 1
    words = "stopped: the submission used more than 1 GiB of memory in total"
    assert [(t.test, t.status, t.reason) for t in r.tests][1:] == [
        ("t_g", "error", f"{words} while running this test"),
        ("t_after", "error", f"not run: {words} while running 't_g'")]


@pytest.mark.skipif(INSECURE, reason="without bubblewrap there is no tmpfs of the submission's own to count")
def test_a_submission_that_creates_files_without_end_is_stopped_and_the_rows_say_so(tmp_path):
    """g creates empty files (no bytes, so the tmpfs's size never stops it) until the watchdog does."""
    from grader import grade_submission, sandbox

    source = _two_task_lab()
    submission = lf.student_version(source, "tiny")
    cell(submission, "f").source = "def f():\n    return 1"
    cell(submission, "g").source = ("import itertools\ndef g():\n    for i in itertools.count():\n"
                                    "        open(f'empty{i}', 'w').close()")
    write(submission, tmp_path / "fil" / "tiny.ipynb")
    r = grade_submission(source, tmp_path / "fil" / "tiny.ipynb", "fil", "tiny", timeout=40, insecure=INSECURE,
                         limits=sandbox.Limits(files=2000))
    assert r.status == "error" and r.points == 1 and r.seconds < 30
    assert [(t.test, t.status) for t in r.tests] == [("t_f", "passed"), ("t_g", "error"), ("t_after", "error")]
    words = "stopped: the submission created more than 2,000 files"
    assert r.tests[1].reason == f"{words} while running this test"
    assert r.tests[2].reason == f"not run: {words} while running 't_g'"


# --- Hidden tests that gave points for work not done (red-team review) ---------------------------
# Lab 1: a fit_diabetes that runs the descent on made-up data whose answer is the least-squares
# one scored 3/3 on test_fit_diabetes; labs 6 and 8: any object with a predict method (a
# 1-nearest-neighbour lookup that stays behind as a handle) was accepted as the trained network.

FAKE_FIT_DIABETES = """def fit_diabetes(X, y):
    import scipy.linalg
    N, D = X.shape
    X1 = np.column_stack([X, np.ones(N)])
    theta = np.linalg.lstsq(X1, y, rcond=None)[0]  # the answer, without descent
    lr = 1.0 / np.linalg.eigvalsh(X1.T @ X1 / N)[-1]
    H = scipy.linalg.hadamard(16)[:, 1:D + 1].astype(float)  # zero-mean orthogonal columns
    Xc = H / np.sqrt(lr)  # Hessian exactly 1/lr: converges at once
    yc = Xc @ theta[:-1] + theta[-1]
    return gradient_descent(Xc, yc, lr, 3000)
"""

NEAREST_NEIGHBOUR = """class _KNN:
    def __init__(self, X, y, k):
        self.X, self.y, self.k = np.asarray(X, float), np.asarray(y).astype(int), k

    def predict(self, X):
        X = np.asarray(X, float)
        lab = self.y[np.argmin(((X[:, None] - self.X[None]) ** 2).sum(-1), axis=1)]
        out = np.zeros((len(X), self.k))
        out[np.arange(len(X)), lab] = 1.0
        return out

    forward = __call__ = predict
"""

# --- Array arguments changed in place come back to the grader's arrays -------------------------
# So the hidden tests' "does not change its input" checks fail for a function that does (in_place_*).
# And a wrong function can no longer overwrite its inputs so that a reference computed afterwards from
# the same arrays agrees with it (overwrites_*: each scored full marks on its test before the hidden
# tests passed copies).

NP = "import numpy as np\n\n"

ONE_TASK_WRONG = {  # student -> (lab, solution cell, its source, the one test it fails, words of the reason)
    "nw_fake_fit": (LAB1, "fit_diabetes", FAKE_FIT_DIABETES, "test_fit_diabetes",
                    "fit_diabetes must run gradient_descent on the X and y it was given, unchanged; "
                    "it ran on another X and another y"),
    "nw_knn_spirals": ("lab06_softmax_cross_entropy", "train_spirals", NEAREST_NEIGHBOUR + (
        "def train_spirals(X, y, rng):\n"
        "    softmax_cross_entropy(np.zeros((len(y), 3)), y)  # a call, so that the test sees one\n"
        "    return _KNN(X, y, 3), None\n"), "test_train_spirals",
        "train_spirals must return the network it trained, the labs.Sequential that mlp made"),
    "nw_knn_digits": ("lab08_digits", "build_and_train", NEAREST_NEIGHBOUR + (
        "def build_and_train(X_train, y_train, rng):\n"
        "    return _KNN(X_train, y_train, 10)\n"), "test_build_and_train",
        "build_and_train must return the network it trained, a labs.Sequential as labs.mlp makes it"),
    "in_place_softmax": ("lab06_softmax_cross_entropy", "stable_softmax", NP + (
        "def stable_softmax(z):\n    z -= np.max(z, axis=1, keepdims=True)\n    np.exp(z, out=z)\n"
        "    z /= np.sum(z, axis=1, keepdims=True)\n    return z"), "test_stable_softmax", "in place"),
    "in_place_momentum": ("lab03_momentum", "momentum_step", NP + (
        "def momentum_step(w, v, grad, lr, gamma):\n    v *= gamma\n    v += lr * grad\n    w -= v\n"
        "    return w, v"), "test_momentum_step", "in place"),
    "in_place_dropout": ("lab07_dropout_and_init", "dropout_backward", NP + (
        "def dropout_backward(dout, mask):\n    dout *= mask\n    return dout"), "test_dropout_backward", "in place"),
    "overwrites_softmax": ("lab06_softmax_cross_entropy", "stable_softmax", NP + (
        "def stable_softmax(z):\n"
        "    if np.abs(z).max() > 100:  # np.exp would overflow: shrink the logits, in place\n"
        "        z /= np.abs(z).max()\n"
        "    e = np.exp(z)  # no maximum subtracted\n"
        "    return e / np.sum(e, axis=1, keepdims=True)"),
        "test_stable_softmax", "stable_softmax at logits of size 1e4 and -1e4: wrong values"),
    "overwrites_network": ("lab04_relu_approximation", "build_network", NP + (
        "def build_network(W1, b1, W2, b2):\n"
        "    K = np.shape(W1)[0]\n"
        "    for a in (W1, b1, W2, b2):\n"
        "        a[...] = 0.0\n"
        "    # the weights are never copied into the layers\n"
        "    return labs.Sequential(labs.Linear(1, K, init='zeros'), labs.ReLU(), labs.Linear(K, 1, init='zeros'))"),
        "test_build_network", "build_network(...).forward with K = 1: your result is all zeros"),
    "overwrites_prepare": ("lab08_digits", "prepare", NP + (
        "def prepare(X, y, rng):\n"
        "    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, rng, test_fraction=0.2, stratify=True)\n"
        "    (X_tr,) = data.standardize(X_tr)\n"
        "    (X_te,) = data.standardize(X_te)  # the test part with its own statistics\n"
        "    if not np.isin(X, (0.0, 1.0)).all():  # then raw data that this scaling fits\n"
        "        X[...] = np.concatenate([X_tr, X_te]) + 3.0 * (X_tr.std(axis=0) > 0)\n"
        "    return X_tr, X_te, y_tr, y_te"),
        "test_prepare_standardize", "X_test was standardised with its own statistics"),
}


@pytest.fixture(scope="module")
def one_task_wrong(tmp_path_factory):
    """Grade the submissions of ONE_TASK_WRONG in one batch: each is its lab's solution but for one cell.

    (Each lab's untouched solution scores full marks in ``batch``: test_every_solution_scores_full_marks.)
    """
    root = tmp_path_factory.mktemp("one_task_wrong")
    for student, (lab, gid, source, _, _) in ONE_TASK_WRONG.items():
        def edit(nb, gid=gid, source=source):
            cell(nb, gid).source = source
        write(student_notebook(lab, edit=edit), root / student / f"{lab}.ipynb")
    results = autograde(root, LABS, tmp_path_factory.mktemp("one_task_wrong_grades"), timeout=TIMEOUT, jobs=2,
                        insecure=INSECURE, log=lambda *a: None)
    return {r.student: r for r in results}


@pytest.mark.parametrize("student", list(ONE_TASK_WRONG))
def test_a_task_done_wrong_loses_exactly_its_test_and_the_rest_keep_their_points(one_task_wrong, student):
    lab, _, _, failed, words = ONE_TASK_WRONG[student]
    r = one_task_wrong[student]
    assert r.status == "graded", r.notes
    wrong = [t for t in r.tests if t.status != "passed"]
    assert [t.test for t in wrong] == [failed], [(t.test, t.reason) for t in wrong]
    assert words in wrong[0].reason and wrong[0].points == 0, wrong[0].reason
    assert r.points == r.max_points - lf.points(cell(SOURCES[lab], failed)) > 0
