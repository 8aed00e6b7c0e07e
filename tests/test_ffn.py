"""helpers.ffn: the toy task, the two-layer net's gradients, training, verdicts, char windows."""
import numpy as np
import pytest
import torch

from helpers import ffn, gradcheck


def problem(seed=0, N_per=20, H=7):
    rng = np.random.default_rng(seed)
    X, labels = ffn.spiral(N_per, 3, rng)
    params = ffn.init_params(2, H, 3, rng)
    params["Wy"] = rng.standard_normal(params["Wy"].shape)  # not tiny, so every gradient matters
    params["b"] = rng.standard_normal(H)
    params["by"] = rng.standard_normal(3)
    return X, labels, params


def test_spiral_shapes_labels_and_seed():
    X, labels = ffn.spiral(30, 4, np.random.default_rng(5))
    assert X.shape == (120, 2) and labels.shape == (120,)
    assert np.bincount(labels).tolist() == [30, 30, 30, 30]
    assert np.max(np.abs(X)) < 1.5
    X2, _ = ffn.spiral(30, 4, np.random.default_rng(5))
    np.testing.assert_array_equal(X, X2)
    X3, _ = ffn.spiral(30, 4, np.random.default_rng(6))
    assert not np.array_equal(X, X3)


def test_spiral_is_not_linearly_separable():
    # The best a linear classifier (H = 0 hidden layer: softmax regression) does is poor;
    # the hidden layer is what makes the task learnable.
    X, labels = ffn.spiral(50, 3, np.random.default_rng(0))
    W, b = np.zeros((2, 3)), np.zeros(3)
    for _ in range(2000):
        s = X @ W + b
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(len(labels)), labels] -= 1
        W -= 1.0 * X.T @ p / len(labels)
        b -= 1.0 * p.sum(0) / len(labels)
    assert np.mean(np.argmax(X @ W + b, axis=1) == labels) < 0.7
    params, losses = ffn.train(X, labels, H=64, lr=1.0, steps=2000, rng=np.random.default_rng(1))
    assert np.mean(np.argmax(ffn.predict_proba(params, X), axis=1) == labels) > 0.95


def test_initial_loss_is_about_log_V():
    X, labels = ffn.spiral(50, 3, np.random.default_rng(0))
    params = ffn.init_params(2, 16, 3, np.random.default_rng(1))
    L, _ = ffn.loss_and_grads(params, X, labels)
    assert abs(L - np.log(3)) < 0.02


@pytest.mark.parametrize("name", ["Wx", "b", "Wy", "by"])
def test_gradients_match_numerical(name):
    X, labels, params = problem()
    _, grads = ffn.loss_and_grads(params, X, labels)
    num = gradcheck.numerical_gradient(lambda _: ffn.loss_and_grads(params, X, labels)[0], params[name], np.array(1.0))
    assert gradcheck.rel_error(grads[name], num) < 1e-7


def test_fast_path_equals_layer_path():
    X, labels, params = problem(seed=3)
    L1, g1 = ffn.loss_and_grads(params, X, labels)
    L2, g2 = ffn._loss_and_grads_fast(params, X, labels)
    assert L1 == pytest.approx(L2, rel=1e-13)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-12, atol=1e-15)


def test_gradients_match_torch():
    X, labels, params = problem(seed=4)
    L, grads = ffn.loss_and_grads(params, X, labels)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    s = torch.tanh(torch.tensor(X) @ t["Wx"] + t["b"]) @ t["Wy"] + t["by"]
    Lt = torch.nn.functional.cross_entropy(s, torch.tensor(labels))
    Lt.backward()
    assert L == pytest.approx(Lt.item(), rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-10, atol=1e-14)


