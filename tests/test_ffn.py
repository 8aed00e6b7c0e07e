"""helpers.ffn: the toy task, the two-layer net's gradients, training, verdicts, char windows, and the lab's figure."""
import io

import ipywidgets as W
import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from helpers import ffn, ffn_views, gradcheck, plots, widgets


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


# --------------------------------------------------------------------------
# Pictures and the learning-rate / hidden-size lab (notebook 01's widget)
# --------------------------------------------------------------------------

def lab(steps=60):
    X, labels = ffn.spiral(20, 3, np.random.default_rng(0))
    return ffn_views.SpiralLab(X, labels, steps=steps, n_grid=24)


def test_predicted_classes_is_the_argmax_on_the_grid():
    X, labels, params = problem(seed=6)
    classes = ffn_views.predicted_classes(params, n_grid=5)
    assert classes.shape == (5, 5) and classes.dtype.kind == "i"
    g = np.linspace(-ffn_views.PLANE, ffn_views.PLANE, 5)
    for i, j in [(0, 0), (0, 4), (4, 0), (2, 3)]:  # row i: height x_2 = g[i]; column j: x_1 = g[j]
        point = np.array([[g[j], g[i]]])
        assert classes[i, j] == np.argmax(ffn.predict_proba(params, point))
    with pytest.raises(ValueError, match="n_grid must be >= 2"):
        ffn_views.predicted_classes(params, n_grid=1)


def test_plot_points_and_regions_draw_one_colour_and_marker_per_class():
    X, labels, params = problem(seed=7)
    fig = Figure()
    ax = fig.subplots()
    image = ffn_views.plot_regions(ax, params, X, labels, n_grid=10)
    assert image.get_array().shape == (10, 10)
    colours = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert len(ax.collections) == 3 and len(set(colours)) == 3
    vermillion = matplotlib.colors.to_rgba(plots.PALETTE["vermillion"])
    assert vermillion not in colours, "orange and vermillion in one picture are hard to tell apart"
    with pytest.raises(ValueError, match="labels must lie in"):
        ffn_views.plot_points(ax, np.zeros((9, 2)), np.arange(9))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        ffn_views.plot_points(ax, np.zeros((3, 3)), np.zeros(3, int))


def test_lab_runs_each_setting_once_and_as_train_does():
    L = lab()
    first = L.run(0.5, 4)
    assert L.run(0.5, 4) is first, "a setting seen before is recalled, not retrained"
    params, losses = ffn.train(L.x, L.labels, 4, 0.5, L.steps, np.random.default_rng(L.seed))
    np.testing.assert_array_equal(first[1], losses)
    L.cache_clear()
    assert L.run(0.5, 4) is not first
    small = ffn_views.SpiralLab(L.x, L.labels, steps=5, keep=2)
    a = small.run(0.1, 2)
    small.run(0.2, 2), small.run(0.3, 2)  # the oldest of three is forgotten
    assert small.run(0.1, 2) is not a and len(small._runs) == 2


def test_lab_draws_a_run_and_says_how_it_ended():
    L = lab()
    fig = widgets.agg_figure((8, 3.8))
    parts = L.setup(fig)
    text = L.draw(parts, 1.0, 8)
    losses = L.run(1.0, 8)[1]
    assert text.startswith(ffn.verdict(losses, L.steps)) and "of the training points right" in text
    x_data, y_data = parts["loss"].get_data()
    np.testing.assert_array_equal(y_data, losses)
    assert parts["regions"].get_visible() and parts["regions"].get_array().shape == (24, 24)
    assert not parts["note"].get_visible() and len(parts["blowup"].get_xdata()) == 0
    assert parts["title_loss"].get_text() == "lr = 1, H = 8"
    assert parts["title_regions"].get_text().startswith("the net's classes: ")
    fig.canvas.draw()


def test_lab_marks_a_divergence_where_it_happened():
    L = lab()
    parts = L.setup(widgets.agg_figure((8, 3.8)))
    text = L.draw(parts, 100.0, 32)
    losses = L.run(100.0, 32)[1]
    last = len(losses) - 1
    assert last < L.steps and "diverged" in text
    assert parts["note"].get_visible() and f"blew up at step {last}" in parts["note"].get_text()
    assert list(parts["blowup"].get_xdata()) == [last] and parts["note"].xy[0] == last
    assert ffn_views.LOSS_RANGE[0] <= parts["blowup"].get_ydata()[0] <= ffn_views.LOSS_RANGE[1]  # on the axis, not off it
    assert not parts["regions"].get_visible() and "diverged" in parts["title_regions"].get_text()
    L.draw(parts, 0.5, 8)  # and back: the marks go away
    assert not parts["note"].get_visible() and parts["regions"].get_visible()


def test_lab_regions_alone_on_subfigures():
    L = lab()
    fig = Figure(figsize=(8, 2.4))
    for panel, H in zip(fig.subfigures(1, 2), [1, 6]):
        parts = L.setup(panel, panels=["regions"])
        assert set(parts) == {"regions", "points", "title_regions"}
        L.draw(parts, 2.0, H)
        assert parts["title_regions"].get_text().startswith(f"H = {H}: ")
    assert len(fig.axes) == 2


@pytest.mark.parametrize("lr, H", [(1e-3, 1), (100.0, 64), (1e-3, 64), (100.0, 1)])
def test_lab_in_an_experiment_at_the_sliders_ends(lr, H):
    L = lab()
    exp = widgets.Experiment({"lr": W.FloatLogSlider(value=lr, base=10, min=-3, max=2),
                              "H": W.IntSlider(value=H, min=1, max=64)}, L.draw, setup=L.setup, figsize=(8, 3.8))
    assert "⚠" not in exp.verdict.value and ("final loss" in exp.verdict.value or "diverged" in exp.verdict.value)


def test_lab_updates_look_like_a_full_redraw():
    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))

    L = lab()
    exp = widgets.Experiment({"lr": W.FloatLogSlider(value=0.5, base=10, min=-3, max=2),
                              "H": W.IntSlider(value=8, min=1, max=64)}, L.draw, setup=L.setup, figsize=(8, 3.8))
    for lr in (100.0, 0.5, 2.0):  # diverged, then back
        exp.controls["lr"].value = lr
        shown = pixels(exp.image.value)
        exp._background = None
        assert np.array_equal(shown, pixels(exp.render_png()))


@pytest.mark.parametrize("lr, H, match", [(0.0, 8, "lr must be > 0"), (-1.0, 8, "lr must be > 0"),
                                          (1e5, 8, "lr must be <= 10000"), (0.5, 0, "H must be >= 1"),
                                          (0.5, 5000, "H must be <= 1000")])
def test_lab_extreme_values_give_a_readable_error(lr, H, match):
    L = lab()
    parts = L.setup(widgets.agg_figure((8, 3.8)))
    with pytest.raises(ValueError, match=match):
        L.draw(parts, lr, H)
    exp = widgets.Experiment({"lr": W.FloatText(value=lr), "H": W.IntText(value=H)}, L.draw, setup=L.setup)
    assert "⚠" in exp.verdict.value and match.split()[0] in exp.verdict.value


def test_lab_rejects_bad_setup_arguments():
    L = lab()
    with pytest.raises(ValueError, match="panels must name 'loss' and/or 'regions'"):
        L.setup(widgets.agg_figure((4, 3)), panels=["loss", "curves"])
    with pytest.raises(ValueError, match="steps must be >= 1"):
        ffn_views.SpiralLab(L.x, L.labels, steps=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        ffn_views.SpiralLab(np.zeros((4, 3)), np.zeros(4, int))
