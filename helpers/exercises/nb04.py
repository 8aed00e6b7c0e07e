"""Checks for notebook 04, backpropagation through time.

Each check runs the learner's function on small random cases (non-square
shapes N != D != H, a non-symmetric Wh, two seeds), compares it with the
reference and, when the answer is wrong, with the typical slips computed
here, so the hint names the slip it sees. Checks never raise.
"""
import numpy as np

from helpers import bptt, rnn
from helpers.exercises.core import call, compare, failed, name_slip, never_raise, passed, reordered, same, scalar

CASES = [(1, (3, 5, 4, 6)), (2, (2, 4, 5, 3))]  # seed, (N, T, D, H)


def _case(seed=0, N=3, T=5, D=4, H=6):
    rng = np.random.default_rng(seed)
    Wx = rng.standard_normal((D, H)) * 0.5
    Wh = rng.standard_normal((H, H)) * 0.5  # not symmetric: Wh and Wh.T differ
    b = rng.standard_normal(H) * 0.1
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    dh = rng.standard_normal((N, T, H))
    return x, h0, Wx, Wh, b, dh


def _problem(seed, shape):
    x, h0, Wx, Wh, b, dh = _case(seed, *shape)
    return dh, rnn.forward(x, h0, Wx, Wh, b)[1]


def _fresh(cache):
    """A copy of the cache, so that a learner's in-place change cannot touch the check's arrays."""
    return tuple(c.copy() if isinstance(c, np.ndarray) else c for c in cache)


def _as_tuple(out, n, what):
    if out is None:
        return None, failed(f"{what} returned None: did you forget to `return` the {n} gradients?")
    if not isinstance(out, (tuple, list)) or len(out) != n:
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) else type(out).__name__
        return None, failed(f"{what} must return a tuple of {n} arrays, got {got}")
    return tuple(out), None


# --------------------------------------------------------------------------
# Exercise 1: write BPTT (the whole backward pass over the sequence)
# --------------------------------------------------------------------------

def _bptt(dh, cache, slip=None):
    """BPTT for a tanh RNN -> (dx, dh0, dWx, dWh, db), or the same with one typical slip."""
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = dh[:, -1].copy() if slip == "dh_next starts at dh[:, -1]" else np.zeros((N, H))
    times = {"forward in time": range(T), "step 0 skipped": range(T - 1, 0, -1)}.get(slip, reversed(range(T)))
    for t in times:
        h_prev = h0 if t == 0 and slip != "h[:, -1] at t = 0" else h[:, t - 1]
        if slip == "h_t in dWh":
            h_prev = h[:, t]
        fprime = {"1 - h": 1 - h[:, t], "1 - a": 1 - a[:, t] ** 2, "no tanh'": 1.0}.get(slip, 1 - h[:, t] ** 2)
        own = 0.0 if slip == "own dh dropped" else dh[:, t]
        carry = 0.0 if slip == "no carry" else dh_next
        da = dh[:, t] * fprime + carry if slip == "carry after tanh'" else (own + carry) * fprime
        dx[:, T - 1 - t if slip == "dx reversed" else t] = da @ Wx.T
        terms = (x[:, t].T @ da, da.T @ h_prev if slip == "dWh transposed" else h_prev.T @ da, da.sum(axis=0))
        if slip == "not summed over t":  # = instead of +=: only the last step the loop visits is left
            dWx, dWh, db = terms
        else:
            dWx, dWh, db = dWx + terms[0], dWh + terms[1], db + terms[2]
        dh_next = da @ (Wh if slip == "Wh not transposed" else Wh.T)
    return dx, (da if slip == "dh0 = da_0" else dh_next), dWx, dWh, db


