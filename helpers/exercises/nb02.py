"""Checks for notebook 02 (sequential data): one-hot codes and n-gram tables.

Every check tries the learner's function on small cases, compares it with the
reference and returns a ``Result`` whose message says what to fix. A check
never raises, whatever the attempt returns.
"""
from collections import Counter

import numpy as np

from helpers.exercises.core import Result, call, compare, failed, passed

BOS, EOS = "<s>", "</s>"

_SENTS = [["in", "las", "vegas"], ["cheap", "hotels", "in", "las", "vegas"], ["in", "los", "angeles"]]


# --------------------------------------------------------------------------
# 1. One-hot encoding
# --------------------------------------------------------------------------

def _one_hot_ref(ids, V):
    return np.eye(V)[np.asarray(ids)]


def check_one_hot(fn):
    """fn(ids (T,) ints, V) -> (T, V) array with a single 1 per row, at column ids[t]."""
    for ids, V in [(np.array([2, 0, 3, 3]), 5), (np.array([1]), 2), (np.array([0, 6, 2, 5, 1]), 7)]:
        got, err = call(fn, "one_hot_encode", ids.copy(), V)
        if err is not None:
            return err
        want = _one_hot_ref(ids, V)
        if got is None:
            return failed("one_hot_encode returned None: did you forget to `return` the matrix?")
        try:
            arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return failed(f"one_hot_encode should return an array of numbers, got {type(got).__name__}")
        if arr.shape == (V, len(ids)) and arr.shape != want.shape:
            return failed(f"the result has shape {arr.shape}, expected (T, V) = {want.shape}: "
                          "one row per position, one column per vocabulary entry (it looks transposed)")
        if arr.shape == want.shape and np.all(np.isfinite(arr)) and not np.allclose(arr.sum(axis=1), 1):
            return failed("every row must hold exactly one 1 (and zeros elsewhere); "
                          f"your row sums are {np.round(arr.sum(axis=1), 3).tolist()}")
        wrong = compare("one_hot_encode(ids, V)", got, want,
                        hint="The 1 in row t belongs in column ids[t]; check your indexing.")
        if wrong is not None:
            return wrong
    return passed("one_hot_encode puts one 1 per row, in column ids[t].")


# --------------------------------------------------------------------------
# 2. Bigram counts
# --------------------------------------------------------------------------

def _bigrams_ref(sentences):
    counts = Counter()
    for s in sentences:
        padded = [BOS] + list(s) + [EOS]
        counts.update(zip(padded[:-1], padded[1:]))
    return dict(counts)


def check_bigram_counts(fn):
    """fn(sentences) -> dict {(previous word, word): count}, with <s> and </s> padding."""
    got, err = call(fn, "bigram_counts", [list(s) for s in _SENTS])
    if err is not None:
        return err
    want = _bigrams_ref(_SENTS)
    if got is None:
        return failed("bigram_counts returned None: did you forget to `return` the counts?")
    if not isinstance(got, dict):
        return failed(f"bigram_counts should return a dict (or Counter) of (previous, word) -> count, "
                      f"got {type(got).__name__}")
    bad_keys = [k for k in got if not (isinstance(k, tuple) and len(k) == 2)]
    if bad_keys:
        return failed(f"every key must be a pair (previous word, word), got the key {bad_keys[0]!r}")
    got = {k: v for k, v in got.items() if v != 0}
    if not any(k[0] == BOS for k in got):
        return failed(f"no pair starts with {BOS!r}: pad each sentence with {BOS!r} before its first word "
                      "so the table knows which words start a query")
    if not any(k[1] == EOS for k in got):
        return failed(f"no pair ends with {EOS!r}: add {EOS!r} after each sentence's last word "
                      "so the table knows where queries end")
    extra = sorted(set(got) - set(want), key=repr)
    if extra:
        return failed(f"the pair {extra[0]!r} should not be there: pair only neighbours within one sentence")
    missing = sorted(set(want) - set(got))
    if missing:
        return failed(f"the pair {missing[0]!r} is missing: every word must be paired with the one just after it")
    for k in sorted(want):
        if got[k] != want[k]:
            return failed(f"the pair {k!r} has count {got[k]!r}, expected {want[k]}: "
                          "count each occurrence once, across all sentences")
    return passed(f"bigram_counts finds all {len(want)} pairs with the right counts.")


