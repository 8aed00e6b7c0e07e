"""Checks for notebook 03 (recurrent networks): step, loop, four patterns, parameter count, text batches.

Every check tries the learner's function on small random cases, compares it
with the reference and returns a ``Result`` whose message says what to fix. A
check never raises, whatever the attempt returns.
"""
import functools

import numpy as np

from helpers.exercises.core import call, compare, diagnose, explain_error, failed, never_raise, passed, same

SHAPES = "x is (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,)"


def _case(N=3, T=4, D=5, H=6, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), 0.5 * rng.standard_normal((N, H)),
            0.5 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.5 * rng.standard_normal(H))


def _asarray(got):
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# 1. One step
# --------------------------------------------------------------------------

# (N, D, H, seed): N, D, H all different first; then D == H, where swapped weights run without an error
STEP_CASES = [(3, 5, 6, 0), (4, 2, 3, 1), (2, 4, 4, 2)]


def _step_slips(x, h_prev, Wx, Wh, b):
    """(wrong h_next, hint) for the usual slips in one recurrent step."""
    a = x @ Wx + h_prev @ Wh + b
    slips = [
        (a, "the values match x Wx + h_prev Wh + b without the tanh: squash it with np.tanh"),
        (np.tanh(x @ Wx + b), "h_next ignores h_prev: the recurrence must add h_prev @ Wh (the memory) inside the tanh"),
        (np.tanh(x @ Wx + h_prev + b), "h_prev is added as it is: it must go through the recurrent weights Wh first"),
        (np.tanh(x @ Wx + h_prev @ Wh.T + b), "h_prev is multiplied by Wh transposed: row i of Wh holds the weights "
                                              "*from* hidden unit i of the previous step"),
        (np.tanh(x @ Wx + h_prev @ Wh), "the bias b is missing inside the tanh"),
        (np.tanh(x @ Wx + h_prev @ Wh) + b, "b is added after the tanh: the bias goes inside, before squashing"),
        (np.tanh(x @ Wx) + h_prev @ Wh + b, "only x Wx goes through the tanh: squash the whole sum"),
        (1 / (1 + np.exp(-a)), "that is the sigmoid of the sum; the recurrent layer squashes with tanh"),
        (np.maximum(a, 0), "that is a ReLU of the sum; the recurrent layer squashes with tanh"),
    ]
    if Wx.shape == Wh.shape:
        slips.append((np.tanh(x @ Wh + h_prev @ Wx + b), "Wx and Wh are swapped: Wx weights the input x, "
                                                         "Wh the previous state h_prev"))
    return slips


@functools.partial(never_raise, advice="; return h_next, a numpy array of shape (N, H)")
def check_rnn_step(fn):
    """fn(x (N, D), h_prev (N, H), Wx, Wh, b) -> h_next = tanh(x Wx + h_prev Wh + b)."""
    for N, D, H, seed in STEP_CASES:
        x, h_prev, Wx, Wh, b = _case(N, 1, D, H, seed)
        x = x[:, 0]
        got, err = call(fn, "rnn_step", x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy())
        if err is not None:
            return explain_error(err, "a product has mismatched shapes: " + SHAPES +
                                 ", and (a, b) @ (b, c) needs the inner sizes to match (examples are rows)")
        want = np.tanh(x @ Wx + h_prev @ Wh + b)
        if isinstance(got, (tuple, list)) and len(got) == 2 and same(got[0], want):
            return failed("you return a pair; return h_next alone, one (N, H) array")
        bad = diagnose(got, _step_slips(x, h_prev, Wx, Wh, b), right=want)
        if bad is None:
            bad = compare("h_next", got, want, hint="h_next is the tanh of three terms: the input through Wx, "
                                                    "the previous state through Wh, and the bias")
        if bad is not None:
            return bad
    return passed("rnn_step computes h_next = tanh(x Wx + h_prev Wh + b).")


# --------------------------------------------------------------------------
# 2. The loop over time
# --------------------------------------------------------------------------

