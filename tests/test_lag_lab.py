"""helpers.lag_lab: the gradient through time against numerical gradients, parameter
counts against the weights (and torch), the three models' loss gradients, the shipped
runs against a retrained prefix, and what notebook 08 claims about them."""
import numpy as np
import pytest

from helpers import data, gradcheck, gru, gru_views, lag_lab, lstm_lab, rnn


def _problem(kind, T=6, D=3, H=4, seed=0, bias=1.0):
    rng = np.random.default_rng(seed)
    weights = (lag_lab.random_gru(D, H, rng, update_bias=bias) if kind == "gru"
               else lstm_lab.random_params("rnn", D, H, rng))
    return rng.standard_normal((1, T, D)), weights, rng.standard_normal(H)


@pytest.mark.parametrize("kind", ["rnn", "gru"])
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_through_time_matches_numerical(kind, seed):
    """Nudge h_k, run the rest of the sequence forward, compare the slope's norm with the reported one."""
    T = 6
    x, weights, w = _problem(kind, T, seed=seed)
    norms = lag_lab.gradient_through_time(kind, x, weights, w)
    layer = gru if kind == "gru" else rnn
    H = w.size
    h, _ = layer.forward(x, np.zeros((1, H)), *weights)
    hs = np.concatenate([np.zeros((1, 1, H)), h], axis=1)  # h_0 .. h_T
    for k in range(T + 1):
        s = hs[:, k].copy()

        def loss(s):
            return (layer.forward(x[:, k:], s, *weights)[0][:, -1] @ w) if k < T else s @ w

        num = gradcheck.numerical_gradient(loss, s, np.ones(1))
        assert np.linalg.norm(num) == pytest.approx(norms[k], rel=1e-6), k


def test_gradient_through_time_rnn_agrees_with_lstm_lab():
    x, weights, w = _problem("rnn", T=9)
    np.testing.assert_allclose(lag_lab.gradient_through_time("rnn", x, weights, w),
                               lstm_lab.gradient_through_time("rnn", x, *weights, w), rtol=1e-12)


