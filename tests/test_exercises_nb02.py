"""Notebook 02's exercise checks: right answers pass, typical wrong ones get a specific hint."""
from collections import Counter

import numpy as np
import pytest

from helpers.exercises import nb02


def test_checks_of_unattempted_starters_say_not_attempted():
    def todo(*args):
        raise NotImplementedError

    for check in (nb02.check_one_hot, nb02.check_bigram_counts, nb02.check_complete):
        r = check(todo)
        assert not r.ok and r.status == "todo"
    assert nb02.check_table_size(...).status == "todo"


# ---- one-hot ---------------------------------------------------------------

def one_hot_right(ids, V):
    out = np.zeros((len(ids), V))
    out[np.arange(len(ids)), ids] = 1.0
    return out


def test_one_hot_right():
    assert nb02.check_one_hot(one_hot_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda ids, V: one_hot_right(ids, V).T, "transposed"),
    (lambda ids, V: np.ones((len(ids), V)), "exactly one 1"),
    (lambda ids, V: one_hot_right(np.asarray(ids) - 1, V), "column ids[t]"),
    (lambda ids, V: None, "return"),
    (lambda ids, V: "abc", "array of numbers"),
    (lambda ids, V: 1 / 0, "ZeroDivisionError"),
    (lambda ids, V: np.full((len(ids), V), np.nan), "NaN"),
    (3, "expected a function"),
])
def test_one_hot_wrong(wrong, words):
    r = nb02.check_one_hot(wrong)
    assert not r.ok and words in r.message, r.message


# ---- bigram counts -----------------------------------------------------------

def bigrams_right(sentences):
    counts = Counter()
    for s in sentences:
        padded = ["<s>"] + s + ["</s>"]
        for prev, word in zip(padded[:-1], padded[1:]):
            counts[(prev, word)] += 1
    return counts


def bigrams_no_bos(sentences):
    return Counter(p for s in sentences for p in zip(s, s[1:] + ["</s>"]))


def bigrams_no_eos(sentences):
    return Counter(p for s in sentences for p in zip(["<s>"] + s[:-1], s))


def bigrams_across_sentences(sentences):
    flat = ["<s>"] + [w for s in sentences for w in s + ["</s>"]]
    return Counter(zip(flat[:-1], flat[1:]))


def bigrams_set(sentences):
    return {p: 1 for p in bigrams_right(sentences)}


def test_bigram_counts_right():
    assert nb02.check_bigram_counts(bigrams_right).ok


@pytest.mark.parametrize("wrong, words", [
    (bigrams_no_bos, "<s>"),
    (bigrams_no_eos, "</s>"),
    (bigrams_across_sentences, "within one sentence"),
    (bigrams_set, "count each occurrence"),
    (lambda s: [("in", "las")], "dict"),
    (lambda s: {"in las": 2}, "pair"),
    (lambda s: None, "return"),
])
def test_bigram_counts_wrong(wrong, words):
    r = nb02.check_bigram_counts(wrong)
    assert not r.ok and words in r.message, r.message


# ---- complete from a table ---------------------------------------------------

def complete_right(counts, prev, k):
    pairs = [(w, c) for (p, w), c in counts.items() if p == prev]
    return sorted(pairs, key=lambda p: -p[1])[:k]


def test_complete_right():
    assert nb02.check_complete(complete_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda counts, prev, k: sorted([(w, c) for (p, w), c in counts.items() if p == prev],
                                    key=lambda p: p[1])[:k], "not sorted"),
    (lambda counts, prev, k: sorted([(w, c) for (p, w), c in counts.items() if p == prev],
                                    key=lambda p: -p[1]), "at most k"),
    (lambda counts, prev, k: sorted([(w, c) for (p, w), c in counts.items()], key=lambda p: -p[1])[:k],
     "never followed"),
    (lambda counts, prev, k: None, "return a list"),
    (lambda counts, prev, k: 7, "list of (word, count)"),
    (lambda counts, prev, k: counts[prev], "KeyError"),
])
def test_complete_wrong(wrong, words):
    r = nb02.check_complete(wrong)
    assert not r.ok and words in r.message, r.message


# ---- table size --------------------------------------------------------------

def test_table_size():
    assert nb02.check_table_size(10_000 ** 4).ok
    assert nb02.check_table_size(1e16).ok
    for wrong, words in [(40_000, "V * n"), (4 ** 10_000, "n ** V"), (1e300, "n ** V"), (10_000 ** 3, "V ** 3"),
                         ("lots", "number"), (-1, "positive"), (float("nan"), "positive"), (5e15, "factor")]:
        r = nb02.check_table_size(wrong)
        assert not r.ok and words in r.message, (wrong, r.message)
