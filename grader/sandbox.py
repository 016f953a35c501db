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
  count is the sandbox's own): address space per process ``limits.memory``, processes
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

What it does not bound (no cgroups: the grader may run where it cannot create them):

* memory is per process: one sandbox can hold up to ``processes`` x ``memory`` (plus its
  tmpfs). On a shared machine, bound the whole grader too, e.g. ``systemd-run --scope -p
  MemoryMax=8G make grade ...``, or lower ``--processes``;
* the tmpfs bounds bytes, not files: empty files (about 50,000 a second here) cost kernel
  memory until the sandbox ends, which the wall-clock limit bounds;
* ``/proc/1/cmdline`` inside is bwrap's command line: it names the host paths bound in
  (the staged environment, the working folder), though nothing else of them is visible.
"""

from __future__ import annotations

import compileall
import fcntl
import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import site
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "available", "command", "python", "env", "uid", "cleanup", "parse_size"]

INSIDE = "/sandbox"                  # where the read-only Python environment appears inside
INSIDE_VENV = f"{INSIDE}/python"      # the staging venv: interpreter link, pyvenv.cfg, labs
INSIDE_DEPS = f"{INSIDE}/site-packages"  # the grader's own site-packages (numpy, matplotlib, IPython, ...)
UID_BASE = 1_900_000_000             # slot uids: far above any uid a system hands out
UID_RANGE = 4096
CPU_GRACE = 5                        # seconds between SIGXCPU (soft CPU limit) and SIGKILL (hard)


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits. ``memory``: bytes of address space per process (RLIMIT_AS);
    ``processes``: processes and threads of the sandbox (RLIMIT_NPROC); ``file_size``:
    bytes of the largest file (RLIMIT_FSIZE) and of everything written together (the size
    of its tmpfs); ``cpu_time``: CPU seconds per process (RLIMIT_CPU)."""

    memory: int = 2 * 2**30
    processes: int = 64
    file_size: int = 64 * 2**20
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


# --- the read-only Python environment ---------------------------------------------------------

_staging_lock = threading.RLock()
_staging_dir: Path | None = None


def _labs_dir() -> Path:
    spec = importlib.util.find_spec("labs")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the labs package cannot be found: run from the repository root or install it")
    return Path(next(iter(spec.submodule_search_locations)))


def _deps() -> list[str]:
    """The grader's site-packages folders that the sandboxed Python needs (not the base install's)."""
    base = Path(sys.base_prefix).resolve()
    out = []
    for p in site.getsitepackages():
        rp = Path(p).resolve()
        if rp.is_dir() and base not in rp.parents and str(rp) not in out:
            out.append(str(rp))
    return out


def _cache_root() -> Path:
    """``<tmp>/grader-sandbox-<euid>``: mode 755 (the slot uid must reach what is bound from it),
    owned by us and not a link, else refused."""
    d = Path(tempfile.gettempdir()) / f"grader-sandbox-{os.geteuid()}"
    try:
        d.mkdir(mode=0o755)
    except FileExistsError:
        pass
    st = d.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise RuntimeError(f"{d} must be a folder owned by uid {os.geteuid()}, writable only by it")
    os.chmod(d, 0o755)
    return d


