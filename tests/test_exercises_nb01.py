"""Notebook 01's checks, proven against a catalogue of typical learner slips.

For each exercise: a table of wrong answers (each must get ❌ with a hint that
names the slip: the word asserted), a table of right answers written
differently (each must get ✅), and a table of odd returns (each must get ❌,
never an exception). Finally the notebook's own solution cells must pass.
"""
import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

from exercise_cases import COMMON_ODD_RETURNS, Hostile, assert_every_check_is_wrapped, solution_results, todo
from helpers.exercises import nb01, nb01_softmax

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01-feed-forward-networks.ipynb"


def _gen(*args):
    yield from (1, 2, 3)


ODD_RETURNS = COMMON_ODD_RETURNS + [
    ("string", lambda *a: "dx"),
    ("dict", lambda *a: {"dx": 1}),
    ("wrong-length list", lambda *a: [1, 2, 3, 4, 5]),
    ("short list", lambda *a: [1]),
    ("ragged tuple", lambda *a: ([1, [2]], 3)),
    ("generator", _gen),
    ("tuple of None", lambda *a: (None, None, None)),
    ("tuple of NaN", lambda *a: (np.nan, np.nan)),
    ("tuple of hostile objects", lambda *a: (Hostile(), Hostile(), Hostile())),
    ("not a function", 42),
]

CHECKS = [nb01.check_affine_backward, nb01.check_tanh_backward, nb01.check_softmax_jacobian,
          nb01.check_cross_entropy_dp, nb01.check_softmax_backward, nb01.check_softmax_cross_entropy,
          nb01.check_central_differences]


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted_starter_says_todo(check):
    r = check(todo)
    assert not r.ok and r.status == "todo" and "Not attempted" in repr(r)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name, answer", ODD_RETURNS, ids=[o[0] for o in ODD_RETURNS])
def test_odd_returns_fail_without_raising(check, name, answer):
    r = check(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


# --- Exercise 1: affine_backward ------------------------------------------------

def _affine(dx=lambda dout, x, W: dout @ W.T, dW=lambda dout, x, W: x.T @ dout, db=lambda dout, x, W: dout.sum(0)):
    return lambda dout, x, W: (dx(dout, x, W), dW(dout, x, W), db(dout, x, W))


AFFINE_WRONG = [
    ("dW transposed", _affine(dW=lambda dout, x, W: dout.T @ x), "transposed"),
    ("dW with x on the wrong side", _affine(dW=lambda dout, x, W: x @ dout), "shape"),
    ("dx without the transpose", _affine(dx=lambda dout, x, W: dout @ W), "shape"),
    ("dx with W on the left", _affine(dx=lambda dout, x, W: W @ dout.T), "transposed"),
    ("dx from x instead of W", _affine(dx=lambda dout, x, W: dout @ W.T * x), "dx"),
    ("db averaged", _affine(db=lambda dout, x, W: dout.mean(0)), "*sum*"),
    ("db over the wrong axis", _affine(db=lambda dout, x, W: dout.sum(1)), "one entry per example"),
    ("db summed to one number", _affine(db=lambda dout, x, W: dout.sum()), "axis 0"),
    ("db with keepdims", _affine(db=lambda dout, x, W: dout.sum(0, keepdims=True)), "keepdims"),
    ("db is dout", _affine(db=lambda dout, x, W: dout), "sum dout over the batch"),
    ("dW averaged over the batch", _affine(dW=lambda dout, x, W: x.T @ dout / len(x)), "divided by N"),
    ("dx averaged over the batch", _affine(dx=lambda dout, x, W: dout @ W.T / len(x)), "divided by N"),
    ("wrong order", lambda dout, x, W: (x.T @ dout, dout @ W.T, dout.sum(0)), "order"),
    ("db missing", lambda dout, x, W: (dout @ W.T, x.T @ dout), "return the tuple (dx, dW, db)"),
    ("dx doubled", _affine(dx=lambda dout, x, W: 2 * dout @ W.T), "dx has the right shape but wrong values"),
]


@pytest.mark.parametrize("name, wrong, word", AFFINE_WRONG, ids=[w[0] for w in AFFINE_WRONG])
def test_affine_backward_wrong(name, wrong, word):
    r = nb01.check_affine_backward(wrong)
    assert not r.ok and word in r.message, r.message


AFFINE_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01._affine_backward_reference(*a)),
    ("transpose of the transpose", _affine(dx=lambda dout, x, W: (W @ dout.T).T)),
    ("np.dot and np.sum", _affine(dx=lambda dout, x, W: np.dot(dout, W.T), db=lambda dout, x, W: np.sum(dout, axis=0))),
    ("einsum", _affine(dW=lambda dout, x, W: np.einsum("nd,nh->dh", x, dout))),
    ("a list instead of a tuple", lambda dout, x, W: [dout @ W.T, x.T @ dout, dout.sum(0)]),
    ("float32", lambda dout, x, W: nb01._affine_backward_reference(
        dout.astype(np.float32), x.astype(np.float32), W.astype(np.float32))),
    ("rounding-level noise", _affine(dW=lambda dout, x, W: x.T @ dout + 1e-12)),
]


