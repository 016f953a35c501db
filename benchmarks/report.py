"""Tables of a benchmark run, for the console and for RESULTS.md.

    python benchmarks/report.py [results.json ...]   # rewrite those runs' tables in benchmarks/RESULTS.md

Each JSON file has its own block in RESULTS.md, between ``<!-- begin generated
from NAME -->`` and ``<!-- end generated from NAME -->``; only that text is
replaced (a missing block is appended), the notes around it are kept.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def markers(name):
    return (f"<!-- begin generated from {name} by benchmarks/report.py: do not edit by hand -->",
            f"<!-- end generated from {name} -->")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _load(values):
    """Other processes' share of the CPUs over a part's timed runs: median and worst."""
    values = [v for v in (values if isinstance(values, list) else [values]) if v is not None]
    if not values:
        return "n/a"
    values = sorted(values)
    return f"median {_pct(values[len(values) // 2])}, worst {_pct(values[-1])}"


def machine_text(res):
    m, meta = res["machine"], res["meta"]
    lines = [
        f"- {meta['date']}: `{meta['command']}`; every timing is the median of {meta['repeats']} runs after a warm-up",
        f"- CPU: {m.get('cpu')} ({m.get('simd', '')}), {m['cores']} cores, {m.get('memory_gib', '?')} GiB; "
        f"{m['platform']}",
        f"- Python {m['python']}, numpy {m['numpy']} with {m['numpy_blas']}, scipy {m['scipy']}, "
        f"scikit-learn {m['sklearn']}, labs {meta['labs']}",
    ]
    if m.get("other_blas"):
        lines.append(f"- also loaded (not used by numpy): {m['other_blas']}")
    if m.get("torch"):
        lines.append(f"- torch {m['torch']} (CPU, {m['torch_blas']}, kernels: {m['torch_cpu_capability']})")
    else:
        lines.append("- torch: not installed (no PyTorch row in (b))")
    lines.append(f"- threads: {m['threads']} for numpy's BLAS (threadpoolctl) and {m['threads']} for torch "
                 f"(torch.set_num_threads)")
    wq = meta.get("wait_quiet")
    if wq and wq["limit_s"]:
        lines.append(f"- `--wait-quiet {wq['limit_s']:g}`: waited {wq['waited_s']:.0f} s in all for other processes "
                     f"to use under {_pct(wq.get('threshold', 0.1))} of the CPUs (gave up waiting {wq['gave_up']} "
                     f"time(s)); {wq.get('redone', 0)} run(s) they disturbed were thrown away and redone")
    return "\n".join(lines)


def busy_parts(res, threshold=0.15):
    """Parts during which other processes used more than ``threshold`` of the CPUs (median over runs)."""
    busy = []
    for part in ("gemm", "mlp", "digits"):
        values = sorted(v for v in res[part].get("others_load", []) if v is not None)
        if values and values[len(values) // 2] > threshold:
            busy.append(part)
    return busy


def tables_text(res):
    out = []
    busy = busy_parts(res)
    if busy:
        out += [f"**Warning: other processes kept more than 15% of the CPUs busy during {', '.join(busy)}; "
                "those timings measure a shared machine more than the code (see the load lines).**", ""]
    g = res["gemm"]
    by = {}
    for c in g["cases"]:
        by.setdefault(c["name"], {})[c["dtype"]] = c
    rows = [(name, f"{d['float32']['m']}x{d['float32']['k']}x{d['float32']['n']}",
             f"{d['float32']['gflops']:.1f}", f"{d['float64']['gflops']:.1f}",
             f"{d['float32']['flops'] / d['float32']['cpu_seconds'] / 1e9:.1f}") for name, d in by.items()]
    out += ["### (a) numpy GEMM throughput (`np.matmul(A, B, out=C)`)", "",
            _table(["product", "m x k x n", "float32 GFLOP/s", "float64 GFLOP/s", "float32 GFLOP per CPU-second"],
                   rows), "",
            f"Roof for (b): float32 `{g['roof']['name']}` = **{g['roof']['gflops']:.1f} GFLOP/s**, the peak this BLAS "
            f"reaches here with {res['machine']['threads']} thread(s). "
            f"Other processes' share of the CPUs during these timings: {_load(g.get('others_load'))}.", ""]

    b = res["mlp"]
    f = b["flops"]
    roof = g["roof"]["gflops"]
    torch_s = b["variants"].get("torch", {}).get("seconds")
    torch_cpu = b["variants"].get("torch", {}).get("cpu_seconds")
    rows = []
    for name, v in b["variants"].items():
        ratio = f"{v['seconds'] / torch_s:.2f}" if torch_s else "n/a"
        cpu_ratio = f"{v['cpu_seconds'] / torch_cpu:.2f}" if torch_cpu else "n/a"
        rows.append((name, f"{v['seconds']:.3f}", f"{min(v['runs']):.3f}", f"{v['gflops']:.1f}",
                     _pct(v["gflops"] / roof), ratio, f"{v['cpu_seconds']:.3f}", cpu_ratio,
                     f"{v['train_loss_seed0']:.3f}"))
    floor = b.get("gemm_floor", {})
    out += [f"### (b) one epoch, MLP {'-'.join(str(s) for s in (784, 256, 10))}, float32, N = {b['n']:,}, "
            f"batch {b['batch']}, SGD lr {b['lr']} momentum {b['momentum']}", "",
            _table(["variant", "seconds (median)", "best run", "effective GFLOP/s", "of f32 roof", "time / torch",
                    "CPU seconds", "CPU / torch CPU", "train loss"], rows), "",
            f"Model FLOPs per epoch = forward {f['forward'] / 1e9:.2f} G x 3 (backward = 2 x forward) = "
            f"**{f['model'] / 1e9:.2f} GFLOP**, the numerator of every row (the usual convention for "
            f"effective throughput). Of these, layer 1's dC/dX ({f['first_layer_dx'] / 1e9:.2f} G) is never used: "
            f"`labs.fit` skips it (`model.backward(dout, input_grad=False)`) and so does PyTorch (the data does "
            f"not require a gradient), so both execute {f['needed'] / 1e9:.2f} GFLOP per epoch; the row "
            f"'also layer-1 dX' computes it anyway, to show its cost. Counted on the FLOPs it executes, "
            f"`labs fit` runs at {f['needed'] / b['variants']['labs fit']['seconds'] / 1e9:.1f} GFLOP/s, "
            f"{_pct(f['needed'] / b['variants']['labs fit']['seconds'] / 1e9 / roof)} of the roof: the roof is the "
            f"product `{g['roof']['name']}`, and the thin products of a batch of 128 run slower (see (a))."]
    if floor:
        out += ["", f"GEMM floor (sum of the (a) timings of each step's products x {b['n'] / b['batch']:.1f} steps): "
                f"{floor['needed_gemms']:.3f} s for the products fit does, {floor['with_first_layer_dx']:.3f} s "
                f"with layer 1's dX."]
    out += ["", f"Other processes' share of the CPUs during the timed epochs: {_load(b.get('others_load'))}.", ""]

    d = res["digits"]
    rows = []
    for name in ("labs", "sklearn"):
        v = d[name]
        rows.append((name, f"{v['seconds']:.3f}", f"{v['seconds'] / d['sklearn']['seconds']:.2f}",
                     f"{v['cpu_seconds']:.3f}", f"{v['cpu_seconds'] / d['sklearn']['cpu_seconds']:.2f}",
                     f"{100 * v['accuracy']:.1f}%", f"{100 * v['accuracy_min']:.1f}-{100 * v['accuracy_max']:.1f}%"))
    out += [f"### (c) digits, 64-128-10 ReLU, {d['epochs']} epochs, batch {d['batch']}, SGD lr {d['lr']} "
            f"momentum {d['momentum']}, float64", "",
            _table(["", "fit seconds", "time / sklearn", "CPU seconds", "CPU / sklearn CPU", "test accuracy (median)",
                    "min-max"], rows), "",
            f"{d['n_train']} training and {d['n_test']} test images (stratified 80/20, standardised); medians over "
            f"seeds {d['seeds'][0]}..{d['seeds'][-1]}, each seed setting the split, the initial weights and the "
            f"shuffling. Other processes' share of the CPUs during the fits: {_load(d.get('others_load'))}.", ""]

    names = {"labs_over_torch_time": "(b) labs fit time / PyTorch time",
             "labs_roof_fraction": "(b) labs fit effective GFLOP/s / f32 roof",
             "digits_labs_over_sklearn_time": "(c) labs fit time / scikit-learn fit time",
             "digits_labs_accuracy": "(c) labs test accuracy (median over seeds)"}
    def fmt(x):
        return "" if x is None else f"{x:.2f}"

    rows = [(names[k], f"{t['value']:.{3 if 'accuracy' in k else 2}f}", t["target"], "yes" if t["met"] else "**no**",
             fmt(t.get("value_best")), fmt(t.get("value_cpu")))
            for k, t in res["targets"].items()]
    out += ["### Targets", "",
            _table(["target", "measured (medians)", "goal", "met", "from the best runs", "from CPU seconds"], rows), "",
            "Targets are judged on median wall-clock times, as the issue defines them. The last two columns are "
            "the same ratios from each competitor's fastest run (other jobs on a shared machine only ever add "
            "time) and from CPU seconds (this process, all its threads: with one thread that is what the wall "
            "clock would read on an idle machine; with more threads it also counts the BLAS threads' spinning)."]
    return "\n".join(out)


def markdown(res, name):
    begin, end = markers(name)
    title = f"threads = {res['machine']['threads']}" + (", quick" if res["meta"]["quick"] else "")
    return "\n".join([begin, "", f"## Run: {title} ({name})", "", "### Machine", "", machine_text(res), "",
                      tables_text(res), "", end])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    target = HERE / "RESULTS.md"
    text = target.read_text() if target.exists() else "# Benchmark results\n"
    for src in [Path(a) for a in argv] or [HERE / "results.json"]:
        res = json.loads(src.read_text())
        begin, end = markers(src.name)
        block = markdown(res, src.name)
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            text = head + block + rest.split(end, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        print(f"{target}: tables of {src.name} updated")
    target.write_text(text)


if __name__ == "__main__":
    main()
