"""Notebook 02's checks, proven against a catalogue of typical learner slips.

For each exercise: a table of wrong answers (each must get ❌ with a hint that
names the slip: the word asserted), a table of right answers written
differently (each must get ✅), and a table of odd returns (each must get ❌,
never an exception). Finally the notebook's own solution cells must pass.
"""
import heapq
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from exercise_cases import COMMON_ODD_RETURNS, Hostile, assert_every_check_is_wrapped, solution_results, todo
from helpers.exercises import nb02

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02-sequential-data.ipynb"


def _gen(*args):
    yield from [("vegas", 5), ("palmas", 3)]


ODD_RETURNS = COMMON_ODD_RETURNS + [
    ("string", lambda *a: "vegas"),
    ("dict", lambda *a: {"vegas": 5}),
    ("wrong-length list", lambda *a: [1, 2]),
    ("ragged list", lambda *a: [[1], [1, 2]]),
    ("generator", _gen),
    ("list of unhashable pairs", lambda *a: [([1], 2)]),
    ("dict with unhashable-looking values", lambda *a: {("in", "las"): [1]}),
    ("list of hostile objects", lambda *a: [Hostile()]),
    ("not a function", 3),
]

ODD_VALUES = [
    ("string", "10000 ** 4"),
    ("dict", {"answer": 1e16}),
    ("list", [1e16]),
    ("generator", (v for v in [1e16])),
    ("NaN", float("nan")),
    ("infinity", float("inf")),
    ("bool", True),
    ("hostile object", Hostile()),
    ("a function", lambda: 10_000 ** 4),
]

CHECKS = [nb02.check_one_hot, nb02.check_bigram_counts, nb02.check_complete]


@pytest.mark.parametrize("check", CHECKS)
def test_unattempted_starter_says_todo(check):
    r = check(todo)
    assert not r.ok and r.status == "todo"


def test_unanswered_table_size_says_todo():
    assert nb02.check_table_size(...).status == "todo"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name, answer", ODD_RETURNS, ids=[o[0] for o in ODD_RETURNS])
def test_odd_returns_fail_without_raising(check, name, answer):
    r = check(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


@pytest.mark.parametrize("name, answer", ODD_VALUES, ids=[o[0] for o in ODD_VALUES])
def test_table_size_odd_values_fail_without_raising(name, answer):
    r = nb02.check_table_size(answer)
    assert not r.ok and isinstance(r.message, str) and r.message


# ---- Exercise 1: one-hot ----------------------------------------------------------

def one_hot_right(ids, V):
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids] = 1.0
    return out


def _every_column(ids, V):
    out = np.zeros((len(ids), V))
    out[:, ids] = 1.0
    return out


def _one_based(ids, V):
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids + 1] = 1.0
    return out


ONE_HOT_WRONG = [
    ("transposed", lambda ids, V: one_hot_right(ids, V).T, "transposed"),
    ("width from the largest id", lambda ids, V: one_hot_right(ids, ids.max() + 1), "the width is V"),
    ("width from the number of ids", lambda ids, V: np.eye(len(ids))[ids], "the width is V"),
    ("[:, ids] sets whole columns", _every_column, "whole columns"),
    ("ids - 1", lambda ids, V: one_hot_right(ids - 1, V), "one column to the left"),
    ("ids + 1 (one-based)", _one_based, "no + 1"),
    ("all ones", lambda ids, V: np.ones((len(ids), V)), "single 1"),
    ("the identity", lambda ids, V: np.eye(len(ids), V), "column ids[t]"),
]


@pytest.mark.parametrize("name, wrong, word", ONE_HOT_WRONG, ids=[w[0] for w in ONE_HOT_WRONG])
def test_one_hot_wrong(name, wrong, word):
    r = nb02.check_one_hot(wrong)
    assert not r.ok and word in r.message, r.message


def test_one_hot_hints_use_this_notebooks_letters():
    assert "(T, V)" in nb02.check_one_hot(lambda ids, V: one_hot_right(ids, V).T).message


