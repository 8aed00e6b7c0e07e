"""The notebook 06 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers, each of which must get ❌ with a
hint containing a given word (the word names the mistake); a table of right
answers written differently (and with rounding-level noise) that must pass;
and odd returns that must give ❌ without raising.
"""
import ast
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import lstm
from helpers.exercises import nb06
from helpers.exercises.core import Result
from helpers.layers import sigmoid


def todo(*args):
    raise NotImplementedError


class Unreadable:
    def __array__(self, *a, **k):
        raise RuntimeError("no array here")

    def __float__(self):
        raise RuntimeError("no number here")


def boom(*args):
    raise IndexError("index 7 is out of bounds")


ODD = {
    "not a function": 42,
    "None passed": None,
    "returns None": lambda *a: None,
    "returns str": lambda *a: "text",
    "returns dict": lambda *a: {"h": 1},
    "returns list of 2": lambda *a: [1, 2],
    "returns NaN": lambda *a: np.nan,
    "returns inf": lambda *a: np.inf,
    "returns NaN array": lambda *a: np.full((3, 5), np.nan),
    "returns an array of 3": lambda *a: np.ones(3),
    "returns tuple of None": lambda *a: (None, None),
    "returns 6 Nones": lambda *a: (None,) * 6,
    "returns 6 strs": lambda *a: ("x",) * 6,
    "returns tuple of tiny arrays": lambda *a: (np.zeros(2), np.zeros(2)),
    "returns 6 NaN arrays": lambda *a: (np.full((3, 5), np.nan),) * 6,
    "returns unreadable": lambda *a: Unreadable(),
    "returns tuple of unreadables": lambda *a: (Unreadable(),) * 6,
    "returns generator": lambda *a: (i for i in range(2)),
    "raises inside": boom,
    "divides by zero": lambda *a: 1 / 0,
}

CHECKS = [nb06.check_lstm_step_forward, nb06.check_lstm_step_backward, nb06.check_cell_gradient,
          nb06.check_forget_bias]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_odd_returns_never_raise(check, odd):
    r = check(odd)
    assert not r.ok and isinstance(r.message, str) and r.message


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


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


@pytest.mark.parametrize("name, wrong, word", WRONG_FORWARD, ids=[w[0] for w in WRONG_FORWARD])
def test_forward_mistakes_are_named(name, wrong, word):
    r = nb06.check_lstm_step_forward(wrong)
    assert not r.ok and word in r.message, r.message


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


@pytest.mark.parametrize("name, right", RIGHT_FORWARD, ids=[r[0] for r in RIGHT_FORWARD])
def test_forward_right_variants_pass(name, right):
    r = nb06.check_lstm_step_forward(right)
    assert r.ok, r.message


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


@pytest.mark.parametrize("name, wrong, word", WRONG_BACKWARD, ids=[w[0] for w in WRONG_BACKWARD])
def test_backward_mistakes_are_named(name, wrong, word):
    r = nb06.check_lstm_step_backward(wrong)
    assert not r.ok and word in r.message, r.message


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


@pytest.mark.parametrize("name, right", RIGHT_BACKWARD, ids=[r[0] for r in RIGHT_BACKWARD])
def test_backward_right_variants_pass(name, right):
    r = nb06.check_lstm_step_backward(right)
    assert r.ok, r.message


# ---------------------------------------------------------------- Exercise 3: cell path


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


@pytest.mark.parametrize("name, wrong, word", WRONG_CELL, ids=[w[0] for w in WRONG_CELL])
def test_cell_gradient_mistakes_are_named(name, wrong, word):
    r = nb06.check_cell_gradient(wrong)
    assert not r.ok and word in r.message, r.message


RIGHT_CELL = [
    ("np.prod", lambda dc_T, f: dc_T * np.prod(f, axis=1)),
    ("a loop back in time", cell_loop),
    ("exp of a sum of logs", lambda dc_T, f: dc_T * np.exp(np.log(f).sum(axis=1))),
    ("cumprod, last", lambda dc_T, f: dc_T * np.cumprod(f, axis=1)[:, -1]),
    ("reversed gates", lambda dc_T, f: dc_T * f[:, ::-1].prod(axis=1)),
    ("a nested list", lambda dc_T, f: (dc_T * np.prod(f, axis=1)).tolist()),
]


@pytest.mark.parametrize("name, right", RIGHT_CELL, ids=[r[0] for r in RIGHT_CELL])
def test_cell_gradient_right_variants_pass(name, right):
    r = nb06.check_cell_gradient(right)
    assert r.ok, r.message


# ---------------------------------------------------------------- Exercise 4: forget bias


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


@pytest.mark.parametrize("name, wrong, word", WRONG_BIAS, ids=[w[0] for w in WRONG_BIAS])
def test_forget_bias_mistakes_are_named(name, wrong, word):
    r = nb06.check_forget_bias(wrong)
    assert not r.ok and word in r.message, r.message


RIGHT_BIAS = [
    ("logit", lambda keep, T: logit(keep ** (1 / T))),
    ("-log(1/f - 1)", lambda keep, T: -np.log(1 / keep ** (1 / T) - 1)),
    ("2 arctanh(2f - 1)", lambda keep, T: 2 * np.arctanh(2 * keep ** (1 / T) - 1)),
    ("log1p", lambda keep, T: np.log(keep ** (1 / T)) - np.log1p(-keep ** (1 / T))),
    ("exp of a log", lambda keep, T: logit(np.exp(np.log(keep) / T))),
    ("a 0-d array", lambda keep, T: np.array(logit(keep ** (1 / T)))),
]


@pytest.mark.parametrize("name, right", RIGHT_BIAS, ids=[r[0] for r in RIGHT_BIAS])
def test_forget_bias_right_variants_pass(name, right):
    r = nb06.check_forget_bias(right)
    assert r.ok, r.message


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06-lstm.ipynb"


def notebook_cells(tag):
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if tag in c.get("metadata", {}).get("tags", [])]


def run_cell(source, ns):
    """Run a cell as Jupyter does; return the value of its last line when that is an expression."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), ns)
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns) if last else None


def namespace():
    return {"__name__": "__main__", "np": np, "lstm": lstm, "sigmoid": sigmoid, "nb06": nb06}


@pytest.mark.parametrize("source", notebook_cells("solution"))
def test_notebook_solutions_pass_their_checks(source):
    r = run_cell(source, namespace())
    assert isinstance(r, Result) and r.ok, r


@pytest.mark.parametrize("exercise, check", list(zip(notebook_cells("exercise"), notebook_cells("check"))))
def test_notebook_starters_are_not_yet_right(exercise, check):
    ns = namespace()
    run_cell(exercise, ns)
    r = run_cell(check, ns)
    assert isinstance(r, Result) and not r.ok
    assert r.status == "todo", r


def test_cases_leave_no_room_for_a_lucky_transpose():
    """Several seeds and N, D, H (and T) all different, so a transpose or a wrong axis changes the shape."""
    assert len(nb06.SEEDS) >= 2 and len(nb06.CELL_CASES) >= 2
    for _, shape in nb06.SEEDS + nb06.CELL_CASES:
        assert len(set(shape)) == 3