def test_train_reduces_loss_and_is_reproducible():
    X, labels = ffn.spiral(50, 3, np.random.default_rng(0))
    params, losses = ffn.train(X, labels, H=32, lr=1.0, steps=300, rng=np.random.default_rng(1))
    assert losses.shape == (301,)
    assert losses[-1] < 0.5 * losses[0]
    _, again = ffn.train(X, labels, H=32, lr=1.0, steps=300, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(losses, again)
    # losses[k] is the loss of the parameters after k updates: the returned params give the last one
    assert ffn.loss_and_grads(params, X, labels)[0] == pytest.approx(losses[-1], rel=1e-12)


def test_train_one_step_is_gradient_descent():
    X, labels = ffn.spiral(10, 3, np.random.default_rng(0))
    p0 = ffn.init_params(2, 5, 3, np.random.default_rng(2))
    _, g = ffn.loss_and_grads(p0, X, labels)
    p1, losses = ffn.train(X, labels, H=5, lr=0.5, steps=1, rng=np.random.default_rng(2))
    for k in p0:
        np.testing.assert_allclose(p1[k], p0[k] - 0.5 * g[k], rtol=1e-12, atol=1e-15)
    assert losses.shape == (2,)


@pytest.mark.parametrize("lr", [30.0, 1e3, 1e4])
def test_huge_learning_rate_stops_early_without_warnings(lr):
    X, labels = ffn.spiral(50, 3, np.random.default_rng(0))
    with np.errstate(all="raise"):  # no overflow, no invalid value, anywhere
        _, losses = ffn.train(X, labels, H=64, lr=lr, steps=300, rng=np.random.default_rng(1))
        text = ffn.verdict(losses, 300)
    assert len(losses) < 301
    assert "diverged" in text and "learning rate too large" in text


def test_verdicts_for_typical_settings():
    X, labels = ffn.spiral(50, 3, np.random.default_rng(0))

    def run(H, lr, steps=300):
        with np.errstate(all="raise"):
            return ffn.verdict(ffn.train(X, labels, H, lr, steps, np.random.default_rng(1))[1], steps)

    assert "converged" in run(64, 1.0, 1000)
    assert "stuck" in run(8, 1e-3)
    # H = 32 separates the spirals at lr = 0.7; at lr = 0.1 the loss is still on its plateau: "slow", not "poor fit"
    assert "still near its plateau" in run(32, 0.1)
    assert run(64, 1.0).startswith("final loss ")


def test_verdict_cases_on_synthetic_curves():
    steps = 100
    t = np.arange(steps + 1)
    assert "converged" in ffn.verdict(1.1 * np.exp(-t / 5) + 0.01, steps)
    assert "still learning" in ffn.verdict(1.1 - 0.008 * t, steps)
    assert "stuck" in ffn.verdict(1.1 - 0.0005 * t, steps)
    assert "poor fit" in ffn.verdict(0.5 + 0.6 * np.exp(-t / 5), steps)
    assert "still near its plateau" in ffn.verdict(0.75 + 0.35 * np.exp(-t / 5), steps)
    assert "unstable" in ffn.verdict(0.4 + 0.2 * (t % 2), steps)
    assert "ended higher" in ffn.verdict(1.1 + 0.01 * t, steps)
    assert "diverged at step 3" in ffn.verdict(np.array([1.1, 2.0, 5.0, np.inf]), steps)
    assert "too few steps" in ffn.verdict(np.array([1.1, 1.0]), 1)


@pytest.mark.parametrize("call, match", [
    (lambda X, labels: ffn.train(X, labels, 0, 1.0, 10, np.random.default_rng(0)), "H must be >= 1"),
    (lambda X, labels: ffn.train(X, labels, 4, -1.0, 10, np.random.default_rng(0)), "lr must be > 0"),
    (lambda X, labels: ffn.train(X, labels, 4, 1.0, 10, 0), "rng must be a np.random.Generator"),
    (lambda X, labels: ffn.train(X, labels[:-1], 4, 1.0, 10, np.random.default_rng(0)), r"labels must be an integer array of shape \(N,\)"),
    (lambda X, labels: ffn.train(X[:, 0], labels, 4, 1.0, 10, np.random.default_rng(0)), r"x must have 2 dimensions \(N, D\)"),
    (lambda X, labels: ffn.forward({"Wx": 1}, X), "params must be a dict with keys"),
    (lambda X, labels: ffn.verdict([], 3), "losses must hold at least one value"),
])
def test_bad_arguments_are_named(call, match):
    X, labels = ffn.spiral(5, 3, np.random.default_rng(0))
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, labels)


def test_char_windows_contexts_and_targets():
    words = ["new", "neuron"]
    vocab = ffn.char_vocab(words)
    X, labels, ctx = ffn.char_windows(words, 2, vocab)
    V = len(vocab)
    assert X.shape == (4 + 7, 2 * V) and labels.shape == (11,)
    assert ctx[:4] == ["^^", "^n", "ne", "ew"]
    assert vocab.decode(labels[:4]) == ["n", "e", "w", "$"]
    # row 2 is the window "ne": a 1 at "n" in the first block and at "e" in the second
    assert X[2, vocab.stoi["n"]] == 1 and X[2, V + vocab.stoi["e"]] == 1 and X[2].sum() == 2
    np.testing.assert_array_equal(ffn.encode_context("ne", 2, vocab), X[2:3])
    np.testing.assert_array_equal(ffn.encode_context("zzne"[2:], 2, vocab), X[2:3])
    np.testing.assert_array_equal(ffn.encode_context("", 2, vocab), X[0:1])


def test_fixed_window_sees_only_its_window():
    # Width 1: after "neur" and after "heur" the input row is identical, so is the prediction.
    words = ["neuron", "heuristic", "bird"]
    vocab = ffn.char_vocab(words)
    X, labels, _ = ffn.char_windows(words, 1, vocab)
    params, _ = ffn.train(X, labels, 16, 1.0, 200, np.random.default_rng(0), V=len(vocab))
    p1 = ffn.predict_proba(params, ffn.encode_context("neur", 1, vocab))
    p2 = ffn.predict_proba(params, ffn.encode_context("heur", 1, vocab))
    np.testing.assert_array_equal(p1, p2)
    # Width 4 tells them apart and learns both continuations.
    X, labels, _ = ffn.char_windows(words, 4, vocab)
    params, _ = ffn.train(X, labels, 32, 1.0, 400, np.random.default_rng(0), V=len(vocab))
    assert ffn.predict_proba(params, ffn.encode_context("neur", 4, vocab))[0, vocab.stoi["o"]] > 0.8
    assert ffn.predict_proba(params, ffn.encode_context("heur", 4, vocab))[0, vocab.stoi["i"]] > 0.8


def test_char_helpers_reject_bad_input():
    with pytest.raises(TypeError, match="words must be a list of non-empty strings"):
        ffn.char_vocab("neuron")
    vocab = ffn.char_vocab(["ab"])
    with pytest.raises(ValueError, match="width must be >= 1"):
        ffn.char_windows(["ab"], 0, vocab)
    with pytest.raises(TypeError, match="vocab must be a helpers.data.Vocab"):
        ffn.char_windows(["ab"], 1, {"a": 0})