@pytest.mark.parametrize("name, right", AFFINE_RIGHT, ids=[r[0] for r in AFFINE_RIGHT])
def test_affine_backward_right(name, right):
    r = nb01.check_affine_backward(right)
    assert r.ok, r.message


# --- Exercise 2: tanh_backward ----------------------------------------------------

TANH_WRONG = [
    ("local slope alone", lambda dh, h: 1 - h ** 2, "upstream"),
    ("tanh applied twice", lambda dh, h: dh * (1 - np.tanh(h) ** 2), "already tanh(a)"),
    ("1 / cosh**2 of h", lambda dh, h: dh / np.cosh(h) ** 2, "already tanh(a)"),
    ("h not squared", lambda dh, h: dh * (1 - h), "squared"),
    ("2h instead of h**2", lambda dh, h: dh * (1 - 2 * h), "squared"),
    ("sign flipped", lambda dh, h: dh * (h ** 2 - 1), "sign"),
    ("sigmoid's derivative", lambda dh, h: dh * h * (1 - h), "sigmoid"),
    ("matrix product instead of elementwise", lambda dh, h: dh @ (1 - h ** 2).T, "elementwise"),
    ("matrix product that fails", lambda dh, h: dh @ (1 - h ** 2), "elementwise"),
    ("summed over the batch", lambda dh, h: (dh * (1 - h ** 2)).sum(0), "do not sum"),
    ("dh times h", lambda dh, h: dh * h, "slope of tanh"),
    ("transposed", lambda dh, h: (dh * (1 - h ** 2)).T, "transposed"),
]


@pytest.mark.parametrize("name, wrong, word", TANH_WRONG, ids=[w[0] for w in TANH_WRONG])
def test_tanh_backward_wrong(name, wrong, word):
    r = nb01.check_tanh_backward(wrong)
    assert not r.ok and word in r.message, r.message


TANH_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01._tanh_backward_reference(*a)),
    ("factored", lambda dh, h: dh * (1 - h) * (1 + h)),
    ("np.square", lambda dh, h: dh * (1 - np.square(h))),
    ("expanded", lambda dh, h: dh - dh * h * h),
    ("through arctanh", lambda dh, h: dh / np.cosh(np.arctanh(h)) ** 2),
    ("float32", lambda dh, h: (dh * (1 - h ** 2)).astype(np.float32)),
]


@pytest.mark.parametrize("name, right", TANH_RIGHT, ids=[r[0] for r in TANH_RIGHT])
def test_tanh_backward_right(name, right):
    r = nb01.check_tanh_backward(right)
    assert r.ok, r.message


# --- Exercise 3a: softmax_jacobian ---------------------------------------------------

def _jac(p):
    return np.diag(p) - np.outer(p, p)