def _per_step(dh, cache):
    """The weight gradients of every step, stacked over time: [(T, D, H), (T, H, H), (T, H)]."""
    x, h0, Wx, Wh, a, h, _ = cache
    T = h.shape[1]
    da = np.zeros_like(h)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_next) * (1 - h[:, t] ** 2)
        dh_next = da[:, t] @ Wh.T
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    return [np.einsum("ntd,nth->tdh", x, da), np.einsum("ntk,nth->tkh", h_prev, da), da.sum(axis=0)]


BACKWARD_SLIPS = {
    "no carry": "each step only sees its own dh[:, t]: the gradient that comes back from step t+1 (dh_next, "
                "computed at the end of the previous pass through the loop) is missing. h_t also feeds "
                "step t+1, so dh_next must join dh[:, t] before the tanh'",
    "own dh dropped": "each step only gets dh_next, what arrives from step t+1: the step's own loss, dh[:, t], "
                      "is missing. The gradient on h_t is the sum of both, dh[:, t] + dh_next",
    "Wh not transposed": "the gradient sent back to h_{t-1} is multiplied by Wh; it needs the transpose, Wh.T "
                         "(a_t = h_{t-1} Wh, so going back multiplies by Wh^T)",
    "1 - h": "tanh'(a_t) is 1 - h_t**2: you wrote 1 - h_t, without the square",
    "1 - a": "tanh'(a_t) is 1 - tanh(a_t)**2 = 1 - h_t**2: you squared a_t, the pre-activation, instead of h_t",
    "no tanh'": "the tanh' factor is missing: the gradient arriving at h_t must be multiplied by "
                "tanh'(a_t) to become da_t",
    "carry after tanh'": "dh_next is added after the tanh' factor: both gradients arrive at h_t, so their sum "
                         "goes through tanh'(a_t)",
    "forward in time": "the loop runs forward in time: the gradient flows from the last step back to the first, "
                       "so step t needs step t+1 done first (loop over reversed(range(T)))",
    "step 0 skipped": "the loop stops before step 0 (t = 0 is the first step): dx[:, 0] is left at zero and "
                      "dh0 is one step short. Loop over every t from T-1 down to 0",
    "dh_next starts at dh[:, -1]": "the last step's own gradient is counted twice: dh_next starts at zero "
                                   "(nothing arrives from after the last step), and dh[:, T-1] is added "
                                   "inside the loop like every other dh[:, t]",
    "not summed over t": "dWx, dWh and db hold only one step's term (the last one the loop visits, t = 0): "
                         "the same weights act at every step, so their gradients are sums over t (+=, not =)",
    "dx reversed": "dx is in reversed time order: dx[:, t] must be the gradient on x[:, t]. (Appending to a "
                   "list while the loop runs backwards stores step T-1 first)",
    "h_t in dWh": "dWh is off, dWx, db, dx and dh0 are right: dWh sums h_{t-1}^T da_t, "
                  "the state *before* step t (h0 for t = 0), not h_t",
    "h[:, -1] at t = 0": "dWh is off, the rest is right: at t = 0 the state before the step is h0, "
                         "but h[:, t - 1] there is h[:, -1], the *last* state",
    "dWh transposed": "dWh is transposed: each step adds h_{t-1}^T da_t (hidden units of step t-1 on the rows)",
    "dh0 = da_0": "dh0 is off, the weight gradients are right: dh0 is the gradient that flows out of step 0 "
                  "into h0, one matrix product further back than da_0",
}
PER_STEP_HINT = ("{name} holds one gradient per step (shape {shape}): the weights are shared by every step, "
                 "so return the sum over t, shape {want}")

SHAPE_OF = {"dx": "x (the gradient of every input)", "dh0": "h0", "dWx": "Wx", "dWh": "Wh",
            "db": "b (sum da over the batch and over time)"}
ONLY_WRONG = {  # where to look when exactly one gradient is off and no known slip matches
    "dx": "dx is off, the rest is right: look at dx[:, t], the gradient that flows from da_t into x_t",
    "dh0": "dh0 is off, the weight gradients are right: dh0 is what flows out of step 0 into h0",
    "dWx": "dWx is off, the rest is right: it sums x_t^T da_t over every step",
    "dWh": "dWh is off, the rest is right: it sums h_{t-1}^T da_t over every step (h0 for t = 0)",
    "db": "db is off, the rest is right: it sums da_t over the batch and over every step",
}


