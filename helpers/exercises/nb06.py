"""Checks for notebook 06, the LSTM.

Each check runs the learner's function on small random cases (N != D != H,
two seeds) and, when the answer is wrong, recomputes the usual slips to say
which one it sees: the cell state used without tanh before the output gate,
the gates read or stacked in the wrong order, the dc_next term left out of
the backward pass, a derivative written without its square, the forget gate
gradient taken from the wrong cell state, a sum where a product belongs.
When no known slip matches, the hint says which parts are right and which
are off. Checks never raise.

Exercise 3's check, ``check_lstm_backward``, is in ``nb06_sequence``.
"""
from functools import partial

import numpy as np

from helpers import lstm
from helpers.exercises.core import (as_tuple, call, compare, explain_error, failed, gate_slips, name_slip, never_raise,
                                    passed, reordered, same, scalar)
from helpers.layers import sigmoid

ORDER = ("i", "f", "g", "o")
SEEDS = [(0, (3, 4, 5)), (1, (2, 6, 3))]  # seed, (N, D, H)


def _problem(seed=0, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H)),
            0.7 * rng.standard_normal((D, 4 * H)), 0.7 * rng.standard_normal((H, 4 * H)),
            0.5 * rng.standard_normal(4 * H))


# --------------------------------------------------------------------------
# Exercise 1: the forward step
# --------------------------------------------------------------------------

def _forward(x, h_prev, c_prev, Wx, Wh, b, order=ORDER, slip=None):
    """(h_next, c_next) with the four blocks of a read as ``order``, or with one typical slip."""
    H = h_prev.shape[1]
    a = x @ Wx + (0.0 if slip == "no h_prev" else h_prev @ Wh) + (0.0 if slip == "no b" else b)
    if slip == "interleaved":
        blocks = {name: a.reshape(-1, H, 4)[:, :, k] for k, name in enumerate(order)}
    else:
        blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    act = {"i": sigmoid, "f": sigmoid, "g": sigmoid if slip == "g sigmoid" else np.tanh, "o": sigmoid}
    if slip == "all tanh":
        act = dict.fromkeys(ORDER, np.tanh)
    i, f, g, o = (act[n](blocks[n]) for n in ORDER)
    c = {"no i": f * c_prev + g, "no f": c_prev + i * g}.get(slip, f * c_prev + i * g)
    h = {"no tanh(c)": o * c, "c_prev in h": o * np.tanh(c_prev), "tanh(o * c)": np.tanh(o * c)}.get(slip)
    return (o * np.tanh(c) if h is None else h), c


FORWARD_SLIPS = {
    "no tanh(c)": "c_next is right, h_next is not: you used o * c_next; the cell state goes through tanh "
                  "before the output gate scales it, h_next = o * tanh(c_next)",
    "c_prev in h": "c_next is right, h_next is not: h_next reads the *new* cell state, tanh(c_next), not c_prev",
    "tanh(o * c)": "c_next is right, h_next is not: the output gate scales tanh(c_next) from outside, "
                   "o * tanh(c_next), not tanh(o * c_next)",
    "g sigmoid": "g, the candidate value, is squashed with tanh (values in (-1, 1)), not sigmoid",
    "all tanh": "the gates i, f and o use sigmoid (values in (0, 1), a share to keep); only g uses tanh",
    "no i": "the input gate is missing from c_next: the new content enters as i * g",
    "no f": "the forget gate is missing from c_next: the old cell state enters as f * c_prev",
    "no h_prev": "the pre-activation ignores h_prev: a = x Wx + h_prev Wh + b, the memory enters through Wh",
    "no b": "the bias b is missing from the pre-activation a",
    "interleaved": "the four blocks of a are consecutive groups of H columns (a[:, :H], a[:, H:2*H], ...), "
                   "not every 4th column: reshape to (N, 4, H), not (N, H, 4)",
}


