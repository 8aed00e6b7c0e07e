"""Notebook 01's checks: the reference passes, typical slips get a hint naming them, nothing raises."""
import numpy as np
import pytest

from helpers.exercises import nb01


def todo(*args):
    raise NotImplementedError


# Answers a check must survive without raising: each gives a failed Result.
ODD_ANSWERS = [
    lambda *a: None,
    lambda *a: [1, 2, 3],
    lambda *a: "dx",
    lambda *a: np.full((2, 2), np.nan),
    lambda *a: (None, None, None),
    lambda *a: ([1, [2]], 3),
    lambda *a: 1 / 0,
    lambda *a: {"dx": 1},
    42,
]

CHECKS = [nb01.check_affine_backward, nb01.check_tanh_backward,
          nb01.check_softmax_cross_entropy, nb01.check_numerical_gradient]


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted_starter_says_todo(check):
    r = check(todo)
    assert not r.ok and r.status == "todo" and "Not attempted" in repr(r)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("answer", ODD_ANSWERS)
def test_odd_answers_fail_without_raising(check, answer):
    r = check(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


# --- affine_backward ------------------------------------------------------

def test_affine_backward_reference_passes():
    assert nb01.check_affine_backward(nb01.affine_backward_reference).ok


@pytest.mark.parametrize("wrong, hint", [
    (lambda dout, x, W: (dout @ W.T, dout.T @ x, dout.sum(0)), "transposed"),
    (lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.mean(0)), "*sum*"),
    (lambda dout, x, W: (dout @ W.T, x.T @ dout, dout.sum(1)), "one entry per example"),
    (lambda dout, x, W: (dout @ W.T, x.T @ dout), "return the tuple (dx, dW, db)"),
    (lambda dout, x, W: (dout @ W.T * 2, x.T @ dout, dout.sum(0)), "dx has the right shape but wrong values"),
])
def test_affine_backward_wrong_answers(wrong, hint):
    r = nb01.check_affine_backward(wrong)
    assert not r.ok and hint in r.message


# --- tanh_backward ----------------------------------------------------------

def test_tanh_backward_reference_passes():
    assert nb01.check_tanh_backward(nb01.tanh_backward_reference).ok


@pytest.mark.parametrize("wrong, hint", [
    (lambda dh, h: 1 - h ** 2, "multiply it by the upstream gradient dh"),
    (lambda dh, h: dh * (1 - np.tanh(h) ** 2), "h is already tanh(a)"),
    (lambda dh, h: dh * (1 - h), "1 - h**2 (h squared)"),
    (lambda dh, h: dh * h, "da has the right shape but wrong values"),
])
def test_tanh_backward_wrong_answers(wrong, hint):
    r = nb01.check_tanh_backward(wrong)
    assert not r.ok and hint in r.message


# --- softmax_cross_entropy --------------------------------------------------

def _sce(y, labels, mean=True, divide=True, onehot=True, stable=True):
    N = y.shape[0]
    z = y - y.max(1, keepdims=True) if stable else y
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    L = -np.log(p[np.arange(N), labels])
    dy = p.copy()
    if onehot:
        dy[np.arange(N), labels] -= 1
    return (L.mean() if mean else L.sum()), (dy / N if divide else dy)


def test_softmax_cross_entropy_reference_passes():
    assert nb01.check_softmax_cross_entropy(nb01.softmax_cross_entropy_reference).ok
    assert nb01.check_softmax_cross_entropy(_sce).ok


@pytest.mark.parametrize("kw, hint", [
    ({"mean": False}, "mean, not sum"),
    ({"divide": False}, "divide the gradient by N"),
    ({"onehot": False}, "subtract 1 at each example's correct class"),
    ({"stable": False}, "subtract each row's max"),
])
def test_softmax_cross_entropy_wrong_answers(kw, hint):
    r = nb01.check_softmax_cross_entropy(lambda y, labels: _sce(y, labels, **kw))
    assert not r.ok and hint in r.message


def test_softmax_over_wrong_axis_fails():
    def wrong(y, labels):
        N = y.shape[0]
        p = np.exp(y) / np.exp(y).sum(0, keepdims=True)
        dy = p.copy()
        dy[np.arange(N), labels] -= 1
        return -np.log(p[np.arange(N), labels]).mean(), dy / N
    r = nb01.check_softmax_cross_entropy(wrong)
    assert not r.ok and "softmax of each *row*" in r.message


# --- numerical_gradient -----------------------------------------------------

def test_numerical_gradient_reference_passes():
    assert nb01.check_numerical_gradient(nb01.numerical_gradient_reference).ok


def test_forward_difference_is_caught():
    def forward(f, x, h=1e-5):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            f0 = f(x)
            x[i] = old + h
            g[i] = (f(x) - f0) / h
            x[i] = old
        return g
    r = nb01.check_numerical_gradient(forward)
    assert not r.ok and "one-sided" in r.message


def test_not_restoring_x_is_caught():
    def leaky(f, x, h=1e-5):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            fp = f(x)
            x[i] -= 2 * h
            g[i] = (fp - f(x)) / (2 * h)
        return g
    r = nb01.check_numerical_gradient(leaky)
    assert not r.ok and "put each nudged entry back" in r.message


def test_missing_factor_two_is_caught():
    def half(f, x, h=1e-5):
        return 2 * nb01.numerical_gradient_reference(f, x, h)
    r = nb01.check_numerical_gradient(half)
    assert not r.ok and "(2h)" in r.message