@never_raise
def check_rnn_backward(rnn_backward):
    """backward(dh, cache) -> (dx, dh0, dWx, dWh, db) for a tanh RNN; cache from rnn.forward."""
    names = ("dx", "dh0", "dWx", "dWh", "db")
    for seed, shape in CASES:
        dh, cache = _problem(seed, shape)
        want = _bptt(dh, cache)
        out, err = call(rnn_backward, "rnn_backward", dh.copy(), _fresh(cache))
        if err is not None:
            return err
        out, err = _as_tuple(out, 5, "rnn_backward")
        if err is not None:
            return err
        if same(out, want):
            continue
        hint = name_slip(out, [(_bptt(dh, cache, slip), hint) for slip, hint in BACKWARD_SLIPS.items()])
        if hint:
            return failed(hint)
        if reordered(out, want):
            return failed("the five gradients are right but in the wrong order: return (dx, dh0, dWx, dWh, db)")
        for name, g, stacked in zip(names[2:], out[2:], _per_step(dh, cache)):
            if same(g, stacked) or same(g, stacked[::-1]):
                return failed(PER_STEP_HINT.format(name=name, shape=stacked.shape, want=stacked.shape[1:]))
        for name, g, w in zip(names, out, want):
            r = compare(name, g, w)
            if r is not None and "has shape" in r.message:
                return failed(f"{r.message}: {name} has the shape of {SHAPE_OF[name]}")
            if r is not None and "right shape" not in r.message:
                return r
        wrong = [n for n, g, w in zip(names, out, want) if not same(g, w)]
        right = [n for n in names if n not in wrong]
        if len(wrong) == 1:
            return failed(ONLY_WRONG[wrong[0]])
        if "dx" in wrong:  # the loop's first step, t = T-1, gets no dh_next: is the error there already?
            if same(np.asarray(out[0], dtype=float)[:, -1], want[0][:, -1]):
                return failed(f"{', '.join(wrong)} are off, but dx is right at the last step, t = T-1 (the first "
                              "one the loop handles, where dh_next is still zero): look at what step t+1 sends "
                              "back to step t (dh_next), how you compute it and how you add it")
            return failed(f"{', '.join(wrong)} are off, and dx already at the last step, t = T-1, where dh_next is "
                          "still zero: there da = dh[:, T-1] * tanh'(a_{T-1}) and dx[:, T-1] = da Wx^T; start there")
        return failed(f"{', '.join(wrong)} are off{' (' + ', '.join(right) + ' right)' if right else ''}: "
                      "look at how dh_next flows back, and use da_t (not dh) in every product")
    return passed("right: every gradient matches helpers.rnn.backward, on two problems.")


# --------------------------------------------------------------------------
# Exercise 2: truncate it yourself
# --------------------------------------------------------------------------

def _truncated(dh, cache, k, slip=None):
    """dWh of per-loss-term truncated BPTT (k steps back per loss term), or the same with one slip."""
    x, h0, Wx, Wh, a, h, _ = cache
    N, T, H = h.shape
    dWh = np.zeros_like(Wh)
    for t in range(T):
        g = dh[:, t]
        for s in range(t, max(t - k, -1), -1):
            h_prev = h0 if s == 0 and slip != "h[:, -1] at s = 0" else h[:, s - 1]
            if slip == "h_s":
                h_prev = h[:, s]
            da = g * {"1 - h": 1 - h[:, s], "1 - a": 1 - a[:, s] ** 2, "no tanh'": 1.0}.get(slip, 1 - h[:, s] ** 2)
            dWh += da.T @ h_prev if slip == "transposed" else h_prev.T @ da
            g = da @ (Wh if slip == "Wh" else Wh.T)
    return dWh


