"""The tiny char RNN of notebook 03 (helpers.stepper)."""
import re

import numpy as np
import pytest

from helpers import gradcheck, rnn, stepper
from helpers.ffn import char_vocab

WORDS = ["neuron", "bird", "hurt", "farm", "care", "word"]


def test_encode_reads_start_plus_word_and_predicts_word_plus_end():
    vocab = char_vocab(WORDS)
    x, targets, mask = stepper.encode(WORDS, vocab)
    assert x.shape == (6, 7, len(vocab)) and targets.shape == (6, 7) and mask.shape == (6, 7)
    assert vocab.decode(x[0].argmax(axis=1)) == list("^neuron")
    assert vocab.decode(targets[0]) == list("neuron$")
    assert mask[1].tolist() == [1, 1, 1, 1, 1, 0, 0]  # "bird": 5 steps, then padding
    assert vocab.decode(targets[1][:5]) == list("bird$")


def test_gradients_match_numerical_ones():
    rng = np.random.default_rng(1)
    vocab = char_vocab(WORDS[:3])
    x, targets, mask = stepper.encode(WORDS[:3], vocab)
    params = stepper.init_params(len(vocab), 5, rng, scale=0.5)
    _, grads = stepper.loss_and_grads(params, x, targets, mask)
    for name in params:
        num = gradcheck.numerical_gradient(lambda _: np.array(stepper.loss_and_grads(params, x, targets, mask)[0]),
                                           params[name], np.array(1.0))
        assert gradcheck.rel_error(grads[name], num) < 1e-7, name


def test_forward_is_rnn_forward_plus_an_affine_readout():
    rng = np.random.default_rng(2)
    vocab = char_vocab(WORDS)
    x, _, _ = stepper.encode(WORDS, vocab)
    p = stepper.init_params(len(vocab), 4, rng)
    h, y, _ = stepper.forward(p, x)
    h_ref, _ = rnn.forward(x, np.zeros((6, 4)), p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(h, h_ref, atol=1e-14)
    np.testing.assert_allclose(y, h_ref @ p["Wy"] + p["by"], atol=1e-14)


def test_training_learns_neuron_where_one_character_is_not_enough():
    params, vocab, losses = stepper.train(WORDS, H=16, steps=200, rng=np.random.default_rng(0))
    assert losses[-1] < 0.5 * losses[0]
    s = stepper.step_through(params, vocab, "neuron")
    assert s["inputs"] == list("^neuron")
    assert s["top"][4] == "o" and s["top_p"][4] > 0.9  # after reading ^ n e u r
    best = stepper.memoryless_best(WORDS, vocab, "r")
    assert best[vocab.stoi["o"]] == pytest.approx(1 / 6)  # a one-character window cannot do better
    # same input 'r', different memory, different guess
    assert stepper.step_through(params, vocab, "bir")["top"][-1] == "d"


def test_step_through_shapes_and_probabilities():
    params, vocab, _ = stepper.train(WORDS, H=8, steps=5, rng=np.random.default_rng(0))
    s = stepper.step_through(params, vocab, "card")
    assert s["h"].shape == (5, 8) and s["probs"].shape == (5, len(vocab))
    np.testing.assert_allclose(s["probs"].sum(axis=1), 1.0)
    assert np.all(np.abs(s["h"]) < 1)
    assert len(stepper.step_through(params, vocab, "")["inputs"]) == 1


@pytest.mark.parametrize("word, err, words", [
    ("neurons!", ValueError, "'!'"),
    ("zebra", ValueError, "'z'"),
    ("ne^", ValueError, "'^'"),
    ("a" * 13, ValueError, "at most 12"),
    (42, TypeError, "word must be a str"),
])
def test_step_through_rejects_bad_words_clearly(word, err, words):
    params, vocab, _ = stepper.train(WORDS, H=4, steps=1, rng=np.random.default_rng(0))
    with pytest.raises(err, match=re.escape(words)):
        stepper.step_through(params, vocab, word)


def test_bad_training_arguments_are_named():
    with pytest.raises(TypeError, match="rng"):
        stepper.train(WORDS, H=4, steps=1, rng=0)
    with pytest.raises(ValueError, match="H must be >= 1"):
        stepper.train(WORDS, H=0, steps=1, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="words"):
        stepper.train("neuron", H=4, steps=1, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="params"):
        stepper.step_through({}, char_vocab(WORDS), "neuron")
    with pytest.raises(ValueError, match="char"):
        stepper.memoryless_best(WORDS, char_vocab(WORDS), "z")
