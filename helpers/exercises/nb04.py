"""Checks for notebook 04, backpropagation through time.

Each check runs the learner's function on small random cases, compares it with
``helpers.rnn`` / ``helpers.bptt`` and returns a Result naming what is wrong.
"""
import numpy as np

from helpers import bptt, rnn
from helpers.exercises.core import call, compare, failed, passed

def _case(seed=0, N=3, T=5, D=4, H=6):
    rng = np.random.default_rng(seed)
    Wx = rng.standard_normal((D, H)) * 0.5
    Wh = rng.standard_normal((H, H)) * 0.5  # not symmetric: Wh and Wh.T differ
    b = rng.standard_normal(H) * 0.1
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    dh = rng.standard_normal((N, T, H))
    return x, h0, Wx, Wh, b, dh


def _as_tuple(out, n, what):
    if out is None:
        return None, failed(f"{what} returned None: did you forget to `return` the {n} gradients?")
    if not isinstance(out, (tuple, list)) or len(out) != n:
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) else type(out).__name__
        return None, failed(f"{what} must return a tuple of {n} arrays, got {got}")
    return tuple(out), None


def _right_wrong(got, want, names):
    """Names of the gradients that match and of those that do not."""
    right, wrong = [], []
    for name, g, w in zip(names, got, want):
        (wrong if compare(name, g, w) is not None else right).append(name)
    return right, wrong


def check_truncated_dWh(truncated_dWh):
    """truncated_dWh(dh, cache, k) -> dWh (H, H): each loss term sent back through its last k steps."""
    x, h0, Wx, Wh, b, dh = _case(2, T=6)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    for k in (2, 3, 6):
        want = bptt.truncated_backward(dh, cache, k)["dWh"]
        fresh = tuple(c.copy() if isinstance(c, np.ndarray) else c for c in cache)
        out, err = call(truncated_dWh, "truncated_dWh", dh.copy(), fresh, k)
        if err is not None:
            return err
        r = compare("dWh", out, want)
        if r is None:
            continue
        if "right shape" not in r.message:
            return r
        out = np.asarray(out, dtype=float)
        if k < 6 and np.allclose(out, rnn.backward(dh, cache)[3]):
            return failed(f"with k = {k} you returned the full gradient: stop each loss term's "
                          "gradient after k steps (t, t-1, ..., t-k+1)")
        if np.allclose(out, bptt.chunked_backward(dh, cache, k)["dWh"]):
            return failed("that is the chunks-of-k variant (gradient cut at fixed boundaries); here every "
                          "loss term at step t goes back through its own last k steps t, ..., t-k+1")
        for kk in (k - 1, k + 1):
            if kk >= 1 and np.allclose(out, bptt.truncated_backward(dh, cache, kk)["dWh"]):
                return failed(f"off by one: you kept {kk} steps for k = {k}; with k = 1 only each "
                              "step's own term h_{t-1}^T da_t remains")
        return failed(f"dWh is off for k = {k}: for each loss step t, start with g = dh[:, t] and repeat "
                      "k times (or until step 0): da = g * (1 - h_s**2), add h_{s-1}^T da, g = da @ Wh.T")
    return passed("right: each loss term flows back through its last k steps only.")


def _backward_no_carry(dh, cache):
    """The bug the exercise starts from: dh_next never added."""
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    da = dh * (1 - h ** 2)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    return (da @ Wx.T, da[:, 0] @ Wh.T, x.reshape(N * T, -1).T @ da.reshape(N * T, H),
            h_prev.reshape(N * T, H).T @ da.reshape(N * T, H), da.reshape(N * T, H).sum(0))


def check_backward(backward):
    """backward(dh, cache) -> (dx, dh0, dWx, dWh, db) for a tanh RNN; cache from rnn.forward."""
    names = ("dx", "dh0", "dWx", "dWh", "db")
    x, h0, Wx, Wh, b, dh = _case(1)
    h, cache = rnn.forward(x, h0, Wx, Wh, b)
    want = rnn.backward(dh, cache)
    fresh = tuple(c.copy() if isinstance(c, np.ndarray) else c for c in cache)
    out, err = call(backward, "backward", dh.copy(), fresh)
    if err is not None:
        return err
    out, err = _as_tuple(out, 5, "backward")
    if err is not None:
        return err
    for name, g, w in zip(names, out, want):
        r = compare(name, g, w)
        if r is not None and "right shape" not in r.message:
            return r
    right, wrong = _right_wrong(out, want, names)
    if not wrong:
        return passed("backward matches helpers.rnn.backward: dh_next carries the gradient back through time.")
    bug = _backward_no_carry(dh, cache)
    if not _right_wrong(out, bug, names)[1]:
        return failed("this is still the buggy version: each step only sees its own dh[:, t]. "
                      "Add the gradient arriving from step t+1: da_t = (dh[:, t] + dh_next) * (1 - h_t**2), "
                      "then dh_next = da_t @ Wh.T before moving to t-1")
    if wrong == ["dWh"]:
        return failed("dWh is off, dWx, db, dx and dh0 are right: dWh sums h_{t-1}^T da_t, "
                      "the state *before* step t (h0 for t = 0), not h_t")
    if "dh0" in wrong and len(wrong) == 1:
        return failed("dh0 is off, the weight gradients are right: dh0 is the dh_next left after step 0, "
                      "da_0 @ Wh.T")
    return failed(f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off"
                  f"{' (' + ', '.join(right) + ' right)' if right else ''}: "
                  "look at how dh_next flows back, and use da_t (not dh) in every product")


def check_cache_bytes(cache_bytes):
    """cache_bytes(N, T, D, H) -> bytes of the float64 arrays rnn.forward keeps in its cache."""
    def measured(N, T, D, H):
        rng = np.random.default_rng(0)
        x, h0, Wx, Wh, b, _ = bptt.random_problem(N, T, D, H, rng)
        return bptt.cache_nbytes(rnn.forward(x, h0, Wx, Wh, b)[1])

    sizes = [(2, 3, 4, 5), (2, 4, 4, 5), (1, 10, 3, 7), (4, 50, 8, 16)]
    got = []
    for s in sizes:
        v, err = call(cache_bytes, "cache_bytes", *s)
        if err is not None:
            return err
        try:
            v = float(v)
        except (TypeError, ValueError):
            return failed(f"cache_bytes must return a number of bytes, got {type(v).__name__}")
        if not np.isfinite(v):
            return failed("cache_bytes returned NaN or inf")
        got.append(v)
    want = [measured(*s) for s in sizes]
    if all(g == w for g, w in zip(got, want)):
        return passed(f"right: for (N, T, D, H) = {sizes[-1]} the cache holds {want[-1]:,} bytes, "
                      "and it grows linearly with T.")
    slope_got, slope_want = got[1] - got[0], want[1] - want[0]
    if all(abs(g * 8 - w) < 0.5 for g, w in zip(got, want)):
        return failed("you counted numbers, not bytes: each float64 takes 8 bytes")
    if slope_got != slope_want:
        return failed(f"the part that grows with T is off (one more step adds {slope_got:g} bytes, expected "
                      f"{slope_want:g} for N=2, D=4, H=5): per step and sequence the cache keeps "
                      "x_t (D numbers), a_t (H) and h_t (H)")
    return failed("the part that grows with T is right; the fixed part is off: "
                  "the cache also keeps h0 (N, H), Wx (D, H) and Wh (H, H)")
