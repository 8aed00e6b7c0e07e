"""The notebook 07 checks, proven against a catalogue of typical learner mistakes.

For every exercise: a table of wrong answers, each of which must get ❌ with a
hint containing a given word (the word names the mistake); a table of right
answers written differently (and with rounding-level noise) that must pass;
and odd returns that must give ❌ without raising.
"""
from pathlib import Path

import numpy as np

from exercise_cases import (ARRAY_ODD, Unreadable, catalogue, every_check, notebook_exercises, odd_tuples, raising)
from helpers import layers, lstm
from helpers.exercises import nb07
from helpers.layers import softmax


class Uniterable(Unreadable):
    """An Unreadable whose items cannot be read either."""

    def __iter__(self):
        raise RuntimeError("no items here")


ODD = {
    **ARRAY_ODD, **odd_tuples(3),
    "returns dict": lambda *a: {"vegas": 0.9},
    "returns tuple of 3": lambda *a: (1, 2, 3),
    "returns 3 words": lambda *a: ("a", "b", "c"),
    "returns pairs of None": lambda *a: [(None, None)] * 3,
    "returns NaN array": lambda *a: np.full(6, np.nan),
    "returns uniterable": lambda *a: Uniterable(),
    "returns 3 uniterables": lambda *a: (Uniterable(),) * 3,
    "raises KeyError": raising(KeyError, "W_embed"),
}
TestEveryCheck = every_check([nb07.check_perplexity, nb07.check_top_k, nb07.check_temperature, nb07.check_lm_step,
                              nb07.check_mixture], ODD)


# ---------------------------------------------------------------- Exercise 1: perplexity


WRONG_PERPLEXITY = [
    ("mean loss", lambda L: float(np.mean(L)), "exp(mean loss)"),
    ("exp of the sum", lambda L: float(np.exp(np.sum(L))), "*sum*"),
    ("exp of the sum over M", lambda L: float(np.exp(np.sum(L)) / len(L)), "divided by the number of words"),
    ("base 2", lambda L: float(2 ** np.mean(L)), "nats"),
    ("base 10", lambda L: float(10 ** np.mean(L)), "nats"),
    ("sign flipped", lambda L: float(np.exp(-np.mean(L))), "sign"),
    ("mean of exp", lambda L: float(np.mean(np.exp(L))), "averaged after exp"),
    ("losses taken as probabilities", lambda L: float(np.exp(np.mean(-np.log(L)))), "already -log p"),
    ("first loss skipped", lambda L: float(np.exp(np.mean(L[1:]))), "first loss"),
    ("last loss skipped", lambda L: float(np.exp(np.mean(L[:-1]))), "last loss"),
    ("divided by M - 1", lambda L: float(np.exp(np.sum(L) / (len(L) - 1))), "M - 1"),
    ("per word", lambda L: np.exp(L), "one perplexity per word"),
    ("None", lambda L: None, "return"),
    ("something else", lambda L: float(np.exp(np.mean(L)) + 1), "exp of the mean loss"),
]


RIGHT_PERPLEXITY = [
    ("exp of the mean", lambda L: float(np.exp(np.mean(L)))),
    ("a numpy float", lambda L: np.exp(np.mean(L))),
    ("geometric mean of 1/p", lambda L: float(np.prod(np.exp(L)) ** (1 / len(L)))),
    ("a loop", lambda L: float(np.exp(sum(list(L)) / len(L)))),
    ("rounding-level noise", lambda L: float(np.exp(np.mean(L))) * (1 + 1e-10)),
]


# ---------------------------------------------------------------- Exercise 2: top-k


def top(s, k):
    return np.argsort(-s)[:k]