ONE_HOT_RIGHT = [
    ("zeros then one entry per row", one_hot_right),
    ("rows of the identity", lambda ids, V: np.eye(V)[ids]),
    ("comparison with arange", lambda ids, V: (np.asarray(ids)[:, None] == np.arange(V)).astype(float)),
    ("integers", lambda ids, V: np.eye(V, dtype=int)[ids]),
    ("float32", lambda ids, V: np.eye(V, dtype=np.float32)[ids]),
]


@pytest.mark.parametrize("name, right", ONE_HOT_RIGHT, ids=[r[0] for r in ONE_HOT_RIGHT])
def test_one_hot_right(name, right):
    r = nb02.check_one_hot(right)
    assert r.ok, r.message


# ---- Exercise 2: bigram counts -------------------------------------------------------

def bigrams_right(sentences):
    counts = Counter()
    for s in sentences:
        padded = ["<s>"] + s + ["</s>"]
        for prev, word in zip(padded[:-1], padded[1:]):
            counts[(prev, word)] += 1
    return counts


def bigrams_plain_dict(sentences):
    counts = {}
    for s in sentences:
        padded = ["<s>", *s, "</s>"]
        for t in range(1, len(padded)):
            counts[padded[t - 1], padded[t]] = counts.get((padded[t - 1], padded[t]), 0) + 1
    return counts


def bigrams_defaultdict(sentences):
    counts = defaultdict(int)
    for s in sentences:
        for pair in zip(["<s>"] + s, s + ["</s>"]):
            counts[pair] += 1
    return counts


def bigrams_reset_inside_loop(sentences):
    for s in sentences:
        counts = Counter()
        padded = ["<s>"] + s + ["</s>"]
        counts.update(zip(padded[:-1], padded[1:]))
    return counts


def bigrams_return_inside_loop(sentences):
    counts = Counter()
    for s in sentences:
        padded = ["<s>"] + s + ["</s>"]
        counts.update(zip(padded[:-1], padded[1:]))
        return counts


def bigrams_inserting(sentences):
    counts = Counter()
    for s in sentences:
        s.insert(0, "<s>")
        s.append("</s>")
        counts.update(zip(s[:-1], s[1:]))
    return counts


BIGRAM_WRONG = [
    ("no <s>", lambda ss: Counter(p for s in ss for p in zip(s, s[1:] + ["</s>"])), "<s>"),
    ("no </s>", lambda ss: Counter(p for s in ss for p in zip(["<s>"] + s[:-1], s)), "</s>"),
    ("no padding at all", lambda ss: Counter(p for s in ss for p in zip(s, s[1:])), "<s>"),
    ("pairs across sentences", lambda ss: Counter(zip(*(lambda f: (f[:-1], f[1:]))(
        ["<s>"] + [w for s in ss for w in s + ["</s>"]]))), "within one sentence"),
    ("sentences joined", lambda ss: bigrams_right([[w for s in ss for w in s]]), "no pair spans two sentences"),
    ("reversed pairs", lambda ss: {(w, p): c for (p, w), c in bigrams_right(ss).items()}, "wrong way round"),
    ("pairs two apart", lambda ss: Counter(p for s in ss for p in zip(["<s>"] + s, (s + ["</s>"])[1:])),
     "two places later"),
    ("counts reset inside the loop", bigrams_reset_inside_loop, "before the loop"),
    ("return inside the loop", bigrams_return_inside_loop, "`return` inside the loop"),
    ("a set: every count 1", lambda ss: {p: 1 for p in bigrams_right(ss)}, "count each occurrence"),
    ("a set per sentence", lambda ss: Counter(p for s in ss for p in set(zip(["<s>"] + s, s + ["</s>"]))),
     "repeats within one sentence"),
    ("pads the caller's lists", bigrams_inserting, "changed the sentences"),
    ("a list of pairs", lambda ss: list(bigrams_right(ss)), "dict"),
    ("string keys", lambda ss: {f"{p} {w}": c for (p, w), c in bigrams_right(ss).items()}, "pair"),
    ("None", lambda ss: None, "return"),
]


