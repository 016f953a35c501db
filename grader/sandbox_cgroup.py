"""A memory cgroup of its own for one sandbox, where the machine lets the grader make one.

The watchdog of :mod:`grader.sandbox_memory` adds up the pages of the sandbox's processes.
Memory that is no process's pages escapes it: a memfd written and never mapped, a detached
System V shared memory segment (the sandbox's IPC namespace has no size limit), pipe and
socket buffers. A red-team submission held 3 GiB that way against a limit of 2 GiB. The
kernel's memory controller counts all of it, so where the grader can write to the cgroup
file system (as root, or in a delegated cgroup) each sandbox runs in a cgroup of its own:

* **where**: cgroup v2 (``/sys/fs/cgroup/cgroup.controllers``): a child of the grader's own
  cgroup if that one delegates ``memory``, else of the root; cgroup v1: a child of the
  grader's own cgroup in the ``memory`` hierarchy. Named ``grader-sandbox-<pid>-<slot>``;
* **the limit**: ``memory.max`` = ``Limits.memory`` and no swap (v2, with ``memory.oom.group``
  so that the kernel ends the whole sandbox at once), or ``memory.limit_in_bytes`` and
  ``memory.memsw.limit_in_bytes`` (v1);
* **entering it**: :meth:`Cgroup.enter` prefixes the sandbox's command with a shell that
  writes its own pid to ``cgroup.procs`` and then ``exec``'s the command, so every process of
  the sandbox is in the cgroup from its first instruction;
* **the verdict**: :meth:`Cgroup.oom_kills` reads the kernel's count of processes it killed
  for the limit (``oom_kill`` in ``memory.events`` or ``memory.oom_control``); the session
  reports them as the watchdog's "used more than ... of memory in total".

:func:`make` returns ``None`` where no cgroup can be made (not root, a read-only cgroup file
system in a container, no memory controller): the watchdog then bounds memory alone, as the
docstring of :mod:`grader.sandbox` says.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["Cgroup", "make", "available"]

ROOT = Path("/sys/fs/cgroup")


def _own(hierarchy: str) -> str:
    """The grader's own cgroup path in ``hierarchy`` (``""`` for v2's unified one), from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers.split(",") == [hierarchy] or controllers == hierarchy:
            return path.lstrip("/")
    return ""


def _parent() -> tuple[Path, int] | None:
    """Where sandbox cgroups go, and the cgroup version; None if this machine has no memory controller."""
    if (ROOT / "cgroup.controllers").is_file():
        for parent in (ROOT / _own(""), ROOT):
            control = parent / "cgroup.subtree_control"
            if control.is_file() and "memory" in control.read_text().split():
                return parent, 2
        return None
    v1 = ROOT / "memory"
    if (v1 / "memory.limit_in_bytes").is_file():
        return v1 / _own("memory"), 1
    return None


class Cgroup:
    """The cgroup at ``path`` (version ``version``) with a memory limit of ``limit`` bytes."""

    def __init__(self, path: Path, version: int, limit: int):
        self.path, self.version, self.limit = path, version, limit

    def enter(self, argv: list[str]) -> list[str]:
        """``argv``, run from inside this cgroup."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *argv]

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for passing the limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def remove(self, wait: float = 2.0):
        """Kill whatever is left in it, then remove it (a cgroup with processes cannot be removed)."""
        deadline = time.monotonic() + wait
        while True:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)


def make(name: str, limit: int) -> Cgroup | None:
    """A new cgroup ``grader-sandbox-<name>`` limited to ``limit`` bytes of memory, or None if none can be made."""
    found = _parent()
    if found is None:
        return None
    parent, version = found
    path = parent / f"grader-sandbox-{name}"
    if version == 2:
        settings = [("memory.max", limit), ("memory.swap.max", 0), ("memory.oom.group", 1)]
    else:
        settings = [("memory.limit_in_bytes", limit), ("memory.memsw.limit_in_bytes", limit)]
    try:
        path.mkdir(exist_ok=True)
        for file, value in settings:
            if (path / file).exists():
                (path / file).write_text(str(value))
    except OSError:
        Cgroup(path, version, limit).remove(wait=0)
        return None
    return Cgroup(path, version, limit)


def available() -> bool:
    """Whether a sandbox here gets a memory cgroup: one is made and removed again."""
    probe = make(f"probe-{os.getpid()}", 2**30)
    if probe is not None:
        probe.remove()
    return probe is not None
