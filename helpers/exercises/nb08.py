"""Checks for notebook 08, the GRU, deep and bidirectional RNNs.

Each check runs the learner's function on small random cases (N != D != H,
two seeds) and, when the answer is wrong, recomputes the usual slips to say
which one it sees: z and 1 - z swapped, the reset gate applied to h_{t-1}
before the matrix product or outside the bias, the gate blocks read in the
wrong order, the direct path z * dh left out of the backward step, the
backward direction's outputs left reversed, the halves or final states in
the wrong order, the biases of a GRU counted as one. Checks never raise.
"""
from functools import partial

import numpy as np

from helpers import deep, gru
from helpers.exercises.core import (as_tuple, call, compare, diagnose, explain_error, failed, gate_slips, never_raise,
                                    passed, reordered, same, scalar)
from helpers.layers import sigmoid

ORDER = ("r", "z", "n")
SEEDS = [(0, (3, 4, 5)), (1, (2, 6, 3))]  # seed, (N, D, H)


def _problem(seed=0, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)), 0.7 * rng.standard_normal((D, 3 * H)),
            0.7 * rng.standard_normal((H, 3 * H)), 0.5 * rng.standard_normal(3 * H), 0.5 * rng.standard_normal(3 * H))


# --------------------------------------------------------------------------
# Exercise 1: the forward step
# --------------------------------------------------------------------------

def _forward(x, h_prev, Wx, Wh, bx, bh, order=ORDER, slip=None):
    """h_next with the three blocks read as ``order``, or with one typical slip."""
    H = h_prev.shape[1]
    cols = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(order)}
    if slip == "interleaved":
        cols = {name: slice(k, 3 * H, 3) for k, name in enumerate(order)}
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    gate = np.tanh if slip == "gates tanh" else sigmoid
    r = gate(ax[:, cols["r"]] + ah[:, cols["r"]])
    z = gate(ax[:, cols["z"]] + ah[:, cols["z"]])
    hWn, bxn, bhn = h_prev @ Wh[:, cols["n"]], bx[cols["n"]], bh[cols["n"]]
    a_n = {"reset before matmul": x @ Wx[:, cols["n"]] + bxn + (r * h_prev) @ Wh[:, cols["n"]] + bhn,
           "reset outside bias": x @ Wx[:, cols["n"]] + bxn + r * hWn + bhn,
           "merged biases": x @ Wx[:, cols["n"]] + r * (hWn + bxn + bhn),
           "no reset": ax[:, cols["n"]] + ah[:, cols["n"]]}.get(slip, ax[:, cols["n"]] + r * ah[:, cols["n"]])
    n = sigmoid(a_n) if slip == "n sigmoid" else np.tanh(a_n)
    return {"z swapped": z * n + (1 - z) * h_prev, "no h_prev": (1 - z) * n, "no 1 - z": n + z * h_prev,
            "r instead of z": (1 - r) * n + r * h_prev}.get(slip, (1 - z) * n + z * h_prev)


FORWARD_SLIPS = {
    "z swapped": "z and 1 - z are swapped: in torch's GRU z = 1 keeps the old state, h_next = (1 - z) * n + z * h_prev",
    "reset before matmul": "the reset gate multiplies h_prev before the product, (r * h_prev) @ Wh_n: that is "
                           "Cho et al.'s (and D2L's) variant; torch's GRU, which this one must equal, applies r "
                           "after it, to the whole (h_prev @ Wh_n + bh_n)",
    "reset outside bias": "the reset gate must multiply (h_prev @ Wh_n + bh_n), bias included: you left bh_n "
                          "outside r",
    "merged biases": "you merged the two n-biases: bx_n sits outside the reset gate, bh_n inside, "
                     "n = tanh(x Wx_n + bx_n + r * (h_prev Wh_n + bh_n))",
    "no reset": "the reset gate is missing from n: n = tanh(ax_n + r * ah_n)",
    "n sigmoid": "the candidate n is squashed with tanh (values in (-1, 1)), not sigmoid",
    "gates tanh": "the gates r and z use sigmoid (values in (0, 1), a share); only n uses tanh",
    "no h_prev": "the old state is missing from h_next: h_next = (1 - z) * n + z * h_prev",
    "no 1 - z": "the candidate enters h_next scaled by (1 - z): h_next = (1 - z) * n + z * h_prev",
    "r instead of z": "h_next mixes n and h_prev with the update gate z, not the reset gate r",
    "interleaved": "the three blocks are consecutive groups of H columns (a[:, :H], a[:, H:2*H], a[:, 2*H:]), "
                   "not every 3rd column",
}


