"""helpers.rnn / lstm / gru forward+backward against torch.nn.RNN / LSTM / GRU (CPU, float64, one thread).

Contenders run interleaved (ours, theirs, ours, theirs, ...) so machine noise
hits both alike. Each round times ``inner`` calls of each; the ratio ours /
torch is taken within a round (the two ran a fraction of a second apart, on
the same machine state) and we report the median ratio over the rounds and its spread.

Times are CPU time of this process (``time.process_time``: user + system, so
page faults count), not wall time: on a shared machine wall time also counts
the time other processes take the core from us, which has nothing to do with
either contender. Both contenders run one thread, so on an idle machine the two
clocks agree; the wall-clock ratio is printed beside it.

Both contenders run with the C allocator pinned (``pin_allocator``, in a
process of their own, ``measure``, so the rest of ``make bench`` keeps the
default allocator): by
default glibc hands big freed blocks back to the operating system and takes
them again, a page fault per 4 KiB, and how often it does so drifts with the
process's history. torch.nn.LSTM alone at the bench shape, in the same
minute: 11.1 ms per call pinned, 12.6 ms (1460 page faults per call) not.
Pinned, each contender runs in its steady state. What remains is the
machine: on a shared machine the ratio still moves by about 0.05 from one
process to the next (the 10-90% spread printed is that within one process).

Speed is also put against the machine's limit: the FLOPs of the matrix
products of forward + backward (``flops``), divided by the time, against
the best float64 matrix-multiply rate one thread reaches (``matmul_peak``).
"""
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
# (kind, (N, T, D, H), target: at most this many times torch's time)
CASES = (("lstm", (32, 50, 10, 64), 0.8), ("gru", (32, 50, 10, 64), 1.0), ("rnn", (1, 25, 86, 100), 0.35))
ROUNDS, INNER = 25, 10  # interleaved rounds, calls of each contender per round
PEAK_N, PEAK_REPEATS = 1024, 5  # the matmul that measures the peak, and how often


def flops(kind, N, T, D, H):
    """Floating-point operations of the matrix products of one forward + backward.

    A product of (m, k) by (k, n) costs 2 m k n (a multiply and an add per term).
    With G gates (rnn 1, gru 3, lstm 4) each step does six products of G H columns:
    forward  x_t Wx (N, D)(D, GH) and h_{t-1} Wh (N, H)(H, GH);
    backward da Wx^T -> dx, da Wh^T -> dh_{t-1}, x_t^T da -> dWx, h_{t-1}^T da -> dWh.
    Three pairs, each 2 N G H (D + H): 6 N T G H (D + H) in all. The elementwise
    work (gates, tanh, sums for the biases) is left out: it is not a matmul and
    has no "peak" to compare with.
    """
    return 6 * N * T * GATES[kind] * H * (D + H)


def matmul_peak(n=PEAK_N, repeats=PEAK_REPEATS):
    """GFLOP/s of the best of ``repeats`` float64 (n, n) @ (n, n) products, numpy and torch, on this thread.

    Timed in CPU time, as the layers are: the best this process gets from the core it runs on.
    """
    import torch

    a = np.random.default_rng(0).standard_normal((n, n))
    out, ta, tout = np.empty_like(a), torch.tensor(a), torch.empty((n, n), dtype=torch.float64)
    rates = {}
    for name, mm in (("numpy", lambda: np.matmul(a, a, out=out)), ("torch", lambda: torch.mm(ta, ta, out=tout))):
        mm()
        best = min(_timed(mm) for _ in range(repeats))
        rates[name] = 2 * n**3 / best / 1e9
    return rates


def pin_allocator():
    """Keep freed memory in the process (glibc mallopt): no trimming, no mmap below 32 MiB.

    Returns True if it could (Linux with glibc), else False: then the times include
    whatever page faults the allocator's state causes, for both contenders.
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) and libc.mallopt(M_MMAP_THRESHOLD, 32 << 20))


def _timed(fn):
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def faults_per_call(fn, calls=20):
    """Minor page faults per call (memory the process gets from the OS afresh)."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def interleaved(fns, rounds=ROUNDS, inner=INNER):
    """Time several functions in alternation, after one warm-up call each.

    Returns {"cpu": (len(fns), rounds), "wall": (len(fns), rounds)}: seconds
    per call, each the mean over ``inner`` calls of one round.
    """
    for f in fns:
        f()
    cpu, wall = np.zeros((len(fns), rounds)), np.zeros((len(fns), rounds))
    for r in range(rounds):
        for k, f in enumerate(fns):
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(inner):
                f()
            cpu[k, r], wall[k, r] = (time.process_time() - c0) / inner, (time.perf_counter() - w0) / inner
    return {"cpu": cpu, "wall": wall}


