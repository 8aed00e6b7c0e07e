"""helpers.data and helpers.text."""
import numpy as np
import pytest

from helpers import data, text


def test_vocab_round_trip_and_unk():
    v = data.Vocab("the cat sat on the mat".split(), unk=True)
    assert len(v) == 6 and v.itos[0] == data.UNK
    ids = v.encode(["the", "dog"])
    assert list(ids) == [1, 0]
    assert v.decode(v.encode(["cat", "mat"])) == ["cat", "mat"]
    with pytest.raises(KeyError, match="dog"):
        data.Vocab(["a"]).encode(["dog"])


def test_vocab_of_one_word():
    v = data.Vocab(["hello"] * 3)
    assert len(v) == 1 and list(v.encode(["hello"])) == [0]


def test_one_hot():
    x = data.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert x.shape == (2, 2, 3)
    np.testing.assert_array_equal(x[0, 1], [0, 0, 1])
    assert x.sum() == 4


def test_windows():
    X, y = data.windows(np.arange(6), 3)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    np.testing.assert_array_equal(y, [3, 4, 5])


def test_lm_batches_shift_by_one_and_continue_rows():
    ids = np.arange(41)
    batches = list(data.lm_batches(ids, N=2, T=5))
    assert len(batches) == 4
    x0, y0 = batches[0]
    np.testing.assert_array_equal(y0, x0 + 1)
    np.testing.assert_array_equal(batches[1][0][:, 0], x0[:, -1] + 1)  # row continues


def test_adding_problem():
    rng = np.random.default_rng(0)
    x, y = data.adding_problem(500, 20, rng)
    assert x.shape == (500, 20, 2) and y.shape == (500,)
    assert np.all(x[..., 1].sum(axis=1) == 2)
    assert np.all(x[:, :10, 1].sum(axis=1) == 1)  # one marker in each half
    np.testing.assert_allclose(y, (x[..., 0] * x[..., 1]).sum(axis=1))
    # Predicting the mean 1 gives an MSE near 1/6.
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03
    x2, _ = data.adding_problem(500, 20, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)  # seeded by rng only


def test_copy_task():
    x, y = data.copy_task(4, 13, 3, np.random.default_rng(1))
    assert x.shape == (4, 13, 10) and y.shape == (4, 13)
    sym = x[:, :3].argmax(-1)
    np.testing.assert_array_equal(y[:, -3:], sym)
    assert np.all(x[:, 10].argmax(-1) == 9)  # the go marker at K + lag


def test_tokenize():
    assert text.tokenize("  What’s the best food to eat in Las ") == ["what's", "the", "best", "food", "to", "eat", "in", "las"]
    assert text.tokenize("") == []