def _softmax(y):
    z = np.exp(y - y.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


JACOBIAN_WRONG = [
    ("only the diagonal p(1-p)", lambda p: np.diag(p * (1 - p)), "only the diagonal"),
    ("the diagonal as a vector", lambda p: p * (1 - p), "only the diagonal"),
    ("diagonal term missing", lambda p: -np.outer(p, p), "δ_jk term"),
    ("sign flipped", lambda p: np.outer(p, p) - np.diag(p), "wrong sign"),
    ("off-diagonal sign flipped", lambda p: np.diag(p * (1 - p)) + np.outer(p, p) - np.diag(p * p), "off-diagonal"),
    ("Jacobian of log p", lambda p: np.eye(len(p)) - p, "log p"),
    ("Jacobian of log p, transposed", lambda p: np.eye(len(p)) - p[:, None], "transposed"),
    ("delta without its p_j", lambda p: np.eye(len(p)) - np.outer(p, p), "factor p_j"),
    ("p squared instead of an outer product", lambda p: np.diag(p) - p ** 2, "one product per pair"),
    ("p squared per row", lambda p: np.diag(p) - (p ** 2)[:, None], "one product per pair"),
    ("p @ p, a dot product", lambda p: np.diag(p) - p @ p, "dot product"),
    ("softmax applied again", lambda p: _jac(_softmax(p)), "already the softmax"),
    ("outer(p, 1 - p)", lambda p: np.outer(p, 1 - p), "off the diagonal"),
    ("diagonal without the 1 - p", lambda p: np.diag(p) - np.outer(p, p) + np.diag(p * p), "look at the diagonal"),
    ("a (V,) vector", lambda p: p, "a (4, 4) matrix"),
    ("returned None", lambda p: None, "None"),
    ("a column missing", lambda p: _jac(p)[:, :-1], "shape"),
]


@pytest.mark.parametrize("name, wrong, word", JACOBIAN_WRONG, ids=[w[0] for w in JACOBIAN_WRONG])
def test_softmax_jacobian_wrong(name, wrong, word):
    r = nb01.check_softmax_jacobian(wrong)
    assert not r.ok and word in r.message, r.message


def _jac_loops(p):
    V = len(p)
    return np.array([[p[j] * ((j == k) - p[k]) for k in range(V)] for j in range(V)])


def _jac_numeric(p):
    # p is a softmax of log p (up to a constant): a numerical Jacobian from the scores log p
    y, h, V = np.log(p), 1e-6, len(p)
    return np.stack([(_softmax(y + h * np.eye(V)[k]) - _softmax(y - h * np.eye(V)[k])) / (2 * h) for k in range(V)],
                    axis=1)


JACOBIAN_RIGHT = [
    ("reference (in a function of ours)", lambda p: nb01_softmax._softmax_jacobian_reference(p)),
    ("diag minus outer", _jac),
    ("two loops over j and k", _jac_loops),
    ("transposed (J is symmetric)", lambda p: _jac(p).T),
    ("p[:, None] * (eye - p)", lambda p: p[:, None] * (np.eye(len(p)) - p[None, :])),
    ("numerically, from log p", _jac_numeric),
    ("a list of lists", lambda p: _jac(p).tolist()),
    ("float32", lambda p: _jac(p.astype(np.float32))),
]


@pytest.mark.parametrize("name, right", JACOBIAN_RIGHT, ids=[r[0] for r in JACOBIAN_RIGHT])
def test_softmax_jacobian_right(name, right):
    r = nb01.check_softmax_jacobian(right)
    assert r.ok, r.message


# --- Exercise 3b: cross_entropy_dp -------------------------------------------------------

def _ce_dp(p, labels, scale=1.0, sign=-1, pick="rows", where="label", power=-1, divide=True):
    """dL/dp with one switch per typical slip (all defaults: right)."""
    N = len(labels)
    rows = np.arange(N) if pick == "rows" else slice(None)
    dp = np.zeros_like(p)
    value = sign * p ** power * scale / (N if divide else 1)
    if where == "label":
        dp[rows, labels] = value[rows, labels]
    else:
        dp = value
    return dp


def _ce_kw(**kw):
    return lambda p, labels: _ce_dp(p, labels, **kw)


CE_DP_WRONG = [
    ("forgot /N", _ce_kw(divide=False), "too large"),
    ("minus sign missing", _ce_kw(sign=1), "wrong sign"),
    ("1/p everywhere", _ce_kw(where="all"), "other entries of dp are 0"),
    ("1/p everywhere, no N", _ce_kw(where="all", divide=False), "other entries of dp are 0"),
    ("one-hot on the wrong axis (dp[:, labels])", _ce_kw(pick="columns"), "one entry per row"),
    ("gradient w.r.t. log p", _ce_kw(power=0), "log p"),
    ("p instead of 1/p", _ce_kw(power=1), "1/p, not p"),
    ("the final shortcut (p - onehot)/N", lambda p, labels: (p - np.eye(p.shape[1])[labels]) / len(labels), "dL/dy"),
    ("the loss terms themselves", lambda p, labels: -np.log(p) * np.eye(p.shape[1])[labels] / len(labels), "not their derivative"),
    ("1/p at the label, no keepdims", lambda p, labels: -np.eye(p.shape[1])[labels] / (len(labels) * p[np.arange(len(labels)), labels]), "(N, 1)"),
    ("one-hot of size N", lambda p, labels: -np.eye(len(labels))[labels] / (len(labels) * p), "V columns"),
    ("summed over the batch", lambda p, labels: _ce_dp(p, labels).sum(0), "zeros included"),
    ("1/p squared", _ce_kw(power=-2), "dp has the right shape but wrong values"),
]


@pytest.mark.parametrize("name, wrong, word", CE_DP_WRONG, ids=[w[0] for w in CE_DP_WRONG])
def test_cross_entropy_dp_wrong(name, wrong, word):
    r = nb01.check_cross_entropy_dp(wrong)
    assert not r.ok and word in r.message, r.message


def _ce_dp_onehot(p, labels):
    onehot = np.eye(p.shape[1])[labels]
    return -onehot / (len(labels) * p)


def _ce_dp_loop(p, labels):
    dp = np.zeros_like(p)
    for n, label in enumerate(labels):
        dp[n, label] -= 1 / p[n, label] / len(labels)
    return dp


CE_DP_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01_softmax._cross_entropy_dp_reference(*a)),
    ("switches all off", _ce_dp),
    ("one-hot divided by p", _ce_dp_onehot),
    ("a loop over the examples", _ce_dp_loop),
    ("np.where", lambda p, labels: np.where(np.eye(p.shape[1], dtype=bool)[labels], -1 / (len(labels) * p), 0.0)),
    ("float32", lambda p, labels: _ce_dp(p.astype(np.float32), labels)),
]


