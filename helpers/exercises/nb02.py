"""Checks for notebook 02 (sequential data): one-hot codes and n-gram tables.

Every check tries the learner's function on small cases, compares it with the
reference and returns a ``Result`` whose message says what to fix. A check
never raises, whatever the attempt returns.
"""
import copy
import functools
import math
from collections import Counter

import numpy as np

from helpers.exercises.core import Result, call, failed, never_raise, passed
from helpers.exercises.nb00 import one_hot_failure

BOS, EOS = "<s>", "</s>"

# --------------------------------------------------------------------------
# 1. One-hot encoding
# --------------------------------------------------------------------------

def _one_hot_ref(ids, V):
    return np.eye(V)[np.asarray(ids)]


@functools.partial(never_raise, advice="; return a numpy array of shape (T, V)")
def check_one_hot(fn):
    """fn(ids (T,) ints, V) -> (T, V) array with a single 1 per row, at column ids[t]."""
    bad = one_hot_failure(fn, "one_hot_encode", N="T", n="t")
    return bad if bad is not None else passed("one_hot_encode puts one 1 per row, in column ids[t].")


# --------------------------------------------------------------------------
# 2. Bigram counts
# --------------------------------------------------------------------------

# Two orders of the same corpus; "new york new york" repeats a pair inside one sentence.
_BIGRAM_CORPORA = [
    [["in", "las", "vegas"], ["cheap", "hotels", "in", "las", "vegas"], ["new", "york", "new", "york"],
     ["in", "los", "angeles"], ["vegas"]],
    [["vegas"], ["in", "los", "angeles"], ["new", "york", "new", "york"],
     ["cheap", "hotels", "in", "las", "vegas"], ["in", "las", "vegas"]],
]


def _bigrams_ref(sentences, gap=1):
    counts = Counter()
    for s in sentences:
        padded = [BOS] + list(s) + [EOS]
        counts.update(zip(padded[:-gap], padded[gap:]))
    return dict(counts)


def _bigram_slip(got, sentences):
    """A failed Result naming a typical slip when the table ``got`` (pairs with nonzero counts) is wrong, else None."""
    want = _bigrams_ref(sentences)
    known = [
        ({(w, p): c for (p, w), c in want.items()}, "the pairs are the wrong way round: "
                                                   "each key is (previous word, word), the earlier word first"),
        (_bigrams_ref(sentences[-1:]), "only the last sentence is counted: create the counts once, "
                                       "before the loop over sentences, and add to them"),
        (_bigrams_ref(sentences[:1]), "only the first sentence is counted: is your `return` inside the loop?"),
        (_bigrams_ref(sentences, gap=2), "each word is paired with the word two places later: "
                                         "pair it with its neighbour, the word right after it"),
        (_bigrams_ref([[w for s in sentences for w in s]]), "the sentences are joined into one: pad and pair each "
                                                            "sentence on its own, so no pair spans two sentences"),
    ]
    for table, hint in known:
        if got == table:
            return failed(hint)
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
            return failed(f"the pair {k!r} has count {got[k]!r}, expected {want[k]}: count each occurrence once, "
                          "across all sentences, and every time a pair repeats within one sentence")
    return None


@functools.partial(never_raise, advice="; return a dict (or Counter) mapping (previous word, word) to a count")
def check_bigram_counts(fn):
    """fn(sentences) -> dict {(previous word, word): count}, with <s> and </s> padding."""
    for sentences in _BIGRAM_CORPORA:
        given = copy.deepcopy(sentences)
        got, err = call(fn, "bigram_counts", given)
        if err is not None:
            return err
        if got is None:
            return failed("bigram_counts returned None: did you forget to `return` the counts?")
        if not isinstance(got, dict):
            return failed(f"bigram_counts should return a dict (or Counter) of (previous, word) -> count, "
                          f"got {type(got).__name__}")
        bad_keys = [k for k in got if not (isinstance(k, tuple) and len(k) == 2)]
        if bad_keys:
            return failed(f"every key must be a pair (previous word, word), got the key {bad_keys[0]!r}")
        if given != sentences:
            return failed("bigram_counts changed the sentences it was given (the caller's lists now hold "
                          f"{given[0]!r}): build a new padded list for each sentence instead of inserting into it")
        bad = _bigram_slip({k: v for k, v in got.items() if v != 0}, sentences)
        if bad is not None:
            return bad
    return passed(f"bigram_counts finds all {len(_bigrams_ref(_BIGRAM_CORPORA[0]))} pairs with the right counts.")


