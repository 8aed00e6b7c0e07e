"""Checks for notebook 07 (autocomplete): perplexity, top-k, temperature, one LM step, a mixture of two models.

Every check runs the learner's function on several small cases chosen so that
the usual slips give different numbers (the most likely word not first in the
list, V != D != H), names the slip it recognises, and never raises, whatever
the attempt returns.
"""
import numpy as np

from helpers import lstm
from helpers.exercises.core import (call, compare, explain_error, failed, name_slip, never_raise, passed, same,
                                    scalar)
from helpers.layers import log_softmax, softmax


def _scalar(v, name):
    return scalar(v, name, nonfinite_hint="look for an exp of a sum (it overflows) or a division by zero")


# --------------------------------------------------------------------------
# 1. Perplexity from per-word losses
# --------------------------------------------------------------------------

def _perplexity_slips(losses):
    m, M = losses.mean(), len(losses)
    return [
        (m, "that is the mean loss; perplexity is exp(mean loss), the 'number of equally likely choices' the "
            "model hesitates between"),
        (np.exp(losses.sum()), "exp of the *sum* grows with the number of words; average the losses first, then exp"),
        (np.exp(losses.sum()) / M, "that is exp of the sum, divided by the number of words; average the losses "
                                   "first (sum / M), then take exp once"),
        (2.0 ** m, "the losses are natural logs (nats), so use np.exp, not 2 ** ..."),
        (10.0 ** m, "the losses are natural logs (nats), so use np.exp, not 10 ** ..."),
        (np.exp(-m), "the sign is flipped: the losses are already -log p, so take exp(+mean)"),
        (np.mean(np.exp(losses)), "you averaged after exp; take the mean of the losses first, then exp once"),
        (np.exp(np.mean(-np.log(losses))), "the losses are already -log p: no more log, just exp of their mean"),
        (np.exp(losses[1:].mean()), "the first loss is left out: average over every word"),
        (np.exp(losses[:-1].mean()), "the last loss is left out: average over every word"),
        (np.exp(losses.sum() / (M - 1)), "off by one: divide the sum of the losses by their number M, not M - 1"),
    ]


@never_raise
def check_perplexity(perplexity):
    """perplexity(losses) -> exp(mean(losses)); losses are -log p per predicted word, in nats."""
    rng = np.random.default_rng(7)
    cases = [np.array([0.5, 1.0, 2.0, 0.1]), rng.uniform(0.05, 3.0, 7), np.array([np.log(4.0)] * 3),
             np.array([3.0, 0.2])]
    for losses in cases:
        got, err = call(perplexity, "perplexity", losses.copy())
        if err is not None:
            return err
        if same(got, np.exp(losses)):
            return failed("you returned one perplexity per word (exp of each loss): the perplexity is one "
                          "number, exp of the *mean* loss")
        v, err = _scalar(got, "perplexity")
        if err is not None:
            return err
        want = float(np.exp(losses.mean()))
        if np.isclose(v, want, rtol=1e-6):
            continue
        hint = name_slip(v, _perplexity_slips(losses), atol=0)
        if hint:
            return failed(hint)
        return failed(f"for losses {np.round(losses, 3).tolist()} expected {want:.4f}, got {v:.4f}: "
                      "the perplexity is exp of the mean loss per word")
    return passed("perplexity = exp(mean loss): a loss of log 4 per word is a perplexity of 4.")


# --------------------------------------------------------------------------
# 2. Top-k words from the scores
# --------------------------------------------------------------------------

WORDS = ["vegas", "cruces", "palmas", "</s>", "tonight", "hotels"]
LOGITS = np.array([2.5, 0.3, -1.0, 1.2, 0.9, -0.4])
WORDS2 = ["pizza", "near", "me", "open", "now", "tacos", "cheap"]  # the most likely word is not first
LOGITS2 = np.array([0.4, -0.7, 1.9, 0.1, 2.6, -1.5, 1.1])