@never_raise
def check_gru_step_forward(gru_step_forward):
    """gru_step_forward(x, h_prev, Wx, Wh, bx, bh) -> h_next (N, H), gate order r, z, n as in torch."""
    for seed, (N, D, H) in SEEDS:
        args = _problem(seed, N, D, H)
        want = _forward(*args)
        out, err = call(gru_step_forward, "gru_step_forward", *(a.copy() for a in args))
        if err is not None:
            return err
        if isinstance(out, (tuple, list)) and len(out) >= 1 and same(out[0], want):
            return failed(f"return h_next only, one array (N, H), not a tuple of {len(out)}")
        if same(out, want):
            continue
        slips = gate_slips(partial(_forward, *args), FORWARD_SLIPS, ORDER,
                           "you read the three blocks as {}; torch's order is r, z, n: a[:, :H] is r, a[:, H:2*H] z, "
                           "a[:, 2*H:] n")
        found = diagnose(out, slips, right=want)
        if found is not None:
            return found
        return compare("h_next", out, want, hint="Check the gates (sigmoid for r and z, tanh for n), where r "
                                                  "enters n, and h_next = (1 - z) * n + z * h_prev.")
    return passed("right: r and z are sigmoids, r scales (h Wh_n + bh_n), and z = 1 keeps the old state.")


# --------------------------------------------------------------------------
# Exercise 2: the backward step
# --------------------------------------------------------------------------

def _backward(dh, cache, slip=None, order=ORDER):
    """The reference backward step, or one with a named slip, or with the blocks stacked as ``order``."""
    x, h_prev, Wx, Wh, r, z, n, ah_n = cache
    dn = dh * {"z instead of 1 - z": z, "no 1 - z": 1.0}.get(slip, 1 - z)
    dz = dh * ((n - h_prev) if slip == "dz sign" else (h_prev - n))
    dan = dn * {"1 - n": 1 - n, "no tanh'": 1.0}.get(slip, 1 - n * n)
    dr = dan * (h_prev if slip == "dr uses h_prev" else ah_n)
    dar = dr * (1.0 if slip == "no sigmoid' r" else r * (1 - r))
    daz = dz * {"no sigmoid' z": 1.0, "z' as 1 - z": 1 - z, "z' as z": z}.get(slip, z * (1 - z))
    blocks_x = {"r": dar, "z": daz, "n": dan}
    blocks_h = {"r": dar, "z": daz, "n": dan if slip == "no r in dah_n" else dan * r}
    dax = np.concatenate([blocks_x[k] for k in order], axis=1)
    dah = np.concatenate([blocks_h[k] for k in order], axis=1)
    direct = {"no direct path": 0.0, "direct path 1 - z": dh * (1 - z)}.get(slip, dh * z)
    dh_prev = direct + dah @ Wh.T
    return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)