# --------------------------------------------------------------------------
# 3. Complete from a table
# --------------------------------------------------------------------------

# Not in frequency order, and neither alphabetical nor reverse-alphabetical order ranks it right.
_TABLE = {("las", "vegas"): 5, ("las", "cruces"): 3, ("las", "palmas"): 2, ("las", "colinas"): 1,
          ("in", "las"): 4, ("in", "los"): 4, ("in", "paris"): 2, ("in", "a"): 1, ("in", "zurich"): 3,
          ("<s>", "in"): 6, ("<s>", "cheap"): 1, ("vegas", "</s>"): 5, ("los", "angeles"): 4}
_CASES = [("las", 3), ("las", 10), ("in", 2), ("in", 1), ("in", 4), ("vegas", 2), ("reno", 3), ("colinas", 2)]


def _tables():
    """The same table with its items in three orders: least frequent first, then two shuffles."""
    items = sorted(_TABLE.items(), key=lambda kv: (kv[1], kv[0]))
    orders = [items] + [[items[i] for i in np.random.default_rng(seed).permutation(len(items))] for seed in (1, 2)]
    return [dict(order) for order in orders]


def _complete_ref(counts, prev, k):
    pairs = [(w, c) for (p, w), c in counts.items() if p == prev]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))[:k]


def _complete_slip(got, counts, prev, k):
    """A failed Result naming what is wrong with ``got`` for complete_from_table(counts, prev, k), or None."""
    label = f"complete_from_table(counts, {prev!r}, k={k})"
    followers = {w: c for (p, w), c in counts.items() if p == prev}
    want = _complete_ref(counts, prev, k)
    if got is None:
        return failed(f"{label} returned None: return a list of (word, count) pairs ([] when nothing matches)")
    if not isinstance(got, (list, tuple)):
        return failed(f"{label} should return a list of (word, count) pairs, got {type(got).__name__}")
    if not want and got:
        return failed(f"{label} should return [] because {prev!r} never appears as a previous word "
                      f"(the first word of a key), got {list(got)[:3]}")
    if any(isinstance(p, str) for p in got):
        return failed(f"{label} returned bare words; return (word, count) pairs, so the caller sees how often")
    if any(not isinstance(p, (tuple, list)) or len(p) != 2 for p in got):
        return failed(f"{label}: each item must be a (word, count) pair, got {got[0]!r}")
    got = [tuple(p) for p in got]
    if any(isinstance(w, (int, np.integer)) and isinstance(c, str) for w, c in got):
        return failed(f"{label} gave {got[:2]}: each pair is (word, count), the word first")
    if len(got) > k:
        return failed(f"{label} returned {len(got)} pairs: keep at most k = {k}")
    strangers = [w for w, _ in got if w not in followers]
    if strangers:
        return failed(f"{label} suggests {strangers[0]!r}, which never followed {prev!r}: keep only the keys "
                      "whose first word (the previous word) is prev")
    if len({w for w, _ in got}) < len(got):
        return failed(f"{label} lists a word twice: each word that followed prev appears once")
    if len(got) < len(want):
        return failed(f"{label} returned {len(got)} pairs, expected {len(want)}: {prev!r} was followed by "
                      f"{len(followers)} different words, so keep k of them (all of them when there are fewer)")
    wrong_count = [(w, c) for w, c in got if c != followers[w]]
    if wrong_count:
        w, c = wrong_count[0]
        return failed(f"{label} gives {w!r} the count {c!r}, but the table says {followers[w]}: "
                      "return each word with its count from the table")
    counts_got, by_word = [c for _, c in got], sorted(followers.items())
    how = " (it is sorted by the word, alphabetically)" if got in (by_word[:k], by_word[::-1][:k]) else ""
    if counts_got != sorted(counts_got, reverse=True):
        return failed(f"{label} gave {got}, which is not sorted by count{how}: put the most frequent word first")
    if counts_got != [c for _, c in want]:
        return failed(f"{label} gave {got}, expected the counts {[c for _, c in want]}: these are not the k most "
                      f"frequent{how}; sort all of them by count first, then keep the first k")
    return None


