"""Checks for notebook 07 (autocomplete): perplexity, top-k, temperature, one LM step.

Every check runs the learner's function on small cases chosen so that the
usual slips give different numbers, names the slip it recognises, and never
raises, whatever the attempt returns.
"""
import numpy as np

from helpers import lstm
from helpers.exercises.core import call, compare, failed, passed, scalar
from helpers.layers import softmax


def _scalar(v, name):
    return scalar(v, name, nonfinite_hint="look for an exp of a sum (it overflows) or a division by zero")


# --------------------------------------------------------------------------
# 1. Perplexity from per-word losses
# --------------------------------------------------------------------------

def check_perplexity(perplexity):
    """perplexity(losses) -> exp(mean(losses)); losses are -log p per predicted word, in nats."""
    cases = [np.array([0.5, 1.0, 2.0, 0.1]), np.array([np.log(4.0)] * 3), np.array([3.0, 0.2])]
    for losses in cases:
        got, err = call(perplexity, "perplexity", losses.copy())
        if err is not None:
            return err
        v, err = _scalar(got, "perplexity")
        if err is not None:
            return err
        want = float(np.exp(losses.mean()))
        if np.isclose(v, want, rtol=1e-6):
            continue
        m = losses.mean()
        if np.isclose(v, m):
            return failed("that is the mean loss; perplexity is exp(mean loss), the 'number of equally "
                          "likely choices' the model hesitates between")
        if np.isclose(v, np.exp(losses.sum())):
            return failed("exp of the *sum* grows with the number of words; average the losses first, then exp")
        if np.isclose(v, 2.0 ** m):
            return failed("the losses are natural logs (nats), so use np.exp, not 2 ** ...")
        if np.isclose(v, np.exp(-m)):
            return failed("the sign is flipped: the losses are already -log p, so take exp(+mean)")
        if np.isclose(v, np.mean(np.exp(losses))):
            return failed("you averaged after exp; take the mean of the losses first, then exp once")
        return failed(f"for losses {np.round(losses, 3).tolist()} expected {want:.4f}, got {v:.4f}")
    return passed("perplexity = exp(mean loss): a loss of log 4 per word is a perplexity of 4.")


# --------------------------------------------------------------------------
# 2. Top-k words from the scores
# --------------------------------------------------------------------------

WORDS = ["vegas", "cruces", "palmas", "</s>", "tonight", "hotels"]
LOGITS = np.array([2.5, 0.3, -1.0, 1.2, 0.9, -0.4])


def check_top_k(top_k):
    """top_k(logits (V,), words, k) -> [(word, probability), ...], k pairs, most likely first."""
    p = softmax(LOGITS)
    order = np.argsort(-p)
    for k in (3, 1):
        got, err = call(top_k, "top_k", LOGITS.copy(), list(WORDS), k)
        if err is not None:
            return err
        if got is None:
            return failed("top_k returned None: did you forget to `return` the list?")
        try:
            pairs = [(w, float(q)) for w, q in got]
        except (TypeError, ValueError):
            return failed("top_k must return a list of (word, probability) pairs, "
                          f"got {type(got).__name__} {str(got)[:60]}")
        if len(pairs) != k:
            return failed(f"with k={k} return exactly {k} pairs, got {len(pairs)}")
        if any(not isinstance(w, str) for w, _ in pairs):
            return failed("the first item of each pair must be the word (a str): look it up with words[i]")
        want = [(WORDS[i], float(p[i])) for i in order[:k]]
        if [w for w, _ in pairs] == [WORDS[i] for i in np.argsort(p)[:k]]:
            return failed("these are the k *least* likely words: sort by descending probability (np.argsort(-p))")
        if [w for w, _ in pairs] != [w for w, _ in want]:
            return failed(f"with k={k} expected the words {[w for w, _ in want]}, got {[w for w, _ in pairs]}")
        got_p = np.array([q for _, q in pairs])
        if np.allclose(got_p, LOGITS[order[:k]]):
            return failed("the numbers are the raw scores (logits); turn them into probabilities with a softmax first")
        if np.allclose(got_p, np.exp(LOGITS[order[:k]])):
            return failed("exp(score) is not yet a probability: divide by the sum of exp over *all* words")
        if np.allclose(got_p, softmax(LOGITS[order[:k]])):
            return failed("normalize over the whole vocabulary, not over the k words you keep")
        if not np.allclose(got_p, [q for _, q in want], atol=1e-6):
            return failed(f"the probabilities are off: expected {np.round([q for _, q in want], 4).tolist()}")
    return passed("top_k: softmax over all words, then the k largest, most likely first.")


