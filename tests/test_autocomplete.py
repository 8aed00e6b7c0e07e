"""helpers.autocomplete: the contract of the shipped model, its training command, your own text."""
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import autocomplete, corpus
from helpers.ngram import NGram

ROOT = Path(__file__).resolve().parents[1]
FOOD = "what's the best food to eat in las"


@pytest.fixture(scope="module")
def model():
    return autocomplete.load_pretrained()


@pytest.fixture(scope="module")
def split():
    return corpus.load_split(seed=0)


# ---------------------------------------------------------------- the contract

def test_complete_returns_k_words_most_likely_first(model):
    out = model.complete(FOOD, k=5)
    assert len(out) == 5
    assert all(isinstance(w, str) and isinstance(p, float) for w, p in out)
    probs = [p for _, p in out]
    assert probs == sorted(probs, reverse=True)
    assert all(0 < p <= 1 for p in probs) and sum(probs) <= 1 + 1e-9
    assert {"<s>", "<unk>"}.isdisjoint(w for w, _ in model.complete(FOOD, k=model.V))


def test_las_vegas_comes_first(model):
    (word, p), *_ = model.complete(FOOD, k=3)
    assert word == "vegas" and p > 0.8


def test_prefix_is_prepared_like_the_training_text(model):
    a = model.complete(FOOD, k=4)
    b = model.complete("  What\u2019s the BEST food to eat in Las?  ", k=4)
    assert a == b


def test_unseen_words_become_unk_not_an_exception(model):
    assert model.words("zzyzx food in las") == ["<unk>", "food", "in", "las"]
    out = model.complete("zzyzx qwerty in las", k=2)
    assert len(out) == 2 and out[0][0] == "vegas"
    assert len(model.complete("", k=3)) == 3  # the first word of a query


@pytest.mark.parametrize("k, exc, words", [(0, ValueError, "k must be >= 1"), (-2, ValueError, "k must be >= 1"),
                                           (2.0, TypeError, "k must be an integer"),
                                           (True, TypeError, "k must be an integer"),
                                           ("3", TypeError, "k must be an integer")])
def test_bad_k_is_rejected(model, k, exc, words):
    with pytest.raises(exc, match=words):
        model.complete(FOOD, k=k)


@pytest.mark.parametrize("prefix", [None, 42, ["in", "las"], b"in las"])
def test_bad_prefix_is_rejected(model, prefix):
    with pytest.raises(TypeError, match="prefix must be a str"):
        model.complete(prefix)


def test_k_larger_than_the_vocabulary_returns_every_word(model):
    assert len(model.complete("in", k=10_000)) == model.V - 2


def test_one_completion_takes_well_under_10_ms(model):
    model.complete(FOOD)  # warm up
    times = []
    for _ in range(30):
        start = time.perf_counter()
        model.complete(FOOD + " vegas best", k=5)
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.010, f"median {np.median(times) * 1e3:.1f} ms"


# ------------------------------------------------------- better than an n-gram

def test_lstm_beats_bigram_and_trigram_on_held_out_perplexity(model, split):
    train, _, test = split
    ppl = model.perplexity(test)
    bigram, trigram = NGram(train, 2).perplexity(test), NGram(train, 3).perplexity(test)
    assert ppl < trigram < bigram
    assert ppl < 0.85 * trigram
    assert 3.5 < ppl < 4.5  # the band the shipped weights reach


def test_the_lstm_uses_the_topic_word_the_trigram_cannot_see(model, split):
    trigram = NGram(split[0], 3)
    cases = {"best beaches to visit in las": "palmas", "cheap student housing near downtown las": "cruces",
             FOOD: "vegas", "where can i find gumbo in new": "orleans"}
    for prefix, city in cases.items():
        assert model.complete(prefix, k=1)[0][0] == city, prefix
    # the trigram sees only "in las" / "downtown las": vegas for all three
    for prefix in list(cases)[:3]:
        assert trigram.complete(prefix, k=1)[0][0] == "vegas"


def test_occlusion_singles_out_the_topic_word_of_the_beach_query(model):
    toks, p_full, p_hidden = model.occlusion("best beaches to visit in las", "palmas")
    assert toks == ["best", "beaches", "to", "visit", "in", "las"] and p_hidden.shape == (6,)
    assert p_hidden[toks.index("beaches")] < 0.5 * p_full  # hiding "beaches" loses palmas
    assert int(np.argmin(p_hidden)) in (toks.index("beaches"), toks.index("las"))
    # row t+1 of occlusion is the prefix with word t replaced by <unk>: the same as asking complete()
    hidden = dict(model.complete("best <unk> to visit in las", k=model.V))
    assert hidden["palmas"] == pytest.approx(p_hidden[1], rel=1e-5)
    with pytest.raises(ValueError, match="word must be a word of the vocabulary"):
        model.occlusion(FOOD, "atlantis")


