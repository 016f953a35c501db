"""The two processes end to end on a tiny lab: proxies, substitution, handles, and how a session ends."""

import signal
import time

import numpy as np
import pytest
from grader_helpers import INSECURE, tiny_lab

from grader import labformat as lf
from grader import sandbox, wire
from grader.session import CALLBACK_METHODS, Handle, Session, Stopped, StudentError, StudentNotImplementedError
from grader.trusted import TrustedLab, plan, student_names

STUDENT = '''
import numpy as np

def double(x):
    return 2 * x

def twice_double(x):
    return double(double(x))

def call_with(f, x):
    return f(x) + 1

def swallow(f, x):
    try:
        return f(x)
    except Exception:
        return 0

def draw(shape, rng):
    return rng.standard_normal(shape)

def use_model(model, X):
    return model.predict(X) * 10

def poke(model):
    return model.secret()

def todo():
    raise NotImplementedError("write me")

def fails(x):
    return [1, 2][x]

def weird():
    return np.array([object()], dtype=object)

def scale_in_place(x, k=2):
    x *= k

def scale_copy(x, k=2):
    return x * k

def fill_nested(items, k=0):
    items[0][...] = 1
    items[1]["w"] += k

def mutate_then_fail(x):
    x[0] = -1
    raise ValueError("after the change")

def call_on_copy(f, x):
    y = x.copy()
    f(y)
    return y

class Counter:
    def __init__(self, start):
        self.count = start

    def add(self, k):
        self.count += k
        return self.count

    def push(self, x):
        x += self.count
'''


def source_lab():
    """The tiny lab's source: one solution cell defining the names above (their bodies are irrelevant here)."""
    body = "\n".join(f"def {name}(*args):\n    # TODO: x\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION"
                     for name in ("double", "twice_double", "call_with", "swallow", "draw", "use_model", "poke", "todo",
                                  "fails", "weird", "scale_in_place", "scale_copy", "fill_nested",
                                  "mutate_then_fail", "call_on_copy"))
    klass = "class Counter:\n    def add(self):\n        # TODO: x\n        ### BEGIN SOLUTION\n        pass\n" \
            "        ### END SOLUTION"
    return tiny_lab(lf.solution_cell("s", body + "\n\n" + klass),
                    lf.readonly_cell("setup", "import numpy as np\nfrom labs import selfcheck"),
                    lf.readonly_cell("uses", "y = double(3)"),
                    lf.readonly_cell("after", "z = y + 1"),
                    lf.test_cell("t", 1, "# Graded tests (1 point)\nassert True, 'x'"))


def start(cells, timeout=60, budget=30):
    return Session(cells, budget=budget, deadline=time.monotonic() + timeout, limits=sandbox.Limits(),
                   insecure=INSECURE)


@pytest.fixture(scope="module")
def lab():
    session = start([{"index": 0, "source": STUDENT}])
    ready = session.ready()
    assert ready["cells"][0]["error"] is None
    trusted = TrustedLab(source_lab(), session)
    for cell, role in plan(trusted.source):
        if role == "run":
            trusted.run(cell, "<cell>")
    yield trusted
    session.close()


def run(lab, code):
    exec(code, lab.ns)
    return lab.ns


def test_the_plan_runs_only_cells_that_do_not_evaluate_the_students_names():
    source = source_lab()
    assert student_names(source) >= {"double", "Counter"}
    assert [(lf.grade_id(c), role) for c, role in plan(source)] == [("setup", "run"), ("t", "test")]


def test_a_proxy_calls_the_students_function_with_plain_data(lab):
    ns = run(lab, "r = double(np.arange(3.0))")
    assert isinstance(ns["r"], np.ndarray) and list(ns["r"]) == [0.0, 2.0, 4.0]
    assert repr(ns["double"]) == "<the student's double>"


def test_substituted_names_are_bound_to_callbacks_for_the_length_of_the_call(lab):
    ns = run(lab, "calls = []\n"
                  "def _ref(x):\n    calls.append(x)\n    return 100 * x\n"
                  "with selfcheck.substituted(globals(), double=_ref):\n    r = twice_double(2)\n"
                  "r_after = twice_double(2)")
    assert ns["r"] == 100 * 100 * 2 and ns["calls"] == [2, 200]
    assert ns["r_after"] == 8  # the student's own double is back


def test_grader_callables_passed_as_arguments_are_called_back(lab):
    ns = run(lab, "r = call_with(np.cos, 0.0)\nr2 = call_with(lambda v: v * 3, 2)")
    assert ns["r"] == 2.0 and ns["r2"] == 7


