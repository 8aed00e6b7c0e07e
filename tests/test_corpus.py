"""The generated query corpus: deterministic, varied, and built so context matters."""
import numpy as np
import pytest

from helpers import corpus, text


def test_generate_is_deterministic_and_seeded():
    a = corpus.generate(200, np.random.default_rng(3))
    b = corpus.generate(200, np.random.default_rng(3))
    c = corpus.generate(200, np.random.default_rng(4))
    assert a == b
    assert a != c
    assert len(a) == 200 and all(isinstance(q, str) and q for q in a)


def test_queries_are_already_in_tokenized_form():
    for q in corpus.generate(300, np.random.default_rng(0)):
        assert " ".join(text.tokenize(q)) == q


def test_generate_rejects_bad_arguments():
    with pytest.raises(TypeError, match="rng"):
        corpus.generate(5, 0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        corpus.generate(-1, np.random.default_rng(0))
    with pytest.raises(TypeError, match="n must be an integer"):
        corpus.generate(2.5, np.random.default_rng(0))


@pytest.fixture(scope="module")
def split():
    return corpus.load_split(seed=0)


def test_load_split_sizes_and_determinism(split):
    train, valid, test = split
    assert (len(train), len(valid), len(test)) == (20000, 2000, 2000)
    again = corpus.load_split(seed=0)
    assert again[2] == test and again[0][:50] == train[:50]
    other = corpus.load_split(seed=1)
    assert other[2] != test
    assert all(isinstance(w, str) for s in train[:100] for w in s)


def test_corpus_is_varied(split):
    train, _, test = split
    vocab = {w for s in train for w in s}
    assert 150 <= len(vocab) <= 400
    seen = {tuple(s) for s in train}
    repeated = np.mean([tuple(s) in seen for s in test])
    assert repeated < 0.35, f"{repeated:.0%} of test queries occur verbatim in train"


def test_las_is_mostly_followed_by_vegas_but_not_always(split):
    train = split[0]
    f = corpus.followers(train, "las")
    share = f["vegas"] / sum(f.values())
    assert 0.5 < share < 0.8
    assert f["palmas"] > 100 and f["cruces"] > 100


def test_the_deciding_word_lies_three_or_more_words_back(split):
    """After "in las" the topic word, not the last two words, decides the city."""
    train = split[0]
    by_topic = {"food": "vegas", "beaches": "palmas", "student": "cruces"}
    for topic, city in by_topic.items():
        counts = {"vegas": 0, "palmas": 0, "cruces": 0}
        for s in train:
            for t in range(2, len(s) - 1):
                if s[t - 1:t + 1] == ["in", "las"] and topic in s[:t - 2]:
                    counts[s[t + 1]] += 1
        assert max(counts, key=counts.get) == city, (topic, counts)
        assert counts[city] / sum(counts.values()) > 0.8, (topic, counts)
    # ... while the two words before the gap alone favour vegas for everything.
    f = corpus.followers(train, "in las")
    assert f.most_common(1)[0][0] == "vegas"


def test_followers_validates_context():
    with pytest.raises(ValueError, match="context"):
        corpus.followers([["a", "b"]], "")
    assert corpus.followers([["a", "b", "a", "c"]], "a") == {"b": 1, "c": 1}
