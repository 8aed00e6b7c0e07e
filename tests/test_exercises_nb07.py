"""Exercise checks of notebook 07: the reference passes, typical slips get a hint naming them."""
import numpy as np
import pytest

from helpers import lstm
from helpers.exercises import nb07
from helpers.layers import softmax


# ------------------------------------------------------------ references

def perplexity_ref(losses):
    return float(np.exp(np.mean(losses)))


def top_k_ref(logits, words, k):
    p = softmax(logits)
    return [(words[i], float(p[i])) for i in np.argsort(-p)[:k]]


def temperature_ref(logits, temperature):
    return softmax(np.asarray(logits) / temperature)


def lm_step_ref(word_id, h_prev, c_prev, params):
    e = params["W_embed"][[word_id]]
    h, c, _ = lstm.step_forward(e, h_prev, c_prev, params["Wx"], params["Wh"], params["b"])
    return softmax(h @ params["Wy"] + params["by"]), h, c


def todo(*args):
    raise NotImplementedError


JUNK = [None, "text", [1, 2], np.nan, (1, 2, 3), lambda *a: 1 / 0]


@pytest.mark.parametrize("check, ref", [(nb07.check_perplexity, perplexity_ref), (nb07.check_top_k, top_k_ref),
                                        (nb07.check_temperature, temperature_ref),
                                        (nb07.check_lm_step, lm_step_ref)])
def test_reference_passes_and_junk_never_raises(check, ref):
    assert check(ref).ok, check(ref)
    r = check(todo)
    assert not r.ok and r.status == "todo" and "Not attempted" in repr(r)
    for junk in JUNK:
        r = check(lambda *a, junk=junk: junk() if callable(junk) else junk)
        assert not r.ok
    assert not check(None).ok  # not even a function
    assert "without calling it" in check(3).message


@pytest.mark.parametrize("attempt, words", [
    (lambda L: float(np.mean(L)), "exp(mean loss)"),
    (lambda L: float(np.exp(np.sum(L))), "sum"),
    (lambda L: float(2 ** np.mean(L)), "nats"),
    (lambda L: float(np.exp(-np.mean(L))), "sign"),
    (lambda L: float(np.mean(np.exp(L))), "averaged after exp"),
    (lambda L: None, "return"),
])
def test_perplexity_slips(attempt, words):
    r = nb07.check_perplexity(attempt)
    assert not r.ok and words in r.message, r.message


@pytest.mark.parametrize("attempt, words", [
    (lambda s, w, k: [(w[i], float(s[i])) for i in np.argsort(-s)[:k]], "raw scores"),
    (lambda s, w, k: [(w[i], float(np.exp(s[i]))) for i in np.argsort(-s)[:k]], "divide by the sum"),
    (lambda s, w, k: [(w[i], float(q)) for i, q in zip(np.argsort(-s)[:k], softmax(np.sort(s)[::-1][:k]))],
     "whole vocabulary"),
    (lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(s)[:k]], "least"),
    (lambda s, w, k: [(int(i), float(softmax(s)[i])) for i in np.argsort(-s)[:k]], "the word"),
    (lambda s, w, k: [(w[i], float(softmax(s)[i])) for i in np.argsort(-s)[:k + 1]], "exactly"),
    (lambda s, w, k: softmax(s), "pairs"),
])
def test_top_k_slips(attempt, words):
    r = nb07.check_top_k(attempt)
    assert not r.ok and words in r.message, r.message


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum()


@pytest.mark.parametrize("attempt, words", [
    (lambda s, T: softmax(s * T), "multiplied"),
    (lambda s, T: softmax(s), "no effect"),
    (lambda s, T: np.exp(s / T), "normalize"),
    (lambda s, T: naive_softmax(s / T), "subtract the largest"),
    (lambda s, T: softmax(s / T)[:3], "shape"),
])
def test_temperature_slips(attempt, words):
    with np.errstate(all="ignore"):
        r = nb07.check_temperature(attempt)
    assert not r.ok and words in r.message, r.message


def step_logits(word_id, h_prev, c_prev, P):
    p, h, c = lm_step_ref(word_id, h_prev, c_prev, P)
    return h @ P["Wy"] + P["by"], h, c


def step_from_h_prev(word_id, h_prev, c_prev, P):
    _, h, c = lm_step_ref(word_id, h_prev, c_prev, P)
    return softmax(h_prev @ P["Wy"] + P["by"]), h, c


def step_no_bias(word_id, h_prev, c_prev, P):
    _, h, c = lm_step_ref(word_id, h_prev, c_prev, P)
    return softmax(h @ P["Wy"]), h, c


def step_wrong_row(word_id, h_prev, c_prev, P):
    return lm_step_ref(0, h_prev, c_prev, P)


@pytest.mark.parametrize("attempt, words", [
    (step_logits, "apply the softmax"), (step_from_h_prev, "new* state"), (step_no_bias, "bias by"),
    (step_wrong_row, "c_next"), (lambda *a: lm_step_ref(*a)[:2], "three things"),
])
def test_lm_step_slips(attempt, words):
    r = nb07.check_lm_step(attempt)
    assert not r.ok and words in r.message, r.message