NAMES = ("dx", "dh_prev", "dWx", "dWh", "dbx", "dbh")
SLIPS = {
    "no direct path": "dh_prev is missing the direct path: h_next = (1 - z) * n + z * h_prev, so h_prev also "
                      "gets dh_next * z, besides what comes back through the gates",
    "direct path 1 - z": "the direct path to h_prev is dh_next * z (z multiplies h_prev), not dh_next * (1 - z)",
    "z instead of 1 - z": "dn is off: n enters h_next scaled by (1 - z), so dn = dh_next * (1 - z), not * z",
    "no 1 - z": "dn is off: n enters h_next scaled by (1 - z), so dn = dh_next * (1 - z)",
    "dz sign": "dz has the wrong sign: dh_next/dz = h_prev - n (h_next = n + z * (h_prev - n))",
    "1 - n": "tanh'(a_n) is 1 - n**2: you wrote 1 - n, without the square",
    "no tanh'": "the derivative of n is missing: n = tanh(a_n), so dan = dn * (1 - n**2)",
    "dr uses h_prev": "the reset gate's gradient is off: r multiplies ah_n = h_prev Wh_n + bh_n (in the cache), "
                      "not h_prev, so dr = dan * ah_n",
    "no sigmoid' r": "the reset gate's derivative is missing: r = sigmoid(a_r), so dar = dr * r * (1 - r)",
    "no sigmoid' z": "the update gate's derivative is missing: z = sigmoid(a_z), so daz = dz * z * (1 - z)",
    "z' as 1 - z": "the update gate's derivative is sigmoid'(a_z) = z * (1 - z), not (1 - z)",
    "z' as z": "the update gate's derivative is sigmoid'(a_z) = z * (1 - z), not z",
    "no r in dah_n": "the n block of dah is off: ah_n enters n multiplied by r, so its gradient is dan * r "
                     "(the n block of dax, for x Wx_n + bx_n, is dan alone)",
}


def _where_to_look(out, want, H):
    """A hint for an answer of the right shapes that no known slip explains."""
    wrong = [n for n, got, w in zip(NAMES, out, want) if not same(got, w)]
    right = [n for n in NAMES if n not in wrong]
    ok = [k for j, k in enumerate(ORDER)
          if all(same(np.asarray(out[i], dtype=float)[:, j * H:(j + 1) * H], want[i][:, j * H:(j + 1) * H])
                 for i in (2, 3))]
    if ok and len(ok) < 3:
        off = [k for k in ORDER if k not in ok]
        return (f"the {', '.join(off)} block{'s are' if len(off) > 1 else ' is'} off and {', '.join(ok)} right "
                "(judged on dWx and dWh): look at what each gate multiplies, and at its activation's derivative")
    if wrong and set(wrong) <= {"dbx", "dbh"}:
        return (f"{' and '.join(wrong)} off, the rest right: dbx and dbh are the sums over the batch (axis 0) of "
                "dax and dah, which differ in the n block (dan and dan * r)")
    if wrong == ["dh_prev"]:
        return "only dh_prev is off: it gets dah @ Wh.T plus the direct path from h_next = ... + z * h_prev"
    return (f"{', '.join(wrong)} wrong" + (f"; {', '.join(right)} right" if right else "")
            + ": start from dn = dh_next * (1 - z) and dz = dh_next * (h_prev - n), then the gates' derivatives")


@never_raise
def check_gru_step_backward(gru_step_backward):
    """gru_step_backward(dh_next, cache) -> (dx, dh_prev, dWx, dWh, dbx, dbh).

    cache = (x, h_prev, Wx, Wh, r, z, n, ah_n), as helpers.gru.step_forward makes it.
    """
    for seed, (N, D, H) in SEEDS:
        _, cache = gru.step_forward(*_problem(seed, N, D, H))
        dh = np.random.default_rng(seed + 10).standard_normal((N, H))
        want = _backward(dh, cache)
        out, err = call(gru_step_backward, "gru_step_backward", dh.copy(), tuple(a.copy() for a in cache))
        if err is not None:
            return explain_error(err, "x is (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H); the gates (N, H)")
        out, err = as_tuple(out, "gru_step_backward", ", ".join(NAMES))
        if err is not None:
            return err
        if same(out, want):
            continue
        if reordered(out, want):
            return failed(f"the six gradients are right but in the wrong order: return ({', '.join(NAMES)})")
        slips = gate_slips(partial(_backward, dh, cache), SLIPS, ORDER,
                           "the three blocks are stacked in the order {}; they must follow the columns of Wx and Wh, "
                           "r, z, n, for the weight gradients to line up")
        found = diagnose(out, slips, right=want)
        if found is not None:
            return found
        for name, got, w in zip(NAMES, out, want):
            r = compare(name, got, w)
            if r is not None and "right shape" not in r.message:
                return r
        return failed(_where_to_look(out, want, H))
    return passed("right: including the direct path z * dh_next and the reset gate's dr = dan * ah_n.")


