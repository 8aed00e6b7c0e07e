"""The notebook 06 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers, each of which must get ❌ with a
hint containing a given word (the word names the mistake); a table of right
answers written differently (and with rounding-level noise) that must pass;
and odd returns that must give ❌ without raising.
"""
from pathlib import Path

import numpy as np
import pytest

from exercise_cases import (ARRAY_ODD, assert_solution_passes, assert_starter_not_yet_right, catalogue, every_check,
                            exercises_with_checks, notebook_cells, odd_tuples, todo)
from helpers import lstm
from helpers.exercises import nb06, nb06_sequence
from helpers.layers import sigmoid


def check_sequence_with_helpers_step(attempt):
    """Exercise 3's check, given the course's (right) step function."""
    return nb06.check_lstm_backward(attempt, lstm.step_backward)


TestEveryCheck = every_check([nb06.check_lstm_step_forward, nb06.check_lstm_step_backward,
                              check_sequence_with_helpers_step, nb06.check_cell_gradient, nb06.check_forget_bias],
                             {**ARRAY_ODD, **odd_tuples(2), **odd_tuples(6)})


# ---------------------------------------------------------------- Exercise 1: forward


def learner_forward(bug=None, order="ifgo"):
    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
        N, H = h_prev.shape
        a = x @ Wx + b
        if bug != "no h_prev":
            a = a + h_prev @ Wh
        if bug == "no b":
            a = a - b
        if bug == "interleaved":
            parts = a.reshape(N, H, 4)
            blk = {name: parts[:, :, k] for k, name in enumerate(order)}
        else:
            blk = dict(zip(order, np.split(a, 4, axis=1)))
        i, f, o = sigmoid(blk["i"]), sigmoid(blk["f"]), sigmoid(blk["o"])
        g = np.tanh(blk["g"])
        if bug == "g sigmoid":
            g = sigmoid(blk["g"])
        if bug == "all tanh":
            i, f, o = np.tanh(blk["i"]), np.tanh(blk["f"]), np.tanh(blk["o"])
        c_next = f * c_prev + i * g
        if bug == "no i":
            c_next = f * c_prev + g
        if bug == "no f":
            c_next = c_prev + i * g
        if bug == "f and i swapped":
            c_next = i * c_prev + f * g
        h_next = o * np.tanh(c_next)
        if bug == "no tanh(c)":
            h_next = o * c_next
        if bug == "c_prev in h":
            h_next = o * np.tanh(c_prev)
        if bug == "tanh(o * c)":
            h_next = np.tanh(o * c_next)
        if bug == "swapped":
            return c_next, h_next
        if bug == "h only":
            return h_next
        if bug == "with cache":
            return h_next, c_next, (i, f, g, o)
        return h_next, c_next
    return lstm_step_forward


WRONG_FORWARD = [
    ("h = o * c (no tanh)", learner_forward("no tanh(c)"), "o * tanh(c_next)"),
    ("h from c_prev", learner_forward("c_prev in h"), "*new* cell state"),
    ("h = tanh(o * c)", learner_forward("tanh(o * c)"), "from outside"),
    ("g through sigmoid", learner_forward("g sigmoid"), "not sigmoid"),
    ("every gate through tanh", learner_forward("all tanh"), "only g uses tanh"),
    ("input gate missing", learner_forward("no i"), "input gate is missing"),
    ("forget gate missing", learner_forward("no f"), "forget gate is missing"),
    ("h_prev @ Wh missing", learner_forward("no h_prev"), "ignores h_prev"),
    ("bias missing", learner_forward("no b"), "bias b"),
    ("every 4th column", learner_forward("interleaved"), "consecutive"),
    ("gate order i, f, o, g", learner_forward(order="ifog"), "i, f, o, g"),
    ("gate order f, i, g, o", learner_forward(order="figo"), "f, i, g, o"),
    ("gate order g, i, f, o", learner_forward(order="gifo"), "g, i, f, o"),
    ("gate order o, i, f, g", learner_forward(order="oifg"), "o, i, f, g"),
    ("f and i swapped in c_next", learner_forward("f and i swapped"), "i, f, g, o"),
    ("outputs swapped", learner_forward("swapped"), "swapped"),
    ("h_next only", learner_forward("h only"), "tuple (h_next, c_next)"),
    ("cache returned too", learner_forward("with cache"), "of length 3"),
    ("h_next transposed", lambda *a: (learner_forward()(*a)[0].T, learner_forward()(*a)[1]), "transposed"),
    ("something else in c", lambda *a: (learner_forward()(*a)[0], learner_forward()(*a)[1] + 0.1),
     "c_next = f * c_prev + i * g"),
]