@pytest.mark.parametrize("name, right", CE_DP_RIGHT, ids=[r[0] for r in CE_DP_RIGHT])
def test_cross_entropy_dp_right(name, right):
    r = nb01.check_cross_entropy_dp(right)
    assert r.ok, r.message


# --- Exercise 3c: softmax_backward ------------------------------------------------------

def _sb(dp, p):
    return p * (dp - (dp * p).sum(axis=1, keepdims=True))


SOFTMAX_BACKWARD_WRONG = [
    ("only the diagonal p(1-p)", lambda dp, p: dp * p * (1 - p), "only the diagonal"),
    ("the -p_j p_k part dropped", lambda dp, p: dp * p, "dropped the -p_j p_k part"),
    ("backward of log-softmax", lambda dp, p: dp - p * dp.sum(1, keepdims=True), "log p"),
    ("overall factor p missing", lambda dp, p: dp - (dp * p).sum(1, keepdims=True), "a factor is missing"),
    ("sum over the batch axis", lambda dp, p: p * (dp - (dp * p).sum(0)), "wrong axis"),
    ("sum over everything", lambda dp, p: p * (dp - (dp * p).sum()), "every entry of the batch"),
    ("forgot keepdims", lambda dp, p: p * (dp - (dp * p).sum(1)), "keepdims"),
    ("the first example's Jacobian for all", lambda dp, p: dp @ _jac(p[0]), "first example"),
    ("one Jacobian from the whole batch", lambda dp, p: dp @ (np.diag(p.sum(0)) - p.T @ p), "mixed"),
    ("sign flipped", lambda dp, p: -_sb(dp, p), "wrong sign"),
    ("divided by N", lambda dp, p: _sb(dp, p) / len(p), "divided by N"),
    ("dp passed through", lambda dp, p: dp, "changed nothing"),
    ("transposed", lambda dp, p: _sb(dp, p).T, "transposed"),
    ("the Jacobians themselves", lambda dp, p: np.stack([_jac(row) for row in p]), "Jacobians themselves"),
    ("Jacobian of row n applied to dp as a whole", lambda dp, p: np.stack([_jac(p[n]) @ dp.sum(0) for n in range(len(p))]), "dy has the right shape"),
]