# --------------------------------------------------------------------------
# Exercise 3: a bidirectional layer from two one-way GRUs
# --------------------------------------------------------------------------

def _bidirectional_slips(x, h0, fwd, bwd):
    """(output of a slip, hint) pairs, all built from gru.forward."""
    H = h0.shape[2]
    hf = gru.forward(x, h0[0], *fwd)[0]
    hb = gru.forward(x[:, ::-1], h0[1], *bwd)[0]  # the backward direction, in its own (reversed) time
    hb_x = gru.forward(x, h0[1], *bwd)[0]  # the backward weights run forwards
    cat = lambda a, b: np.concatenate([a, b], axis=2)  # noqa: E731
    hn = np.stack([hf[:, -1], hb[:, -1]])
    same_w = gru.forward(x[:, ::-1], h0[1], *fwd)[0]
    same_h0 = gru.forward(x[:, ::-1], h0[0], *bwd)[0]
    reverse_back = "reverse the backward direction's outputs back in time (h_b[:, ::-1]), so out[:, t] pairs " \
                   "both directions' states at the same step t"
    return [
        ((cat(hf, hb), hn), reverse_back),
        ((cat(hf, hb_x[:, ::-1]), np.stack([hf[:, -1], hb_x[:, -1]])),
         "the backward direction must read x reversed in time (x[:, ::-1]); you ran it on x as it is"),
        ((cat(hf, hb_x), np.stack([hf[:, -1], hb_x[:, -1]])),
         "the backward direction must read x reversed in time (x[:, ::-1]); you ran it on x as it is"),
        ((cat(hb[:, ::-1], hf), hn), "the halves are swapped: out[..., :H] is the forward direction, "
                                     "out[..., H:] the backward one (torch's order)"),
        ((cat(hf, hb[:, ::-1]), np.stack([hb[:, -1], hf[:, -1]])),
         "out is right; h_n's two entries are swapped: h_n[0] is the forward direction's final state, h_n[1] "
         "the backward one's"),
        ((cat(hf, hb[:, ::-1]), np.stack([hf[:, -1], hb[:, 0]])),
         "out is right; the backward direction's final state is its state after reading x_0, its last step: "
         "out[:, 0, H:], not out[:, -1, H:]"),
        ((cat(hf, same_w[:, ::-1]), np.stack([hf[:, -1], same_w[:, -1]])),
         "the backward direction has its own weights: use bwd, not fwd, for it"),
        ((cat(hf, same_h0[:, ::-1]), np.stack([hf[:, -1], same_h0[:, -1]])),
         "the backward direction starts from its own initial state h0[1], not h0[0]"),
        ((hf + hb[:, ::-1], hn), f"concatenate the two directions on the last axis, out (N, T, 2H) = "
                                 f"(N, T, {2 * H}); do not add them"),
    ]


@never_raise
def check_bidirectional(bidirectional_gru):
    """bidirectional_gru(x, h0, fwd, bwd) -> (out (N, T, 2H), h_n (2, N, H)), as torch.nn.GRU(bidirectional=True).

    x (N, T, D); h0 (2, N, H); fwd, bwd: (Wx, Wh, bx, bh) of each direction.
    """
    for seed, (N, T, D, H) in [(2, (2, 5, 3, 4)), (3, (3, 4, 2, 3))]:
        rng = np.random.default_rng(seed)
        x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((2, N, H))
        fwd, bwd = (tuple(0.6 * rng.standard_normal(s) for s in ((D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)))
                    for _ in range(2))
        out_ref, hn_ref, _ = deep.bidirectional_forward(gru, x, h0, [fwd, bwd])
        want = (np.array(out_ref), hn_ref)
        got, err = call(bidirectional_gru, "bidirectional_gru", x.copy(), h0.copy(),
                        tuple(w.copy() for w in fwd), tuple(w.copy() for w in bwd))
        if err is not None:
            return explain_error(err, "h0 is (2, N, H): h0[0] starts the forward direction, h0[1] the backward one")
        got, err = as_tuple(got, "bidirectional_gru", "out, h_n")
        if err is not None:
            return err
        if same(got, want):
            continue
        if reordered(got, want):
            return failed("out and h_n are swapped: return (out, h_n)")
        found = diagnose(got, _bidirectional_slips(x, h0, fwd, bwd), right=want)
        if found is not None:
            return found
        return (compare("out", got[0], want[0], hint="out[:, t] = [forward h_t, backward h_t]: the backward "
                                                     "direction reads x[:, ::-1] and its outputs are reversed back.")
                or compare("h_n", got[1], want[1], hint="h_n = [forward final state, backward final state], "
                                                        "shape (2, N, H)")
                or failed("your answer differs from torch's layout in a way the check cannot name"))
    return passed("right: the same layout as torch.nn.GRU(bidirectional=True): [forward, backward] on the last "
                  "axis, h_n[0] forward, h_n[1] backward.")


