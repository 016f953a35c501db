"""How many files a running sandbox holds: the used inodes of its tmpfs, read from outside.

bwrap's ``--size`` bounds the bytes of the sandbox's tmpfs (``Limits.file_size``), not its
files: an empty file costs no bytes, yet every inode holds kernel memory (about 1 KB) until
the sandbox ends, and a tmpfs allows one inode per two pages of RAM (3 million on a 24 GiB
machine). bwrap cannot set ``nr_inodes``, so the watchdog of :mod:`grader.sandbox_memory`
counts them: the tmpfs is ``/proc/<pid>/root<workdir>`` for any process inside the
sandbox, and ``statvfs`` of it says how many inodes are in use.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["files_in"]


def files_in(pids, workdir: Path) -> int:
    """Inodes in use in the tmpfs mounted at ``workdir`` inside the sandbox of ``pids``; 0 if none is seen.

    bwrap's own outer process sees the host's folder at that path (the same device as the
    host's ``workdir``): it is skipped, as is any process that has ended.
    """
    try:
        host = os.stat(workdir).st_dev
    except OSError:
        return 0
    for pid in pids:
        inside = f"/proc/{pid}/root{workdir}"
        try:
            if os.stat(inside).st_dev == host:
                continue
            fs = os.statvfs(inside)
        except OSError:
            continue
        return fs.f_files - fs.f_ffree
    return 0