def _top_k_slips(logits, words, k):
    p = softmax(logits)
    top, low = np.argsort(-p)[:k], np.argsort(p)[:k]
    w = [words[i] for i in top]
    pair_hint = ("the words and the probabilities do not belong together: pair each word with its own "
                 "probability, words[i] with p[i]")
    slips = [
        (w, logits[top], "the numbers are the raw scores (logits); turn them into probabilities with a softmax first"),
        (w, np.exp(logits[top]), "exp(score) is not yet a probability: divide by the sum of exp over *all* words"),
        (w, softmax(logits[top]), "normalize over the whole vocabulary, not over the k words you keep"),
        (w, np.log(p[top]), "those are log-probabilities; return the probabilities themselves"),
        ([words[i] for i in low], p[low], "these are the k *least* likely words: sort by descending probability "
                                          "(np.argsort(-p))"),
        ([words[i] for i in np.argsort(-p)[1:k + 1]], p[np.argsort(-p)[1:k + 1]],
         "off by one: the most likely word is missing, the slice starts one too late"),
        (words[:k], p[top], pair_hint),
        (w, p[:k], pair_hint),
    ]
    if k > 1:
        slips.append((w[::-1], p[top][::-1], "the right words, but the least likely of them comes first: "
                                             "return them most likely first"))
    return slips


def _pairs(got, k):
    """(words, probabilities) from the learner's list of pairs, or (None, failed Result)."""
    if got is None:
        return None, failed("top_k returned None: did you forget to `return` the list?")
    if isinstance(got, (str, dict)):
        return None, failed(f"top_k must return a list of (word, probability) pairs, got {type(got).__name__}")
    try:
        pairs = [(w, float(q)) for w, q in got]
    except (TypeError, ValueError):
        return None, failed("top_k must return a list of (word, probability) pairs, "
                            f"got {type(got).__name__} {str(got)[:60]}")
    if len(pairs) != k:
        return None, failed(f"with k={k} return exactly {k} pairs, got {len(pairs)}")
    if any(not isinstance(w, str) for w, _ in pairs):
        return None, failed("the first item of each pair must be the word (a str): look it up with words[i]")
    return ([w for w, _ in pairs], np.array([q for _, q in pairs])), None


@never_raise
def check_top_k(top_k):
    """top_k(logits (V,), words, k) -> [(word, probability), ...], k pairs, most likely first."""
    for logits, words in [(LOGITS, WORDS), (LOGITS2, WORDS2)]:
        p = softmax(logits)
        top = np.argsort(-p)
        for k in (3, 1):
            got, err = call(top_k, "top_k", logits.copy(), list(words), k)
            if err is not None:
                return err
            got, err = _pairs(got, k)
            if err is not None:
                return err
            got_words, got_p = got
            want_words = [words[i] for i in top[:k]]
            if got_words == want_words and same(got_p, p[top[:k]]):
                continue
            for slip_words, slip_p, hint in _top_k_slips(logits, words, k):
                if got_words == slip_words and same(got_p, slip_p):
                    return failed(hint)
            if got_words != want_words:
                return failed(f"with k={k} the words are not the {k} most likely ones, most likely first: "
                              "sort the indices by descending probability and take the first k")
            return failed("the words are right, the probabilities are off: softmax over all the scores, "
                          "then read p at each word's index")
    return passed("top_k: softmax over all words, then the k largest, most likely first.")


# --------------------------------------------------------------------------
# 3. Temperature
# --------------------------------------------------------------------------

def _temperature_slips(logits, T):
    z = logits / T
    return [
        (softmax(logits * T), "you multiplied by the temperature; divide the scores by it "
                              "(high temperature must flatten the distribution)"),
        (softmax(logits), "the temperature has no effect: divide the scores by it before the softmax"),
        (softmax(logits) / T, "you divided the probabilities by the temperature; divide the scores before the "
                              "softmax"),
        (np.exp(z - z.max()) / np.exp(logits - logits.max()).sum(),
         "the numerator and the denominator use different scores: divide by the temperature in both "
         "(normalize the rescaled exps by their own sum)"),
        (log_softmax(z), "those are log-probabilities; return the probabilities (they sum to 1)"),
    ]


