"""The notebook 04 checks: right answers pass, typical slips get a hint that names them."""
import numpy as np
import pytest

from helpers import bptt, rnn
from helpers.exercises import nb04


def backward_ref(dh, cache):
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        h_prev = h0 if t == 0 else h[:, t - 1]
        da = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
        dh_next = da @ Wh.T
    return dx, dh_next, dWx, dWh, db


def cache_bytes_ref(N, T, D, H):
    return 8 * (N * T * D + N * H + D * H + H * H + 2 * N * T * H)


def todo(*args):
    raise NotImplementedError


def garbage_inputs():
    return [None, todo, lambda *a: None, lambda *a: [1, 2], lambda *a: (np.nan,) * 5,
            lambda *a: 1 / 0, 42]


def truncated_ref(dh, cache, k):
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    dWh = np.zeros_like(Wh)
    for t in range(T):
        g = dh[:, t]
        for s in range(t, max(t - k, -1), -1):
            h_prev = h0 if s == 0 else h[:, s - 1]
            da = g * (1 - h[:, s] ** 2)
            dWh += h_prev.T @ da
            g = da @ Wh.T
    return dWh


def test_truncated_dWh():
    assert nb04.check_truncated_dWh(truncated_ref).ok
    assert nb04.check_truncated_dWh(todo).status == "todo"
    full = lambda dh, cache, k: rnn.backward(dh, cache)[3]  # noqa: E731
    assert "full gradient" in nb04.check_truncated_dWh(full).message
    chunks = lambda dh, cache, k: bptt.chunked_backward(dh, cache, k)["dWh"]  # noqa: E731
    assert "chunks-of-k" in nb04.check_truncated_dWh(chunks).message
    off = lambda dh, cache, k: truncated_ref(dh, cache, k + 1)  # noqa: E731
    assert "off by one" in nb04.check_truncated_dWh(off).message
    transposed = lambda dh, cache, k: truncated_ref(dh, cache, k).T  # noqa: E731
    assert "dWh is off" in nb04.check_truncated_dWh(transposed).message


def test_backward():
    assert nb04.check_backward(backward_ref).ok
    assert nb04.check_backward(rnn.backward).ok
    assert "still the buggy version" in nb04.check_backward(nb04._backward_no_carry).message

    def wrong_h_in_dWh(dh, cache):
        dx, dh0, dWx, dWh, db = backward_ref(dh, cache)
        x, h0, Wx, Wh, a, h, _ = cache
        N, T, H = h.shape
        fp = 1 - h ** 2
        da = np.zeros_like(h)
        dn = np.zeros((N, H))
        for t in reversed(range(T)):
            da[:, t] = (dh[:, t] + dn) * fp[:, t]
            dn = da[:, t] @ Wh.T
        dWh = h.reshape(N * T, H).T @ da.reshape(N * T, H)  # h_t instead of h_{t-1}
        return dx, dh0, dWx, dWh, db

    msg = nb04.check_backward(wrong_h_in_dWh).message
    assert "dWh is off" in msg and "h_{t-1}" in msg


def test_cache_bytes():
    assert nb04.check_cache_bytes(cache_bytes_ref).ok
    assert "8 bytes" in nb04.check_cache_bytes(lambda N, T, D, H: cache_bytes_ref(N, T, D, H) // 8).message
    no_a = lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * N * T * H  # noqa: E731
    assert "grows with T is off" in nb04.check_cache_bytes(no_a).message
    no_Wh = lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * H * H  # noqa: E731
    assert "fixed part is off" in nb04.check_cache_bytes(no_Wh).message


@pytest.mark.parametrize("bad", garbage_inputs())
def test_checks_never_raise(bad):
    for check in (nb04.check_truncated_dWh, nb04.check_backward, nb04.check_cache_bytes):
        r = check(bad)
        assert not r.ok and isinstance(r.message, str) and r.message


def test_reference_matches_measured_cache():
    x, h0, Wx, Wh, b, _ = bptt.random_problem(3, 7, 2, 5, np.random.default_rng(0))
    assert bptt.cache_nbytes(rnn.forward(x, h0, Wx, Wh, b)[1]) == cache_bytes_ref(3, 7, 2, 5)
