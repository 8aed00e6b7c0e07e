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

from helpers.exercises import nb01

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01-feed-forward-networks.ipynb"


def todo(*args):
    raise NotImplementedError


class Hostile:
    """An answer on which every operation a check might try raises."""

    def _boom(self, *args, **kwargs):
        raise RuntimeError("hostile object")

    __array__ = __iter__ = __len__ = __float__ = __int__ = __index__ = __getitem__ = _boom
    __eq__ = __lt__ = __bool__ = __hash__ = _boom


def _gen(*args):
    yield from (1, 2, 3)


ODD_RETURNS = [
    ("None", lambda *a: None),
    ("string", lambda *a: "dx"),
    ("dict", lambda *a: {"dx": 1}),
    ("wrong-length list", lambda *a: [1, 2, 3, 4, 5]),
    ("short list", lambda *a: [1]),
    ("ragged tuple", lambda *a: ([1, [2]], 3)),
    ("generator", _gen),
    ("exception inside", lambda *a: 1 / 0),
    ("NaN", lambda *a: np.nan),
    ("NaN array", lambda *a: np.full((2, 2), np.nan)),
    ("tuple of None", lambda *a: (None, None, None)),
    ("tuple of NaN", lambda *a: (np.nan, np.nan)),
    ("tuple of hostile objects", lambda *a: (Hostile(), Hostile(), Hostile())),
    ("hostile object", lambda *a: Hostile()),
    ("not a function", 42),
]

CHECKS = [nb01.check_affine_backward, nb01.check_tanh_backward,
          nb01.check_softmax_cross_entropy, nb01.check_numerical_gradient]


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
    ("reference (in a function of ours)", lambda *a: nb01.affine_backward_reference(*a)),
    ("transpose of the transpose", _affine(dx=lambda dout, x, W: (W @ dout.T).T)),
    ("np.dot and np.sum", _affine(dx=lambda dout, x, W: np.dot(dout, W.T), db=lambda dout, x, W: np.sum(dout, axis=0))),
    ("einsum", _affine(dW=lambda dout, x, W: np.einsum("nd,nh->dh", x, dout))),
    ("a list instead of a tuple", lambda dout, x, W: [dout @ W.T, x.T @ dout, dout.sum(0)]),
    ("float32", lambda dout, x, W: nb01.affine_backward_reference(
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
    ("reference (in a function of ours)", lambda *a: nb01.tanh_backward_reference(*a)),
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


# --- Exercise 3: softmax_cross_entropy ------------------------------------------------

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
    ("reference (in a function of ours)", lambda *a: nb01.softmax_cross_entropy_reference(*a)),
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


# --- Exercise 4: numerical_gradient -------------------------------------------------

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
    ("flattened", lambda f, x, h=1e-5: nb01.numerical_gradient_reference(f, x, h).ravel(), "shape"),
]


@pytest.mark.parametrize("name, wrong, word", NUMGRAD_WRONG, ids=[w[0] for w in NUMGRAD_WRONG])
def test_numerical_gradient_wrong(name, wrong, word):
    r = nb01.check_numerical_gradient(wrong)
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
    ("reference (in a function of ours)", lambda *a: nb01.numerical_gradient_reference(*a)),
    ("switches all off", _numgrad()),
    ("restored by +h, -2h, +h (rounding)", _numgrad(restore="+h -2h +h")),
    ("on copies of x", _on_copies),
    ("through x.flat", _flat),
    ("rounding-level noise", lambda f, x, h=1e-5: nb01.numerical_gradient_reference(f, x, h) + 1e-12),
]


@pytest.mark.parametrize("name, right", NUMGRAD_RIGHT, ids=[r[0] for r in NUMGRAD_RIGHT])
def test_numerical_gradient_right(name, right):
    r = nb01.check_numerical_gradient(right)
    assert r.ok, r.message


# --- the notebook's own solutions ---------------------------------------------------


def solution_results(path, namespace):
    """Run each solution cell of the notebook at ``path``; yield (cell source, value of its last line)."""
    for cell in nbformat.read(path, as_version=4).cells:
        if "solution" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            last = tree.body.pop()
            assert isinstance(last, ast.Expr), "a solution cell ends with its check"
            exec(compile(tree, str(path), "exec"), namespace)
            yield cell.source, eval(compile(ast.Expression(last.value), str(path), "eval"), namespace)


def test_notebook_solutions_pass_their_checks():
    results = list(solution_results(NOTEBOOK, {"np": np, "nb01": nb01}))
    assert len(results) == 4
    for source, r in results:
        assert r.ok, (source, r.message)


def test_every_check_is_wrapped_so_it_never_raises():
    checks = [getattr(nb01, name) for name in dir(nb01) if name.startswith("check_")]
    assert checks and all(hasattr(check, "__wrapped__") for check in checks)
