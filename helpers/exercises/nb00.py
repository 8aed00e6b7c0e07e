"""Checks for notebook 00 (start here): a numpy warm-up.

Small on purpose: they show how every check in the course behaves (✏️ before
you try, ❌ with a hint that names the slip, ✅ when right). Checks never raise.
"""

import numpy as np

from helpers import layers
from helpers.exercises.core import Result, call, compare, failed, passed, never_raise


# --------------------------------------------------------------------------
# Exercise 1: the shape of a matrix product
# --------------------------------------------------------------------------

SHAPE_QUESTION = {"x": (8, 3), "W": (3, 16)}  # N = 8 examples, D = 3 inputs, H = 16 hidden units


@never_raise
def check_shape_answer(answer):
    """answer: the shape of x @ W + b for the shapes in SHAPE_QUESTION, as a tuple."""
    if answer is ...:
        return Result(False, "replace the ... with a tuple like (2, 5), then run this check again", status="todo")
    try:
        got = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return failed(f"answer with a tuple of two integers, like (2, 5); got {answer!r}")
    if got == (8, 16):
        return passed("(8, 16): N = 8 rows (one per example), H = 16 columns (one per hidden unit); "
                      "the shared D = 3 disappears in the product, and b (16,) is added to every row")
    if got == (3, 16) or got == (8, 3):
        return failed(f"{got} is the shape of one of the inputs; in (N, D) @ (D, H) the shared D "
                      "disappears and the outer letters stay")
    if got == (16, 8):
        return failed("that is transposed: the rows of x @ W come from x (one per example)")
    if got == (8, 3, 16) or len(got) != 2:
        return failed(f"{got}: a matrix product of two 2-D arrays is 2-D, (N, D) @ (D, H) -> (N, H)")
    return failed(f"{got} is not it: write the letters, (N, D) @ (D, H), and cross out the shared one")


# --------------------------------------------------------------------------
# Exercise 2: one-hot codes
# --------------------------------------------------------------------------


def one_hot_reference(ids, V):
    """ids (N,) integers in [0, V) -> (N, V) rows of zeros with a single 1."""
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids] = 1.0
    return out


@never_raise
def check_one_hot(fn):
    """fn(ids, V) -> (N, V) float array."""
    ids, V = np.array([2, 0, 3, 3, 1]), 6
    got, err = call(fn, "one_hot", ids.copy(), V)
    if err is not None:
        return err
    if np.shape(got) == (V, len(ids)):
        return failed(f"shape {np.shape(got)} is transposed: one row per id, so (N, V) = ({len(ids)}, {V})")
    if np.shape(got) == (len(ids), int(ids.max()) + 1):
        return failed(f"shape {np.shape(got)}: the width is V = {V}, even when the largest id is smaller")
    bad = compare("one_hot(ids, V)", got, one_hot_reference(ids, V),
                  hint="row n should be all zeros except a 1 in column ids[n]")
    return bad if bad is not None else passed("each row has a single 1 in column ids[n]; x @ W with a one-hot x just picks row ids[n] of W")


# --------------------------------------------------------------------------
# Exercise 3: softmax
# --------------------------------------------------------------------------


def softmax_reference(s):
    """s (N, V) -> p (N, V), each row positive and summing to 1."""
    return layers.softmax(s, axis=1)


@never_raise
def check_softmax(fn):
    """fn(s) -> p with each row of s turned into probabilities."""
    s = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 2.0], [3.0, 3.0, -2.0]])
    got, err = call(fn, "softmax", s.copy())
    if err is not None:
        return err
    want = softmax_reference(s)
    e = np.exp(s)
    if np.shape(got) == want.shape and np.allclose(np.asarray(got, dtype=float), e / e.sum(axis=0, keepdims=True)):
        return failed("each *column* sums to 1; it should be each row (one row per example): "
                      "sum with axis=1, keepdims=True")
    if np.shape(got) == want.shape and np.allclose(np.asarray(got, dtype=float), e / e.sum()):
        return failed("the whole array sums to 1; each row should: sum with axis=1, keepdims=True")
    if np.shape(got) == (s.shape[0],):
        return failed("got one number per row; keep the dims so the division broadcasts: keepdims=True")
    bad = compare("softmax(s)", got, want, hint="p = exp(s) / sum of exp(s) along each row")
    if bad is not None:
        return bad
    big = s * 400.0  # exp(1200) overflows to inf unless the row max is subtracted first
    got_big, err = call(fn, "softmax", big)
    if err is not None:
        return err
    if compare("softmax(400 s)", got_big, softmax_reference(big)) is not None:
        return failed("right for small scores, but scores in the hundreds give NaN: subtract each row's max "
                      "(s - s.max(axis=1, keepdims=True)) before np.exp; softmax does not change")
    return passed("rows sum to 1, and it is stable for large scores")