# --------------------------------------------------------------------------
# 3. Temperature
# --------------------------------------------------------------------------

def check_temperature(softmax_with_temperature):
    """softmax_with_temperature(logits (V,), temperature) -> probabilities softmax(logits / temperature)."""
    for temperature in (0.5, 2.0, 1.0):
        got, err = call(softmax_with_temperature, "softmax_with_temperature", LOGITS.copy(), temperature)
        if err is not None:
            return err
        want = softmax(LOGITS / temperature)
        r = compare(f"the probabilities at temperature {temperature}", got, want)
        if r is None:
            continue
        if "wrong values" in r.message:
            g = np.asarray(got, dtype=float)
            if np.allclose(g, softmax(LOGITS * temperature)):
                return failed("you multiplied by the temperature; divide the scores by it "
                              "(high temperature must flatten the distribution)")
            if np.allclose(g, softmax(LOGITS)):
                return failed("the temperature has no effect: divide the scores by it before the softmax")
            if not np.isclose(g.sum(), 1.0):
                return failed(f"the probabilities sum to {g.sum():.4f}, not 1: normalize after rescaling")
        return r
    big = np.array([1000.0, 999.0, 0.0])
    got, err = call(softmax_with_temperature, "softmax_with_temperature", big.copy(), 0.5)
    if err is not None:
        return err
    r = compare("the probabilities for scores [1000, 999, 0] at temperature 0.5", got, softmax(big / 0.5))
    if r is not None:
        if "NaN or inf" in r.message:
            return failed("exp(2000) overflows: subtract the largest score before np.exp "
                          "(it cancels in the division)")
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


def check_lm_step(lm_step):
    """lm_step(word_id, h_prev (1, H), c_prev (1, H), params) -> (p (1, V), h_next (1, H), c_next (1, H))."""
    P = _lm_params()
    rng = np.random.default_rng(1)
    h_prev, c_prev = rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
    for word_id in (2, 5):
        got, err = call(lm_step, "lm_step", word_id, h_prev.copy(), c_prev.copy(), {k: v.copy() for k, v in P.items()})
        if err is not None:
            return err
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return failed("lm_step must return three things: (p, h_next, c_next)")
        p, h, c = got
        want_p, want_h, want_c = _lm_step_ref(word_id, h_prev, c_prev, P)
        r = compare("c_next", c, want_c, hint="c_next = f * c_prev + i * g: use lstm.step_forward on the "
                                              "embedding row W_embed[[word_id]], shape (1, D)")
        if r is None:
            r = compare("h_next", h, want_h, hint="h_next is the LSTM's new hidden state, o * tanh(c_next)")
        if r is not None:
            return r
        r = compare("p", p, want_p)
        if r is not None and "wrong values" in r.message:
            g = np.asarray(p, dtype=float)
            logits = want_h @ P["Wy"] + P["by"]
            if np.allclose(g, logits):
                return failed("p holds the scores h_next Wy + by; apply the softmax to get probabilities")
            if np.allclose(g, softmax(h_prev @ P["Wy"] + P["by"])):
                return failed("p was computed from h_prev; the prediction uses the *new* state h_next")
            if np.allclose(g, softmax(want_h @ P["Wy"])):
                return failed("the output bias by is missing: scores = h_next @ Wy + by")
        if r is not None:
            return r
    return passed("one step: embed the word, one LSTM step, scores h Wy + by, softmax.")
