"""helpers.autocomplete_views: notebook 07's three experiments draw what the model says and never crash."""
import html
import warnings
from functools import partial

import ipywidgets as W
import numpy as np
import pytest

from helpers import autocomplete, autocomplete_views as views, corpus, text, widgets
from helpers.ngram import NGram

FOOD = "what's the best food to eat in las"
TEMPERATURES = (0.1, 0.3, 1.0, 2.0, 10 ** 0.5)  # the notebook's slider: 10^-1 .. 10^0.5
PREFIXES = ["what's the best", FOOD, "", "las", "zzz qqq", "in", "best pizza in new"]
STORY = ("The cat sat on the mat. The dog sat on the rug. The cat ate the fish. "
         "The dog ate the bone. A bird sat on the fence. The bird ate the seed. "
         "The cat saw the bird. The dog saw the cat.")


@pytest.fixture(scope="module")
def model():
    return autocomplete.load_pretrained()


@pytest.fixture(scope="module")
def trigram():
    return NGram(corpus.load_split(seed=0)[0], n=3)


def quiet(draw, *args, **kwargs):
    """Call a draw function as the widget does, with every warning an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        return draw(*args, **kwargs)


def figure(setup, size=(8, 3.6)):
    return setup(widgets.agg_figure(size))


# ---------------------------------------------------------------- sampling: an axis that follows the bars

def test_axis_limit_leaves_the_largest_bar_between_40_and_80_percent_of_the_axis():
    for p in np.concatenate([np.geomspace(1e-6, 1, 3001), np.linspace(0, 1, 1001)[1:]]):
        limit = views.axis_limit(p)
        assert p <= limit <= 1
        assert p / limit >= 0.4, f"a bar of {p:.4g} fills only {p / limit:.0%} of an axis to {limit}"
        assert p / limit <= 0.8 or limit == 1.0, "no room for the bar's label"
        mantissa = limit / 10 ** np.floor(np.log10(limit))
        assert np.isclose(mantissa, views.AXIS_STEPS).any(), f"{limit} is not a round number"
    assert [views.axis_limit(p) for p in (0.0133, 0.1, 0.5, 0.95)] == [0.02, 0.15, 0.75, 1.0]
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="p_max"):
            views.axis_limit(bad)


@pytest.mark.parametrize("temperature", TEMPERATURES)
def test_the_sampling_bars_are_readable_at_every_temperature_of_the_slider(model, temperature):
    parts = figure(views.setup_sampling)
    for prefix in PREFIXES:
        verdict = quiet(views.draw_sampling, parts, prefix, temperature, 0, model)
        p = model.probs(prefix, temperature)
        widths = np.array([bar.get_width() for bar in parts["bars"]])
        limit = parts["ax1"].get_xlim()[1]
        assert widths.max() == pytest.approx(p.max()), "the top bar is not the most likely word"
        assert widths.max() / limit >= 0.4, (f"{prefix!r} at temperature {temperature}: the largest bar fills "
                                             f"{widths.max() / limit:.0%} of the axis")
        assert np.all(np.diff(widths) >= 0), "the most likely word should be on top"
        words = [label.get_text() for label in parts["words"]]
        assert words[-1] == model.vocab.itos[int(np.argmax(p))]
        values = [v.get_text() for v in parts["values"]]
        assert all(v.endswith("%") for v in values) and values[-1] in verdict
        assert f"temperature {temperature:.2f}" in verdict and "different samples of 5" in verdict


def test_at_the_highest_temperature_the_axis_zooms_in_and_at_the_lowest_it_shows_all(model):
    parts = figure(views.setup_sampling)
    views.draw_sampling(parts, "what's the best", 10 ** 0.5, 0, model)
    assert parts["ax1"].get_xlim()[1] <= 0.05, "every word is about 1%: a 0-1 axis would show nothing"
    views.draw_sampling(parts, "las", 0.1, 0, model)
    assert parts["ax1"].get_xlim()[1] == 1.0
    inside = [v for v in parts["values"] if v.get_horizontalalignment() == "right"]
    assert [v.get_text() for v in inside] == ["100%"], "a bar that fills the axis carries its label inside"


def test_sampling_is_seeded_and_bad_settings_are_named(model):
    parts = figure(views.setup_sampling)
    samples = [views.draw_sampling(parts, "what's the best", 1.0, seed, model) for seed in (3, 3)]
    assert samples[0] == samples[1]
    for temperature in (0, -1.0):
        with pytest.raises(ValueError, match="temperature must be > 0"):
            views.draw_sampling(parts, "las", temperature, 0, model)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        views.draw_sampling(parts, "las", 1.0, -1, model)


# ---------------------------------------------------------------- completions

def test_completions_draw_the_lstm_and_the_trigram(model, trigram):
    parts = figure(views.setup_completions, (8, 3.8))
    verdict = quiet(views.draw_completions, parts, FOOD, 5, model, trigram)
    assert verdict.startswith("LSTM: 'vegas'") and "trigram: 'vegas'" in verdict and "'to'" in verdict
    top = model.complete(FOOD, k=5)
    rows = [(label.get_text(), bar.get_width()) for label, bar in zip(parts["words"], parts["lstm"])][:5]
    assert rows[::-1] == [(w, pytest.approx(p)) for w, p in top]
    ctx = ["<s>", "<s>"] + text.tokenize(FOOD)
    assert parts["trigram"][4].get_width() == pytest.approx(trigram.prob("vegas", ctx))
    assert all(bar.get_width() == 0 for bar in parts["lstm"][5:]), "rows beyond k stay empty"
    inputs, size = model.saliency(FOOD, "vegas")
    assert [t.get_text() for t in parts["ax2"].get_xticklabels()] == inputs
    np.testing.assert_allclose([bar.get_height() for bar in parts["inputs"][:len(size)]], size)


@pytest.mark.parametrize("prefix, words", [
    ("", "no earlier words to look back at"), ("las", "no earlier words"),
    ("zebras love beaches in las", "unknown to the model: zebras"),
    (" ".join(["best"] * 20) + " beaches in las", "largest gradient before the last word"),
    ("???", "no earlier words"),
])
def test_completions_handle_odd_prefixes(model, trigram, prefix, words):
    parts = figure(views.setup_completions, (8, 3.8))
    for k in (1, 10):
        assert words in quiet(views.draw_completions, parts, prefix, k, model, trigram)
    assert len(parts["input_words"]) <= len(parts["inputs"]), "at most the last 12 inputs are shown"


def test_completions_reject_a_k_the_figure_has_no_room_for(model, trigram):
    parts = figure(views.setup_completions, (8, 3.8))
    with pytest.raises(ValueError, match="k must be <= 10"):
        views.draw_completions(parts, FOOD, 11, model, trigram)
    with pytest.raises(ValueError, match="k must be >= 1"):
        views.draw_completions(parts, FOOD, 0, model, trigram)


def test_the_views_run_as_experiments(model, trigram):
    lab = widgets.Experiment({"prefix": W.Text(value="best beaches to visit in las"), "k": W.IntSlider(value=5, max=10)},
                             partial(views.draw_completions, model=model, trigram=trigram),
                             setup=views.setup_completions, figsize=(8, 3.8))
    assert "LSTM: 'palmas'" in html.unescape(lab.verdict.value)
    lab.controls["prefix"].value = FOOD
    assert "LSTM: 'vegas'" in html.unescape(lab.verdict.value)
    sampling = widgets.Experiment({"prefix": W.Text(value="what's the best"),
                                   "temperature": W.FloatLogSlider(value=1.0, base=10, min=-1, max=0.5),
                                   "seed": W.IntSlider(value=0, max=20)},
                                  partial(views.draw_sampling, model=model), setup=views.setup_sampling,
                                  figsize=(8, 3.6))
    sampling.controls["temperature"].value = 10 ** 0.5
    assert "temperature 3.16" in sampling.verdict.value and sampling.parts["ax1"].get_xlim()[1] <= 0.05


# ---------------------------------------------------------------- your own text

@pytest.fixture(scope="module")
def story():
    return autocomplete.train_on_text(STORY, steps=30, rng=np.random.default_rng(0))


def test_own_text_draws_the_loss_and_the_next_words(story):
    own, history = story
    parts = figure(views.setup_own_text, (8, 3.4))
    verdict = quiet(views.draw_own_text, parts, own, history, "the dog")
    assert verdict.startswith(f"trained on {own.meta['words']} words (V = {own.V}) for 30 steps")
    np.testing.assert_allclose(parts["loss"].get_ydata(), history["loss"])
    assert parts["words"][-1].get_text() == own.complete("the dog", k=1)[0][0]
    assert "After 'the dog'" == parts["title2"].get_text()
    assert "next word" in quiet(views.draw_own_text, parts, own, history, "")  # an empty prefix: the first word


def test_own_text_keeps_a_training_error_for_the_widget_to_show(story, tmp_path):
    view = views.OwnText(*story)
    parts = figure(views.setup_own_text, (8, 3.4))
    assert view.train("Too short to learn from.", 10) is not None
    with pytest.raises(ValueError, match="too small"):
        view.draw(parts, "the dog")
    assert "no file at" in view.train(str(tmp_path / "missing.txt"), 10)
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\x00\x00" + bytes(range(256)))
    assert "not a text file" in view.train(tmp_path / "image.txt", 10)
    assert "over 10 MB" in view.train("word " * 2_500_001, 10)
    assert view.train(STORY, 10) is None, "good text clears the error"
    assert "for 10 steps" in view.draw(parts, "the cat")


def test_a_click_on_train_trains_and_redraws(story):
    view = views.OwnText(*story)
    exp = widgets.Experiment({"prefix": W.Text(value="the dog")}, view.draw, setup=views.setup_own_text,
                             figsize=(8, 3.4), title="Train on your own text")
    box, steps, button = W.Textarea(value=STORY), W.IntSlider(value=20, min=10, max=400), W.Button(description="Train")
    progress = view.attach(exp, box, steps, button)
    form = exp.box.children[1]
    assert isinstance(exp.box.children[0], W.HTML) and box in form.children, "the form sits under the title"
    assert "for 30 steps" in exp.verdict.value
    button.click()
    assert "trained on" in exp.verdict.value and "for 20 steps" in exp.verdict.value
    assert progress.value == progress.max == 20 and not button.disabled
    box.value = "one two. three"
    button.click()
    assert "⚠" in exp.verdict.value and "too small" in exp.verdict.value
    assert not button.disabled
