"""The notebook 04 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers, each of which must get ❌ with a
hint containing a given word (the word names the mistake); a table of right
answers written differently (and with rounding-level noise) that must pass;
and odd returns that must give ❌ without raising.
"""
from pathlib import Path

import numpy as np

from exercise_cases import (ARRAY_ODD, catalogue, every_check, notebook_exercises, odd_tuples, raising)
from helpers import bptt, layers, rnn
from helpers.exercises import nb04


def noisy(fn, eps=1e-9):
    """fn with rounding-level noise on every array it returns."""
    def wrapped(*args):
        out = fn(*args)
        if isinstance(out, tuple):
            return tuple(np.asarray(o) * (1 + eps) + eps for o in out)
        return np.asarray(out) * (1 + eps) + eps
    return wrapped


ODD = {  # what a learner's function may return or be; every check must answer ❌ without raising
    **ARRAY_ODD, **odd_tuples(5),
    "returns str": lambda *a: "dWh",
    "returns dict": lambda *a: {"dWh": np.zeros((6, 6))},
    "returns 5 strs": lambda *a: ("a",) * 5,
    "returns wrong shape": lambda *a: np.zeros((2, 3)),
    "returns NaN array": lambda *a: np.full((6, 6), np.nan),
    "raises IndexError": raising(IndexError, "index 7 is out of bounds for axis 1 with size 5"),
}
TestEveryCheck = every_check([nb04.check_rnn_backward, nb04.check_truncated_dWh, nb04.check_cache_bytes], ODD)


# ---------------------------------------------------------------- Exercise 1: BPTT written from scratch


def learner_backward(bug=None):
    """BPTT as a learner writes it from the equations of section 2, with one bug."""
    def rnn_backward(dh, cache):
        x, h0, Wx, Wh, a, h, activation = cache
        N, T, H = h.shape
        dx = np.zeros_like(x)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
        dh_next = dh[:, T - 1] if bug == "dh_next starts at dh[:, T-1]" else np.zeros((N, H))
        times = {"loop forward": range(T), "range(T - 1, 0, -1)": range(T - 1, 0, -1)}.get(bug, reversed(range(T)))
        dxs = []
        for t in times:
            h_prev = h0 if t == 0 else h[:, t - 1]
            if bug == "no h0 case":
                h_prev = h[:, t - 1]
            if bug == "h_t":
                h_prev = h[:, t]
            fp = {"1 - h": 1 - h[:, t], "1 - a**2": 1 - a[:, t] ** 2, "no tanh'": 1.0}.get(bug, 1 - h[:, t] ** 2)
            if bug == "no carry":
                da = dh[:, t] * fp
            elif bug == "carry only":
                da = dh_next * fp
            elif bug == "carry added after":
                da = dh[:, t] * fp + dh_next
            elif bug == "dh_next doubled":
                da = (dh[:, t] + 2 * dh_next) * fp
            else:
                da = (dh[:, t] + dh_next) * fp
            dxs.append(da @ Wx.T)
            dx[:, t] = da @ Wx.T
            if bug == "=, not +=":
                dWx, dWh, db = x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0)
            else:
                dWx += x[:, t].T @ da
                dWh += (da.T @ h_prev) if bug == "dWh.T" else (h_prev.T @ da)
                db += da.sum(axis=0)
            dh_next = da @ (Wh if bug == "Wh" else Wh.T)
            if bug == "only dh0 wrong" and t == 0:
                dh_next = dh_next * 2
        if bug == "dx stacked from a list":
            dx = np.stack(dxs, axis=1)  # appended from t = T-1 down to 0: reversed time order
        return dx, (da if bug == "dh0 is da" else dh_next), dWx, dWh, db
    return rnn_backward


def per_step_dWh(dh, cache):
    """A learner who keeps every step's dWh in a list and returns the list."""
    x, h0, Wx, Wh, a, h, activation = cache
    dx, dh0, dWx, dWh, db = rnn.backward(dh, cache)
    N, T, H = h.shape
    terms, dh_next = [], np.zeros((N, H))
    for t in reversed(range(T)):
        da = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
        terms.append((h0 if t == 0 else h[:, t - 1]).T @ da)
        dh_next = da @ Wh.T
    return dx, dh0, dWx, terms, db


