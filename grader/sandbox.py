"""Run untrusted code (a student's notebook) in a bubblewrap sandbox with limits.

What a sandboxed process gets (``command(...)``):

* **an unprivileged user**: when the grader runs as root, ``setpriv`` drops to a uid of
  its own for each slot (leased with a lock file, so two sandboxes running at the same
  time, even from two grader processes, never share a uid); otherwise the caller's own
  uid, mapped into a new user namespace;
* **new namespaces**: user, PID, mount, network (only a loopback of its own), IPC, UTS
  and cgroup (``bwrap --unshare-all``), no nested user namespaces, a new session (no
  terminal), and ``--die-with-parent``; ``/proc`` lists only its own processes;
* **what it can read**: ``/usr``, a read-only Python environment (the interpreter, the
  grader's site-packages, and a staged copy of the ``labs`` package, shared by every grader
  process with the same ``labs``: ``<tmp>/grader-sandbox-<euid>/env-<hash>``), the
  paths in ``readable`` and the files the caller put in ``workdir`` (both read-only);
  nothing else of the host: no repository, no lab sources, no other submission, no output;
* **what it can write**: only ``workdir`` (also ``HOME``, ``TMPDIR`` and ``/tmp``), which
  inside the sandbox is a fresh tmpfs of ``limits.file_size`` bytes in total: many files
  cannot add up to more. Writes there vanish with the sandbox; return results over pipes;
* **limits** (``prlimit``, applied inside the new user namespace so that the process
  count is the sandbox's own): address space per process ``limits.memory`` (the total of all
  its processes is the caller's to watch: :mod:`grader.sandbox_memory`), processes
  ``limits.processes``, file size ``limits.file_size``, CPU seconds ``limits.cpu_time``
  (then SIGKILL 5 s later), no core files. The wall-clock limit is the caller's: kill
  the process ``command`` started, then call :func:`cleanup`.

Everything started inside is gone when the sandbox ends: the PID namespace's init is
bwrap's, and when it dies the kernel kills every process left in the namespace (a
``setsid`` or double-forked daemon included). :func:`cleanup` kills, as a second line,
any process still running as the slot's uid.

``insecure=True`` runs without bwrap (for a machine that has none): the same rlimits and
environment, but the code sees and can change everything the grader's user can, and a
``setsid`` daemon can outlive it.

What bwrap and the rlimits do not bound by themselves:

* memory, by itself, only per process: one sandbox could hold ``processes`` x ``memory``.
  Where the grader can make cgroups (as root, with a writable memory controller), the
  session puts each sandbox in a memory cgroup of ``limits.memory`` (:mod:`grader.sandbox_cgroup`),
  which counts everything, memfds, System V shared memory, pipe and socket buffers included.
  Everywhere, :mod:`grader.sandbox_memory` bounds the total of the processes' own pages
  by looking every 0.2 s (a fast allocation overshoots a little before it is killed); without
  a cgroup, memory that no process maps escapes it. In a container where no cgroup can be
  made, bound the container; on a shared machine, bound the whole grader too, e.g.
  ``systemd-run --scope -p MemoryMax=8G make grade ...``;
* the number of files: the tmpfs bounds bytes only, and empty files (about 50,000 a second
  here) cost kernel memory until the sandbox ends. The same watchdog counts the tmpfs's
  inodes and kills the sandbox past ``limits.files`` (:mod:`grader.sandbox_files`);
* ``/proc/1/cmdline`` inside is bwrap's command line: it names the host paths bound in
  (the staged environment, the working folder), though nothing else of them is visible.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# re-exported (the tests use them): where the environment appears inside, the slot uids, their lock folder
from .sandbox_env import INSIDE as INSIDE
from .sandbox_env import INSIDE_DEPS, INSIDE_VENV, _base_binds, _deps, _others_can_read, _staging, _staging_lock
from .sandbox_uids import UID_BASE as UID_BASE
from .sandbox_uids import UID_RANGE as UID_RANGE
from .sandbox_uids import _lock_dir as _lock_dir
from .sandbox_uids import _pids_of, cleanup, uid

__all__ = ["Limits", "available", "command", "python", "env", "uid", "cleanup", "parse_size"]

CPU_GRACE = 5                        # seconds between SIGXCPU (soft CPU limit) and SIGKILL (hard)


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits. ``memory``: bytes of address space per process (RLIMIT_AS), and of
    memory of all its processes together (the watchdog of :mod:`grader.sandbox_memory`);
    ``processes``: processes and threads of the sandbox (RLIMIT_NPROC); ``file_size``:
    bytes of the largest file (RLIMIT_FSIZE) and of everything written together (the size
    of its tmpfs); ``files``: files in its tmpfs (the watchdog counts them:
    :mod:`grader.sandbox_files`); ``cpu_time``: CPU seconds per process (RLIMIT_CPU)."""

    memory: int = 2 * 2**30
    processes: int = 64
    file_size: int = 64 * 2**20
    files: int = 10_000
    cpu_time: int = 300