@never_raise
def check_lstm_step_forward(lstm_step_forward):
    """lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) -> (h_next, c_next)."""
    for seed, (N, D, H) in SEEDS:
        args = _problem(seed, N, D, H)
        want = _forward(*args)
        out, err = call(lstm_step_forward, "lstm_step_forward", *(a.copy() for a in args))
        if err is not None:
            return err
        out, err = as_tuple(out, "lstm_step_forward", "h_next, c_next")
        if err is not None:
            return err
        if same(out, want):
            continue
        if reordered(out, want):
            return failed("h_next and c_next are swapped: return (h_next, c_next) in that order")
        slips = gate_slips(partial(_forward, *args), FORWARD_SLIPS, ORDER,
                           "you read the four blocks of a as {}; the order is i, f, g, o (as in torch.nn.LSTM): "
                           "a[:, :H] is i, a[:, H:2*H] f, a[:, 2*H:3*H] g, a[:, 3*H:] o")
        hint = name_slip(out, slips)
        if hint:
            return failed(hint)
        h, c = out
        if same(c, want[1]):
            return compare("h_next", h, want[0], hint="Since c_next is right, look at h_next = o * tanh(c_next).")
        return compare("c_next", c, want[1], hint="Check the gates (sigmoid for i, f, o; tanh for g) "
                                                  "and c_next = f * c_prev + i * g.")
    return passed("right: gates in the order i, f, g, o, and h_next = o * tanh(c_next).")


# --------------------------------------------------------------------------
# Exercise 2: the backward step
# --------------------------------------------------------------------------

def _backward(dh_total, dc_next, cache, slip=None, order=ORDER):
    """The reference backward step, or one with a named slip, or with da's blocks stacked as ``order``."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    tanh_c = {"1 - tc": 1 - tc, "no tanh'": 1.0}.get(slip, 1 - tc * tc)
    dc = dh_total * (1.0 if slip == "no o in dc" else o) * tanh_c + (0.0 if slip == "no dc_next" else dc_next)
    grad = {"i": dc * g, "g": dc * i, "o": dh_total * (1.0 if slip == "no tc in do" else tc),
            "f": dc * {"df uses f": f, "df uses c_next": f * c_prev + i * g}.get(slip, c_prev)}
    slope = {"i": i * (1 - i), "f": f * (1 - f), "g": 1 - g * g, "o": o * (1 - o)}
    slope.update({"no sigmoid'": {"f": 1.0}, "1 - f": {"f": 1 - f}, "f": {"f": f}, "1 - g": {"g": 1 - g},
                  "sigmoid' for g": {"g": g * (1 - g)}, "no derivatives": dict.fromkeys(ORDER, 1.0),
                  "no i'": {"i": 1.0}, "no o'": {"o": 1.0}, "no g'": {"g": 1.0}}.get(slip, {}))
    da = np.concatenate([grad[n] * slope[n] for n in order], axis=1)
    dc_prev = dc if slip == "no f in dc_prev" else dc * f
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
SLIPS = {
    "no dc_next": "the dc_next term is missing: the gradient arriving along the cell path from step t+1 "
                  "adds to the one that reaches c_t through h_t = o * tanh(c_t)",
    "no tanh'": "tanh' is missing where dh_total reaches the cell: h = o * tanh(c), so "
                "dc gets dh_total * o * (1 - tanh(c)^2)",
    "1 - tc": "tanh'(c_next) is 1 - tc**2 (tc is already tanh(c_next)): you wrote 1 - tc, without the square",
    "no o in dc": "the output gate is missing where dh_total reaches the cell: h = o * tanh(c), so "
                  "dh_total is multiplied by o (and by tanh'(c)) on its way to c",
    "df uses f": "df is off: c = f * c_prev + ..., so dL/df = dc * c_prev (not dc * f)",
    "df uses c_next": "df is off: you multiplied dc by c_next; in c_next = f * c_prev + i * g the forget gate "
                      "multiplies c_prev, the cell state *before* this step, so dL/df = dc * c_prev",
    "no tc in do": "do is off: h = o * tanh(c), so dL/do = dh_total * tanh(c_next), and tanh(c_next) is tc",
    "no sigmoid'": "the forget gate's derivative is missing: f = sigmoid(a_f), so da_f = df * f * (1 - f)",
    "1 - f": "the forget gate's derivative is sigmoid'(a_f) = f * (1 - f), not (1 - f)",
    "f": "the forget gate's derivative is sigmoid'(a_f) = f * (1 - f), not f",
    "1 - g": "g = tanh(a_g), so its derivative is 1 - g**2: you wrote 1 - g, without the square",
    "sigmoid' for g": "g = tanh(a_g) is not a sigmoid gate: its derivative is tanh' = 1 - g**2, not g * (1 - g)",
    "no g'": "the derivative of g is missing: g = tanh(a_g), so da_g = dg * (1 - g**2)",
    "no i'": "the input gate's derivative is missing: i = sigmoid(a_i), so da_i = di * i * (1 - i)",
    "no o'": "the output gate's derivative is missing: o = sigmoid(a_o), so da_o = do * o * (1 - o)",
    "no derivatives": "the gates' derivatives are missing: each block of da is the gate's gradient times its "
                      "activation's derivative (sigmoid' for i, f, o; tanh' for g)",
    "no f in dc_prev": "dc_prev is off: going back along the cell path multiplies by the forget gate, "
                       "dc_prev = dc * f",
}


def _blocks(out, want, H):
    """Which of da's four gate blocks are right, judged on the columns of dWx and dWh."""
    def right(k):
        cols = slice(k * H, (k + 1) * H)
        return all(same(np.asarray(out[j], dtype=float)[:, cols], want[j][:, cols]) for j in (3, 4))
    return [n for k, n in enumerate(ORDER) if right(k)]