@functools.partial(never_raise, advice="; return a list of (word, count) pairs")
def check_complete(fn):
    """fn(counts, prev, k) -> up to k (word, count) pairs that followed prev, most frequent first.

    Ties may come in any order (the task does not rank them), and any of the tied words may fill the last places.
    """
    for counts in _tables():
        for prev, k in _CASES:
            got, err = call(fn, "complete_from_table", dict(counts), prev, k)
            if err is not None:
                if not _complete_ref(counts, prev, k) and err.status != "todo":
                    return failed(f"{err.message}: when prev ({prev!r}) never appears as a previous word, "
                                  "return an empty list []")
                return err
            bad = _complete_slip(got, counts, prev, k)
            if bad is not None:
                return bad
    return passed("complete_from_table looks up the previous word and ranks what followed it.")


# --------------------------------------------------------------------------
# 4. How big a full table would be
# --------------------------------------------------------------------------

TABLE_V, TABLE_N = 10_000, 4


@never_raise
def check_table_size(answer):
    """answer: the number of possible n-grams over a vocabulary of V words (V ** n)."""
    V, n = TABLE_V, TABLE_N
    want = V ** n
    if answer is None or answer is Ellipsis:
        return Result(False, "set `answer` to a number (replace the ...)", status="todo")
    if isinstance(answer, (str, bytes)):
        return failed(f"answer should be a number, not the text {answer!r}: remove the quotes")
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number)):
        return failed(f"answer should be a number, got {type(answer).__name__}")
    try:
        a = float(answer)
    except OverflowError:
        a = float("inf")
    if a > 1e100:
        return failed("that is far too big (n ** V?): the base is the number of choices per position (V), "
                      "the exponent the number of positions (n)")
    if not np.isfinite(a) or a <= 0:
        return failed(f"answer should be a positive number, got {answer!r}")
    if abs(a - want) <= 1e-9 * want:
        return passed(f"{V:,} ** {n} = {want:.0e} possible {n}-grams: far more than any corpus could ever fill.")
    if a == V ^ n:
        return failed(f"{a:.0f} is {V} ^ {n}: in Python ^ is the bitwise XOR, not a power; write powers with **")
    if abs(a - V * n) < 1e-9 * V * n:
        return failed(f"{a:.0f} is V * n: each of the {n} positions can hold any of V words "
                      "independently, so the counts multiply (V ** n)")
    no_repeat = float(np.prod([V - i for i in range(n)]))
    if abs(a - no_repeat) <= 1e-9 * no_repeat:
        return failed(f"that counts {n}-grams without a repeated word; a word may repeat (\"new york new york\"), "
                      "so every position has all V choices")
    unordered = no_repeat / math.factorial(n)
    if abs(a - unordered) <= 1e-9 * unordered:
        return failed("that counts sets of words; the order matters (\"las vegas\" is not \"vegas las\"), "
                      "and a word may repeat")
    for m in range(1, 8):
        if m != n and abs(a - V ** m) <= 1e-9 * V ** m:
            return failed(f"that is V ** {m}; a {n}-gram has {n} positions, each with V choices")
    return failed(f"{a:.3g} is off by a factor of {want / a:.3g}. "
                  f"Count the choices: V for the first word, V for the second, ... for {n} words")
