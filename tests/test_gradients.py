"""helpers.gradients: the lab's curve is the true gradient, and its extremes stay readable."""
import time
import warnings

import numpy as np
import pytest

from helpers import gradcheck, gradients, rnn


def true_dh(scale, activation, T, seed, H, D):
    """dL/dh_t for t = 0..T from helpers.rnn.backward, rebuilding the same random RNN."""
    rng = np.random.default_rng(seed)
    Wh = gradients.recurrent_matrix(H, scale, rng)
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    b = np.zeros(H)
    x = rng.standard_normal((1, T, D))
    u = rng.standard_normal((1, H))
    u /= np.linalg.norm(u)
    h, _ = rnn.forward(x, np.zeros((1, H)), Wx, Wh, b, activation=activation)
    hs = np.concatenate([np.zeros((1, 1, H)), h], axis=1)  # h_0 .. h_T
    out = [u[0]]
    for t in range(T - 1, -1, -1):  # dL/dh_t = dh0 of the RNN restarted from h_t
        _, cache = rnn.forward(x[:, t:], hs[:, t], Wx, Wh, b, activation=activation)
        dh = np.zeros((1, T - t, H))
        dh[0, -1] = u[0]
        out.append(rnn.backward(dh, cache)[1][0])
    return np.array(out[::-1]), (x, hs, Wx, Wh, b, u)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_norms_match_rnn_backward(activation, scale):
    T, H, D = 6, 5, 3
    tr = gradients.gradient_norms(scale, activation, T, np.random.default_rng(7), H=H, D=D)
    dhs, _ = true_dh(scale, activation, T, 7, H, D)
    want = np.log10(np.linalg.norm(dhs, axis=1))
    assert np.allclose(tr.log10_norm, want, atol=1e-10)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_norms_match_finite_differences(activation):
    T, H, D = 5, 4, 3
    dhs, (x, hs, Wx, Wh, b, u) = true_dh(1.3, activation, T, 3, H, D)
    tr = gradients.gradient_norms(1.3, activation, T, np.random.default_rng(3), H=H, D=D)
    for t in (0, 2, 4):
        def L(h_t):
            h, _ = rnn.forward(x[:, t:], h_t, Wx, Wh, b, activation=activation)
            return np.array(h[0, -1] @ u[0])
        num = gradcheck.numerical_gradient(L, hs[:, t].copy(), np.array(1.0))
        assert gradcheck.rel_error(num[0], dhs[t]) < 1e-7
        assert abs(np.log10(np.linalg.norm(num)) - tr.log10_norm[t]) < 1e-6


def test_bound_holds_and_orthogonal_scale():
    for activation in ("tanh", "sigmoid", "relu"):
        for scale in (0.3, 1.0, 2.5):
            tr = gradients.gradient_norms(scale, activation, 40, np.random.default_rng(1))
            assert np.isclose(tr.sigma_max, scale)
            finite = np.isfinite(tr.log10_norm)
            assert np.all(tr.log10_norm[finite] <= tr.log10_bound[finite] + 1e-9)
    W = gradients.recurrent_matrix(6, 2.0, np.random.default_rng(0))
    assert np.allclose(np.linalg.svd(W, compute_uv=False), 2.0)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("scale", [0.1, 1.0, 3.0, 5.0])
def test_extremes_give_words_not_warnings(activation, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):  # what the widget does
            tr = gradients.gradient_norms(scale, activation, 200, np.random.default_rng(0), clip=1.0)
            text = gradients.verdict(tr)
    assert not np.any(np.isnan(tr.log10_norm))
    assert text.split(":")[0] in {"vanishing", "vanished", "exploding", "exploded", "neither"}
    if activation == "sigmoid" or scale <= 1.0:
        assert text.startswith("vanish")  # gamma * sigma_max < 1 for these: vanishing is guaranteed
    if activation == "relu" and scale == 3.0:
        assert text.startswith("exploding")


def test_messages_for_float64_limits():
    tr = gradients.gradient_norms(0.1, "sigmoid", 200, np.random.default_rng(0))
    assert tr.log10_norm[0] < gradients.LOG10_MIN
    assert "in plain float64 it is 0" in gradients.verdict(tr)
    with pytest.raises(ValueError, match="exploded in the forward pass"):
        gradients.gradient_norms(8.0, "relu", 600, np.random.default_rng(0))
    tr = gradients.gradient_norms(3.0, "relu", 20, np.random.default_rng(0))
    tr.log10_norm = tr.log10_norm * 100  # a made-up trace beyond float64's range
    assert gradients.verdict(tr).startswith("exploded") and "inf" in gradients.verdict(tr)


def test_clipping_shifts_the_curve_but_keeps_its_shape():
    tr = gradients.gradient_norms(3.0, "relu", 50, np.random.default_rng(0), clip=1.0)
    assert tr.log10_clip_factor < 0
    assert np.allclose(tr.log10_clipped - tr.log10_norm, tr.log10_clip_factor)
    assert np.isclose(tr.log10_param_norm + tr.log10_clip_factor, 0.0)  # clipped global norm = 1
    assert "ratio t=0 : T is unchanged" in gradients.verdict(tr)


