"""Speed benchmark of ``labs``: one run, one machine, three questions.

(a) How fast is numpy's matrix multiply (GEMM) here, float32 and float64?  The
    float32 figure of the large GEMM is the *roof* for (b).
(b) One epoch of a 784-256-10 ReLU MLP (float32, batch 128, 60,000 synthetic
    samples, SGD with momentum 0.9): seconds and effective GFLOP/s for ``labs.fit``
    and, when torch is installed, for the same model in PyTorch on the CPU.
(c) scikit-learn's digits, 64-128-10, 30 epochs, batch 32, momentum 0.9: fit time
    and test accuracy of ``labs`` and of scikit-learn's ``MLPClassifier``.

Run from the repository root::

    python benchmarks/run.py            # the full run (a few minutes), writes benchmarks/results.json
    python benchmarks/run.py --quick    # smoke run (well under a minute), writes benchmarks/results-quick.json
    python benchmarks/report.py         # regenerate the tables in benchmarks/RESULTS.md from results.json

Every timing is the median of several runs after a warm-up; the runs of the
competitors in (b) and (c) are interleaved, so a change in the machine's load
hits them alike. numpy's BLAS and torch use the same number of threads
(``--threads``, default: every core this process may use).
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import labs
from labs.data import digits, standardize, train_test_split

try:
    import torch
except ImportError:  # the benchmark runs without torch; (b) then has no PyTorch row
    torch = None

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import report  # noqa: E402  (benchmarks/report.py: the tables, shared with RESULTS.md)

# (b): the model and its training settings
MLP_SIZES = (784, 256, 10)
MLP_N, MLP_BATCH, MLP_LR, MLP_MOMENTUM = 60_000, 128, 0.01, 0.9
# (c): digits
DIGITS_SIZES = (64, 128, 10)
DIGITS_EPOCHS, DIGITS_BATCH, DIGITS_LR, DIGITS_MOMENTUM = 30, 32, 0.02, 0.9
# targets from the issue
TARGET_TORCH_RATIO, TARGET_ROOF_FRACTION, TARGET_DIGITS_ACC = 1.15, 0.60, 0.97


# --- timing and the machine ---------------------------------------------------

def _busy_seconds():
    """CPU seconds all processes have used so far (from /proc/stat), or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class LoadMeter:
    """How much of the machine *other* processes used while a block ran.

    ``others`` = (CPU time of all processes - CPU time of this process) / (wall time x cores):
    0 on a quiet machine; 0.5 means another job kept one of two cores busy.
    """

    def __init__(self, cores):
        self.cores = cores

    def __enter__(self):
        self.t, self.own, self.busy = time.perf_counter(), time.process_time(), _busy_seconds()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t
        own = time.process_time() - self.own
        busy = _busy_seconds()
        self.others = None if busy is None else max(0.0, (busy - self.busy - own) / (wall * self.cores))
        return False


class Quiet:
    """For a shared machine: wait for quiet before each timed run, and redo a run that other jobs disturbed.

    Another job can slow a multi-threaded BLAS down many times over (a thread that loses
    its core stalls the other one; on the 2-core machine of RESULTS.md an epoch went from
    0.7 s to over 40 s). With ``limit_s > 0``, each run waits (at most ``limit_s`` seconds)
    until other processes use under ``threshold`` of the CPUs, and a run during which they
    used more is redone, at most ``retries`` times. ``limit_s = 0`` does neither.
    """

    def __init__(self, limit_s, cores, threshold=0.10, retries=5, probe_s=0.5):
        self.limit_s, self.cores, self.threshold = limit_s, cores, threshold
        self.retries, self.probe_s = retries, probe_s
        self.waited_s, self.gave_up, self.redone = 0.0, 0, 0

    def wait(self):
        if not self.limit_s:
            return
        start = time.perf_counter()
        while True:
            with LoadMeter(self.cores) as m:
                time.sleep(self.probe_s)
            if m.others is None or m.others < self.threshold:
                break
            if time.perf_counter() - start > self.limit_s:
                self.gave_up += 1
                break
        self.waited_s += time.perf_counter() - start

    def disturbed(self, others):
        return bool(self.limit_s) and others is not None and others >= self.threshold


