"""helpers.lstm: known answers, gradient checks (h and c paths), the step loop."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import gradcheck, lstm
from helpers.layers import sigmoid
from reference import numeric_grads, rnn_problem


def test_step_forward_known_answer():
    # H = 1, D = 1: a = x Wx + h Wh + b = [0.5, 1.0, -0.5, 2.0] for x = 1, h = 0
    Wx = np.array([[0.5, 1.0, -0.5, 2.0]])
    h, c, _ = lstm.step_forward(np.ones((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0),
                                Wx, np.zeros((1, 4)), np.zeros(4))
    i, f, g, o = sigmoid(0.5), sigmoid(1.0), np.tanh(-0.5), sigmoid(2.0)
    c_want = f * 2.0 + i * g
    np.testing.assert_allclose(c, [[c_want]], atol=1e-15)
    np.testing.assert_allclose(h, [[o * np.tanh(c_want)]], atol=1e-15)


def test_gate_order_is_i_f_g_o():
    # A huge forget-gate bias (block 2) with the others zero keeps c; block 3 is tanh.
    H = 2
    b = np.zeros(4 * H)
    b[H:2 * H] = 50.0  # f ~ 1
    b[:H] = -50.0  # i ~ 0
    _, c, cache = lstm.step_forward(np.zeros((1, 1)), np.zeros((1, H)), np.array([[0.3, -0.7]]),
                                    np.zeros((1, 4 * H)), np.zeros((H, 4 * H)), b)
    np.testing.assert_allclose(c, [[0.3, -0.7]], atol=1e-12)


def test_forward_equals_step_loop():
    rng = np.random.default_rng(1)
    x, h0, Wx, Wh, b = rnn_problem(rng, 3, 6, 4, 5, gates=4)
    c0 = rng.standard_normal(h0.shape)
    h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
    hp, cp = h0, c0
    for t in range(6):
        hp, cp, _ = lstm.step_forward(x[:, t], hp, cp, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t], hp, atol=1e-14)
        np.testing.assert_allclose(cache["c"][:, t], cp, atol=1e-14)



@pytest.mark.parametrize("T", [1, lstm.BLOCK, lstm.BLOCK + 1, 2 * lstm.BLOCK + 3])
def test_backward_equals_step_backward_loop(T):
    # forward/backward keep time-major arrays and sum the weight gradients one block of
    # steps at a time; the plain loop over step_forward/step_backward must agree, across blocks.
    rng = np.random.default_rng(11)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, T, 3, 4, gates=4)
    c0 = rng.standard_normal(h0.shape)
    h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
    dh, dc = rng.standard_normal(h.shape), rng.standard_normal(h.shape)
    got = lstm.backward(dh, cache, dc=dc)

    steps, hp, cp = [], h0, c0
    for t in range(T):
        hp, cp, step_cache = lstm.step_forward(x[:, t], hp, cp, Wx, Wh, b)
        steps.append(step_cache)
        for k, name in enumerate("ifgo"):  # the cache's batch-first views of the gates
            np.testing.assert_allclose(cache[name][:, t], step_cache[5 + k], atol=1e-14)
    dx, sums = np.zeros_like(x), [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, *dW = lstm.step_backward(dh[:, t] + dh_next, dc[:, t] + dc_next, steps[t])
        sums = [s + d for s, d in zip(sums, dW)]
    want = (dx, dh_next, *sums, dc_next)
    for name, g, w in zip("dx dh0 dWx dWh db dc0".split(), got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13, err_msg=name)

def test_step_backward_gradcheck():
    rng = np.random.default_rng(2)
    x, h0, Wx, Wh, b = rnn_problem(rng, 3, 1, 4, 5, gates=4)
    x = x[:, 0]
    c0 = rng.standard_normal(h0.shape)
    h, c, cache = lstm.step_forward(x, h0, c0, Wx, Wh, b)
    dh, dc = rng.standard_normal(h.shape), rng.standard_normal(c.shape)
    grads = lstm.step_backward(dh, dc, cache)

    def f():
        hn, cn, _ = lstm.step_forward(x, h0, c0, Wx, Wh, b)
        return np.concatenate([hn, cn], axis=1)

    dout = np.concatenate([dh, dc], axis=1)
    order = [x, h0, c0, Wx, Wh, b]  # step_backward returns dx, dh_prev, dc_prev, dWx, dWh, db
    for g, num in zip(grads, numeric_grads(f, order, dout)):
        assert np.abs(num).max() > 1e-3
        assert gradcheck.rel_error(g, num) < 1e-7


@pytest.mark.parametrize("with_dc", [False, True])
def test_backward_gradcheck(with_dc):
    rng = np.random.default_rng(3)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 5, 3, 4, gates=4)
    c0 = rng.standard_normal(h0.shape)
    h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
    dh = rng.standard_normal(h.shape)
    dc = rng.standard_normal(h.shape) if with_dc else None
    grads = lstm.backward(dh, cache, dc=dc)

    def f():
        hh, cc = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
        return np.concatenate([hh, cc["c"]], axis=2) if with_dc else hh

    dout = np.concatenate([dh, dc], axis=2) if with_dc else dh
    for name, g, num in zip("x h0 Wx Wh b c0".split(), grads, numeric_grads(f, [x, h0, Wx, Wh, b, c0], dout)):
        assert np.abs(num).max() > 1e-3, name
        assert gradcheck.rel_error(g, num) < 1e-7, name


def test_default_c0_is_zero():
    rng = np.random.default_rng(4)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 3, 3, 4, gates=4)
    h1, _ = lstm.forward(x, h0, Wx, Wh, b)
    h2, _ = lstm.forward(x, h0, Wx, Wh, b, c0=np.zeros_like(h0))
    np.testing.assert_array_equal(h1, h2)


def test_float32_in_float32_out():
    rng = np.random.default_rng(5)
    x, h0, Wx, Wh, b = (a.astype(np.float32) for a in rnn_problem(rng, 2, 3, 4, 5, gates=4))
    h, cache = lstm.forward(x, h0, Wx, Wh, b)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lstm.backward(np.ones_like(h), cache))


@settings(max_examples=20, deadline=None)
@given(N=st.integers(1, 3), T=st.integers(1, 5), D=st.integers(1, 4), H=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_property_shapes_and_gradients(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    x, h0, Wx, Wh, b = rnn_problem(rng, N, T, D, H, gates=4)
    h, cache = lstm.forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    dh = rng.standard_normal(h.shape)
    grads = lstm.backward(dh, cache)
    for g, a in zip(grads, (x, h0, Wx, Wh, b, h0)):
        assert g.shape == a.shape
    num = numeric_grads(lambda: lstm.forward(x, h0, Wx, Wh, b)[0], [Wx], dh)[0]
    assert np.allclose(grads[2], num, atol=1e-7, rtol=1e-5)


def test_long_sequence_and_extreme_preactivations():
    rng = np.random.default_rng(6)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 1000, 3, 4, gates=4)
    b = b + 1000.0  # saturates every gate: no overflow warning, finite results
    h, cache = lstm.forward(x, h0, Wx, Wh, b)
    grads = lstm.backward(np.ones_like(h), cache)
    assert np.all(np.isfinite(h)) and all(np.all(np.isfinite(g)) for g in grads)