def make_case(kind, N, T, D, H, rng):
    """Two functions computing the same forward + backward: helpers and torch, same weights.

    Each returns the gradients (dx, dh0, dWx, dWh, db) in the helpers' layout
    (the GRU's two biases: dbx, dbh), so tests/test_benchmarks.py can check
    that the contenders do the same work. Both compute dh0 (torch's h0, and
    the LSTM's c0, require a gradient), so both do every product ``flops`` counts.
    """
    import torch

    from helpers import gru, lstm, rnn

    G = GATES[kind]
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    Wx = 0.1 * rng.standard_normal((D, G * H))
    Wh = 0.1 * rng.standard_normal((H, G * H))
    biases = [0.1 * rng.standard_normal(G * H) for _ in range(2 if kind == "gru" else 1)]
    dh = rng.standard_normal((N, T, H))
    mod = {"rnn": rnn, "lstm": lstm, "gru": gru}[kind]

    def ours():
        h, cache = mod.forward(x, h0, Wx, Wh, *biases)
        dx, dh0, dWx, dWh, *db = mod.backward(dh, cache)[:4 + len(biases)]
        return (dx, dh0, dWx, dWh, *db)

    m = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](D, H, batch_first=True).double()
    with torch.no_grad():  # torch's weights are ours, transposed; rnn, lstm: its two biases add up to b
        m.weight_ih_l0.copy_(torch.tensor(Wx.T))
        m.weight_hh_l0.copy_(torch.tensor(Wh.T))
        m.bias_ih_l0.copy_(torch.tensor(biases[0]))
        if kind == "gru":  # the GRU's second bias sits inside the reset gate: it has its own
            m.bias_hh_l0.copy_(torch.tensor(biases[1]))
        else:
            m.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.zeros((1, N, H), dtype=torch.float64, requires_grad=True)
    dht = torch.tensor(dh)
    c0t = torch.zeros_like(h0t, requires_grad=True)  # the LSTM's cell state
    state = (h0t, c0t) if kind == "lstm" else h0t
    tbiases = [m.bias_ih_l0, m.bias_hh_l0][:len(biases)]

    def theirs():
        m.zero_grad()
        xt.grad = h0t.grad = c0t.grad = None
        out, _ = m(xt, state)
        out.backward(dht)
        return (xt.grad, h0t.grad[0], m.weight_ih_l0.grad.T, m.weight_hh_l0.grad.T, *(b.grad for b in tbiases))

    return ours, theirs


def run(rng, rounds=ROUNDS, inner=INNER):
    """One row per case: times, ratios (median and spread), GFLOP/s, page faults, target."""
    rows = []
    for kind, shape, target in CASES:
        ours, theirs = make_case(kind, *shape, rng)
        t = interleaved([ours, theirs], rounds, inner)
        ratio = t["cpu"][0] / t["cpu"][1]  # per round
        fl = flops(kind, *shape)
        rows.append(dict(kind=kind, shape=shape, target=target, flops=fl,
                         ours=float(np.median(t["cpu"][0])), torch=float(np.median(t["cpu"][1])),
                         ratio=float(np.median(ratio)), spread=tuple(np.percentile(ratio, [10, 90])),
                         wall_ratio=float(np.median(t["wall"][0] / t["wall"][1])),
                         faults=(faults_per_call(ours), faults_per_call(theirs))))
    return rows


def measure(seed=0):
    """Everything ``make bench layers`` prints, measured in a fresh process with the allocator pinned.

    Returns {"pinned": bool, "peak": matmul_peak(), "rows": run(...)} (tuples as lists).
    """
    out = subprocess.run([sys.executable, os.path.abspath(__file__), str(seed)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"benchmarks/layers.py failed:\n{out.stderr}")
    return json.loads(out.stdout)


if __name__ == "__main__":  # the process ``measure`` starts
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import torch

    torch.set_num_threads(1)
    pinned = pin_allocator()
    print(json.dumps({"pinned": pinned, "peak": matmul_peak(), "rows": run(np.random.default_rng(int(sys.argv[1])))}))