def _key() -> str:
    """What the staged environment depends on: the interpreter, the grader's site-packages, the
    files of ``labs`` (their bytes), and whether the base interpreter needs a farm."""
    h = hashlib.sha256()
    base_exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    h.update(repr((sys.version, base_exe, sys.base_prefix, _deps(), _needs_farm(), INSIDE, 2)).encode())
    labs = _labs_dir()
    for path in sorted(labs.rglob("*")):
        if "__pycache__" in path.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        h.update(str(path.relative_to(labs)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def _staging() -> Path:
    """The staging venv: ``pyvenv.cfg``, ``bin/python`` (a link to the base interpreter), and in
    its site-packages a compiled copy of ``labs`` and a ``.pth`` that adds the grader's
    site-packages (their path inside the sandbox, and on the host for ``insecure``). Bound
    read-only at ``/sandbox/python``. Built once (atomically, by whichever grader process
    comes first) under ``<tmp>/grader-sandbox-<euid>/env-<key>``, next to the base farm if one
    is needed, and shared by every later process with the same ``labs`` and interpreter."""
    global _staging_dir
    with _staging_lock:
        if _staging_dir is not None and _staging_dir.is_dir():
            return _staging_dir
        cache = _cache_root()
        final = cache / f"env-{_key()}"
        if not final.is_dir():
            build = Path(tempfile.mkdtemp(prefix=".build-", dir=cache))
            try:
                _build_env(build)
                os.chmod(build, 0o755)
                os.rename(build, final)
            except OSError:
                if not final.is_dir():
                    raise
            finally:
                shutil.rmtree(build, ignore_errors=True)
            _prune(cache, keep=final)
        _staging_dir = final / "venv"
        return _staging_dir


def _prune(cache: Path, keep: Path, days: float = 7):
    """Remove staged environments not used for ``days`` (older labs or interpreters)."""
    for old in cache.glob("env-*"):
        try:
            if old != keep and time.time() - old.stat().st_mtime > days * 86400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _build_env(top: Path):
    root = top / "venv"
    base_exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (root / "bin").mkdir(parents=True)
    os.symlink(base_exe, root / "bin" / "python")
    os.symlink("python", root / "bin" / "python3")
    (root / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(base_exe)}\ninclude-system-site-packages = false\n"
        f"version = {'.'.join(map(str, sys.version_info[:3]))}\n")
    sp = root / "lib" / ver / "site-packages"
    sp.mkdir(parents=True)
    shutil.copytree(_labs_dir(), sp / "labs", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compileall.compile_dir(sp / "labs", ddir=f"{INSIDE_VENV}/lib/{ver}/site-packages/labs", quiet=2)
    deps = _deps()
    inside = [f"{INSIDE_DEPS}/{i}" for i in range(len(deps))]
    (sp / "zz-grader-deps.pth").write_text("\n".join(inside + deps) + "\n")
    if _needs_farm():
        _build_farm(Path(sys.base_prefix).resolve(), top / "base")
    for dirpath, _dirnames, filenames in os.walk(root):  # readable by the sandbox's uid
        os.chmod(dirpath, 0o755)
        for f in filenames:
            path = os.path.join(dirpath, f)
            if not os.path.islink(path):  # never chmod through a link (bin/python is the interpreter)
                os.chmod(path, 0o644)


def _others_can_read(path) -> bool:
    """Whether a uid that is neither owner nor group (the slot uid) can reach and read ``path``."""
    p = Path(os.path.realpath(path))
    for d in reversed(p.parents):
        if not os.stat(d).st_mode & 0o001:
            return False
    mode = os.stat(p).st_mode
    return bool(mode & 0o004) and (not os.path.isdir(p) or bool(mode & 0o001))


def _needs_farm() -> bool:
    base = Path(sys.base_prefix).resolve()
    return (os.geteuid() == 0 and not (str(base) == "/usr" or str(base).startswith("/usr/"))
            and not _others_can_read(base))


def _base_binds(staging: Path) -> list[tuple[str, str]]:
    """``[(host, inside)]`` for the base interpreter's prefix. Bound where it is when the slot uid
    can read it there; otherwise (e.g. pyenv under a /root of mode 700) a hard-linked (or,
    across file systems, copied) farm of the interpreter, libpython and the standard library
    (without its tests and site-packages), staged with the venv, is bound at the same path."""
    base = Path(sys.base_prefix).resolve()
    if str(base) == "/usr" or str(base).startswith("/usr/"):
        return []
    if _needs_farm():
        return [(str(staging.parent / "base"), str(base))]
    return [(str(base), str(base))]


def _build_farm(base: Path, farm: Path):
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    skip = {base / "lib" / ver / name for name in ("site-packages", "test", "idlelib", "tkinter",
                                                    "turtledemo", "ensurepip")}
    exe = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))

    def place(src: Path):
        dst = farm / src.relative_to(base)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

    place(exe)
    for lib in (base / "lib").glob("libpython*"):
        place(lib)
    for dirpath, dirnames, filenames in os.walk(base / "lib" / ver):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) not in skip]
        for f in filenames:
            place(Path(dirpath, f))
    for dirpath, _dirnames, _filenames in os.walk(farm):
        os.chmod(dirpath, 0o755)


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


# --- slots and their uids ---------------------------------------------------------------------

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