WRONG_TOP_K = [
    ("raw scores", lambda s, w, k: [(w[i], float(s[i])) for i in top(s, k)], "raw scores"),
    ("exp, not normalised", lambda s, w, k: [(w[i], float(np.exp(s[i]))) for i in top(s, k)], "divide by the sum"),
    ("normalised over the k kept", lambda s, w, k: [(w[i], float(q)) for i, q in zip(top(s, k), softmax(s[top(s, k)]))],
     "whole vocabulary"),
    ("log-probabilities", lambda s, w, k: [(w[i], float(np.log(softmax(s)[i]))) for i in top(s, k)],
     "log-probabilities"),
    ("least likely", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(s)[:k]], "least"),
    ("top k, least likely first", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(s)[-k:]],
     "most likely first"),
    ("slice off by one", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(-s)[1:k + 1]],
     "off by one"),
    ("words not looked up", lambda s, w, k: [(w[j], float(softmax(s)[i])) for j, i in enumerate(top(s, k))],
     "belong together"),
    ("probabilities not looked up", lambda s, w, k: [(w[i], float(softmax(s)[j])) for j, i in enumerate(top(s, k))],
     "belong together"),
    ("index instead of word", lambda s, w, k: [(int(i), float(softmax(s)[i])) for i in top(s, k)], "the word"),
    ("k + 1 pairs", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(-s)[:k + 1]], "exactly"),
    ("probabilities only", lambda s, w, k: softmax(s), "pairs"),
    ("a dict", lambda s, w, k: {w[i]: float(softmax(s)[i]) for i in top(s, k)}, "got dict"),
    ("a word alone", lambda s, w, k: w[int(np.argmax(s))], "got str"),
    ("some other words", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in range(k)], "most likely ones"),
    ("probabilities a bit off", lambda s, w, k: [(w[i], float(softmax(s)[i]) * 0.9) for i in top(s, k)],
     "the words are right"),
]


def top_k_sorted_pairs(logits, words, k):
    e = np.exp(logits - logits.max())
    p = e / e.sum()
    return sorted(zip(words, p.tolist()), key=lambda wq: -wq[1])[:k]


RIGHT_TOP_K = [
    ("argsort of -p", lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(-softmax(s))[:k]]),
    ("argsort of the scores, reversed", lambda s, w, k: [(w[i], softmax(s)[i]) for i in np.argsort(s)[::-1][:k]]),
    ("sorted pairs", top_k_sorted_pairs),
    ("tuples of lists", lambda s, w, k: tuple([w[i], softmax(s)[i]] for i in top(s, k))),
    ("rounding-level noise", lambda s, w, k: [(w[i], float(softmax(s)[i]) + 1e-12) for i in top(s, k)]),
]


def test_top_k_cases_do_not_put_the_best_word_first():
    assert np.argmax(nb07.LOGITS2) not in (0, len(nb07.LOGITS2) - 1)


# ---------------------------------------------------------------- Exercise 3: temperature


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum()


def clipped_softmax(z):
    e = np.exp(np.clip(z, -500, 500))
    return e / e.sum()


WRONG_TEMPERATURE = [
    ("multiplied", lambda s, T: softmax(s * T), "multiplied"),
    ("temperature ignored", lambda s, T: softmax(s), "no effect"),
    ("probabilities divided", lambda s, T: softmax(s) / T, "divided the probabilities"),
    ("temperature subtracted (a shift: no effect)", lambda s, T: softmax(s - T), "no effect"),
    ("denominator not rescaled", lambda s, T: np.exp(s / T - (s / T).max()) / np.exp(s - s.max()).sum(),
     "numerator and the denominator"),
    ("log-probabilities", lambda s, T: np.log(softmax(s / T)), "log-probabilities"),
    ("not normalised", lambda s, T: np.exp(s / T), "normalize"),
    ("overflows", lambda s, T: naive_softmax(s / T), "subtract the largest"),
    ("clipped scores", lambda s, T: clipped_softmax(s / T), "do not clip"),
    ("shape", lambda s, T: softmax(s / T)[:3], "shape"),
    ("a column", lambda s, T: softmax(s / T)[:, None], "shape"),
    ("something else", lambda s, T: softmax(s / (T + 0.1)), "Divide the scores by the temperature"),
]


def powered(s, T):
    p = softmax(s) ** (1 / T)  # the same distribution, written as a power of p
    return p / p.sum()


RIGHT_TEMPERATURE = [
    ("max subtracted after dividing", lambda s, T: np.exp(s / T - (s / T).max()) / np.exp(s / T - (s / T).max()).sum()),
    ("max subtracted before dividing", lambda s, T: np.exp((s - s.max()) / T) / np.exp((s - s.max()) / T).sum()),
    ("a power of p, renormalised", powered),
    ("a list", lambda s, T: softmax(s / T).tolist()),
    ("rounding-level noise", lambda s, T: softmax(s / T) * (1 + 1e-10)),
]