def test_update_bias_keeps_the_gradient():
    """Section 3's claim: z near 1 keeps a gradient over 100 steps that z near 0.5 and a tanh RNN lose."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 100, 4)), rng.standard_normal(32)
    ratio = {}
    for bias in (0.0, 4.0):
        n = lag_lab.gradient_through_time("gru", x, lag_lab.random_gru(4, 32, np.random.default_rng(1),
                                                                        update_bias=bias), w)
        ratio[bias] = n[0] / n[-1]
    assert ratio[4.0] > 1e-2 and ratio[0.0] < 1e-10


def test_random_gru_update_block():
    Wx, Wh, bx, bh = lag_lab.random_gru(3, 5, np.random.default_rng(0), update_bias=2.5)
    assert Wx.shape == (3, 15) and Wh.shape == (5, 15) and bx.shape == bh.shape == (15,)
    assert np.all(bx[5:10] == 2.5) and not bx[:5].any() and not bx[10:].any() and not bh.any()


@pytest.mark.parametrize("kwargs, words", [
    (dict(kind="lstm"), "kind"),
    (dict(weights="w3"), "weights must be the tuple (Wx, Wh, bx, bh)"),
    (dict(w_cut=True), "w must have shape (H,)"),
    (dict(two=True), "one sequence"),
])
def test_gradient_through_time_bad_input(kwargs, words):
    x, weights, w = _problem("gru")
    kind = kwargs.get("kind", "gru")
    if kwargs.get("weights"):
        weights = weights[:3]
    if kwargs.get("w_cut"):
        w = w[:-1]
    if kwargs.get("two"):
        x = np.concatenate([x, x])
    with pytest.raises(ValueError) as info:
        lag_lab.gradient_through_time(kind, x, weights, w)
    assert words in str(info.value)


@pytest.mark.parametrize("kind", lag_lab.KINDS)
@pytest.mark.parametrize("D, H", [(2, 3), (5, 7)])
def test_param_count_is_the_number_of_weights(kind, D, H):
    params = lag_lab.init_params(kind, H, np.random.default_rng(0), D=D)
    assert lag_lab.param_count(kind, D, H, out=1) == sum(p.size for p in params.values())
    layer_only = sum(params[k].size for k in lag_lab.WEIGHTS[kind])
    assert lag_lab.param_count(kind, D, H) == layer_only


def test_param_count_matches_torch_for_the_gru_and_rnn():
    torch = pytest.importorskip("torch")
    assert lag_lab.param_count("gru", 5, 7) == sum(p.numel() for p in torch.nn.GRU(5, 7).parameters())
    assert lag_lab.param_count("rnn", 5, 7) + 7 == sum(p.numel() for p in torch.nn.RNN(5, 7).parameters())
    assert lag_lab.param_count("lstm", 5, 7) + 28 == sum(p.numel() for p in torch.nn.LSTM(5, 7).parameters())


def test_param_count_bad_input():
    with pytest.raises(ValueError, match="kind"):
        lag_lab.param_count("transformer", 2, 3)
    with pytest.raises(ValueError, match="H"):
        lag_lab.param_count("gru", 2, 0)


def test_the_experiment_sizes_are_close():
    counts = [lag_lab.param_count(k, 2, lag_lab.LAG[k]["H"], out=1) for k in lag_lab.KINDS]
    assert max(counts) / min(counts) < 1.1, counts


@pytest.mark.parametrize("kind", lag_lab.KINDS)
def test_loss_and_grads_gradient_check(kind):
    rng = np.random.default_rng(3)
    params = lag_lab.init_params(kind, 3, rng, bias=1.0)
    x, targets = data.adding_problem(4, 5, rng)
    loss, grads = lag_lab.loss_and_grads(kind, params, x, targets)
    assert loss == pytest.approx(np.mean((lag_lab.predict(kind, params, x) - targets) ** 2), rel=1e-12)
    assert set(grads) == set(params)
    for name, p in params.items():
        num = gradcheck.numerical_gradient(lambda _: lag_lab.loss_and_grads(kind, params, x, targets)[0], p,
                                           np.ones(()))
        assert gradcheck.rel_error(num, grads[name]) < 1e-7, (kind, name)


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_rnn_and_lstm_are_notebook_06s_models(kind):
    rng = np.random.default_rng(4)
    params = lag_lab.init_params(kind, 3, np.random.default_rng(0), bias=1.0)
    assert params.keys() == lstm_lab.init_params(kind, 3, np.random.default_rng(0), forget_bias=1.0).keys()
    x, targets = data.adding_problem(5, 6, rng)
    a, ga = lag_lab.loss_and_grads(kind, params, x, targets)
    b, gb = lstm_lab.loss_and_grads(kind, params, x, targets)
    assert a == pytest.approx(b, rel=1e-12)
    for k in params:
        np.testing.assert_allclose(ga[k], gb[k], rtol=1e-10, atol=1e-14)


def test_bad_inputs_of_the_experiment():
    params = lag_lab.init_params("gru", 3, np.random.default_rng(0))
    x, targets = data.adding_problem(4, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"targets must have shape \(N,\)"):
        lag_lab.loss_and_grads("gru", params, x, targets[:3])
    with pytest.raises(ValueError, match="kind"):
        lag_lab.lag_run("transformer", 10)
    with pytest.raises(ValueError, match="T"):
        lag_lab.lag_run("gru", 1)


# ---------------------------------------------------------------- the shipped runs


@pytest.fixture(scope="module")
def runs():
    return lag_lab.load_lag_runs()


def test_shipped_file_is_small_and_complete(runs):
    assert lag_lab.DATA_FILE.stat().st_size < 2_000_000
    S = lag_lab.LAG
    for kind in lag_lab.KINDS:
        for T in S["lags"]:
            _, curve = runs[kind, T]
            assert curve["step"][-1] == S["steps"] and len(curve["step"]) == S["steps"] // S["eval_every"]
    assert runs["seconds"] > 0


@pytest.mark.parametrize("T", [10, 100])
def test_shipped_runs_are_what_the_script_makes(runs, T):
    """The first 50 steps of every model, retrained here with the same seeds, match the stored curves."""
    for kind in lag_lab.KINDS:
        _, curve = lag_lab.lag_run(kind, T, steps=50)
        n = len(curve["step"])
        np.testing.assert_array_equal(curve["step"], runs[kind, T][1]["step"][:n])
        np.testing.assert_allclose(curve["test_mse"], runs[kind, T][1]["test_mse"][:n], rtol=1e-8)


def test_stored_weights_made_the_stored_curves(runs):
    for kind in lag_lab.KINDS:
        for T in (25, 400):
            params, curve = runs[kind, T]
            x_test, targets_test = lag_lab.lag_test_set(T)
            mse = float(np.mean((lag_lab.predict(kind, params, x_test) - targets_test) ** 2))
            assert mse == pytest.approx(curve["test_mse"][-1], rel=1e-9)


def test_shipped_runs_show_what_notebook_08_says(runs):
    """Gated models learn every lag; the RNN learns short lags only and fails from T = 50 on."""
    ends = gru_views.summary(runs)
    lags = gru_views.lags(runs)
    limit = gru_views.LEARNED * gru_views.BASELINE
    assert np.all(ends["lstm"] < limit) and np.all(ends["gru"] < limit)
    rnn_learned = [T for T, e in zip(lags, ends["rnn"]) if e < limit]
    assert rnn_learned and max(rnn_learned) < 50 and min(T for T in lags if T not in rnn_learned) <= 100
    assert np.all(ends["rnn"][np.array(lags) >= 100] > 0.5 * gru_views.BASELINE)  # at the baseline, not near it
    # the GRU leaves the plateau first at every lag, within a few hundred steps
    for T in lags:
        assert gru_views.steps_to_learn(runs, "gru", T) <= min(gru_views.steps_to_learn(runs, "lstm", T), 250)


def test_baseline_is_one_sixth():
    _, targets = lag_lab.lag_test_set(100)
    _, other = data.adding_problem(20000, 100, np.random.default_rng(7))
    assert lstm_lab.baseline_mse(other, targets) == pytest.approx(gru_views.BASELINE, rel=0.1)