def parse_size(text) -> int:
    """Bytes from ``"2G"``, ``"64M"``, ``"512k"``, ``"1.5GiB"`` or a plain number (powers of 1024)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
    if not m:
        raise ValueError(f"not a size: {text!r} (write e.g. 2G, 64M or 1048576)")
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


# --- availability ----------------------------------------------------------------------------

_available: tuple[bool, str] | None = None


def available() -> tuple[bool, str]:
    """``(True, "")`` when bubblewrap can sandbox here, else ``(False, reason in plain words)``.

    Runs one tiny sandbox (``/bin/true``) the first time and remembers the answer.
    """
    global _available
    if _available is None:
        _available = _probe()
    return _available


def _probe() -> tuple[bool, str]:
    if shutil.which("bwrap") is None:
        return False, ("bubblewrap is not installed: install it (Debian/Ubuntu: sudo apt-get install "
                       "bubblewrap; Fedora: sudo dnf install bubblewrap), or grade with --insecure")
    for tool in ("prlimit", "setpriv") if os.geteuid() == 0 else ("prlimit",):
        if shutil.which(tool) is None:
            return False, f"{tool} (util-linux) is not installed: sudo apt-get install util-linux"
    try:
        with tempfile.TemporaryDirectory(prefix="grader-probe-") as tmp:
            os.chmod(tmp, 0o755)
            argv = command(["/bin/true"], workdir=Path(tmp), readable=[], limits=Limits(), slot=0)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                  env=env(Path(tmp)), stdin=subprocess.DEVNULL)
        cleanup(0)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bubblewrap could not be started ({type(exc).__name__}: {exc})"
    if done.returncode == 0:
        return True, ""
    err = " ".join(done.stderr.split())
    if "namespace" in err.lower() or "permission" in err.lower() or "operation not permitted" in err.lower():
        return False, ("bubblewrap cannot create user namespaces here (" + err[:300] + "). Enable them "
                       "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also "
                       "kernel.apparmor_restrict_unprivileged_userns=0), or in a container allow "
                       "unshare (e.g. docker --security-opt seccomp=unconfined), or grade with --insecure")
    return False, f"bubblewrap failed: {err[:400] or 'exit status ' + str(done.returncode)}"


def python(insecure: bool = False) -> str:
    """The interpreter to name as ``argv[0]``: its path inside the sandbox (or, insecure, on the host).

    It imports ``labs`` (a read-only copy) and everything the grader's venv has, also under ``-I``.
    """
    return str(_staging() / "bin" / "python") if insecure else f"{INSIDE_VENV}/bin/python"


def env(workdir: Path, insecure: bool = False) -> dict:
    """The whole environment of the sandboxed process (nothing is inherited: no secrets)."""
    w = str(workdir)
    return {
        "PATH": f"{python(insecure).rsplit('/', 1)[0]}:/usr/local/bin:/usr/bin:/bin",
        "HOME": w, "TMPDIR": w, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{w}/.config/matplotlib", "IPYTHONDIR": f"{w}/.ipython",
        "XDG_CACHE_HOME": f"{w}/.cache", "XDG_CONFIG_HOME": f"{w}/.config",
        "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_CONFIG_DIR": f"{w}/.jupyter",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def _open_to_sandbox(workdir: Path, readable):
    """As root, bwrap runs as the slot uid and must reach what it binds: make ``workdir`` (a
    scratch folder for the sandbox) and its entries readable by others; check the rest."""
    if workdir.is_dir() and workdir.stat().st_uid == os.geteuid():
        os.chmod(workdir, 0o755)
        for entry in os.scandir(workdir):
            if not entry.is_symlink() and entry.stat().st_uid == os.geteuid():
                os.chmod(entry.path, entry.stat().st_mode | (0o005 if entry.is_dir() else 0o004))
    paths = list(readable) + ([workdir / e for e in os.listdir(workdir)] if workdir.is_dir() else [])
    for p in paths:
        if not _others_can_read(p):
            raise PermissionError(f"the sandbox's uid cannot read {p}: every folder above it needs o+x "
                                  "and the path itself o+r (e.g. make workdir with mode 755 under /tmp)")


_FONTS_SCRIPT = """
import glob, os, sys
import matplotlib.font_manager
name = glob.glob(os.path.join(os.environ["MPLCONFIGDIR"], "fontlist-*.json"))[0]
sys.stdout.write(os.path.basename(name) + "\\n" + open(name).read())
"""
_fonts_failed = False


def _fontlist(staging: Path) -> Path | None:
    """matplotlib's font list as a sandbox sees the fonts (``/usr/share/fonts``, matplotlib's own
    under /sandbox), built by one sandboxed run the first time and kept with the staged
    environment; None if that run failed (then each sandbox scans the fonts itself)."""
    global _fonts_failed
    folder = staging.parent / "mpl"
    found = sorted(folder.glob("fontlist-*.json")) if folder.is_dir() else []
    if found or _fonts_failed:
        return found[0] if found else None
    with _staging_lock, tempfile.TemporaryDirectory(prefix="grader-fonts-") as tmp:
        found = sorted(folder.glob("fontlist-*.json")) if folder.is_dir() else []
        if found:
            return found[0]
        work = Path(tmp)
        (work / "fonts.py").write_text(_FONTS_SCRIPT)
        argv = command([python(), "-I", str(work / "fonts.py")], workdir=work, slot=-1, _fonts=False)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            done = None
        finally:
            cleanup(-1)
        if done is None or done.returncode != 0 or "\n" not in done.stdout:
            _fonts_failed = True
            return None
        name, text = done.stdout.split("\n", 1)
        build = Path(tempfile.mkdtemp(prefix=".mpl-", dir=staging.parent))
        (build / name).write_text(text)
        os.chmod(build / name, 0o644)
        os.chmod(build, 0o755)
        try:
            os.rename(build, folder)
        except OSError:
            shutil.rmtree(build, ignore_errors=True)
        found = sorted(folder.glob("fontlist-*.json"))
        return found[0] if found else None


# --- the command ------------------------------------------------------------------------------

def _tool(name: str) -> str:
    """The absolute path of a tool (found on the grader's PATH, then in /usr/bin and /bin), so that
    the command works whatever environment the caller gives Popen. Tools in /usr stay valid
    inside the sandbox, where /usr is bound at the same path."""
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")
    return os.path.realpath(found) if found else name


def _limit_args(limits: Limits, insecure: bool) -> list[str]:
    nproc = limits.processes
    if insecure and os.geteuid() != 0:
        # outside a user namespace the count is of all this user's processes: allow that many more
        nproc += len(_pids_of(os.getuid()))
    return [_tool("prlimit"), f"--as={limits.memory}", f"--nproc={nproc}", f"--fsize={limits.file_size}",
            f"--cpu={limits.cpu_time}:{limits.cpu_time + CPU_GRACE}", "--core=0", "--nofile=1024", "--"]


def command(argv: list[str], *, workdir: Path, readable: list[Path] = (), limits: Limits = Limits(),
            slot: int = 0, insecure: bool = False, _fonts: bool = True) -> list[str]:
    """The argv that runs ``argv`` in a sandbox (see the module docstring); start it with
    ``subprocess.Popen`` (pipes and ``pass_fds`` reach the sandboxed process unchanged).

    ``argv[0]`` is normally :func:`python`. ``workdir``: a host folder whose files (as they
    are now) the process reads at the same paths; inside it is the only writable place, a
    tmpfs of ``limits.file_size`` bytes (the host folder itself is never written).
    ``readable``: further host files or folders, bound read-only at the same paths; they
    and the files in ``workdir`` must be readable by others (mode o+r) when running as root.
    The environment is :func:`env` whatever the caller passes to Popen.
    """
    workdir = Path(workdir).absolute()
    the_env = env(workdir, insecure)
    if insecure:
        if argv and argv[0] == python(False):
            argv = [python(True), *argv[1:]]
        return [_tool("env"), "-i", *(f"{k}={v}" for k, v in the_env.items()), *_limit_args(limits, True), *argv]

    staging = _staging()
    out = []
    if os.geteuid() == 0:
        _open_to_sandbox(workdir, readable)
        u = uid(slot)
        out += [_tool("setpriv"), f"--reuid={u}", f"--regid={u}", "--clear-groups", "--inh-caps=-all"]
    out += [_tool("bwrap"), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--hostname", "sandbox", "--cap-drop", "ALL"]
    out += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        p = Path("/") / name
        if p.is_symlink():
            out += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            out += ["--ro-bind", str(p), str(p)]
    for p in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
              "/etc/fonts", "/etc/localtime", "/etc/mime.types"):
        out += ["--ro-bind-try", p, p]
    for host, inside in _base_binds(staging):
        out += ["--ro-bind", host, inside]
    out += ["--ro-bind", str(staging), INSIDE_VENV]
    for i, d in enumerate(_deps()):
        out += ["--ro-bind", d, f"{INSIDE_DEPS}/{i}"]
    out += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    for p in readable:
        p = Path(p).absolute()
        out += ["--ro-bind", str(p), str(p)]
    out += ["--size", str(limits.file_size), "--tmpfs", str(workdir)]
    if workdir.is_dir():
        for entry in sorted(os.listdir(workdir)):
            p = workdir / entry
            out += ["--ro-bind", str(p), str(p)]
    fonts = _fontlist(staging) if _fonts else None
    if fonts is not None:  # matplotlib's font cache, made once: saves a font scan (~1 s) per sandbox
        out += ["--ro-bind", str(fonts), f"{the_env['MPLCONFIGDIR']}/{fonts.name}"]
    if Path("/tmp") not in (workdir, *workdir.parents):
        out += ["--symlink", str(workdir), "/tmp"]
    out += ["--remount-ro", "/", "--chdir", str(workdir), "--clearenv"]
    for k, v in the_env.items():
        out += ["--setenv", k, v]
    out += ["--", *_limit_args(limits, False), *argv]
    return out