# ---------------------------------------------------------------- Exercise 4: one LM step


def learner_lm_step(bug=None):
    def lm_step(word_id, h_prev, c_prev, params):
        row = {"row - 1": word_id - 1, "row 0": 0}.get(bug, word_id)
        e = params["W_embed"][row] if bug == "1-D embedding" else params["W_embed"][[row]]
        if bug == "zeros":
            h_prev, c_prev = np.zeros_like(h_prev), np.zeros_like(c_prev)
        if bug == "h and c swapped in":
            h_prev, c_prev = c_prev, h_prev
        if bug == "two results unpacked":
            h, c = lstm.step_forward(e, h_prev, c_prev, params["Wx"], params["Wh"], params["b"])
        h, c, _ = lstm.step_forward(e, h_prev, c_prev, params["Wx"], params["Wh"], params["b"])
        y = (h_prev if bug == "from h_prev" else h) @ params["Wy"]
        if bug != "no by":
            y = y + params["by"]
        p = {"logits": y, "axis 0": softmax(y, axis=0), "flat": softmax(y).ravel()}.get(bug, softmax(y))
        if bug == "h and c swapped out":
            return p, c, h
        if bug == "two results":
            return p, h
        if bug == "cache":
            return h, c, _
        return p, h, c
    return lm_step


WRONG_LM = [
    ("no softmax", learner_lm_step("logits"), "apply the softmax"),
    ("p from h_prev", learner_lm_step("from h_prev"), "*new* state"),
    ("no output bias", learner_lm_step("no by"), "bias by"),
    ("softmax over axis 0", learner_lm_step("axis 0"), "axis"),
    ("p flattened", learner_lm_step("flat"), "batch axis"),
    ("h and c returned swapped", learner_lm_step("h and c swapped out"), "swapped"),
    ("started from zeros", learner_lm_step("zeros"), "zeros"),
    ("h_prev and c_prev swapped in the call", learner_lm_step("h and c swapped in"), "step_forward"),
    ("row word_id - 1", learner_lm_step("row - 1"), "row"),
    ("always row 0", learner_lm_step("row 0"), "row"),
    ("1-D embedding", learner_lm_step("1-D embedding"), "W_embed[[word_id]]"),
    ("two values unpacked from step_forward", learner_lm_step("two results unpacked"), "three things"),
    ("two results", learner_lm_step("two results"), "three things"),
    ("step_forward's results returned", learner_lm_step("cache"), "(p, h_next, c_next)"),
    ("p off otherwise", lambda *a: (learner_lm_step()(*a)[0] ** 1.1,) + learner_lm_step()(*a)[1:], "the softmax"),
]


def lm_step_one_hot(word_id, h_prev, c_prev, params):
    V = params["W_embed"].shape[0]
    e = np.eye(V)[[word_id]] @ params["W_embed"]
    h, c, _ = lstm.step_forward(e, h_prev, c_prev, params["Wx"], params["Wh"], params["b"])
    y = h @ params["Wy"] + params["by"]
    p = np.exp(y - y.max()) / np.exp(y - y.max()).sum()
    return [p, h, c]


def lm_step_row_none(word_id, h_prev, c_prev, params):
    e = params["W_embed"][word_id][None]  # (1, D)
    h_next, c_next, _ = lstm.step_forward(e, h_prev, c_prev, params["Wx"], params["Wh"], params["b"])
    return softmax(h_next @ params["Wy"] + params["by"], axis=-1), h_next, c_next


RIGHT_LM = [
    ("the notebook's solution", learner_lm_step()),
    ("one-hot times W_embed, a list", lm_step_one_hot),
    ("embedding with [None], softmax from helpers", lm_step_row_none),
    ("rounding-level noise", lambda *a: tuple(v * (1 + 1e-10) for v in learner_lm_step()(*a))),
]


# ---------------------------------------------------------------- Exercise 5: a mixture of two models


def mix_p(a, b, w):
    return w * np.exp(-a) + (1 - w) * np.exp(-b)


