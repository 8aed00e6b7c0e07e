"""helpers.lm: the word-level LSTM language model (shapes, gradients, training, files)."""
import os
import stat

import numpy as np
import pytest

from helpers import gradcheck, lm

SENTS = [["best", "food", "in", "las", "vegas"], ["beaches", "in", "las", "palmas"],
         ["best", "beaches", "in", "las", "palmas"], ["food", "in", "las", "vegas"]]


def small_model(seed=0, D=3, H=4, dtype=np.float64):
    vocab = lm.build_vocab(SENTS)
    params = lm.init_params(len(vocab), D, H, np.random.default_rng(seed), dtype=dtype)
    return params, vocab


def test_vocab_and_encode():
    vocab = lm.build_vocab(SENTS)
    assert vocab.itos[:3] == ["<unk>", "<s>", "</s>"]
    assert vocab.itos[3:5] == ["in", "las"]  # most frequent first, ties alphabetical
    assert len(vocab) == 3 + len({w for s in SENTS for w in s})
    x, targets, mask = lm.encode([["in", "las"], ["food", "in", "las", "nowhere"]], vocab)
    assert x.shape == targets.shape == mask.shape == (2, 5)
    assert vocab.decode(x[0, :3]) == ["<s>", "in", "las"]
    assert vocab.decode(targets[0, :3]) == ["in", "las", "</s>"]
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert vocab.decode(targets[1])[3] == "<unk>"  # unseen word
    assert lm.build_vocab(SENTS, min_count=2).itos[3:] == ["in", "las", "beaches", "best", "food", "palmas", "vegas"]


def test_forward_shapes_and_initial_loss_near_log_V():
    params, vocab = small_model()
    x, targets, mask = lm.encode(SENTS, vocab)
    logits, cache = lm.forward(params, x)
    assert logits.shape == (4, 6, len(vocab))
    assert cache["hT"].shape == cache["cT"].shape == (4, 4)
    loss, grads, _ = lm.loss_and_grads(params, x, targets, mask)
    assert abs(loss - np.log(len(vocab))) < 0.3
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in params.items()}


def test_gradients_match_numerical_gradients():
    params, vocab = small_model(seed=1)
    x, targets, mask = lm.encode(SENTS, vocab)
    h0 = np.random.default_rng(2).normal(size=(4, 4))
    c0 = np.random.default_rng(3).normal(size=(4, 4))
    _, grads, _ = lm.loss_and_grads(params, x, targets, mask, h0, c0)
    for k in params:
        num = gradcheck.numerical_gradient(lambda _: lm.loss_and_grads(params, x, targets, mask, h0, c0)[0],
                                           params[k], np.array(1.0))
        assert gradcheck.rel_error(grads[k], num) < 1e-7, k  # the course's rule: below 1e-7 in float64


def test_masked_positions_do_not_change_the_loss():
    params, vocab = small_model()
    x, targets, mask = lm.encode(SENTS, vocab)
    x2, targets2 = x.copy(), targets.copy()
    x2[mask == 0] = 3
    targets2[mask == 0] = 4
    loss, loss_changed_padding = (lm.loss_and_grads(params, x, targets, mask)[0],
                                  lm.loss_and_grads(params, x2, targets2, mask)[0])
    assert loss == pytest.approx(loss_changed_padding)


def test_carrying_h_and_c_across_chunks_equals_one_long_forward():
    """Truncated BPTT keeps the forward pass exact; only the gradient is cut."""
    params, vocab = small_model()
    x, _, _ = lm.encode(SENTS, vocab)
    full, _ = lm.forward(params, x)
    first, cache = lm.forward(params, x[:, :2])
    second, _ = lm.forward(params, x[:, 2:], cache["hT"], cache["cT"])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, atol=1e-12)


def test_truncated_gradient_differs_from_full_but_loss_history_is_finite():
    params, vocab = small_model()
    data = lm.encode(SENTS * 4, vocab)
    p_full = {k: v.copy() for k, v in params.items()}
    p_trunc = {k: v.copy() for k, v in params.items()}
    h1 = lm.train(p_full, *data, N=16, rng=np.random.default_rng(0), max_steps=1)
    h2 = lm.train(p_trunc, *data, N=16, bptt=2, rng=np.random.default_rng(0), max_steps=1)
    assert h1["loss"][0] != h2["loss"][0]  # bptt=2 scored only the first two steps
    assert not np.allclose(p_full["Wh"], p_trunc["Wh"])


