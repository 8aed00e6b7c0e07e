"""The benchmarks compare like with like: each pair of contenders computes the same thing.

(The timings themselves are printed by ``make bench``; no test depends on the machine's speed.)
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import charrnn  # noqa: E402
import layers  # noqa: E402


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_layer_contenders_compute_the_same_gradients(kind):
    ours, theirs = layers.make_case(kind, 3, 7, 4, 5, np.random.default_rng(0))
    got, want = ours(), theirs()
    assert len(got) == len(want) == (6 if kind == "gru" else 5)
    for name, a, b in zip(("dx", "dh0", "dWx", "dWh", "db", "dbh"), got, want):
        b = b.detach().numpy()
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("shape", [(3, 7, 4, 5), (1, 1, 1, 1), (2, 5, 9, 3)])
def test_flops_count_every_matmul_torch_does(kind, shape):
    # torch counts the FLOPs of every mm/addmm its forward and backward run; with h0 needing a
    # gradient it runs the very products the formula counts (the bias sums are not matmuls)
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    N, T, D, H = shape
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    m = cls(D, H, batch_first=True).double()
    x = torch.randn(N, T, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.zeros(1, N, H, dtype=torch.float64, requires_grad=True)
    with FlopCounterMode(display=False) as counter:
        out, _ = m(x, (h0, h0) if kind == "lstm" else h0)
        out.backward(torch.ones_like(out))
    assert layers.flops(kind, *shape) == counter.get_total_flops()


def test_flops_grow_with_each_size_as_the_formula_says():
    base = layers.flops("lstm", 2, 3, 4, 5)
    assert layers.flops("lstm", 4, 3, 4, 5) == 2 * base  # linear in N
    assert layers.flops("lstm", 2, 6, 4, 5) == 2 * base  # and in T
    assert layers.flops("gru", 2, 3, 4, 5) * 4 == base * 3  # 3 gates against 4
    assert layers.flops("rnn", 1, 1, 1, 1) == 12  # six products of 1 x 1 by 1 x 1: 2 FLOPs each


def test_matmul_peak_is_a_positive_rate_for_both_libraries():
    rates = layers.matmul_peak(n=64, repeats=2)
    assert set(rates) == {"numpy", "torch"} and all(r > 0 for r in rates.values())


def test_interleaved_runs_every_contender_every_round():
    calls = []
    t = layers.interleaved([lambda: calls.append("a"), lambda: calls.append("b")], rounds=3, inner=2)
    assert calls == ["a", "b"] + ["a", "a", "b", "b"] * 3
    assert t["cpu"].shape == t["wall"].shape == (2, 3) and (t["wall"] >= 0).all()


def test_char_rnn_loops_compute_the_same_update():
    assert charrnn.agree(np.random.default_rng(0))


def test_char_rnn_timing_runs_both_loops():
    classic, ours = charrnn.iterations_per_second(np.random.default_rng(0), seconds=0.2, rounds=1)
    assert classic > 0 and ours > 0
