"""helpers.lstm_lab: the gate playground against helpers.lstm, gradients through
time against numerical gradients, the adding-problem loss, and the shipped run."""
import numpy as np
import pytest

from helpers import data, gradcheck, lstm, lstm_lab, rnn


def logit(p):
    return np.log(p / (1 - p))


def playground_as_lstm(f, i, o, T):
    """A real one-unit LSTM whose gates are held at f, i, o by its biases (Wh = 0)."""
    g = lstm_lab.playground_candidates(T)
    x = np.arctanh(g)[None, :, None]  # (1, T+1, 1): the g block of Wx is 1, so g_t = tanh(x_t)
    Wx = np.array([[0.0, 0.0, 1.0, 0.0]])
    Wh = np.zeros((1, 4))
    b = np.array([logit(i), logit(f), 0.0, logit(o)])
    return x, Wx, Wh, b


@pytest.mark.parametrize("f,i,o,T", [(0.99, 0.5, 0.5, 100), (0.5, 0.9, 0.2, 30), (0.9, 0.1, 0.95, 7)])
def test_playground_matches_helpers_lstm_forward_and_backward(f, i, o, T):
    res = lstm_lab.gate_playground(f, i, o, T)
    x, Wx, Wh, b = playground_as_lstm(f, i, o, T)
    h, cache = lstm.forward(x, np.zeros((1, 1)), Wx, Wh, b)
    np.testing.assert_allclose(cache["c"][0, :, 0], res["c"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h[0, :, 0], res["h"], rtol=1e-12, atol=1e-14)
    # dL/dc_k for L = h_T: run the rest of the sequence from c_k and read lstm.backward's dc0.
    for k in sorted({0, T // 3, T - 1}):
        xs = x[:, k + 1:]
        hs, cs = lstm.forward(xs, h[:, k], Wx, Wh, b, c0=cache["c"][:, k])
        dh = np.zeros_like(hs)
        dh[0, -1, 0] = 1.0
        dc_k = lstm.backward(dh, cs)[5]
        np.testing.assert_allclose(dc_k[0, 0], res["dc"][k], rtol=1e-10)
    # The same gradient asked for through the dc argument: L = c_T * dc_T gives f^T dc_T at c_0.
    dc = np.zeros_like(h)
    dc[0, -1, 0] = res["dc_T"]
    dc_init = lstm.backward(np.zeros_like(h), cache, dc=dc)[5]  # gradient on the state before t = 0
    np.testing.assert_allclose(dc_init[0, 0], f * res["dc"][0], rtol=1e-10)


def test_playground_keep_and_memory():
    res = lstm_lab.gate_playground(0.99, 0.5, 0.5, 100)
    assert res["keep"] == pytest.approx(0.99 ** 100)
    assert res["dc"][0] / res["dc"][-1] == pytest.approx(0.99 ** 100)
    assert res["memory"][0] == pytest.approx(0.5 * 0.9)
    assert res["t"].shape == res["c"].shape == res["dc"].shape == (101,)


@pytest.mark.parametrize("f,T", [(0.001, 1000), (0.5, 1000), (0.999, 1000), (0.01, 1)])
def test_playground_extremes_do_not_underflow_or_warn(f, T):
    with np.errstate(all="raise"):  # what the widget uses
        res = lstm_lab.gate_playground(f, 0.999, 0.001, T)
        text = lstm_lab.playground_verdict(f, 0.999, 0.001, T, res)
    assert np.all(np.isfinite(res["dc"])) and np.all(res["dc"] > 0)
    assert "forget gate" in text and f"after {T} steps" in text


def test_playground_verdict_names_the_numbers():
    res = lstm_lab.gate_playground(0.99, 0.5, 0.5, 100)
    text = lstm_lab.playground_verdict(0.99, 0.5, 0.5, 100, res)
    assert "forget gate 0.99" in text and "36.6%" in text and "0.37 of its value at t=100" in text
    res = lstm_lab.gate_playground(0.01, 0.5, 0.5, 500)
    assert "less than 1e-300" in lstm_lab.playground_verdict(0.01, 0.5, 0.5, 500, res)


@pytest.mark.parametrize("i, words, not_words", [
    (0.01, ["Input gate 0.01, nearly shut, lets in little", "first write is 0.009"], ["wide open", "% of every"]),
    (0.05, ["nearly shut"], ["wide open"]),
    (0.3, ["Input gate 0.3 lets in 30% of every candidate", "first write is 0.27"], ["nearly shut", "wide open"]),
    (0.5, ["lets in 50% of every candidate"], ["nearly shut", "wide open"]),
    (0.95, ["Input gate 0.95, nearly wide open, lets in almost all", "first write is 0.85"], ["nearly shut", "% of every"]),
])
def test_playground_verdict_follows_the_input_gate(i, words, not_words):
    res = lstm_lab.gate_playground(0.99, i, 0.5, 100)
    text = lstm_lab.playground_verdict(0.99, i, 0.5, 100, res)
    for w in words:
        assert w in text, text
    for w in not_words:
        assert w not in text, text
    distract = np.max(np.abs(res["c"] - res["memory"]))  # the part of c the distractors wrote
    assert f"the distractors move c by up to {distract:.2g}" in text
    half = lstm_lab.gate_playground(0.99, 0.5, 0.5, 100)  # a constant i scales the write and the distractors alike
    assert distract == pytest.approx(i / 0.5 * np.max(np.abs(half["c"] - half["memory"])))
    assert res["memory"][0] == pytest.approx(i / 0.5 * half["memory"][0])


def drawn_playground(**values):
    from helpers import widgets
    fig = widgets.agg_figure((8, 3.4))
    parts = lstm_lab.setup_playground(fig)
    verdict = lstm_lab.draw_playground(parts, **values)
    fig.canvas.draw()
    return parts, verdict


def test_playground_draws_what_gate_playground_computes():
    parts, verdict = drawn_playground(f=0.9, i=0.5, o=0.5, T=100)
    res = lstm_lab.gate_playground(0.9, 0.5, 0.5, 100)
    assert verdict == lstm_lab.playground_verdict(0.9, 0.5, 0.5, 100, res)
    for name in ("c", "memory", "dc"):
        t, y = parts[name].get_data()
        assert np.array_equal(t, res["t"]) and np.array_equal(y, res[name])
    lo, hi = parts["ax2"].get_ylim()
    assert lo <= res["dc"].min() and hi >= res["dc"].max()  # 4.7 decades: all of it on the chart
    assert not parts["off_chart"].get_visible()
    lo, hi = parts["ax1"].get_ylim()
    assert lo < res["c"].min() and hi > res["c"].max()


def test_playground_extreme_sliders_keep_the_chart_readable():
    parts, verdict = drawn_playground(f=0.01, i=0.99, o=0.01, T=500)  # dc spans hundreds of decades
    lo, hi = parts["ax2"].get_ylim()
    assert hi / lo == pytest.approx(1e30) and parts["off_chart"].get_visible()
    assert "less than 1e-300" in verdict and "nearly wide open" in verdict
    parts, verdict = drawn_playground(f=0.999, i=0.01, o=0.99, T=10)
    assert not parts["off_chart"].get_visible() and "nearly shut" in verdict


def test_playground_in_an_experiment_reports_bad_values():
    import ipywidgets as W

    from helpers import widgets
    exp = widgets.Experiment({"f": W.FloatSlider(value=0.99, min=0.0, max=1.0, step=0.001),
                              "i": W.FloatSlider(value=0.5, min=0.0, max=1.0),
                              "o": W.FloatSlider(value=0.5, min=0.01, max=0.99),
                              "T": W.IntSlider(value=100, min=0, max=2000)},
                             lstm_lab.draw_playground, setup=lstm_lab.setup_playground, figsize=(8, 3.4))
    assert "36.6%" in exp.verdict.value
    for name, bad, words in [("f", 1.0, "f must be below 1"), ("i", 0.0, "i must be &gt; 0"),
                             ("T", 0, "T must be &gt;= 1"), ("T", 2000, "T must be &lt;= 1000")]:
        good = exp.controls[name].value
        exp.controls[name].value = bad
        assert "⚠" in exp.verdict.value and words in exp.verdict.value, exp.verdict.value
        exp.controls[name].value = good
        assert "⚠" not in exp.verdict.value


@pytest.mark.parametrize("kwargs,words", [
    (dict(f=1.0, i=0.5, o=0.5, T=10), ["f", "below 1"]),
    (dict(f=0.5, i=0.0, o=0.5, T=10), ["i", "> 0"]),
    (dict(f=0.5, i=0.5, o=1.5, T=10), ["o", "below 1"]),
    (dict(f=0.5, i=0.5, o=0.5, T=0), ["T", ">= 1"]),
])
def test_playground_bad_input(kwargs, words):
    with pytest.raises(ValueError) as info:
        lstm_lab.gate_playground(**kwargs)
    for w in words:
        assert w in str(info.value)


def _gtt_problem(kind, T=6, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    Wx, Wh, b = lstm_lab.random_params(kind, D, H, rng, forget_bias=1.0)
    x = rng.standard_normal((1, T, D))
    w = rng.standard_normal(H)
    return x, Wx, Wh, b, w


@pytest.mark.parametrize("kind, state", [("lstm", "c"), ("lstm", "h"), ("rnn", "h")])
def test_gradient_through_time_matches_numerical(kind, state):
    """Perturb the state at step k, run the rest forward, compare with the norm reported."""
    T = 6
    x, Wx, Wh, b, w = _gtt_problem(kind, T)
    norms = lstm_lab.gradient_through_time(kind, x, Wx, Wh, b, w, state=state)
    H = w.size
    zero = np.zeros((1, 1, H))
    if kind == "lstm":
        h, cache = lstm.forward(x, np.zeros((1, H)), Wx, Wh, b)
        cs = np.concatenate([zero, cache["c"]], axis=1)  # c_0 .. c_T
    else:
        h, cache = rnn.forward(x, np.zeros((1, H)), Wx, Wh, b)
    hs = np.concatenate([zero, h], axis=1)  # h_0 .. h_T
    for k in range(1, T + 1):
        s = (cs if state == "c" else hs)[:, k].copy()

        def loss(s):
            if kind == "rnn":
                return (rnn.forward(x[:, k:], s, Wx, Wh, b)[0][:, -1] @ w) if k < T else s @ w
            if state == "c":  # h_k = o_k tanh(c_k) follows c_k; o_k is fixed by step k's inputs
                hk, ck = cache["o"][:, k - 1] * np.tanh(s), s
            else:  # h_k moved on its own, c_k held
                hk, ck = s, cs[:, k]
            return (lstm.forward(x[:, k:], hk, Wx, Wh, b, c0=ck)[0][:, -1] @ w) if k < T else hk @ w

        num = gradcheck.numerical_gradient(loss, s, np.ones(1))
        assert np.linalg.norm(num) == pytest.approx(norms[k], rel=1e-6), k


def test_gradient_through_time_at_the_start_matches_backward():
    for kind, layer, state, idx in [("lstm", lstm, "c", 5), ("lstm", lstm, "h", 1), ("rnn", rnn, "h", 1)]:
        x, Wx, Wh, b, w = _gtt_problem(kind, T=9)
        h, cache = layer.forward(x, np.zeros((1, w.size)), Wx, Wh, b)
        dh = np.zeros_like(h)
        dh[0, -1] = w
        d0 = layer.backward(dh, cache)[idx]  # dc0 or dh0
        got = lstm_lab.gradient_through_time(kind, x, Wx, Wh, b, w, state=state)
        assert got[0] == pytest.approx(np.linalg.norm(d0), rel=1e-10)
        if state == "h":
            assert got[-1] == pytest.approx(np.linalg.norm(w))  # at step T the gradient on h_T is w itself


def test_gradient_through_time_bad_input():
    x, Wx, Wh, b, w = _gtt_problem("lstm")
    with pytest.raises(ValueError, match="kind"):
        lstm_lab.gradient_through_time("gru", x, Wx, Wh, b, w)
    with pytest.raises(ValueError, match=r"w must have shape \(H,\)"):
        lstm_lab.gradient_through_time("lstm", x, Wx, Wh, b, w[:-1])
    with pytest.raises(ValueError, match="one sequence"):
        lstm_lab.gradient_through_time("lstm", np.concatenate([x, x]), Wx, Wh, b, w)
    with pytest.raises(ValueError, match="state"):
        lstm_lab.gradient_through_time("lstm", x, Wx, Wh, b, w, state="a")
    x, Wx, Wh, b, w = _gtt_problem("rnn")
    with pytest.raises(ValueError, match="only for kind 'lstm'"):
        lstm_lab.gradient_through_time("rnn", x, Wx, Wh, b, w, state="c")


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_loss_and_grads_gradient_check(kind):
    rng = np.random.default_rng(3)
    params = lstm_lab.init_params(kind, 3, rng, forget_bias=1.0)
    x, targets = data.adding_problem(4, 5, rng)
    _, grads = lstm_lab.loss_and_grads(kind, params, x, targets)
    for name, p in params.items():
        num = gradcheck.numerical_gradient(lambda _: lstm_lab.loss_and_grads(kind, params, x, targets)[0], p, np.ones(()))
        assert gradcheck.rel_error(num, grads[name]) < 1e-7, name


def test_loss_and_grads_bad_targets():
    rng = np.random.default_rng(0)
    params = lstm_lab.init_params("rnn", 3, rng)
    x, targets = data.adding_problem(4, 5, rng)
    with pytest.raises(ValueError, match=r"targets must have shape \(N,\)"):
        lstm_lab.loss_and_grads("rnn", params, x, targets[:3])


def test_baseline_is_about_one_sixth():
    rng = np.random.default_rng(0)
    _, targets_train = data.adding_problem(20000, 10, rng)
    _, targets_test = data.adding_problem(20000, 10, rng)
    assert lstm_lab.baseline_mse(targets_train, targets_test) == pytest.approx(1 / 6, rel=0.03)


def test_shipped_run_is_what_the_script_makes():
    """The first 100 steps of both runs, retrained here, match the stored curves."""
    stored = lstm_lab.load_adding_run()
    for kind in ("lstm", "rnn"):
        _, curve = lstm_lab.adding_run(kind, steps=100)
        n = len(curve["step"])
        np.testing.assert_array_equal(curve["step"], stored[kind][1]["step"][:n])
        np.testing.assert_allclose(curve["test_mse"], stored[kind][1]["test_mse"][:n], rtol=1e-6)


def test_shipped_run_shows_lstm_learning_and_rnn_at_baseline():
    stored = lstm_lab.load_adding_run()
    x_test, targets_test = lstm_lab.adding_test_set()
    _, targets_train = data.adding_problem(5000, lstm_lab.ADDING["T"], np.random.default_rng(1))
    base = lstm_lab.baseline_mse(targets_train, targets_test)
    for kind in ("lstm", "rnn"):
        params, curve = stored[kind]
        assert curve["step"][-1] == lstm_lab.ADDING["steps"]
        mse = lstm_lab.loss_and_grads(kind, params, x_test, targets_test)[0]
        assert mse == pytest.approx(curve["test_mse"][-1], rel=1e-9)  # the stored weights made the stored curve
    assert stored["lstm"][1]["test_mse"][-1] < 0.01
    assert stored["rnn"][1]["test_mse"].min() > 0.9 * base


def test_predict_agrees_with_the_loss():
    rng = np.random.default_rng(5)
    for kind in ("lstm", "rnn"):
        params = lstm_lab.init_params(kind, 4, rng)
        x, targets = data.adding_problem(6, 8, rng)
        pred = lstm_lab.predict(kind, params, x)
        assert pred.shape == (6,)
        assert np.mean((pred - targets) ** 2) == pytest.approx(lstm_lab.loss_and_grads(kind, params, x, targets)[0],
                                                               rel=1e-12)