@pytest.mark.parametrize("name, wrong, word", BIGRAM_WRONG, ids=[w[0] for w in BIGRAM_WRONG])
def test_bigram_counts_wrong(name, wrong, word):
    r = nb02.check_bigram_counts(wrong)
    assert not r.ok and word in r.message, r.message


BIGRAM_RIGHT = [
    ("Counter, loop", bigrams_right),
    ("plain dict with get", bigrams_plain_dict),
    ("defaultdict, shifted zips", bigrams_defaultdict),
    ("Counter.update", lambda ss: sum((Counter(zip(["<s>"] + s, s + ["</s>"])) for s in ss), Counter())),
    ("with zero counts kept", lambda ss: {**bigrams_right(ss), ("never", "seen"): 0}),
]


@pytest.mark.parametrize("name, right", BIGRAM_RIGHT, ids=[r[0] for r in BIGRAM_RIGHT])
def test_bigram_counts_right(name, right):
    r = nb02.check_bigram_counts(right)
    assert r.ok, r.message


# ---- Exercise 3: complete from a table ------------------------------------------------

def _followers(counts, prev):
    return [(w, c) for (p, w), c in counts.items() if p == prev]


COMPLETE_WRONG = [
    ("never sorts (the reported false pass)", lambda counts, prev, k: _followers(counts, prev)[:k], "sorted"),
    ("sorted least frequent first", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: p[1])[:k],
     "sorted"),
    ("sorted by word", lambda counts, prev, k: sorted(_followers(counts, prev))[:k], "sorted by the word"),
    ("sorted by word, reversed", lambda counts, prev, k: sorted(_followers(counts, prev), reverse=True)[:k],
     "sorted by the word"),
    ("least frequent, reversed slice", lambda counts, prev, k: sorted(_followers(counts, prev),
                                                                      key=lambda p: p[1])[-k:], "sorted"),
    ("cut to k before sorting", lambda counts, prev, k: sorted(_followers(counts, prev)[:k], key=lambda p: -p[1]),
     "sort all of them by count first"),
    ("not cut to k", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: -p[1]), "at most k"),
    ("one too many", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: -p[1])[:k + 1],
     "at most k"),
    ("one too few", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: -p[1])[:k - 1],
     "keep k of them"),
    ("not filtered by prev", lambda counts, prev, k: sorted([(w, c) for (p, w), c in counts.items()],
                                                            key=lambda p: -p[1])[:k], "never followed"),
    ("matches prev against the second word", lambda counts, prev, k: sorted(
        [(w, c) for (p, w), c in counts.items() if w == prev], key=lambda p: -p[1])[:k], "previous word"),
    ("(count, word) pairs", lambda counts, prev, k: sorted([(c, w) for w, c in _followers(counts, prev)],
                                                           reverse=True)[:k], "the word first"),
    ("bare words", lambda counts, prev, k: [w for w, c in sorted(_followers(counts, prev), key=lambda p: -p[1])][:k],
     "(word, count) pairs"),
    ("a dict", lambda counts, prev, k: dict(sorted(_followers(counts, prev), key=lambda p: -p[1])[:k]), "list"),
    ("a generator", lambda counts, prev, k: (p for p in sorted(_followers(counts, prev), key=lambda p: -p[1])[:k]),
     "list"),
    ("probabilities instead of counts", lambda counts, prev, k: [
        (w, c / sum(c for _, c in _followers(counts, prev))) for w, c in
        sorted(_followers(counts, prev), key=lambda p: -p[1])[:k]], "count"),
    ("KeyError on an unknown word", lambda counts, prev, k: sorted(
        {p: [(w, c) for (q, w), c in counts.items() if q == p] for p, _ in counts}[prev], key=lambda p: -p[1])[:k],
     "empty list"),
    ("None", lambda counts, prev, k: None, "return a list"),
    ("a number", lambda counts, prev, k: 7, "list of (word, count)"),
]