# --------------------------------------------------------------------------
# 3. Complete from a table
# --------------------------------------------------------------------------

def _complete_ref(counts, prev, k):
    pairs = [(w, c) for (p, w), c in counts.items() if p == prev]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))[:k]


def check_complete(fn):
    """fn(counts, prev, k) -> up to k (word, count) pairs that followed prev, most frequent first."""
    counts = _bigrams_ref(_SENTS + [["las", "cruces"], ["las", "vegas", "shows"]])
    cases = [("las", 5), ("las", 1), ("in", 5), ("reno", 3)]
    for prev, k in cases:
        got, err = call(fn, "complete_from_table", dict(counts), prev, k)
        if err is not None:
            return err
        want = _complete_ref(counts, prev, k)
        label = f"complete_from_table(counts, {prev!r}, k={k})"
        if got is None:
            return failed(f"{label} returned None: return a list of (word, count) pairs ([] when nothing matches)")
        try:
            got = [tuple(p) for p in got]
        except TypeError:
            return failed(f"{label} should return a list of (word, count) pairs, got {type(got).__name__}")
        if not want and got:
            return failed(f"{label} should return [] because {prev!r} never appears as a previous word, got {got[:3]}")
        if len(got) > k:
            return failed(f"{label} returned {len(got)} pairs: keep at most k = {k}")
        if any(len(p) != 2 for p in got):
            return failed(f"{label}: each item must be a (word, count) pair, got {got[0]!r}")
        if got and any(w not in {x for x, _ in _complete_ref(counts, prev, 99)} for w, _ in got):
            bad = next(w for w, _ in got if w not in {x for x, _ in _complete_ref(counts, prev, 99)})
            return failed(f"{label} suggests {bad!r}, which never followed {prev!r}: "
                          "keep only the pairs whose previous word is prev")
        if sorted(got, key=lambda p: -p[1]) != got:
            return failed(f"{label} is not sorted: put the most frequent word first")
        if [c for _, c in got] != [c for _, c in want]:
            return failed(f"{label} gave {got}, expected {want}: keep the k most frequent, with their counts")
    return passed("complete_from_table looks up the previous word and ranks what followed it.")


# --------------------------------------------------------------------------
# 4. How big a full table would be
# --------------------------------------------------------------------------

def check_table_size(answer, V=10_000, n=4):
    """answer: the number of possible n-grams over a vocabulary of V words (V ** n)."""
    want = V ** n
    if answer is None or answer is Ellipsis:
        return Result(False, "set `answer` to a number (replace the ...)", status="todo")
    try:
        a = float(answer)
    except OverflowError:
        a = float("inf")
    except (TypeError, ValueError):
        return failed(f"answer should be a number, got {type(answer).__name__}")
    if a > 1e100:
        return failed("that is far too big (n ** V?): the base is the number of choices per position (V), "
                      "the exponent the number of positions (n)")
    if not np.isfinite(a) or a <= 0:
        return failed(f"answer should be a positive number, got {answer!r}")
    if abs(a - want) <= 1e-9 * want:
        return passed(f"{V:,} ** {n} = {want:.0e} possible {n}-grams: far more than any corpus could ever fill.")
    if abs(a - V * n) < 1e-9 * V * n:
        return failed(f"{a:.0f} is V * n: each of the {n} positions can hold any of V words "
                      "independently, so the counts multiply (V ** n)")
    for m in range(1, 8):
        if m != n and abs(a - V ** m) <= 1e-9 * V ** m:
            return failed(f"that is V ** {m}; a {n}-gram has {n} positions, each with V choices")
    return failed(f"not yet: {a:.3g} is off by a factor of {want / a:.3g}. "
                  f"Count the choices: V for the first word, V for the second, ... for {n} words")