def test_an_assert_in_a_callback_fails_the_test_even_if_the_student_catches_it(lab):
    code = "def _strict(x):\n    assert x < 0, 'x must be negative'\n    return x\nr = call_with(_strict, 5)"
    with pytest.raises(AssertionError, match="x must be negative"):
        run(lab, code)
    with pytest.raises(AssertionError, match="x must be negative"):
        run(lab, code.replace("call_with(", "swallow("))


def test_a_generator_is_drawn_from_in_the_students_process_and_advances_here(lab):
    ns = run(lab, "g = np.random.default_rng(3)\na = draw((2, 2), g)\nb = g.random()")
    ref = np.random.default_rng(3)
    assert np.array_equal(ns["a"], ref.standard_normal((2, 2))) and ns["b"] == ref.random()


def test_grader_objects_offer_only_predict_forward_and_call(lab):
    assert CALLBACK_METHODS == ("predict", "forward", "__call__")
    ns = run(lab, "class _M:\n    def predict(self, X):\n        return X + 1\n    def secret(self):\n"
                  "        return 42\nr = use_model(_M(), np.zeros(2))")
    assert list(ns["r"]) == [10.0, 10.0]


def test_student_classes_come_back_as_handles(lab):
    ns = run(lab, "c = Counter(5)\nr = c.add(2)\nr2 = c.add(1)\nhas = hasattr(c, 'nothing')\ncount = c.count")
    assert isinstance(ns["c"], Handle) and (ns["r"], ns["r2"], ns["count"]) == (7, 8, 8)
    assert ns["has"] is False
    with pytest.raises(AttributeError):
        getattr(ns["c"], "_key_of_something")  # noqa: B009 (private names never cross)


def test_the_students_exceptions_arrive_with_their_type_and_place(lab):
    with pytest.raises(StudentNotImplementedError, match="write me"):
        run(lab, "todo()")
    with pytest.raises(StudentError) as info:
        run(lab, "fails(5)")
    assert info.value.type_name == "IndexError" and "in fails, line" in info.value.where
    with pytest.raises(StudentError, match="cannot be sent|cannot be graded"):
        run(lab, "weird()")
    with pytest.raises(StudentError, match="NameError"):
        lab.session.call("not_there", (), {}, {})


def test_an_array_the_students_function_changes_in_place_changes_here_too(lab):
    ns = run(lab, "x = np.arange(3.0)\nx_id = id(x)\nr = scale_in_place(x, k=3)")
    assert ns["r"] is None and id(ns["x"]) == ns["x_id"] and ns["x"].tolist() == [0.0, 3.0, 6.0]
    ns = run(lab, "x = np.arange(3.0)\nx_before = x.copy()\nr = scale_copy(x)")
    assert ns["r"].tolist() == [0.0, 2.0, 4.0] and ns["x"].tobytes() == ns["x_before"].tobytes()


def test_arrays_nested_in_lists_and_dicts_and_changed_before_an_exception_come_back(lab):
    ns = run(lab, "a, w, keep = np.zeros(2), np.ones(2, np.float32), np.full(2, 7.0)\n"
                  "fill_nested([a, {'w': w, 'keep': keep}], k=np.float32(2))")
    assert ns["a"].tolist() == [1.0, 1.0] and ns["w"].tolist() == [3.0, 3.0] and ns["keep"].tolist() == [7.0, 7.0]
    with pytest.raises(StudentError, match="after the change"):
        run(lab, "x = np.ones(2)\nmutate_then_fail(x)")
    assert lab.ns["x"].tolist() == [-1.0, 1.0]


def test_methods_of_handles_and_callbacks_change_arrays_in_place_too(lab):
    ns = run(lab, "c = Counter(5)\nv = np.zeros(2)\nc.push(v)")
    assert ns["v"].tolist() == [5.0, 5.0]
    ns = run(lab, "def _zero_first(y):\n    y[0] = 0\nr = call_on_copy(_zero_first, np.ones(3))")
    assert ns["r"].tolist() == [0.0, 1.0, 1.0]  # the grader's callable changed the student's array


# The tests below start sessions of their own on the same sandbox slot, and ending one can kill the module's
# session, so every test that uses ``lab`` comes above.
def test_a_disallowed_method_on_a_grader_object_ends_the_session():
    session = start([{"index": 0, "source": STUDENT}])
    try:
        session.ready()
        ns = TrustedLab(source_lab(), session).ns
        with pytest.raises(Stopped) as info:
            exec("class _M:\n    def secret(self):\n        return 1\n    def predict(self, X):\n"
                 "        return X\npoke(_M())", ns)
        assert info.value.why == "protocol"
    finally:
        session.close()


