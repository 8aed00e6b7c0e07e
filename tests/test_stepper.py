"""The tiny char RNN of notebook 03 (helpers.stepper)."""
import re

import html

import ipywidgets as W
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from helpers import gradcheck, rnn, stepper, widgets  # noqa: E402
from helpers.ffn import char_vocab  # noqa: E402

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
    ("neurons!", ValueError, "never saw the character(s) '!'"),
    ("zebra", ValueError, "never saw the character(s) 'z'"),
    ("ne^", ValueError, "'^' is the start marker, not a letter: the network reads it by itself at step 1"),
    ("^", ValueError, "'^' is the start marker"),
    ("bird$", ValueError, "'$' is the end marker: the network predicts it"),
    ("^z", ValueError, "(an empty word shows its guess after '^' alone); the network never saw the character(s) 'z'"),
    ("a" * 13, ValueError, "at most 12"),
    (42, TypeError, "word must be a str"),
])
def test_step_through_rejects_bad_words_clearly(word, err, words):
    params, vocab, _ = stepper.train(WORDS, H=4, steps=1, rng=np.random.default_rng(0))
    with pytest.raises(err, match=re.escape(words)):
        stepper.step_through(params, vocab, word)


def test_a_marker_is_never_called_unseen():
    """The network reads '^' first in every word: "never saw" would be false (a learner once got it)."""
    params, vocab, _ = stepper.train(WORDS, H=4, steps=1, rng=np.random.default_rng(0))
    for word in ["^", "^neuron", "neuron$"]:
        with pytest.raises(ValueError) as err:
            stepper.step_through(params, vocab, word)
        assert "never saw" not in str(err.value) and "marker" in str(err.value)
        assert str(err.value).endswith("Type a word made of 'abcdefhimnortuw'")
    # what the message suggests works: the empty word is the marker alone
    assert stepper.step_through(params, vocab, "")["inputs"] == ["^"]


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



# ---- the widget's drawing (notebook 03) ---------------------------------------------------------

@pytest.fixture(scope="module")
def trained():
    params, vocab, _ = stepper.train(WORDS, H=16, steps=200, rng=np.random.default_rng(0))
    return params, vocab


def drawn(view, word, t):
    fig = widgets.agg_figure((8, 3.8))
    parts = view.setup(fig)
    return fig, parts, view.draw(parts, word, t)


def test_step_view_draws_the_states_read_so_far_and_the_top_five(trained):
    params, vocab = trained
    view = stepper.StepView(params, vocab)
    fig, parts, verdict = drawn(view, "neuron", 5)
    run = stepper.step_through(params, vocab, "neuron")
    assert verdict == f"step 5 of 7: read 'r'; top prediction 'o' (p = {run['top_p'][4]:.2f})"
    shown = np.asarray(parts["image"].get_array())
    assert shown.shape == (16, 7)
    np.testing.assert_allclose(shown[:, :5], run["h"][:5].T)  # h_1 .. h_5, one column each
    assert np.isnan(shown[:, 5:]).all()  # steps not read yet stay blank
    assert parts["box"].get_x() == 3.5  # around column 5
    widths = [b.get_width() for b in parts["bars"]]
    np.testing.assert_allclose(widths[::-1], np.sort(run["probs"][4])[::-1][:5])  # largest on top
    assert parts["chars"][-1].get_text() == "o" and parts["p_labels"][-1].get_text() == f"{widths[-1]:.2f}"
    assert parts["title_p"].get_text() == "next after 'neur'"
    assert [t.get_text() for t in parts["ax_h"].get_xticklabels()] == [f"{i + 1}\n{c}" for i, c in enumerate("^neuron")]
    fig.canvas.draw()


def test_step_view_names_the_markers_as_the_verdict_does(trained):
    view = stepper.StepView(*trained)
    _, parts, verdict = drawn(view, "Neuron ", 7)  # case and spaces around the word do not matter
    assert verdict.startswith("step 7 of 7: read 'n'; top prediction '$' (end of word)")
    assert parts["chars"][-1].get_text() == "$"  # the bar has the verdict's name
    _, parts, verdict = drawn(view, "bird", 1)
    assert verdict.startswith("step 1 of 5: read the start marker '^'; top prediction")
    assert parts["title_p"].get_text() == "next after '^'"


@pytest.mark.parametrize("word, t, start", [
    ("", 1, "step 1 of 1: read the start marker '^'"),
    ("", 13, "step 1 of 1 (this word has only 1 step): read the start marker '^'"),
    ("hue", 13, "step 4 of 4 (this word has only 4 steps): read 'e'"),
    ("a" * 12, 13, "step 13 of 13: read 'a'"),
])
def test_step_view_handles_the_ends_of_the_controls(trained, word, t, start):
    fig, _, verdict = drawn(stepper.StepView(*trained), word, t)
    assert verdict.startswith(start)
    fig.canvas.draw()


@pytest.mark.parametrize("word, t, message", [
    ("^", 1, "'^' is the start marker"),
    ("zebra", 3, "never saw the character(s) 'z'"),
    ("a" * 13, 1, "at most 12 characters"),
    ("neuron", 0, "t must be >= 1"),
])
def test_step_view_explains_what_it_cannot_draw(trained, word, t, message):
    view = stepper.StepView(*trained)
    with pytest.raises(ValueError, match=re.escape(message)):
        drawn(view, word, t)


def test_step_view_in_an_experiment_reads_nature_and_explains_the_marker(trained):
    view = stepper.StepView(*trained)
    exp = widgets.Experiment({"word": W.Text(value="neuron"), "t": W.IntSlider(value=5, min=1, max=13)},
                             view.draw, setup=view.setup, figsize=(8, 3.8))
    assert "top prediction 'o'" in html.unescape(exp.verdict.value)
    exp.controls["word"].value = "nature"  # what the browser test types
    assert "step 5 of 7: read 'u'; top prediction" in html.unescape(exp.verdict.value)
    exp.controls["word"].value = "^"
    assert "⚠ '^' is the start marker" in html.unescape(exp.verdict.value) and "never saw" not in exp.verdict.value
    exp.controls["word"].value = "bird"  # and it recovers
    assert "step 5 of 5: read 'd'" in html.unescape(exp.verdict.value)


def test_step_view_refuses_what_is_not_a_trained_network():
    with pytest.raises(TypeError, match="params"):
        stepper.StepView({}, char_vocab(WORDS))
    params = stepper.init_params(5, 4, np.random.default_rng(0))
    with pytest.raises(TypeError, match="vocab must be a helpers.data.Vocab"):
        stepper.StepView(params, "abc")