def _forward_ref(x, h0, Wx, Wh, b, steps=None, Wh_used=None, squash=np.tanh):
    """Every hidden state; ``steps`` (an order of t) and the others switch on typical slips."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev = h0
    Wh = Wh if Wh_used is None else Wh_used
    for t in (range(T) if steps is None else steps):
        h_prev = h[:, t] = squash(x[:, t] @ Wx + h_prev @ Wh + b)
    return h


def _forward_slips(x, h0, Wx, Wh, b):
    """(wrong h, hint) for the usual slips in the loop over time (only those that differ when T > 1)."""
    T = x.shape[1]
    want = _forward_ref(x, h0, Wx, Wh, b)
    return [
        (np.tanh(x @ Wx + (h0 @ Wh)[:, None] + b), "every step uses h0: carry the state, so step t uses the h "
                                                   "computed at step t - 1"),
        (np.tanh(x @ Wx + b), "the steps ignore the previous hidden state: add h_prev @ Wh at every step"),
        (np.concatenate([h0[:, None], want[:, :-1]], axis=1), "h is shifted by one step: h[:, t] must be the state "
                                                              "*after* reading x[:, t]"),
        (_forward_ref(x, np.zeros_like(h0), Wx, Wh, b), "your loop starts from zeros; start from the h0 you are given"),
        (_forward_ref(x, h0, Wx, Wh, b, steps=range(T - 1)), "the last step is missing (all zeros): the loop must "
                                                             "run over all T steps, t = 0 ... T - 1"),
        (_forward_ref(x, h0, Wx, Wh, b, steps=range(1, T)), "the first step is missing (all zeros): t starts at 0"),
        (_forward_ref(x, h0, Wx, Wh, b, steps=range(T - 1, -1, -1)), "your loop runs backwards in time: "
                                                                     "start at t = 0 and go forward"),
        (_forward_ref(x, h0, Wx, Wh, b, Wh_used=Wh.T), "h_prev is multiplied by Wh transposed: write h_prev @ Wh"),
        (_forward_ref(x, h0, Wx, Wh, b, squash=lambda a: a), "the states are not squashed: apply np.tanh at every step"),
    ]


@functools.partial(never_raise, advice="; return h, a numpy array of shape (N, T, H)")
def check_rnn_forward(fn):
    """fn(x (N, T, D), h0 (N, H), Wx, Wh, b) -> h (N, T, H), every hidden state."""
    for shape in [(3, 4, 5, 6), (2, 1, 3, 2), (1, 7, 2, 3)]:
        x, h0, Wx, Wh, b = _case(*shape, seed=sum(shape))
        got, err = call(fn, "rnn_forward", x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
        if err is not None:
            return explain_error(err, "a shape mismatch inside your loop: x is (N, T, D), so the inputs of step t "
                                      "for the whole batch are x[:, t] (N, D); h is (N, T, H)",
                                 words=("matmul", "not aligned", "broadcast", "out of bounds"))
        want = _forward_ref(x, h0, Wx, Wh, b)
        N, T, H = want.shape
        a = _asarray(got)
        if a is not None and a.shape == (T, N, H) != want.shape:
            return failed(f"h has shape {a.shape} = (T, N, H); stack the steps on axis 1 to get (N, T, H) = {want.shape}")
        if a is not None and a.shape == (N, T + 1, H):
            return failed(f"h has T + 1 = {T + 1} steps: return h_1 ... h_T, without h0")
        if a is not None and a.shape == (N, H) != want.shape:
            return failed(f"h has shape {a.shape}, only one state: return every hidden state, h (N, T, H), "
                          "not only the last")
        bad = diagnose(got, _forward_slips(x, h0, Wx, Wh, b), right=want) if T > 1 else None
        if bad is None:
            bad = compare("h", got, want, hint="At each t, the new state comes from x[:, t] and the previous state "
                                               "(the same Wx, Wh, b every time); store it in h[:, t].")
        if bad is not None:
            return bad
    return passed("rnn_forward carries h from step to step: the same Wx, Wh, b at every t.")


# --------------------------------------------------------------------------
# 3. The four input/output patterns
# --------------------------------------------------------------------------

PATTERNS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many")


def _shapes_ref(N, T, V):
    return {"one-to-one": (N, V), "one-to-many": (N, T, V), "many-to-one": (N, V), "many-to-many": (N, T, V)}


@functools.partial(never_raise, advice="; return a dict from each pattern's name to a tuple of ints")
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
            if not isinstance(got[p], (tuple, list)) or not all(isinstance(v, (int, np.integer)) for v in got[p]):
                return failed(f"{p}: the shape should be a tuple of ints such as (N, V), got {got[p]!r}")
            g = tuple(int(v) for v in got[p])
            if g == want[p]:
                continue
            where = f"{p} with N={N}, T={T}, V={V}: got {g}"
            if g == want[p][1:]:
                return failed(f"{where}: the batch axis is missing; every shape starts with N, one row per example")
            if len(g) != len(want[p]):
                per_step = "one output per time step, so y has a T axis" if len(want[p]) == 3 else \
                    "a single output for the whole sequence, so y has no T axis"
                return failed(f"{where}, expected {len(want[p])} axes: {per_step}")
            return failed(f"{where}, expected {want[p]} (the order is batch N, then time T, then scores V)")
    return passed("output_shapes: a T axis exactly where there is one output per step.")


# --------------------------------------------------------------------------
# 4. Counting parameters
# --------------------------------------------------------------------------

def _count_slips(D, H, V, T):
    """(wrong count, hint) for the usual slips in counting the parameters."""
    rnn, out = D * H + H * H + H, H * V + V
    return [
        (T * (rnn + out), "your count grows with T: the same Wx, Wh, b are reused at every step, "
                          "so the number of parameters does not depend on the sequence length"),
        (T * rnn + out, "your count grows with T: the same Wx, Wh, b are reused at every step, "
                        "so the number of parameters does not depend on the sequence length"),
        (D * H + H * H + H * V, "the biases are missing: b has H entries and by has V"),
        (rnn, "only the recurrent layer is counted: add the output layer Wy (H, V) and by (V,)"),
        (D * H + H * V + H + V, "Wh is missing: the recurrent weights are an (H, H) matrix"),
        (D * H + H + H + out, "Wh is counted as H numbers; it is an (H, H) matrix"),
        (rnn + H * V, "the output bias by (V,) is missing"),
        (D * H + H * H + out, "the hidden bias b (H,) is missing"),
        (D + H + H + H + V, "each matrix counts rows times columns: add up the sizes (products), not the lengths"),
    ]


@functools.partial(never_raise, advice="; return one whole number")
def check_count_params(fn):
    """fn(D, H, V, T) -> number of parameters of the RNN with its output layer (T must not matter)."""
    for D, H, V, T in [(5, 8, 6, 10), (3, 4, 7, 2), (10, 16, 12, 50)]:
        got, err = call(fn, "count_params", D, H, V, T)
        if err is not None:
            return err
        want = D * H + H * H + H + H * V + V
        if got is None:
            return failed("count_params returned None: did you forget to `return` the number?")
        if isinstance(got, (str, bytes, bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
            return failed(f"count_params should return one number, got {type(got).__name__}")
        if not np.isfinite(got):
            return failed(f"count_params returned {got}: return a whole number, the count of parameters")
        if got == want:
            continue
        for wrong, hint in _count_slips(D, H, V, T):
            if got == wrong:
                return failed(hint)
        longer, err = call(fn, "count_params", D, H, V, T + 5)
        if err is None and longer != got:
            return failed(f"your count changes with T ({got} for T = {T}, {longer} for T = {T + 5}): the same "
                          "weights are reused at every step, so T must not appear in the count")
        return failed(f"count_params({D}, {H}, {V}, {T}) = {got}, expected {want}: add up the sizes of "
                      "Wx (D, H), Wh (H, H), b (H,), Wy (H, V) and by (V,)")
    return passed("count_params: D*H + H*H + H + H*V + V, the same for any T (weights are shared across time).")


# --------------------------------------------------------------------------
# 5. Cutting a long text into batches
# --------------------------------------------------------------------------

# (len(ids), N, T): streams of unequal use (leftover characters), then an exact fit, then one row
BATCH_CASES = [(103, 4, 5), (61, 3, 4), (25, 4, 3), (40, 1, 6)]
BATCH_RULE = ("cut ids into N streams of (len(ids) - 1) // N characters, one after the other; "
              "batch k is columns kT ... kT + T - 1 of every stream; y is x shifted by one character")


def _batches_ref(ids, N, T, length=None, stride=None, interleave=False, shift=1):
    """The (x, y) list; the keyword arguments switch on typical slips."""
    steps = (len(ids) - 1) // N if length is None else length
    if N * steps + shift > len(ids):
        return None  # this slip cannot be made on this text
    cut = (lambda a: a[:N * steps].reshape(steps, N).T) if interleave else (lambda a: a[:N * steps].reshape(N, steps))
    x, y = cut(ids), cut(ids[shift:])
    stride = T if stride is None else stride
    return [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, steps - T + 1, stride)]


def _batches_slips(ids, N, T):
    """(wrong list of (x, y), hint) for the usual slips in cutting a text into batches."""
    K = (len(ids) - 1) // N // T
    want = _batches_ref(ids, N, T)
    chunked = [(ids[k * N * T:(k + 1) * N * T].reshape(N, T), ids[k * N * T + 1:(k + 1) * N * T + 1].reshape(N, T))
               for k in range(K)]
    return [
        ([(x, x) for x, _ in want], "y equals x: the target of each character is the *next* one, so y is x "
                                    "shifted by one"),
        ([(y, x) for x, y in want], "x and y are swapped: x holds the characters read, y the next ones"),
        (_batches_ref(ids, N, T, shift=2), "y is shifted by two characters: the target is the very next character"),
        (_batches_ref(ids, N, T, interleave=True), "the rows are not contiguous: you dealt the characters out like "
                                                   "cards (row n gets ids[n::N]); row n must be one contiguous piece "
                                                   "of the text, the n-th of N"),
        (chunked, "row n of the next batch does not continue row n of this batch (each batch is the next N * T "
                  "characters cut into rows): cut the text into N streams first, then walk along them, so the "
                  "state at the end of a row is the right start for the same row of the next batch"),
        (_batches_ref(ids, N, T, stride=1), "the batches overlap (batch k + 1 starts one character after batch k): "
                                            "it must start where batch k ended, T characters later"),
        (_batches_ref(ids, N, T, stride=T - 1) if T > 1 else None, "the batches overlap by one character: batch "
                                                                    "k + 1 must start where batch k ended"),
        (want[:-1], f"one batch is missing: a pass holds (len(ids) - 1) // N // T = {K} full batches"),
        ([(x.T, y.T) for x, y in want], "x and y are transposed: each is (N, T), one row per stream"),
    ]


STREAM_LENGTH = ("each stream has (len(ids) - 1) // N characters, not len(ids) // N: the last character has "
                 "no next one to predict, so y needs one character more than x")


def _continues(items):
    """True when every row of every batch continues the same row of the batch before."""
    try:
        return all(np.array_equal(np.asarray(x1)[:, 0], np.asarray(y0)[:, -1])
                   for (_, y0), (x1, _) in zip(items[:-1], items[1:]))
    except Exception:  # noqa: BLE001 - odd shapes are reported elsewhere
        return True


def _pairs(got):
    """The learner's answer as a list of (x, y), or (None, hint)."""
    if got is None:
        return None, "text_batches returned None: did you forget to `return` the list?"
    if isinstance(got, (str, bytes, dict, np.ndarray)) or not hasattr(got, "__iter__"):
        return None, f"return a list of (x, y) pairs, one per batch, got {type(got).__name__}"
    items = []
    for item in got:  # a generator is fine too
        items.append(item)
        if len(items) > 10_000:
            return None, "your answer never ends: return a list of the batches of one pass over the text"
    for k, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            return None, f"item {k} is not an (x, y) pair: return a list of (x, y) pairs, one per batch"
    return items, None


