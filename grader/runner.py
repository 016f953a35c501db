"""The student side: run a submission's cells, then answer the grader's calls. Runs inside the sandbox.

``python runner.py CELLS.json``: the engine copies this file and ``wire.py`` into
the sandbox's working folder, with ``CELLS.json`` (the rebuilt notebook's code
cells, graded test cells left out). This script never imports ``grader`` and
decides nothing: it only runs the student's code and reports what it returned.

1. The channel to the grader is the process's stdin and stdout, moved to private
   file descriptors before any student code runs; fd 0 then reads /dev/null and
   fd 1 writes to stderr, so ``print`` cannot reach the grader.
2. The cells run in one IPython ``InteractiveShell`` in this process (magics such as
   ``%pip`` work as in a kernel), with a time budget for them all; each cell's
   outputs (streams, displays, figures, errors) are captured with caps per cell and
   per notebook and sent in the ``ready`` message.
3. Then it serves ``call`` (a function the notebook defines), ``method`` and
   ``getattr`` (on a handle to an object the student's code returned) until ``bye``.
   Callables of the grader's that arrive as arguments, or stand in for the
   student's names while a call runs (``subst``), are stubs that call back.
4. Arguments arrive as copies, so every reply, ``return`` or ``raise``, carries
   ``arrays``: the contents of each array argument the call changed in place, which
   the grader copies into its own arrays, as if the call had run in its process
   (``wire.Codec.changed``). Callbacks work the same way in the other direction.
"""

import base64
import io
import json
import os
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402  (the copy next to this file)

CELL_BYTES = 256 * 1024  # output kept per cell
NOTEBOOK_BYTES = 2 * 2**20  # output kept per notebook
STREAM_CHARS = 100_000  # printed characters kept per cell
IMAGES = 10  # figures kept per cell
MAX_HANDLES = 100_000


class TimeLimit(KeyboardInterrupt):
    """Raised in the running cell when the notebook's time budget is spent."""


class Outputs:
    """The outputs of the cell that is running, capped, as nbformat output dicts."""

    def __init__(self):
        self.cell, self.total, self.truncated = [], 0, False
        self._bytes = 0
        self._stream = {"stdout": 0, "stderr": 0}

    def start(self):
        self.cell, self._bytes, self._stream = [], 0, {"stdout": 0, "stderr": 0}

    def _room(self, size):
        if self._bytes + size > CELL_BYTES or self.total + size > NOTEBOOK_BYTES:
            self.truncated = True
            return False
        self._bytes += size
        self.total += size
        return True

    def stream(self, name, text):
        left = STREAM_CHARS - self._stream[name]
        if left <= 0:
            self.truncated = True
            return
        text = text[:left]
        if not self._room(len(text.encode("utf-8", "replace"))):
            return
        self._stream[name] += len(text)
        if self.cell and self.cell[-1].get("name") == name:
            self.cell[-1]["text"] += text
        else:
            self.cell.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output):
        size = len(json.dumps(output, default=str))
        if self._room(size):
            self.cell.append(output)


class CappedStream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while the cells run: text goes to :class:`Outputs`."""

    def __init__(self, outputs, name):
        self.outputs, self.name = outputs, name

    def write(self, text):
        self.outputs.stream(self.name, str(text))
        return len(text)

    def writable(self):
        return True


def _bundle(data):
    """A display bundle with text values only (what a notebook can hold)."""
    bundle = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif not isinstance(value, str):
            value = json.dumps(value, default=str) if mime.endswith("json") else str(value)
        bundle[str(mime)] = value
    return bundle


def make_shell(outputs):
    """An IPython InteractiveShell whose displays, results and tracebacks land in ``outputs``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            outputs.add({"output_type": "display_data", "data": _bundle(data), "metadata": {}})

        def clear_output(self, wait=False):
            outputs.cell.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            outputs.add({"output_type": "execute_result", "data": _bundle(format_dict), "metadata": {},
                         "execution_count": None})

        def finish_displayhook(self):
            pass

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    shell = InteractiveShell.instance(config=config)
    shell.display_pub = Publisher(shell=shell)
    shell.displayhook = Hook(shell=shell, cache_size=0)
    shell.display_trap.hook = shell.displayhook

    def show(etype, evalue, stb):
        outputs.add({"output_type": "error", "ename": etype.__name__, "evalue": str(evalue)[:2000],
                     "traceback": [str(line)[:4000] for line in stb[-20:]]})

    shell._showtraceback = show
    return shell


