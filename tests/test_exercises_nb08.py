"""The notebook 08 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers (written out as a learner would,
not taken from the check), each of which must get ❌ with a hint containing a
given word; right answers written differently that must pass; and odd returns
that must give ❌ without raising.
"""
from pathlib import Path

import numpy as np
import pytest

from exercise_cases import (ARRAY_ODD, assert_every_check_is_wrapped, assert_solution_passes,
                            assert_starter_not_yet_right, catalogue, every_check, exercises_with_checks, notebook_cells,
                            odd_tuples)
from helpers import deep, gru
from helpers.exercises import nb08
from helpers.layers import sigmoid

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08-gru-deep-bidirectional.ipynb"

TestEveryCheck = every_check([nb08.check_gru_step_forward, nb08.check_gru_step_backward, nb08.check_bidirectional,
                              nb08.check_param_count], {**ARRAY_ODD, **odd_tuples(2), **odd_tuples(6)},
                             own=gru.step_forward)


def test_every_check_is_wrapped():
    assert_every_check_is_wrapped(nb08)


# ---------------------------------------------------------------- Exercise 1: forward


def learner_forward(bug=None, order="rzn"):
    def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        blk = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(order)}
        if bug == "interleaved":
            blk = {name: slice(k, None, 3) for k, name in enumerate(order)}
        Wxr, Wxz, Wxn = (Wx[:, blk[k]] for k in "rzn")
        Whr, Whz, Whn = (Wh[:, blk[k]] for k in "rzn")
        bxr, bxz, bxn = (bx[blk[k]] for k in "rzn")
        bhr, bhz, bhn = (bh[blk[k]] for k in "rzn")
        act = np.tanh if bug == "gates tanh" else sigmoid
        r = act(x @ Wxr + bxr + h_prev @ Whr + bhr)
        z = act(x @ Wxz + bxz + h_prev @ Whz + bhz)
        if bug == "r before matmul":
            a_n = x @ Wxn + bxn + (r * h_prev) @ Whn + bhn
        elif bug == "bh_n outside r":
            a_n = x @ Wxn + bxn + r * (h_prev @ Whn) + bhn
        elif bug == "one n-bias inside r":
            b_n = bxn + bhn
            a_n = x @ Wxn + r * (h_prev @ Whn + b_n)
        elif bug == "no reset":
            a_n = x @ Wxn + bxn + h_prev @ Whn + bhn
        else:
            a_n = x @ Wxn + bxn + r * (h_prev @ Whn + bhn)
        n = sigmoid(a_n) if bug == "n sigmoid" else np.tanh(a_n)
        if bug == "z swapped":
            return z * n + (1 - z) * h_prev
        if bug == "no 1 - z":
            return n + z * h_prev
        if bug == "r in place of z":
            return (1 - r) * n + r * h_prev
        if bug == "forgets h_prev":
            return (1 - z) * n
        h_next = (1 - z) * n + z * h_prev
        if bug == "with gates":
            return h_next, (r, z, n)
        if bug == "transposed":
            return h_next.T
        if bug == "tanh(h)":
            return np.tanh(h_next)
        return h_next
    return gru_step_forward


WRONG_FORWARD = [
    ("z and 1 - z swapped", learner_forward("z swapped"), "swapped"),
    ("reset before the matmul (Cho/D2L)", learner_forward("r before matmul"), "before the product"),
    ("bh_n outside the reset gate", learner_forward("bh_n outside r"), "bias included"),
    ("n-biases merged inside r", learner_forward("one n-bias inside r"), "merged"),
    ("no reset gate", learner_forward("no reset"), "reset gate is missing"),
    ("n through sigmoid", learner_forward("n sigmoid"), "not sigmoid"),
    ("gates through tanh", learner_forward("gates tanh"), "only n uses tanh"),
    ("1 - z missing", learner_forward("no 1 - z"), "(1 - z)"),
    ("r mixes in place of z", learner_forward("r in place of z"), "update gate z"),
    ("h_prev dropped", learner_forward("forgets h_prev"), "old state is missing"),
    ("every 3rd column", learner_forward("interleaved"), "consecutive"),
    ("gate order z, r, n", learner_forward(order="zrn"), "z, r, n"),
    ("gate order n, r, z", learner_forward(order="nrz"), "n, r, z"),
    ("gate order r, n, z", learner_forward(order="rnz"), "r, n, z"),
    ("returns the gates too", learner_forward("with gates"), "h_next only"),
    ("h_next transposed", learner_forward("transposed"), "transposed"),
    ("an extra tanh", learner_forward("tanh(h)"), "h_next = (1 - z) * n + z * h_prev"),
]



