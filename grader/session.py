"""The grader's end of the channel: start the student-side runner in its sandbox, call it, serve its callbacks.

:class:`Session` is all the trusted side knows of the student's process: a pipe
pair carrying :mod:`grader.wire` frames, a deadline, and the process to kill.
Whatever arrives is decoded strictly; anything unexpected ends the session with a
:class:`Stopped` (a ``BaseException``, so no test code catches it by accident).

Arguments cross as copies; so that a call behaves as in one process, each reply
(``return`` or ``raise``) carries the contents of the array arguments the call
changed in place, and they are copied into the grader's own arrays, and only into
those (``wire.Codec.write_back``): a hidden test that checks "the function does not
change its input" sees the change. A callback of the grader's that returns sends its changes back too.
"""

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import sandbox, sandbox_cgroup, sandbox_memory, wire

__all__ = ["Stopped", "StudentError", "Session", "CALLBACK_METHODS"]

HERE = Path(__file__).resolve().parent
CALLBACK_METHODS = ("predict", "forward", "__call__")  # what the student's code may call on a grader object
MAX_NESTING = 50


class Stopped(BaseException):  # noqa: N818 (it is a stop, not an error of the test)
    """The student's process can no longer answer: ``why`` is ``timeout``, ``died``, ``memory`` (the
    sandbox's processes together used more than the memory limit: ``detail`` says it), ``files``
    (it created more files than its limit) or ``protocol``."""

    def __init__(self, why, detail=""):
        super().__init__(f"{why}: {detail}" if detail else why)
        self.why, self.detail = why, detail


class StudentError(Exception):
    """The student's code raised ``type_name`` with ``message`` at ``where`` (``"in f, line 3: ..."``)."""

    def __init__(self, type_name, message, where=""):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message, self.where = type_name, message, where


class StudentNotImplementedError(StudentError, NotImplementedError):
    """The student's code raised NotImplementedError: the task is not done yet."""


class StudentAttributeError(StudentError, AttributeError):
    """The student's object has no such attribute (so ``hasattr`` works on handles)."""


def student_error(type_name, message, where):
    cls = {"NotImplementedError": StudentNotImplementedError,
           "AttributeError": StudentAttributeError}.get(type_name, StudentError)
    return cls(str(type_name)[:100], str(message)[:2000], str(where)[:500])


class Handle:
    """An object that lives in the student's process: public attributes and calls go over the channel."""

    def __init__(self, session, key):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_key", key)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._session.request({"op": "getattr", "obj": self._key, "name": name})

    def __call__(self, *args, **kwargs):
        return self._session.request({"op": "method", "obj": self._key, "name": "__call__"}, args, kwargs)

    def __bool__(self):
        raise TypeError("an object of the student's has no truth value on the grader's side")

    def __repr__(self):
        return "<an object of the student's>"


