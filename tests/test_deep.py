"""helpers.deep: stacked and bidirectional rnn / lstm / gru layers against torch in float64.

torch.nn.RNN/LSTM/GRU(num_layers, bidirectional, batch_first=True): the output (the
two directions concatenated on the last axis, forward first), the final states in
torch's (num_layers * num_directions, N, H) order, and the gradients on x, h0 (and
c0) and every weight must agree within 1e-10.
"""
import os

import numpy as np
import pytest

from helpers import deep, gradcheck, gru, lstm, rnn
from clear_errors import assert_clear_error
from reference import numeric_grads

if os.environ.get("CI") == "true":
    import torch  # noqa: F401  (CI must not skip the torch comparison)
else:
    torch = pytest.importorskip("torch", reason="torch==2.13.0 is a test-only reference: pip install -e '.[test]'")

KINDS = {  # name: (module, keyword arguments, gates, torch class, torch keyword arguments)
    "rnn-tanh": (rnn, {}, 1, "RNN", {"nonlinearity": "tanh"}),
    "rnn-relu": (rnn, {"activation": "relu"}, 1, "RNN", {"nonlinearity": "relu"}),
    "lstm": (lstm, {}, 4, "LSTM", {}),
    "gru": (gru, {}, 3, "GRU", {}),
}
TOL = 1e-10
WORST = {}


def make_params(rng, module, gates, D, H, num_layers, dirs, scale=0.4):
    """K = num_layers * dirs weight tuples in torch's order; later layers read dirs * H features."""
    params = []
    for k in range(num_layers * dirs):
        rows = D if k < dirs else dirs * H
        weights = [scale * rng.standard_normal((rows, gates * H)), scale * rng.standard_normal((H, gates * H)),
                   scale * rng.standard_normal(gates * H)]
        if module is gru:
            weights.append(scale * rng.standard_normal(gates * H))  # bh: the GRU's second bias
        params.append(tuple(weights))
    return params


