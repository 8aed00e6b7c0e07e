"""helpers.gru: known answers, gate order and the two n-biases, the step loop,
gradient checks, torch.nn.GRU in float64, bad inputs, dtypes, read-only outputs."""
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import gradcheck, gru
from helpers.layers import sigmoid
from clear_errors import assert_clear_error
from reference import numeric_grads

if os.environ.get("CI") == "true":
    import torch  # noqa: F401  (CI must not skip the torch comparison)
else:
    torch = pytest.importorskip("torch", reason="torch==2.13.0 is a test-only reference: pip install -e '.[test]'")


def gru_problem(rng, N, T, D, H, scale=0.5):
    """Random x, h0, Wx, Wh, bx, bh for a GRU."""
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh = scale * rng.standard_normal((D, 3 * H)), scale * rng.standard_normal((H, 3 * H))
    bx, bh = scale * rng.standard_normal(3 * H), scale * rng.standard_normal(3 * H)
    return x, h0, Wx, Wh, bx, bh


def test_step_forward_known_answer():
    # N = D = H = 1, x = 1, h_prev = 0.5: every pre-activation by hand
    Wx, Wh = np.array([[0.2, -0.4, 0.6]]), np.array([[1.0, 0.5, -2.0]])
    bx, bh = np.array([0.1, 0.2, 0.3]), np.array([-0.1, 0.0, 0.7])
    h, _ = gru.step_forward(np.ones((1, 1)), np.full((1, 1), 0.5), Wx, Wh, bx, bh)
    r = sigmoid(0.2 + 0.1 + 0.5 * 1.0 - 0.1)
    z = sigmoid(-0.4 + 0.2 + 0.5 * 0.5 + 0.0)
    n = np.tanh(0.6 + 0.3 + r * (0.5 * -2.0 + 0.7))
    np.testing.assert_allclose(h, [[(1 - z) * n + z * 0.5]], rtol=0, atol=1e-15)


def test_gate_order_is_r_z_n():
    # block 2 is z: a huge z bias keeps h_prev whatever the candidate is
    H = 2
    bx = np.zeros(3 * H)
    bx[H:2 * H] = 50.0
    h_prev = np.array([[0.3, -0.7]])
    h, _ = gru.step_forward(np.ones((1, 1)), h_prev, np.ones((1, 3 * H)), np.ones((H, 3 * H)), bx, np.zeros(3 * H))
    np.testing.assert_allclose(h, h_prev, atol=1e-12)
    # z very negative: h = n = tanh(block 3), here tanh(1 + r * 0)
    bx[H:2 * H] = -50.0
    h, _ = gru.step_forward(np.ones((1, 1)), np.zeros((1, H)), np.ones((1, 3 * H)), np.zeros((H, 3 * H)), bx,
                            np.zeros(3 * H))
    np.testing.assert_allclose(h, np.tanh(1.0) * np.ones((1, H)), atol=1e-12)


def test_reset_gate_multiplies_bh_n_so_the_n_biases_differ():
    # With r ~ 0 (block 1 bias -50) the hidden n bias bh_n is switched off, the input one bx_n is not:
    # merging them into one bias would give the wrong answer.
    H = 1
    x, h_prev, Wx, Wh = np.zeros((1, 1)), np.zeros((1, H)), np.zeros((1, 3)), np.zeros((H, 3))
    bias_r_off = np.array([-50.0, -50.0, 0.0])  # r ~ 0, z ~ 0 so h = n
    bx_n = bias_r_off + [0, 0, 0.8]
    bh_n = np.array([0, 0, 0.8])
    h_in, _ = gru.step_forward(x, h_prev, Wx, Wh, bx_n, np.zeros(3))
    h_hid, _ = gru.step_forward(x, h_prev, Wx, Wh, bias_r_off, bh_n)
    np.testing.assert_allclose(h_in, [[np.tanh(0.8)]], atol=1e-12)
    np.testing.assert_allclose(h_hid, [[0.0]], atol=1e-12)


def test_forward_equals_step_loop():
    rng = np.random.default_rng(1)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, 3, 6, 4, 5)
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    hp = h0
    for t in range(6):
        hp, step_cache = gru.step_forward(x[:, t], hp, Wx, Wh, bx, bh)
        np.testing.assert_allclose(h[:, t], hp, rtol=0, atol=1e-14)
        for k, name in enumerate("rzn"):  # the cache's batch-first views of the gates
            np.testing.assert_allclose(cache[name][:, t], step_cache[4 + k], rtol=0, atol=1e-14)