class Session:
    """One run of the student-side runner on ``cells`` with ``budget`` seconds for them, under ``deadline``."""

    def __init__(self, cells, *, budget, deadline, limits, slot=0, insecure=False, readable=()):
        self.deadline = deadline
        self.workdir = Path(tempfile.mkdtemp(prefix="grader-work-"))
        os.chmod(self.workdir, 0o755)
        for name in ("runner.py", "wire.py"):
            shutil.copy(HERE / name, self.workdir / name)
        (self.workdir / "cells.json").write_text(wire.json.dumps({"cells": cells, "budget": budget}),
                                                 encoding="utf-8")
        argv = [sandbox.python(insecure), str(self.workdir / "runner.py"), str(self.workdir / "cells.json")]
        command = sandbox.command(argv, workdir=self.workdir, readable=list(readable), limits=limits,
                                  slot=slot, insecure=insecure)
        self.cgroup = sandbox_cgroup.make(f"{os.getpid()}-{slot}", limits.memory)  # None where none can be made
        if self.cgroup is not None:
            command = self.cgroup.enter(command)
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.slot = slot
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, env=sandbox.env(self.workdir, insecure),
                                        start_new_session=True)
        own_uid = os.geteuid() == 0 and not insecure  # then the sandbox's processes are those of its uid
        self.watchdog = sandbox_memory.for_sandbox(self.process, limits.memory,
                                                   uid=sandbox.uid(slot) if own_uid else None,
                                                   workdir=None if insecure else self.workdir,
                                                   file_limit=limits.files, cgroup=self.cgroup)
        self._out, self._in = self.process.stdin.fileno(), self.process.stdout.fileno()
        self._buffer = b""
        self.refs, self.callback_error, self.depth = {}, None, 0
        self.current_cell = None  # the index of the cell the runner said it was running

    # --- the channel --------------------------------------------------------------
    def _read_exact(self, n):
        while len(self._buffer) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Stopped("timeout")
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                raise Stopped("timeout")
            chunk = os.read(self._in, 2**20)
            if not chunk:
                raise self._died()
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def receive(self):
        try:
            message = wire.read_frame(self._read_exact)
        except wire.ProtocolError as exc:
            raise Stopped("protocol", str(exc)) from None
        if not isinstance(message, dict) or not isinstance(message.get("op"), str):
            raise Stopped("protocol", "a message that is not a request or a reply")
        return message

    def send(self, message):
        try:
            wire.write_frame(self._out, message)
        except (BrokenPipeError, OSError):
            raise self._died() from None

    def _died(self):
        """The Stopped for a process that is gone: killed by the memory watchdog, or ended."""
        detail = self._exit_detail()
        if self.watchdog.fired:
            return Stopped(self.watchdog.fired, self.watchdog.reason())
        if self.cgroup is not None and self.cgroup.oom_kills():
            return Stopped("memory", sandbox_memory.over_memory(self.cgroup.limit))
        return Stopped("died", detail)

    def _exit_detail(self):
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it closed the channel"
        if code < 0:
            return f"it was killed by signal {-code}" + (" (memory or CPU limit?)" if -code in (9, 24) else "")
        return f"it exited with status {code}"

    # --- the start ---------------------------------------------------------------
    def ready(self):
        """Wait for the runner's ``ready`` message (the cells' outputs); return it."""
        message = self.receive()
        while message.get("op") == "cell" and isinstance(message.get("index"), int):
            self.current_cell = message["index"]
            message = self.receive()
        if message.get("op") != "ready" or not isinstance(message.get("cells"), list):
            raise Stopped("protocol", "the runner did not report its cells")
        return message

    # --- requests ----------------------------------------------------------------
    def codec(self):
        return wire.Codec(export=self.export, resolve=self.resolve, build_labs=wire.build_labs)

    def export(self, obj):
        if not callable(obj) and not hasattr(obj, "predict"):
            return None
        key = len(self.refs) + 1
        self.refs[key] = obj
        return {"$fn": key} if callable(obj) and not hasattr(obj, "predict") else {"$obj": key}

    def resolve(self, tag, key):
        if tag == "$obj":
            return Handle(self, key)
        raise wire.ProtocolError("the student's side cannot hand out callables")

    def call(self, name, args, kwargs, subst):
        """Call the student's function ``name``; ``subst``: the grader's values for some of the student's names."""
        return self.request({"op": "call", "name": name}, args, kwargs, subst)

    def request(self, message, args=(), kwargs=None, subst=None):
        """Send a request and serve the callbacks it causes; return its value or raise the error."""
        outermost = self.depth == 0
        if outermost:
            self.refs, self.callback_error = {}, None
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise Stopped("protocol", "calls nested too deep")
        try:
            codec = self.codec()
            try:
                message = {**message, "args": codec.encode(tuple(args)), "kwargs": codec.encode(dict(kwargs or {}))}
                if subst is not None:
                    message["subst"] = codec.encode(dict(subst))
            except wire.ProtocolError as exc:
                raise ValueError(f"the grader cannot send this value to the student's code: {exc}") from None
            self.send(message)
            value = self._await(codec)
        except StudentError:
            if outermost and self.callback_error is not None:
                raise self.callback_error from None  # the grader's own check failed first: that is the reason
            raise
        finally:
            self.depth -= 1
        if outermost and self.callback_error is not None:
            raise self.callback_error
        return value

    def _await(self, codec):
        """The reply to the request ``codec`` encoded: apply its arrays and generators, return or raise."""
        while True:
            reply = self.receive()
            op = reply.get("op")
            if op == "callback":
                self._callback(reply)
                continue
            if op not in ("return", "raise"):
                raise Stopped("protocol", f"an unexpected message {op[:20]!r}")
            try:
                codec.write_back(reply.get("arrays"))
                if op == "return":
                    value = self.codec().decode(reply.get("value"))
                    codec.sync(reply.get("rngs"))
                    return value
            except wire.ProtocolError as exc:
                raise StudentError("ProtocolError", f"what your code returned cannot be graded: {exc}") from None
            raise student_error(reply.get("type"), reply.get("message"), reply.get("where", ""))

    def _callback(self, message):
        """Run a grader callable the student's code called, and send back its result."""
        target, method = self.refs.get(message.get("fn")), message.get("method")
        codec = self.codec()
        try:
            if target is None:
                raise wire.ProtocolError("a callback to an unknown or expired callable")
            if method is not None:
                if method not in CALLBACK_METHODS or callable(target) and not hasattr(target, "predict"):
                    raise wire.ProtocolError(f"a callback to a method that is not allowed ({str(method)[:30]!r})")
                target = target if method == "__call__" else getattr(target, method)
            args, kwargs = codec.decode(message.get("args")), codec.decode(message.get("kwargs"))
            if not isinstance(args, tuple) or not isinstance(kwargs, dict):
                raise wire.ProtocolError("a malformed callback")
            codec.snapshot()
            with until(self.deadline):  # the grader's code, on arguments the student's code chose
                value = target(*args, **kwargs)
            out = self.codec()
            reply = {"op": "return", "value": out.encode(value), "rngs": codec.states(), "arrays": codec.changed(out)}
        except wire.ProtocolError as exc:
            raise Stopped("protocol", str(exc)) from None
        except Exception as exc:  # the grader's own callable failed (an assert of the test, say): it counts
            if self.callback_error is None:
                self.callback_error = exc
            reply = {"op": "raise", "type": type(exc).__name__, "message": str(exc)[:2000], "arrays": []}
        self.send(reply)

    # --- the end -----------------------------------------------------------------
    def close(self):
        """Say goodbye, then make sure nothing the student started is left; remove the working folder."""
        try:
            if self.process.poll() is None:
                wire.write_frame(self._out, {"op": "bye"})
                self.process.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired, wire.ProtocolError):
            pass
        finally:
            self.watchdog.stop()
            _kill_group(self.process)
            sandbox.cleanup(self.slot)
            if self.cgroup is not None:
                self.cgroup.remove()
            self.stderr.close()
            shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def until(deadline):
    """Raise ``Stopped("timeout")`` in the code run inside once ``deadline`` (``time.monotonic()``) passes.

    For the grader's own code that the student's code calls back with arguments of its choosing
    (a reference function asked for 10**9 steps): reading the channel enforces the deadline
    everywhere else. A SIGALRM timer, so only in the main thread (elsewhere the batch's limit on
    its worker remains); Python code is stopped at once, a single long numpy call when it returns.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped("timeout")

    handler = signal.signal(signal.SIGALRM, stop)
    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # an enclosing until's time left (0: none)
    outer_end = time.monotonic() + outer
    end = min(deadline, outer_end) if outer else deadline
    signal.setitimer(signal.ITIMER_REAL, max(end - time.monotonic(), 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, max(outer_end - time.monotonic(), 0.001) if outer else 0)
        signal.signal(signal.SIGALRM, handler)


def _kill_group(process):
    """SIGKILL the process the session started and its process group, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for stream in (process.stdin, process.stdout):
        try:
            stream.close()
        except OSError:
            pass