def test_training_lowers_the_loss_and_is_deterministic():
    results = []
    for _ in range(2):
        params, vocab = small_model(D=8, H=16)
        data = lm.encode(SENTS * 8, vocab)
        before = lm.mean_loss(params, *data)
        hist = lm.train(params, *data, epochs=30, N=8, lr=1e-2, rng=np.random.default_rng(5))
        after = lm.mean_loss(params, *data)
        results.append((params, hist))
        assert after < 0.5 * before
        assert len(hist["loss"]) == len(hist["grad_norm"]) == 30 * 4
    for k in results[0][0]:
        np.testing.assert_array_equal(results[0][0][k], results[1][0][k])


def test_clipping_keeps_updates_bounded():
    params, vocab = small_model()
    params["Wy"] *= 50  # huge scores -> huge gradients
    data = lm.encode(SENTS, vocab)
    before = {k: v.copy() for k, v in params.items()}
    hist = lm.train(params, *data, N=4, lr=1e-3, max_norm=1.0, rng=np.random.default_rng(0), max_steps=1)
    assert hist["grad_norm"][0] > 1.0  # the norm before clipping is reported
    for k in params:  # Adam's first step moves each entry by at most about lr
        assert np.max(np.abs(params[k] - before[k])) <= 1.01e-3


def test_mean_loss_is_the_token_weighted_mean():
    params, vocab = small_model()
    x, targets, mask = lm.encode(SENTS, vocab)
    logits, _ = lm.forward(params, x)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -np.sum(np.take_along_axis(logp, targets[..., None], -1)[..., 0] * mask) / mask.sum()
    assert lm.mean_loss(params, x, targets, mask, N=3) == pytest.approx(want, rel=1e-12)


def test_save_load_round_trip_is_exact_and_atomic(tmp_path):
    params, vocab = small_model(dtype=np.float32)
    path = tmp_path / "m.npz"
    lm.save(path, params, vocab, seed=3, lr=0.5, history=np.array([2.0, 1.0]))
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # no temporary file left behind
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    with np.load(path, allow_pickle=False) as z:
        assert z["vocab"].dtype.kind == "U"
    p2, v2, meta = lm.load(path)
    assert v2.itos == vocab.itos
    for k in params:
        assert p2[k].dtype == np.float32
        np.testing.assert_array_equal(p2[k], params[k])
    assert meta["seed"] == 3 and meta["lr"] == 0.5 and meta["history"].tolist() == [2.0, 1.0]


def test_bad_inputs_name_the_argument():
    params, vocab = small_model()
    x, targets, mask = lm.encode(SENTS, vocab)
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        lm.forward({"Wx": params["Wx"]}, x)
    bad = dict(params, Wy=params["Wy"][:, :3])
    with pytest.raises(ValueError, match=r"Wy must have shape \(H, V\)"):
        lm.forward(bad, x)
    with pytest.raises(ValueError, match=r"x must be an integer array of word ids with shape \(N, T\)"):
        lm.forward(params, x.astype(float))
    with pytest.raises(ValueError, match="ids must lie in"):
        lm.forward(params, x + 100)
    with pytest.raises(TypeError, match="rng"):
        lm.init_params(5, 2, 3, rng=0)
    with pytest.raises(TypeError, match="rng"):
        lm.train(params, x, targets, mask)
    with pytest.raises(ValueError, match="bptt must be >= 1"):
        lm.train(params, x, targets, mask, bptt=0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="sentences must hold at least one"):
        lm.encode([], vocab)


def test_matches_torch_embedding_lstm_linear():
    torch = pytest.importorskip("torch")
    params, vocab = small_model(seed=4)
    x, targets, mask = lm.encode(SENTS, vocab)
    V, D, H = lm.sizes(params)
    emb, rnn, lin = torch.nn.Embedding(V, D).double(), torch.nn.LSTM(D, H, batch_first=True).double(), \
        torch.nn.Linear(H, V).double()
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(params["W_embed"]))
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["Wx"].T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["Wh"].T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["b"]))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(params["Wy"].T.copy()))
        lin.bias.copy_(torch.from_numpy(params["by"]))
    out = lin(rnn(emb(torch.from_numpy(x)))[0])
    m = torch.from_numpy(mask).double()
    nll = torch.nn.functional.cross_entropy(out.reshape(-1, V), torch.from_numpy(targets).reshape(-1),
                                          reduction="none")
    loss_t = (nll * m.reshape(-1)).sum() / m.sum()
    loss_t.backward()
    loss, grads, _ = lm.loss_and_grads(params, x, targets, mask)
    assert loss == pytest.approx(loss_t.item(), abs=1e-12)
    np.testing.assert_allclose(grads["Wx"], rnn.weight_ih_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(grads["W_embed"], emb.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["Wy"], lin.weight.grad.numpy().T, atol=1e-12)