# --------------------------------------------------------------------------
# Exercise 4: how many parameters torch.nn.GRU has
# --------------------------------------------------------------------------

def gru_params(D, H, num_layers=1, bidirectional=False, gates=3, biases=2, above=None, dirs_mult=True):
    """Parameters of torch.nn.GRU(D, H, num_layers, bidirectional) (or of a slip, by the keywords)."""
    dirs = 2 if bidirectional else 1
    total = 0
    for layer in range(num_layers):
        d_in = D if layer == 0 else (dirs * H if above is None else above(D, H, dirs))
        total += (dirs if dirs_mult else 1) * gates * H * (d_in + H + biases)
    return total


COUNT_SLIPS = [
    (dict(biases=1), "a GRU has two bias vectors of 3H (bias_ih and bias_hh): the n blocks cannot be merged, "
                     "because the reset gate multiplies only bh_n"),
    (dict(biases=0), "the biases are missing: two vectors of 3H per layer and direction"),
    (dict(gates=4), "a GRU has 3 blocks (r, z, n), not the LSTM's 4"),
    (dict(gates=1), "each weight matrix holds 3 blocks (r, z, n): Wx is (D, 3H), Wh (H, 3H)"),
    (dict(above=lambda D, H, dirs: H), "a layer above a bidirectional one reads both directions: its input "
                                       "size is num_directions * H"),
    (dict(above=lambda D, H, dirs: D), "the layers above the first read the hidden states of the layer "
                                       "below (num_directions * H features), not x (D)"),
    (dict(dirs_mult=False), "a bidirectional layer has two sets of weights, one per direction"),
]


COUNT_CASES = [(5, 7, 1, False), (3, 4, 2, True), (6, 2, 3, False), (2, 9, 2, False), (4, 3, 3, True)]


@never_raise
def check_param_count(gru_param_count):
    """gru_param_count(D, H, num_layers, bidirectional) -> the number of parameters of torch.nn.GRU."""
    got = []
    for D, H, L, bi in COUNT_CASES:
        v, err = call(gru_param_count, "gru_param_count", D, H, L, bi)
        if err is not None:
            return err
        if isinstance(v, str):
            return failed(f"gru_param_count returned the string {v[:20]!r}: return a number, not a string")
        v, err = scalar(v, "gru_param_count", returned="the count")
        if err is not None:
            return err
        got.append(v)
    wrong = [(case, v) for case, v in zip(COUNT_CASES, got) if v != gru_params(*case)]
    if not wrong:
        return passed("right: 3H (D_in + H + 2) per layer and direction, with D_in = num_directions * H above "
                      "layer 0.")
    (D, H, L, bi), v = wrong[0]
    where = f"for D={D}, H={H}, num_layers={L}, bidirectional={bi}"
    for kw, hint in COUNT_SLIPS:  # a slip that explains every case
        if all(v == gru_params(*case, **kw) for case, v in zip(COUNT_CASES, got)):
            return failed(f"{where}: {hint}")
    return failed(f"{where} you count {v:g}, torch.nn.GRU has {gru_params(D, H, L, bi)}: count Wx, Wh and the "
                  "two biases of every layer and direction")