@pytest.mark.parametrize("name, wrong, word", SOFTMAX_BACKWARD_WRONG, ids=[w[0] for w in SOFTMAX_BACKWARD_WRONG])
def test_softmax_backward_wrong(name, wrong, word):
    r = nb01.check_softmax_backward(wrong)
    assert not r.ok and word in r.message, r.message


def _sb_loop(dp, p):
    return np.stack([_jac(p[n]).T @ dp[n] for n in range(len(p))])


SOFTMAX_BACKWARD_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01_softmax._softmax_backward_reference(*a)),
    ("vectorised", _sb),
    ("a loop with each row's Jacobian", _sb_loop),
    ("einsum over the stacked Jacobians", lambda dp, p: np.einsum("nj,njk->nk", dp, np.stack([_jac(r) for r in p]))),
    ("einsum without the transpose (J is symmetric)", lambda dp, p: np.einsum("nk,njk->nj", dp, np.stack([_jac(r) for r in p]))),
    ("expanded", lambda dp, p: p * dp - p * np.sum(p * dp, axis=1)[:, None]),
    ("float32", lambda dp, p: _sb(dp.astype(np.float32), p.astype(np.float32))),
]


@pytest.mark.parametrize("name, right", SOFTMAX_BACKWARD_RIGHT, ids=[r[0] for r in SOFTMAX_BACKWARD_RIGHT])
def test_softmax_backward_right(name, right):
    r = nb01.check_softmax_backward(right)
    assert r.ok, r.message


def test_softmax_backward_that_special_cases_the_cross_entropy_fails():
    def special(dp, p):
        if np.count_nonzero(dp) == len(dp):  # looks like the cross-entropy's dp: one entry per row
            return p
        return _sb(dp, p)
    r = nb01.check_softmax_backward(special)
    assert not r.ok and "treat some dp specially" in r.message


def test_the_three_steps_compose_to_section_2s_result():
    rng = np.random.default_rng(5)
    p, labels = _softmax(rng.standard_normal((7, 3))), rng.integers(0, 3, 7)
    dy = nb01_softmax._softmax_backward_reference(nb01_softmax._cross_entropy_dp_reference(p, labels), p)
    np.testing.assert_allclose(dy, (p - np.eye(3)[labels]) / 7, atol=1e-15)
    for row, dp_row, dy_row in zip(p, nb01_softmax._cross_entropy_dp_reference(p, labels), dy):
        np.testing.assert_allclose(nb01_softmax._softmax_jacobian_reference(row).T @ dp_row, dy_row, atol=1e-15)


# --- Exercise 4: softmax_cross_entropy ------------------------------------------------

def _sce(y, labels, mean=True, divide=True, onehot=True, stable=True, axis=1, sign=1, pick="rows", order="L, dy"):
    """A softmax cross-entropy with one switch per typical slip (all defaults: right)."""
    N = y.shape[0]
    rows = np.arange(N) if pick == "rows" else slice(None)
    z = y - y.max(axis, keepdims=True) if stable else y
    p = np.exp(z) / np.exp(z).sum(axis, keepdims=True)
    L = -sign * np.log(p[rows, labels])
    dy = p.copy()
    if onehot:
        dy[rows, labels] -= 1
    L, dy = (L.mean() if mean else L.sum()), (dy / N if divide else dy)
    return (L, sign * dy) if order == "L, dy" else (sign * dy, L)


def _kw(**kw):
    return lambda y, labels: _sce(y, labels, **kw)


