"""make bench: every speed and budget figure of the course, with its target beside it.

One BLAS thread and one torch thread (numpy and torch in one process with
default threads fight over the cores and make torch erratic). Contenders run
interleaved, repeated, and we report medians and ratios (the layers: CPU time
and the spread of the ratio over rounds, see benchmarks/layers.py). Exit
status 1 if any target is missed.
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
    print(f"  {'ok  ' if ok else 'MISS'} {name:<66} {value:>7}{unit}   target {target}")


def bench_layers():
    m = layers.measure(seed=0)
    peak, pinned, rows = m["peak"], m["pinned"], m["rows"]
    best = max(peak.values())
    print("helpers vs torch, forward + backward, float64, one thread: CPU time per call, median of "
          f"{layers.ROUNDS} interleaved rounds, allocator {'pinned' if pinned else 'NOT pinned (no glibc)'}")
    n = layers.PEAK_N
    print(f"  the limit: float64 {n} x {n} matmul, one thread, best of {layers.PEAK_REPEATS}: "
          f"numpy {peak['numpy']:.1f}, torch {peak['torch']:.1f} GFLOP/s -> peak {best:.1f}")
    print("  GFLOP/s counts the matmuls of forward + backward, 6 N T G H (D + H) for G gates "
          "(benchmarks/layers.py: flops)")
    print(f"  {'layer':<5} {'N, T, D, H':<15} {'MFLOP':>6} {'ours ms':>8} {'GFLOP/s':>8} {'% peak':>6}"
          f" {'torch ms':>9} {'GFLOP/s':>8} {'% peak':>6} {'faults/call':>12}")
    for r in rows:
        gf = [r["flops"] / r[who] / 1e9 for who in ("ours", "torch")]
        print(f"  {r['kind']:<5} {', '.join(map(str, r['shape'])):<15} {r['flops'] / 1e6:6.1f}"
              f" {r['ours'] * 1e3:8.2f} {gf[0]:8.1f} {100 * gf[0] / best:5.0f}%"
              f" {r['torch'] * 1e3:9.2f} {gf[1]:8.1f} {100 * gf[1] / best:5.0f}%"
              f" {r['faults'][0]:5.0f} / {r['faults'][1]:<5.0f}")
    for r in rows:
        lo, hi = r["spread"]
        label = (f"{r['kind']} / torch.nn.{r['kind'].upper()}, CPU time (rounds 10-90%: {lo:.2f}-{hi:.2f};"
                 f" wall clock {r['wall_ratio']:.2f})")
        report(label, f"{r['ratio']:.2f}", f"<= {r['target']}", r["ratio"] <= r["target"], " x")


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