def _where_to_look(out, want, H):
    """A hint for an answer of the right shapes that no known slip explains."""
    wrong = [n for n, got, w in zip(NAMES, out, want) if not same(got, w)]
    right = [n for n in NAMES if n not in wrong]
    if wrong == ["dc_prev"]:
        return ("dc_prev is off, everything that comes from da is right: look at how the gradient goes from "
                "c_next back to c_prev along the cell path")
    ok = _blocks(out, want, H)
    off = [n for n in ORDER if n not in ok]
    if ok and off:
        where = ("dc is shared by i, f and g but not o: look at dc first" if off == ["i", "f", "g"] else
                 "look at what each of them multiplies in c_next = f * c_prev + i * g or "
                 "h_next = o * tanh(c_next), and at its activation's derivative")
        return (f"in da, the {', '.join(off)} block{'s are' if len(off) > 1 else ' is'} off and "
                f"{', '.join(ok)} right: {where}")
    if not off:
        return (f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off although da looks right "
                f"(dWx and dWh match): look at how da turns into {', '.join(wrong)}")
    return (f"{', '.join(wrong)} wrong" + (f"; {', '.join(right)} right" if right else "")
            + ": start from dc (both paths into the cell state), then the gradient of each gate, then "
              "da = the four blocks times their activation's derivative")