SCE_WRONG = [
    ("sum instead of mean", _kw(mean=False), "mean, not sum"),
    ("dy not divided by N", _kw(divide=False), "divide the gradient by N"),
    ("no one-hot subtracted", _kw(onehot=False), "subtract 1 at each example's correct class"),
    ("neither one-hot nor N", _kw(onehot=False, divide=False), "subtract 1"),
    ("unstable", _kw(stable=False), "subtract each row's max"),
    ("softmax over columns", _kw(axis=0), "*row*"),
    ("minus sign missing", _kw(sign=-1), "minus"),
    ("p[:, labels]", _kw(pick="columns"), "one entry per row"),
    ("dy sign flipped", lambda y, labels: (_sce(y, labels)[0], -_sce(y, labels)[1]), "wrong sign"),
    ("dy[:, labels] -= 1", lambda y, labels: (_sce(y, labels)[0], _sce(y, labels, pick="columns")[1]),
     "one entry per row"),
    ("(dy, L) order", _kw(order="dy, L"), "order (L, dy)"),
    ("L per example", lambda y, labels: (-np.log(np.exp(y - y.max(1, keepdims=True))[np.arange(len(y)), labels]
                                                 / np.exp(y - y.max(1, keepdims=True)).sum(1)), _sce(y, labels)[1]),
     "one number"),
    ("L missing", lambda y, labels: _sce(y, labels)[1], "return the tuple (L, dy)"),
    ("dy doubled", lambda y, labels: (_sce(y, labels)[0], 2 * _sce(y, labels)[1]), "dy has the right shape"),
]


@pytest.mark.parametrize("name, wrong, word", SCE_WRONG, ids=[w[0] for w in SCE_WRONG])
def test_softmax_cross_entropy_wrong(name, wrong, word):
    r = nb01.check_softmax_cross_entropy(wrong)
    assert not r.ok and word in r.message, r.message


def _sce_logsumexp(y, labels):
    N = len(labels)
    m = y.max(axis=1, keepdims=True)
    logp = y - m - np.log(np.exp(y - m).sum(axis=1, keepdims=True))
    onehot = np.eye(y.shape[1])[labels]
    return -(logp * onehot).sum() / N, (np.exp(logp) - onehot) / N


SCE_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01._softmax_cross_entropy_reference(*a)),
    ("switches all off", _sce),
    ("log-sum-exp with a one-hot matrix", _sce_logsumexp),
    ("L as a 0-d array", lambda y, labels: (np.array(_sce(y, labels)[0]), _sce(y, labels)[1])),
    ("a list instead of a tuple", lambda y, labels: list(_sce(y, labels))),
    ("rounding-level noise", lambda y, labels: (_sce(y, labels)[0] * (1 + 1e-12), _sce(y, labels)[1] + 1e-13)),
]


@pytest.mark.parametrize("name, right", SCE_RIGHT, ids=[r[0] for r in SCE_RIGHT])
def test_softmax_cross_entropy_right(name, right):
    r = nb01.check_softmax_cross_entropy(right)
    assert r.ok, r.message


# --- Exercise 5: central_differences -------------------------------------------------

def _numgrad(restore="old", step="central", denominator="2h", nudge="entry"):
    """A numerical gradient with one switch per typical slip (all defaults: right)."""
    def numerical_gradient(f, x, h=1e-5):
        x_start = x.copy()
        grad = np.zeros_like(x)
        indices = list(np.ndindex(x.shape)) if nudge == "entry" else [(r,) for r in range(x.shape[0])]
        for i in indices:
            old = x[i].copy()
            f0 = f(x)
            x[i] = old + h
            fp = f(x)
            if step == "central":
                x[i] = old - h
            elif step == "back to x":
                x[i] = old
            fm = f(x) if step != "forward" else f0
            if restore == "old":
                x[i] = old
            elif restore == "old + h":
                x[i] = old + h
            elif restore == "+h -2h +h":
                x[i] = old + h
                x[i] -= 2 * h
                x[i] += h
            width = {"central": 2 * h, "back to x": 2 * h, "forward": h}[step]
            grad[i] = {"2h": (fp - fm) / width, "2": (fp - fm) / 2 * h, "h": (fp - fm) / (h if step == "central" else width),
                       "none": fp - fm}[denominator]
        if restore == "at the end":
            x[...] = x_start
        return grad
    return numerical_gradient


