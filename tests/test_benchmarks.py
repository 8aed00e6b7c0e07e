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


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_layer_contenders_compute_the_same_gradients(kind):
    ours, theirs = layers.make_case(kind, 3, 7, 4, 5, np.random.default_rng(0))
    for name, a, b in zip(("dx", "dWx", "dWh", "db"), ours(), theirs()):
        b = b.detach().numpy()
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)


def test_char_rnn_loops_compute_the_same_update():
    assert charrnn.agree(np.random.default_rng(0))


def test_char_rnn_timing_runs_both_loops():
    classic, ours = charrnn.iterations_per_second(np.random.default_rng(0), seconds=0.2, rounds=1)
    assert classic > 0 and ours > 0