def forward_sigmoid_by_exp(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = np.concatenate([x, h_prev], axis=1) @ np.concatenate([Wx, Wh], axis=0) + b
    s = 1 / (1 + np.exp(-a))
    i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    return [o * np.tanh(c), c]  # a list, not a tuple


RIGHT_FORWARD = [
    ("helpers.lstm", lambda *a: lstm.step_forward(*a)[:2]),
    ("np.split", learner_forward()),
    ("stacked weights, 1 / (1 + exp), a list", forward_sigmoid_by_exp),
    ("rounding-level noise", lambda *a: tuple(v * (1 + 1e-9) for v in lstm.step_forward(*a)[:2])),
]


# ---------------------------------------------------------------- Exercise 2: backward


def learner_backward(bug=None, order="ifgo"):
    """A learner-style backward step with one bug (written out, not taken from the check)."""
    def lstm_step_backward(dh_next, dc_next, cache):
        x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
        dtanh_c = 1 - tc if bug == "1 - tc" else 1 - tc ** 2
        if bug == "no tanh'":
            dtanh_c = 1
        dc = dh_next * (1 if bug == "no o in dc" else o) * dtanh_c
        if bug != "no dc_next":
            dc = dc + dc_next
        di, dg = dc * g, dc * i
        do = dh_next * (1 if bug == "do = dh_next" else tc)
        df = dc * c_prev
        if bug == "df = dc * f":
            df = dc * f
        if bug == "df = dc * c_t":
            c_t = f * c_prev + i * g
            df = dc * c_t
        da_i, da_f, da_g, da_o = di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)
        if bug == "1 - g":
            da_g = dg * (1 - g)
        if bug == "g' as sigmoid'":
            da_g = dg * g * (1 - g)
        if bug == "sigmoid' as f":
            da_f = df * f
        if bug == "sigmoid' as 1 - f":
            da_f = df * (1 - f)
        if bug == "no sigmoid' for f":
            da_f = df
        if bug == "no sigmoid' for o":
            da_o = do
        if bug == "no derivatives":
            da_i, da_f, da_g, da_o = di, df, dg, do
        blocks = {"i": da_i, "f": da_f, "g": da_g, "o": da_o}
        da = np.concatenate([blocks[n] for n in order], axis=1)
        dc_prev = dc if bug == "dc_prev = dc" else dc * f
        out = [da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)]
        if bug == "dWx transposed":
            out[3] = da.T @ x
        if bug == "dWh transposed":
            out[4] = da.T @ h_prev
        if bug == "db over axis 1":
            out[5] = da.sum(axis=1)
        if bug == "dx and dh_prev swapped":
            out[0], out[1] = out[1], out[0]
        if bug == "five results":
            out = out[:5]
        if bug == "db doubled":
            out[5] = 2 * out[5]
        if bug == "dc_prev doubled":
            out[2] = 2 * out[2]
        if bug == "df and di off":
            da[:, :2 * dc.shape[1]] *= 1.5
            out = [da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)]
        return tuple(out)
    return lstm_step_backward


