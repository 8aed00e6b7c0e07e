"""The n-gram table (helpers.ngram): counts, completions, probabilities, errors."""
import math
from collections import Counter

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from helpers import plots, widgets  # noqa: E402
from helpers.ngram import NGram, draw_completions  # noqa: E402
from helpers.text import tokenize  # noqa: E402

QUERIES = [
    "what's the best food to eat in las vegas",
    "cheap hotels in las vegas",
    "shows in las vegas tonight",
    "flights to las vegas",
    "best tacos in los angeles",
    "weather in los angeles",
    "things to do in las cruces",
]
SENTS = [tokenize(q) for q in QUERIES]


def test_counts_match_a_plain_counter():
    m = NGram(SENTS, n=2)
    want = Counter()
    for s in SENTS:
        padded = ["<s>"] + s + ["</s>"]
        want.update(zip(padded[:-1], padded[1:]))
    got = {(ctx[0], w): c for ctx, w, c in m.table(2)}
    assert got == dict(want)
    assert sum(c for _, _, c in m.table(1)) == sum(len(s) + 1 for s in SENTS)


def test_table_is_sorted_most_frequent_first():
    rows = NGram(SENTS, n=3).table(3)
    counts = [c for _, _, c in rows]
    assert counts == sorted(counts, reverse=True)
    assert rows[0] == (("in", "las"), "vegas", 3)
    assert all(len(ctx) == 2 for ctx, _, _ in rows)


def test_completes_las_vegas_with_the_longest_context():
    m = NGram(SENTS, n=3)
    ctx, pairs = m.complete_with_context("What's the best food to eat in Las", k=5)
    assert ctx == ("in", "las")
    assert pairs == [("vegas", 3), ("cruces", 1)]
    assert m.complete("what's the best food to eat in las", k=1) == [("vegas", 3)]
    assert m.complete(["in", "las"], k=5) == pairs


def test_backs_off_to_shorter_contexts_and_returns_empty_when_nothing_matches():
    m = NGram(SENTS, n=3)
    ctx, pairs = m.complete_with_context("motels near las")  # "near" never seen
    assert ctx == ("las",)
    assert pairs[0] == ("vegas", 4)
    assert m.complete_with_context("the best food in reno") == ((), [])
    # an empty prefix is the start of a sentence: the first words of queries
    ctx, pairs = m.complete_with_context("")
    assert ctx == ("<s>", "<s>") and len(pairs) == 5 and pairs[0] == ("best", 1)


def test_unigram_model_ignores_the_prefix():
    m = NGram(SENTS, n=1)
    ctx, pairs = m.complete_with_context("anything at all", k=2)
    assert ctx == () and pairs == [("</s>", 7), ("in", 6)]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("context", [[], ["in", "las"], ["<s>", "<s>", "<s>"], ["never", "seen"], ["to", "las"]])
def test_probabilities_sum_to_one_and_are_never_zero(n, context):
    m = NGram(SENTS, n=n, discount=0.75)
    p = np.array([m.prob(w, context) for w in m.vocab])
    assert np.all(p > 0)
    assert abs(p.sum() - 1.0) < 1e-12


def test_prob_prefers_seen_continuations_and_maps_unseen_words_to_unk():
    m = NGram(SENTS, n=3)
    assert m.prob("vegas", ["in", "las"]) > 0.5
    assert m.prob("vegas", ["in", "las"]) > m.prob("cruces", ["in", "las"]) > m.prob("tacos", ["in", "las"])
    assert m.prob("zebra", "in las") == m.prob("<unk>", "in las")
    assert "<unk>" in m.vocab and "</s>" in m.vocab and "<s>" not in m.vocab


def test_perplexity_matches_its_definition_and_rewards_the_training_text():
    m = NGram(SENTS, n=3)
    s = ["in", "las", "vegas"]
    padded = ["<s>", "<s>"] + s + ["</s>"]
    logp = [math.log(m.prob(padded[t], padded[t - 2:t])) for t in range(2, len(padded))]
    assert m.perplexity([s]) == pytest.approx(math.exp(-np.mean(logp)), rel=1e-12)
    uniform = len(m.vocab)
    assert m.perplexity(SENTS) < m.perplexity([tokenize("vegas las in tacos best")]) < 10 * uniform
    assert NGram(SENTS, n=3).perplexity(SENTS) < NGram(SENTS, n=1).perplexity(SENTS)


@pytest.mark.parametrize("kwargs, err, words", [
    (dict(sentences=SENTS, n=0), ValueError, "n must be >= 1"),
    (dict(sentences=[], n=2), ValueError, "empty corpus"),
    (dict(sentences=[[]], n=2), ValueError, "no words"),
    (dict(sentences="las vegas", n=2), TypeError, "list of token lists"),
    (dict(sentences=["las vegas"], n=2), TypeError, "tokenize"),
    (dict(sentences=[["las", 3]], n=2), TypeError, "str tokens"),
    (dict(sentences=SENTS, discount=1.5), ValueError, "discount"),
])
def test_bad_input_is_named(kwargs, err, words):
    with pytest.raises(err, match=words):
        NGram(**kwargs)


def test_bad_arguments_to_methods_are_named():
    m = NGram(SENTS, n=3)
    with pytest.raises(ValueError, match="k must be >= 1"):
        m.complete("in las", k=0)
    with pytest.raises(TypeError, match="prefix"):
        m.complete(42)
    with pytest.raises(TypeError, match="str tokens"):
        m.complete(["in", None])
    with pytest.raises(ValueError, match="order must be <= 3"):
        m.table(4)
    with pytest.raises(TypeError, match="word must be a str"):
        m.prob(3, "in las")
    with pytest.raises(ValueError, match="sentences"):
        m.perplexity([])