@functools.partial(never_raise, advice="; return a list of (x, y) pairs of integer arrays of shape (N, T)")
def check_text_batches(fn):
    """fn(ids (L,), N, T) -> [(x, y), ...], each (N, T): N contiguous streams walked T steps at a time."""
    for L, N, T in BATCH_CASES:
        ids = np.random.default_rng(L + N + T).permutation(L) + 1000  # distinct ids: every slip shows
        got, err = call(fn, "text_batches", ids.copy(), N, T)
        if err is not None:
            return explain_error(err, STREAM_LENGTH, words=("reshape",))
        want = _batches_ref(ids, N, T)
        items, hint = _pairs(got)
        if hint is not None:
            return failed(hint)
        if same(items, want):
            continue
        slips = [(wrong, h) for wrong, h in _batches_slips(ids, N, T) if wrong is not None]
        bad = diagnose(items, slips, right=want)
        if bad is not None:
            return bad
        where = f"with len(ids) = {L}, N = {N}, T = {T}"
        if len(items) != len(want):
            return failed(f"{where} you return {len(items)} batches, expected {len(want)}: {BATCH_RULE}")
        if not _continues(items):
            return failed(f"{where} row n of batch k + 1 does not start where row n of batch k ended: the state "
                          "at the end of a row can only be carried on if the same row continues the same stream")
        for k, ((x, y), (wx, wy)) in enumerate(zip(items, want)):
            bad = compare(f"x of batch {k} ({where})", x, wx, hint=BATCH_RULE) or \
                compare(f"y of batch {k} ({where})", y, wy, hint=BATCH_RULE)
            if bad is not None:
                return bad
    return passed("text_batches: N contiguous streams, each batch continuing the last, y one character ahead.")
