"""helpers.rnn and helpers.lstm against torch.nn.RNN / torch.nn.LSTM in float64.

Outputs and every gradient must agree within 1e-10. torch is a test-time
reference only (the course runs without it); under CI it must be installed.
"""
import os

import numpy as np
import pytest

from helpers import lstm, rnn
from reference import rnn_problem

if os.environ.get("CI") == "true":
    import torch  # noqa: F401  (CI must not skip this)
else:
    torch = pytest.importorskip("torch", reason="torch==2.13.0 is a test-only reference: pip install -e '.[test]'")

SHAPES = [(1, 1, 1, 1), (3, 7, 4, 5), (2, 4, 10, 16), (4, 2, 1, 3), (2, 200, 3, 8)]
TOL = 1e-10
WORST = {}


def torch_run(module_cls, x, h0, Wx, Wh, b, dh, c0=None, nonlinearity=None):
    N, T, D = x.shape
    H = h0.shape[1]
    kw = {"nonlinearity": nonlinearity} if nonlinearity else {}
    m = module_cls(D, H, batch_first=True, **kw).double()
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        m.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        m.bias_ih_l0.copy_(torch.from_numpy(b))
        m.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    if c0 is None:
        out, _ = m(xt, h0t)
        extra = []
    else:
        c0t = torch.tensor(c0[None], requires_grad=True)
        out, _ = m(xt, (h0t, c0t))
        extra = [c0t]
    (out * torch.from_numpy(dh)).sum().backward()
    grads = [xt.grad.numpy(), h0t.grad[0].numpy(), m.weight_ih_l0.grad.numpy().T,
             m.weight_hh_l0.grad.numpy().T, m.bias_ih_l0.grad.numpy()]
    return out.detach().numpy(), grads + [e.grad[0].numpy() for e in extra]


def record(kind, errors):
    WORST[kind] = max(WORST.get(kind, 0.0), max(errors))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N%d-T%d-D%d-H%d" % s)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_matches_torch(shape, activation):
    rng = np.random.default_rng(sum(shape))
    x, h0, Wx, Wh, b = rnn_problem(rng, *shape, scale=0.4)
    h, cache = rnn.forward(x, h0, Wx, Wh, b, activation=activation)
    dh = rng.standard_normal(h.shape)
    ours = rnn.backward(dh, cache)
    out, theirs = torch_run(torch.nn.RNN, x, h0, Wx, Wh, b, dh, nonlinearity=activation)
    errors = [np.abs(h - out).max()] + [np.abs(a - t).max() for a, t in zip(ours, theirs)]
    record("rnn", errors)
    assert max(errors) < TOL, errors


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N%d-T%d-D%d-H%d" % s)
def test_lstm_matches_torch(shape):
    rng = np.random.default_rng(sum(shape) + 1)
    x, h0, Wx, Wh, b = rnn_problem(rng, *shape, scale=0.4, gates=4)
    c0 = rng.standard_normal(h0.shape)
    h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
    dh = rng.standard_normal(h.shape)
    ours = lstm.backward(dh, cache)
    out, theirs = torch_run(torch.nn.LSTM, x, h0, Wx, Wh, b, dh, c0=c0)
    errors = [np.abs(h - out).max()] + [np.abs(a - t).max() for a, t in zip(ours, theirs)]
    record("lstm", errors)
    assert max(errors) < TOL, errors


def test_report_worst_error(capsys):
    """Prints the worst disagreement seen (run with -s to see it)."""
    with capsys.disabled():
        for kind, err in sorted(WORST.items()):
            print(f"\n  worst |ours - torch| for {kind}: {err:.2e}")
    assert all(err < TOL for err in WORST.values())
