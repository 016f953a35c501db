"""The sandbox a submission runs in (grader.sandbox), tried for real with bubblewrap.

Each test runs a few lines of Python inside ``sandbox.command(...)`` and checks from the
outside what they could and could not do: the limits hold (memory, processes, file size,
total written, CPU time), there is no network, nothing of the host is visible or writable
beyond the sandbox's own files, the grader cannot be signalled, and nothing the code
started is left running afterwards (checked by scanning /proc for the slot's uid).

bubblewrap is a requirement of ``make test`` (README): without it these tests fail with
the reason ``sandbox.available()`` gives.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from grader import sandbox as sb

ROOT = Path(__file__).resolve().parents[2]
MiB = 2**20
SLOT = 7  # a slot no other test file in this process uses


@pytest.fixture(scope="module", autouse=True)
def need_bwrap():
    ok, reason = sb.available()
    if not ok:
        pytest.fail(f"no sandbox on this machine: {reason}")


def run(code, *, limits=None, slot=SLOT, timeout=120, readable=(), files=None, insecure=False,
        keep=False):
    """Run ``code`` (dedented) with the sandbox's python; ``(CompletedProcess, workdir)``.

    The last line the code prints, if JSON, is parsed into ``.result``.
    """
    limits = limits or sb.Limits()
    tmp = tempfile.mkdtemp(prefix="sbtest-")
    work = Path(tmp)
    (work / "main.py").write_text(textwrap.dedent(code))
    for name, text in (files or {}).items():
        (work / name).write_text(text)
    argv = sb.command([sb.python(), "-I", str(work / "main.py")], workdir=work, readable=list(readable),
                      limits=limits, slot=slot, insecure=insecure)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    lines = done.stdout.strip().splitlines()
    try:
        done.result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        done.result = None
    return done, work


def alive_as(uid):
    """Live processes of ``uid`` (what would have survived a sandbox of that uid)."""
    return sb._pids_of(uid) if os.geteuid() == 0 else []


def survivors(uid, within=5.0):
    """The processes of ``uid`` still alive after ``within`` seconds (a PID namespace being torn
    down takes a moment on a loaded machine); nobody kills them meanwhile."""
    deadline = time.monotonic() + within
    while alive_as(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive_as(uid)


# --- identity and environment ---------------------------------------------------------------

def test_runs_unprivileged_with_its_own_uid_and_a_clean_environment(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "hunter2")
    done, _ = run("""
        import json, os
        print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                          "groups": os.getgroups(), "env": dict(os.environ), "cwd": os.getcwd()}))
    """)
    assert done.returncode == 0, done.stderr
    r = done.result
    assert r["uid"] != 0 and r["euid"] != 0 and r["gid"] != 0
    if os.geteuid() == 0:
        assert r["uid"] == sb.uid(SLOT) >= sb.UID_BASE
    assert "GRADER_SECRET_TOKEN" not in r["env"]
    assert r["env"]["OPENBLAS_NUM_THREADS"] == "1" and r["env"]["MPLBACKEND"] == "Agg"
    assert r["env"]["HOME"] == r["cwd"]


def test_slots_have_distinct_uids():
    if os.geteuid() != 0:
        pytest.skip("only root can give each slot a uid of its own")
    assert len({sb.uid(s) for s in (SLOT, SLOT + 1, SLOT + 2)}) == 3


def test_numpy_matplotlib_ipython_and_labs_work_under_the_limits():
    done, _ = run("""
        import json, numpy as np, matplotlib.pyplot as plt, labs
        from IPython.core.interactiveshell import InteractiveShell
        a = np.random.default_rng(0).normal(size=(400, 400))
        fig, ax = plt.subplots(); ax.plot(a[0]); fig.savefig("fig.png")
        shell = InteractiveShell.instance()
        out = shell.run_cell("import numpy as np; float(np.linalg.norm(np.eye(3)))")
        print(json.dumps({"prod": (a @ a.T).shape, "ipython": out.result, "labs": labs.__file__}))
    """)
    assert done.returncode == 0, done.stderr
    assert done.result["prod"] == [400, 400]
    assert abs(done.result["ipython"] - 3 ** 0.5) < 1e-12
    assert done.result["labs"].startswith(sb.INSIDE)


# --- limits ----------------------------------------------------------------------------------

def test_memory_bomb_is_refused():
    done, _ = run("""
        import json
        try:
            bytearray(5 * 2**30)
            big = "allocated 5 GiB"
        except MemoryError:
            big = "MemoryError"
        chunks = []
        try:
            while True:
                chunks.append(bytearray(64 * 2**20))
        except MemoryError:
            pass
        print(json.dumps({"big": big, "grown": len(chunks) * 64 * 2**20}))
    """)
    assert done.returncode == 0, done.stderr
    assert done.result["big"] == "MemoryError"
    assert 0 < done.result["grown"] < sb.Limits().memory


def test_fork_bomb_of_300_processes_stops_at_the_limit_and_leaves_nothing():
    done, _ = run("""
        import json, os, time
        n, err = 0, None
        for _ in range(300):
            try:
                pid = os.fork()
            except OSError as e:
                err = type(e).__name__
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            n += 1
        print(json.dumps({"forked": n, "error": err}))
    """)
    assert done.returncode == 0, done.stderr
    assert done.result["error"] == "BlockingIOError"
    assert done.result["forked"] < sb.Limits().processes
    assert survivors(sb.uid(SLOT)) == []  # the PID namespace took the sleepers with it, no cleanup() needed
    assert sb.cleanup(SLOT) == 0


def test_file_of_512_mib_stops_at_the_file_size_limit():
    done, work = run("""
        import json, os
        err = None
        try:
            with open("big.bin", "wb") as f:
                for _ in range(512):
                    f.write(b"\\0" * 2**20)
        except OSError as e:
            err = e.strerror
        print(json.dumps({"size": os.path.getsize("big.bin"), "error": err}))
    """, keep=True)
    assert done.returncode == 0, done.stderr
    assert done.result["error"] and done.result["size"] <= sb.Limits().file_size
    assert not (work / "big.bin").exists()  # it was written in the sandbox's tmpfs, never on the host
    shutil.rmtree(work, ignore_errors=True)


def test_many_files_each_under_the_limit_cannot_fill_the_disk():
    limits = sb.Limits(file_size=16 * MiB)
    done, _ = run("""
        import json, os
        written, err = 0, None
        try:
            for i in range(100):  # 100 files of 8 MiB: 800 MiB if nothing stopped it
                with open(f"f{i}.bin", "wb") as f:
                    for _ in range(8):
                        f.write(b"x" * 2**20)
                        written += 2**20
        except OSError as e:
            err = e.strerror
        try:  # and the other places one might write
            open("/tmp2.bin", "wb").write(b"x")
            other = "wrote /"
        except OSError:
            other = None
        for place in ("/dev/shm/x", "/dev/x", "/sandbox/x", "/usr/x"):
            try:
                open(place, "wb").write(b"x")
                other = "wrote " + place
            except OSError:
                pass
        print(json.dumps({"written": written, "error": err, "other": other}))
    """, limits=limits)
    assert done.returncode == 0, done.stderr
    assert done.result["error"] == "No space left on device"
    assert done.result["written"] <= limits.file_size
    assert done.result["other"] is None


def test_cpu_spin_is_stopped_at_the_cpu_limit():
    start = time.monotonic()
    done, _ = run("""
        print("spinning", flush=True)
        while True:
            pass
    """, limits=sb.Limits(cpu_time=2), timeout=120)
    assert "spinning" in done.stdout
    assert done.returncode != 0
    assert time.monotonic() - start < 100  # the CPU limit, not the test's timeout, ended it


# --- isolation -------------------------------------------------------------------------------

def test_no_network_not_even_the_hosts_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    try:
        done, _ = run(f"""
            import json, socket
            out = {{}}
            for host in ("127.0.0.1", "1.1.1.1"):
                try:
                    socket.create_connection((host, {port}), timeout=3).close()
                    out[host] = "connected"
                except OSError as e:
                    out[host] = type(e).__name__
            print(json.dumps(out))
        """)
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert "connected" not in done.result.values()


def test_two_sandboxes_at_once_cannot_reach_each_other():
    listener = Path(tempfile.mkdtemp(prefix="sbtest-"))
    (listener / "main.py").write_text(textwrap.dedent("""
        import socket, sys, time
        tcp = socket.socket(); tcp.bind(("127.0.0.1", 45678)); tcp.listen(5)
        unix = socket.socket(socket.AF_UNIX); unix.bind("\\0grader-neighbour"); unix.listen(5)
        print("listening", flush=True)
        time.sleep(60)
    """))
    argv = sb.command([sb.python(), str(listener / "main.py")], workdir=listener, slot=SLOT + 1)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "listening"
        done, _ = run("""
            import json, os, socket
            out = {}
            for name, family, address in (("tcp", socket.AF_INET, ("127.0.0.1", 45678)),
                                          ("unix", socket.AF_UNIX, "\\0grader-neighbour")):
                s = socket.socket(family)
                s.settimeout(3)
                try:
                    s.connect(address)
                    out[name] = "connected"
                except OSError as e:
                    out[name] = type(e).__name__
            out["processes"] = [open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace")
                                for p in os.listdir("/proc") if p.isdigit()]
            print(json.dumps(out))
        """)
    finally:
        proc.kill()
        proc.wait()
        sb.cleanup(SLOT + 1)
        shutil.rmtree(listener, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert done.result["tcp"] != "connected" and done.result["unix"] != "connected"
    assert not any(str(listener) in c for c in done.result["processes"])


def test_sees_nothing_of_the_host_but_its_own_files():
    secret = Path(tempfile.mkdtemp(prefix="sbtest-secret-"))
    os.chmod(secret, 0o755)
    (secret / "classmate.ipynb").write_text("{}")
    os.chmod(secret / "classmate.ipynb", 0o644)
    try:
        done, _ = run(f"""
            import json, os
            look = {[str(ROOT), "/work/main", str(ROOT / "book" / "lab_notebooks"), str(secret), "/home", "/root/.ssh",
                     "/etc/passwd", "/etc/shadow", sys.executable]!r}
            print(json.dumps({{"seen": [p for p in look if os.path.exists(p)], "mine": open("data.txt").read(),
                              "top": sorted(os.listdir("/"))}}))
        """, files={"data.txt": "mine"})
    finally:
        shutil.rmtree(secret, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert done.result["seen"] == []
    assert done.result["mine"] == "mine"
    assert set(done.result["top"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root",
                                       "sandbox", "sbin", "tmp", "usr"}


def test_proc_shows_only_its_own_processes():
    done, _ = run("""
        import json, os
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        cmdlines = [open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace") for p in pids]
        print(json.dumps({"pids": pids, "ppid": os.getppid(), "cmdlines": cmdlines}))
    """)
    assert done.returncode == 0, done.stderr
    assert len(done.result["pids"]) <= 4  # bwrap's init, prlimit exec'd into python, and the reader itself
    assert done.result["ppid"] == 1
    # No process of the grader's side shows (its command line would name the lab sources). The
    # interpreter may sit under the repository (a .venv there): its path shows, nothing else of it.
    assert not any("pytest" in c or "autograde" in c or str(ROOT / "book") in c for c in done.result["cmdlines"])


def test_cannot_signal_the_grader():
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        done, _ = run(f"""
            import json, os, signal
            tried = {{}}
            for pid in (os.getppid(), 1, {os.getpid()}, {victim.pid}, -1):
                try:
                    os.kill(pid, signal.SIGKILL)
                    tried[pid] = "sent"
                except OSError as e:
                    tried[pid] = type(e).__name__
            print(json.dumps(tried))
        """)
        assert victim.poll() is None  # the grader's other child is alive, and so are we
    finally:
        victim.kill()
        victim.wait()
    assert done.returncode == 0, done.stderr


def test_cannot_change_the_labs_package_or_the_environment():
    before = (ROOT / "labs" / "selfcheck.py").read_bytes()
    done, _ = run("""
        import json, labs, labs.selfcheck, os
        out = {}
        for path in (labs.selfcheck.__file__, os.path.join(os.path.dirname(labs.__file__), "new.py"),
                     "/sandbox/site-packages/0/numpy/__init__.py"):
            try:
                with open(path, "a") as f:
                    f.write("raise SystemExit")
                out[path] = "written"
            except OSError as e:
                out[path] = e.strerror
        print(json.dumps(out))
    """)
    assert done.returncode == 0, done.stderr
    assert "written" not in done.result.values(), done.result
    assert (ROOT / "labs" / "selfcheck.py").read_bytes() == before


# --- nothing survives ------------------------------------------------------------------------

DAEMONS = """
    import json, os, subprocess, sys, time
    setsid = subprocess.Popen(["sleep", "300"], start_new_session=True)
    pid = os.fork()
    if pid == 0:                      # the classic double fork
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    os.waitpid(pid, 0)
    print(json.dumps({"setsid": setsid.pid}), flush=True)
"""


def test_a_setsid_or_double_forked_daemon_does_not_outlive_the_sandbox():
    done, _ = run(DAEMONS)
    assert done.returncode == 0, done.stderr
    assert survivors(sb.uid(SLOT)) == []
    assert sb.cleanup(SLOT) == 0


def test_killing_the_sandbox_from_outside_ends_everything_in_it():
    work = Path(tempfile.mkdtemp(prefix="sbtest-"))
    (work / "main.py").write_text(textwrap.dedent(DAEMONS) + "\ntime.sleep(300)\n")
    argv = sb.command([sb.python(), str(work / "main.py")], workdir=work, limits=sb.Limits(), slot=SLOT)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert "setsid" in proc.stdout.readline()  # the daemons are running
        if os.geteuid() == 0:
            assert len(alive_as(sb.uid(SLOT))) >= 4
        proc.kill()  # what the grader does at the wall-clock limit
        proc.wait()
        sb.cleanup(SLOT)
        assert alive_as(sb.uid(SLOT)) == []
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def test_a_grader_that_dies_takes_its_sandbox_with_it():
    work = Path(tempfile.mkdtemp(prefix="sbtest-"))
    (work / "main.py").write_text(textwrap.dedent(DAEMONS) + "\ntime.sleep(300)\n")
    grader = textwrap.dedent(f"""
        import subprocess, sys
        from pathlib import Path
        from grader import sandbox as sb
        argv = sb.command([sb.python(), "{work}/main.py"], workdir=Path("{work}"), slot=0)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        print(sb.uid(0), line.strip(), flush=True)
        proc.wait()
    """)
    parent = subprocess.Popen([sys.executable, "-c", grader], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        uid, started = parent.stdout.readline().split(" ", 1)
        assert "setsid" in started
        if os.geteuid() == 0:
            assert len(alive_as(int(uid))) >= 4
        parent.kill()  # the grader crashes: no cleanup() is ever called
        parent.wait()
        assert survivors(int(uid), within=10) == []
    finally:
        parent.kill()
        parent.wait()
        shutil.rmtree(work, ignore_errors=True)


# --- availability and the insecure mode --------------------------------------------------------

def test_available_says_how_to_install_bubblewrap(monkeypatch):
    monkeypatch.setattr(sb.shutil, "which", lambda name: None)
    ok, reason = sb._probe()
    assert not ok and "apt-get install bubblewrap" in reason


def test_insecure_mode_applies_the_same_limits_without_bubblewrap():
    done, _ = run("""
        import json, resource
        print(json.dumps({"fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
                          "as": resource.getrlimit(resource.RLIMIT_AS)[0],
                          "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
                          "threads": __import__("os").environ["OPENBLAS_NUM_THREADS"],
                          "labs": __import__("labs").__file__}))
    """, insecure=True, limits=sb.Limits(file_size=8 * MiB, cpu_time=30))
    assert done.returncode == 0, done.stderr
    assert done.result["fsize"] == 8 * MiB and done.result["as"] == sb.Limits().memory
    assert done.result["cpu"] == 30 and done.result["threads"] == "1"


def test_parse_size():
    assert sb.parse_size("2G") == 2 * 2**30
    assert sb.parse_size("64M") == 64 * MiB
    assert sb.parse_size("1.5GiB") == 3 * 2**29
    assert sb.parse_size("4096") == 4096
    with pytest.raises(ValueError):
        sb.parse_size("lots")


# --- the total-memory watchdog (grader.sandbox_memory) -----------------------------------------

FORKERS = """
    import os, sys, time
    n, each, stagger = int(sys.argv[1]), int(sys.argv[2]) * 2**20, float(sys.argv[3])
    for i in range(n):
        if os.fork() == 0:
            time.sleep(stagger * i)
            block = b"x" * each          # allocated and written: every page is resident
            print("child", i, "holds", len(block) >> 20, "MiB", flush=True)
            time.sleep(4)
            os._exit(0)
    for _ in range(n):
        os.wait()
    print("all done", flush=True)
"""


def under_watchdog(script, args, *, limit, by_uid=True, file_limit=None, timeout=20, cgroup=None):
    """Run ``script`` with ``args`` in a sandbox under a watchdog of ``limit`` bytes in total
    (and ``file_limit`` files), inside ``cgroup`` if given; ``(returncode, stdout, watchdog)``."""
    from grader import sandbox_memory
    work = Path(tempfile.mkdtemp(prefix="sbtest-"))
    os.chmod(work, 0o755)
    (work / "main.py").write_text(textwrap.dedent(script))
    argv = sb.command([sb.python(), "-I", str(work / "main.py"), *map(str, args)], workdir=work,
                      limits=sb.Limits(memory=limit), slot=SLOT)
    argv = cgroup.enter(argv) if cgroup is not None else argv
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    own_uid = by_uid and os.geteuid() == 0
    dog = sandbox_memory.for_sandbox(proc, limit, uid=sb.uid(SLOT) if own_uid else None, workdir=work,
                                     file_limit=file_limit)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out, dog
    finally:
        dog.stop()
        proc.kill()
        proc.wait()
        sb.cleanup(SLOT)
        shutil.rmtree(work, ignore_errors=True)


def watched(children, mib, *, limit, stagger=0.25, by_uid=True, cgroup=None):
    """Run FORKERS (``children`` processes of ``mib`` MiB each) in a sandbox of total memory
    ``limit`` under a watchdog; ``(returncode, stdout, watchdog, seconds)``."""
    t0 = time.monotonic()
    code, out, dog = under_watchdog(FORKERS, [children, mib, stagger], limit=limit, by_uid=by_uid, cgroup=cgroup)
    return code, out, dog, time.monotonic() - t0


@pytest.mark.parametrize("by_uid", [True, False], ids=["by-uid", "by-process-tree"])
def test_eight_processes_of_400_mb_are_killed_at_a_total_of_1_gib(by_uid):
    code, out, dog, seconds = watched(8, 400, limit=2**30, by_uid=by_uid)
    assert dog.fired and dog.reason() == "the submission used more than 1 GiB of memory in total"
    assert code != 0 and "all done" not in out
    assert out.count("holds") < 8                    # stopped before the last children allocated
    assert 2**30 < dog.peak < 2 * 2**30             # seen soon after the total passed 1 GiB
    assert seconds < 8 * 0.25 + 4                   # well before the children would have ended
    assert survivors(sb.uid(SLOT)) == [] and sb.cleanup(SLOT) == 0


def test_a_sandbox_under_its_total_memory_is_not_killed():
    code, out, dog, _ = watched(3, 100, limit=2**30, stagger=0.1)
    assert code == 0 and out.count("holds") == 3 and "all done" in out
    assert not dog.fired and dog.looks >= 5
    assert 300 * MiB < dog.peak < 2**30              # it did see the children's memory


# --- the file count (grader.sandbox_files, through the watchdog) -------------------------------

FILE_MAKER = """
    import sys, time
    n = int(sys.argv[1])
    for i in range(n):
        open(f"empty{i}", "w").close()   # no bytes: the tmpfs's size limit never sees them
    print("made", n, flush=True)
    time.sleep(2)
"""


def counted(n, *, file_limit, by_uid=True):
    """Run FILE_MAKER (``n`` empty files) in a sandbox under a watchdog of ``file_limit`` files;
    ``(returncode, stdout, watchdog)``."""
    return under_watchdog(FILE_MAKER, [n], limit=2**30, by_uid=by_uid, file_limit=file_limit, timeout=60)


@pytest.mark.parametrize("by_uid", [True, False], ids=["by-uid", "by-process-tree"])
def test_a_sandbox_creating_a_million_empty_files_is_killed_at_its_file_limit(by_uid):
    code, out, dog = counted(1_000_000, file_limit=5000, by_uid=by_uid)
    assert dog.fired == "files" and dog.reason() == "the submission created more than 5,000 files"
    assert code != 0 and "made" not in out
    assert 5000 < dog.peak_files < 100_000            # seen within a look or two of the limit


def test_a_sandbox_under_its_file_limit_is_not_killed_and_its_files_are_counted():
    code, out, dog = counted(3000, file_limit=5000)
    assert code == 0 and "made 3000" in out
    assert not dog.fired and 3000 <= dog.peak_files <= 5000
    assert sb.Limits().files == 10_000


# --- memory that is no process's pages: the sandbox's cgroup (grader.sandbox_cgroup) ----------

MEMFD = """
    import os, time
    fds, chunk = [], b"\\1" * (16 * 2**20)
    for i in range(64):                      # 64 x 48 MiB = 3 GiB, written, never mapped
        fd = os.memfd_create(f"m{i}")
        for _ in range(3):
            os.write(fd, chunk)
        fds.append(fd)
    print("held 3 GiB", flush=True)
    time.sleep(2)
"""

SYSV_SHM = """
    import ctypes, time
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    for i in range(12):                      # 12 x 256 MiB = 3 GiB, written, then detached
        segment = libc.shmget(0, 256 * 2**20, 0o1600)
        address = libc.shmat(segment, None, 0)
        ctypes.memset(address, 1, 256 * 2**20)
        libc.shmdt(ctypes.c_void_p(address))
    print("held 3 GiB", flush=True)
    time.sleep(2)
"""


@pytest.fixture
def cgroup():
    """A memory cgroup of 1 GiB for one sandbox; skipped where none can be made (failed under CI as root)."""
    from grader import sandbox_cgroup
    group = sandbox_cgroup.make(f"test-{os.getpid()}", 2**30)
    if group is None:
        why = "no memory cgroup can be made here: the watchdog alone bounds memory"
        if os.environ.get("CI") and os.geteuid() == 0:
            pytest.fail(why)
        pytest.skip(why)
    yield group
    group.remove()
    assert not group.path.exists()


@pytest.mark.parametrize("script", [MEMFD, SYSV_SHM], ids=["memfd", "sysv-shm"])
def test_memory_that_no_process_maps_is_killed_by_the_cgroup(cgroup, script):
    code, out, dog = under_watchdog(script, [], limit=2**30, cgroup=cgroup)
    assert code != 0 and "held 3 GiB" not in out
    assert cgroup.oom_kills() >= 1
    assert not dog.fired                              # the watchdog cannot see these pages
    assert survivors(sb.uid(SLOT)) == []


def test_a_sandbox_under_its_memory_is_not_killed_by_its_cgroup(cgroup):
    code, out, dog, _ = watched(3, 100, limit=2**30, stagger=0.1, cgroup=cgroup)
    assert code == 0 and "all done" in out and cgroup.oom_kills() == 0