def test_describe_names_the_context_used():
    m = NGram(SENTS, n=3)
    assert m.describe("what's the best food to eat in las") == \
        "used the last 2 words 'in las': 2 different next words, top 'vegas' (3 of 4 times)"
    assert m.describe("motels near las").startswith("backed off to the last word 'las' ('near las' never appeared")
    assert m.describe("las").startswith("backed off to the last word 'las' (no query started with 'las')")
    assert m.describe("in reno").startswith("no completion: the last word 'reno' never appeared")
    assert m.describe("").startswith("used the start of a query: 7 different next words")
    assert NGram(SENTS, n=1).describe("in las").startswith("a 1-gram model ignores the prefix")
    # the end marker keeps its name, glossed once
    assert m.describe("in las vegas") == \
        "used the last 2 words 'las vegas': 2 different next words, top '</s>' (end of query) (3 of 4 times)"


# ---- the widget's drawing (notebook 02) ---------------------------------------------------------

def bar_labels(fig):
    """The words on the bars, top bar first."""
    return [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()][::-1]


def test_draw_completions_draws_the_counts_and_returns_describe():
    m = NGram(SENTS, n=3)
    fig = widgets.agg_figure((7.5, 3.2))
    verdict = draw_completions(fig, m, "what's the best food to eat in las")
    assert verdict == m.describe("what's the best food to eat in las", k=6)
    (ax,) = fig.axes
    assert bar_labels(fig) == ["vegas", "cruces"]
    assert [round(b.get_width()) for b in ax.patches][::-1] == [3, 1]  # the counts, largest on top
    assert all(b.get_facecolor()[:3] == matplotlib.colors.to_rgb(plots.PALETTE["blue"]) for b in ax.patches)
    assert ax.get_title() == "3-gram table: what followed 'in las'"
    assert ax.get_xlabel() == "times seen after the context (count)"
    fig.canvas.draw()  # it renders


@pytest.mark.parametrize("n, prefix", [(2, "in las vegas"), (3, "in las vegas"), (1, "anything")])
def test_the_end_marker_has_one_name_on_the_bars_and_in_the_verdict(n, prefix):
    fig = widgets.agg_figure((7.5, 3.2))
    verdict = draw_completions(fig, NGram(SENTS, n=n), prefix)
    top = bar_labels(fig)[0]
    assert top == "</s>" and f"top '{top}' (end of query)" in verdict
    assert not any("end" in label for label in bar_labels(fig)[1:])  # no second name for it


@pytest.mark.parametrize("prefix", ["", "   ", "!!!", "a" * 500, "x " * 300, "in reno", "Ünïcode ÷ 日本"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_draw_completions_answers_any_prefix_in_words(n, prefix):
    fig = widgets.agg_figure((7.5, 3.2))
    verdict = draw_completions(fig, NGram(SENTS, n=n), prefix)
    assert verdict == NGram(SENTS, n=n).describe(prefix, k=6) and len(verdict) < 200
    texts = [t.get_text() for t in fig.texts]
    if verdict.startswith("no completion"):
        assert not fig.axes and texts and texts[0].startswith("No completion.\n")
        assert max(len(line) for line in texts[0].splitlines()) <= 60  # wrapped to fit the figure
    else:
        assert len(fig.axes) == 1 and bar_labels(fig)
    fig.canvas.draw()


def test_draw_completions_in_an_experiment_and_its_bad_arguments():
    import html

    import ipywidgets as W
    models = {n: NGram(SENTS, n=n) for n in (1, 2, 3)}
    exp = widgets.Experiment({"prefix": W.Text(value="in las"), "n": W.IntSlider(value=3, min=1, max=3)},
                             lambda fig, prefix, n: draw_completions(fig, models[n], prefix), figsize=(7.5, 3.2))
    assert "top 'vegas'" in html.unescape(exp.verdict.value)
    exp.controls["prefix"].value = "in las vegas"
    assert "top '</s>' (end of query)" in html.unescape(exp.verdict.value)
    exp.controls["n"].value = 1  # the slider picks the table
    assert "a 1-gram model ignores the prefix" in html.unescape(exp.verdict.value)
    with pytest.raises(TypeError, match="model must be a helpers.ngram.NGram"):
        draw_completions(widgets.agg_figure((4, 3)), models, "in las")
    with pytest.raises(ValueError, match="k must be >= 1"):
        draw_completions(widgets.agg_figure((4, 3)), models[3], "in las", k=0)


@pytest.mark.parametrize("seed", range(5))
def test_complete_matches_a_brute_force_search_on_random_corpora(seed):
    rng = np.random.default_rng(seed)
    words = ["a", "b", "c", "d", "e"]
    sents = [list(rng.choice(words, size=rng.integers(1, 7))) for _ in range(30)]
    for n in (2, 3, 4):
        m = NGram(sents, n=n)
        for _ in range(20):
            prefix = list(rng.choice(words + ["zz"], size=rng.integers(0, 5)))
            padded_prefix = ["<s>"] * (n - 1) + prefix
            want_ctx, want = (), []
            for L in range(n - 1, 0, -1):  # longest context first, down to one word
                ctx = padded_prefix[len(padded_prefix) - L:]
                follow = Counter()
                for s in sents:
                    padded = ["<s>"] * (n - 1) + s + ["</s>"]
                    for t in range(n - 1, len(padded)):
                        if padded[t - L:t] == ctx:
                            follow[padded[t]] += 1
                if follow:
                    want_ctx, want = tuple(ctx), sorted(follow.items(), key=lambda p: (-p[1], p[0]))[:3]
                    break
            assert m.complete_with_context(prefix, k=3) == (want_ctx, want), (n, prefix)