def test_saliency_is_the_norm_of_the_score_gradient_per_input_word(model):
    """saliency(prefix, word)[t] = || d score(word) / d e_t ||, checked against finite differences."""
    words, size = model.saliency(FOOD, "vegas")
    assert words == ["<s>"] + FOOD.split() and size.shape == (len(words),)
    assert np.all(size >= 0)
    # every input word of FOOD occurs once, so d score / d e_t is the gradient on that word's row of W_embed
    params64 = {k: v.astype(np.float64) for k, v in model.params.items()}
    exact = autocomplete.Autocomplete(params64, model.vocab)
    ids = exact.ids(FOOD)[0]
    assert len(set(ids.tolist())) == len(ids)
    W, target, eps = params64["W_embed"], model.vocab.stoi["vegas"], 1e-6
    for t, i in enumerate(ids):
        grad = np.zeros(W.shape[1])
        for d in range(W.shape[1]):
            old = W[i, d]
            W[i, d] = old + eps
            up = exact.logits(FOOD)[target]
            W[i, d] = old - eps
            down = exact.logits(FOOD)[target]
            W[i, d] = old
            grad[d] = (up - down) / (2 * eps)
        assert np.linalg.norm(grad) == pytest.approx(exact.saliency(FOOD, "vegas")[1][t], rel=1e-5), words[t]
    np.testing.assert_allclose(size, exact.saliency(FOOD, "vegas")[1], rtol=1e-3)  # float32 vs float64
    with pytest.raises(ValueError, match="word must be a word of the vocabulary"):
        model.saliency(FOOD, "atlantis")


def test_token_nll_matches_perplexity(model, split):
    test = split[2][:50]
    per_sentence = model.token_nll(test)
    assert [len(a) for a in per_sentence] == [len(s) + 1 for s in test]
    one = model.token_nll([test[7]])[0]
    np.testing.assert_allclose(one, per_sentence[7], rtol=1e-5)  # padding in a batch changes nothing
    nll = np.concatenate(per_sentence)
    assert np.exp(nll.mean()) == pytest.approx(model.perplexity(test), rel=1e-6)


# ------------------------------------------------------------------- sampling

def test_sampling_is_seeded_and_temperature_matters(model):
    a = [model.sample("best", np.random.default_rng(1), temperature=1.0) for _ in range(3)]
    b = [model.sample("best", np.random.default_rng(1), temperature=1.0) for _ in range(3)]
    assert a == b and all(isinstance(s, str) for s in a)
    cold = {model.sample(FOOD, np.random.default_rng(s), temperature=0.05) for s in range(10)}
    assert all(s.startswith("vegas") for s in cold)
    hot = {model.sample("", np.random.default_rng(s), temperature=3.0) for s in range(20)}
    assert len(hot) == 20
    assert len(model.sample("", np.random.default_rng(0), temperature=3.0, max_words=4).split()) <= 4
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.sample(FOOD, np.random.default_rng(0), temperature=0)
    with pytest.raises(TypeError, match="rng"):
        model.sample(FOOD, 0)


# --------------------------------------------------- shipped weights and command

def test_shipped_file_is_small_and_loads_without_pickle():
    assert autocomplete.DEFAULT_PATH.stat().st_size < 2_000_000
    with np.load(autocomplete.DEFAULT_PATH, allow_pickle=False) as z:
        assert z["vocab"].dtype.kind == "U"
        assert int(z["meta_epochs"]) == autocomplete.CONFIG["epochs"]


def test_train_model_rejects_unknown_settings():
    with pytest.raises(ValueError, match=r"config has unknown keys \['hidden'\]"):
        autocomplete.train_model({"hidden": 128})


def test_save_and_load_round_trip(model, tmp_path):
    autocomplete.save(model, tmp_path / "copy.npz")
    again = autocomplete.load_pretrained(tmp_path / "copy.npz")
    assert again.vocab.itos == model.vocab.itos
    for k in model.params:
        np.testing.assert_array_equal(again.params[k], model.params[k])
    assert again.complete(FOOD, 5) == model.complete(FOOD, 5)
    with pytest.raises(FileNotFoundError, match="path: no weights at"):
        autocomplete.load_pretrained(tmp_path / "missing.npz")


