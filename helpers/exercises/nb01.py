"""Checks for notebook 01 (feed-forward networks).

Each check runs the learner's function on small random cases, compares with
the reference and, when it differs, tests for the usual slips (a missing
transpose, a forgotten average, 1 - tanh(h)^2 instead of 1 - h^2, only the
diagonal of the softmax's Jacobian, the derivative of log p for that of p, a
forward difference) so the hint can name the slip. Checks never raise; the
reference answers are private (``_name``): a learner's tab completion does not
offer them, and the checks refuse them (helpers.exercises.core.call).
"""
import functools

import numpy as np

from helpers import layers
from helpers.exercises.core import (call, compare, diagnose, explain_error, failed, first_failure, never_raise,
                                    passed, same)


_never_raise = functools.partial(
    never_raise, advice="; check that it returns numpy arrays of the shapes the task asks for")

SHAPES_HINT = ("write the shape of every operand: (a, b) @ (b, c) needs the inner sizes to match and gives (a, c), "
               "and * needs arrays of the same shape")


def _is_array(value):
    """True for a numpy array or numpy number (what a numpy slip returns), False for None, str, dict, ..."""
    return isinstance(value, (np.ndarray, np.number))


def _unpack(out, names):
    """(values, None) when ``out`` is a tuple/list of len(names), else (None, failed Result)."""
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"a {type(out).__name__} of {len(out)} items" if isinstance(out, (tuple, list)) else type(out).__name__
        return None, failed(f"return the tuple ({', '.join(names)}); got {got}")
    return out, None


# --------------------------------------------------------------------------
# Exercise 1: affine backward
# --------------------------------------------------------------------------

AFFINE_CASES = [(4, 3, 5, 11), (2, 6, 3, 21)]  # (N, D, H, seed): three different sizes, so a transpose shows


def _affine_backward_reference(dout, x, W):
    """out = x @ W + b, x (N, D), W (D, H), dout (N, H) -> dx (N, D), dW (D, H), db (H,)."""
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def _db_slip(db, dout):
    """A failed Result naming a typical slip in db, or None."""
    N, H = dout.shape
    if same(db, dout.mean(axis=0)):
        return failed("db is the mean of dout over the batch; the bias is added to every row, "
                      "so its gradient is the *sum* over the batch")
    shape = np.shape(db) if _is_array(db) else None
    if shape == (N,) or same(db, dout.sum(axis=1)):
        return failed("db has one entry per example; it needs one per output unit: sum over axis 0 (the batch)")
    if shape == ():
        return failed("db is a single number: b has one entry per output unit (H,), so sum over axis 0 only")
    if shape == (1, H):
        return failed(f"db has shape (1, {H}) but b has shape ({H},): drop keepdims=True")
    if shape == (N, H):
        return failed("db has one row per example: every example adds the same b, so sum dout over the batch")
    return None


@_never_raise
def check_affine_backward(fn):
    """fn(dout, x, W) -> (dx, dW, db) for out = x @ W + b."""
    for N, D, H, seed in AFFINE_CASES:
        rng = np.random.default_rng(seed)
        x, W, dout = rng.standard_normal((N, D)), rng.standard_normal((D, H)), rng.standard_normal((N, H))
        out, err = call(fn, "affine_backward", dout.copy(), x.copy(), W.copy())
        if err is not None:
            return explain_error(err, "a product has mismatched shapes: " + SHAPES_HINT +
                                 "; dx must come out (N, D) like x, dW (D, H) like W")
        out, err = _unpack(out, ["dx", "dW", "db"])
        if err is not None:
            return err
        dx, dW, db = out
        want = _affine_backward_reference(dout, x, W)
        shapes, wanted = [np.shape(v) for v in out], [w.shape for w in want]
        if shapes != wanted and sorted(shapes) == sorted(wanted):
            return failed("the three gradients are there, in another order: return them in the order (dx, dW, db)")
        by_n = "is divided by N: the 1/N of a mean loss is already inside dout, so do not average again"
        bad = first_failure(
            _db_slip(db, dout),
            diagnose(dx, [(want[0] / N, "dx " + by_n)], right=want[0]),
            diagnose(dW, [(want[1] / N, "dW " + by_n)], right=want[1]),
            compare("dx", dx, want[0], hint="x meets W in the forward pass, so dx comes from dout and W: "
                                            "check which one is transposed and on which side it goes"),
            compare("dW", dW, want[1], hint="dW pairs every input with every upstream gradient, summed over the "
                                            "batch: it comes from x and dout"),
            compare("db", db, want[2], hint="b is added to every row of x @ W"))
        if bad is not None:
            return bad
    return passed("dx, dW and db are all right: the same three lines are inside helpers.layers.affine_backward")


