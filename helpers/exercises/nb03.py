"""Checks for notebook 03 (recurrent networks): the step, the loop, the four patterns, the parameter count.

Every check tries the learner's function on small random cases, compares it
with the reference and returns a ``Result`` whose message says what to fix. A
check never raises, whatever the attempt returns.
"""
import numpy as np

from helpers.exercises.core import call, compare, failed, passed


def _case(N=3, T=4, D=5, H=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), 0.5 * rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.5 * rng.standard_normal(H))


def _asarray(got):
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


def _same(got, want):
    a = _asarray(got)
    return a is not None and a.shape == want.shape and np.all(np.isfinite(a)) and np.allclose(a, want, atol=1e-6)


# --------------------------------------------------------------------------
# 1. One step
# --------------------------------------------------------------------------

def check_rnn_step(fn):
    """fn(x (N, D), h_prev (N, H), Wx, Wh, b) -> h_next = tanh(x Wx + h_prev Wh + b)."""
    x, h_prev, Wx, Wh, b = _case()
    x = x[:, 0]
    got, err = call(fn, "rnn_step", x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy())
    if err is not None:
        return err
    want = np.tanh(x @ Wx + h_prev @ Wh + b)
    diagnoses = [
        (x @ Wx + h_prev @ Wh + b, "the values match x Wx + h_prev Wh + b without the tanh: squash it with np.tanh"),
        (np.tanh(x @ Wx + b), "h_next ignores h_prev: the recurrence must add h_prev @ Wh (the memory) inside the tanh"),
        (np.tanh(x @ Wx + h_prev @ Wh.T + b), "h_prev is multiplied by Wh transposed: write h_prev @ Wh, "
                                              "so row i of Wh weights hidden unit i of the previous step"),
        (np.tanh(x @ Wx + h_prev @ Wh), "the bias b is missing inside the tanh"),
    ]
    for wrong, hint in diagnoses:
        if _same(got, wrong):
            return failed(hint)
    bad = compare("h_next", got, want, hint="Compute np.tanh(x @ Wx + h_prev @ Wh + b).")
    if bad is not None:
        return bad
    return passed("rnn_step computes h_next = tanh(x Wx + h_prev Wh + b).")


# --------------------------------------------------------------------------
# 2. The loop over time
# --------------------------------------------------------------------------

def _forward_ref(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_prev = h[:, t] = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)
    return h


def check_rnn_forward(fn):
    """fn(x (N, T, D), h0 (N, H), Wx, Wh, b) -> h (N, T, H), every hidden state."""
    for shape in [(3, 4, 5, 6), (2, 1, 3, 2), (1, 7, 2, 3)]:
        x, h0, Wx, Wh, b = _case(*shape, seed=sum(shape))
        got, err = call(fn, "rnn_forward", x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
        if err is not None:
            return err
        want = _forward_ref(x, h0, Wx, Wh, b)
        N, T, H = want.shape
        a = _asarray(got)
        if a is not None and a.shape == (T, N, H) and a.shape != want.shape:
            return failed(f"h has shape {a.shape} = (T, N, H); stack the steps on axis 1 to get (N, T, H) = {want.shape}")
        if a is not None and a.shape == (N, T + 1, H):
            return failed(f"h has T + 1 = {T + 1} steps: return h_1 ... h_T, without h0")
        if T > 1 and _same(got, np.tanh(x @ Wx + h0[:, None] @ Wh + b)):
            return failed("every step uses h0: carry the state, so step t uses the h computed at step t - 1")
        if T > 1 and _same(got, np.tanh(x @ Wx + b)):
            return failed("the steps ignore the previous hidden state: add h_prev @ Wh at every step")
        shifted = np.concatenate([h0[:, None], want[:, :-1]], axis=1)
        if T > 1 and _same(got, shifted):
            return failed("h is shifted by one step: h[:, t] must be the state *after* reading x[:, t]")
        bad = compare("h", got, want, hint="At each t: h_prev = tanh(x[:, t] @ Wx + h_prev @ Wh + b); store it in h[:, t].")
        if bad is not None:
            return bad
    return passed("rnn_forward carries h from step to step: the same Wx, Wh, b at every t.")


# --------------------------------------------------------------------------
# 3. The four input/output patterns
# --------------------------------------------------------------------------

PATTERNS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many")


def _shapes_ref(N, T, V):
    return {"one-to-one": (N, V), "one-to-many": (N, T, V), "many-to-one": (N, V), "many-to-many": (N, T, V)}


def check_output_shapes(fn):
    """fn(N, T, V) -> dict pattern -> shape of the outputs y, as a tuple."""
    for N, T, V in [(2, 5, 7), (4, 3, 10)]:
        got, err = call(fn, "output_shapes", N, T, V)
        if err is not None:
            return err
        want = _shapes_ref(N, T, V)
        if not isinstance(got, dict):
            return failed(f"output_shapes should return a dict with the keys {list(PATTERNS)}, got {type(got).__name__}")
        missing = [p for p in PATTERNS if p not in got]
        if missing:
            return failed(f"the dict lacks the key {missing[0]!r} (use exactly the names {list(PATTERNS)})")
        for p in PATTERNS:
            try:
                g = tuple(int(v) for v in got[p])
            except (TypeError, ValueError):
                return failed(f"{p}: the shape should be a tuple of ints such as (N, V), got {got[p]!r}")
            if g == want[p]:
                continue
            if len(g) != len(want[p]):
                per_step = "one output per time step, so y has a T axis" if len(want[p]) == 3 else \
                    "a single output for the whole sequence, so y has no T axis"
                return failed(f"{p} with N={N}, T={T}, V={V}: got {g}, expected {len(want[p])} axes: {per_step}")
            return failed(f"{p} with N={N}, T={T}, V={V}: got {g}, expected {want[p]} "
                          "(the order is batch N, then time T, then scores V)")
    return passed("output_shapes: a T axis exactly where there is one output per step.")


# --------------------------------------------------------------------------
# 4. Counting parameters
# --------------------------------------------------------------------------

def check_count_params(fn):
    """fn(D, H, V, T) -> number of parameters of the RNN with its output layer (T must not matter)."""
    for D, H, V, T in [(5, 8, 5, 10), (3, 4, 7, 2), (10, 16, 12, 50)]:
        got, err = call(fn, "count_params", D, H, V, T)
        if err is not None:
            return err
        want = D * H + H * H + H + H * V + V
        if got is None:
            return failed("count_params returned None: did you forget to `return` the number?")
        try:
            g = float(got)
        except (TypeError, ValueError):
            return failed(f"count_params should return a number, got {type(got).__name__}")
        if g == want:
            continue
        if g == T * want or g == T * (D * H + H * H + H) + H * V + V:
            return failed("your count grows with T: the same Wx, Wh, b are reused at every step, "
                          "so the number of parameters does not depend on the sequence length")
        if g == D * H + H * H + H * V:
            return failed("the biases are missing: b has H entries and by has V")
        if g == D * H + H * H + H:
            return failed("only the recurrent layer is counted: add the output layer Wy (H, V) and by (V,)")
        if g == D * H + H * V + H + V:
            return failed("Wh is missing: the recurrent weights are an (H, H) matrix")
        return failed(f"count_params({D}, {H}, {V}, {T}) = {got}, expected {want}: add up the sizes of "
                      "Wx (D, H), Wh (H, H), b (H,), Wy (H, V) and by (V,)")
    return passed("count_params: D*H + H*H + H + H*V + V, the same for any T (weights are shared across time).")