WRONG_MIX = [
    ("mixed the losses", lambda a, b, w: float(np.exp(np.mean(w * a + (1 - w) * b))), "mixed the losses"),
    ("mixed the perplexities", lambda a, b, w: float(w * np.exp(a.mean()) + (1 - w) * np.exp(b.mean())),
     "mixed the two perplexities"),
    ("weights swapped", lambda a, b, w: float(np.exp(-np.mean(np.log((1 - w) * np.exp(-a) + w * np.exp(-b))))),
     "swapped"),
    ("sign flipped", lambda a, b, w: float(np.exp(np.mean(np.log(mix_p(a, b, w))))), "sign"),
    ("no exp", lambda a, b, w: float(np.mean(-np.log(mix_p(a, b, w)))), "exp of it"),
    ("averaged the probabilities", lambda a, b, w: float(1 / np.mean(mix_p(a, b, w))), "averaged the probabilities"),
    ("log missing", lambda a, b, w: float(np.exp(-np.mean(mix_p(a, b, w)))), "log is missing"),
    ("P = exp(+loss)", lambda a, b, w: float(np.exp(-np.mean(np.log(mix_p(-a, -b, w))))), "exp(+loss)"),
    ("the better model alone", lambda a, b, w: float(min(np.exp(a.mean()), np.exp(b.mean()))), "better of the two"),
    ("first token skipped", lambda a, b, w: float(np.exp(-np.mean(np.log(mix_p(a[1:], b[1:], w))))), "first token"),
    ("one per token", lambda a, b, w: 1 / mix_p(a, b, w), "one value per token"),
    ("None", lambda a, b, w: None, "return"),
    ("something else", lambda a, b, w: float(np.exp(-np.mean(np.log(mix_p(a, b, w))))) + 0.5, "mix the two"),
]


def mix_loop(a, b, w):
    total = 0.0
    for la, lb in zip(a, b):
        total += -np.log(w * np.exp(-la) + (1 - w) * np.exp(-lb))
    return float(np.exp(total / len(a)))


RIGHT_MIX = [
    ("exp of the mean of -log P", lambda a, b, w: float(np.exp(-np.mean(np.log(mix_p(a, b, w)))))),
    ("logaddexp, stable", lambda a, b, w: np.exp(-np.mean(np.logaddexp(np.log(w) - a, np.log1p(-w) - b)))),
    ("geometric mean of 1/P", lambda a, b, w: float(np.prod(1 / mix_p(a, b, w)) ** (1 / len(a)))),
    ("a loop", mix_loop),
    ("rounding-level noise", lambda a, b, w: float(np.exp(-np.mean(np.log(mix_p(a, b, w))))) * (1 + 1e-10)),
]


def test_mixture_cases_tell_the_slips_apart():
    """No weight of 1/2 only (a swap would pass), and no two slips that give the same number on a case."""
    assert len({w for w, _ in nb07.MIX_CASES} - {0.5}) >= 2
    for w, seed in nb07.MIX_CASES:
        rng = np.random.default_rng(seed)
        M = 6 + seed
        a, b = rng.uniform(0.2, 6.0, M), rng.uniform(0.2, 6.0, M)
        values = [v for v, _ in nb07._mix_slips(a, b, w)] + [nb07._mix_ref(a, b, w)]
        assert len(np.unique(np.round(values, 6))) == len(values) - (w == 0.5)  # at w = 1/2 a swap changes nothing


# ---------------------------------------------------------------- every catalogue, one test each way

TestCatalogue = catalogue([
    (nb07.check_perplexity, WRONG_PERPLEXITY, RIGHT_PERPLEXITY),
    (nb07.check_top_k, WRONG_TOP_K, RIGHT_TOP_K),
    (nb07.check_temperature, WRONG_TEMPERATURE, RIGHT_TEMPERATURE),
    (nb07.check_lm_step, WRONG_LM, RIGHT_LM),
    (nb07.check_mixture, WRONG_MIX, RIGHT_MIX),
])


# ---------------------------------------------------------------- the notebook's own cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07-autocomplete.ipynb"


def namespace():
    return {"__name__": "__main__", "np": np, "lstm": lstm, "layers": layers, "nb07": nb07}


TestNotebookExercises = notebook_exercises(NOTEBOOK, namespace)


def test_cases_leave_no_room_for_a_lucky_transpose():
    """Several models with V, D, H all different; word ids that are neither all first nor all last."""
    assert len(nb07.LM_CASES) >= 2
    for _, shape, word_ids in nb07.LM_CASES:
        assert len(set(shape)) == 3 and len(word_ids) >= 2
