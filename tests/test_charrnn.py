"""helpers.charrnn: the char RNN on the standard library's docstrings, its batching, and the shipped run."""
import os

import numpy as np
import pytest

from helpers import charrnn, gradcheck, rnn, stdlib_text

TEXT = "The cat sat on the mat.\nReturn the value of x.\n" * 20
IDS = charrnn.encode(TEXT)


def params64(H=5, seed=0):
    return {k: v.astype(np.float64) for k, v in charrnn.init_params(H, np.random.default_rng(seed)).items()}


def test_encode_matches_the_char_vocab_and_decodes_back():
    text = stdlib_text.CHARS + "Return x.\n"
    np.testing.assert_array_equal(charrnn.encode(text), stdlib_text.char_vocab().encode(list(text)))
    assert charrnn.decode(charrnn.encode(text)) == text


@pytest.mark.parametrize("bad, words", [("caf\u00e9", "position 3"), ("a\tb", "position 1"), (b"ab", "must be a str")])
def test_encode_names_the_bad_character(bad, words):
    with pytest.raises((ValueError, TypeError), match=words):
        charrnn.encode(bad)


def test_the_first_loss_is_about_ln_V():
    p = charrnn.init_params(32, np.random.default_rng(0))
    x, y = IDS[:-1].reshape(1, -1)[:, :200], IDS[1:].reshape(1, -1)[:, :200]
    loss, _, _ = charrnn.loss_and_grads(p, x, y, np.zeros((1, 32), np.float32))
    assert abs(loss - np.log(charrnn.V)) < 0.3


