"""Checks for notebook 01 (feed-forward networks).

Each check runs the learner's function on small random cases, compares with
the reference and, when it differs, tests for the usual slips (a missing
transpose, a forgotten average, 1 - tanh(h)^2 instead of 1 - h^2, a forward
difference) so the hint can name the slip. Checks never raise.
"""
import functools

import numpy as np

from helpers import layers
from helpers.exercises.core import call, compare, failed, first_failure, passed, never_raise


_never_raise = functools.partial(
    never_raise, advice="; check that it returns numpy arrays of the shapes the task asks for")


def _unpack(out, names):
    """(values, None) when ``out`` is a tuple/list of len(names), else (None, failed Result)."""
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) else type(out).__name__
        return None, failed(f"return the tuple ({', '.join(names)}); got {got}")
    return out, None


def _close(got, want, atol=1e-8):
    """True when ``got`` is an array of want's shape and values (never raises)."""
    try:
        got = np.asarray(got, dtype=float)
        return got.shape == np.shape(want) and bool(np.allclose(got, want, atol=atol, rtol=1e-6))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------
# Exercise 1: affine backward
# --------------------------------------------------------------------------


def affine_backward_reference(dout, x, W):
    """out = x @ W + b, x (N, D), W (D, H), dout (N, H) -> dx (N, D), dW (D, H), db (H,)."""
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


@_never_raise
def check_affine_backward(fn):
    """fn(dout, x, W) -> (dx, dW, db) for out = x @ W + b."""
    rng = np.random.default_rng(11)
    N, D, H = 4, 3, 5
    x, W, dout = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal((N, H))
    out, err = call(fn, "affine_backward", dout.copy(), x.copy(), W.copy())
    if err is not None:
        return err
    out, err = _unpack(out, ["dx", "dW", "db"])
    if err is not None:
        return err
    dx, dW, db = out
    want = affine_backward_reference(dout, x, W)
    if _close(db, dout.mean(axis=0)):
        return failed("db is the mean of dout over the batch; the bias is added to every row, "
                      "so its gradient is the *sum*: db = dout.sum(axis=0)")
    if _close(db, dout.sum(axis=1)) or np.shape(db) == (N,):
        return failed("db has one entry per example; it needs one per output unit: sum over axis 0 (the batch)")
    bad = first_failure(
        compare("dx", dx, want[0], hint="dx = dout @ W.T: each input feeds every output through W"),
        compare("dW", dW, want[1], hint="dW = x.T @ dout: the input times the upstream gradient, summed over the batch"),
        compare("db", db, want[2], hint="db = dout.sum(axis=0)"))
    return bad if bad is not None else passed("dx, dW and db are all right: the same three lines are inside helpers.layers.affine_backward")


# --------------------------------------------------------------------------
# Exercise 2: tanh backward
# --------------------------------------------------------------------------


def tanh_backward_reference(dh, h):
    """h = tanh(a); dh, h (N, H) -> da (N, H)."""
    return dh * (1.0 - h * h)


@_never_raise
def check_tanh_backward(fn):
    """fn(dh, h) -> da, where h = tanh(a) is the layer's *output*."""
    rng = np.random.default_rng(12)
    a = rng.standard_normal((4, 5))
    h, dh = np.tanh(a), rng.standard_normal((4, 5))
    da, err = call(fn, "tanh_backward", dh.copy(), h.copy())
    if err is not None:
        return err
    if _close(da, 1.0 - h * h):
        return failed("you returned the local slope 1 - h**2 alone; multiply it by the upstream gradient dh (chain rule)")
    if _close(da, dh * (1.0 - np.tanh(h) ** 2)):
        return failed("h is already tanh(a): the slope is 1 - h**2, not 1 - tanh(h)**2")
    if _close(da, dh * (1.0 - h)) or _close(da, dh * (1.0 - 2 * h)):
        return failed("the derivative of tanh is 1 - tanh(a)**2 = 1 - h**2 (h squared)")
    if _close(da, dh * (1.0 - a * a)):
        return failed("that looks like 1 - a**2 with the pre-activation; this function gets h = tanh(a): use 1 - h**2")
    bad = compare("da", da, tanh_backward_reference(dh, h), hint="da = dh * (1 - h**2), elementwise")
    return bad if bad is not None else passed("da = dh * (1 - h**2): tanh passes the gradient where |h| is small and blocks it where it saturates near ±1")