WRONG_BACKWARD = [
    ("dc_next forgotten", learner_backward("no dc_next"), "dc_next term is missing"),
    ("tanh'(c) skipped", learner_backward("no tanh'"), "tanh' is missing"),
    ("tanh'(c) written as 1 - tc", learner_backward("1 - tc"), "you wrote 1 - tc"),
    ("o left out of dc", learner_backward("no o in dc"), "output gate is missing"),
    ("df from f", learner_backward("df = dc * f"), "not dc * f"),
    ("df from c_t instead of c_{t-1}", learner_backward("df = dc * c_t"), "*before* this step"),
    ("do without tanh(c)", learner_backward("do = dh_next"), "do is off"),
    ("g' written as 1 - g", learner_backward("1 - g"), "you wrote 1 - g"),
    ("g' as a sigmoid'", learner_backward("g' as sigmoid'"), "not g * (1 - g)"),
    ("f' as f", learner_backward("sigmoid' as f"), "not f"),
    ("f' as 1 - f", learner_backward("sigmoid' as 1 - f"), "not (1 - f)"),
    ("f' skipped", learner_backward("no sigmoid' for f"), "forget gate's derivative is missing"),
    ("o' skipped", learner_backward("no sigmoid' for o"), "output gate's derivative is missing"),
    ("all derivatives skipped", learner_backward("no derivatives"), "gates' derivatives are missing"),
    ("da stacked i, f, o, g", learner_backward(order="ifog"), "stacked in the order i, f, o, g"),
    ("da stacked f, i, g, o", learner_backward(order="figo"), "stacked in the order f, i, g, o"),
    ("da stacked o, g, f, i", learner_backward(order="ogfi"), "stacked in the order o, g, f, i"),
    ("dc_prev without f", learner_backward("dc_prev = dc"), "dc_prev = dc * f"),
    ("dWx transposed", learner_backward("dWx transposed"), "transposed"),
    ("dWh transposed", learner_backward("dWh transposed"), "transposed"),
    ("db over the wrong axis", learner_backward("db over axis 1"), "db has shape"),
    ("dx and dh_prev swapped", learner_backward("dx and dh_prev swapped"), "wrong order"),
    ("five results", learner_backward("five results"), "of length 5"),
    ("only db off", learner_backward("db doubled"), "off although da looks right"),
    ("only dc_prev off", learner_backward("dc_prev doubled"), "along the cell path"),
    ("i and f blocks off", learner_backward("df and di off"), "the i, f blocks are off and g, o right"),
]


def test_backward_issue_slips_get_distinct_hints():
    """tanh'(c) as 1 - tc, g' as 1 - g, a wrong gate order in da, df from c_t: four different hints."""
    wrong = [learner_backward("1 - tc"), learner_backward("1 - g"), learner_backward(order="ifog"),
             learner_backward("df = dc * c_t")]
    assert len({nb06.check_lstm_step_backward(w).message for w in wrong}) == 4