@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_match_numerical_ones(seed):
    rng = np.random.default_rng(seed)
    p = params64(H=5, seed=seed)
    x, y = rng.integers(0, charrnn.V, (3, 4)), rng.integers(0, charrnn.V, (3, 4))
    h0 = 0.3 * rng.standard_normal((3, 5))
    _, grads, h_last = charrnn.loss_and_grads(p, x, y, h0)
    for k in charrnn.KEYS:
        loss_at = lambda _: np.array(charrnn.loss_and_grads(p, x, y, h0)[0])  # noqa: E731 (reads p[k] in place)
        num = gradcheck.numerical_gradient(loss_at, p[k], np.array(1.0))
        assert gradcheck.rel_error(grads[k], num) < 1e-6, k
    h, _ = rnn.forward(np.eye(charrnn.V)[x], h0, p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(h_last, h[:, -1])
    assert h_last.flags.writeable  # a copy of its own, safe to carry


def test_sequential_batches_continue_each_row_and_random_ones_start_fresh():
    seq = charrnn.batches(IDS, 4, 7, "sequential")
    per_pass = (len(IDS) - 1) // 4 // 7
    got = [next(seq) for _ in range(per_pass + 2)]
    assert [fresh for _, _, fresh in got] == [True] + [False] * (per_pass - 1) + [True, False]
    for (x0, y0, _), (x1, _, _) in zip(got[:per_pass - 1], got[1:per_pass]):
        np.testing.assert_array_equal(x0[:, 1:], y0[:, :-1])  # y is x shifted by one
        np.testing.assert_array_equal(x1[:, 0], y0[:, -1])  # the next batch starts where this one ended
    rand = charrnn.batches(IDS, 4, 7, "random", np.random.default_rng(0))
    assert all(next(rand)[2] for _ in range(5))


def test_training_carries_the_state_in_sequential_mode_only():
    """train() gives what a hand-written loop gives: carried state (sequential) or zeros (random)."""
    import helpers.optim as optim
    for mode in charrnn.MODES:
        p, q = charrnn.init_params(8, np.random.default_rng(2)), charrnn.init_params(8, np.random.default_rng(2))
        curve = charrnn.train(p, IDS, 6, N=3, T=5, lr=1e-2, mode=mode, rng=np.random.default_rng(3), record_every=1)
        stream = charrnn.batches(IDS, 3, 5, mode, np.random.default_rng(3))
        h, state = np.zeros((3, 8), np.float32), None
        for s in range(6):
            x, y, _ = next(stream)
            h = h if (mode == "sequential" and s > 0) else np.zeros((3, 8), np.float32)
            loss, grads, h = charrnn.loss_and_grads(q, x, y, h)
            optim.clip_by_global_norm(grads, 5.0)
            state = optim.adam(q, grads, state, lr=1e-2)
            assert curve["loss"][s] == pytest.approx(loss, rel=1e-6), (mode, s)
        for k in charrnn.KEYS:
            np.testing.assert_allclose(p[k], q[k], rtol=1e-6)


def test_training_learns_a_repetitive_text():
    p = charrnn.init_params(32, np.random.default_rng(0))
    curve = charrnn.train(p, IDS, 150, N=4, T=20, lr=1e-2, record_every=10)
    assert curve["loss"][0] > 3.5 and curve["loss"][-1] < 0.2
    assert charrnn.evaluate(p, IDS, N=2, T=10) < 0.2


def test_evaluate_carried_is_one_long_pass_and_zero_state_restarts_every_window():
    p = charrnn.init_params(6, np.random.default_rng(1))
    N, T = 2, 9
    steps = ((len(IDS) - 1) // N) // T * T
    streams = IDS[:N * ((len(IDS) - 1) // N)].reshape(N, -1)[:, :steps]
    targets = IDS[1:N * ((len(IDS) - 1) // N) + 1].reshape(N, -1)[:, :steps]

    def nll(x, y):
        logits, _, _ = charrnn.forward(p, x, np.zeros((x.shape[0], 6), np.float32))
        z = logits.astype(np.float64)
        logp = z - z.max(-1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
        return -np.take_along_axis(logp, y[..., None], -1).mean()

    assert charrnn.evaluate(p, IDS, carried=True, N=N, T=T) == pytest.approx(nll(streams, targets), rel=1e-5)
    windows = streams.reshape(N, -1, T).transpose(1, 0, 2).reshape(-1, T)
    win_targets = targets.reshape(N, -1, T).transpose(1, 0, 2).reshape(-1, T)
    assert charrnn.evaluate(p, IDS, carried=False, N=N, T=T) == pytest.approx(nll(windows, win_targets), rel=1e-5)
    by_position = charrnn.evaluate(p, IDS, carried=False, N=N, T=T, per_position=True)
    assert by_position.shape == (T,) and by_position.mean() == pytest.approx(nll(windows, win_targets), rel=1e-5)
    assert by_position[3] == pytest.approx(_position_nll(p, windows, win_targets, 3), rel=1e-5)


def _position_nll(p, x, y, t):
    logits, _, _ = charrnn.forward(p, x, np.zeros((x.shape[0], p["Wh"].shape[0]), np.float32))
    z = logits[:, t].astype(np.float64)
    logp = z - z.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    return -logp[np.arange(len(y)), y[:, t]].mean()


def test_real_word_share_counts_words_of_the_text():
    assert charrnn.real_word_share("the cat, the dgo! a", TEXT) == (0.75, 4)  # "a" is too short to count
    assert charrnn.real_word_share("x at", TEXT, min_letters=1) == (0.5, 2)  # "at" is only inside "cat"
    with pytest.raises(ValueError, match="at least one word"):
        charrnn.real_word_share("123 ... a", TEXT)


def test_sample_is_reproducible_and_cold_sampling_is_greedy():
    p = charrnn.init_params(16, np.random.default_rng(0))
    charrnn.train(p, IDS, 100, N=4, T=20, lr=1e-2)
    a = charrnn.sample(p, 60, 1.0, np.random.default_rng(5), prime="The ")
    assert a == charrnn.sample(p, 60, 1.0, np.random.default_rng(5), prime="The ") and len(a) == 60
    assert set(a) <= set(stdlib_text.CHARS)
    greedy, text = charrnn.sample(p, 30, 1e-3, np.random.default_rng(0), prime="The "), "The "
    for _ in range(30):  # argmax, character by character, from a full forward pass over what is written so far
        logits, _, _ = charrnn.forward(p, charrnn.encode(text)[None], np.zeros((1, 16), np.float32))
        text += stdlib_text.CHARS[int(np.argmax(logits[0, -1]))]
    assert greedy == text[4:]


@pytest.mark.parametrize("kwargs, words", [
    (dict(temperature=0), "temperature"), (dict(temperature=-1), "temperature"), (dict(n=0), "n must"),
    (dict(prime=""), "prime must"), (dict(prime="na\u00efve"), "position 2"), (dict(rng=0), "rng"),
])
def test_sample_bad_input_gets_a_clear_error(kwargs, words):
    p = charrnn.init_params(4, np.random.default_rng(0))
    args = dict(n=5, temperature=1.0, rng=np.random.default_rng(0), prime="\n") | kwargs
    with pytest.raises((ValueError, TypeError), match=words):
        charrnn.sample(p, **args)


def test_bad_params_ids_and_modes_get_clear_errors():
    p = charrnn.init_params(4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="keys"):
        charrnn.evaluate({k: v for k, v in p.items() if k != "c"}, IDS)
    with pytest.raises(ValueError, match=r"ids must hold ids in \[0, V\)"):
        charrnn.evaluate(p, np.array([0, 1, 96] * 400))
    with pytest.raises(ValueError, match="mode"):
        charrnn.train(p, IDS, 3, mode="shuffled")
    with pytest.raises(ValueError, match="too few"):
        charrnn.train(p, IDS[:50], 3, N=8, T=10)
    with pytest.raises(ValueError, match="x must be a 2-D"):
        charrnn.forward(p, IDS[:10], np.zeros((1, 4)))
    with pytest.raises(ValueError, match="h0 must have shape"):
        charrnn.forward(p, IDS[None, :10], np.zeros((1, 5)))


# ----------------------------------------------------------------------------
# The shipped run (helpers/data/charrnn.npz, made by python -m helpers.charrnn)
# ----------------------------------------------------------------------------

def _same_text_or_skip(info):
    here = stdlib_text.fingerprint()
    if here != info["fingerprint"]:
        message = (f"the shipped char RNN was trained on {info['fingerprint']!r}; this Python's text is {here!r}, "
                   "so retraining cannot reproduce it")
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI=true: CI must run the Python the shipped run was made with)")
        pytest.skip(message)


def test_shipped_file_is_small_and_holds_no_pickle():
    assert charrnn.DATA_FILE.stat().st_size < 2e6
    runs, info = charrnn.load()  # allow_pickle=False
    assert set(runs) == set(charrnn.MODES) and info["updates"] == charrnn.SHIPPED["updates"]
    for params, curve in runs.values():
        assert params["Wh"].shape == (charrnn.SHIPPED["H"],) * 2 and params["Wh"].dtype == np.float32
        assert curve["step"][-1] == charrnn.SHIPPED["updates"]


def test_shipped_run_is_what_the_script_makes():
    """The first 100 updates of both modes, retrained here, match the stored training curves."""
    runs, info = charrnn.load()
    _same_text_or_skip(info)
    train_ids = charrnn.split(frac=charrnn.SHIPPED["valid_frac"])[0]
    for mode in charrnn.MODES:
        _, curve = charrnn.shipped_run(mode, updates=100, train_ids=train_ids)
        n = len(curve["step"])
        np.testing.assert_array_equal(curve["step"], runs[mode][1]["step"][:n])
        np.testing.assert_allclose(curve["loss"], runs[mode][1]["loss"][:n], rtol=1e-4)


def test_shipped_model_writes_mostly_words_of_the_text():
    runs, info = charrnn.load()
    _same_text_or_skip(info)
    train, _ = stdlib_text.train_valid_split(stdlib_text.corpus())
    text = charrnn.sample(runs["sequential"][0], 2000, 0.6, np.random.default_rng(0))
    share, count = charrnn.real_word_share(text, train)
    assert count > 200 and share > 0.85  # 150 updates give about 0.3


def test_another_pythons_text_skips_the_shipped_tests_except_under_ci(monkeypatch):
    info = {"fingerprint": "CPython 9.9.9: 1 characters, sha256 00000000"}
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="CPython 9.9.9"):
        _same_text_or_skip(info)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        _same_text_or_skip(info)
