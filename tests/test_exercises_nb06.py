"""The notebook 06 checks: right answers pass, typical slips get a hint that names them,
and nothing the learner returns makes a check raise."""
import numpy as np
import pytest

from helpers import lstm
from helpers.exercises import nb06
from helpers.layers import sigmoid


# ---------------------------------------------------------------- references


def step_forward_ref(x, h_prev, c_prev, Wx, Wh, b):
    h, c, _ = lstm.step_forward(x, h_prev, c_prev, Wx, Wh, b)
    return h, c


def make_forward(order="ifgo", tanh_c=True):
    def fwd(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        blk = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
        i, f, o, g = sigmoid(blk["i"]), sigmoid(blk["f"]), sigmoid(blk["o"]), np.tanh(blk["g"])
        c = f * c_prev + i * g
        return (o * np.tanh(c) if tanh_c else o * c), c
    return fwd


def step_backward_ref(dh_next, dc_next, cache):
    dx, dh_prev, dc_prev, dWx, dWh, db = lstm.step_backward(dh_next, dc_next, cache)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def make_backward(slip):
    """A learner-style backward step with one slip (written out, not taken from the check)."""
    def bwd(dh_next, dc_next, cache):
        x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
        dc = dh_next * o * (1 - tc ** 2)
        if slip != "no dc_next":
            dc = dc + dc_next
        di, dg, do = dc * g, dc * i, dh_next * tc
        df = dc * c_prev
        da_f = df * f * (1 - f)
        if slip == "sigmoid' as f":
            da_f = df * f
        if slip == "no sigmoid'":
            da_f = df
        if slip == "df = dc * f":
            da_f = (dc * f) * f * (1 - f)
        da = np.concatenate([di * i * (1 - i), da_f, dg * (1 - g ** 2), do * o * (1 - o)], axis=1)
        return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    return bwd


def todo(*args):
    raise NotImplementedError


def boom(*args):
    raise IndexError("index 7 is out of bounds")


JUNK = [lambda *a: None, lambda *a: [1, 2], lambda *a: "text", lambda *a: np.full((3, 5), np.nan),
        lambda *a: (None, None), lambda *a: (np.zeros(2), np.zeros(2)), boom, 42]


# ---------------------------------------------------------------- forward


def test_forward_right_answer_passes():
    assert nb06.check_lstm_step_forward(step_forward_ref).ok
    assert nb06.check_lstm_step_forward(make_forward()).ok


def test_forward_todo():
    assert nb06.check_lstm_step_forward(todo).status == "todo"


def test_forward_no_tanh_on_cell():
    r = nb06.check_lstm_step_forward(make_forward(tanh_c=False))
    assert not r.ok and "tanh(c_next)" in r.message and "o * c_next" in r.message


@pytest.mark.parametrize("order", ["fiog", "ifog", "figo", "gifo", "oifg"])
def test_forward_wrong_gate_order(order):
    r = nb06.check_lstm_step_forward(make_forward(order))
    assert not r.ok and "i, f, g, o" in r.message and ", ".join(order) in r.message


def test_forward_swapped_outputs():
    r = nb06.check_lstm_step_forward(lambda *a: step_forward_ref(*a)[::-1])
    assert not r.ok and "swapped" in r.message


@pytest.mark.parametrize("junk", JUNK)
def test_forward_never_raises(junk):
    r = nb06.check_lstm_step_forward(junk)
    assert not r.ok and r.message


# ---------------------------------------------------------------- backward


def test_backward_right_answer_passes():
    assert nb06.check_lstm_step_backward(step_backward_ref).ok
    assert nb06.check_lstm_step_backward(make_backward(None)).ok


def test_backward_todo():
    assert nb06.check_lstm_step_backward(todo).status == "todo"


@pytest.mark.parametrize("slip,words", [
    ("no dc_next", ["dc_next term is missing"]),
    ("sigmoid' as f", ["f * (1 - f)", "not f"]),
    ("no sigmoid'", ["derivative is missing", "f * (1 - f)"]),
    ("df = dc * f", ["dc * c_prev"]),
])
def test_backward_slips_are_named(slip, words):
    r = nb06.check_lstm_step_backward(make_backward(slip))
    assert not r.ok
    for w in words:
        assert w in r.message, r.message


def test_backward_other_error_lists_wrong_and_right_parts():
    def only_db_wrong(dh_next, dc_next, cache):
        out = list(step_backward_ref(dh_next, dc_next, cache))
        out[5] = out[5] * 2
        return tuple(out)
    r = nb06.check_lstm_step_backward(only_db_wrong)
    assert not r.ok and "db wrong" in r.message and "dWx" in r.message


@pytest.mark.parametrize("junk", JUNK)
def test_backward_never_raises(junk):
    r = nb06.check_lstm_step_backward(junk)
    assert not r.ok and r.message


# ---------------------------------------------------------------- cell path


def test_cell_gradient():
    assert nb06.check_cell_gradient(lambda dc_T, f: dc_T * np.prod(f, axis=1)).ok
    assert nb06.check_cell_gradient(todo).status == "todo"
    r = nb06.check_cell_gradient(lambda dc_T, f: dc_T * np.prod(f * (1 - f), axis=1))
    assert not r.ok and "the gate value itself" in r.message
    r = nb06.check_cell_gradient(lambda dc_T, f: dc_T * np.sum(f, axis=1))
    assert not r.ok and "product" in r.message
    r = nb06.check_cell_gradient(lambda dc_T, f: dc_T * np.prod(f[:, 1:], axis=1))
    assert not r.ok and "one forget gate is missing" in r.message
    r = nb06.check_cell_gradient(lambda dc_T, f: dc_T * np.prod(f))
    assert not r.ok and "axis=1" in r.message
    r = nb06.check_cell_gradient(lambda dc_T, f: np.prod(f, axis=1).T)
    assert not r.ok and "shape" in r.message


@pytest.mark.parametrize("junk", JUNK)
def test_cell_gradient_never_raises(junk):
    r = nb06.check_cell_gradient(junk)
    assert not r.ok and r.message


# ---------------------------------------------------------------- forget bias


def test_forget_bias():
    def ref(keep, T):
        f = keep ** (1 / T)
        return np.log(f / (1 - f))
    assert nb06.check_forget_bias(ref).ok
    assert nb06.check_forget_bias(lambda keep, T: -np.log(1 / keep ** (1 / T) - 1)).ok  # same logit, other form
    assert nb06.check_forget_bias(todo).status == "todo"
    r = nb06.check_forget_bias(lambda keep, T: keep ** (1 / T))
    assert not r.ok and "gate value" in r.message
    r = nb06.check_forget_bias(lambda keep, T: np.log(keep ** T / (1 - keep ** T)))
    assert not r.ok and "T-th root" in r.message
    r = nb06.check_forget_bias(lambda keep, T: np.log(keep ** (1 / T)))
    assert not r.ok and "logit" in r.message
    r = nb06.check_forget_bias(lambda keep, T: 3.0)
    assert not r.ok and "keeps sigmoid(b_f) ** T" in r.message


@pytest.mark.parametrize("junk", JUNK + [lambda *a: np.inf, lambda *a: np.ones(3)])
def test_forget_bias_never_raises(junk):
    r = nb06.check_forget_bias(junk)
    assert not r.ok and r.message
