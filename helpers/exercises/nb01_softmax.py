"""Checks for notebook 01's Exercise 3: the softmax cross-entropy gradient, derived in three steps.

(3a) the softmax Jacobian for one row, (3b) dL/dp of the mean cross-entropy,
(3c) any upstream dp back through the softmax. Split from nb01 (one file would
be too long); nb01.check_softmax_jacobian and friends call these.
"""
import numpy as np

from helpers.exercises.core import call, compare, diagnose, explain_error, failed, passed, same
from helpers.exercises.nb01 import SHAPES_HINT, _is_array, _never_raise

# --------------------------------------------------------------------------
# Exercise 3: the softmax cross-entropy gradient, derived in three steps
# --------------------------------------------------------------------------

def _softmax_rows(y):
    z = np.exp(y - y.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _probabilities(rng, shape):
    """Softmax probabilities of random scores: every entry different, none tiny."""
    return _softmax_rows(1.2 * rng.standard_normal(shape))


def _softmax_jacobian_reference(p):
    """p (V,) one example's probabilities -> J (V, V), J[j, k] = dp_j/dy_k = p_j (delta_jk - p_k)."""
    return np.diag(p) - np.outer(p, p)


def _split(J, V):
    """(diagonal, off-diagonal entries) of a (V, V) array."""
    off = ~np.eye(V, dtype=bool)
    return np.diag(J), J[off]


@_never_raise
def check_softmax_jacobian(fn):
    """fn(p) -> J (V, V) with J[j, k] = dp_j / dy_k, for one example's probabilities p (V,)."""
    for V, seed in [(4, 31), (5, 41)]:
        p = _probabilities(np.random.default_rng(seed), V)  # (V,)
        J, err = call(fn, "softmax_jacobian", p.copy())
        if err is not None:
            return explain_error(err, "p is one example's row, shape (V,): " + SHAPES_HINT)
        want = _softmax_jacobian_reference(p)
        if _is_array(J) and np.shape(J) == (V,):
            if same(J, p * (1 - p)):
                return failed("that is only the diagonal, dp_j/dy_j, as a vector: J is (V, V), and its off-diagonal "
                              "entries (how p_j moves when another score y_k moves) are not zero")
            return failed(f"J has shape ({V},), one entry per class; the Jacobian has one entry per pair (j, k): "
                          f"a ({V}, {V}) matrix")
        q = _softmax_rows(p)
        pair = ("the off-diagonal entry [j, k] involves two different probabilities, p_j and p_k: "
                "one product per pair (j, k), not a square")
        bad = diagnose(J, [
            (np.diag(p * (1 - p)), "only the diagonal is filled: raising y_k also changes every other p_j (through "
                                   "the sum in the softmax's denominator), so the off-diagonal entries are not zero"),
            (-np.outer(p, p), "the off-diagonal entries are right, but the diagonal misses its δ_jk term: "
                              "for j = k the numerator exp(y_j) depends on y_k too"),
            (-want, "every entry has the wrong sign: raising a score raises its own probability, "
                    "so the diagonal is positive"),
            (np.diag(p * (1 - p)) + np.outer(p, p) - np.diag(p * p),
             "the diagonal is right, the off-diagonal entries have the wrong sign: raising y_k lowers every "
             "other probability p_j"),
            (np.eye(V) - p[None, :], "that is the Jacobian of log p (d log p_j / dy_k): row j still needs its "
                                     "factor p_j, since dp_j = p_j d(log p_j)"),
            (np.eye(V) - p[:, None], "that is the Jacobian of log p (d log p_j / dy_k), transposed: the softmax's "
                                     "own Jacobian has a factor p_j in every entry of row j"),
            (np.eye(V) - np.outer(p, p), "the δ_jk term needs its factor p_j: the quotient rule gives p_j δ_jk "
                                         "on the diagonal, not δ_jk alone"),
            (np.diag(p) - p[None, :] ** 2, pair),
            (np.diag(p) - p[:, None] ** 2, pair),
            (np.diag(p) - p @ p, "p @ p of two 1-D arrays is a single number (a dot product): the off-diagonal "
                                 "entries need one product p_j p_k per pair (j, k)"),
            (np.diag(q) - np.outer(q, q), "p is already the softmax's output: do not apply the softmax to it again"),
        ], right=want)
        if bad is not None:
            return bad
        bad = compare("J", J, want, hint="")
        if bad is not None and _is_array(J) and np.shape(J) == (V, V) and np.all(np.isfinite(J)):
            (d_got, o_got), (d_want, o_want) = _split(np.asarray(J, dtype=float), V), _split(want, V)
            if same(d_got, d_want):
                return failed("the diagonal is right; look at the entries off the diagonal, j ≠ k, "
                              "where δ_jk = 0 (step 1 of section 2)")
            if same(o_got, o_want):
                return failed("the entries off the diagonal are right; look at the diagonal, j = k, "
                              "where δ_jk = 1 (step 1 of section 2)")
            return failed("J has the right shape, but neither its diagonal nor its other entries match "
                          "dp_j/dy_k: redo step 1 of section 2 with the quotient rule")
        if bad is not None:
            return bad
    return passed("J is the softmax's Jacobian: positive on the diagonal, negative off it, symmetric, "
                  "and each column sums to 0 because the probabilities always sum to 1")


# (N, V, seed): N != V, labels repeat and are not sorted
CE_CASES = [(5, 4, 33), (3, 6, 43)]


def _labels(rng, N, V):
    """N labels in [0, V) with a repeat and a class missing, not sorted (no accidental order)."""
    while True:
        labels = rng.integers(0, V, size=N)
        if len(set(labels.tolist())) < min(N, V) and not np.all(np.diff(labels) >= 0):
            return labels


def _cross_entropy_dp_reference(p, labels):
    """p (N, V), labels (N,) -> dL/dp (N, V) for L = -mean_n log p[n, labels[n]]."""
    N = len(labels)
    dp = np.zeros_like(p)
    dp[np.arange(N), labels] = -1.0 / (N * p[np.arange(N), labels])
    return dp


@_never_raise
def check_cross_entropy_dp(fn):
    """fn(p, labels) -> dp = dL/dp (N, V) for the mean cross-entropy, p treated as the variable."""
    for N, V, seed in CE_CASES:
        rng = np.random.default_rng(seed)
        p, labels = _probabilities(rng, (N, V)), _labels(rng, N, V)
        dp, err = call(fn, "cross_entropy_dp", p.copy(), labels.copy())
        if err is not None:
            return explain_error(err, "an (N, V) array meets an array of another shape: a one-hot matrix has V "
                                      "columns, one per class, and one number per row combines with an (N, V) "
                                      "array only when kept as a column (N, 1) (keepdims=True or [:, None])")
        if _is_array(dp) and np.shape(dp) in {(N,), (V,), ()}:
            return failed(f"dp has shape {np.shape(dp)}: L depends on every entry of p, so dp has p's shape "
                          f"({N}, {V}), zeros included")
        want = _cross_entropy_dp_reference(p, labels)
        onehot = np.eye(V)[labels]
        columns = np.zeros_like(p)
        columns[:, labels] = -1.0 / (N * p[:, labels])
        bad = diagnose(dp, [
            (N * want, f"dp is {N} times too large: L is a mean over the N = {N} examples, so every entry "
                       "carries a 1/N"),
            (-want, "dp has the wrong sign: L = -mean log p, so raising the right class's probability "
                    "lowers the loss"),
            (-1.0 / (N * p), "every entry is filled: L contains only p[n, labels[n]] from each row, "
                             "so the other entries of dp are 0"),
            (-1.0 / p, "every entry is filled: L contains only p[n, labels[n]] from each row, so the other "
                       "entries of dp are 0 (and L is a mean, so mind the N)"),
            (columns, "the entries are set in whole columns: [:, labels] picks every row at every label; set "
                      "one entry per row, row n at column labels[n]"),
            (-onehot / N, "that is the gradient with respect to log p; one more link of the chain: "
                          "the derivative of log p is 1/p"),
            (-onehot * p / N, "the derivative of log p is 1/p, not p"),
            ((p - onehot) / N, "that is dL/dy, the gradient *after* the softmax (section 2's final result); "
                               "here the variable is p itself, one link earlier in the chain"),
            (-np.log(p) * onehot / N, "those are the loss's own terms, -log p / N, not their derivative"),
            (np.log(p) * onehot / N, "those are the loss's own terms, log p / N, not their derivative"),
        ], right=want)
        if bad is None:
            bad = compare("dp", dp, want, hint="L is -(1/N) times the sum over n of log p[n, labels[n]]: "
                                               "differentiate one term, then place it (step 2 of section 2)")
        if bad is not None:
            return bad
    return passed("dp is -1/(N p) at each example's label and 0 elsewhere: only the right class's "
                  "probability enters the loss")


SOFTMAX_BACKWARD_CASES = [(5, 4, 37), (3, 6, 47)]  # (N, V, seed), N != V


def _softmax_backward_reference(dp, p):
    """dp (N, V) upstream gradient, p (N, V) -> dy (N, V), each row through its own Jacobian."""
    return p * (dp - np.sum(dp * p, axis=1, keepdims=True))


@_never_raise
def check_softmax_backward(fn):
    """fn(dp, p) -> dy (N, V): the chain rule through the softmax of each row, for any upstream dp."""
    for N, V, seed in SOFTMAX_BACKWARD_CASES:
        rng = np.random.default_rng(seed)
        p, dp = _probabilities(rng, (N, V)), rng.standard_normal((N, V))
        dy, err = call(fn, "softmax_backward", dp.copy(), p.copy())
        if err is not None:
            return explain_error(err, "a sum over each row gives one number per row, (N,): keep it as (N, 1) "
                                      "(keepdims=True) to combine it with an (N, V) array; " + SHAPES_HINT)
        want = _softmax_backward_reference(dp, p)
        if _is_array(dy) and np.shape(dy) == (N, V, V):
            return failed(f"dy has shape {np.shape(dy)}: those look like the Jacobians themselves; apply each "
                          "example's Jacobian to its row of dp (chain rule) to get dy (N, V)")
        J0 = _softmax_jacobian_reference(p[0])
        batch_J = np.diag(p.sum(axis=0)) - p.T @ p
        mixed = "the examples are mixed: one (V, V) matrix for the whole batch; each example n has its own " \
                "Jacobian, built from its own row p[n]"
        wrong_axis = "the sum over j runs over the wrong axis: it belongs inside each example, over its V " \
                     "classes (axis 1), not over the batch"
        bad = diagnose(dy, [
            (dp * p * (1 - p), "only the diagonal of each Jacobian is used: y_k also moves the other probabilities "
                               "p_j, so dy[n, k] collects a term from every dp[n, j]"),
            (dp * p, "you kept the p_j δ_jk part of the Jacobian and dropped the -p_j p_k part: y_k also moves "
                     "every other p_j, so dy[n, k] collects a term from every dp[n, j]"),
            (dp - p * dp.sum(axis=1, keepdims=True), "that is the backward pass of log p (through δ_jk - p_k); "
                                                     "the softmax's Jacobian has an extra factor p_j"),
            (dp - np.sum(dp * p, axis=1, keepdims=True), "close, but a factor is missing: write dy[n, k] out for "
                                                         "one k and see which probability multiplies every term"),
            (p * (dp - np.sum(dp * p, axis=0)), wrong_axis),
            (p * (dp - np.sum(dp * p)), "the sum runs over every entry of the batch: it belongs inside each "
                                        "example, over its V classes (axis 1)"),
            (dp @ J0, "every example used the Jacobian of the first example: each row n has its own Jacobian, "
                      "built from its own p[n]"),
            (dp @ batch_J, mixed),
            (dp @ batch_J / N, mixed),
            (-want, "dy has the wrong sign: check the order of the two parts of the Jacobian, "
                    "p_j δ_jk and -p_j p_k"),
            (want / N, "dy is divided by N: the 1/N of the mean loss is already inside dp, do not divide again"),
            (dp, "dy = dp passes the gradient through as if the softmax changed nothing: apply each "
                 "example's Jacobian"),
        ], right=want)
        if bad is None:
            bad = compare("dy", dy, want, hint="dy[n, k] is the sum over j of dp[n, j] times dp_j/dy_k of "
                                               "example n (your softmax_jacobian of p[n]): try one row by hand")
        if bad is not None:
            return bad
    # The chain closed: the dp of Exercise 3b through this function is section 2's (p - onehot) / N.
    N, V, seed = CE_CASES[0]
    rng = np.random.default_rng(seed)
    p, labels = _probabilities(rng, (N, V)), _labels(rng, N, V)
    dy, err = call(fn, "softmax_backward", _cross_entropy_dp_reference(p, labels), p.copy())
    if err is not None:
        return err
    if not same(dy, (p - np.eye(V)[labels]) / N):
        return failed("right for random upstream gradients, but not for the cross-entropy's dp of Exercise 3b: "
                      "does your function treat some dp specially?")
    return passed("dy is each row's Jacobian applied to dp, for any upstream gradient; fed the dp of Exercise 3b "
                  "it gives (p - onehot) / N, section 2's result: the p at the label cancels")
