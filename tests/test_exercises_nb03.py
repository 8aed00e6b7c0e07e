"""Notebook 03's exercise checks: right answers pass, typical wrong ones get a specific hint."""
import numpy as np
import pytest

from helpers import rnn
from helpers.exercises import nb03


def todo(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [nb03.check_rnn_step, nb03.check_rnn_forward,
                                   nb03.check_output_shapes, nb03.check_count_params])
def test_unattempted_starters_say_not_attempted(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


@pytest.mark.parametrize("check", [nb03.check_rnn_step, nb03.check_rnn_forward,
                                   nb03.check_output_shapes, nb03.check_count_params])
@pytest.mark.parametrize("junk", [lambda *a: None, lambda *a: [1, 2], lambda *a: "x",
                                  lambda *a: np.nan, lambda *a: 1 / 0, lambda *a: (np.ones(3), np.ones(3)), 5])
def test_checks_never_raise(check, junk):
    r = check(junk)
    assert not r.ok and r.message


# ---- the step ---------------------------------------------------------------

def test_rnn_step_right():
    assert nb03.check_rnn_step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b)).ok
    assert nb03.check_rnn_step(lambda x, h, Wx, Wh, b: rnn.step_forward(x, h, Wx, Wh, b)[0]).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "np.tanh"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "ignores h_prev"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "bias b is missing"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T, "transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + 2 * b), "wrong values"),
])
def test_rnn_step_wrong(wrong, words):
    r = nb03.check_rnn_step(wrong)
    assert not r.ok and words in r.message, r.message


# ---- the loop ---------------------------------------------------------------

def forward_right(x, h0, Wx, Wh, b):
    h = []
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)
        h.append(h_prev)
    return np.stack(h, axis=1)


def forward_time_major(x, h0, Wx, Wh, b):
    return np.transpose(forward_right(x, h0, Wx, Wh, b), (1, 0, 2))


def forward_with_h0(x, h0, Wx, Wh, b):
    return np.concatenate([h0[:, None], forward_right(x, h0, Wx, Wh, b)], axis=1)


def forward_always_h0(x, h0, Wx, Wh, b):
    return np.stack([np.tanh(x[:, t] @ Wx + h0 @ Wh + b) for t in range(x.shape[1])], axis=1)


def forward_no_memory(x, h0, Wx, Wh, b):
    return np.tanh(x @ Wx + b)


def forward_shifted(x, h0, Wx, Wh, b):
    return forward_with_h0(x, h0, Wx, Wh, b)[:, :-1]


def test_rnn_forward_right():
    assert nb03.check_rnn_forward(forward_right).ok
    assert nb03.check_rnn_forward(lambda x, h0, Wx, Wh, b: rnn.forward(x, h0, Wx, Wh, b)[0]).ok


@pytest.mark.parametrize("wrong, words", [
    (forward_time_major, "(T, N, H)"),
    (forward_with_h0, "without h0"),
    (forward_always_h0, "every step uses h0"),
    (forward_no_memory, "ignore the previous hidden state"),
    (forward_shifted, "shifted by one step"),
])
def test_rnn_forward_wrong(wrong, words):
    r = nb03.check_rnn_forward(wrong)
    assert not r.ok and words in r.message, r.message


# ---- the four patterns ---------------------------------------------------------

def shapes_right(N, T, V):
    return {"one-to-one": (N, V), "one-to-many": (N, T, V), "many-to-one": (N, V), "many-to-many": (N, T, V)}


def test_output_shapes_right():
    assert nb03.check_output_shapes(shapes_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda N, T, V: {**shapes_right(N, T, V), "many-to-one": (N, T, V)}, "no T axis"),
    (lambda N, T, V: {**shapes_right(N, T, V), "one-to-many": (N, V)}, "has a T axis"),
    (lambda N, T, V: {**shapes_right(N, T, V), "many-to-many": (T, N, V)}, "batch N, then time T"),
    (lambda N, T, V: {k.replace("-", " "): v for k, v in shapes_right(N, T, V).items()}, "lacks the key"),
    (lambda N, T, V: [(N, V)] * 4, "dict"),
    (lambda N, T, V: {**shapes_right(N, T, V), "one-to-one": "N, V"}, "tuple of ints"),
])
def test_output_shapes_wrong(wrong, words):
    r = nb03.check_output_shapes(wrong)
    assert not r.ok and words in r.message, r.message


# ---- counting parameters -----------------------------------------------------

def test_count_params_right():
    assert nb03.check_count_params(lambda D, H, V, T: D * H + H * H + H + H * V + V).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda D, H, V, T: T * (D * H + H * H + H + H * V + V), "grows with T"),
    (lambda D, H, V, T: D * H + H * H + H * V, "biases are missing"),
    (lambda D, H, V, T: D * H + H * H + H * V, "by has V"),  # the output bias is by, never c
    (lambda D, H, V, T: D * H + H * H + H, "output layer Wy (H, V) and by (V,)"),
    (lambda D, H, V, T: D * H + H * V + H + V, "Wh is missing"),
    (lambda D, H, V, T: D * H + H * H + H + H * V, "expected"),
    (lambda D, H, V, T: None, "return"),
])
def test_count_params_wrong(wrong, words):
    r = nb03.check_count_params(wrong)
    assert not r.ok and words in r.message, r.message