def backward_with(out_index, change):
    def backward(dh, cache):
        out = list(rnn.backward(dh, cache))
        out[out_index] = change(out[out_index])
        return tuple(out)
    return backward


WRONG_BACKWARD = [
    ("dh_next never added (no carry)", learner_backward("no carry"), "dh_next"),
    ("the step's own dh[:, t] dropped", learner_backward("carry only"), "own loss"),
    ("da @ Wh instead of da @ Wh.T", learner_backward("Wh"), "transpose"),
    ("tanh' written as 1 - h", learner_backward("1 - h"), "square"),
    ("tanh' from a: 1 - a**2", learner_backward("1 - a**2"), "pre-activation"),
    ("tanh' skipped", learner_backward("no tanh'"), "tanh' factor is missing"),
    ("dh_next added after tanh'", learner_backward("carry added after"), "after the tanh'"),
    ("loop forward in time", learner_backward("loop forward"), "reversed"),
    ("loop stops before step 0", learner_backward("range(T - 1, 0, -1)"), "stops before step 0"),
    ("dh_next starts at dh[:, T-1]", learner_backward("dh_next starts at dh[:, T-1]"), "counted twice"),
    ("= instead of +=: not summed over t", learner_backward("=, not +="), "sums over t"),
    ("dx stacked from a list in reversed order", learner_backward("dx stacked from a list"), "reversed time order"),
    ("h_t instead of h_{t-1} in dWh", learner_backward("h_t"), "h_{t-1}"),
    ("h[:, -1] at t = 0", learner_backward("no h0 case"), "h[:, -1]"),
    ("dWh transposed", learner_backward("dWh.T"), "dWh is transposed"),
    ("dh0 returned as da_0", learner_backward("dh0 is da"), "dh0 is off"),
    ("per-step dWh returned as a list", per_step_dWh, "one gradient per step"),
    ("dWx transposed (wrong shape)", backward_with(2, lambda g: g.T), "transposed"),
    ("db not summed over the batch", backward_with(4, lambda g: np.tile(g, (3, 1))), "sum da over the batch"),
    ("only db off", backward_with(4, lambda g: 2 * g), "db is off, the rest is right"),
    ("only dx off", backward_with(0, lambda g: g + 0.5), "dx is off, the rest is right"),
    ("only dWx off", backward_with(2, lambda g: g + 1), "dWx is off"),
    ("dh_next counted twice", learner_backward("dh_next doubled"), "right at the last step"),
    ("everything scaled (already wrong at the last step)",
     lambda dh, cache: tuple(1.5 * g for g in rnn.backward(dh, cache)), "already at the last step"),
    ("gradients in the wrong order", lambda dh, cache: rnn.backward(dh, cache)[::-1], "wrong order"),
    ("one gradient short", lambda dh, cache: rnn.backward(dh, cache)[:4], "tuple of 5"),
]


def test_backward_mistakes_get_distinct_hints():
    """Every mistake of the catalogue that has its own slip gets its own hint."""
    bugs = ("Wh", "1 - h", "1 - a**2", "no tanh'", "no carry", "carry only", "carry added after", "loop forward",
            "range(T - 1, 0, -1)", "dh_next starts at dh[:, T-1]", "=, not +=", "dx stacked from a list", "h_t",
            "no h0 case", "dWh.T", "dh0 is da")
    hints = {nb04.check_rnn_backward(learner_backward(bug)).message for bug in bugs}
    assert len(hints) == len(bugs)


def backward_vectorised(dh, cache):
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    fp = 1 - np.tanh(a) ** 2  # from a instead of h
    da = np.zeros_like(h)
    g = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + g) * fp[:, t]
        g = np.einsum("nj,ij->ni", da[:, t], Wh)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    return (np.einsum("nth,dh->ntd", da, Wx), g, np.einsum("ntd,nth->dh", x, da),
            np.einsum("ntk,nth->kh", h_prev, da), da.sum(axis=(0, 1)))