@never_raise
def check_temperature(softmax_with_temperature):
    """softmax_with_temperature(logits (V,), temperature) -> probabilities softmax(logits / temperature)."""
    for logits in (LOGITS, LOGITS2):
        for temperature in (0.5, 2.0, 0.7, 1.0):
            got, err = call(softmax_with_temperature, "softmax_with_temperature", logits.copy(), temperature)
            if err is not None:
                return err
            want = softmax(logits / temperature)
            if same(got, want):
                continue
            hint = name_slip(got, _temperature_slips(logits, temperature))
            if hint:
                return failed(hint)
            r = compare(f"the result at temperature {temperature}", got, want)
            if "wrong values" in r.message and not np.isclose(np.sum(np.asarray(got, dtype=float)), 1.0):
                return failed(f"the probabilities sum to {np.sum(got):.4f}, not 1: normalize after rescaling")
            return r if "wrong values" not in r.message else failed(
                f"{r.message} Divide the scores by the temperature, then take the softmax.")
    big = np.array([1000.0, 999.0, 0.0])
    got, err = call(softmax_with_temperature, "softmax_with_temperature", big.copy(), 0.5)
    if err is not None:
        return err
    r = compare("the result for scores [1000, 999, 0] at temperature 0.5", got, softmax(big / 0.5))
    if r is not None:
        if "NaN or inf" in r.message:
            return failed("exp(2000) overflows: subtract the largest score before np.exp "
                          "(it cancels in the division)")
        if "wrong values" in r.message:
            return failed("for scores [1000, 999, 0] the values are off: do not clip the scores, subtract the "
                          "largest one before np.exp (it cancels in the division)")
        return r
    return passed("right: softmax(scores / temperature), stable for large scores.")


# --------------------------------------------------------------------------
# 4. One step of the language model
# --------------------------------------------------------------------------

