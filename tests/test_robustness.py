"""Files, divergence and edge cases: readable errors, never a half-written file."""
import os

import numpy as np
import pytest

from helpers import autocomplete, lm, lstm, optim, rnn
from helpers.data import Vocab


@pytest.fixture(scope="module")
def small_model():
    rng = np.random.default_rng(0)
    vocab = Vocab("las vegas new york".split(), unk=True)
    return lm.init_params(len(vocab), 4, 3, rng), vocab


def test_truncated_file_gets_a_clear_error(small_model, tmp_path):
    params, vocab = small_model
    good = tmp_path / "model.npz"
    lm.save(good, params, vocab)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ValueError, match="cut short"):
        lm.load(cut)


def test_non_npz_file_gets_a_clear_error(tmp_path):
    bad = tmp_path / "notes.npz"
    bad.write_text("these are my notes, not a model\n" * 20)
    with pytest.raises(ValueError, match="not an .npz"):
        lm.load(bad)


def test_another_models_file_gets_a_clear_error(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, Wx=np.zeros((2, 8)), Wh=np.zeros((2, 8)))
    with pytest.raises(ValueError, match="not a saved language model"):
        lm.load(other)


def test_wrong_shapes_and_wrong_vocabulary_get_clear_errors(small_model, tmp_path):
    params, vocab = small_model
    bad = dict(params, Wh=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="Wh"):
        lm.save(tmp_path / "x.npz", bad, vocab)
    bigger = Vocab("las vegas new york city".split(), unk=True)
    path = tmp_path / "mismatch.npz"
    lm.save(path, params, vocab)
    with np.load(path) as z:
        arrays = dict(z)
    arrays["vocab"] = np.array(bigger.itos, dtype=str)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="vocabulary has 6 words but the weights expect V = 5"):
        lm.load(path)


def test_failed_save_leaves_the_good_file_in_place(small_model, tmp_path, monkeypatch):
    params, vocab = small_model
    path = tmp_path / "model.npz"
    lm.save(path, params, vocab)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        lm.save(path, params, vocab)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]  # no temporary file left behind


def test_pretrained_loads_without_pickle():
    model = autocomplete.load_pretrained()
    assert model.complete("las", k=1)[0][0] == "vegas"


def test_diverging_training_stops_with_a_readable_message():
    grads = {"W": np.array([1e308, -1e308, np.inf])}
    with pytest.raises(ValueError, match="diverged"):
        optim.clip_by_global_norm(grads, 5.0)
    with pytest.raises(ValueError, match="diverged"):
        optim.clip_by_value({"W": np.array([np.nan])}, 5.0)


def test_huge_gradients_clip_without_overflow():
    grads = {"W": np.array([1e200, -1e200]), "b": np.array([3e199])}
    with np.errstate(all="raise"):
        norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(1e200 * np.sqrt(2.09), rel=1e-12)
    assert optim.global_norm(grads) == pytest.approx(1.0)


def test_large_learning_rate_in_the_language_model_stops_readably(small_model):
    params, vocab = small_model
    params = {k: v.copy() for k, v in params.items()}
    x = np.array([[1, 2, 3, 4]] * 4)
    y = np.array([[2, 3, 4, 1]] * 4)
    mask = np.ones_like(x, dtype=float)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            lm.train(params, x, y, mask, epochs=50, N=4, lr=1e6, rng=np.random.default_rng(0))
    except ValueError as err:  # allowed: a readable stop
        assert "diverged" in str(err) or "NaN" in str(err)
    except FloatingPointError as err:  # not allowed: a raw numpy overflow
        pytest.fail(f"raw floating-point error instead of a readable message: {err}")


@pytest.mark.parametrize("mod,gates", [(rnn, 1), (lstm, 4)])
def test_float32_throughout_and_one_unit_everything(mod, gates):
    x = np.ones((1, 1, 1), np.float32)
    h0 = np.zeros((1, 1), np.float32)
    W = np.full((1, gates), 0.5, np.float32)
    h, cache = mod.forward(x, h0, W, W.copy(), np.zeros(gates, np.float32))
    assert h.shape == (1, 1, 1) and h.dtype == np.float32
    grads = mod.backward(np.ones_like(h), cache)
    assert all(g.dtype == np.float32 for g in grads)
