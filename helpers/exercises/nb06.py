"""Checks for notebook 06, the LSTM.

Each check runs the learner's function on small random cases and, when the
answer is wrong, recomputes the usual slips to say which one it sees: the
cell state used without tanh before the output gate, the gates read in the
wrong order, the dc_next term left out of the backward pass, a wrong
forget-gate derivative, a sum where a product belongs.
"""
from itertools import permutations

import numpy as np

from helpers import lstm
from helpers.exercises.core import call, compare, failed, passed
from helpers.layers import sigmoid

ORDER = ("i", "f", "g", "o")


def _problem(seed=0, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H)),
            0.7 * rng.standard_normal((D, 4 * H)), 0.7 * rng.standard_normal((H, 4 * H)),
            0.5 * rng.standard_normal(4 * H))


def _forward(x, h_prev, c_prev, Wx, Wh, b, order=ORDER, tanh_c=True):
    """The step with the four blocks of a read as ``order``."""
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    blocks = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    i, f, o = (sigmoid(blocks[n]) for n in "ifo")
    g = np.tanh(blocks["g"])
    c = f * c_prev + i * g
    return (o * np.tanh(c) if tanh_c else o * c), c


def _pair(out, name, items):
    if out is None:
        return None, failed(f"{name} returned None: did you forget to `return` {items}?")
    if not isinstance(out, (tuple, list)) or len(out) != len(items.split(", ")):
        return None, failed(f"{name} must return the tuple ({items}), got {type(out).__name__}"
                            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out, None


def _close(got, want):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(np.allclose(got, want, atol=1e-8))


def check_lstm_step_forward(lstm_step_forward):
    """lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) -> (h_next, c_next)."""
    for seed in (0, 1):
        args = _problem(seed)
        h_want, c_want = _forward(*args)
        out, err = call(lstm_step_forward, "lstm_step_forward", *(a.copy() for a in args))
        if err is not None:
            return err
        out, err = _pair(out, "lstm_step_forward", "h_next, c_next")
        if err is not None:
            return err
        h, c = out
        if _close(h, c_want) and _close(c, h_want):
            return failed("h_next and c_next are swapped: return (h_next, c_next) in that order")
        if compare("c_next", c, c_want) is None:
            if _close(h, _forward(*args, tanh_c=False)[0]):
                return failed("c_next is right, h_next is not: you used o * c_next; the cell state goes "
                              "through tanh before the output gate scales it, h_next = o * tanh(c_next)")
            r = compare("h_next", h, h_want, hint="c_next is right: look at h_next = o * tanh(c_next)")
            if r is not None:
                return r
            continue
        for order in permutations(ORDER):
            if order != ORDER and _close(c, _forward(*args, order=order)[1]):
                return failed(f"you read the four blocks of a as {', '.join(order)}; the order is i, f, g, o "
                              "(as in torch.nn.LSTM): a[:, :H] is i, a[:, H:2*H] f, a[:, 2*H:3*H] g, a[:, 3*H:] o")
        return compare("c_next", c, c_want, hint="check the gates (sigmoid for i, f, o; tanh for g) "
                                                  "and c_next = f * c_prev + i * g")
    return passed("right: gates in the order i, f, g, o, and h_next = o * tanh(c_next).")


def _backward(dh_next, dc_next, cache, slip=None):
    """The reference backward step, or one with a named slip."""
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dc = dh_next * o * (1 - tc * tc) + (0.0 if slip == "no dc_next" else dc_next)
    if slip == "no tanh'":
        dc = dh_next * o + dc_next
    df = dc * (f if slip == "df uses f" else c_prev)
    daf = {"no sigmoid'": df, "1 - f": df * (1 - f), "f": df * f}.get(slip, df * f * (1 - f))
    da = np.concatenate([dc * g * i * (1 - i), daf, dc * i * (1 - g * g), dh_next * tc * o * (1 - o)], axis=1)
    dc_prev = dc if slip == "no f in dc_prev" else dc * f
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
SLIPS = {
    "no dc_next": "the dc_next term is missing: the gradient arriving along the cell path from step t+1 "
                  "adds to the one coming through h, dc = dc_next + dh_next * o * (1 - tanh(c)^2)",
    "no tanh'": "tanh' is missing where dh_next reaches the cell: h = o * tanh(c), so "
                "dc gets dh_next * o * (1 - tanh(c)^2)",
    "df uses f": "df is off: c = f * c_prev + ..., so dL/df = dc * c_prev (not dc * f)",
    "no sigmoid'": "the forget gate's derivative is missing: f = sigmoid(a_f), so da_f = df * f * (1 - f)",
    "1 - f": "the forget gate's derivative is sigmoid'(a_f) = f * (1 - f), not (1 - f)",
    "f": "the forget gate's derivative is sigmoid'(a_f) = f * (1 - f), not f",
    "no f in dc_prev": "dc_prev is off: going back along the cell path multiplies by the forget gate, "
                       "dc_prev = dc * f",
}


def check_lstm_step_backward(lstm_step_backward):
    """lstm_step_backward(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db).

    cache = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc), as helpers.lstm.step_forward makes it.
    """
    for seed in (0, 1):
        x, h_prev, c_prev, Wx, Wh, b = _problem(seed)
        _, _, cache = lstm.step_forward(x, h_prev, c_prev, Wx, Wh, b)
        rng = np.random.default_rng(seed + 10)
        dh_next, dc_next = rng.standard_normal(h_prev.shape), rng.standard_normal(h_prev.shape)
        want = _backward(dh_next, dc_next, cache)
        out, err = call(lstm_step_backward, "lstm_step_backward", dh_next.copy(), dc_next.copy(),
                        tuple(a.copy() for a in cache))
        if err is not None:
            return err
        out, err = _pair(out, "lstm_step_backward", ", ".join(NAMES))
        if err is not None:
            return err
        wrong = [n for n, got, w in zip(NAMES, out, want) if not _close(got, w)]
        if not wrong:
            continue
        for slip, hint in SLIPS.items():
            if all(_close(got, w) for got, w in zip(out, _backward(dh_next, dc_next, cache, slip))):
                return failed(hint)
        right = [n for n in NAMES if n not in wrong]
        n = wrong[0]
        r = compare(n, out[NAMES.index(n)], want[NAMES.index(n)],
                    hint=f"{', '.join(wrong)} wrong" + (f"; {', '.join(right)} right" if right else "")
                    + ": start from dc = dc_next + dh_next * o * (1 - tc**2), then di, df, dg, do, "
                      "then da = the four blocks times their activation's derivative")
        return r
    return passed("right: every gradient matches, including the dc_next term and sigmoid' = f * (1 - f).")


def _cell_reference(dc_T, f):
    return dc_T * np.prod(f, axis=1)


def check_cell_gradient(cell_gradient):
    """cell_gradient(dc_T, f) -> dc_0 (N, H) along the cell path only: dc_T * f_1 * ... * f_T.

    dc_T (N, H); f (N, T, H), the forget gates of steps 1..T.
    """
    rng = np.random.default_rng(4)
    dc_T = rng.standard_normal((2, 3))
    f = sigmoid(rng.standard_normal((2, 6, 3)) + 1.0)
    want = _cell_reference(dc_T, f)
    out, err = call(cell_gradient, "cell_gradient", dc_T.copy(), f.copy())
    if err is not None:
        return err
    r = compare("dc_0", out, want)
    if r is None:
        return passed("right: along the cell path every step back multiplies by that step's forget gate.")
    if "right shape" not in r.message:
        return r
    if _close(out, dc_T * np.prod(f * (1 - f), axis=1)):
        return failed("you multiplied by f * (1 - f), the sigmoid's derivative; along the cell path "
                      "c_t = f_t * c_{t-1} + ..., so dc_{t-1} = dc_t * f_t: the gate value itself")
    if _close(out, dc_T * np.sum(f, axis=1)) or _close(out, dc_T + np.sum(f, axis=1)):
        return failed("gradients through a chain of steps multiply: use a product of the forget gates, not a sum")
    if _close(out, dc_T * np.prod(f[:, 1:], axis=1)) or _close(out, dc_T * np.prod(f[:, :-1], axis=1)):
        return failed("one forget gate is missing: all T steps, f_1 .. f_T, scale the gradient")
    if _close(out, dc_T * np.prod(f)) or _close(out, dc_T * np.prod(f, axis=(0, 1))):
        return failed("multiply over the time axis only (axis=1): each sample and each unit has its own gates")
    return r


def check_forget_bias(forget_bias):
    """forget_bias(keep, T) -> b_f such that sigmoid(b_f) ** T == keep."""
    for keep, T in [(0.5, 100), (0.9, 20), (0.1, 7)]:
        v, err = call(forget_bias, "forget_bias", keep, T)
        if err is not None:
            return err
        if v is None:
            return failed("forget_bias returned None: did you forget to `return` the bias?")
        try:
            v = float(np.asarray(v, dtype=float))
        except (TypeError, ValueError):
            return failed(f"forget_bias must return one number, got {type(v).__name__}")
        f = keep ** (1.0 / T)
        want = np.log(f / (1 - f))
        if np.isclose(v, want, rtol=1e-6):
            continue
        if np.isclose(v, f, rtol=1e-6):
            return failed("you returned the gate value f = keep ** (1/T); the bias is the pre-activation "
                          "that sigmoid turns into f: b_f = log(f / (1 - f))")
        if np.isclose(v, keep ** T, rtol=1e-6) or np.isclose(v, np.log((keep ** T) / (1 - keep ** T)), rtol=1e-6):
            return failed("f ** T must equal keep, so f is the T-th root of keep: keep ** (1 / T), not keep ** T")
        if np.isclose(v, np.log(f), rtol=1e-6) or np.isclose(v, -np.log(1 - f), rtol=1e-6):
            return failed("the inverse of sigmoid is the logit, log(f / (1 - f)), not a single log")
        if np.isfinite(v) and np.isclose(sigmoid(v) ** T, keep, rtol=1e-6):
            continue
        kept = f"{sigmoid(v) ** T:.3g}" if np.isfinite(v) else "not a number"
        return failed(f"for keep={keep}, T={T} your b_f = {v:.4g} keeps sigmoid(b_f) ** T = {kept}, not {keep}: "
                      "first find f with f ** T = keep, then invert the sigmoid")
    return passed("right: b_f = logit(keep ** (1/T)). A bias of a few units already holds memory for 100 steps.")