@pytest.mark.parametrize("T", [1, 2, 9, gru.BLOCK, gru.BLOCK + 1, 2 * gru.BLOCK + 3])
def test_backward_equals_step_backward_loop(T):
    rng = np.random.default_rng(11)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, 2, T, 3, 4)
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    dh = rng.standard_normal(h.shape)
    got = gru.backward(dh, cache)

    steps, hp = [], h0
    for t in range(T):
        hp, step_cache = gru.step_forward(x[:, t], hp, Wx, Wh, bx, bh)
        steps.append(step_cache)
    dx, sums, dh_next = np.zeros_like(x), [np.zeros_like(a) for a in (Wx, Wh, bx, bh)], np.zeros_like(h0)
    for t in reversed(range(T)):
        dx[:, t], dh_next, *dW = gru.step_backward(dh[:, t] + dh_next, steps[t])
        sums = [s + d for s, d in zip(sums, dW)]
    for name, g, w in zip("dx dh0 dWx dWh dbx dbh".split(), got, (dx, dh_next, *sums)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13, err_msg=name)


def test_step_backward_gradcheck():
    rng = np.random.default_rng(2)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, 3, 1, 4, 5)
    x = x[:, 0]
    h, cache = gru.step_forward(x, h0, Wx, Wh, bx, bh)
    dh = rng.standard_normal(h.shape)
    grads = gru.step_backward(dh, cache)
    f = lambda: gru.step_forward(x, h0, Wx, Wh, bx, bh)[0]
    for name, g, num in zip("x h_prev Wx Wh bx bh".split(), grads, numeric_grads(f, [x, h0, Wx, Wh, bx, bh], dh)):
        assert np.abs(num).max() > 1e-3, name  # non-trivial
        assert gradcheck.rel_error(g, num) < 1e-7, name


def test_backward_gradcheck():
    rng = np.random.default_rng(3)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, 2, 5, 3, 4)
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    dh = rng.standard_normal(h.shape)
    grads = gru.backward(dh, cache)
    f = lambda: gru.forward(x, h0, Wx, Wh, bx, bh)[0]
    for name, g, num in zip("x h0 Wx Wh bx bh".split(), grads, numeric_grads(f, [x, h0, Wx, Wh, bx, bh], dh)):
        assert np.abs(num).max() > 1e-3, name
        assert gradcheck.rel_error(g, num) < 1e-7, name


@settings(max_examples=20, deadline=None)
@given(N=st.integers(1, 3), T=st.integers(1, 5), D=st.integers(1, 4), H=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_property_shapes_and_gradients(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, N, T, D, H)
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    assert h.shape == (N, T, H)
    dh = rng.standard_normal(h.shape)
    grads = gru.backward(dh, cache)
    for g, a in zip(grads, (x, h0, Wx, Wh, bx, bh)):
        assert g.shape == a.shape
    num = numeric_grads(lambda: gru.forward(x, h0, Wx, Wh, bx, bh)[0], [Wh], dh)[0]
    assert np.allclose(grads[3], num, atol=1e-7, rtol=1e-5)


def test_long_sequence_and_extreme_preactivations():
    rng = np.random.default_rng(6)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, 2, 1000, 3, 4)
    h, cache = gru.forward(x, h0, Wx, Wh, bx + 1000.0, bh - 1000.0)  # saturates every gate
    grads = gru.backward(np.ones_like(h), cache)
    assert np.all(np.isfinite(h)) and all(np.all(np.isfinite(g)) for g in grads)


# --- torch.nn.GRU in float64: outputs, final state and every gradient within 1e-10

SHAPES = [(1, 1, 1, 1), (3, 7, 4, 5), (2, 4, 10, 16), (4, 2, 1, 3), (2, 200, 3, 8), (1, 250, 2, 2)]
TOL = 1e-10
WORST = {}
QUANTITIES = "h h_n dx dh0 dWx dWh dbx dbh".split()


