"""A total-memory guard for one running sandbox, without cgroups; and a guard on its files.

``RLIMIT_AS`` (:class:`grader.sandbox.Limits` ``.memory``) bounds each process, so a sandbox
of ``processes`` processes could hold ``processes`` x ``memory``. A :class:`Watchdog` is a
thread that, every ``interval`` seconds (0.2), adds up the memory of every process of the
sandbox and, when the total exceeds ``limit`` bytes, SIGKILLs them all (until none is left)
and sets ``fired`` to ``"memory"``; the session then reports why the submission stopped.
Given ``files`` (a function: the files the sandbox holds now, :mod:`grader.sandbox_files`),
it does the same when they exceed ``file_limit``, and ``fired`` is ``"files"``.

* **which processes**: as root, every process that has the slot's uid among its uids
  (:func:`grader.sandbox_uids._pids_of`); otherwise (no uid of its own) the process the
  session started and all its descendants (a daemon inside bwrap's PID namespace is
  re-parented to the namespace's init, itself a descendant);
* **how much memory**: for each process its proportional set size, ``Pss`` of
  ``/proc/<pid>/smaps_rollup`` (a page shared by n processes counts 1/n to each: the
  interpreter and libraries of forked children count once in total), or its resident set
  size ``VmRSS`` of ``/proc/<pid>/status`` where ``smaps_rollup`` cannot be read.

What it does not bound: growth between two looks (a process that fills memory at ~2 GB/s
overshoots by up to ~0.4 GB before it is seen; one that creates ~50,000 empty files a second,
by ~10,000 files); memory that is no process's pages: memfds, System V shared memory, pipe
and socket buffers. The sandbox's memory cgroup (:mod:`grader.sandbox_cgroup`) bounds those,
where one can be made; the workdir's tmpfs is bounded by ``file_size`` in any case.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from .sandbox_files import files_in
from .sandbox_uids import _kill_uid, _pids_of

__all__ = ["Watchdog", "for_sandbox", "size_words", "over_memory", "memory_of", "descendants"]

INTERVAL = 0.2  # seconds between two looks


def size_words(n: int) -> str:
    """``2147483648`` -> ``"2 GiB"``, ``1610612736`` -> ``"1.5 GiB"``, ``536870912`` -> ``"512 MiB"``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def over_memory(limit: int) -> str:
    """The words for a sandbox stopped at its memory limit (by this watchdog or by its cgroup)."""
    return f"the submission used more than {size_words(limit)} of memory in total"


def memory_of(pid: int) -> int:
    """Bytes of memory of ``pid``: Pss of smaps_rollup, else VmRSS, else 0 (gone)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return 0


def descendants(root: int) -> list[int]:
    """``root`` and every live process below it (from the parent pids in /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    live = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X"):
            live.add(int(entry))
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in live:
            out.append(pid)
        todo.extend(children.get(pid, []))
    return out


class Watchdog:
    """Kill all of ``pids()`` when their memory adds up to more than ``limit`` bytes, or when
    ``files()`` (if given) is more than ``file_limit``, or when ``oom_kills()`` (if given: the
    sandbox's cgroup) says the kernel killed one of them for the cgroup's memory limit.

    ``pids``: a function returning the sandbox's processes now; ``kill``: a function that
    kills them all (default: SIGKILL each of ``pids()`` until none is left). After
    :meth:`stop`, ``fired`` says why it killed (``"memory"``, ``"files"``, or ``""``: it did
    not), ``peak`` is the largest total of memory it saw (bytes), ``peak_files`` the most
    files, and ``looks`` how many times it looked.
    """

    def __init__(self, pids, limit: int, *, kill=None, interval: float = INTERVAL, files=None,
                 file_limit: int | None = None, oom_kills=None):
        self.pids, self.limit, self.interval = pids, int(limit), interval
        self.files, self.file_limit, self.oom_kills = files, file_limit, oom_kills
        self._kill = kill or self._kill_pids
        self.fired, self.peak, self.peak_files, self.looks = "", 0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="sandbox-memory", daemon=True)

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def reason(self) -> str:
        """The words for the report: ``"the submission used more than 2 GiB of memory in total"``."""
        if self.fired == "files":
            return f"the submission created more than {self.file_limit:,} files"
        return over_memory(self.limit)

    def total(self) -> int:
        """The sandbox's memory now, in bytes (the sum over its processes)."""
        return sum(memory_of(pid) for pid in self.pids())

    def _watch(self):
        while not self._stop.is_set():
            total = self.total()
            files = self.files() if self.files else 0
            self.looks += 1
            self.peak, self.peak_files = max(self.peak, total), max(self.peak_files, files)
            if total > self.limit or (self.oom_kills and self.oom_kills()):
                self.fired = "memory"
            elif self.files and files > self.file_limit:
                self.fired = "files"
            if self.fired:
                self._kill()
                return
            self._stop.wait(self.interval)

    def _kill_pids(self, rounds: int = 50):
        for _ in range(rounds):
            pids = [p for p in self.pids() if p != os.getpid()]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)


def for_sandbox(process, limit: int, *, uid: int | None, workdir=None, file_limit: int | None = None,
                cgroup=None) -> Watchdog:
    """A started watchdog for the sandbox ``process`` (a Popen of ``sandbox.command``): by the
    slot's ``uid`` when it has one of its own (root, not insecure), else by process tree.
    With ``workdir`` (the sandbox's tmpfs; not when insecure) and ``file_limit`` it also
    counts the files there; with ``cgroup`` (:mod:`grader.sandbox_cgroup`), a process the
    kernel killed at the cgroup's limit ends the whole sandbox, as the watchdog's own limit does."""
    pids = (lambda: _pids_of(uid)) if uid is not None else (lambda: descendants(process.pid))
    kill = (lambda: _kill_uid(uid)) if uid is not None else None
    files = (lambda: files_in(pids(), workdir)) if workdir is not None and file_limit is not None else None
    oom_kills = cgroup.oom_kills if cgroup is not None else None
    return Watchdog(pids, limit, kill=kill, files=files, file_limit=file_limit, oom_kills=oom_kills).start()
