"""Notebook 00's warm-up checks, proven against a catalogue of typical learner slips.

For each exercise: a table of wrong answers (each must get ❌ with a hint that
names the slip: the word asserted), a table of right answers written
differently (each must get ✅), and a table of odd returns (each must get ❌,
never an exception). Finally the notebook's own solution cells must pass.
"""
from pathlib import Path

import numpy as np
import pytest

from exercise_cases import COMMON_ODD_RETURNS, Hostile, assert_every_check_is_wrapped, solution_results, todo
from helpers.exercises import nb00

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00-start-here.ipynb"


def _gen(*args):
    yield from (1, 2)


# Odd things a learner's function may return (or be): each gets ❌ with a message, never an exception.
ODD_RETURNS = COMMON_ODD_RETURNS + [
    ("string", lambda *a: "p"),
    ("dict", lambda *a: {"p": 1}),
    ("wrong-length list", lambda *a: [1, 2]),
    ("ragged list", lambda *a: [[1], [1, 2]]),
    ("generator", _gen),
    ("not a function", 7),
]

# Odd values for the exercise whose answer is a value, not a function.
ODD_VALUES = [
    ("None", None),
    ("string", "(8, 16)"),
    ("dict", {"N": 8, "H": 16}),
    ("wrong-length list", [8]),
    ("generator", (v for v in (8, 16))),
    ("NaN", float("nan")),
    ("NaN pair", (float("nan"), 16)),
    ("hostile object", Hostile()),
    ("a function", lambda: (8, 16)),
]

CHECKS = [nb00.check_one_hot, nb00.check_softmax]


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted_starter_says_todo(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name, answer", ODD_RETURNS, ids=[o[0] for o in ODD_RETURNS])
def test_odd_returns_fail_without_raising(check, name, answer):
    r = check(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


@pytest.mark.parametrize("name, answer", ODD_VALUES, ids=[o[0] for o in ODD_VALUES])
def test_shape_answer_odd_values_fail_without_raising(name, answer):
    r = nb00.check_shape_answer(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


# --- Exercise 1: the shape of x @ W + b ---------------------------------------

SHAPE_WRONG = [
    ("transposed", (16, 8), "transposed"),
    ("shape of x", (8, 3), "shared D"),
    ("shape of W", (3, 16), "shared D"),
    ("all three letters", (8, 3, 16), "2-D"),
    ("one axis", (8,), "2-D"),
    ("non-integers", (8.9, 16.2), "whole numbers"),
    ("floats that look whole", (8.0, 16.0), "whole numbers"),
    ("strings", ("8", "16"), "whole numbers"),
    ("the number of entries", 128, "tuple"),
    ("a string", "8x16", "tuple"),
    ("other numbers", (3, 3), "cross out the shared one"),
]


@pytest.mark.parametrize("name, answer, word", SHAPE_WRONG, ids=[w[0] for w in SHAPE_WRONG])
def test_shape_answer_wrong(name, answer, word):
    r = nb00.check_shape_answer(answer)
    assert not r.ok and word in r.message, r.message


@pytest.mark.parametrize("answer", [(8, 16), [8, 16], (np.int64(8), np.int64(16)), np.zeros((8, 16)).shape])
def test_shape_answer_right(answer):
    assert nb00.check_shape_answer(answer).ok
    assert nb00.check_shape_answer(...).status == "todo"


# --- Exercise 2: one_hot --------------------------------------------------------

def _zeros_then_set(ids, V):
    out = np.zeros((len(ids), V))
    for n, i in enumerate(ids):
        out[n, i] = 1
    return out


def _every_column(ids, V):
    out = np.zeros((len(ids), V))
    out[:, ids] = 1
    return out


def _one_based(ids, V):
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids + 1] = 1
    return out


def _one_vector(ids, V):
    out = np.zeros(V)
    out[ids] = 1
    return out


ONE_HOT_WRONG = [
    ("transposed", lambda ids, V: np.eye(V)[ids].T, "transposed"),
    ("width from the largest id", lambda ids, V: np.eye(ids.max() + 1)[ids], "the width is V"),
    ("width from the number of ids", lambda ids, V: np.eye(len(ids))[ids], "the width is V"),
    ("[:, ids] sets whole columns", _every_column, "whole columns"),
    ("ids - 1", lambda ids, V: np.eye(V)[ids - 1], "one column to the left"),
    ("ids + 1 (one-based)", _one_based, "no + 1"),
    ("one vector for all ids", _one_vector, "one row per id"),
    ("all ones", lambda ids, V: np.ones((len(ids), V)), "single 1"),
    ("ids in reverse order", lambda ids, V: np.eye(V)[ids[::-1]], "column ids[n]"),
    ("the identity", lambda ids, V: np.eye(len(ids), V), "column ids[n]"),
]


@pytest.mark.parametrize("name, wrong, word", ONE_HOT_WRONG, ids=[w[0] for w in ONE_HOT_WRONG])
def test_one_hot_wrong(name, wrong, word):
    r = nb00.check_one_hot(wrong)
    assert not r.ok and word in r.message, r.message


ONE_HOT_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb00._one_hot_reference(*a)),
    ("rows of the identity", lambda ids, V: np.eye(V)[ids]),
    ("loop over rows", _zeros_then_set),
    ("comparison with arange", lambda ids, V: (ids[:, None] == np.arange(V)).astype(float)),
    ("integers", lambda ids, V: np.eye(V, dtype=int)[ids]),
    ("float32", lambda ids, V: np.eye(V, dtype=np.float32)[ids]),
    ("nested lists", lambda ids, V: [[1.0 if j == i else 0.0 for j in range(V)] for i in ids]),
]