def torch_gru(x, h0, Wx, Wh, bx, bh, dh, dhn):
    """torch.nn.GRU with our weights (the docstring's mapping): output, h_n and the gradients of
    sum(out * dh) + sum(h_n * dhn), in our layout."""
    N, T, D = x.shape
    H = h0.shape[1]
    m = torch.nn.GRU(D, H, batch_first=True).double()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", Wx.T), ("weight_hh_l0", Wh.T), ("bias_ih_l0", bx), ("bias_hh_l0", bh)):
            getattr(m, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, hn = m(xt, h0t)
    ((out * torch.from_numpy(dh)).sum() + (hn[0] * torch.from_numpy(dhn)).sum()).backward()
    grads = [xt.grad.numpy(), h0t.grad[0].numpy(), m.weight_ih_l0.grad.numpy().T, m.weight_hh_l0.grad.numpy().T,
             m.bias_ih_l0.grad.numpy(), m.bias_hh_l0.grad.numpy()]
    return [out.detach().numpy(), hn[0].detach().numpy()] + grads


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "N%d-T%d-D%d-H%d" % s)
def test_gru_matches_torch(shape):
    rng = np.random.default_rng(sum(shape) + 2)
    x, h0, Wx, Wh, bx, bh = gru_problem(rng, *shape, scale=0.4)
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    dh, dhn = rng.standard_normal(h.shape), rng.standard_normal(h0.shape)
    dh_all = dh.copy()
    dh_all[:, -1] += dhn  # h_n is h[:, -1]: its gradient joins the last step's
    ours = [h, h[:, -1]] + list(gru.backward(dh_all, cache))
    theirs = torch_gru(x, h0, Wx, Wh, bx, bh, dh, dhn)
    errors = {}
    for name, a, t in zip(QUANTITIES, ours, theirs):
        assert a.shape == t.shape, name
        errors[name] = float(np.abs(a - t).max())
        WORST[name] = max(WORST.get(name, 0.0), errors[name])
    assert max(errors.values()) < TOL, errors


def test_report_worst_error(capsys):
    """Prints the worst |ours - torch| per quantity (run with -s to see it)."""
    with capsys.disabled():
        print("\n  worst |ours - torch| for gru: " + ", ".join(f"{k} {WORST[k]:.1e}" for k in QUANTITIES if k in WORST))
    assert all(err < TOL for err in WORST.values())


# --- bad inputs: the message names the argument, the shape it should have and what it got

N, T, D, H = 3, 4, 5, 6
_rng = np.random.default_rng(0)
x, h0 = _rng.standard_normal((N, T, D)), np.zeros((N, H))
Wx, Wh, bx, bh = _rng.standard_normal((D, 3 * H)), _rng.standard_normal((H, 3 * H)), np.zeros(3 * H), np.zeros(3 * H)
_, seq_cache = gru.forward(x, h0, Wx, Wh, bx, bh)
_, step_cache = gru.step_forward(x[:, 0], h0, Wx, Wh, bx, bh)

