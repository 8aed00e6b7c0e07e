"""make bench: every speed and budget figure of the course, with its target beside it.

One BLAS thread and one torch thread (numpy and torch in one process with
default threads fight over the cores and make torch erratic). Contenders run
interleaved, repeated, and we report medians and ratios. Exit status 1 if any
target is missed.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent

import charrnn  # noqa: E402
import layers  # noqa: E402
import widgets  # noqa: E402

RESULTS = []


def report(name, value, target, ok, unit=""):
    RESULTS.append(ok)
    print(f"  {'ok  ' if ok else 'MISS'} {name:<58} {value:>12}{unit}   target {target}")


def bench_layers():
    import torch

    torch.set_num_threads(1)
    print("helpers vs torch, forward + backward, CPU float64 (median of interleaved runs)")
    for kind, shape, t_ours, t_torch, ratio, target, faults in layers.run(np.random.default_rng(0)):
        label = f"{kind} N={shape[0]} T={shape[1]} D={shape[2]} H={shape[3]}: {t_ours * 1e3:.2f} ms vs {t_torch * 1e3:.2f} ms"
        report(label, f"{ratio:.2f}", f"<= {target}", ratio <= target, " x torch")
        print(f"       page faults per call: helpers {faults[0]:.0f}, torch {faults[1]:.0f}")


def bench_charrnn():
    print("char-level training loop, min-char-rnn settings (H=100, seq 25, Adagrad 0.1, clip 5)")
    same = charrnn.agree(np.random.default_rng(0))
    report("helpers loop computes the same step as the classic loop", str(same), "True", same)
    classic, ours = charrnn.iterations_per_second(np.random.default_rng(0))
    report(f"iterations/s: helpers {ours:.0f} vs classic per-sample {classic:.0f}", f"{ours / classic:.2f}", ">= 3", ours / classic >= 3, " x")


def bench_memory():
    from helpers import bptt

    print("peak memory of RNN forward + backward (N=32, D=10, H=64): BPTT stores every step")
    Ts = (100, 1000, 4000)
    peaks = bptt.measure_cost(Ts, np.random.default_rng(0), N=32, D=10, H=64, repeats=1)["peak_bytes"]
    for T, peak in zip(Ts, peaks):
        print(f"       T = {T:>5}: peak {peak / 2**20:8.1f} MiB ({peak / T / 1024:.1f} KiB per step)")
    per_step = peaks / np.array(Ts)
    linear = max(per_step) / min(per_step) < 1.5
    report("memory grows linearly in T (per-step cost within 1.5x)", f"{max(per_step) / min(per_step):.2f}", "< 1.5", linear, " x")


def bench_autocomplete():
    from helpers import autocomplete

    print("autocomplete latency (one completion, LSTM over the prefix + softmax)")
    model = autocomplete.load_pretrained()
    prefix = "what's the best food to eat in las"
    model.complete(prefix)
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        model.complete(prefix, k=5)
        times.append(time.perf_counter() - t0)
    ms = float(np.median(times)) * 1e3
    report(f"complete({prefix!r})", f"{ms:.2f}", "< 10 ms", ms < 10, " ms")


def main():
    funcs = {"layers": bench_layers, "charrnn": bench_charrnn, "memory": bench_memory,
             "autocomplete": bench_autocomplete, "notebooks": lambda: widgets.run(report)}
    sections = sys.argv[1:] or list(funcs)
    for name in sections:
        if name not in funcs:
            raise SystemExit(f"unknown section {name!r}; choose from {', '.join(funcs)}")
        funcs[name]()
        print()
    missed = RESULTS.count(False)
    print(f"{len(RESULTS) - missed} of {len(RESULTS)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