def torch_names(k, dirs):
    layer, suffix = k // dirs, "_reverse" if k % dirs else ""
    return [f"{w}_l{layer}{suffix}" for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def torch_run(kind, x, h0, c0, params, num_layers, dirs, dout, dhn, dcn):
    """torch's output, final states and gradients (in our layout) for sum(out dout) + sum(h_n dhn) (+ sum(c_n dcn))."""
    module, _, _, cls, tkw = KINDS[kind]
    N, T, D = x.shape
    H = h0.shape[2]
    m = getattr(torch.nn, cls)(D, H, num_layers=num_layers, bidirectional=dirs == 2, batch_first=True, **tkw).double()
    with torch.no_grad():
        for k, weights in enumerate(params):
            names = torch_names(k, dirs)
            Wx, Wh, bx, *rest = weights
            bh = rest[0] if rest else np.zeros_like(bx)  # rnn / lstm: our b = bias_ih + bias_hh
            for name, value in zip(names, (Wx.T, Wh.T, bx, bh)):
                getattr(m, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    if c0 is None:
        out, hn = m(xt, h0t)
        loss = (out * torch.from_numpy(dout)).sum() + (hn * torch.from_numpy(dhn)).sum()
    else:
        c0t = torch.tensor(c0, requires_grad=True)
        out, (hn, cn) = m(xt, (h0t, c0t))
        loss = (out * torch.from_numpy(dout)).sum() + (hn * torch.from_numpy(dhn)).sum() + \
            (cn * torch.from_numpy(dcn)).sum()
    loss.backward()
    got = {"out": out.detach().numpy(), "h_n": hn.detach().numpy(), "dx": xt.grad.numpy(), "dh0": h0t.grad.numpy()}
    if c0 is not None:
        got.update(c_n=cn.detach().numpy(), dc0=c0t.grad.numpy())
    dparams = []
    for k, weights in enumerate(params):
        grads = [getattr(m, name).grad.numpy() for name in torch_names(k, dirs)]
        dparams.append((grads[0].T, grads[1].T) + ((grads[2], grads[3]) if module is gru else (grads[2],)))
    return got, dparams


SHAPES = [(1, 1, 1, 1), (3, 5, 4, 6), (2, 200, 3, 4)]
CONFIGS = [(2, True), (2, False), (1, True)]  # (num_layers, bidirectional)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N%d-T%d-D%d-H%d" % s)
@pytest.mark.parametrize("num_layers,bidirectional", CONFIGS, ids=lambda v: str(v))
@pytest.mark.parametrize("kind", list(KINDS))
def test_matches_torch(kind, num_layers, bidirectional, shape):
    module, kw, gates, _, _ = KINDS[kind]
    N, T, D, H = shape
    dirs = 2 if bidirectional else 1
    K = num_layers * dirs
    rng = np.random.default_rng(sum(shape) + 10 * num_layers + dirs)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((K, N, H))
    c0 = rng.standard_normal((K, N, H)) if module is lstm else None
    params = make_params(rng, module, gates, D, H, num_layers, dirs)
    dout, dhn, dcn = rng.standard_normal((N, T, dirs * H)), rng.standard_normal((K, N, H)), rng.standard_normal((K, N, H))

    state, dstate = ((h0, c0), (dhn, dcn)) if c0 is not None else (h0, dhn)
    if num_layers == 1 and bidirectional:  # one layer: the bidirectional functions themselves
        out, hn, cache = deep.bidirectional_forward(module, x, state, params, **kw)
        dx, dh0, dparams = deep.bidirectional_backward(dout, dstate, cache)
    else:
        out, hn, cache = deep.stacked_forward(module, x, state, params, bidirectional=bidirectional, **kw)
        dx, dh0, dparams = deep.stacked_backward(dout, dstate, cache)
    ours = {"out": out, "dx": dx}
    if c0 is not None:
        ours.update(h_n=hn[0], c_n=hn[1], dh0=dh0[0], dc0=dh0[1])
    else:
        ours.update(h_n=hn, dh0=dh0)
    theirs, tparams = torch_run(kind, x, h0, c0, params, num_layers, dirs, dout, dhn, dcn)

    errors = {}
    for name, want in theirs.items():
        assert ours[name].shape == want.shape, name
        errors[name] = float(np.abs(ours[name] - want).max())
    assert len(dparams) == K
    for k in range(K):
        assert len(dparams[k]) == len(params[k])
        for j, (g, w) in enumerate(zip(dparams[k], tparams[k])):
            assert g.shape == params[k][j].shape
            key = "dWx dWh db".split()[j] if j < 3 else "dbh"
            errors[key] = max(errors.get(key, 0.0), float(np.abs(g - w).max()))
    for name, err in errors.items():
        WORST[(kind.split("-")[0], name)] = max(WORST.get((kind.split("-")[0], name), 0.0), err)
    assert max(errors.values()) < TOL, errors


def test_report_worst_error(capsys):
    """Prints the worst |ours - torch| per layer kind and quantity (run with -s to see it)."""
    with capsys.disabled():
        for kind in ("rnn", "lstm", "gru"):
            items = [(q, e) for (k, q), e in sorted(WORST.items()) if k == kind]
            print(f"\n  deep {kind}: " + ", ".join(f"{q} {e:.1e}" for q, e in items))
    assert all(err < TOL for err in WORST.values())


# --- beyond torch: the wiring itself

def test_one_layer_one_direction_is_the_module_itself():
    rng = np.random.default_rng(1)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((1, 2, 4))
    params = make_params(rng, gru, 3, 3, 4, 1, 1)
    out, hn, cache = deep.stacked_forward(gru, x, h0, params)
    h, gcache = gru.forward(x, h0[0], *params[0])
    np.testing.assert_array_equal(out, h)
    np.testing.assert_array_equal(hn[0], h[:, -1])
    dout = rng.standard_normal(out.shape)
    dx, dh0, dparams = deep.stacked_backward(dout, None, cache)
    want = gru.backward(dout, gcache)
    np.testing.assert_array_equal(dx, want[0])
    np.testing.assert_array_equal(dh0[0], want[1])
    for g, w in zip(dparams[0], want[2:]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kind", ["rnn-tanh", "lstm", "gru"])
def test_stacked_bidirectional_gradcheck(kind):
    module, kw, gates, _, _ = KINDS[kind]
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 3, 2, 3
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((4, N, H))
    state = (h0, rng.standard_normal((4, N, H))) if module is lstm else h0
    params = make_params(rng, module, gates, D, H, 2, 2, scale=0.6)
    out, hn, cache = deep.stacked_forward(module, x, state, params, bidirectional=True, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dh0, dparams = deep.stacked_backward(dout, None, cache)
    f = lambda: deep.stacked_forward(module, x, state, params, bidirectional=True, **kw)[0]
    arrays = [x, *(state if module is lstm else [state]), *params[0], *params[3]]
    grads = [dx, *(dh0 if module is lstm else [dh0]), *dparams[0], *dparams[3]]
    for g, num in zip(grads, numeric_grads(f, arrays, dout)):
        assert np.abs(num).max() > 1e-4
        assert gradcheck.rel_error(g, num) < 1e-7


def test_float32_in_float32_out_and_out_read_only():
    rng = np.random.default_rng(4)
    x, h0 = rng.standard_normal((2, 4, 3)).astype(np.float32), np.zeros((4, 2, 5), np.float32)
    params = [tuple(w.astype(np.float32) for w in p) for p in make_params(rng, gru, 3, 3, 5, 2, 2)]
    out, hn, cache = deep.stacked_forward(gru, x, h0, params, bidirectional=True)
    assert out.dtype == hn.dtype == np.float32
    dx, dh0, dparams = deep.stacked_backward(np.ones(out.shape), np.ones(hn.shape), cache)  # float64 in: cast
    assert dx.dtype == dh0.dtype == np.float32 and all(g.dtype == np.float32 for p in dparams for g in p)
    with pytest.raises(ValueError, match="read-only"):
        out[0, 0, 0] = 1.0
    hn[0, 0, 0] = 1.0  # the final states are new arrays of your own


# --- bad inputs

_rng = np.random.default_rng(0)
N, T, D, H = 3, 4, 5, 6
x, h0 = _rng.standard_normal((N, T, D)), np.zeros((4, N, H))
P = make_params(_rng, gru, 3, D, H, 2, 2)
LP = make_params(_rng, lstm, 4, D, H, 2, 2)
_, _, CACHE = deep.stacked_forward(gru, x, h0, P, bidirectional=True)
bad_layer1 = [P[0], P[1], (np.zeros((H, 3 * H)),) + P[2][1:], P[3]]  # layer 1 reading H, not 2H, features
bad_wh = [P[0], (P[1][0], P[1][1].T) + P[1][2:], P[2], P[3]]

BAD = [
    ("params count", lambda: deep.stacked_forward(gru, x, h0, P[:3], bidirectional=True), ValueError,
     ["params", "num_layers * num_directions = 4 to match h0 (4, 3, 6)", "got 3 entries"]),
    ("odd K bidirectional", lambda: deep.stacked_forward(gru, x, h0[:3], P[:3], bidirectional=True), ValueError,
     ["h0 must have shape", "multiple of 2", "got (3, 3, 6)"]),
    ("no layers", lambda: deep.stacked_forward(gru, x, h0[:0], []), ValueError, ["h0", "num_layers >= 1"]),
    ("layer 1 Wx rows", lambda: deep.stacked_forward(gru, x, h0, bad_layer1, bidirectional=True), ValueError,
     ["params[2][0]", "layer 1", "12 rows", "got shape (6, 18)"]),
    ("module error names layer and direction", lambda: deep.stacked_forward(gru, x, h0, bad_wh, bidirectional=True),
     ValueError, ["layer 0, backward direction (params[1], h0[1])", "Wh", "looks transposed"]),
    ("h0 2-D", lambda: deep.stacked_forward(gru, x, h0[0], P, bidirectional=True), ValueError,
     ["h0", "3 dimensions"]),
    ("lstm h0 not a pair", lambda: deep.stacked_forward(lstm, x, h0, LP, bidirectional=True), TypeError,
     ["h0", "pair (h, c)"]),
    ("lstm c0 shape", lambda: deep.stacked_forward(lstm, x, (h0, h0[:2]), LP, bidirectional=True), ValueError,
     ["h0[1]", "to match h0[0]"]),
    ("not a module", lambda: deep.stacked_forward(np, x, h0, P), TypeError, ["module", "helpers.gru"]),
    ("bidirectional params", lambda: deep.bidirectional_forward(gru, x, h0, P), ValueError,
     ["params", "[forward weights, backward weights]", "got 4"]),
    ("dout shape", lambda: deep.stacked_backward(np.zeros((N, T, H)), None, CACHE), ValueError,
     ["dout", "(3, 4, 12)", "got (3, 4, 6)"]),
    ("dhn shape", lambda: deep.stacked_backward(np.zeros((N, T, 2 * H)), np.zeros((2, N, H)), CACHE), ValueError,
     ["dhn", "(4, 3, 6)", "got (2, 3, 6)"]),
]


@pytest.mark.parametrize("what,call,exc,words", BAD, ids=[c[0] for c in BAD])
def test_bad_input_gets_a_clear_error(what, call, exc, words):
    assert_clear_error(what, call, exc, words)