BAD = [
    ("Wx transposed", lambda: gru.forward(x, h0, Wx.T, Wh, bx, bh), ValueError,
     ["Wx must have shape (D, 3H) = (5, 18)", "to match x and Wh", "got (18, 5)", "looks transposed"]),
    ("Wh transposed", lambda: gru.forward(x, h0, Wx, Wh.T, bx, bh), ValueError,
     ["Wh must have shape (H, 3H) = (6, 18)", "to match Wx", "got (18, 6)", "looks transposed"]),
    ("Wx not 3H", lambda: gru.forward(x, h0, np.zeros((D, 10)), Wh, bx, bh), ValueError,
     ["Wx must have shape (D, 3H) = (5, 18)", "to match Wh", "got (5, 10)"]),
    ("Wh square (an RNN's)", lambda: gru.forward(x, h0, Wx, np.zeros((H, H)), bx, bh), ValueError,
     ["Wh must have shape (H, 3H) = (6, 18)", "to match Wx", "got (6, 6)"]),
    ("bx of size H", lambda: gru.forward(x, h0, Wx, Wh, np.zeros(H), bh), ValueError,
     ["bx must have shape (3H,) = (18,)", "to match Wh", "got (6,)"]),
    ("bh of size H", lambda: gru.forward(x, h0, Wx, Wh, bx, np.zeros(H)), ValueError,
     ["bh must have shape (3H,) = (18,)", "to match Wh", "got (6,)"]),
    ("bh None", lambda: gru.forward(x, h0, Wx, Wh, bx, None), TypeError, ["bh", "None"]),
    ("h0 wrong H", lambda: gru.forward(x, np.zeros((N, H + 1)), Wx, Wh, bx, bh), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 7)"]),
    ("h0 transposed", lambda: gru.forward(x, np.zeros((H, N)), Wx, Wh, bx, bh), ValueError,
     ["h0 must have shape (N, H) = (3, 6)", "got (6, 3)", "looks transposed"]),
    ("h0 in torch's (1, N, H)", lambda: gru.forward(x, np.zeros((1, N, H)), Wx, Wh, bx, bh), ValueError,
     ["h0 must have 2 dimensions (N, H)", "(1, 3, 6)"]),
    ("x wrong D", lambda: gru.forward(x[..., :-1], h0, Wx, Wh, bx, bh), ValueError,
     ["x must have shape (N, T, D) = (3, 4, 5)", "to match Wx", "got (3, 4, 4)"]),
    ("x 2-D", lambda: gru.forward(x[:, 0], h0, Wx, Wh, bx, bh), ValueError, ["x", "3 dimensions"]),
    ("empty sequence", lambda: gru.forward(x[:, :0], h0, Wx, Wh, bx, bh), ValueError, ["x", "T >= 1"]),
    ("NaN in x", lambda: gru.forward(np.full(x.shape, np.nan), h0, Wx, Wh, bx, bh), ValueError, ["x", "NaN"]),
    ("x of strings", lambda: gru.forward(np.array([["a"]]), h0, Wx, Wh, bx, bh), TypeError, ["x", "numeric"]),
    ("step Wx transposed", lambda: gru.step_forward(x[:, 0], h0, Wx.T, Wh, bx, bh), ValueError,
     ["Wx must have shape (D, 3H) = (5, 18)", "looks transposed"]),
    ("step h_prev wrong", lambda: gru.step_forward(x[:, 0], np.zeros((N, 2)), Wx, Wh, bx, bh), ValueError,
     ["h_prev must have shape (N, H) = (3, 6)", "to match Wh", "got (3, 2)"]),
    ("step x a sequence", lambda: gru.step_forward(x, h0, Wx, Wh, bx, bh), ValueError, ["x", "2 dimensions (N, D)"]),
    ("step_backward dh_next wrong", lambda: gru.step_backward(np.zeros((N, H + 1)), step_cache), ValueError,
     ["dh_next must have shape (N, H) = (3, 6)", "h_next from step_forward", "got (3, 7)"]),
    ("step_backward dh_next transposed", lambda: gru.step_backward(np.zeros((H, N)), step_cache), ValueError,
     ["dh_next", "looks transposed"]),
    ("backward dh wrong", lambda: gru.backward(np.zeros((N, T, H + 1)), seq_cache), ValueError,
     ["dh must have shape (N, T, H) = (3, 4, 6)", "h from forward", "got (3, 4, 7)"]),
    ("backward dh time-major", lambda: gru.backward(np.zeros((T, N, H)), seq_cache), ValueError,
     ["dh", "got (4, 3, 6)", "looks transposed"]),
    ("backward dh NaN", lambda: gru.backward(np.full((N, T, H), np.nan), seq_cache), ValueError, ["dh", "NaN"]),
]


@pytest.mark.parametrize("what,call,exc,words", BAD, ids=[c[0] for c in BAD])
def test_bad_input_gets_a_clear_error(what, call, exc, words):
    assert_clear_error(what, call, exc, words)


# --- dtypes and read-only outputs

def test_float32_in_float32_out_and_mixed_is_float64():
    rng = np.random.default_rng(5)
    args32 = [a.astype(np.float32) for a in gru_problem(rng, 2, 3, 4, 5)]
    h, cache = gru.forward(*args32)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru.backward(np.ones(h.shape), cache))  # float64 dh is cast
    h_step, step = gru.step_forward(args32[0][:, 0], *args32[1:])
    assert h_step.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru.step_backward(np.ones(h_step.shape), step))
    mixed = args32[:5] + [args32[5].astype(np.float64)]  # one float64 argument: float64 throughout
    h64, cache64 = gru.forward(*mixed)
    assert h64.dtype == np.float64
    assert all(g.dtype == np.float64 for g in gru.backward(np.ones(h.shape, np.float32), cache64))
    ints = gru.forward(np.ones((1, 2, 1), int), np.zeros((1, 1), int), *(a.astype(np.float32) for a in
                       gru_problem(rng, 1, 1, 1, 1)[2:]))[0]
    assert ints.dtype == np.float64  # integers become float64, as everywhere in helpers


def test_outputs_are_read_only():
    h, cache = gru.forward(x, h0, Wx, Wh, bx, bh)
    assert np.shares_memory(h, cache["hs"])  # the very array backward reads
    for name in ("r", "z", "n"):
        with pytest.raises(ValueError, match="read-only"):
            cache[name][0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        h[0, 0, 0] = 1.0
    h.copy()[0, 0, 0] = 1.0  # a copy is the learner's own
    h_next, step = gru.step_forward(x[:, 0], h0, Wx, Wh, bx, bh)
    h_next[0, 0] = 1.0  # not in the cache: an array of your own
    for gate in step[4:]:
        with pytest.raises(ValueError, match="read-only"):
            gate[0, 0] = 1.0