RIGHT_BACKWARD = [
    ("calls helpers.rnn.backward", lambda dh, cache: rnn.backward(dh, cache)),
    ("written from the equations", learner_backward(None)),
    ("vectorised with einsum, tanh' from a", backward_vectorised),
    ("returns a list", lambda dh, cache: list(rnn.backward(dh, cache))),
    ("rounding-level noise", noisy(rnn.backward)),
]


def test_backward_does_not_trust_the_cache_it_gets():
    def scribbles(dh, cache):
        out = rnn.backward(dh, cache)
        for c in cache:
            if isinstance(c, np.ndarray):
                c[...] = 0
        return out
    assert nb04.check_rnn_backward(scribbles).ok


# ---------------------------------------------------------------- Exercise 2: truncated dWh


def learner_truncated(bug=None):
    def truncated_dWh(dh, cache, k):
        x, h0, Wx, Wh, a, h, activation = cache
        N, T, H = h.shape
        dWh = np.zeros_like(Wh)
        for t in range(T):
            g = dh[:, t]
            stop = {"k+1": t - k - 1, "k-1": t - k + 1}.get(bug, t - k)
            for s in range(t, max(stop, -1), -1):
                h_prev = h[:, s - 1] if (s > 0 or bug == "no h0 case") else h0
                if bug == "h_s":
                    h_prev = h[:, s]
                fp = {"1 - h": 1 - h[:, s], "1 - a**2": 1 - a[:, s] ** 2, "no tanh'": 1.0}.get(bug, 1 - h[:, s] ** 2)
                da = g * fp
                dWh += da.T @ h_prev if bug == "dWh.T" else h_prev.T @ da
                g = da @ (Wh if bug == "Wh" else Wh.T)
        return dWh
    return truncated_dWh


WRONG_TRUNCATED = [
    ("k ignored: full gradient", lambda dh, cache, k: rnn.backward(dh, cache)[3], "full gradient"),
    ("chunks of k", lambda dh, cache, k: bptt.chunked_backward(dh, cache, k)["dWh"], "chunks-of-k"),
    ("k + 1 steps", learner_truncated("k+1"), "off by one"),
    ("k - 1 steps", learner_truncated("k-1"), "off by one"),
    ("dWh transposed", learner_truncated("dWh.T"), "transpose of the right one"),
    ("da @ Wh instead of da @ Wh.T", learner_truncated("Wh"), "Wh.T"),
    ("h_s instead of h_{s-1}", learner_truncated("h_s"), "h_{s-1}"),
    ("h[:, -1] at s = 0", learner_truncated("no h0 case"), "h0"),
    ("tanh' written as 1 - h", learner_truncated("1 - h"), "square"),
    ("tanh' from a: 1 - a**2", learner_truncated("1 - a**2"), "pre-activation"),
    ("tanh' skipped", learner_truncated("no tanh'"), "tanh' factor is missing"),
    ("own term right, step back wrong", lambda dh, cache, k: nb04._truncated(dh, cache, 1) * (k == 1)
     + (k > 1) * 2 * nb04._truncated(dh, cache, k), "right for k = 1"),
    ("own term wrong", lambda dh, cache, k: 3 * nb04._truncated(dh, cache, k), "already for k = 1"),
    ("dWx returned", lambda dh, cache, k: bptt.truncated_backward(dh, cache, k)["dWx"], "shape"),
    ("the whole dict returned", lambda dh, cache, k: bptt.truncated_backward(dh, cache, k), "array of numbers"),
]


def truncated_by_lags(dh, cache, k):
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    g = dh * (1 - h ** 2)  # lag 0: da of each step's own loss
    dWh = np.einsum("ntk,nth->kh", h_prev, g)
    for lag in range(1, min(k, T)):  # one more step back per lag
        g = (g[:, 1:] @ Wh.T) * (1 - h[:, :-1] ** 2)
        h = h[:, :-1]
        h_prev = h_prev[:, :-1]
        dWh += np.einsum("ntk,nth->kh", h_prev, g)
    return dWh


RIGHT_TRUNCATED = [
    ("helpers.bptt", lambda dh, cache, k: bptt.truncated_backward(dh, cache, k)["dWh"]),
    ("the double loop", learner_truncated(None)),
    ("vectorised over lags", truncated_by_lags),
    ("rounding-level noise", noisy(learner_truncated(None))),
    ("a nested list", lambda dh, cache, k: learner_truncated(None)(dh, cache, k).tolist()),
]