# --------------------------------------------------------------------------
# Exercise 2: tanh backward
# --------------------------------------------------------------------------


def _tanh_backward_reference(dh, h):
    """h = tanh(a); dh, h (N, H) -> da (N, H)."""
    return dh * (1.0 - h * h)


@_never_raise
def check_tanh_backward(fn):
    """fn(dh, h) -> da, where h = tanh(a) is the layer's *output*."""
    for seed, shape in [(12, (4, 5)), (22, (3, 7))]:
        rng = np.random.default_rng(seed)
        a = 1.5 * rng.standard_normal(shape)
        h, dh = np.tanh(a), rng.standard_normal(shape)
        da, err = call(fn, "tanh_backward", dh.copy(), h.copy())
        if err is not None:
            return explain_error(err, "multiply elementwise (*), not with @: every unit has its own slope")
        if _is_array(da) and np.shape(da) == (shape[0], shape[0]):
            return failed(f"da has shape {np.shape(da)}, not the shape of h {shape}: multiply elementwise (*), "
                          "not with @: every unit has its own slope")
        if _is_array(da) and np.shape(da) in {(shape[1],), (shape[0],), ()}:
            return failed(f"da has shape {np.shape(da)}: it has one entry per example and per unit, the shape of h "
                          f"{shape}, so do not sum")
        want = _tanh_backward_reference(dh, h)
        bad = diagnose(da, [
            (1.0 - h * h, "you returned the local slope alone; multiply it by the upstream gradient dh (chain rule)"),
            (dh * (1.0 - np.tanh(h) ** 2), "h is already tanh(a): do not apply tanh to it again"),
            (dh * (1.0 - h), "the slope of tanh is 1 - tanh(a)**2, with h squared"),
            (dh * (1.0 - 2 * h), "the slope of tanh is 1 - tanh(a)**2, with h squared (not doubled)"),
            (dh * (h * h - 1.0), "da has the wrong sign: the slope of tanh is positive everywhere"),
            (dh * h * (1.0 - h), "that is the slope of the sigmoid, s * (1 - s); tanh has its own"),
            (dh * h, "da = dh * h is not the slope of tanh: the slope is 1 - tanh(a)**2, written with h"),
        ], right=want)
        if bad is None:
            bad = compare("da", da, want, hint="the chain rule multiplies dh, entry by entry, by the slope of tanh "
                                               "written with the output h")
        if bad is not None:
            return bad
    return passed("da = dh * (1 - h**2): tanh passes the gradient where |h| is small and blocks it where it saturates near ±1")


# --------------------------------------------------------------------------
# Exercise 3: the softmax cross-entropy gradient, derived in three steps
# (the checks live in helpers.exercises.nb01_softmax: this module would be too long)
# --------------------------------------------------------------------------

@_never_raise
def check_softmax_jacobian(fn):
    """Exercise 3a: softmax_jacobian(p) for one row p (V,) -> (V, V)."""
    from helpers.exercises import nb01_softmax  # imported here: it imports this module
    return nb01_softmax.check_softmax_jacobian(fn)


@_never_raise
def check_cross_entropy_dp(fn):
    """Exercise 3b: cross_entropy_dp(p, labels) -> dL/dp (N, V)."""
    from helpers.exercises import nb01_softmax
    return nb01_softmax.check_cross_entropy_dp(fn)