def test_a_loop_is_stopped_at_the_notebooks_budget_and_the_cells_before_count():
    session = start([{"index": 0, "source": "def f():\n    return 1"},
                     {"index": 1, "source": "while True:\n    pass"},
                     {"index": 2, "source": "def g():\n    return 2"}], timeout=30, budget=3)
    try:
        ready = session.ready()
        assert ready["stopped"] == {"index": 1, "why": "timeout"}
        assert session.call("f", (), {}, {}) == 1
        with pytest.raises(StudentError, match="NameError"):
            session.call("g", (), {}, {})
    finally:
        session.close()


def test_a_call_that_never_returns_is_stopped_at_the_deadline():
    session = start([{"index": 0, "source": "def f():\n    while True:\n        pass"}], timeout=8, budget=5)
    try:
        session.ready()
        t0 = time.monotonic()
        with pytest.raises(Stopped) as info:
            session.call("f", (), {}, {})
        assert info.value.why == "timeout" and time.monotonic() - t0 < 10
    finally:
        session.close()


def test_a_callback_asked_for_too_much_work_is_stopped_at_the_deadline():
    """The student's code calls a grader callable with an argument that means 10**9 steps (about 40 s here)."""
    session = start([{"index": 0, "source": "def call_with(f, x):\n    return f(x) + 1"}], timeout=8, budget=5)

    def count(n):
        total = 0
        for i in range(n):
            total += i
        return total

    try:
        session.ready()
        assert session.call("call_with", (count, 10), {}, {}) == 46
        t0 = time.monotonic()
        with pytest.raises(Stopped) as info:
            session.call("call_with", (count, 10**9), {}, {})
        assert info.value.why == "timeout" and time.monotonic() - t0 < 10
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # no timer left behind
    finally:
        session.close()


@pytest.mark.parametrize("code, why", [
    ("import os\nos._exit(3)", "died"),
    ("import os\nfor fd in range(3, 12):\n    try:\n        os.write(fd, b'\\0\\0\\0\\0\\0\\0\\0\\5junk!')\n"
     "    except OSError:\n        pass", "protocol"),
])
def test_a_process_that_dies_or_writes_junk_on_the_channel_ends_the_session(code, why):
    session = start([{"index": 0, "source": code}], timeout=30)
    try:
        with pytest.raises(Stopped) as info:
            session.ready()
        assert info.value.why == why
    finally:
        session.close()


def test_processes_that_together_pass_the_memory_limit_end_the_session_with_the_reason():
    forks = ("import os, time\nfor i in range(6):\n    if os.fork() == 0:\n        time.sleep(0.3 * i)\n"
             "        block = b'x' * (400 * 2**20)\n        time.sleep(30)\n        os._exit(0)\ntime.sleep(30)")
    session = Session([{"index": 0, "source": forks}], budget=40, deadline=time.monotonic() + 60,
                      limits=sandbox.Limits(memory=2**30), insecure=INSECURE)
    try:
        t0 = time.monotonic()
        with pytest.raises(Stopped) as info:
            session.ready()
        assert info.value.why == "memory" and time.monotonic() - t0 < 15
        assert info.value.detail == "the submission used more than 1 GiB of memory in total"
    finally:
        session.close()


FORGER = """
import numpy as np
import wire

FORGED = []
_real_changed = wire.Codec.changed

def _changed(self, codec):
    return FORGED.pop() if FORGED else _real_changed(self, codec)

wire.Codec.changed = _changed

def forge(x, sent_back):
    FORGED.append(sent_back)
    return 1
"""


def _nd(value):
    return wire.Codec().encode(np.asarray(value))


@pytest.mark.parametrize("sent_back, refused", [
    ([[0, _nd(np.full(5, 9.0))]], False),  # another shape: ignored
    ([[0, _nd(np.full(2, 9.0, dtype=complex))]], False),  # no safe cast: ignored
    ([[1, _nd(np.full(2, 9.0))]], True),  # no such argument: the grader's other arrays are out of reach
    ([[0, _nd(np.full(2, 9.0))], [0, _nd(np.full(2, 8.0))]], True),  # twice
    ([[0, [9.0, 9.0]]], True),  # not an array
    ({"0": _nd(np.full(2, 9.0))}, True),  # not a list
])
def test_a_forged_write_back_changes_nothing_and_never_crashes_the_grader(sent_back, refused):
    session = start([{"index": 0, "source": FORGER}])
    try:
        session.ready()
        x, elsewhere = np.zeros(2), np.zeros(2)
        session.call("forge", (elsewhere, []), {}, {})  # an array of an earlier call
        if refused:
            with pytest.raises(StudentError, match="ProtocolError"):
                session.call("forge", (x, sent_back), {}, {})
        else:
            assert session.call("forge", (x, sent_back), {}, {}) == 1
        assert x.tolist() == [0.0, 0.0] and elsewhere.tolist() == [0.0, 0.0]
        assert session.call("forge", (x, []), {}, {}) == 1  # the session goes on
    finally:
        session.close()