TRUNCATED_SLIPS = {
    "transposed": "your dWh is the transpose of the right one: each step's term is h_{s-1}^T da_s "
                  "(hidden units of step s-1 on the rows)",
    "Wh": "the gradient going one step further back is multiplied by Wh; it needs Wh.T "
          "(a_s = h_{s-1} Wh, so going back multiplies by Wh^T)",
    "h_s": "each term uses h_s; Wh multiplies the state *before* the step, so the term is h_{s-1}^T da_s "
           "(h0 when s = 0)",
    "h[:, -1] at s = 0": "at s = 0 the state before the step is h0, but h[:, s - 1] there is h[:, -1], "
                         "the *last* state",
    "1 - h": "tanh'(a_s) is 1 - h_s**2: you wrote 1 - h_s, without the square",
    "1 - a": "tanh'(a_s) is 1 - tanh(a_s)**2 = 1 - h_s**2: you squared a_s, the pre-activation, instead of h_s",
    "no tanh'": "the tanh' factor is missing: the gradient arriving at h_s must be multiplied by tanh'(a_s) "
                "to become da_s",
}


def _truncated_slips(dh, cache, k):
    T = dh.shape[1]
    slips = [(bptt.chunked_backward(dh, cache, k)["dWh"],
              "that is the chunks-of-k variant (gradient cut at fixed boundaries); here every "
              "loss term at step t goes back through its own last k steps t, ..., t-k+1")]
    if k < T:
        slips.insert(0, (_truncated(dh, cache, T),
                         f"with k = {k} you returned the full gradient: stop each loss term's "
                         "gradient after k steps (t, t-1, ..., t-k+1)"))
    slips += [(_truncated(dh, cache, kk), f"off by one: you kept {kk} steps for k = {k}; with k = 1 only "
                                          "each step's own term h_{t-1}^T da_t remains")
              for kk in (k - 1, k + 1) if kk >= 0]
    return slips + [(_truncated(dh, cache, k, slip), hint) for slip, hint in TRUNCATED_SLIPS.items()]


@never_raise
def check_truncated_dWh(truncated_dWh):
    """truncated_dWh(dh, cache, k) -> dWh (H, H): each loss term sent back through its last k steps."""
    for seed, shape in CASES:
        dh, cache = _problem(seed + 1, shape)
        T = dh.shape[1]
        ks = (1, 2, 3, T)
        outs = {}
        for k in ks:
            outs[k], err = call(truncated_dWh, "truncated_dWh", dh.copy(), _fresh(cache), k)
            if err is not None:
                return err
        right = [k for k in ks if same(outs[k], _truncated(dh, cache, k))]
        if len(right) == len(ks):
            continue
        k = next(k for k in ks if k not in right)
        hint = name_slip(outs[k], _truncated_slips(dh, cache, k))
        if hint:
            return failed(hint)
        r = compare("dWh", outs[k], _truncated(dh, cache, k))
        if "right shape" not in r.message:
            return r
        if 1 in right:
            return failed(f"dWh is right for k = 1 but off for k = {k}: each step's own term is right, "
                          "look at how the gradient goes one more step back (and how far the inner loop runs)")
        return failed("dWh is off already for k = 1, where only each step's own term h_{t-1}^T da_t counts: "
                      "get that one right first (which state, which derivative)")
    return passed("right: each loss term flows back through its last k steps only.")


# --------------------------------------------------------------------------
# Exercise 3: predict the memory
# --------------------------------------------------------------------------

