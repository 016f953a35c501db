"""Where one epoch of benchmark (b) spends its time in ``labs``, and what it allocates.

    python benchmarks/profile_labs.py [--threads 1] [--epochs 3]

Three views of the float32 784-256-10 MLP, batch 128, SGD with momentum:

1. dtypes: every array one training step produces, so a silent float64 upcast shows;
2. memory: what each phase of one step allocates, temporaries included (tracemalloc);
3. time per phase of the loop (batch gather, each layer's forward and backward, loss,
   SGD step, fit's per-batch accuracy) and fit's own overhead (fit minus the bare loop).
   Each phase is the best of ``--epochs`` epochs, in CPU seconds of this process
   (``time.process_time``), which another program on the machine disturbs far less
   than wall-clock time; use ``--threads 1`` for that reason (with more threads
   CPU time counts every thread's time, spinning included).
"""

import argparse
import time
import tracemalloc
from collections import defaultdict

import numpy as np
from threadpoolctl import threadpool_limits

import labs

SIZES, N, BATCH = (784, 256, 10), 60_000, 128


def setup(seed=0):
    rng = np.random.default_rng(12345)
    X = rng.standard_normal((N, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], size=N)
    model = labs.mlp(SIZES, rng=np.random.default_rng(seed), dtype=np.float32)
    opt = labs.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return X, y, model, opt


def dtype_audit(X, y, model, opt):
    Xb, yb = X[:BATCH], y[:BATCH]
    rows = [("batch X", Xb.dtype)]
    a = Xb
    for i, layer in enumerate(model.layers):
        a = layer.forward(a)
        rows.append((f"forward {i} {layer!r}", a.dtype))
    value, dout = labs.softmax_cross_entropy(a, yb)
    rows += [("loss value", type(value).__name__), ("dC/dlogits", dout.dtype)]
    for i in reversed(range(1, len(model.layers))):
        dout = model.layers[i].backward(dout)
        rows.append((f"backward {i} {model.layers[i]!r} returns", dout.dtype))
    model.layers[0].backward(dout, input_grad=False)  # as in fit: no dC/dX for the data
    opt.step()
    rows += [(f"param {name} value / grad / velocity", f"{p.value.dtype} / {p.grad.dtype} / {v.dtype}")
             for (name, p), v in zip(model.named_parameters(), opt.velocity)]
    return rows


def temporaries(X, y, model, opt):
    """KiB each phase of one step allocates: its peak (temporaries included) and what it still holds.

    numpy reports its data buffers to tracemalloc, so the traced peak of a phase
    counts the short-lived temporaries too.
    """
    idx = np.arange(BATCH)
    Xb, yb = X[idx], y[idx]
    phases = [
        ("forward", lambda s: s.update(out=model.forward(s["Xb"]))),
        ("loss", lambda s: s.update(dout=labs.softmax_cross_entropy(s["out"], s["yb"])[1])),
        ("backward", lambda s: model.backward(s["dout"], input_grad=False)),
        ("SGD step", lambda s: opt.step()),
        ("accuracy", lambda s: labs.accuracy(s["out"], s["yb"])),
    ]
    state = {"Xb": Xb, "yb": yb}
    for _, fn in phases:  # warm-up
        fn(state)
    rows = []
    tracemalloc.start()
    for name, fn in phases:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        fn(state)
        now, peak = tracemalloc.get_traced_memory()
        rows.append((name, (peak - base) // 1024, (now - base) // 1024))
    tracemalloc.stop()
    return rows


class PhaseTimer:
    def __init__(self):
        self.t = defaultdict(float)
        self.last = time.process_time()

    def lap(self, name):
        now = time.process_time()
        self.t[name] += now - self.last
        self.last = now


def timed_epoch(X, y, model, opt, seed):
    """One epoch of fit's loop, with the CPU time of each phase."""
    layers = model.layers
    pt = PhaseTimer()
    batches = labs.minibatches(X, y, BATCH, np.random.default_rng(seed))
    while True:
        pt.lap("other")
        try:
            Xb, yb = next(batches)
        except StopIteration:
            break
        pt.lap("batch gather X[idx]")
        a = Xb
        for i, layer in enumerate(layers):
            a = layer.forward(a)
            pt.lap(f"forward {i} {layer!r}")
        value, dout = labs.softmax_cross_entropy(a, yb)
        pt.lap("softmax_cross_entropy")
        for i in reversed(range(1, len(layers))):
            dout = layers[i].backward(dout)
            pt.lap(f"backward {i} {layers[i]!r}")
        layers[0].backward(dout, input_grad=False)  # as fit does: no dC/dX for the data
        pt.lap(f"backward 0 {layers[0]!r} (no dX)")
        opt.step()
        pt.lap("SGD.step")
        labs.accuracy(a, yb)
        pt.lap("accuracy (fit, per batch)")
    return dict(pt.t)


def fit_vs_loop(X, y, seed):
    """CPU seconds of ``labs.fit`` for one epoch and of the bare loop it runs."""
    _, _, model, opt = setup(seed)
    t = time.process_time()
    labs.fit(model, labs.softmax_cross_entropy, opt, X, y, epochs=1, batch_size=BATCH,
             rng=np.random.default_rng(seed), progress=False)
    fit = time.process_time() - t
    _, _, model, opt = setup(seed)
    t = time.process_time()
    for Xb, yb in labs.minibatches(X, y, BATCH, np.random.default_rng(seed)):
        out = model.forward(Xb)
        _, dout = labs.softmax_cross_entropy(out, yb)
        model.backward(dout, input_grad=False)
        opt.step()
    loop = time.process_time() - t
    t = time.process_time()
    labs.train._check_data(X, y, "fit")
    checks = time.process_time() - t
    return fit, loop, checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with threadpool_limits(limits=args.threads, user_api="blas"):
        X, y, model, opt = setup()
        print("dtypes in one float32 step:")
        for name, dt in dtype_audit(X, y, model, opt):
            print(f"  {name:55s} {dt}")
        print("\nmemory allocated per phase of one step (KiB: peak incl. temporaries, still held after):")
        for name, peak, held in temporaries(X, y, model, opt):
            print(f"  {name:20s} peak {peak:6d}  held {held:6d}")

        best = {}
        for e in range(args.epochs):
            _, _, model, opt = setup()
            for name, s in timed_epoch(X, y, model, opt, seed=e).items():
                best[name] = min(best.get(name, np.inf), s)
        total = sum(best.values())
        print(f"\nCPU seconds per epoch by phase (best of {args.epochs}, {args.threads} BLAS thread(s)):")
        for name, s in sorted(best.items(), key=lambda kv: -kv[1]):
            print(f"  {name:40s} {s:7.3f} s  {100 * s / total:5.1f}%")
        print(f"  {'total':40s} {total:7.3f} s")

        runs = [fit_vs_loop(X, y, seed) for seed in range(args.epochs)]
        fit, loop, checks = (min(r[i] for r in runs) for i in range(3))
        print(f"\nfit, one epoch: {fit:.3f} s CPU; bare loop {loop:.3f} s; fit's input checks "
              f"(_check_data on the 60,000 x 784 X) {checks:.3f} s; the rest of fit's overhead "
              f"(accuracy per batch, snapshot, finiteness tests) {fit - loop - checks:.3f} s")


if __name__ == "__main__":
    main()