def run_command(tmp_path, *args):
    out = tmp_path / "ac.npz"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "helpers.autocomplete", "train", "--out", str(out), *args],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=900)
    return np.load(out, allow_pickle=False)


def test_one_epoch_of_the_command_reproduces_the_shipped_first_epoch(tmp_path):
    """Same code, same seed: the first epoch's validation loss must be the shipped one, exactly."""
    with np.load(autocomplete.DEFAULT_PATH, allow_pickle=False) as z:
        shipped = z["meta_valid_history"]
    short = run_command(tmp_path, "--epochs", "1")["meta_valid_history"]
    assert short.shape == (1,)
    assert short[0] == pytest.approx(shipped[0], abs=1e-6)
    assert shipped[-1] < shipped[0] - 0.1  # and the full run kept learning


@pytest.mark.skipif(os.environ.get("COURSE_FULL_TRAIN") != "1" and os.environ.get("CI") != "true",
                    reason="full retraining takes ~40 s (one core): set COURSE_FULL_TRAIN=1 to run it (CI always does)")
def test_the_command_reproduces_the_shipped_weights(tmp_path):
    fresh = run_command(tmp_path)
    with np.load(autocomplete.DEFAULT_PATH, allow_pickle=False) as shipped:
        assert sorted(fresh.files) == sorted(shipped.files)
        for k in shipped.files:
            np.testing.assert_array_equal(fresh[k], shipped[k], err_msg=k)


# ----------------------------------------------------------- bring your own text

STORY = ("The cat sat on the mat. The dog sat on the rug. The cat ate the fish. "
         "The dog ate the bone. A bird sat on the fence. The bird ate the seed. "
         "The cat saw the bird. The dog saw the cat.")


def test_train_on_text_learns_the_text_and_is_seeded():
    calls = []
    m1, h1 = autocomplete.train_on_text(STORY, steps=60, rng=np.random.default_rng(0),
                                        progress=lambda step, loss: calls.append(step))
    m2, h2 = autocomplete.train_on_text(STORY, steps=60, rng=np.random.default_rng(0))
    assert calls == list(range(1, 61))
    assert h1["loss"] == h2["loss"]
    assert np.mean(h1["loss"][-10:]) < 0.6 * h1["loss"][0]
    assert m1.complete("the dog", k=1)[0][0] in ("sat", "ate", "saw")
    assert m1.meta["words"] == len(STORY.replace(".", "").split())


def test_train_on_text_reads_a_file(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")
    for source in (path, str(path)):
        m, h = autocomplete.train_on_text(source, steps=5, rng=np.random.default_rng(0))
        assert len(h["loss"]) == 5 and "cat" in m.vocab


@pytest.mark.parametrize("content, words", [
    (b"", "is empty"), (b"   \n\n ", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text file"),
    (b"hello\x00world " * 20, "not a text file"),
    (b"Just a few words. Not enough here.", "too small"),
])
def test_train_on_text_explains_a_bad_file(tmp_path, content, words):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=words) as err:
        autocomplete.train_on_text(path, steps=5, rng=np.random.default_rng(0))
    assert "path_or_text" in str(err.value)


@pytest.mark.parametrize("source, exc, words", [
    ("", ValueError, "path_or_text is empty"), ("   ", ValueError, "path_or_text is empty"),
    ("one two. three", ValueError, "too small"), (Path("/nonexistent/x.txt"), FileNotFoundError, "no file at"),
    (123, TypeError, "path_or_text must be a str"),
    ("notes.txt", FileNotFoundError, "no file at notes.txt"), ("./missing/file", FileNotFoundError, "no file at"),
])
def test_train_on_text_explains_bad_text(source, exc, words):
    with pytest.raises(exc, match=words):
        autocomplete.train_on_text(source, steps=5, rng=np.random.default_rng(0))


def test_train_on_text_checks_steps_and_rng():
    with pytest.raises(ValueError, match="steps must be >= 1"):
        autocomplete.train_on_text(STORY, steps=0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        autocomplete.train_on_text(STORY, steps=5)


def test_temperature_sharpens_and_flattens(model):
    p1, cold, hot = (model.probs(FOOD, t) for t in (1.0, 0.25, 4.0))
    for p in (p1, cold, hot):
        assert p.shape == (model.V,) and abs(p.sum() - 1) < 1e-9
    np.testing.assert_allclose(p1, model.probs(FOOD))
    assert cold.max() > p1.max() > hot.max()
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.probs(FOOD, temperature=-1)