@never_raise
def check_lstm_step_backward(lstm_step_backward):
    """lstm_step_backward(dh_total, dc_next, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db).

    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc), as helpers.lstm.step_forward makes it.
    """
    for seed, (N, D, H) in SEEDS:
        x, h_prev, c_prev, Wx, Wh, b = _problem(seed, N, D, H)
        _, _, cache = lstm.step_forward(x, h_prev, c_prev, Wx, Wh, b)
        rng = np.random.default_rng(seed + 10)
        dh_total, dc_next = rng.standard_normal(h_prev.shape), rng.standard_normal(h_prev.shape)
        want = _backward(dh_total, dc_next, cache)
        out, err = call(lstm_step_backward, "lstm_step_backward", dh_total.copy(), dc_next.copy(),
                        tuple(a.copy() for a in cache))
        if err is not None:
            return err
        out, err = as_tuple(out, "lstm_step_backward", ", ".join(NAMES))
        if err is not None:
            return err
        if same(out, want):
            continue
        if reordered(out, want):
            return failed(f"the six gradients are right but in the wrong order: return ({', '.join(NAMES)})")
        slips = gate_slips(partial(_backward, dh_total, dc_next, cache), SLIPS, ORDER,
                           "the four blocks of da are stacked in the order {}; they must be in the order of a's "
                           "columns, i, f, g, o, for the weight gradients to line up")
        hint = name_slip(out, slips)
        if hint:
            return failed(hint)
        for n, got, w in zip(NAMES, out, want):
            r = compare(n, got, w)
            if r is not None and "right shape" not in r.message:
                return r
        return failed(_where_to_look(out, want, H))
    return passed("right: every gradient matches, including the dc_next term and sigmoid' = f * (1 - f).")


# --------------------------------------------------------------------------
# Exercise 3: the backward pass over a whole sequence, built on the step
# --------------------------------------------------------------------------

def check_lstm_backward(lstm_backward, step_backward=None):
    """lstm_backward(dh, caches, step_backward) -> (dx, dh0, dc0, dWx, dWh, db), the LSTM's backward pass.

    dh (N, T, H); caches: the T step caches of lstm.step_forward, caches[t] for step t; step_backward: a
    step function with Exercise 2's contract (the learner's own lstm_step_backward, or lstm.step_backward).
    When the result is wrong, the check tells the loop's slips from the step function's. It lives in
    helpers.exercises.nb06_sequence (this module would be too long), which builds on Exercise 2's check.
    """
    from helpers.exercises import nb06_sequence  # imported here: it imports this module
    return nb06_sequence.check_lstm_backward(lstm_backward, step_backward)


# --------------------------------------------------------------------------
# Exercise 4: the gradient along the belt
# --------------------------------------------------------------------------

def _cell_slips(dc_T, f):
    T = f.shape[1]
    prod = np.prod(f, axis=1)
    return [
        (dc_T * np.prod(f * (1 - f), axis=1),
         "you multiplied by f * (1 - f), the sigmoid's derivative; along the cell path c_t = f_t * c_{t-1} + ..., "
         "so dc_{t-1} = dc_t * f_t: the gate value itself"),
        (dc_T * np.sum(f, axis=1), "gradients through a chain of steps multiply: use a product of the forget "
                                   "gates, not a sum"),
        (dc_T + np.sum(f, axis=1), "gradients through a chain of steps multiply: use a product of the forget "
                                   "gates, not a sum"),
        (dc_T * np.mean(f, axis=1), "gradients through a chain of steps multiply: use a product of the forget "
                                    "gates, not a mean"),
        (dc_T * f[:, -1], "you multiplied by the last forget gate only: every one of the T steps back multiplies "
                          "by its own gate, f_T, then f_{T-1}, ..., down to f_1"),
        (dc_T * f[:, 0], "you multiplied by the first forget gate only: every one of the T steps back multiplies "
                         "by its own gate, f_1 .. f_T"),
        (dc_T * f[:, -1] ** T, "you used the last forget gate T times: each step has its own gate, "
                               "multiply f_1 .. f_T"),
        (dc_T * np.prod(f[:, 1:], axis=1), "one forget gate is missing: all T steps, f_1 .. f_T, scale the gradient"),
        (dc_T * np.prod(f[:, :-1], axis=1), "one forget gate is missing: all T steps, f_1 .. f_T, scale the gradient"),
        (dc_T * np.prod(f), "multiply over the time axis only (axis=1): each sample and each unit has its own gates"),
        (prod, "dc_T is missing: the product of the forget gates scales the gradient you start from, dc_T"),
        (dc_T / prod, "going back along the belt *multiplies* by each forget gate (c_t = f_t * c_{t-1} + ...), "
                      "it does not divide"),
        (dc_T[:, None] * np.cumprod(f[:, ::-1], axis=1),
         "you returned the gradient after every step back; return only dc_0, shape (N, H)"),
        (dc_T[:, None] * np.cumprod(f, axis=1),
         "you returned a running product for every step; return only dc_0, shape (N, H)"),
    ]