@_never_raise
def check_softmax_backward(fn):
    """Exercise 3c: softmax_backward(dp, p) -> dL/dy (N, V) for any upstream dp."""
    from helpers.exercises import nb01_softmax
    return nb01_softmax.check_softmax_backward(fn)


# --------------------------------------------------------------------------
# Exercise 4: softmax cross-entropy and its gradient, fast and stable
# --------------------------------------------------------------------------

# (N, V, seed): N != V, labels repeat and are not sorted
SCE_CASES = [(5, 4, 13), (3, 6, 23)]


def _softmax_cross_entropy_reference(y, labels):
    """y (N, V) scores, labels (N,) ints -> (L, dy): mean loss and dL/dy (N, V)."""
    return layers.softmax_cross_entropy(y, labels)


def _loss_slip(L, y, labels):
    """A failed Result naming a typical slip in the loss L, or None."""
    N = len(labels)
    p = layers.softmax(y, axis=1)
    rows = np.arange(N)
    L_want = -np.log(p[rows, labels]).mean()
    if np.shape(L) == (N,):
        return failed("L has one entry per example: the loss is one number, the mean over the N examples")
    try:
        L = float(np.asarray(L, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return failed(f"L should be one number (the mean loss), got {type(L).__name__} of shape {np.shape(L)}")
    e0 = np.exp(y)
    slips = [(N * L_want, f"L is {N} times too large: average the loss over the N = {N} examples (mean, not sum)"),
             (-L_want, "L is negative: the loss is minus the log of the probability of the right class"),
             (-np.log(p[:, labels]).mean(), "L averages over an (N, N) block: p[:, labels] takes every row at every "
                                            "label; take one entry per row, row n at column labels[n]"),
             (-np.log((e0 / e0.sum(axis=0))[rows, labels]).mean(), "L uses a softmax over each column; the softmax "
                                                                     "runs over each *row* of y (one row per example)")]
    for wrong, hint in slips:
        if np.isclose(L, wrong, rtol=1e-6) and not np.isclose(wrong, L_want, rtol=1e-6):
            return failed(hint)
    if not np.isclose(L, L_want, rtol=1e-6):
        return failed(f"L = {L:.4f}, expected {L_want:.4f}: L is the mean over n of -log p[n, labels[n]], "
                      "with p the softmax of each *row* of y")
    return None


def _dy_slip(dy, y, labels):
    """A failed Result naming a typical slip in dy, or None."""
    N = len(labels)
    p = layers.softmax(y, axis=1)
    want = _softmax_cross_entropy_reference(y, labels)[1]
    columns = p.copy()
    columns[:, labels] -= 1.0
    bad = diagnose(dy, [
        (N * want, f"dy is {N} times too large: the loss is a mean, so divide the gradient by N"),
        (p / N, "dy should be the probabilities minus the one-hot targets: subtract 1 at each example's correct class"),
        (p, "dy should be the probabilities minus the one-hot targets: subtract 1 at each example's correct class, "
            "then divide by N"),
        (-want, "dy has the wrong sign: check the order of the subtraction of probabilities and one-hot targets"),
        (columns / N, "the 1 is subtracted in whole columns: [:, labels] picks every row; subtract it at one entry "
                      "per row, row n at column labels[n]"),
    ], right=want)
    return bad if bad is not None else compare(
        "dy", dy, want, hint="dy depends on the softmax of each row, the one-hot targets and N")


@_never_raise
def check_softmax_cross_entropy(fn):
    """fn(y, labels) -> (L, dy) with L the mean over the N examples."""
    for N, V, seed in SCE_CASES:
        rng = np.random.default_rng(seed)
        y, labels = rng.standard_normal((N, V)), rng.integers(0, V, size=N)
        out, err = call(fn, "softmax_cross_entropy", y.copy(), labels.copy())
        if err is not None:
            return explain_error(err, "a product or a division has mismatched shapes: " + SHAPES_HINT +
                                 "; sums over a row need keepdims=True to divide the (N, V) scores")
        if isinstance(out, (tuple, list)) and len(out) == 2 and np.shape(out[0]) == y.shape and np.ndim(out[1]) == 0:
            return failed("you return (dy, L); return them in the order (L, dy)")
        out, err = _unpack(out, ["L", "dy"])
        if err is not None:
            return err
        bad = first_failure(_loss_slip(out[0], y, labels), _dy_slip(out[1], y, labels))
        if bad is not None:
            return bad
        big = y + 1000.0  # same softmax, but exp(1000) overflows unless the row max is subtracted
        L_want, dy_want = _softmax_cross_entropy_reference(y, labels)
        out, err = call(fn, "softmax_cross_entropy", big, labels.copy())
        if err is not None:
            return err
        stable = (isinstance(out, (tuple, list)) and len(out) == 2 and same(out[0], L_want)
                  and same(out[1], dy_want))
        if not stable:
            return failed("right on ordinary scores, but y + 1000 (same softmax) gives inf or NaN: "
                          "subtract each row's max from y before np.exp (it does not change softmax)")
    return passed("L and dy are right, and stable for large scores: dy = (p - one_hot(labels)) / N")


# --------------------------------------------------------------------------
# Exercise 5: central differences (a numerical gradient of one's own)
# --------------------------------------------------------------------------


def _central_differences_reference(f, x, h=1e-5):
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
def check_central_differences(fn):
    """fn(f, x, h=1e-5) -> central-difference gradient of the scalar f at x."""
    rng = np.random.default_rng(14)
    x, C, h = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), 1e-5
    x0, seen = x.copy(), []

    def f(z):  # entries interact (the last term), so an entry left nudged changes every other estimate
        z = np.array(z, dtype=float)
        seen.append(z)
        return float(np.sum(z ** 3) + np.sum(np.sin(z)) + 0.5 * np.sum(z * C) ** 2)

    exact = 3 * x0 ** 2 + np.cos(x0) + np.sum(x0 * C) * C
    grad, err = call(fn, "central_differences", f, x, h)
    if err is not None:
        return err
    if np.shape(x) != x0.shape or not np.allclose(x, x0, rtol=0, atol=1e-12):  # rounding (+h, -2h, +h) is fine
        return failed("x is changed after your function returns: put each nudged entry back to its old value")
    if same(grad, exact, atol=1e-7, rtol=0):
        err_size = float(np.max(np.abs(np.asarray(grad, dtype=float) - exact)))
        return passed(f"your numerical gradient matches the exact one to {max(err_size, 1e-16):.0e}: "
                      "central differences have error ~h², one-sided ones ~h")
    moved = {int(np.sum(~np.isclose(z, x0, rtol=0, atol=1e-12))) for z in seen if z.shape == x0.shape} - {0}
    if moved == {x0.size}:
        return failed("f saw every entry of x nudged at once (x + h moves them all): nudge one entry at a time, "
                      "so entry i of the result measures how f changes with x[i] alone")
    if moved and max(moved) > 1:
        return failed(f"f saw up to {max(moved)} entries of x nudged at once: nudge one entry at a time "
                      "(np.ndindex(x.shape) lists every single index), and put it back before nudging the next")
    bad = diagnose(grad, [
        (2 * exact, "twice too large: x[i] + h and x[i] - h are 2h apart, so divide by 2h"),
        (exact * 2 * h, "far too small: divide the difference of the two values of f by the distance 2h"),
        (exact * h * h, "far too small: (f_plus - f_minus) / 2 * h divides by 2 and *multiplies* by h; "
                        "put 2 * h in parentheses"),
        (exact / 2, "half too small: the two points are x[i] + h and x[i] - h, and the distance between them is 2h"),
    ], right=exact, atol=1e-4)
    if bad is not None:
        return bad
    bad = compare("grad", grad, exact, hint="estimate each entry as (f(x + h e_i) - f(x - h e_i)) / (2h)",
                  atol=1e-4, rtol=1e-4)
    if bad is not None:
        return bad
    err_size = float(np.max(np.abs(np.asarray(grad, dtype=float) - exact)))
    return failed(f"close (largest error {err_size:.1e}) but less accurate than central differences allow: "
                  "use (f(x+h) - f(x-h)) / (2h), not the one-sided (f(x+h) - f(x)) / h")