# ---------------------------------------------------------------- Exercise 3: cache bytes


def cache_bytes_ref(N, T, D, H):
    return 8 * (N * T * D + N * H + D * H + H * H + 2 * N * T * H)


WRONG_CACHE = [
    ("numbers, not bytes", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) // 8, "8 bytes"),
    ("float32 size", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) // 2, "not 4"),
    ("bits", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) * 8, "bits"),
    ("a forgotten", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * N * T * H, "(N, T, H) missing"),
    ("dh counted too", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) + 8 * N * T * H, "(N, T, H) too many"),
    ("b counted (extra)", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) + 8 * H, "too many (b is not"),
    ("h0 counted twice (T + 1 states)", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) + 8 * N * H,
     "(N, H) too many"),
    ("Wh forgotten", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * H * H, "(H, H) missing"),
    ("x forgotten, b counted", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * N * T * D + 8 * H,
     "(N, T, D) missing"),
    ("batch forgotten", lambda N, T, D, H: 8 * (T * D + N * H + D * H + H * H + 2 * T * H), "batch size N"),
    ("a per-step term too large", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) + 8 * T * T,
     "grows with T is too large"),
    ("a fixed term too small", lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * D * D,
     "fixed part is too small"),
    ("an array of bytes", lambda N, T, D, H: np.array([cache_bytes_ref(N, T, D, H)] * 2), "one number"),
]


def test_cache_bytes_tells_extra_from_missing():
    extra = nb04.check_cache_bytes(lambda N, T, D, H: cache_bytes_ref(N, T, D, H) + 8 * N * T * H).message
    missing = nb04.check_cache_bytes(lambda N, T, D, H: cache_bytes_ref(N, T, D, H) - 8 * N * T * H).message
    assert "too many" in extra and "missing" not in extra
    assert "missing" in missing and "too many" not in missing


RIGHT_CACHE = [
    ("the formula", cache_bytes_ref),
    ("a float", lambda N, T, D, H: float(cache_bytes_ref(N, T, D, H))),
    ("numpy integer", lambda N, T, D, H: np.int64(cache_bytes_ref(N, T, D, H))),
    ("itemsize times counts", lambda N, T, D, H: np.dtype(np.float64).itemsize
     * (N * T * (D + 2 * H) + H * (N + D + H))),
    ("measured", lambda N, T, D, H: bptt.cache_nbytes(rnn.forward(np.zeros((N, T, D)), np.zeros((N, H)),
                                                                  np.zeros((D, H)), np.zeros((H, H)),
                                                                  np.zeros(H))[1])),
]


def test_reference_matches_measured_cache():
    x, h0, Wx, Wh, b, _ = bptt.random_problem(3, 7, 2, 5, np.random.default_rng(0))
    assert bptt.cache_nbytes(rnn.forward(x, h0, Wx, Wh, b)[1]) == cache_bytes_ref(3, 7, 2, 5)


# ---------------------------------------------------------------- every catalogue, one test each way

TestCatalogue = catalogue([
    (nb04.check_rnn_backward, WRONG_BACKWARD, RIGHT_BACKWARD),
    (nb04.check_truncated_dWh, WRONG_TRUNCATED, RIGHT_TRUNCATED),
    (nb04.check_cache_bytes, WRONG_CACHE, RIGHT_CACHE),
])


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04-backpropagation-through-time.ipynb"


def namespace():
    return {"__name__": "__main__", "np": np, "rnn": rnn, "bptt": bptt, "layers": layers, "nb04": nb04}


TestNotebookExercises = notebook_exercises(NOTEBOOK, namespace)


def test_cases_leave_no_room_for_a_lucky_transpose():
    """Several seeds, N, T, D, H all different, Wh not symmetric."""
    assert len(nb04.CASES) >= 2
    for seed, (N, T, D, H) in nb04.CASES:
        assert len({N, T, D, H}) == 4
        Wh = nb04._case(seed, N, T, D, H)[3]
        assert not np.allclose(Wh, Wh.T)