# --------------------------------------------------------------------------
# Exercise 3: softmax cross-entropy and its gradient
# --------------------------------------------------------------------------


def softmax_cross_entropy_reference(y, labels):
    """y (N, V) scores, labels (N,) ints -> (L, dy): mean loss and dL/dy (N, V)."""
    return layers.softmax_cross_entropy(y, labels)


@_never_raise
def check_softmax_cross_entropy(fn):
    """fn(y, labels) -> (L, dy) with L the mean over the N examples."""
    rng = np.random.default_rng(13)
    N, V = 5, 4
    y, labels = rng.standard_normal((N, V)), rng.integers(0, V, size=N)
    out, err = call(fn, "softmax_cross_entropy", y.copy(), labels.copy())
    if err is not None:
        return err
    out, err = _unpack(out, ["L", "dy"])
    if err is not None:
        return err
    L, dy = out
    L_want, dy_want = softmax_cross_entropy_reference(y, labels)
    try:
        L = float(np.asarray(L, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return failed(f"L should be one number (the mean loss), got {type(L).__name__} of shape {np.shape(L)}")
    if np.isclose(L, N * L_want):
        return failed(f"L is {N} times too large: average the loss over the N = {N} examples (mean, not sum)")
    if not np.isclose(L, L_want, rtol=1e-6):
        return failed(f"L = {L:.4f}, expected {L_want:.4f}: L = mean over n of -log p[n, labels[n]], "
                      "with p = softmax of each *row* of y")
    if _close(dy, N * dy_want):
        return failed(f"dy is {N} times too large: the loss is a mean, so divide the gradient by N")
    p = dy_want * N
    p[np.arange(N), labels] += 1.0
    if _close(dy, p / N) or _close(dy, p):
        return failed("dy should be (p - one_hot(labels)) / N: subtract 1 at each example's correct class")
    bad = compare("dy", dy, dy_want, hint="dy = (softmax(y) - one_hot(labels)) / N")
    if bad is not None:
        return bad
    big = y + 1000.0  # same softmax, but exp(1000) overflows unless the row max is subtracted
    out, err = call(fn, "softmax_cross_entropy", big, labels.copy())
    if err is not None:
        return err
    L_big = out[0] if isinstance(out, (tuple, list)) and len(out) == 2 else None
    try:
        finite = bool(np.all(np.isfinite(np.asarray(L_big, dtype=float)))) and bool(np.all(np.isfinite(out[1])))
    except (TypeError, ValueError, IndexError):
        finite = False
    if not finite or not np.isclose(float(L_big), L_want, rtol=1e-6):
        return failed("right on ordinary scores, but y + 1000 (same softmax) gives inf or NaN: "
                      "subtract each row's max from y before np.exp (it does not change softmax)")
    return passed("L and dy are right, and stable for large scores: dy = (p - one_hot(labels)) / N")


# --------------------------------------------------------------------------
# Exercise 4: a numerical gradient
# --------------------------------------------------------------------------


def numerical_gradient_reference(f, x, h=1e-5):
    """Central differences of a scalar function f at x (any shape) -> array like x."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


@_never_raise
def check_numerical_gradient(fn):
    """fn(f, x, h=1e-5) -> central-difference gradient of the scalar f at x."""
    rng = np.random.default_rng(14)
    x = rng.standard_normal((3, 4))
    x0 = x.copy()

    def f(z):
        return float(np.sum(z ** 3) + np.sum(np.sin(z)))

    exact = 3 * x0 ** 2 + np.cos(x0)
    grad, err = call(fn, "numerical_gradient", f, x, 1e-5)
    if err is not None:
        return err
    if not np.array_equal(x, x0):
        return failed("x is changed after your function returns: put each nudged entry back (x[i] = old)")
    bad = compare("grad", grad, exact, hint="estimate each entry as (f(x + h e_i) - f(x - h e_i)) / (2h)", atol=1e-4, rtol=1e-4)
    if bad is not None:
        return bad
    err_size = float(np.max(np.abs(np.asarray(grad, dtype=float) - exact)))
    if err_size > 1e-7:
        return failed(f"close (largest error {err_size:.1e}) but less accurate than central differences allow: "
                      "use (f(x+h) - f(x-h)) / (2h), not the one-sided (f(x+h) - f(x)) / h")
    return passed(f"your numerical gradient matches the exact one to {max(err_size, 1e-16):.0e}: "
                  "central differences have error ~h², one-sided ones ~h")