SIZES = [(2, 3, 4, 5), (2, 4, 4, 5), (1, 10, 3, 7), (4, 50, 8, 16), (3, 2, 9, 4), (5, 7, 2, 3), (6, 1, 5, 11)]
ARRAYS = [  # every shape of array a learner might count, with its number of floats
    ("(N, T, D)", lambda N, T, D, H: N * T * D),
    ("(N, T, H)", lambda N, T, D, H: N * T * H),
    ("(N, H)", lambda N, T, D, H: N * H),
    ("(D, H)", lambda N, T, D, H: D * H),
    ("(H, H)", lambda N, T, D, H: H * H),
    ("(H,)", lambda N, T, D, H: H),
]
EXTRA_NOTE = {"(H,)": " (b is not in the cache: a already includes it)",
              "(N, H)": " (h0 is kept once; h holds h_1 .. h_T)"}


def _count(n, shape):
    return f"{'one' if n == 1 else n} array{'s' if n > 1 else ''} of shape {shape}"


def _extra_or_missing(diff):
    """Name the arrays that explain ``diff`` (got - want, in floats, one per size), or None."""
    A = np.array([[n(*s) for _, n in ARRAYS] for s in SIZES], dtype=float)
    coef = np.linalg.lstsq(A, diff, rcond=None)[0]
    k = np.round(coef)
    if not np.allclose(A @ k, diff) or not np.any(k):
        return None
    parts = [_count(int(-c), shape) + " missing" for c, (shape, _) in zip(k, ARRAYS) if c < 0]
    parts += [_count(int(c), shape) + " too many" + EXTRA_NOTE.get(shape, "")
              for c, (shape, _) in zip(k, ARRAYS) if c > 0]
    return f"your count has {', '.join(parts)}: compare with the list of what the cache keeps (section 6)"


@never_raise
def check_cache_bytes(cache_bytes):
    """cache_bytes(N, T, D, H) -> bytes of the float64 arrays rnn.forward keeps in its cache."""
    def measured(N, T, D, H):
        rng = np.random.default_rng(0)
        x, h0, Wx, Wh, b, _ = bptt.random_problem(N, T, D, H, rng)
        return bptt.cache_nbytes(rnn.forward(x, h0, Wx, Wh, b)[1])

    got = []
    for s in SIZES:
        v, err = call(cache_bytes, "cache_bytes", *s)
        if err is not None:
            return err
        v, err = scalar(v, "cache_bytes", returned="the number of bytes",
                        nonfinite_hint="the number of bytes is a finite whole number")
        if err is not None:
            return err
        got.append(v)
    got = np.array(got)
    want = np.array([measured(*s) for s in SIZES], dtype=float)
    if np.array_equal(got, want):
        return passed(f"right: for (N, T, D, H) = {SIZES[3]} the cache holds {int(want[3]):,} bytes, "
                      "and it grows linearly with T.")
    for factor, hint in [(1 / 8, "you counted numbers, not bytes: each float64 takes 8 bytes"),
                         (1 / 2, "a float64 takes 8 bytes, not 4 (that is float32)"),
                         (8, "that is bits, not bytes: count 8 bytes (not 64 bits) per float64")]:
        if np.allclose(got, want * factor):
            return failed(hint)
    no_batch = np.array([measured(1, T, D, H) - 8 * H + 8 * N * H for N, T, D, H in SIZES])
    if np.allclose(got, no_batch):
        return failed("the batch size N is missing from the arrays that hold a value per sequence and step: "
                      "x, a and h have N rows")
    hint = _extra_or_missing(got / 8 - want / 8)
    if hint:
        return failed(hint)
    i, j = 0, 1  # the same sizes but for T: the difference is what one more step adds
    slope_got, slope_want = got[j] - got[i], want[j] - want[i]
    if slope_got != slope_want:
        return failed(f"the part that grows with T is too {'large' if slope_got > slope_want else 'small'} "
                      f"(one more step adds {slope_got:g} bytes, expected {slope_want:g} for N=2, D=4, H=5): "
                      "look at what the cache keeps for every step")
    return failed(f"the part that grows with T is right; the fixed part is too "
                  f"{'large' if got[i] > want[i] else 'small'}: look at what the cache keeps once, "
                  "whatever the length")
