"""The uids sandboxes run as (used by :mod:`grader.sandbox`), and killing what is left of them.

As root, each slot leases a uid of its own in ``UID_BASE .. UID_BASE + UID_RANGE - 1`` with a
lock file (``/run/grader-sandbox-uids/<uid>.lock``, held for the life of the grader process),
so two sandboxes running at the same time, even from two grader processes, never share a uid;
:func:`cleanup` then kills, as a second line behind the PID namespace, anything still running
as that uid. Not as root, the sandbox runs as the caller's uid in a user namespace of its own.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import signal
import threading
import time
from pathlib import Path

UID_BASE = 1_900_000_000             # slot uids: far above any uid a system hands out
UID_RANGE = 4096

_leases: dict[int, tuple[int, int]] = {}   # slot -> (uid, fd of the lock file held)
_lease_lock = threading.Lock()


def _lock_dir() -> Path:
    """Where the uid leases live: one fixed folder for every grader process on the machine
    (not $TMPDIR, which two processes may set differently)."""
    d = Path("/run/grader-sandbox-uids") if os.access("/run", os.W_OK) else Path("/tmp/grader-sandbox-uids")
    d.mkdir(mode=0o700, exist_ok=True)
    st = d.lstat()
    if st.st_uid != os.geteuid() or not os.path.isdir(d) or os.path.islink(d) or st.st_mode & 0o077:
        raise RuntimeError(f"{d} must be a folder owned by uid {os.geteuid()} with mode 700")
    return d


def uid(slot: int = 0) -> int:
    """The uid the sandbox of ``slot`` runs as. As root: a uid of its own, leased for the
    life of this process (a lock file), never in the password database and free of
    processes; otherwise the caller's uid (unique per sandbox inside its user namespace)."""
    if os.geteuid() != 0:
        return os.getuid()
    with _lease_lock:
        if slot in _leases:
            return _leases[slot][0]
        d = _lock_dir()
        taken = {u for u, _ in _leases.values()}
        for k in range(UID_RANGE):
            u = UID_BASE + k
            if u in taken:
                continue
            try:
                pwd.getpwuid(u)
                continue
            except KeyError:
                pass
            fd = os.open(d / f"{u}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            _kill_uid(u)  # leftovers of a grader that crashed while holding this uid
            _leases[slot] = (u, fd)
            return u
    raise RuntimeError(f"no free sandbox uid in {UID_BASE}..{UID_BASE + UID_RANGE - 1}")


def _pids_of(u: int) -> list[int]:
    """Live processes (not zombies) that have ``u`` as their real, effective, saved or fs uid."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        state = fields.get("State", "").split()
        if state and state[0] in ("Z", "X"):
            continue
        if u in map(int, fields.get("Uid", "").split()):
            pids.append(int(entry))
    return pids


def _kill_uid(u: int, rounds: int = 50) -> int:
    """SIGKILL every process with ``u`` among its uids until none is left; how many were killed."""
    if u == 0 or u == os.getuid() or u < UID_BASE:
        return 0
    killed = 0
    for _ in range(rounds):
        pids = _pids_of(u)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return killed


def cleanup(slot: int = 0) -> int:
    """After the sandbox of ``slot`` ended (or was killed): kill whatever still runs as its uid.

    Only as root (otherwise the PID namespace alone does it). Waits up to 0.5 s for an
    exiting namespace to disappear, then kills; returns how many processes it had to kill
    (0 is what the namespaces promise)."""
    if os.geteuid() != 0 or slot not in _leases:
        return 0
    u = _leases[slot][0]
    deadline = time.monotonic() + 0.5  # a namespace being torn down takes a moment to disappear
    while _pids_of(u) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _kill_uid(u)

