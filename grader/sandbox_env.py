"""The read-only Python environment a sandbox sees at ``/sandbox`` (used by :mod:`grader.sandbox`).

Staged once per interpreter and ``labs`` under ``<tmp>/grader-sandbox-<euid>/env-<hash>``:
a venv whose ``bin/python`` links to the base interpreter, a compiled copy of ``labs``, and a
``.pth`` naming the grader's site-packages (bound read-only at ``/sandbox/site-packages/<i>``).
When running as root and the base interpreter lives where the slot uid cannot read it (e.g.
pyenv under /root), a hard-linked farm of the interpreter and standard library goes with it.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.util
import os
import shutil
import site
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

INSIDE = "/sandbox"                  # where the read-only Python environment appears inside
INSIDE_VENV = f"{INSIDE}/python"      # the staging venv: interpreter link, pyvenv.cfg, labs
INSIDE_DEPS = f"{INSIDE}/site-packages"  # the grader's own site-packages (numpy, matplotlib, IPython, ...)

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