def _lm_params(V=7, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    return {"W_embed": rng.normal(0, 1, (V, D)), "Wx": rng.normal(0, 0.5, (D, 4 * H)),
            "Wh": rng.normal(0, 0.5, (H, 4 * H)), "b": rng.normal(0, 0.5, 4 * H),
            "Wy": rng.normal(0, 1, (H, V)), "by": rng.normal(0, 1, V)}


def _lm_step_ref(word_id, h_prev, c_prev, P):
    e = P["W_embed"][[word_id]]  # (1, D)
    h, c, _ = lstm.step_forward(e, h_prev, c_prev, P["Wx"], P["Wh"], P["b"])
    return softmax(h @ P["Wy"] + P["by"]), h, c


def _lm_slips(word_id, h_prev, c_prev, P):
    p, h, c = _lm_step_ref(word_id, h_prev, c_prev, P)
    y = h @ P["Wy"] + P["by"]
    zeros = np.zeros_like(h_prev)
    slips = [
        ((y, h, c), "p holds the scores h_next Wy + by; apply the softmax to get probabilities"),
        ((softmax(h_prev @ P["Wy"] + P["by"]), h, c), "p was computed from h_prev; the prediction uses the "
                                                      "*new* state h_next"),
        ((softmax(h @ P["Wy"]), h, c), "the output bias by is missing: scores = h_next @ Wy + by"),
        ((softmax(y, axis=0), h, c), "p is all ones: the softmax ran over axis 0 of the (1, V) scores; "
                                     "normalize over the words, axis -1"),
        ((p.ravel(), h, c), "p has lost its batch axis: keep the shape (1, V)"),
        ((p, c, h), "h_next and c_next are swapped: return (p, h_next, c_next)"),
        (_lm_step_ref(word_id, zeros, zeros, P), "you started from zeros: continue from the h_prev and c_prev "
                                                 "you are given (they carry the words before)"),
        (_lm_step_ref(word_id, c_prev, h_prev, P), "h_prev and c_prev are swapped in the call to lstm.step_forward: "
                                                   "its arguments are (x, h_prev, c_prev, Wx, Wh, b)"),
    ]
    for other in range(len(P["by"])):
        if other != word_id:
            slips.append((_lm_step_ref(other, h_prev, c_prev, P),
                          f"you embedded word {other}, not word {word_id}: the embedding of a word is row "
                          "word_id of W_embed"))
    return slips


LM_CASES = [(0, (7, 3, 4), (2, 5)), (1, (9, 5, 2), (0, 8))]  # seed, (V, D, H), word ids


@never_raise
def check_lm_step(lm_step):
    """lm_step(word_id, h_prev (1, H), c_prev (1, H), params) -> (p (1, V), h_next (1, H), c_next (1, H))."""
    for seed, (V, D, H), word_ids in LM_CASES:
        P = _lm_params(V, D, H, seed)
        rng = np.random.default_rng(seed + 1)
        h_prev, c_prev = rng.normal(size=(1, H)), rng.normal(size=(1, H))
        for word_id in word_ids:
            got, err = call(lm_step, "lm_step", word_id, h_prev.copy(), c_prev.copy(),
                            {k: v.copy() for k, v in P.items()})
            if err is not None:
                err = explain_error(err, "note that lstm.step_forward returns three things: (h_next, c_next, cache)",
                                    words=("unpack",))
                return explain_error(err, "keep the embedding 2-D, shape (1, D): W_embed[[word_id]]",
                                     words=("2 dimensions",))
            if not isinstance(got, (tuple, list)) or len(got) != 3:
                return failed("lm_step must return three things: (p, h_next, c_next)")
            want = _lm_step_ref(word_id, h_prev, c_prev, P)
            if same(got, want):
                continue
            hint = name_slip(got, _lm_slips(word_id, h_prev, c_prev, P))
            if hint:
                return failed(hint)
            if same(got[:2], want[1:]):
                return failed("you returned what lstm.step_forward returns, (h_next, c_next, cache); "
                              "lm_step returns (p, h_next, c_next)")
            p, h, c = got
            return (compare("c_next", c, want[2], hint="Take one lstm.step_forward from h_prev, c_prev on the "
                                                       "embedding of the word.")
                    or compare("h_next", h, want[1], hint="c_next is right: return the h_next that the same "
                                                       "lstm.step_forward call gives.")
                    or compare("p", p, want[0], hint="h_next and c_next are right: look at the scores and the "
                                                     "softmax that turn h_next into p.")
                    or failed("the three results are almost right: compute them in float64, without rounding"))
    return passed("one step: embed the word, one LSTM step, scores h Wy + by, softmax.")


# --------------------------------------------------------------------------
# 5. The perplexity of a mixture of two models (section 9)
# --------------------------------------------------------------------------

MIX_CASES = [(0.3, 0), (0.5, 1), (0.8, 2)]  # (weight, seed): weights other than 1/2 reveal a swap


def _mix_ref(a, b, w):
    return float(np.exp(-np.mean(np.log(w * np.exp(-a) + (1 - w) * np.exp(-b)))))


def _mix_slips(a, b, w):
    pa, pb = np.exp(-a), np.exp(-b)
    p = w * pa + (1 - w) * pb
    return [
        (np.exp(np.mean(w * a + (1 - w) * b)), "you mixed the losses (log probabilities); mix the probabilities "
                                               "P = exp(-loss) of the two models, then take -log of the mixture"),
        (w * np.exp(a.mean()) + (1 - w) * np.exp(b.mean()),
         "you mixed the two perplexities; mix the probabilities of each token first, then compute one perplexity"),
        (_mix_ref(a, b, 1 - w), "the weights are swapped: weight goes with model a (nll_a), 1 - weight with model b"),
        (np.exp(np.mean(np.log(p))), "the sign is flipped: the perplexity is exp of the mean of -log P"),
        (float(np.mean(-np.log(p))), "that is the mean loss of the mixture; the perplexity is exp of it"),
        (1 / np.mean(p), "you averaged the probabilities; average -log P over the tokens, then exp"),
        (np.exp(-np.mean(p)), "the log is missing: the loss of a token is -log P, with P the mixed probability"),
        (_mix_ref(-a, -b, w), "the losses are -log P, so P = exp(-loss), not exp(+loss)"),
        (min(np.exp(a.mean()), np.exp(b.mean())), "that is the better of the two models alone; the mixture "
                                                  "gives every token the weighted sum of both probabilities"),
        (_mix_ref(a[1:], b[1:], w), "the first token is left out: average over every token"),
    ]


@never_raise
def check_mixture(mixed_perplexity):
    """mixed_perplexity(nll_a (M,), nll_b (M,), weight) -> perplexity of P = weight P_a + (1 - weight) P_b."""
    for weight, seed in MIX_CASES:
        rng = np.random.default_rng(seed)
        M = 6 + seed
        a, b = rng.uniform(0.2, 6.0, M), rng.uniform(0.2, 6.0, M)
        got, err = call(mixed_perplexity, "mixed_perplexity", a.copy(), b.copy(), weight)
        if err is not None:
            return err
        if np.ndim(got) == 1 and np.size(got) == M:
            return failed("you returned one value per token: the perplexity is one number for all the tokens")
        v, err = _scalar(got, "mixed_perplexity")
        if err is not None:
            return err
        want = _mix_ref(a, b, weight)
        if np.isclose(v, want, rtol=1e-6):
            continue
        hint = name_slip(v, _mix_slips(a, b, weight), right=want, atol=0)
        if hint:
            return failed(hint)
        return failed(f"with weight {weight} expected {want:.4f}, got {v:.4f}: mix the two probabilities of each "
                      "token, P = weight P_a + (1 - weight) P_b, then take exp of the mean of -log P")
    return passed("the mixture's perplexity: mix the probabilities token by token, then exp(mean(-log P)). It is "
                  "never above the weighted mean of the two perplexities, and can be below both.")