CELL_CASES = [(4, (2, 6, 3)), (5, (3, 4, 5))]  # seed, (N, T, H)


@never_raise
def check_cell_gradient(cell_gradient):
    """cell_gradient(dc_T, f) -> dc_0 (N, H) along the cell path only: dc_T * f_1 * ... * f_T.

    dc_T (N, H); f (N, T, H), the forget gates of steps 1..T.
    """
    for seed, (N, T, H) in CELL_CASES:
        rng = np.random.default_rng(seed)
        dc_T = rng.standard_normal((N, H))
        f = sigmoid(rng.standard_normal((N, T, H)) + 1.0)
        want = dc_T * np.prod(f, axis=1)
        out, err = call(cell_gradient, "cell_gradient", dc_T.copy(), f.copy())
        if err is not None:
            return explain_error(err, "note that f has shape (N, T, H): the time axis, along which to multiply, "
                                      "is axis 1")
        if same(out, want):
            continue
        hint = name_slip(out, _cell_slips(dc_T, f))
        if hint:
            return failed(hint)
        return compare("dc_0", out, want, hint="Along the cell path each step back multiplies the gradient by "
                                               "that step's forget gate: look at which gates you multiply, "
                                               "and along which axis.")
    return passed("right: along the cell path every step back multiplies by that step's forget gate.")


# --------------------------------------------------------------------------
# Exercise 5: a forget-gate bias for a memory horizon
# --------------------------------------------------------------------------

def _bias_slips(keep, T):
    f = keep ** (1.0 / T)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    root = "f ** T must equal keep, so f is the T-th root of keep: keep ** (1 / T), not keep ** T"
    single_log = "the inverse of sigmoid is the logit, log(f / (1 - f)), not a single log"
    return [
        (f, "you returned the gate value f = keep ** (1/T); the bias is the pre-activation that sigmoid turns "
            "into f: b_f = log(f / (1 - f))"),
        (keep ** T, root), (logit(keep ** T), root), (logit(keep * T), root), (logit(keep / T), root),
        (np.log(f), single_log), (-np.log(1 - f), single_log), (np.log(1 - f), single_log),
        (-logit(f), "the sign is flipped: sigmoid(b_f) must be f, close to 1, so b_f is positive, "
                    "log(f / (1 - f))"),
        (logit(keep) / T, "the logit of the root is not the root of the logit: first find f = keep ** (1/T), "
                          "then take the logit of f"),
        (np.arctanh(f), "np.arctanh inverts tanh, not the sigmoid: b_f = log(f / (1 - f))"),
    ]


@never_raise
def check_forget_bias(forget_bias):
    """forget_bias(keep, T) -> b_f such that sigmoid(b_f) ** T == keep."""
    for keep, T in [(0.5, 100), (0.9, 20), (0.1, 7)]:
        v, err = call(forget_bias, "forget_bias", keep, T)
        if err is not None:
            return err
        v, err = scalar(v, "forget_bias", returned="the bias",
                        nonfinite_hint="look for a log of 0 or a division by zero (is f exactly 1 or 0?)")
        if err is not None:
            return err
        if np.isclose(sigmoid(v) ** T, keep, rtol=1e-6):
            continue
        hint = name_slip(v, _bias_slips(keep, T), atol=0)
        if hint:
            return failed(hint)
        return failed(f"for keep={keep}, T={T} your b_f = {v:.4g} keeps sigmoid(b_f) ** T = "
                      f"{sigmoid(v) ** T:.3g}, not {keep}: first find f with f ** T = keep, then invert the sigmoid")
    return passed("right: b_f = logit(keep ** (1/T)). A bias of a few units already holds memory for 100 steps.")