def timed(fn, quiet, cores):
    """``(result of fn(), share of the CPUs other processes used meanwhile)``; see :class:`Quiet`."""
    for attempt in range(quiet.retries + 1):
        quiet.wait()
        with LoadMeter(cores) as load:
            result = fn()
        if not quiet.disturbed(load.others) or attempt == quiet.retries:
            return result, load.others
        quiet.redone += 1


class Stopwatch:
    """Wall-clock and CPU seconds (this process, all its threads) since it was made."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self):
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def median_time(fn, repeats, min_time):
    """Median over ``repeats`` of the wall and CPU time of one call of ``fn``; each repeat loops ``min_time`` s."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        calls, watch = 0, Stopwatch()
        while True:
            fn()
            calls += 1
            elapsed, used = watch.read()
            if elapsed >= min_time:
                break
        wall.append(elapsed / calls)
        cpu.append(used / calls)
    return float(np.median(wall)), float(np.median(cpu)), wall


def machine_info(threads):
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
        info["cpu"] = models[0] if models else platform.processor()
        info["simd"] = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in flags)
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        info["memory_gib"] = round(mem_kb / 2**20, 1)
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    info["cores"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info["threads"] = threads
    info["numpy"] = np.__version__
    def describe(p):
        return f"{p['internal_api']} {p.get('version')} ({p.get('architecture')}, {p.get('threading_layer')} threading)"

    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    info["numpy_blas"] = ", ".join(describe(p) for p in blas if "numpy" in p["filepath"])
    info["other_blas"] = ", ".join(f"{describe(p)} in {Path(p['filepath']).name}" for p in blas
                                   if "numpy" not in p["filepath"])
    import scipy
    import sklearn

    info["scipy"], info["sklearn"] = scipy.__version__, sklearn.__version__
    if torch is not None:
        config = torch.__config__.show()
        blas_line = next((line.strip(" -") for line in config.splitlines() if "Math Kernel" in line), "")
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["torch_blas"] = blas_line or "see torch.__config__.show()"
        info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    else:
        info["torch"] = None
    return info


# --- (a) GEMM throughput --------------------------------------------------------

def gemm_cases(quick):
    """``(name, A shape, B shape, transpose A?, transpose B?)``: the products one step of (b) does, and a big one."""
    n_big = 1024 if quick else 2048
    d, h, k, b = MLP_SIZES[0], MLP_SIZES[1], MLP_SIZES[2], MLP_BATCH
    return [
        (f"{n_big}^3 A @ B", (n_big, n_big), (n_big, n_big), False, False),
        (f"layer 1 forward X @ W.T ({b}x{d} @ {d}x{h})", (b, d), (h, d), False, True),
        (f"layer 1 dW = D.T @ X ({h}x{b} @ {b}x{d})", (b, h), (b, d), True, False),
        (f"layer 1 dX = D @ W ({b}x{h} @ {h}x{d})", (b, h), (h, d), False, False),
        (f"layer 2 forward A @ W.T ({b}x{h} @ {h}x{k})", (b, h), (k, h), False, True),
        (f"layer 2 dW = D.T @ A ({k}x{b} @ {b}x{h})", (b, k), (b, h), True, False),
        (f"layer 2 dX = D @ W ({b}x{k} @ {k}x{h})", (b, k), (k, h), False, False),
    ]


def bench_gemm(quick, repeats, quiet, cores):
    rng = np.random.default_rng(0)
    min_time = 0.05 if quick else 0.25  # seconds of back-to-back calls per timed run
    rows = []
    for dtype in (np.float32, np.float64):
        for name, a_shape, b_shape, ta, tb in gemm_cases(quick):
            A = rng.standard_normal(a_shape).astype(dtype)
            B = rng.standard_normal(b_shape).astype(dtype)
            A_, B_ = (A.T if ta else A), (B.T if tb else B)  # the same transposed views labs multiplies
            m, k = A_.shape
            n = B_.shape[1]
            C = np.empty((m, n), dtype=dtype)
            def product(A_=A_, B_=B_, C=C):
                return np.matmul(A_, B_, out=C)

            (seconds, cpu, runs), others = timed(lambda: median_time(product, repeats, min_time), quiet, cores)
            flops = 2 * m * k * n
            rows.append({"name": name, "dtype": np.dtype(dtype).name, "m": m, "k": k, "n": n, "flops": flops,
                         "seconds": seconds, "gflops": flops / seconds / 1e9, "cpu_seconds": cpu, "runs": runs,
                         "others_load": others})
    roof = next(r for r in rows if r["dtype"] == "float32" and r["name"].endswith("A @ B"))
    return {"cases": rows, "roof": {"name": roof["name"], "dtype": "float32", "gflops": roof["gflops"],
                                    "gflops_per_cpu_s": roof["flops"] / roof["cpu_seconds"] / 1e9},
            "others_load": [r["others_load"] for r in rows]}


# --- (b) one epoch of a 784-256-10 MLP --------------------------------------------

def mlp_flops(n):
    """FLOPs of one epoch: forward 2 N (784*256 + 256*10); backward counted as twice that."""
    d, h, k = MLP_SIZES
    forward = 2 * n * (d * h + h * k)
    first_dx = 2 * n * h * d  # dC/dX of layer 1: the gradient with respect to the data, which nobody uses
    return {"forward": forward, "model": 3 * forward, "first_layer_dx": first_dx, "needed": 3 * forward - first_dx}


def labs_model(seed):
    model = labs.mlp(MLP_SIZES, rng=np.random.default_rng(seed), dtype=np.float32)
    return model, labs.SGD(model.parameters(), lr=MLP_LR, momentum=MLP_MOMENTUM)


def labs_fit_epoch(X, y, seed):
    """What a reader runs: ``labs.fit`` for one epoch, progress bar off."""
    model, opt = labs_model(seed)
    watch = Stopwatch()
    hist = labs.fit(model, labs.softmax_cross_entropy, opt, X, y, epochs=1, batch_size=MLP_BATCH,
                    rng=np.random.default_rng(seed + 1), progress=False)
    return (*watch.read(), float(hist.train_loss[-1]))


def labs_loop_epoch(X, y, seed, input_grad=False):
    """The bare loop inside ``fit`` (no input checks, accuracy, snapshot or divergence test).

    ``fit`` calls ``model.backward(dout, input_grad=False)``: the first Linear layer
    skips ``dC/dX``, the gradient with respect to the data. ``input_grad=True`` computes
    it anyway, to measure what that unused product costs.
    """
    model, opt = labs_model(seed)
    total = 0.0
    watch = Stopwatch()
    for Xb, yb in labs.minibatches(X, y, MLP_BATCH, np.random.default_rng(seed + 1)):
        value, dout = labs.softmax_cross_entropy(model.forward(Xb), yb)
        model.backward(dout, input_grad=input_grad)
        opt.step()
        total += float(value) * len(Xb)
    return (*watch.read(), total / len(X))


def torch_epoch(Xt, yt, seed):
    """The same model, loss and optimiser in PyTorch, batched by hand over a random permutation."""
    torch.manual_seed(seed)
    d, h, k = MLP_SIZES
    model = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, k))
    opt = torch.optim.SGD(model.parameters(), lr=MLP_LR, momentum=MLP_MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed + 1)
    n, total = len(Xt), 0.0
    watch = Stopwatch()
    order = torch.randperm(n, generator=gen)
    for s in range(0, n, MLP_BATCH):
        idx = order[s:s + MLP_BATCH]
        Xb, yb = Xt[idx], yt[idx]
        opt.zero_grad()
        loss = loss_fn(model(Xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    return (*watch.read(), total / n)


def bench_mlp(quick, repeats, quiet, cores):
    n = MLP_N // 10 if quick else MLP_N
    rng = np.random.default_rng(12345)
    X = rng.standard_normal((n, MLP_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, MLP_SIZES[-1], size=n)
    variants = {
        "labs fit": lambda seed: labs_fit_epoch(X, y, seed),
        "labs loop": lambda seed: labs_loop_epoch(X, y, seed),
        "labs loop, also layer-1 dX": lambda seed: labs_loop_epoch(X, y, seed, input_grad=True),
    }
    if torch is not None:
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        variants["torch"] = lambda seed: torch_epoch(Xt, yt, seed)
    runs = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    losses, others = {}, []
    for fn in variants.values():  # warm-up
        fn(0)
    for r in range(repeats):
        for name, fn in variants.items():  # interleaved: load changes hit every variant alike
            (seconds, cpu_seconds, loss), load = timed(lambda fn=fn, r=r: fn(r), quiet, cores)
            runs[name].append(seconds)
            cpu[name].append(cpu_seconds)
            losses.setdefault(name, loss)
            others.append(load)
    flops = mlp_flops(n)
    results = {}
    for name in variants:
        seconds = float(np.median(runs[name]))
        results[name] = {"seconds": seconds, "gflops": flops["model"] / seconds / 1e9, "runs": runs[name],
                         "cpu_seconds": float(np.median(cpu[name])), "cpu_runs": cpu[name],
                         "train_loss_seed0": losses[name]}
    return {"n": n, "batch": MLP_BATCH, "lr": MLP_LR, "momentum": MLP_MOMENTUM, "flops": flops,
            "variants": results, "others_load": others}



def gemm_floor(gemm, n):
    """Seconds one epoch spends in GEMMs alone, from the timings of (a): the needed ones, and with layer 1's dX."""
    batches = n / MLP_BATCH
    t = {c["name"]: c["seconds"] for c in gemm["cases"] if c["dtype"] == "float32" and "layer" in c["name"]}
    needed = batches * sum(s for name, s in t.items() if not name.startswith("layer 1 dX"))
    return {"needed_gemms": needed, "with_first_layer_dx": batches * sum(t.values())}


# --- (c) digits -------------------------------------------------------------------

def digits_data(seed):
    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, np.random.default_rng(seed), 0.2, stratify=True)
    X_train, X_test = standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def labs_digits(data, seed):
    X_train, X_test, y_train, y_test = data
    model = labs.mlp(DIGITS_SIZES, rng=np.random.default_rng(seed))
    opt = labs.SGD(model.parameters(), lr=DIGITS_LR, momentum=DIGITS_MOMENTUM)
    watch = Stopwatch()
    labs.fit(model, labs.softmax_cross_entropy, opt, X_train, y_train, epochs=DIGITS_EPOCHS,
             batch_size=DIGITS_BATCH, rng=np.random.default_rng(seed), progress=False)
    seconds, cpu = watch.read()
    return seconds, cpu, labs.accuracy(model.predict(X_test), y_test)


def sklearn_digits(data, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = data
    clf = MLPClassifier(
        hidden_layer_sizes=DIGITS_SIZES[1:-1], activation="relu", solver="sgd", learning_rate="constant",
        learning_rate_init=DIGITS_LR, momentum=DIGITS_MOMENTUM, nesterovs_momentum=False,
        batch_size=DIGITS_BATCH, max_iter=DIGITS_EPOCHS, alpha=0.0, shuffle=True,
        tol=0.0, n_iter_no_change=10**9, early_stopping=False, random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # "max_iter reached": we asked for exactly 30 epochs
        watch = Stopwatch()
        clf.fit(X_train, y_train)
        seconds, cpu = watch.read()
    assert clf.n_iter_ == DIGITS_EPOCHS, clf.n_iter_
    return seconds, cpu, float(clf.score(X_test, y_test))


def bench_digits(quick, repeats, quiet, cores):
    """Seeds 0..repeats-1; each seed sets the split, the initial weights and the shuffling."""
    seeds = range(max(repeats, 2) if quick else max(repeats, 5))
    data = {seed: digits_data(seed) for seed in seeds}
    runs = {"labs": [], "sklearn": []}
    labs_digits(data[0], 0), sklearn_digits(data[0], 0)  # warm-up
    others = []
    for seed in seeds:
        for name, fn in (("labs", labs_digits), ("sklearn", sklearn_digits)):
            result, load = timed(lambda fn=fn, seed=seed: fn(data[seed], seed), quiet, cores)
            runs[name].append(result)
            others.append(load)
    out = {"n_train": len(data[0][0]), "n_test": len(data[0][1]), "seeds": list(seeds), "epochs": DIGITS_EPOCHS,
           "batch": DIGITS_BATCH, "lr": DIGITS_LR, "momentum": DIGITS_MOMENTUM, "others_load": others}
    for name, rs in runs.items():
        secs, cpus, accs = [r[0] for r in rs], [r[1] for r in rs], [r[2] for r in rs]
        out[name] = {"seconds": float(np.median(secs)), "cpu_seconds": float(np.median(cpus)),
                     "accuracy": float(np.median(accs)), "accuracy_min": min(accs), "accuracy_max": max(accs),
                     "runs_seconds": secs, "runs_cpu_seconds": cpus, "runs_accuracy": accs}
    return out


# --- targets ------------------------------------------------------------------------

def targets(res):
    """Each target of the issue, judged on median wall-clock times.

    ``value_best`` is the same ratio from the fastest run of each competitor (on a shared
    machine other jobs only ever add time), ``value_cpu`` from median CPU seconds.
    """
    mlp, roof = res["mlp"]["variants"], res["gemm"]["roof"]
    flops = res["mlp"]["flops"]["model"]
    fit = mlp["labs fit"]
    frac = fit["gflops"] / roof["gflops"]
    out = {"labs_roof_fraction": {
        "value": frac, "value_best": flops / min(fit["runs"]) / 1e9 / roof["gflops"],
        "value_cpu": flops / fit["cpu_seconds"] / 1e9 / roof["gflops_per_cpu_s"],
        "target": f">= {TARGET_ROOF_FRACTION:.2f}", "met": frac >= TARGET_ROOF_FRACTION}}
    if "torch" in mlp:
        torch_ = mlp["torch"]
        ratio = fit["seconds"] / torch_["seconds"]
        out["labs_over_torch_time"] = {
            "value": ratio, "value_best": min(fit["runs"]) / min(torch_["runs"]),
            "value_cpu": fit["cpu_seconds"] / torch_["cpu_seconds"],
            "target": f"<= {TARGET_TORCH_RATIO}", "met": ratio <= TARGET_TORCH_RATIO}
    dg = res["digits"]
    ratio = dg["labs"]["seconds"] / dg["sklearn"]["seconds"]
    out["digits_labs_over_sklearn_time"] = {
        "value": ratio, "value_best": min(dg["labs"]["runs_seconds"]) / min(dg["sklearn"]["runs_seconds"]),
        "value_cpu": dg["labs"]["cpu_seconds"] / dg["sklearn"]["cpu_seconds"], "target": "<= 1", "met": ratio <= 1.0}
    acc = dg["labs"]["accuracy"]
    out["digits_labs_accuracy"] = {"value": acc, "value_best": None, "value_cpu": None,
                                   "target": f">= {TARGET_DIGITS_ACC:.2f}", "met": acc >= TARGET_DIGITS_ACC}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: smaller sizes, fewer repeats")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default benchmarks/results.json, "
                             "or benchmarks/results-quick.json with --quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and for torch (default: all cores)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per measurement (default 5, quick 2)")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="for shared machines: before each timed run wait up to this long for other "
                             "processes to use under 10%% of the CPUs, and redo (up to 5 times) a run during "
                             "which they used more (default 0: neither)")
    args = parser.parse_args(argv)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = args.threads or cores
    repeats = args.repeats or (2 if args.quick else 5)
    json_path = args.json or HERE / ("results-quick.json" if args.quick else "results.json")
    if torch is not None:
        torch.set_num_threads(threads)

    res = {"meta": {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "command": "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
                    "quick": args.quick, "repeats": repeats, "labs": labs.__version__}}
    with threadpool_limits(limits=threads, user_api="blas"):
        res["machine"] = machine_info(threads)
        print(report.machine_text(res), flush=True)
        quiet = Quiet(args.wait_quiet, cores)
        for part, label, bench in (("gemm", "(a) GEMM", bench_gemm), ("mlp", "(b) MLP epoch", bench_mlp),
                                   ("digits", "(c) digits", bench_digits)):
            print(f"running {label} ...", flush=True)
            res[part] = bench(args.quick, repeats, quiet, cores)
    res["meta"]["wait_quiet"] = {"limit_s": args.wait_quiet, "threshold": quiet.threshold, "waited_s": quiet.waited_s,
                                 "gave_up": quiet.gave_up, "redone": quiet.redone}
    res["mlp"]["gemm_floor"] = gemm_floor(res["gemm"], res["mlp"]["n"])
    res["targets"] = targets(res)
    print(report.tables_text(res))
    json_path.write_text(json.dumps(res, indent=1) + "\n")
    print(f"\nresults written to {json_path}")


if __name__ == "__main__":
    main()
