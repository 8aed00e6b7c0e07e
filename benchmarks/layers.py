"""helpers.rnn / helpers.lstm forward+backward against torch.nn.RNN / LSTM (CPU, float64).

Contenders run interleaved (ours, theirs, ours, theirs, ...) so machine noise
hits both alike; we report medians and the ratio ours / torch.
"""
import resource
import time

import numpy as np


def median_time(fn, repeats, inner):
    """Median over ``repeats`` of the mean time of ``inner`` calls, in seconds."""
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return float(np.median(out))


def interleaved(fns, rounds=15, inner=20):
    """Time several functions in alternation; return their medians (seconds per call)."""
    for f in fns:  # warm-up
        f()
    samples = [[] for _ in fns]
    for _ in range(rounds):
        for k, f in enumerate(fns):
            samples[k].append(median_time(f, 1, inner))
    return [float(np.median(s)) for s in samples]


def faults_per_call(fn, calls=20):
    """Minor page faults per call (memory the process gets from the OS afresh)."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def make_case(kind, N, T, D, H, rng):
    """Two functions computing the same forward + backward: helpers and torch, same weights.

    Each returns the gradients (dx, dWx, dWh, db) in the helpers' layout, so
    tests/test_benchmarks.py can check that the contenders do the same work.
    """
    import torch

    from helpers import lstm, rnn

    gates = 4 if kind == "lstm" else 1
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    Wx = 0.1 * rng.standard_normal((D, gates * H))
    Wh = 0.1 * rng.standard_normal((H, gates * H))
    b = 0.1 * rng.standard_normal(gates * H)
    dh = rng.standard_normal((N, T, H))
    mod = lstm if kind == "lstm" else rnn

    def ours():
        h, cache = mod.forward(x, h0, Wx, Wh, b)
        dx, _, dWx, dWh, db = mod.backward(dh, cache)[:5]
        return dx, dWx, dWh, db

    m = (torch.nn.LSTM if kind == "lstm" else torch.nn.RNN)(D, H, batch_first=True).double()
    with torch.no_grad():  # torch's weights are ours, transposed; its two biases add up to b
        m.weight_ih_l0.copy_(torch.tensor(Wx.T))
        m.weight_hh_l0.copy_(torch.tensor(Wh.T))
        m.bias_ih_l0.copy_(torch.tensor(b))
        m.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.zeros((1, N, H), dtype=torch.float64)
    dht = torch.tensor(dh)
    state = (h0t, h0t.clone()) if kind == "lstm" else h0t

    def theirs():
        m.zero_grad()
        xt.grad = None
        out, _ = m(xt, state)
        out.backward(dht)
        return xt.grad, m.weight_ih_l0.grad.T, m.weight_hh_l0.grad.T, m.bias_ih_l0.grad

    return ours, theirs


def run(rng):
    rows = []
    for kind, shape, target in (("lstm", (32, 50, 10, 64), 0.8), ("rnn", (1, 25, 86, 100), 0.35)):
        ours, theirs = make_case(kind, *shape, rng)
        t_ours, t_torch = interleaved([ours, theirs])
        faults = faults_per_call(ours), faults_per_call(theirs)
        rows.append((kind, shape, t_ours, t_torch, t_ours / t_torch, target, faults))
    return rows