def _whole_array(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        grad[i] = (f(x + h) - f(x - h)) / (2 * h)
    return grad


NUMGRAD_WRONG = [
    ("one-sided (forward) difference", _numgrad(step="forward"), "one-sided"),
    ("entry never restored", _numgrad(restore="no"), "put each nudged entry back"),
    ("restored to old + h", _numgrad(restore="old + h"), "put each nudged entry back"),
    ("restored only at the end", _numgrad(restore="at the end"), "before nudging the next"),
    ("divided by h instead of 2h", _numgrad(denominator="h"), "2h"),
    ("/ 2 * h without parentheses", _numgrad(denominator="2"), "parentheses"),
    ("not divided at all", _numgrad(denominator="none"), "2h"),
    ("x + h and x, over 2h", _numgrad(step="back to x"), "2h"),
    ("the whole array nudged", _whole_array, "one entry at a time"),
    ("a whole row nudged", _numgrad(nudge="row"), "one entry at a time"),
    ("flattened", lambda f, x, h=1e-5: nb01._central_differences_reference(f, x, h).ravel(), "shape"),
]


@pytest.mark.parametrize("name, wrong, word", NUMGRAD_WRONG, ids=[w[0] for w in NUMGRAD_WRONG])
def test_numerical_gradient_wrong(name, wrong, word):
    r = nb01.check_central_differences(wrong)
    assert not r.ok and word in r.message, r.message


def _on_copies(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def _flat(f, x, h=1e-5):
    grad = np.zeros(x.size)
    for k in range(x.size):
        old = x.flat[k]
        x.flat[k] = old + h
        fp = f(x)
        x.flat[k] = old - h
        fm = f(x)
        x.flat[k] = old
        grad[k] = (fp - fm) / (2 * h)
    return grad.reshape(x.shape)


NUMGRAD_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb01._central_differences_reference(*a)),
    ("switches all off", _numgrad()),
    ("restored by +h, -2h, +h (rounding)", _numgrad(restore="+h -2h +h")),
    ("on copies of x", _on_copies),
    ("through x.flat", _flat),
    ("rounding-level noise", lambda f, x, h=1e-5: nb01._central_differences_reference(f, x, h) + 1e-12),
]


@pytest.mark.parametrize("name, right", NUMGRAD_RIGHT, ids=[r[0] for r in NUMGRAD_RIGHT])
def test_numerical_gradient_right(name, right):
    r = nb01.check_central_differences(right)
    assert r.ok, r.message


# --- the notebook's own solutions ---------------------------------------------------


def test_notebook_solutions_pass_their_checks():
    results = list(solution_results(NOTEBOOK, {"np": np, "nb01": nb01}))
    assert len(results) == 7
    for source, r in results:
        assert r.ok, (source, r.message)


def test_every_check_is_wrapped_so_it_never_raises():
    assert_every_check_is_wrapped(nb01)


@pytest.mark.parametrize("check, reference", [
    (nb01.check_softmax_jacobian, nb01_softmax._softmax_jacobian_reference),
    (nb01.check_cross_entropy_dp, nb01_softmax._cross_entropy_dp_reference),
    (nb01.check_softmax_backward, nb01_softmax._softmax_backward_reference),
    (nb01.check_softmax_cross_entropy, nb01._softmax_cross_entropy_reference),
    (nb01.check_central_differences, nb01._central_differences_reference),
])
def test_checks_refuse_their_own_reference(check, reference):
    r = check(reference)
    assert not r.ok and "course's own functions" in r.message


def test_exercise_starters_shadow_no_name_the_notebook_uses():
    """A starter raises NotImplementedError: if it redefined a name a lesson cell uses, Run All after
    the exercises would break that cell."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    defined = {node.name for c in nb.cells if "exercise" in c.metadata.get("tags", [])
               for node in ast.walk(ast.parse(c.source)) if isinstance(node, ast.FunctionDef)}
    lessons = [c.source for c in nb.cells if c.cell_type == "code"
               and not {"exercise", "check", "solution"} & set(c.metadata.get("tags", []))]
    used = {node.id for src in lessons for node in ast.walk(ast.parse(src)) if isinstance(node, ast.Name)}
    assert defined and not defined & used, defined & used