@pytest.mark.parametrize("name, right", ONE_HOT_RIGHT, ids=[r[0] for r in ONE_HOT_RIGHT])
def test_one_hot_right(name, right):
    r = nb00.check_one_hot(right)
    assert r.ok, r.message


# --- Exercise 3: softmax -----------------------------------------------------------

def _stable(s, axis=1, keepdims=True, shift=None):
    m = s.max(axis=1, keepdims=True) if shift is None else shift(s)
    e = np.exp(s - m)
    return e / e.sum(axis=axis, keepdims=keepdims)


SOFTMAX_WRONG = [
    ("no max subtracted", lambda s: np.exp(s) / np.exp(s).sum(axis=1, keepdims=True), "subtract each row's max"),
    ("max of the whole array", lambda s: _stable(s, shift=lambda s: s.max()), "whole array"),
    ("max of each column", lambda s: _stable(s, shift=lambda s: s.max(axis=0)), "max of each column"),
    ("sum over columns", lambda s: _stable(s, axis=0), "each *column* sums to 1"),
    ("sum of everything", lambda s: np.exp(s) / np.exp(s).sum(), "whole array sums to 1"),
    ("no keepdims in the sum", lambda s: np.exp(s) / np.exp(s).sum(axis=1), "keepdims"),
    ("no keepdims in the max", lambda s: _stable(s, shift=lambda s: s.max(axis=1)), "keepdims"),
    ("stable, no keepdims in the sum", lambda s: _stable(s, keepdims=False), "keepdims"),
    ("only the row sums", lambda s: np.exp(s).sum(axis=1), "keepdims"),
    ("numerator only", lambda s: np.exp(s - s.max(axis=1, keepdims=True)), "divide"),
    ("transposed", lambda s: _stable(s).T, "transposed"),
    ("log-softmax", lambda s: np.log(_stable(s)), "divide"),
]


@pytest.mark.parametrize("name, wrong, word", SOFTMAX_WRONG, ids=[w[0] for w in SOFTMAX_WRONG])
def test_softmax_wrong(name, wrong, word):
    r = nb00.check_softmax(wrong)
    assert not r.ok and word in r.message, r.message


@pytest.mark.parametrize("name, wrong, word", [w for w in SOFTMAX_WRONG if w[2] == "keepdims"])
def test_keepdims_named_when_the_slip_runs_silently(name, wrong, word, monkeypatch):
    """On a square input a missing keepdims raises nothing: the check must still name keepdims."""
    square = [s for s in nb00.SOFTMAX_CASES if s.shape[0] == s.shape[1]]
    assert square and not np.allclose(square[0], square[0].T)
    monkeypatch.setattr(nb00, "SOFTMAX_CASES", square)
    r = nb00.check_softmax(wrong)
    assert not r.ok and "keepdims" in r.message and "raised" not in r.message, r.message


def _softmax_rows(s):
    out = np.empty_like(s)
    for n, row in enumerate(s):
        e = np.exp(row - row.max())
        out[n] = e / e.sum()
    return out


SOFTMAX_RIGHT = [
    ("reference (in a function of ours)", lambda *a: nb00._softmax_reference(*a)),
    ("stable, keepdims", _stable),
    ("[:, None] instead of keepdims", lambda s: np.exp(s - s.max(1)[:, None]) / np.exp(s - s.max(1)[:, None]).sum(1)[:, None]),
    ("axis=-1", lambda s: _stable(s, axis=-1)),
    ("one row at a time", _softmax_rows),
    ("through logsumexp", lambda s: np.exp(s - s.max(1, keepdims=True)
                                           - np.log(np.exp(s - s.max(1, keepdims=True)).sum(1, keepdims=True)))),
    ("float32", lambda s: _stable(s.astype(np.float32))),
    ("rounding-level noise", lambda s: _stable(s) * (1 + 1e-12)),
    ("in place on its input", lambda s: (s.__isub__(s.max(1, keepdims=True)), np.exp(s) / np.exp(s).sum(1, keepdims=True))[1]),
]


@pytest.mark.parametrize("name, right", SOFTMAX_RIGHT, ids=[r[0] for r in SOFTMAX_RIGHT])
def test_softmax_right(name, right):
    r = nb00.check_softmax(right)
    assert r.ok, r.message


# --- the notebook's own solutions ---------------------------------------------------


def test_notebook_solutions_pass_their_checks():
    results = list(solution_results(NOTEBOOK, {"np": np, "nb00": nb00}))
    assert len(results) == 3
    for source, r in results:
        assert r.ok, (source, r.message)


def test_every_check_is_wrapped_so_it_never_raises():
    assert_every_check_is_wrapped(nb00)