def test_param_norm_is_the_true_global_norm():
    T, H, D = 6, 5, 3
    tr = gradients.gradient_norms(1.5, "tanh", T, np.random.default_rng(2), H=H, D=D)
    _, (x, hs, Wx, Wh, b, u) = true_dh(1.5, "tanh", T, 2, H, D)
    _, cache = rnn.forward(x, hs[:, 0], Wx, Wh, b)
    dh = np.zeros((1, T, H))
    dh[0, -1] = u[0]
    _, _, dWx, dWh, db = rnn.backward(dh, cache)
    norm = np.sqrt(np.sum(dWx ** 2) + np.sum(dWh ** 2) + np.sum(db ** 2))
    assert np.isclose(tr.log10_param_norm, np.log10(norm))


def test_fast_enough():
    start = time.perf_counter()
    for _ in range(5):
        gradients.gradient_norms(3.0, "relu", 200, np.random.default_rng(0), clip=1.0)
    assert (time.perf_counter() - start) / 5 < 0.1


def test_cliff_gradient_and_descent():
    w, b = np.array(5.0), np.array(-2.3)
    L, dw, db = gradients.cliff_loss(w, b)
    num_w = gradcheck.numerical_gradient(lambda v: gradients.cliff_loss(v, b)[0], np.array(5.0), np.array(1.0))
    num_b = gradcheck.numerical_gradient(lambda v: gradients.cliff_loss(w, v)[0], np.array(-2.3), np.array(1.0))
    assert gradcheck.rel_error(dw, num_w) < 1e-6 and gradcheck.rel_error(db, num_b) < 1e-6
    path, losses, norms = gradients.cliff_descent(8.0, -4.0, 0.05, 40, clip=1.0)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert np.all(steps <= 0.05 + 1e-12)  # clipping bounds every step at lr * clip
    path, losses, norms = gradients.cliff_descent(8.0, -4.0, 0.05, 40)
    assert norms.max() > 50  # without clipping the wall's gradient is huge


def test_cliff_wall_is_where_the_loss_jumps():
    w = np.array([3.0, 5.0, 8.0])
    wall = gradients.cliff_wall(w)
    assert np.isnan(wall[0]), "w = 3: one stable state, no wall"
    for wi, bi in zip(w[1:], wall[1:]):
        L_below, _, _ = gradients.cliff_loss(wi, bi - 0.01)
        L_above, _, _ = gradients.cliff_loss(wi, bi + 0.01)
        assert abs(L_above - L_below) > 1, f"w = {wi}: the loss does not jump across b = {bi:.3f}"
        far = gradients.cliff_loss(wi, np.array([bi - 0.5, bi + 0.5]))
        assert np.hypot(far[1], far[2]).max() < 30, "half a unit away the ground should be flat"
    _, dw, db = gradients.cliff_loss(5.0, np.linspace(wall[1] - 0.01, wall[1] + 0.01, 2001))
    assert np.hypot(dw, db).max() > 1000, "no huge gradient at the wall (at w = 8 it is too narrow to sample)"
    # the unclipped descent of notebook 05 is thrown when it crosses the wall
    path, _, norms = gradients.cliff_descent(8.0, -4.0, lr=0.05, steps=40)
    k = int(np.argmax(norms))
    w_k, b_k = path[k]
    assert abs(b_k - gradients.cliff_wall(np.array([w_k]))[0]) < 0.3
    with pytest.raises(ValueError, match="w must have 1 dimensions"):
        gradients.cliff_wall(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="b_low must be < b_high"):
        gradients.cliff_wall(w, b_low=1.0, b_high=0.0)


def test_errors_name_the_argument():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="activation must be one of"):
        gradients.gradient_norms(1.0, "softplus", 10, rng)
    with pytest.raises(ValueError, match="scale must be > 0"):
        gradients.gradient_norms(0.0, "tanh", 10, rng)
    with pytest.raises(ValueError, match="T must be >= 1"):
        gradients.gradient_norms(1.0, "tanh", 0, rng)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        gradients.gradient_norms(1.0, "tanh", 10, 0)
    with pytest.raises(ValueError, match="clip must be > 0"):
        gradients.gradient_norms(1.0, "tanh", 10, rng, clip=-1.0)
    with pytest.raises(TypeError, match="GradientTrace"):
        gradients.verdict(None)


def test_verdict_for_an_exactly_zero_gradient():
    tr = gradients.gradient_norms(1.0, "relu", 10, np.random.default_rng(0))
    tr.log10_norm[:4] = -np.inf  # as if every relu unit were off at step 4
    text = gradients.verdict(tr)
    assert text.startswith("vanished: the gradient is exactly 0 at t = 3")


def test_train_adding_clipping():
    """Norm clipping keeps the direction, value clipping bends it; without clipping the run diverges."""
    runs = {clip: gradients.train_adding(clip, limit, np.random.default_rng(0), steps=60)
            for clip, limit in [("none", None), ("value", 0.1), ("norm", 1.0)]}
    assert runs["none"]["diverged_at"] is not None
    for clip in ("value", "norm"):
        r = runs[clip]
        assert r["diverged_at"] is None and len(r["loss"]) == 60
        assert np.all(np.isfinite(r["loss"])) and np.all(r["norm"] >= 0)
    np.testing.assert_allclose(runs["norm"]["cosine"], 1.0, atol=1e-12)
    np.testing.assert_allclose(runs["norm"]["applied"], np.minimum(runs["norm"]["norm"], 1.0), rtol=1e-12)
    assert np.all(runs["value"]["applied"] <= runs["value"]["norm"] + 1e-12)
    assert np.all(runs["value"]["applied"] < runs["value"]["norm"]) is np.False_, "only large entries are cut"
    assert runs["value"]["cosine"].min() < 0.99
    with pytest.raises(ValueError, match="clip"):
        gradients.train_adding("sideways", 1.0, np.random.default_rng(0))