def _figures(outputs):
    """Each open matplotlib figure as a PNG display, as the inline backend would show it; then close them."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    for number in plt.get_fignums()[:IMAGES]:
        buffer = io.BytesIO()
        try:
            plt.figure(number).savefig(buffer, format="png", dpi=72, bbox_inches="tight")
        except Exception:  # a figure that does not draw is the student's problem, not the runner's
            continue
        outputs.add({"output_type": "display_data", "metadata": {},
                     "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                              "text/plain": "<Figure>"}})
    plt.close("all")


def run_cells(shell, cells, budget, outputs, server):
    """Run every cell within ``budget`` seconds; return ``(results, stopped)`` for the ``ready`` message.

    Before each cell, the grader is told its index: if the process dies there, it knows where.
    """
    deadline = time.monotonic() + budget

    def alarm(signum, frame):
        raise TimeLimit("the notebook's time budget is spent")

    signal.signal(signal.SIGALRM, alarm)
    results, stopped = [], None
    sys.stdout, sys.stderr = CappedStream(outputs, "stdout"), CappedStream(outputs, "stderr")
    for cell in cells:
        left = deadline - time.monotonic()
        if left <= 0:
            stopped = {"index": cell["index"], "why": "timeout"}
            break
        outputs.start()
        server.send({"op": "cell", "index": cell["index"]})
        signal.setitimer(signal.ITIMER_REAL, left)
        try:
            result = shell.run_cell(cell["source"], store_history=False)
            _figures(outputs)
        except BaseException:  # a TimeLimit that escaped the cell, or worse: stop running cells
            result = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        error = None if result is None else result.error_in_exec or result.error_before_exec
        results.append({"index": cell["index"], "outputs": outputs.cell,
                        "error": None if error is None else [type(error).__name__, str(error)[:500]]})
        if result is None or isinstance(error, TimeLimit) or time.monotonic() >= deadline:
            stopped = {"index": cell["index"], "why": "timeout"}
            break
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return results, stopped


class Server:
    """Answers the grader's requests on the private channel, with the student's namespace ``ns``."""

    def __init__(self, fd_in, fd_out, ns):
        self.fd_in, self.fd_out, self.ns = fd_in, fd_out, ns
        self.handles = {}

    # the channel
    def read_exact(self, n):
        chunks = []
        while n:
            chunk = os.read(self.fd_in, min(n, 2**20))
            if not chunk:
                raise EOFError("the grader closed the channel")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def send(self, message):
        wire.write_frame(self.fd_out, message)

    def receive(self):
        return wire.read_frame(self.read_exact)

    # values
    def codec(self):
        return wire.Codec(export=self.export, resolve=self.resolve, build_labs=wire.build_labs)

    def export(self, obj):
        if len(self.handles) >= MAX_HANDLES:
            return None
        key = len(self.handles) + 1
        self.handles[key] = obj
        return {"$obj": key}

    def resolve(self, tag, key):
        if tag == "$fn":
            return self.stub(key, None)
        return Remote(self, key)

    def stub(self, key, method):
        def call_back(*args, **kwargs):
            codec = self.codec()
            self.send({"op": "callback", "fn": key, "method": method,
                       "args": codec.encode(args), "kwargs": codec.encode(kwargs)})
            return self.wait(codec)  # the grader's changes to the arrays sent are copied back
        call_back.__name__ = f"grader_callable_{key}"
        return call_back

    def wait(self, codec):
        """Serve nested requests until the reply to our own callback arrives."""
        while True:
            message = self.receive()
            op = message.get("op")
            if op in ("return", "raise"):
                codec.write_back(message.get("arrays", []))
            if op == "return":
                value = self.codec().decode(message.get("value"))
                codec.sync(message.get("rngs", []))
                return value
            if op == "raise":
                raise GraderCallbackError(f"{message.get('type')}: {message.get('message')}")
            self.handle(message)

    # requests
    def serve(self):
        while True:
            message = self.receive()
            if message.get("op") == "bye":
                return
            self.handle(message)

    def handle(self, message):
        """Answer one request: its value or its exception, and the array arguments it changed."""
        codec = self.codec()
        try:
            value = self.dispatch(message, codec)
            out = self.codec()
            reply = {"op": "return", "value": out.encode(value), "rngs": codec.states(), "arrays": codec.changed(out)}
        except BaseException as exc:  # the student's code raised: say what and where, then go on serving
            if isinstance(exc, (EOFError, SystemExit)) and not isinstance(exc, GraderCallbackError):
                raise
            reply = {"op": "raise", "type": type(exc).__name__, "message": str(exc)[:2000], "where": _where(exc),
                     "arrays": _changed(codec)}
        self.send(reply)

    def dispatch(self, message, codec):
        op = message.get("op")
        if op == "call":
            name = message.get("name")
            if name not in self.ns:
                raise NameError(f"name '{name}' is not defined")
            fn = self.ns[name]
            args, kwargs, subst = (codec.decode(message.get(k)) for k in ("args", "kwargs", "subst"))
            saved = {k: self.ns.get(k, _MISSING) for k in subst}
            self.ns.update(subst)
            codec.snapshot()
            try:
                return fn(*args, **kwargs)
            finally:
                for k, v in saved.items():
                    if v is _MISSING:
                        self.ns.pop(k, None)
                    else:
                        self.ns[k] = v
        obj = self.handles.get(message.get("obj"))
        if obj is None:
            raise wire.ProtocolError("an unknown handle")
        if op == "getattr":
            return getattr(obj, message.get("name"))
        if op == "method":
            args, kwargs = codec.decode(message.get("args")), codec.decode(message.get("kwargs"))
            name = message.get("name")
            codec.snapshot()
            return (obj if name == "__call__" else getattr(obj, name))(*args, **kwargs)
        raise wire.ProtocolError(f"an unknown request {str(op)[:20]!r}")


class GraderCallbackError(Exception):
    """A callable of the grader's, called from the student's code, raised (the message says what)."""


class Remote:
    """A grader object passed to the student's code (a model, say): its methods call back."""

    def __init__(self, server, key):
        self._server, self._key = server, key

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._server.stub(self._key, name)

    def __call__(self, *args, **kwargs):
        return self._server.stub(self._key, "__call__")(*args, **kwargs)


_MISSING = object()


def _changed(codec):
    """The arrays a call that raised changed, or none if they are too large to send with the error."""
    try:
        return codec.changed(wire.Codec())
    except wire.ProtocolError:
        return []


def _where(exc):
    """``"in f, line N: code"`` for the innermost frame of the student's code."""
    here = {os.path.abspath(__file__), os.path.abspath(wire.__file__)}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) not in here]
    if not frames:
        return ""
    f = frames[-1]
    line = f"line {f.lineno}: {f.line.strip()}" if f.line else f"line {f.lineno}"
    return f"in {f.name}, {line}" if f.name != "<module>" else line


def main(argv):
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    os.environ.setdefault("MPLBACKEND", "Agg")
    outputs = Outputs()
    shell = make_shell(outputs)
    server = Server(fd_in, fd_out, shell.user_ns)
    results, stopped = run_cells(shell, job["cells"], float(job["budget"]), outputs, server)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    server.send({"op": "ready", "cells": results, "stopped": stopped, "truncated": outputs.truncated})
    try:
        server.serve()
    except EOFError:
        pass
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