def backward_by_gate_matrices(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dc = dc_next + dh_next * o * (1 - np.tanh(np.arctanh(tc)) ** 2)
    gates = np.concatenate([i, f, g, o], axis=1)
    grads = np.concatenate([dc * g, dc * c_prev, dc * i, dh_next * tc], axis=1)
    H = i.shape[1]
    slope = gates * (1 - gates)
    slope[:, 2 * H:3 * H] = 1 - g ** 2
    da = grads * slope
    dW = np.concatenate([x, h_prev], axis=1).T @ da
    D = x.shape[1]
    return [da @ Wx.T, da @ Wh.T, f * dc, dW[:D], dW[D:], np.ones(len(da)) @ da]


RIGHT_BACKWARD = [
    ("calls helpers.lstm", lambda *a: lstm.step_backward(*a)),
    ("written out", learner_backward()),
    ("stacked weights, a list", backward_by_gate_matrices),
    ("rounding-level noise", lambda *a: tuple(v * (1 + 1e-9) + 1e-12 for v in lstm.step_backward(*a))),
]


# ---------------------------------------------------------------- Exercise 3: the whole sequence


def learner_sequence(bug=None):
    """lstm_backward as a learner writes it on a step function, with one bug."""
    def lstm_backward(dh, caches, step_backward):
        N, T, H = dh.shape
        D = caches[0][0].shape[1]
        dx = np.zeros((N, T, D))
        dWx, dWh, db = np.zeros((D, 4 * H)), np.zeros((H, 4 * H)), np.zeros(4 * H)
        dh_next = dh[:, T - 1].copy() if bug == "dh_next = dh[:, T-1]" else np.zeros((N, H))
        dc_next = np.ones((N, H)) if bug == "dc_next = ones" else np.zeros((N, H))
        order = {"forward": range(T), "skips t = 0": range(T - 1, 0, -1)}.get(bug, range(T - 1, -1, -1))
        dxs, per_step = [], []
        for t in order:
            if bug == "04's meaning: dh_next alone":
                dh_total = dh_next
            elif bug == "no dh carry":
                dh_total = dh[:, t]
            elif bug == "own dh added after":
                dh_total = dh_next
            elif bug == "dh[:, t-1]":
                dh_total = dh[:, t - 1] + dh_next
            else:
                dh_total = dh[:, t] + dh_next
            cache = caches[t - 1] if bug == "caches[t-1]" else caches[t]
            dx_t, dh_prev, dc_prev, dWx_t, dWh_t, db_t = step_backward(
                dh_total, np.zeros((N, H)) if bug == "no dc carry" else dc_next, cache)
            dxs.append(dx_t)
            dx[:, t] = dx_t
            f = cache[6]
            dh_next = dh_prev + dh[:, t] if bug == "own dh added after" else dh_prev
            dc_next = {"dc_prev * f": dc_prev * f, "dc_prev / f": dc_prev / f}.get(bug, dc_prev)
            if bug == "=, not +=":
                dWx, dWh, db = dWx_t, dWh_t, db_t
            else:
                dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
            per_step.append(dWh_t)
        if bug == "dx from a list":
            dx = np.stack(dxs, axis=1)  # appended from t = T-1 down: reversed time order
        if bug == "per-step dWh":
            dWh = per_step
        if bug == "helpers' order":
            return dx, dh_next, dWx, dWh, db, dc_next
        if bug == "dh0 and dc0 swapped":
            return dx, dc_next, dh_next, dWx, dWh, db
        if bug == "dc0 doubled":
            dc_next = 2 * dc_next
        if bug == "dWh off":
            dWh = dWh + 0.1
        return dx, dh_next, dc_next, dWx, dWh, db
    return lstm_backward


def inline_sequence(dh, caches, step_backward):
    """A right loop that never calls the step it is given (it writes the LSTM backward inline)."""
    return nb06_sequence._lstm_backward(dh, caches, lambda *a: lstm.step_backward(*a))


def inline_wrong(dh, caches, step_backward):
    """A wrong loop that never calls the step it is given."""
    return tuple(1.3 * g for g in inline_sequence(dh, caches, step_backward))


WRONG_SEQUENCE = [
    ("04's meaning carried over: dh_next alone, own loss dropped", learner_sequence("04's meaning: dh_next alone"),
     "own loss, dh[:, t], is missing"),
    ("dh_next never carried", learner_sequence("no dh carry"), "from later steps is missing"),
    ("dc_next never carried", learner_sequence("no dc carry"), "dc_next is never carried"),
    ("own dh added after the call", learner_sequence("own dh added after"), "reaches the wrong step"),
    ("loop forward in time", learner_sequence("forward"), "forward in time"),
    ("loop stops before t = 0", learner_sequence("skips t = 0"), "stops before step 0"),
    ("= instead of +=: not summed over t", learner_sequence("=, not +="), "add up the step gradients"),
    ("per-step dWh returned", learner_sequence("per-step dWh"), "one gradient per step"),
    ("initial dh_next = dh[:, T-1]", learner_sequence("dh_next = dh[:, T-1]"), "counted twice"),
    ("initial dc_next = ones", learner_sequence("dc_next = ones"), "dc_next starts at zero"),
    ("dc carried times f again", learner_sequence("dc_prev * f"), "forget gate twice"),
    ("dc carried without f", learner_sequence("dc_prev / f"), "lacks the forget gate"),
    ("dx stacked from a list", learner_sequence("dx from a list"), "reversed time order"),
    ("caches[t - 1]", learner_sequence("caches[t-1]"), "its own cache"),
    ("dh[:, t - 1]", learner_sequence("dh[:, t-1]"), "shifted by one step"),
    ("helpers.lstm.backward's order", learner_sequence("helpers' order"), "wrong order"),
    ("dh0 and dc0 swapped", learner_sequence("dh0 and dc0 swapped"), "wrong order"),
    ("only dc0 off", learner_sequence("dc0 doubled"), "dc0 is off"),
    ("only dWh off", learner_sequence("dWh off"), "dWh is off"),
    ("never calls the step it is given, wrong", inline_wrong, "never calls"),
    ("returns five", lambda dh, caches, step: nb06_sequence._lstm_backward(dh, caches)[:5], "of length 5"),
]


@pytest.mark.parametrize("name, wrong, word", WRONG_SEQUENCE, ids=[w[0] for w in WRONG_SEQUENCE])
@pytest.mark.parametrize("step", [lstm.step_backward, learner_backward()], ids=["helpers' step", "learner's step"])
def test_sequence_mistakes_are_named(name, wrong, word, step):
    r = nb06.check_lstm_backward(wrong, step)
    assert not r.ok and word in r.message, r.message


def test_sequence_mistakes_get_distinct_hints():
    bugs = ["04's meaning: dh_next alone", "no dh carry", "no dc carry", "own dh added after", "forward", "skips t = 0",
            "=, not +=", "per-step dWh", "dh_next = dh[:, T-1]", "dc_next = ones", "dc_prev * f", "dc_prev / f",
            "dx from a list", "caches[t-1]", "dh[:, t-1]"]
    hints = {nb06.check_lstm_backward(learner_sequence(b), lstm.step_backward).message for b in bugs}
    assert len(hints) == len(bugs)


def test_the_reference_loop_is_helpers_lstm_backward():
    """The check's reference, a loop over lstm.step_forward caches, against helpers.lstm.backward."""
    for seed, (N, T, D, H) in nb06_sequence.SEQ_CASES:
        dh, caches = nb06_sequence._sequence(seed, N, T, D, H)
        x = np.stack([c[0] for c in caches], axis=1)
        h0, c0, Wx, Wh = caches[0][1], caches[0][2], caches[0][3], caches[0][4]
        rng = np.random.default_rng(seed)  # b is not in the step cache: rebuild it as _sequence drew it
        rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
        rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H))
        b = 0.5 * rng.standard_normal(4 * H)
        h, cache = lstm.forward(x, h0, Wx, Wh, b, c0=c0)
        dx, dh0, dWx, dWh, db, dc0 = lstm.backward(dh, cache)
        ours = nb06_sequence._lstm_backward(dh, caches)
        for got, want in zip(ours, (dx, dh0, dc0, dWx, dWh, db)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


RIGHT_SEQUENCE = [
    ("written out", learner_sequence()),
    ("never calls the step, but right", inline_sequence),
    ("dh_next pre-added for the next step", None),
    ("rounding-level noise", lambda dh, caches, step: tuple(g * (1 + 1e-9) + 1e-12
                                                            for g in learner_sequence()(dh, caches, step))),
]


def pre_added(dh, caches, step_backward):
    """Adds each step's own loss to what it sends back, one step ahead: right, written differently."""
    N, T, H = dh.shape
    D = caches[0][0].shape[1]
    dx, grads = np.zeros((N, T, D)), [0, 0, 0]
    g_h, g_c = dh[:, T - 1], np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx[:, t], dh_prev, g_c, *w = step_backward(g_h, g_c, caches[t])
        grads = [a + b for a, b in zip(grads, w)]
        g_h = dh_prev + dh[:, t - 1] if t > 0 else dh_prev
    return (dx, g_h, g_c, *grads)


RIGHT_SEQUENCE[2] = ("dh_next pre-added for the next step", pre_added)


@pytest.mark.parametrize("name, right", RIGHT_SEQUENCE, ids=[r[0] for r in RIGHT_SEQUENCE])
@pytest.mark.parametrize("step", [lstm.step_backward, learner_backward(), backward_by_gate_matrices],
                         ids=["helpers' step", "learner's step", "another learner's step"])
def test_sequence_right_variants_pass(name, right, step):
    r = nb06.check_lstm_backward(right, step)
    assert r.ok, r.message


def test_a_wrong_step_is_named_as_the_problem():
    r = nb06.check_lstm_backward(learner_sequence(), learner_backward("no dc_next"))
    assert not r.ok and "your loop is right" in r.message and "step function you passed is the problem" in r.message
    assert "dc_next term is missing" in r.message, r.message  # Exercise 2's own hint comes along
    r = nb06.check_lstm_backward(learner_sequence(), learner_backward("1 - tc"))
    assert not r.ok and "step function you passed is the problem" in r.message and "1 - tc" in r.message


def test_a_wrong_step_and_a_wrong_loop_are_both_named():
    r = nb06.check_lstm_backward(learner_sequence("no dc carry"), learner_backward("1 - g"))
    assert not r.ok and "step function you passed is not right yet" in r.message
    assert "1 - g" in r.message and "dc_next is never carried" in r.message, r.message


def test_an_unwritten_step():
    r = nb06.check_lstm_backward(todo, todo)
    assert r.status == "todo" and "lstm_step_backward" in r.message
    r = nb06.check_lstm_backward(learner_sequence(), todo)
    assert not r.ok and "your loop is right" in r.message and "NotImplementedError" in r.message


def test_a_step_right_only_on_exercise_2s_shapes():
    def step(dh_total, dc_next, cache):
        out = lstm.step_backward(dh_total, dc_next, cache)
        return out if cache[1].shape[1] != 2 else tuple(1.5 * g for g in out)  # wrong when H = 2
    assert nb06.check_lstm_step_backward(step).ok
    r = nb06.check_lstm_backward(learner_sequence(), step)
    assert not r.ok and "not with the one you passed" in r.message


@pytest.mark.parametrize("step, word", [(None, "pass your step function too"), (42, "must be a step function")])
def test_the_step_argument_is_checked(step, word):
    r = nb06.check_lstm_backward(learner_sequence(), step)
    assert not r.ok and word in r.message


def test_an_index_error_gets_a_hint():
    def past_the_end(dh, caches, step_backward):
        return caches[dh.shape[1]]
    r = nb06.check_lstm_backward(past_the_end, lstm.step_backward)
    assert not r.ok and "IndexError" in r.message and "caches[t] and dh[:, t] belong to step t" in r.message


# ---------------------------------------------------------------- Exercise 4: cell path


def cell_loop(dc_T, f):
    dc = dc_T
    for t in reversed(range(f.shape[1])):
        dc = dc * f[:, t]
    return dc


WRONG_CELL = [
    ("sigmoid' instead of f", lambda dc_T, f: dc_T * np.prod(f * (1 - f), axis=1), "the gate value itself"),
    ("a sum", lambda dc_T, f: dc_T * np.sum(f, axis=1), "not a sum"),
    ("dc_T plus a sum", lambda dc_T, f: dc_T + np.sum(f, axis=1), "not a sum"),
    ("a mean", lambda dc_T, f: dc_T * np.mean(f, axis=1), "not a mean"),
    ("last gate only", lambda dc_T, f: dc_T * f[:, -1], "last forget gate only"),
    ("first gate only", lambda dc_T, f: dc_T * f[:, 0], "first forget gate only"),
    ("last gate T times", lambda dc_T, f: dc_T * f[:, -1] ** f.shape[1], "T times"),
    ("loop misses step 0", lambda dc_T, f: dc_T * np.prod(f[:, 1:], axis=1), "one forget gate is missing"),
    ("loop misses step T", lambda dc_T, f: dc_T * np.prod(f[:, :-1], axis=1), "one forget gate is missing"),
    ("product over everything", lambda dc_T, f: dc_T * np.prod(f), "axis=1"),
    ("product over the batch axis", lambda dc_T, f: dc_T * np.prod(f, axis=0), "axis 1"),
    ("product over the unit axis", lambda dc_T, f: dc_T * np.prod(f, axis=2), "axis 1"),
    ("dc_T forgotten", lambda dc_T, f: np.prod(f, axis=1), "dc_T is missing"),
    ("divided", lambda dc_T, f: dc_T / np.prod(f, axis=1), "does not divide"),
    ("every step returned", lambda dc_T, f: dc_T[:, None] * np.cumprod(f[:, ::-1], axis=1), "only dc_0"),
    ("transposed", lambda dc_T, f: (dc_T * np.prod(f, axis=1)).T, "transposed"),
    ("something else", lambda dc_T, f: 1.1 * dc_T * np.prod(f, axis=1), "which gates you multiply"),
]


RIGHT_CELL = [
    ("np.prod", lambda dc_T, f: dc_T * np.prod(f, axis=1)),
    ("a loop back in time", cell_loop),
    ("exp of a sum of logs", lambda dc_T, f: dc_T * np.exp(np.log(f).sum(axis=1))),
    ("cumprod, last", lambda dc_T, f: dc_T * np.cumprod(f, axis=1)[:, -1]),
    ("reversed gates", lambda dc_T, f: dc_T * f[:, ::-1].prod(axis=1)),
    ("a nested list", lambda dc_T, f: (dc_T * np.prod(f, axis=1)).tolist()),
]


# ---------------------------------------------------------------- Exercise 5: forget bias


def logit(p):
    return np.log(p / (1 - p))


WRONG_BIAS = [
    ("the gate value", lambda keep, T: keep ** (1 / T), "gate value"),
    ("keep ** T", lambda keep, T: logit(keep ** T), "T-th root"),
    ("keep ** T, no logit", lambda keep, T: keep ** T, "T-th root"),
    ("keep / T", lambda keep, T: logit(keep / T), "T-th root"),
    ("a single log", lambda keep, T: np.log(keep ** (1 / T)), "logit"),
    ("-log(1 - f)", lambda keep, T: -np.log(1 - keep ** (1 / T)), "logit"),
    ("sign flipped", lambda keep, T: np.log((1 - keep ** (1 / T)) / keep ** (1 / T)), "sign"),
    ("root of the logit", lambda keep, T: logit(keep) / T, "logit of the root"),
    ("arctanh", lambda keep, T: np.arctanh(keep ** (1 / T)), "arctanh"),
    ("a constant", lambda keep, T: 3.0, "keeps sigmoid(b_f) ** T"),
    ("an array", lambda keep, T: np.full(4, logit(keep ** (1 / T))), "one number"),
    ("inf (f rounded to 1)", lambda keep, T: np.inf, "log of 0"),
]


RIGHT_BIAS = [
    ("logit", lambda keep, T: logit(keep ** (1 / T))),
    ("-log(1/f - 1)", lambda keep, T: -np.log(1 / keep ** (1 / T) - 1)),
    ("2 arctanh(2f - 1)", lambda keep, T: 2 * np.arctanh(2 * keep ** (1 / T) - 1)),
    ("log1p", lambda keep, T: np.log(keep ** (1 / T)) - np.log1p(-keep ** (1 / T))),
    ("exp of a log", lambda keep, T: logit(np.exp(np.log(keep) / T))),
    ("a 0-d array", lambda keep, T: np.array(logit(keep ** (1 / T)))),
]


# ---------------------------------------------------------------- every catalogue, one test each way

TestCatalogue = catalogue([
    (nb06.check_lstm_step_forward, WRONG_FORWARD, RIGHT_FORWARD),
    (nb06.check_lstm_step_backward, WRONG_BACKWARD, RIGHT_BACKWARD),
    (nb06.check_cell_gradient, WRONG_CELL, RIGHT_CELL),
    (nb06.check_forget_bias, WRONG_BIAS, RIGHT_BIAS),
])


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06-lstm.ipynb"


def namespace():
    return {"__name__": "__main__", "np": np, "lstm": lstm, "sigmoid": sigmoid, "nb06": nb06}


def test_notebook_solutions_pass_their_checks():
    ns = namespace()  # one kernel: Exercise 3's solution uses Exercise 2's
    solutions = notebook_cells(NOTEBOOK, "solution")
    assert len(solutions) == 5
    for source in solutions:
        assert_solution_passes(source, ns)


def test_notebook_starters_are_not_yet_right():
    ns = namespace()  # one kernel, cells in order: Exercise 3's check reads Exercise 2's starter too
    pairs = exercises_with_checks(NOTEBOOK)
    assert len(pairs) == 5
    for exercise, check in pairs:
        assert_starter_not_yet_right(exercise, check, ns)


def test_cases_leave_no_room_for_a_lucky_transpose():
    """Several seeds and N, D, H (and T) all different, so a transpose or a wrong axis changes the shape."""
    assert len(nb06.SEEDS) >= 2 and len(nb06.CELL_CASES) >= 2
    for _, shape in nb06.SEEDS + nb06.CELL_CASES:
        assert len(set(shape)) == 3


def test_sequence_cases_leave_no_room_for_a_lucky_transpose_or_a_lucky_order():
    """Exercise 3: two seeds, N, T, D, H all different, non-zero h0 and c0 (so dc0 and the step-0 terms count)."""
    assert len(nb06_sequence.SEQ_CASES) >= 2
    for seed, shape in nb06_sequence.SEQ_CASES:
        assert len(set(shape)) == 4
        dh, caches = nb06_sequence._sequence(seed, *shape)
        assert np.abs(caches[0][1]).min() > 0 and np.abs(caches[0][2]).min() > 0
        Wh = caches[0][4]
        assert not np.allclose(Wh[:, :Wh.shape[0]], Wh[:, :Wh.shape[0]].T)
