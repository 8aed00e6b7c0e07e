"""Checks for notebook 00 (start here): a numpy warm-up.

Small on purpose: they show how every check in the course behaves (✏️ before
you try, ❌ with a hint that names the slip, ✅ when right). Checks never raise.
"""
import functools

import numpy as np

from helpers import layers
from helpers.exercises.core import (Result, call, compare, diagnose, explain_error, failed, never_raise, passed,
                                    same)


# --------------------------------------------------------------------------
# Exercise 1: the shape of a matrix product
# --------------------------------------------------------------------------

SHAPE_QUESTION = {"x": (8, 3), "W": (3, 16)}  # N = 8 examples, D = 3 inputs, H = 16 hidden units


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


@never_raise
def check_shape_answer(answer):
    """answer: the shape of x @ W + b for the shapes in SHAPE_QUESTION, as a tuple."""
    if answer is ...:
        return Result(False, "replace the ... with a tuple like (2, 5), then run this check again", status="todo")
    if _is_int(answer):
        return failed(f"{answer} is one number; a shape is a tuple (rows, columns) that says how the "
                      "entries are arranged, like (2, 5)")
    if not isinstance(answer, (tuple, list)):
        return failed(f"answer with a tuple of two integers, like (2, 5); got the {type(answer).__name__} {answer!r}")
    if not all(_is_int(v) for v in answer):
        return failed(f"{tuple(answer)!r}: a shape counts rows and columns, so it holds whole numbers "
                      "(integers like 8, not 8.5, 8.0 or '8')")
    got = tuple(int(v) for v in answer)
    if got == (8, 16):
        return passed("(8, 16): N = 8 rows (one per example), H = 16 columns (one per hidden unit); "
                      "the shared D = 3 disappears in the product, and b (16,) is added to every row")
    if got == (3, 16) or got == (8, 3):
        return failed(f"{got} is the shape of one of the inputs; in (N, D) @ (D, H) the shared D "
                      "disappears and the outer letters stay")
    if got == (16, 8):
        return failed("that is transposed: the rows of x @ W come from x (one per example)")
    if len(got) != 2:
        return failed(f"{got}: a matrix product of two 2-D arrays is 2-D, (N, D) @ (D, H) -> (N, H)")
    return failed(f"{got} is not it: write the letters, (N, D) @ (D, H), and cross out the shared one")


# --------------------------------------------------------------------------
# Exercise 2: one-hot codes
# --------------------------------------------------------------------------

# (ids, V): ids repeat and skip values, N != V, and the largest id is not always V - 1
ONE_HOT_CASES = [(np.array([2, 0, 3, 3, 1]), 6), (np.array([4, 1, 1, 0, 2, 3, 4]), 5), (np.array([1]), 3)]


def _one_hot_reference(ids, V):
    """ids (N,) integers in [0, V) -> (N, V) rows of zeros with a single 1."""
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids] = 1.0
    return out


def one_hot_failure(fn, name, N="N", n="n"):
    """The first failed Result of ``fn(ids, V)`` on ONE_HOT_CASES, or None (shared with notebook 02).

    N, n: the letters the notebook uses for the number of ids and for one row.
    """
    for ids, V in ONE_HOT_CASES:
        got, err = call(fn, name, ids.copy(), V)
        if err is not None:
            return explain_error(err, "columns are numbered 0 to V - 1, so id k goes in column k (no + 1)",
                                 words=("out of bounds",))
        want, shape, rows = _one_hot_reference(ids, V), np.shape(got), len(ids)
        if shape == (V, rows):
            return failed(f"shape {shape} is transposed: one row per id, so ({N}, V) = ({rows}, {V})")
        if shape == (rows, int(ids.max()) + 1) != want.shape:
            return failed(f"shape {shape}: the width is V = {V} (one column per symbol), "
                          "even when the largest id is smaller")
        if shape == (rows, rows) != want.shape:
            return failed(f"shape {shape}: the width is V = {V} (one column per symbol), not the number of ids")
        if shape == (V,):
            return failed(f"got one vector of length V: return one row per id, a ({N}, V) array")
        every_column = np.zeros_like(want)
        every_column[:, ids] = 1.0
        shifted = [(_one_hot_reference(ids + 1, V), f"each 1 is one column to the right of ids[{n}]: columns count "
                                                   "from 0, so id k goes in column k (no + 1)")] if ids.max() + 1 < V else []
        bad = diagnose(got, [
            (every_column, f"every row has a 1 in *every* column listed in ids: indexing with [:, ids] sets whole "
                           f"columns; row {n} needs a 1 in its own column ids[{n}] only"),
            (_one_hot_reference(ids - 1, V), f"each 1 is one column to the left of ids[{n}]: columns count from 0, "
                                            "so id k goes in column k (no - 1)"),
        ] + shifted, right=want)
        if bad is not None:
            return bad
        bad = compare(f"{name}(ids, V)", got, want,
                      hint=f"row {n} should be all zeros except a single 1 in column ids[{n}]")
        if bad is not None:
            return bad
    return None