@pytest.mark.parametrize("name, wrong, word", COMPLETE_WRONG, ids=[w[0] for w in COMPLETE_WRONG])
def test_complete_wrong(name, wrong, word):
    r = nb02.check_complete(wrong)
    assert not r.ok and word in r.message, r.message


def _complete_ties_by_reverse_word(counts, prev, k):
    return sorted(_followers(counts, prev), key=lambda p: (p[1], p[0]), reverse=True)[:k]


COMPLETE_RIGHT = [
    ("sorted by -count", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: -p[1])[:k]),
    ("reverse=True on the count", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: p[1],
                                                                 reverse=True)[:k]),
    ("ties broken by word", lambda counts, prev, k: sorted(_followers(counts, prev), key=lambda p: (-p[1], p[0]))[:k]),
    ("ties broken by reverse word", _complete_ties_by_reverse_word),
    ("Counter.most_common", lambda counts, prev, k: Counter(dict(_followers(counts, prev))).most_common(k)),
    ("heapq.nlargest", lambda counts, prev, k: heapq.nlargest(k, _followers(counts, prev), key=lambda p: p[1])),
    ("lists instead of tuples", lambda counts, prev, k: [[w, c] for w, c in
                                                         sorted(_followers(counts, prev), key=lambda p: -p[1])[:k]]),
]


@pytest.mark.parametrize("name, right", COMPLETE_RIGHT, ids=[r[0] for r in COMPLETE_RIGHT])
def test_complete_right(name, right):
    r = nb02.check_complete(right)
    assert r.ok, r.message


@pytest.mark.parametrize("order", range(3))
def test_each_table_order_alone_catches_an_answer_that_never_sorts(order, monkeypatch):
    table = nb02._tables()[order]
    monkeypatch.setattr(nb02, "_tables", lambda: [table])
    r = nb02.check_complete(COMPLETE_WRONG[0][1])
    assert not r.ok and "sort" in r.message, r.message


def test_complete_tables_are_not_in_frequency_order():
    """The loophole of the false pass: in at least one table order, an unsorted answer is visibly unsorted."""
    for prev in ("las", "in"):
        orders = [[c for (p, _), c in table.items() if p == prev] for table in nb02._tables()]
        assert all(order != sorted(order, reverse=True) for order in orders), (prev, orders)


# ---- Exercise 4: table size --------------------------------------------------------------

TABLE_SIZE_WRONG = [
    ("V * n", 40_000, "V * n"),
    ("n ** V", 4 ** 10_000, "n ** V"),
    ("huge float", 1e300, "n ** V"),
    ("V ** 3", 10_000 ** 3, "V ** 3"),
    ("V ** 5", 10_000 ** 5, "V ** 5"),
    ("^ is XOR", 10_000 ^ 4, "XOR"),
    ("no repeated words", 10_000 * 9_999 * 9_998 * 9_997, "repeat"),
    ("order ignored", 10_000 * 9_999 * 9_998 * 9_997 // 24, "order matters"),
    ("a string", "1e16", "quotes"),
    ("negative", -1, "positive"),
    ("NaN", float("nan"), "positive"),
    ("somewhat off", 5e15, "factor"),
]


@pytest.mark.parametrize("name, answer, word", TABLE_SIZE_WRONG, ids=[w[0] for w in TABLE_SIZE_WRONG])
def test_table_size_wrong(name, answer, word):
    r = nb02.check_table_size(answer)
    assert not r.ok and word in r.message, r.message


@pytest.mark.parametrize("answer", [10_000 ** 4, 1e16, 10 ** 16, np.int64(10_000) ** 4, 10_000.0 ** 4, 1e16 * (1 + 1e-12)])
def test_table_size_right(answer):
    assert nb02.check_table_size(answer).ok


# ---- the notebook's own solutions ---------------------------------------------------------


def test_notebook_solutions_pass_their_checks():
    results = list(solution_results(NOTEBOOK, {"np": np, "Counter": Counter, "nb02": nb02}))
    assert len(results) == 4
    for source, r in results:
        assert r.ok, (source, r.message)


def test_every_check_is_wrapped_so_it_never_raises():
    assert_every_check_is_wrapped(nb02)