def forward_by_exp(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    ax, ah = x @ Wx + bx, h_prev @ Wh + bh
    r, z = (1 / (1 + np.exp(-(ax[:, :2 * H] + ah[:, :2 * H])))).reshape(-1, 2, H).transpose(1, 0, 2)
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return n + z * (h_prev - n)


RIGHT_FORWARD = [
    ("learner style", learner_forward()),
    ("exp and reshape, n + z (h - n)", forward_by_exp),
    ("as a list", lambda *a: learner_forward()(*a).tolist()),
    ("rounding-level noise", lambda *a: learner_forward()(*a) * (1 + 1e-9)),
]



def test_forward_agrees_with_helpers_gru():
    for seed, (N, D, H) in nb08.SEEDS:
        args = nb08._problem(seed, N, D, H)
        np.testing.assert_allclose(nb08._forward(*args), gru.step_forward(*args)[0], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- Exercise 2: backward


def learner_backward(bug=None, order="rzn"):
    """A learner-style backward step with one bug (written out, not taken from the check)."""
    def gru_step_backward(dh_next, cache):
        x, h_prev, Wx, Wh, r, z, n, ah_n = cache
        dn = dh_next * (1 - z)
        if bug == "dn uses z":
            dn = dh_next * z
        dz = dh_next * (h_prev - n)
        if bug == "dz = dh (n - h)":
            dz = dh_next * (n - h_prev)
        da_n = dn * (1 - n ** 2)
        if bug == "tanh' = 1 - n":
            da_n = dn * (1 - n)
        dr = da_n * ah_n
        if bug == "dr from h_prev":
            dr = da_n * h_prev
        da_r = dr * r * (1 - r)
        if bug == "no sigmoid' on r":
            da_r = dr
        da_z = dz * z * (1 - z)
        if bug == "sigmoid' = 1 - z":
            da_z = dz * (1 - z)
        if bug == "sigmoid' = z":
            da_z = dz * z
        dah_n = da_n * r
        if bug == "dah_n without r":
            dah_n = da_n
        bx_blocks = {"r": da_r, "z": da_z, "n": da_n}
        bh_blocks = {"r": da_r, "z": da_z, "n": dah_n}
        dax = np.hstack([bx_blocks[k] for k in order])
        dah = np.hstack([bh_blocks[k] for k in order])
        dh_prev = dah @ Wh.T + dh_next * z
        if bug == "no direct path":
            dh_prev = dah @ Wh.T
        if bug == "direct path (1 - z)":
            dh_prev = dah @ Wh.T + dh_next * (1 - z)
        out = [dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)]
        if bug == "one bias gradient":
            out[5] = out[4]
        if bug == "db averaged":
            out[4], out[5] = dax.mean(axis=0), dah.mean(axis=0)
        if bug == "dWh transposed":
            out[3] = dah.T @ h_prev
        if bug == "swapped dWx dWh":
            out[2], out[3] = out[3], out[2]
        if bug == "five items":
            return tuple(out[:5])
        return tuple(out)
    return gru_step_backward


WRONG_BACKWARD = [
    ("no direct path z * dh", learner_backward("no direct path"), "direct path"),
    ("direct path with 1 - z", learner_backward("direct path (1 - z)"), "not dh_next * (1 - z)"),
    ("dn = dh * z", learner_backward("dn uses z"), "dn is off"),
    ("dz sign flipped", learner_backward("dz = dh (n - h)"), "wrong sign"),
    ("tanh' = 1 - n", learner_backward("tanh' = 1 - n"), "without the square"),
    ("dr from h_prev", learner_backward("dr from h_prev"), "ah_n"),
    ("no sigmoid' on r", learner_backward("no sigmoid' on r"), "reset gate's derivative"),
    ("sigmoid' as 1 - z", learner_backward("sigmoid' = 1 - z"), "not (1 - z)"),
    ("sigmoid' as z", learner_backward("sigmoid' = z"), "not z"),
    ("dah_n without r", learner_backward("dah_n without r"), "dan * r"),
    ("one bias gradient for both", learner_backward("one bias gradient"), "dbh"),
    ("bias gradients averaged", learner_backward("db averaged"), "dbx"),
    ("blocks stacked z, r, n", learner_backward(order="zrn"), "z, r, n"),
    ("blocks stacked n, z, r", learner_backward(order="nzr"), "n, z, r"),
    ("dWh transposed", learner_backward("dWh transposed"), "transposed"),
    ("dWx and dWh swapped", learner_backward("swapped dWx dWh"), "wrong order"),
    ("five gradients", learner_backward("five items"), "of length 5"),
]



RIGHT_BACKWARD = [
    ("learner style", learner_backward()),
    ("as a list", lambda *a: list(learner_backward()(*a))),
    ("helpers.gru through a lambda", lambda dh, cache: gru.step_backward(dh, cache)),
    ("rounding-level noise", lambda *a: tuple(v * (1 + 1e-9) for v in learner_backward()(*a))),
]



# ---------------------------------------------------------------- Exercise 3: bidirectional


def learner_bidirectional(bug=None):
    def bidirectional_gru(x, h0, fwd, bwd):
        h_f, _ = gru.forward(x, h0[0], *fwd)
        xb = x if bug in ("x not reversed", "x not reversed, out reversed") else x[:, ::-1]
        wb = fwd if bug == "fwd weights twice" else bwd
        hb0 = h0[0] if bug == "h0[0] twice" else h0[1]
        h_b, _ = gru.forward(xb, hb0, *wb)
        h_b_time = h_b if bug in ("not reversed back", "x not reversed") else h_b[:, ::-1]
        out = np.concatenate([h_b_time, h_f] if bug == "halves swapped" else [h_f, h_b_time], axis=-1)
        if bug == "added":
            out = h_f + h_b_time
        if bug == "stacked":
            out = np.stack([h_f, h_b_time], axis=2)
        h_n = np.stack([h_f[:, -1], h_b[:, -1]])
        if bug == "h_n swapped":
            h_n = h_n[::-1]
        if bug == "h_n from the last column":
            h_n = np.stack([out[:, -1, :h_f.shape[2]], out[:, -1, h_f.shape[2]:]])
        if bug == "h_n concatenated":
            h_n = np.concatenate([h_f[:, -1], h_b[:, -1]], axis=1)
        if bug == "swapped outputs":
            return h_n, out
        if bug == "out only":
            return out
        return out, h_n
    return bidirectional_gru


WRONG_BIDIRECTIONAL = [
    ("backward outputs not reversed back", learner_bidirectional("not reversed back"), "reverse the backward"),
    ("backward direction reads x forwards", learner_bidirectional("x not reversed"), "x reversed in time"),
    ("reads forwards, reverses the output", learner_bidirectional("x not reversed, out reversed"),
     "x reversed in time"),
    ("halves swapped", learner_bidirectional("halves swapped"), "halves are swapped"),
    ("h_n swapped", learner_bidirectional("h_n swapped"), "swapped"),
    ("h_n read from out's last step", learner_bidirectional("h_n from the last column"), "out[:, 0, H:]"),
    ("forward weights used twice", learner_bidirectional("fwd weights twice"), "own weights"),
    ("h0[0] used twice", learner_bidirectional("h0[0] twice"), "h0[1]"),
    ("directions added", learner_bidirectional("added"), "do not add"),
    ("directions stacked on a new axis", learner_bidirectional("stacked"), "shape"),
    ("h_n concatenated", learner_bidirectional("h_n concatenated"), "h_n has shape"),
    ("returns (h_n, out)", learner_bidirectional("swapped outputs"), "swapped"),
    ("returns out only", learner_bidirectional("out only"), "tuple (out, h_n)"),
]



def bidirectional_by_steps(x, h0, fwd, bwd):
    """Written with the step function and explicit loops, no slicing tricks."""
    N, T, _ = x.shape
    hf, hb = [], [None] * T
    h = h0[0]
    for t in range(T):
        h, _ = gru.step_forward(x[:, t], h, *fwd)
        hf.append(h)
    g = h0[1]
    for t in reversed(range(T)):
        g, _ = gru.step_forward(x[:, t], g, *bwd)
        hb[t] = g
    out = np.concatenate([np.stack(hf, axis=1), np.stack(hb, axis=1)], axis=2)
    return out, np.stack([hf[-1], hb[0]])


RIGHT_BIDIRECTIONAL = [
    ("learner style", learner_bidirectional()),
    ("step loops", bidirectional_by_steps),
    ("helpers.deep through a lambda", lambda x, h0, f, b: deep.bidirectional_forward(gru, x, h0, [f, b])[:2]),
    ("as a list", lambda *a: list(learner_bidirectional()(*a))),
]



# ---------------------------------------------------------------- Exercise 4: parameter count


def test_reference_count_is_torch_count():
    torch = pytest.importorskip("torch")
    for D, H, L, bi in [(5, 7, 1, False), (3, 4, 2, True), (6, 2, 3, False), (4, 3, 3, True)]:
        model = torch.nn.GRU(D, H, num_layers=L, bidirectional=bi)
        assert nb08.gru_params(D, H, L, bi) == sum(p.numel() for p in model.parameters())


def learner_count(bug=None):
    def gru_param_count(D, H, num_layers, bidirectional):
        dirs = 2 if bidirectional else 1
        total = 0
        for layer in range(num_layers):
            d_in = D if layer == 0 else dirs * H
            if bug == "above reads H":
                d_in = D if layer == 0 else H
            if bug == "above reads D":
                d_in = D
            per = 3 * (d_in * H + H * H) + 2 * 3 * H
            if bug == "one bias":
                per = 3 * (d_in * H + H * H + H)
            if bug == "no bias":
                per = 3 * (d_in * H + H * H)
            if bug == "lstm":
                per = 4 * (d_in * H + H * H + 2 * H)
            if bug == "no blocks":
                per = d_in * H + H * H + 2 * H
            total += per * (1 if bug == "one direction" else dirs)
        if bug == "float string":
            return str(total)
        if bug == "first layer only":
            return 3 * H * (D + H + 2) * dirs
        return total
    return gru_param_count


WRONG_COUNT = [
    ("one bias vector", learner_count("one bias"), "two bias"),
    ("no biases", learner_count("no bias"), "biases are missing"),
    ("LSTM's four blocks", learner_count("lstm"), "not the LSTM's 4"),
    ("one block", learner_count("no blocks"), "3 blocks"),
    ("upper layers read H", learner_count("above reads H"), "num_directions * H"),
    ("upper layers read D", learner_count("above reads D"), "not x"),
    ("one set of weights per layer", learner_count("one direction"), "two sets of weights"),
    ("first layer only", learner_count("first layer only"), "count Wx, Wh"),
    ("returns a string", learner_count("float string"), "not a string"),
]


RIGHT_COUNT = [
    ("learner style", learner_count()),
    ("a float", lambda D, H, L, bi: float(nb08.gru_params(D, H, L, bi))),
    ("np.int64 from a sum", lambda D, H, L, bi: np.int64(sum(3 * H * ((D if k == 0 else (1 + bi) * H) + H + 2)
                                                             * (1 + bi) for k in range(L)))),
]

# ---------------------------------------------------------------- every catalogue, one test each way

TestCatalogue = catalogue([
    (nb08.check_gru_step_forward, WRONG_FORWARD, RIGHT_FORWARD),
    (nb08.check_gru_step_backward, WRONG_BACKWARD, RIGHT_BACKWARD),
    (nb08.check_bidirectional, WRONG_BIDIRECTIONAL, RIGHT_BIDIRECTIONAL),
    (nb08.check_param_count, WRONG_COUNT, RIGHT_COUNT),
])


# ---------------------------------------------------------------- the notebook's cells


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 08 not written yet")
def test_notebook_solutions_pass_and_starters_are_not_attempted():
    import helpers.exercises.nb08 as module
    ns = {"np": np, "gru": gru, "deep": deep, "sigmoid": sigmoid, "nb08": module}
    for source in notebook_cells(NOTEBOOK, "solution"):
        assert_solution_passes(source, dict(ns))
    pairs = exercises_with_checks(NOTEBOOK)
    assert len(pairs) >= 4
    for exercise, check in pairs:
        assert_starter_not_yet_right(exercise, check, dict(ns))


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 08 not written yet")
def test_exercise_starters_never_shadow_a_name_the_notebook_uses():
    from test_exercises_nb03 import shadowed_names  # the ast walk notebook 03's test proves
    assert shadowed_names(NOTEBOOK) == []