@functools.partial(never_raise, advice="; return a numpy array of shape (N, V)")
def check_one_hot(fn):
    """fn(ids, V) -> (N, V) float array."""
    bad = one_hot_failure(fn, "one_hot")
    return bad if bad is not None else passed("each row has a single 1 in column ids[n]; x @ W with a one-hot x just picks row ids[n] of W")


# --------------------------------------------------------------------------
# Exercise 3: softmax
# --------------------------------------------------------------------------

KEEPDIMS_HINT = ("the row sums (or maxima) have shape (N,), which does not line up with the (N, V) scores: "
                 "keep the summed axis with keepdims=True so they are (N, 1) and each row uses its own")


# (4, 3): a missing keepdims raises a broadcasting error, and rows far apart need each row's own max;
# (3, 3), not symmetric: a missing keepdims runs silently and gives wrong values
SOFTMAX_CASES = [np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 2.0], [3.0, 3.0, -2.0]]),
                 np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 1.0], [-2.0, 4.0, 0.5]])]


def _softmax_reference(s):
    """s (N, V) -> p (N, V), each row positive and summing to 1."""
    return layers.softmax(s, axis=1)


def _softmax_slip(s, got):
    """A failed Result naming the slip when ``got`` is a typical wrong softmax of ``s``, else None."""
    if np.shape(got) == (s.shape[0],):
        return failed("got one number per row; " + KEEPDIMS_HINT)
    column_max = np.exp(s - s.max(axis=0))
    slips = [(column_max / column_max.sum(axis=1, keepdims=True),
              "you subtract the max of each column; subtract each row's max (axis=1), "
              "which leaves every row's softmax unchanged")]
    if s.shape[0] == s.shape[1]:  # square: a missing keepdims runs silently and mixes rows with columns
        for shift in (0.0, s.max(axis=1, keepdims=True), s.max(axis=1)):  # the right ones are skipped
            e = np.exp(s - shift)
            slips += [(e / e.sum(axis=1), "on a square input your code runs but divides column j by row j's sum; "
                                          + KEEPDIMS_HINT),
                      (e / e.sum(axis=1, keepdims=True), "on a square input your code runs but subtracts row j's "
                                                         "max from column j; " + KEEPDIMS_HINT)]
    bad = diagnose(got, slips, right=_softmax_reference(s))
    if bad is not None or np.shape(got) != s.shape:
        return bad
    p = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(p)) or np.allclose(p.sum(axis=1), 1.0):
        return None
    if np.allclose(p.sum(axis=0), 1.0):
        return failed("each *column* sums to 1; it should be each row (one row per example): sum along axis=1")
    if np.isclose(p.sum(), 1.0):
        return failed("the whole array sums to 1; each row should: sum along axis=1, with keepdims=True")
    return failed(f"the rows do not sum to 1 (they sum to {np.round(p.sum(axis=1), 3).tolist()}): "
                  "divide exp(s) by the sum of its row")


@functools.partial(never_raise, advice="; return a numpy array shaped like s")
def check_softmax(fn):
    """fn(s) -> p with each row of s turned into probabilities."""
    for scores in SOFTMAX_CASES:
        got, err = call(fn, "softmax", scores.copy())
        if err is not None:
            return explain_error(err, KEEPDIMS_HINT, words=("broadcast",))
        bad = _softmax_slip(scores, got)
        if bad is None:
            bad = compare("softmax(s)", got, _softmax_reference(scores),
                          hint="p = exp(s) divided by the sum of exp(s) along each row")
        if bad is not None:
            return bad
    big = SOFTMAX_CASES[0] * 400.0  # exp(1200) overflows to inf unless the row max is subtracted first
    got_big, err = call(fn, "softmax", big.copy())
    if err is not None:
        return err
    if same(got_big, _softmax_reference(big)):
        return passed("rows sum to 1, and it is stable for large scores")
    e = np.exp(big - big.max())
    with np.errstate(all="ignore"):
        global_max = e / e.sum(axis=1, keepdims=True)
    if np.shape(got_big) == big.shape and np.allclose(np.asarray(got_big, dtype=float), global_max, equal_nan=True):
        return failed("scores in the hundreds give NaN in some rows: you subtract the max of the whole array, "
                      "so a row far below it becomes exp(-2000) = 0 everywhere; subtract each row's own max")
    return failed("right for small scores, but scores in the hundreds give NaN: subtract each row's max "
                  "(axis=1, keepdims=True) before np.exp; softmax does not change")
