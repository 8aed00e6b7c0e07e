"""helpers.rnn: known answers, gradient checks, the step loop, and torch.nn.RNN."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import gradcheck, rnn
from reference import numeric_grads, rnn_problem

ACTS = ["tanh", "sigmoid", "relu"]


def test_step_forward_known_answer():
    x = np.array([[1.0, 2.0]])
    h_prev = np.array([[0.5, -0.5]])
    Wx = np.array([[0.1, 0.2], [0.3, 0.4]])
    Wh = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([0.0, -1.0])
    h, _ = rnn.step_forward(x, h_prev, Wx, Wh, b)
    # a = [0.1 + 0.6 + 0.5, 0.2 + 0.8 - 0.5 - 1] = [1.2, -0.5]
    np.testing.assert_allclose(h, np.tanh([[1.2, -0.5]]), rtol=0, atol=1e-15)


def test_forward_known_answer_scalar_recurrence():
    # N = D = H = 1, Wx = 1, Wh = 0.5, b = 0: h_t = tanh(x_t + 0.5 h_{t-1})
    x = np.array([[[1.0], [0.0], [-1.0]]])
    h, _ = rnn.forward(x, np.zeros((1, 1)), np.ones((1, 1)), np.full((1, 1), 0.5), np.zeros(1))
    h1 = np.tanh(1.0)
    h2 = np.tanh(0.5 * h1)
    h3 = np.tanh(-1.0 + 0.5 * h2)
    np.testing.assert_allclose(h.ravel(), [h1, h2, h3], rtol=0, atol=1e-15)


@pytest.mark.parametrize("activation", ACTS)
def test_forward_equals_step_loop(activation):
    rng = np.random.default_rng(1)
    x, h0, Wx, Wh, b = rnn_problem(rng, 3, 6, 4, 5)
    h, _ = rnn.forward(x, h0, Wx, Wh, b, activation=activation)
    h_prev = h0
    for t in range(6):
        h_prev, _ = rnn.step_forward(x[:, t], h_prev, Wx, Wh, b, activation=activation)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)


@pytest.mark.parametrize("activation", ACTS)
def test_step_backward_gradcheck(activation):
    rng = np.random.default_rng(2)
    x, h0, Wx, Wh, b = rnn_problem(rng, 3, 1, 4, 5)
    x = x[:, 0]
    h, cache = rnn.step_forward(x, h0, Wx, Wh, b, activation)
    dh = rng.standard_normal(h.shape)
    grads = rnn.step_backward(dh, cache)
    f = lambda: rnn.step_forward(x, h0, Wx, Wh, b, activation)[0]
    for g, num in zip(grads, numeric_grads(f, [x, h0, Wx, Wh, b], dh)):
        assert np.abs(num).max() > 1e-3  # non-trivial
        assert gradcheck.rel_error(g, num) < 1e-7


@pytest.mark.parametrize("activation", ACTS)
def test_backward_gradcheck(activation):
    rng = np.random.default_rng(3)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 5, 3, 4)
    h, cache = rnn.forward(x, h0, Wx, Wh, b, activation)
    dh = rng.standard_normal(h.shape)
    grads = rnn.backward(dh, cache)
    f = lambda: rnn.forward(x, h0, Wx, Wh, b, activation)[0]
    for name, g, num in zip("x h0 Wx Wh b".split(), grads, numeric_grads(f, [x, h0, Wx, Wh, b], dh)):
        assert np.abs(num).max() > 1e-3, name
        assert gradcheck.rel_error(g, num) < 1e-7, name


def test_backward_equals_step_backward_loop():
    rng = np.random.default_rng(4)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 7, 3, 4)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn.backward(dh, cache)
    caches, h_prev = [], h0
    for t in range(7):
        h_prev, c = rnn.step_forward(x[:, t], h_prev, Wx, Wh, b)
        caches.append(c)
    dh_next = np.zeros_like(h0)
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    for t in reversed(range(7)):
        dxt, dh_next, *dws = rnn.step_backward(dh[:, t] + dh_next, caches[t])
        np.testing.assert_allclose(dx[:, t], dxt, atol=1e-13)
        sums = [s + d for s, d in zip(sums, dws)]
    np.testing.assert_allclose(dh0, dh_next, atol=1e-13)
    for s, d in zip(sums, (dWx, dWh, db)):
        np.testing.assert_allclose(s, d, atol=1e-12)


def test_float32_in_float32_out():
    rng = np.random.default_rng(5)
    x, h0, Wx, Wh, b = (a.astype(np.float32) for a in rnn_problem(rng, 2, 3, 4, 5))
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    assert h.dtype == np.float32
    grads = rnn.backward(np.ones_like(h), cache)
    assert all(g.dtype == np.float32 for g in grads)
    h1, c1 = rnn.step_forward(x[:, 0], h0, Wx, Wh, b)
    assert h1.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn.step_backward(np.ones_like(h1), c1))


@settings(max_examples=25, deadline=None)
@given(N=st.integers(1, 4), T=st.integers(1, 6), D=st.integers(1, 5), H=st.integers(1, 5),
       seed=st.integers(0, 2**32 - 1), activation=st.sampled_from(["tanh", "sigmoid"]))
def test_property_shapes_and_gradients(N, T, D, H, seed, activation):
    rng = np.random.default_rng(seed)
    x, h0, Wx, Wh, b = rnn_problem(rng, N, T, D, H)
    h, cache = rnn.forward(x, h0, Wx, Wh, b, activation)
    assert h.shape == (N, T, H)
    dh = rng.standard_normal(h.shape)
    grads = rnn.backward(dh, cache)
    for g, a in zip(grads, (x, h0, Wx, Wh, b)):
        assert g.shape == a.shape
    num = numeric_grads(lambda: rnn.forward(x, h0, Wx, Wh, b, activation)[0], [Wh], dh)[0]
    assert np.allclose(grads[3], num, atol=1e-7, rtol=1e-5)


def test_long_sequence_is_stable():
    rng = np.random.default_rng(6)
    x, h0, Wx, Wh, b = rnn_problem(rng, 2, 1000, 3, 4)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    grads = rnn.backward(np.ones_like(h), cache)
    assert np.all(np.isfinite(h)) and all(np.all(np.isfinite(g)) for g in grads)
